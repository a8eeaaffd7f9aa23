package emulator

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// otpSendRequest is the body of /v1/otps/email/login_or_create and
// /v1/otps/email/send.
type otpSendRequest struct {
	Email               string      `json:"email"`
	ExpirationMinutes   int64       `json:"expiration_minutes"`
	Attributes          *attributes `json:"attributes"`
	CreateUserAsPending bool        `json:"create_user_as_pending"`
	Locale              string      `json:"locale"`
	LoginTemplateID     string      `json:"login_template_id"`
	SignupTemplateID    string      `json:"signup_template_id"`
	// send only; accepted and ignored.
	UserID       string `json:"user_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

type otpSendResponse struct {
	RequestID   string `json:"request_id"`
	UserID      string `json:"user_id"`
	EmailID     string `json:"email_id"`
	MethodID    string `json:"method_id"`
	UserCreated *bool  `json:"user_created,omitempty"`
	StatusCode  int    `json:"status_code"`
}

func (e *Emulator) handleOTPLoginOrCreate(r *http.Request) (any, *apiError) {
	return e.sendOTP(r, true)
}

func (e *Emulator) handleOTPSend(r *http.Request) (any, *apiError) {
	return e.sendOTP(r, false)
}

func (e *Emulator) sendOTP(r *http.Request, create bool) (any, *apiError) {
	var req otpSendRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return e.sendOTPFor(req, create)
}

// sendOTPFor validates a decoded send request and emails the code. /v1 and
// /sdk/v1 share it.
func (e *Emulator) sendOTPFor(req otpSendRequest, create bool) (otpSendResponse, *apiError) {
	address, ok := normalizeEmail(req.Email)
	if !ok {
		return otpSendResponse{}, errInvalidEmail()
	}
	minutes := req.ExpirationMinutes
	if minutes == 0 {
		minutes = defaultOTPExpiryMin
	}
	if minutes < minOTPExpiryMin || minutes > maxOTPExpiryMin {
		return otpSendResponse{}, newAPIError(http.StatusBadRequest, "invalid_expiration_otp",
			"expiration_minutes must be between 1 and 10.")
	}
	return send(e, func() (otpSendResponse, func(), *apiError) {
		return e.sendOTPLocked(req, address, minutes, create)
	})
}

func (e *Emulator) sendOTPLocked(req otpSendRequest, address string, minutes int64, create bool) (otpSendResponse, func(), *apiError) {
	u, created, apiErr := e.recipientLocked(address, create, req.CreateUserAsPending)
	if apiErr != nil {
		return otpSendResponse{}, nil, apiErr
	}
	now := e.now()
	code := newOTPCode()
	o := &otpCode{
		MethodID:  u.EmailID,
		UserID:    u.ID,
		CodeHash:  hashOTP(u.EmailID, code),
		CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(minutes) * time.Minute),
	}
	if req.Attributes != nil {
		o.Attributes = *req.Attributes
	}
	e.otps[u.EmailID] = o // a new code replaces the previous one
	e.touchOTP(u.EmailID)
	after := e.deliver(Message{
		ID:      "message-" + e.env + "-" + newUUID(),
		To:      address,
		Subject: subjectFor("otp"),
		Kind:    "otp",
		Code:    code,
		SentAt:  now,
	})
	resp := otpSendResponse{
		RequestID: e.newRequestID(), UserID: u.ID, EmailID: u.EmailID, MethodID: u.EmailID,
		StatusCode: http.StatusOK,
	}
	if create {
		resp.UserCreated = &created
	}
	return resp, after, nil
}

// otpAuthRequest is the body of /v1/otps/authenticate.
type otpAuthRequest struct {
	MethodID               string         `json:"method_id"`
	Code                   string         `json:"code"`
	Attributes             *attributes    `json:"attributes"`
	Options                *authOptions   `json:"options"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	TelemetryID            string         `json:"telemetry_id"`
}

func (e *Emulator) handleOTPAuthenticate(r *http.Request) (any, *apiError) {
	var req otpAuthRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return e.authenticateOTP(req)
}

// authenticateOTP checks a decoded code and, when it is right, completes
// the sign-in. /v1 and /sdk/v1 share it.
func (e *Emulator) authenticateOTP(req otpAuthRequest) (any, *apiError) {
	sp, apiErr := newSessionParams(req.SessionDurationMinutes, req.SessionToken, req.SessionJWT,
		req.SessionCustomClaims, req.Attributes)
	if apiErr != nil {
		return nil, apiErr
	}
	if !strings.HasPrefix(req.MethodID, "email-test-") && !strings.HasPrefix(req.MethodID, "email-live-") {
		return nil, newAPIError(http.StatusBadRequest, "invalid_method_id",
			"method_id format is invalid: only email_id values are supported.")
	}
	e.mu.Lock()
	resp, apiErr := e.authenticateOTPLocked(req, sp)
	e.mu.Unlock()
	e.persist() // failed attempts are state too
	return resp, apiErr
}

func (e *Emulator) authenticateOTPLocked(req otpAuthRequest, sp sessionParams) (any, *apiError) {
	o := e.otps[req.MethodID]
	if o == nil {
		return nil, errOTPNotFound()
	}
	now := e.now()
	switch {
	case o.UsedAt != nil || !now.Before(o.ExpiresAt):
		return nil, errUnableToAuthOTP()
	case o.Attempts >= maxOTPAttempts:
		return nil, errOTPAttempts()
	}
	got := hashOTP(req.MethodID, req.Code)
	if subtle.ConstantTimeCompare([]byte(got), []byte(o.CodeHash)) != 1 {
		o.Attempts++
		e.touchOTP(req.MethodID)
		return nil, errOTPNotFound()
	}
	if apiErr := checkAttributes(req.Options, o.Attributes, req.Attributes); apiErr != nil {
		return nil, apiErr
	}
	u := e.users[o.UserID]
	if u == nil {
		return nil, errOTPNotFound()
	}
	existing, apiErr := e.existingSession(sp, u.ID)
	if apiErr != nil {
		return nil, apiErr
	}
	o.UsedAt = &now
	e.touchOTP(req.MethodID)
	return e.completeAuth(u, "otp", existing, sp)
}
