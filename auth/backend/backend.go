// Package backend is the seam between magiclink's sign-in engine and
// Stytch. The engine (package auth) talks to Stytch only through Client;
// two adapters implement it:
//
//   - auth/publicclient: Stytch's client API (/sdk/v1) with the project's
//     public token, the way Stytch's own mobile and desktop SDKs sign users
//     in. Nothing secret is on the user's computer. This is how a shipped
//     app runs.
//   - auth/secretclient: Stytch's backend API (/v1) through the official
//     stytch-go SDK with the project's secret, for development, tests and
//     trusted internal tools.
//
// The package holds only the interface and the plain data both adapters
// return, so neither adapter nor the engine depends on the other.
package backend

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Client is what the sign-in engine needs from Stytch. Implementations are
// safe for concurrent use. Every method returns a *Error when Stytch
// answered with an error, and a wrapped transport error (net, url,
// context) when it could not be reached.
type Client interface {
	// SendLink emails a magic link (login or sign-up) bound to a PKCE
	// challenge.
	SendLink(ctx context.Context, req LinkRequest) error
	// SendCode emails a one-time code (login or sign-up) valid for expiry
	// and returns the method id that AuthenticateCode needs.
	SendCode(ctx context.Context, email string, expiry time.Duration) (methodID string, err error)
	// AuthenticateLink exchanges a magic-link token and the PKCE verifier
	// for a new session lasting sessionLength.
	AuthenticateLink(ctx context.Context, token, verifier string, sessionLength time.Duration) (*Auth, error)
	// AuthenticateCode exchanges a one-time code for a new session.
	AuthenticateCode(ctx context.Context, methodID, code string, sessionLength time.Duration) (*Auth, error)
	// AuthenticateSession checks a session and extends it to last
	// sessionLength from now.
	AuthenticateSession(ctx context.Context, sessionToken string, sessionLength time.Duration) (*Auth, error)
	// Revoke ends a session.
	Revoke(ctx context.Context, sessionToken string) error
	// User returns the user a session belongs to. The engine reads the
	// user from AuthenticateSession's answer; User serves tools built on
	// this seam, and the contract test keeps both adapters honest on it.
	User(ctx context.Context, sessionToken string) (*User, error)
}

// LinkRequest asks for one magic-link email.
type LinkRequest struct {
	Email string
	// RedirectURL is where the link sends the browser, for login and
	// sign-up alike; it must be registered in the Stytch project.
	RedirectURL string
	// Expiry is how long the link stays valid.
	Expiry time.Duration
	// CodeChallenge is the PKCE S256 challenge of the verifier that
	// AuthenticateLink will present.
	CodeChallenge string
}

// Auth is a successful authentication: a session and its user.
type Auth struct {
	// SessionToken is the opaque token that names the session; it is the
	// only thing the app stores.
	SessionToken string
	Session      Session
	User         User
}

// User is the part of a Stytch user the app shows.
type User struct {
	ID         string
	Emails     []Email
	FirstName  string
	MiddleName string
	LastName   string
	// Status is Stytch's user status, e.g. "active".
	Status    string
	CreatedAt time.Time
}

// Email is one address of a user.
type Email struct {
	ID       string
	Address  string
	Verified bool
}

// Session is a Stytch session.
type Session struct {
	ID             string
	UserID         string
	StartedAt      time.Time
	LastAccessedAt time.Time
	ExpiresAt      time.Time
	Factors        []Factor
}

// Factor is one way a session was authenticated.
type Factor struct {
	// Type is Stytch's factor type, e.g. "magic_link" or "otp".
	Type string
	// DeliveryMethod is e.g. "email".
	DeliveryMethod string
	// Email is the address the factor was delivered to, if any.
	Email string
}

// Error types that do not come from Stytch's answers but from what a
// client found before asking (for example in the project's bootstrap
// settings). They are set in Error.Type like Stytch's own.
const (
	// TypeCaptchaRequired: the project requires a captcha for the SDK,
	// which a desktop app cannot show.
	TypeCaptchaRequired = "captcha_required"
	// TypeDeviceFingerprintRequired: the project requires Device
	// Fingerprinting Protected Auth, which a desktop app cannot supply.
	TypeDeviceFingerprintRequired = "dfp_protected_auth_required"
)

// ErrUnexpectedResponse is in the chain of an error for an answer that is
// not what the API documents (not JSON, the wrong shape, too large).
var ErrUnexpectedResponse = errors.New("unexpected response from Stytch")

// Error is an error answer from Stytch, or a condition a client found that
// Stytch would refuse. It never contains a token, code, verifier or secret.
type Error struct {
	// StatusCode is the HTTP status (0 for a client-side condition).
	StatusCode int
	// Type is Stytch's error_type, e.g. "session_not_found".
	Type string
	// Message is Stytch's error_message (English, for logs).
	Message string
	// RequestID is Stytch's request id, useful when contacting support.
	RequestID string
	// Credentials names the settings that hold this client's credentials,
	// e.g. "STYTCH_PUBLIC_TOKEN", for a message when Stytch rejects them.
	Credentials string
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("stytch: %s", e.Type)
	if e.StatusCode != 0 {
		s = fmt.Sprintf("stytch: %d %s", e.StatusCode, e.Type)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	return nil
}
