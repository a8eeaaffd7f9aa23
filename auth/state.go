package auth

import (
	"time"
)

// State is where the sign-in engine is in its life cycle. The UI renders
// one view per state.
type State int

// The engine's states.
const (
	// StateSignedOut: nobody is signed in and no login is pending.
	StateSignedOut State = iota
	// StateSending: a login_or_create (or OTP) request is in flight.
	StateSending
	// StateLinkSent: a magic link (and possibly a code) was sent; the
	// loopback listener is waiting for the browser.
	StateLinkSent
	// StateVerifying: the browser reached the listener (or a code was
	// submitted) and the token is being exchanged for a session.
	StateVerifying
	// StateSignedIn: a valid session exists; Snapshot.Profile is set.
	StateSignedIn
	// StateRestoring: a stored session is being checked at start.
	StateRestoring
	// StateOffline: a stored session exists but Stytch could not be
	// reached; the session is kept and the engine retries.
	StateOffline
)

var stateNames = [...]string{"SignedOut", "Sending", "LinkSent", "Verifying", "SignedIn", "Restoring", "Offline"}

// String returns the state's name, e.g. "SignedIn".
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "Unknown"
	}
	return stateNames[s]
}

// Snapshot is an immutable picture of the engine, published on every
// change. Values are copied; subscribers may keep them.
type Snapshot struct {
	State State

	// Email is the address of the pending login, or of the signed-in user.
	Email string

	// Link describes the pending magic link while State is LinkSent or
	// Verifying (zero otherwise).
	Link Pending

	// Code describes the pending one-time code, when the user asked for
	// one (zero otherwise). Both a link and a code may be pending at once.
	Code Pending

	// Profile is set while State is SignedIn (and kept, possibly stale,
	// while Offline after a successful sign-in).
	Profile *Profile

	// Err is the last failure the user should see, or nil. It is cleared
	// by the next successful step.
	Err *Error

	// Notice is a non-error message the user should see, e.g. that the
	// session cannot be remembered because no keyring is available.
	Notice string

	// RetryAt is when the engine will try again while Offline.
	RetryAt time.Time
	// TriedAt is when the engine last tried to reach Stytch and failed,
	// while Offline (Err says what happened).
	TriedAt time.Time

	// Busy is true while a request started from the current view (resend,
	// sign-out, code request, a retry while Offline) is in flight.
	Busy bool

	// LinksOff is true once Stytch said the project switches email magic
	// links off for this app: sign-in then emails a one-time code only.
	LinksOff bool
	// CodesOff is true once Stytch said one-time codes are switched off:
	// the code fallback is not offered.
	CodesOff bool
}

// Pending describes a sent magic link or one-time code.
type Pending struct {
	// Active is true while this credential can still be used.
	Active bool
	// SentAt is when the last email was sent.
	SentAt time.Time
	// ExpiresAt is when the emailed link or code stops working.
	ExpiresAt time.Time
	// ResendAt is the earliest time Resend is allowed.
	ResendAt time.Time
}

// Profile is what the signed-in view shows.
type Profile struct {
	UserID        string
	Email         string
	EmailVerified bool
	// Name is the user's full name, empty when Stytch has none.
	Name string
	// Status is the Stytch user status, e.g. "active".
	Status    string
	CreatedAt time.Time

	SessionID string
	// SignedInAt is when the session started.
	SignedInAt time.Time
	// ExpiresAt is when the session ends unless extended.
	ExpiresAt time.Time
	// LastCheckedAt is when the session was last confirmed with Stytch.
	LastCheckedAt time.Time
	// Factors lists how the session was authenticated, e.g.
	// "Email magic link (ada@example.com)".
	Factors []string
}
