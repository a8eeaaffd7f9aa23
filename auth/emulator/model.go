package emulator

import (
	"encoding/json"
	"time"
)

// user is a Stytch user with a single email address.
type user struct {
	ID        string    `json:"user_id"`
	EmailID   string    `json:"email_id"`
	Email     string    `json:"email"`
	Verified  bool      `json:"verified"`
	Status    string    `json:"status"` // "active" or "pending"
	CreatedAt time.Time `json:"created_at"`
	// Set by users.update; absent from older state files.
	Name              *wireName      `json:"name,omitempty"`
	TrustedMetadata   map[string]any `json:"trusted_metadata,omitempty"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata,omitempty"`
}

// attributes are the optional ip_address / user_agent of a request.
type attributes struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

// factor is one authentication factor of a session.
type factor struct {
	Type                string    `json:"type"`            // "magic_link" or "otp"
	DeliveryMethod      string    `json:"delivery_method"` // "email"
	EmailID             string    `json:"email_id"`
	Email               string    `json:"email"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	LastAuthenticatedAt time.Time `json:"last_authenticated_at"`
}

// session is a Stytch session. Only the hash of its token is kept in state.
type session struct {
	ID             string         `json:"session_id"`
	UserID         string         `json:"user_id"`
	TokenHash      string         `json:"token_hash"`
	StartedAt      time.Time      `json:"started_at"`
	LastAccessedAt time.Time      `json:"last_accessed_at"`
	ExpiresAt      time.Time      `json:"expires_at"`
	RevokedAt      *time.Time     `json:"revoked_at,omitempty"`
	Factors        []factor       `json:"factors"`
	Attributes     attributes     `json:"attributes"`
	CustomClaims   map[string]any `json:"custom_claims,omitempty"`

	// token is the raw session token, known only in memory (after the
	// session was created or presented since the last start).
	token string
}

// status reports "active", "revoked" or "expired" at time now.
func (s *session) status(now time.Time) string {
	switch {
	case s.RevokedAt != nil:
		return "revoked"
	case !now.Before(s.ExpiresAt):
		return "expired"
	default:
		return "active"
	}
}

// magicLink is a pending or used magic-link token, keyed by its hash.
type magicLink struct {
	TokenHash     string     `json:"token_hash"`
	UserID        string     `json:"user_id"`
	EmailID       string     `json:"email_id"`
	Kind          string     `json:"kind"` // "login" or "signup"
	RedirectURL   string     `json:"redirect_url"`
	CodeChallenge string     `json:"code_challenge,omitempty"`
	Attributes    attributes `json:"attributes"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	UsedAt        *time.Time `json:"used_at,omitempty"`
}

// otpCode is the pending one-time code of an email address.
type otpCode struct {
	MethodID   string     `json:"method_id"`
	UserID     string     `json:"user_id"`
	CodeHash   string     `json:"code_hash"`
	Attributes attributes `json:"attributes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Attempts   int        `json:"attempts"`
	UsedAt     *time.Time `json:"used_at,omitempty"`
}

// stamp renders a time as RFC 3339 UTC with second precision, the form
// Stytch uses in API bodies and JWT claims alike.
type stamp time.Time

// MarshalJSON implements json.Marshaler.
func (t stamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(time.RFC3339))
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Wire shapes (field names are the SDK's JSON tags).

type wireEmail struct {
	EmailID  string `json:"email_id"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

type wireName struct {
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

type wireUser struct {
	UserID                 string         `json:"user_id"`
	Emails                 []wireEmail    `json:"emails"`
	Status                 string         `json:"status"`
	PhoneNumbers           []any          `json:"phone_numbers"`
	WebAuthnRegistrations  []any          `json:"webauthn_registrations"`
	Providers              []any          `json:"providers"`
	TOTPs                  []any          `json:"totps"`
	CryptoWallets          []any          `json:"crypto_wallets"`
	BiometricRegistrations []any          `json:"biometric_registrations"`
	IsLocked               bool           `json:"is_locked"`
	Roles                  []string       `json:"roles"`
	Name                   wireName       `json:"name"`
	CreatedAt              stamp          `json:"created_at"`
	Password               *struct{}      `json:"password"`
	TrustedMetadata        map[string]any `json:"trusted_metadata"`
	UntrustedMetadata      map[string]any `json:"untrusted_metadata"`
	ExternalID             string         `json:"external_id"`
	LockCreatedAt          *stamp         `json:"lock_created_at"`
	LockExpiresAt          *stamp         `json:"lock_expires_at"`
}

func (u *user) wire() wireUser {
	var name wireName
	if u.Name != nil {
		name = *u.Name
	}
	return wireUser{
		UserID:                 u.ID,
		Emails:                 []wireEmail{{EmailID: u.EmailID, Email: u.Email, Verified: u.Verified}},
		Status:                 u.Status,
		PhoneNumbers:           []any{},
		WebAuthnRegistrations:  []any{},
		Providers:              []any{},
		TOTPs:                  []any{},
		CryptoWallets:          []any{},
		BiometricRegistrations: []any{},
		Roles:                  []string{defaultRoleStytchUser},
		Name:                   name,
		CreatedAt:              stamp(u.CreatedAt),
		TrustedMetadata:        copyObject(u.TrustedMetadata),
		UntrustedMetadata:      copyObject(u.UntrustedMetadata),
	}
}

// copyObject returns a shallow copy of a JSON object (metadata, custom
// claims), never nil: Stytch sends {} for an empty one.
func copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type wireEmailFactor struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

type wireFactor struct {
	Type                string          `json:"type"`
	DeliveryMethod      string          `json:"delivery_method"`
	LastAuthenticatedAt stamp           `json:"last_authenticated_at"`
	CreatedAt           stamp           `json:"created_at"`
	UpdatedAt           stamp           `json:"updated_at"`
	EmailFactor         wireEmailFactor `json:"email_factor"`
}

type wireSession struct {
	SessionID             string         `json:"session_id"`
	UserID                string         `json:"user_id"`
	StartedAt             stamp          `json:"started_at"`
	LastAccessedAt        stamp          `json:"last_accessed_at"`
	ExpiresAt             stamp          `json:"expires_at"`
	Attributes            attributes     `json:"attributes"`
	AuthenticationFactors []wireFactor   `json:"authentication_factors"`
	CustomClaims          map[string]any `json:"custom_claims"`
	Roles                 []string       `json:"roles"`
}

func (s *session) wireFactors() []wireFactor {
	out := make([]wireFactor, 0, len(s.Factors))
	for _, f := range s.Factors {
		out = append(out, wireFactor{
			Type:                f.Type,
			DeliveryMethod:      f.DeliveryMethod,
			LastAuthenticatedAt: stamp(f.LastAuthenticatedAt),
			CreatedAt:           stamp(f.CreatedAt),
			UpdatedAt:           stamp(f.UpdatedAt),
			EmailFactor:         wireEmailFactor{EmailID: f.EmailID, EmailAddress: f.Email},
		})
	}
	return out
}

func (s *session) wire() wireSession {
	claims := copyObject(s.CustomClaims)
	return wireSession{
		SessionID:             s.ID,
		UserID:                s.UserID,
		StartedAt:             stamp(s.StartedAt),
		LastAccessedAt:        stamp(s.LastAccessedAt),
		ExpiresAt:             stamp(s.ExpiresAt),
		Attributes:            s.Attributes,
		AuthenticationFactors: s.wireFactors(),
		CustomClaims:          claims,
		Roles:                 []string{defaultRoleStytchUser},
	}
}
