package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is a Stytch error: HTTP status, machine-readable type and message.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message)
}

func newAPIError(status int, typ, msg string) *apiError {
	return &apiError{Status: status, Type: typ, Message: msg}
}

// The error catalogue. Messages use Stytch's wording where it is known.

func errUnauthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, "unauthorized_credentials", "Unauthorized credentials.")
}

func errInvalidEmail() *apiError {
	return newAPIError(http.StatusBadRequest, "invalid_email", "Email format is invalid.")
}

func errEmailNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "email_not_found", "Email could not be found.")
}

func errMagicLinkNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "magic_link_not_found",
		"The magic link could not be authenticated, try sending another magic link to the user.")
}

func errUnableToAuthMagicLink() *apiError {
	return newAPIError(http.StatusUnauthorized, "unable_to_auth_magic_link",
		"The magic link could not be authenticated because it was either already used or expired. Send another magic link to this user.")
}

func errSessionNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "session_not_found", "Session could not be found.")
}

func errInvalidSessionDuration() *apiError {
	return newAPIError(http.StatusBadRequest, "invalid_session_duration_minutes",
		"session_duration_minutes is invalid, should be between 5 to 527040 minutes.")
}

func errTooManyRequests() *apiError {
	return newAPIError(http.StatusTooManyRequests, "too_many_requests", "Too many requests have been made.")
}

func errNoMatchRedirect() *apiError {
	return newAPIError(http.StatusBadRequest, "no_match_for_provided_magic_link_url",
		"The magic_link_url in the request did not match any redirect URLs set for this project.")
}

func errOTPNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "otp_code_not_found",
		"The OTP code could not be found or is incorrect.")
}

func errUnableToAuthOTP() *apiError {
	return newAPIError(http.StatusUnauthorized, "unable_to_auth_otp_code",
		"The OTP code could not be authenticated because it was either already used or expired. Send another code to this user.")
}

func errOTPAttempts() *apiError {
	return newAPIError(http.StatusTooManyRequests, "too_many_requests",
		"Too many failed attempts for this code. Send another code to this user.")
}

// Errors of the client API (/sdk/v1). bad_app_bundle_for_stytch_sdk is
// documented as 400 and endpoint_not_authorized_for_sdk as 401 (Stytch's
// error pages, and a real response quoted in public), with these messages;
// captcha_required is documented as 403 "Captcha required".
// bad_domain_for_stytch_sdk's status is not documented: 400 like its
// sibling.

const sdkConfigURL = "https://stytch.com/dashboard/sdk-configuration"

func errBadAppBundle(detail string) *apiError {
	return newAPIError(http.StatusBadRequest, "bad_app_bundle_for_stytch_sdk",
		"This app bundle ID has not been registered as an allowed app for the Stytch SDK. Please add it here: "+
			sdkConfigURL+" ("+detail+")")
}

func errBadDomain() *apiError {
	return newAPIError(http.StatusBadRequest, "bad_domain_for_stytch_sdk",
		"This domain has not been registered as an allowed domain for the Stytch SDK. Please add it here: "+sdkConfigURL)
}

func errEndpointNotAuthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, "endpoint_not_authorized_for_sdk",
		"The project owner has not authorized the SDK to call this endpoint. Please enable it in the dashboard to continue: "+
			sdkConfigURL+".")
}

func errCaptchaRequired() *apiError {
	return newAPIError(http.StatusForbidden, "captcha_required", "Captcha required")
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...))
}

// errorBody is the JSON shape of every error (stytcherror.Error).
type errorBody struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	ErrorURL     string `json:"error_url"`
}

// writeError writes err as a Stytch error body with the matching status.
func (e *Emulator) writeError(w http.ResponseWriter, err *apiError) {
	writeJSON(w, err.Status, errorBody{
		StatusCode:   err.Status,
		RequestID:    e.newRequestID(),
		ErrorType:    err.Type,
		ErrorMessage: err.Message,
		ErrorURL:     "https://stytch.com/docs/api/errors/" + strconv.Itoa(err.Status) + "#" + err.Type,
	})
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep links readable; the Content-Type is JSON with nosniff
	err := enc.Encode(v)
	body := buf.Bytes()
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"status_code":500,"request_id":"","error_type":"internal_server_error","error_message":"could not encode response","error_url":"https://stytch.com/docs/api/errors/500#internal_server_error"}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
