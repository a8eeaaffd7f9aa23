package publicclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/magiclink/magiclink/auth/backend"
)

// Request bodies. Field names are those of the Android SDK's request
// models (ConsumerRequests.kt, CommonRequests.kt) and, for
// code_challenge_method and the expirations, the iOS SDK's.

type sendLinkBody struct {
	Email                   string `json:"email"`
	LoginMagicLinkURL       string `json:"login_magic_link_url,omitempty"`
	SignupMagicLinkURL      string `json:"signup_magic_link_url,omitempty"`
	CodeChallenge           string `json:"code_challenge"`
	CodeChallengeMethod     string `json:"code_challenge_method"`
	LoginExpirationMinutes  int64  `json:"login_expiration_minutes"`
	SignupExpirationMinutes int64  `json:"signup_expiration_minutes"`
}

type sendCodeBody struct {
	Email             string `json:"email"`
	ExpirationMinutes int64  `json:"expiration_minutes"`
}

// authenticateBody is magic_links/authenticate (token, code_verifier) and
// otps/authenticate (token = the code, method_id).
type authenticateBody struct {
	Token                  string `json:"token"`
	CodeVerifier           string `json:"code_verifier,omitempty"`
	MethodID               string `json:"method_id,omitempty"`
	SessionDurationMinutes int64  `json:"session_duration_minutes"`
}

// sessionBody is sessions/authenticate; without a duration it is {} and
// the session is checked, not extended.
type sessionBody struct {
	SessionDurationMinutes int64 `json:"session_duration_minutes,omitempty"`
}

// Response data (the object under "data"). Decoding is strict about types
// and lenient about presence: missing fields and nulls leave zero values.

type sendCodeData struct {
	MethodID string `json:"method_id"`
}

// authData is the AuthData of magic_links/authenticate,
// otps/authenticate and sessions/authenticate.
type authData struct {
	SessionToken string       `json:"session_token"`
	Session      *sessionData `json:"session"`
	User         *userData    `json:"user"`
}

type sessionData struct {
	SessionID             string       `json:"session_id"`
	UserID                string       `json:"user_id"`
	StartedAt             wireTime     `json:"started_at"`
	LastAccessedAt        wireTime     `json:"last_accessed_at"`
	ExpiresAt             wireTime     `json:"expires_at"`
	AuthenticationFactors []factorData `json:"authentication_factors"`
}

type factorData struct {
	Type           string `json:"type"`
	DeliveryMethod string `json:"delivery_method"`
	EmailFactor    *struct {
		EmailAddress string `json:"email_address"`
	} `json:"email_factor"`
}

// userData is a user: in AuthData's "user", and the whole "data" of
// users/me (with request_id and status_code beside it).
type userData struct {
	UserID string      `json:"user_id"`
	Emails []emailData `json:"emails"`
	Name   *struct {
		FirstName  string `json:"first_name"`
		MiddleName string `json:"middle_name"`
		LastName   string `json:"last_name"`
	} `json:"name"`
	Status    string   `json:"status"`
	CreatedAt wireTime `json:"created_at"`
}

type emailData struct {
	EmailID  string `json:"email_id"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

// wireTime is an RFC 3339 timestamp that may also be null or "".
type wireTime struct{ time.Time }

var timeType = reflect.TypeFor[time.Time]()

// UnmarshalJSON implements json.Unmarshaler. A malformed value is a
// *json.UnmarshalTypeError, which does not quote it.
func (t *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string timestamp", Type: timeType}
	}
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "non-RFC 3339 timestamp", Type: timeType}
	}
	t.Time = v
	return nil
}

func (a *authData) auth() *backend.Auth {
	out := &backend.Auth{SessionToken: a.SessionToken}
	if a.Session != nil {
		out.Session = a.Session.session()
	}
	if a.User != nil {
		out.User = a.User.user()
	}
	return out
}

func (s *sessionData) session() backend.Session {
	out := backend.Session{
		ID: s.SessionID, UserID: s.UserID,
		StartedAt: s.StartedAt.Time, LastAccessedAt: s.LastAccessedAt.Time, ExpiresAt: s.ExpiresAt.Time,
	}
	for _, f := range s.AuthenticationFactors {
		bf := backend.Factor{Type: f.Type, DeliveryMethod: f.DeliveryMethod}
		if f.EmailFactor != nil {
			bf.Email = f.EmailFactor.EmailAddress
		}
		if bf != (backend.Factor{}) {
			out.Factors = append(out.Factors, bf)
		}
	}
	return out
}

func (u *userData) user() backend.User {
	out := backend.User{ID: u.UserID, Status: u.Status, CreatedAt: u.CreatedAt.Time}
	if u.Name != nil {
		out.FirstName, out.MiddleName, out.LastName = u.Name.FirstName, u.Name.MiddleName, u.Name.LastName
	}
	for _, e := range u.Emails {
		if e != (emailData{}) {
			out.Emails = append(out.Emails, backend.Email{ID: e.EmailID, Address: e.Email, Verified: e.Verified})
		}
	}
	return out
}

// decodeResponse decodes a response with HTTP status and body: for a 2xx
// the object under "data" goes into out (a pointer, or nil to only check
// that there is one); any other status is an error (see decodeError).
// secrets must not appear in an error.
//
// A 2xx body is decoded in one pass, into an envelope struct whose "data"
// field points to out's type (see envelopeFor), rather than into a
// json.RawMessage that is then decoded again: that first pass scanned and
// copied the whole body a second time and made the public-token client's
// authenticate calls cost more than stytch-go's, which decode once.
func decodeResponse(status int, body []byte, out any, secrets []string) error {
	if status < 200 || status > 299 {
		return decodeError(status, body, secrets)
	}
	unexpected := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%w (HTTP %d): %s: %w", ErrUnexpectedResponse, status, what, err)
		}
		return fmt.Errorf("%w (HTTP %d): %s", ErrUnexpectedResponse, status, what)
	}
	if len(body) > maxResponse {
		return unexpected("the body is larger than 1 MiB", nil)
	}
	dst := reflect.ValueOf(out)
	if out == nil {
		dst = reflect.ValueOf(&struct{}{}) // skips the fields, checks the shape
	} else if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("decode the response into %T: not a non-nil pointer", out)
	}
	env := reflect.New(envelopeFor(dst.Type().Elem()))
	err := json.Unmarshal(body, env.Interface())
	data := env.Elem().Field(0) // *T, nil when "data" is missing or null
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ) && strings.EqualFold(typ.Field, "data"):
		// "data" (matched without regard to case, as encoding/json does) is
		// there but is an array, a string, a number or a bool.
		return unexpected(`no "data" object`, nil)
	case errors.As(err, &syntax) || err != nil && data.IsNil():
		// Not JSON, or not a JSON object at the top.
		return unexpected(`not {"data": …} JSON`, err)
	case err != nil:
		return unexpected(`cannot decode "data"`, err)
	case data.IsNil():
		return unexpected(`no "data" object`, nil)
	}
	dst.Elem().Set(data.Elem())
	return nil
}

// envelopes caches envelopeFor's types by data type.
var envelopes sync.Map // reflect.Type → reflect.Type

// envelopeFor returns the type struct{ Data *T `json:"data"` } for data
// type T.
func envelopeFor(t reflect.Type) reflect.Type {
	if e, ok := envelopes.Load(t); ok {
		return e.(reflect.Type)
	}
	e := reflect.StructOf([]reflect.StructField{{Name: "Data", Type: reflect.PointerTo(t), Tag: `json:"data"`}})
	envelopes.Store(t, e)
	return e
}

// Error types this client sets besides Stytch's own.
const (
	// TypeSchemaError: Stytch refused the request's shape (a body with
	// body/params/query keys): a bug in this client.
	TypeSchemaError = "request_schema_error"
	// typeHTTPPrefix + the status, e.g. "http_502": an error answer that
	// is not Stytch's JSON (a proxy's page, an outage).
	typeHTTPPrefix = "http_"
)

// Messages for the project settings a desktop app cannot satisfy.
const (
	captchaMessage = "The Stytch project requires a captcha for sign-ins from apps (Frontend SDK), and a desktop app can't show one. " +
		"The project owner can switch the captcha off in the Stytch dashboard (Frontend SDK settings) so that this app can sign in."
	dfpMessage = "The Stytch project requires Device Fingerprinting Protected Auth for sign-ins from apps (Frontend SDK), " +
		"and a desktop app can't provide a device fingerprint. The project owner can switch DFP Protected Auth off " +
		"in the Stytch dashboard (Frontend SDK settings) so that this app can sign in."
)

// maxMessage bounds Stytch's error_message as kept; maxExcerpt bounds the
// excerpt of a body that is not Stytch's JSON.
const (
	maxMessage = 500
	maxExcerpt = 120
)

// decodeError turns an error answer into a *backend.Error:
//   - Stytch's JSON {status_code, request_id, error_type, error_message,
//     error_url}, whatever the Content-Type: its type and message, the
//     HTTP status;
//   - a JSON schema error (body/params/query keys): TypeSchemaError;
//   - a body that says "Captcha required": backend.TypeCaptchaRequired;
//   - anything else: "http_<status>" and a short excerpt of the body.
//
// No secret, and nothing that looks like a token, is kept from a body
// that is not Stytch's JSON.
func decodeError(status int, body []byte, secrets []string) *backend.Error {
	e := &backend.Error{StatusCode: status, Credentials: credentials}
	var obj map[string]json.RawMessage
	isObj := json.Unmarshal(body, &obj) == nil && obj != nil
	if isObj {
		if t := jsonString(obj["error_type"]); t != "" && len(t) <= 100 && tokenChars(t) {
			e.Type = t
			e.Message = cleanText(jsonString(obj["error_message"]), secrets, maxMessage)
			if id := jsonString(obj["request_id"]); validRequestID(id) {
				e.RequestID = id
			}
			return e
		}
		if fields := schemaFields(obj, secrets); fields != "" {
			e.Type = TypeSchemaError
			e.Message = "Stytch refused the request's shape (" + fields + "); this is a bug in magiclink's Stytch client."
			return e
		}
	}
	if bytes.Contains(bytes.ToLower(body), []byte("captcha required")) {
		e.Type, e.Message = backend.TypeCaptchaRequired, captchaMessage
		return e
	}
	e.Type = fmt.Sprintf("%s%d", typeHTTPPrefix, status)
	e.Message = excerpt(status, body, secrets)
	return e
}

// jsonString returns raw as a string if it is a JSON string, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func validRequestID(s string) bool { return s != "" && len(s) <= 100 && tokenChars(s) }

// schemaFields describes a schema error by where it is and the names of
// the fields it names, never their values, e.g. "body: code_verifier,
// token"; "" if obj is not a schema error. Only snake_case names that are
// none of the secrets are kept.
func schemaFields(obj map[string]json.RawMessage, secrets []string) string {
	var parts []string
	for _, where := range []string{"body", "params", "query"} {
		raw, ok := obj[where]
		if !ok {
			continue
		}
		var inner map[string]json.RawMessage
		var names []string
		if json.Unmarshal(raw, &inner) == nil {
			for k := range inner {
				if fieldName(k) && !slices.Contains(secrets, k) {
					names = append(names, k)
				}
			}
		}
		sort.Strings(names)
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		p := where
		if len(names) > 0 {
			p += ": " + strings.Join(names, ", ")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// fieldName reports whether s looks like a JSON field name of Stytch's:
// lower-case snake_case, at most 64 characters.
func fieldName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// excerpt returns a short plain-text excerpt of a body that is not
// Stytch's JSON: tags dropped, whitespace folded, secrets and every run
// that looks like a token replaced. An empty body gives the status text.
func excerpt(status int, body []byte, secrets []string) string {
	// Secrets first, over the whole body: neither the cut nor a tag may
	// split one so that it is no longer recognised.
	s := redact(strings.ToValidUTF8(string(body), "?"), secrets)
	if len(s) > 4*maxExcerpt {
		s = strings.ToValidUTF8(s[:4*maxExcerpt], "")
	}
	s = maskTokens(stripTags(s))
	s = cleanText(s, nil, maxExcerpt)
	if s == "" {
		s = http.StatusText(status)
	}
	if s == "" {
		s = "no description"
	}
	return s
}

// stripTags drops everything between '<' and '>'.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// minTokenRun is the length from which a run of token characters in an
// excerpt is masked: Stytch's session and magic-link tokens are about 44
// characters, PKCE values 43 to 128, base64 Basic credentials longer.
const minTokenRun = 16

// maskTokens replaces every run of at least minTokenRun characters from
// the base64 and base64url alphabets with "[…]".
func maskTokens(s string) string {
	isTok := func(r rune) bool { return isAlnum(r) || strings.ContainsRune("-_+/=.%~", r) }
	var b strings.Builder
	run := 0
	flush := func(i int) {
		if run >= minTokenRun {
			b.WriteString("[…]")
		} else {
			b.WriteString(s[i-run : i])
		}
		run = 0
	}
	for i, r := range s {
		if isTok(r) {
			run++ // token characters are one byte each
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

// redact replaces each non-empty secret in s, longest first.
func redact(s string, secrets []string) string {
	ss := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if v != "" {
			ss = append(ss, v)
		}
	}
	sort.Slice(ss, func(i, j int) bool { return len(ss[i]) > len(ss[j]) })
	for _, v := range ss {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// cleanText redacts secrets, turns control characters into spaces, folds
// whitespace and cuts s to at most max runes.
func cleanText(s string, secrets []string, max int) string {
	s = redact(strings.ToValidUTF8(s, "?"), secrets)
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	return truncate(s, max)
}

// truncate cuts s to at most max runes, marking a cut with "…".
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
