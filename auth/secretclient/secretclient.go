// Package secretclient implements backend.Client with Stytch's backend API
// (/v1) through the official stytch-go SDK, authenticated with the
// project's secret.
//
// The secret can read, change and delete every user of the project, so
// this client is for development, tests and trusted internal tools only;
// an app handed to users signs in with the public token instead (package
// publicclient).
package secretclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/magiclink/magiclink/auth/backend"
)

// credentials names the settings that hold this client's credentials.
const credentials = "STYTCH_PROJECT_ID and STYTCH_SECRET"

// Config configures a Client.
type Config struct {
	// ProjectID is the Stytch project id (required).
	ProjectID string
	// Secret is the project's secret (required). It is never logged.
	Secret string
	// BaseURL overrides the API base URL, e.g. the emulator's. Default:
	// chosen by stytch-go from ProjectID (test.stytch.com or api.stytch.com).
	BaseURL string
	// HTTPClient makes the calls. Default: one with a 10 s timeout.
	HTTPClient *http.Client
}

// Client is a backend.Client over stytch-go.
type Client struct {
	api *stytchapi.API
}

var _ backend.Client = (*Client)(nil)

// New builds a client. The SDK's construction-time JWKS fetch is skipped:
// the engine keeps only the opaque session token and checks it with
// Stytch, so it never verifies JWTs locally, and that fetch would put a
// blocking network round trip — and a hard failure when offline — in
// front of the app's first frame.
func New(cfg Config) (*Client, error) {
	if cfg.ProjectID == "" || cfg.Secret == "" {
		return nil, errors.New("secretclient: project id and secret are required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	opts := []stytchapi.Option{stytchapi.WithHTTPClient(hc), stytchapi.WithSkipJWKSInitialization()}
	if cfg.BaseURL != "" {
		opts = append(opts, stytchapi.WithBaseURI(strings.TrimRight(cfg.BaseURL, "/")))
	}
	api, err := stytchapi.NewClient(cfg.ProjectID, cfg.Secret, opts...)
	if err != nil {
		return nil, fmt.Errorf("secretclient: could not create the Stytch client: %w", err)
	}
	return &Client{api: api}, nil
}

func minutes(d time.Duration) int32 { return int32(max(d/time.Minute, 1)) }

// SendLink implements backend.Client with magic_links/email/login_or_create.
func (c *Client) SendLink(ctx context.Context, req backend.LinkRequest) error {
	if req.CodeChallenge == "" {
		return errors.New("secretclient: send magic link: a PKCE code challenge is required")
	}
	m := minutes(req.Expiry)
	_, err := c.api.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email:                   req.Email,
		LoginMagicLinkURL:       req.RedirectURL,
		SignupMagicLinkURL:      req.RedirectURL,
		LoginExpirationMinutes:  m,
		SignupExpirationMinutes: m,
		CodeChallenge:           req.CodeChallenge,
	})
	return wrap("send magic link", err)
}

// SendCode implements backend.Client with otps/email/login_or_create.
func (c *Client) SendCode(ctx context.Context, email string, expiry time.Duration) (string, error) {
	resp, err := c.api.OTPs.Email.LoginOrCreate(ctx, &otpemail.LoginOrCreateParams{
		Email:             email,
		ExpirationMinutes: minutes(expiry),
	})
	if err != nil {
		return "", wrap("send one-time code", err)
	}
	return resp.EmailID, nil
}

// AuthenticateLink implements backend.Client with magic_links/authenticate.
func (c *Client) AuthenticateLink(ctx context.Context, token, verifier string, length time.Duration) (*backend.Auth, error) {
	if verifier == "" {
		return nil, errors.New("secretclient: authenticate magic link: a PKCE code verifier is required")
	}
	resp, err := c.api.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token:                  token,
		CodeVerifier:           verifier,
		SessionDurationMinutes: minutes(length),
	})
	if err != nil {
		return nil, wrap("authenticate magic link", err)
	}
	return authFrom(resp.SessionToken, resp.Session, resp.User), nil
}

// AuthenticateCode implements backend.Client with otps/authenticate.
func (c *Client) AuthenticateCode(ctx context.Context, methodID, code string, length time.Duration) (*backend.Auth, error) {
	resp, err := c.api.OTPs.Authenticate(ctx, &otp.AuthenticateParams{
		MethodID:               methodID,
		Code:                   code,
		SessionDurationMinutes: minutes(length),
	})
	if err != nil {
		return nil, wrap("authenticate one-time code", err)
	}
	return authFrom(resp.SessionToken, resp.Session, resp.User), nil
}

// AuthenticateSession implements backend.Client with sessions/authenticate.
func (c *Client) AuthenticateSession(ctx context.Context, token string, length time.Duration) (*backend.Auth, error) {
	resp, err := c.api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{
		SessionToken:           token,
		SessionDurationMinutes: minutes(length),
	})
	if err != nil {
		return nil, wrap("authenticate session", err)
	}
	tok := resp.SessionToken
	if tok == "" {
		tok = token
	}
	return authFrom(tok, &resp.Session, resp.User), nil
}

// Revoke implements backend.Client with sessions/revoke.
func (c *Client) Revoke(ctx context.Context, token string) error {
	_, err := c.api.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: token})
	return wrap("revoke session", err)
}

// User implements backend.Client. The backend API has no "current user"
// call: the session is authenticated (without extending it) and its user
// returned.
func (c *Client) User(ctx context.Context, token string) (*backend.User, error) {
	resp, err := c.api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token})
	if err != nil {
		return nil, wrap("get user", err)
	}
	u := userFrom(resp.User)
	return &u, nil
}

// wrap turns a stytch-go error into a *backend.Error (keeping the original
// in the chain) and adds context to transport errors.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var se stytcherror.Error
	var sep *stytcherror.Error
	switch {
	case errors.As(err, &se):
	case errors.As(err, &sep) && sep != nil:
		se = *sep
	default:
		return fmt.Errorf("secretclient: %s: %w", what, err)
	}
	return fmt.Errorf("secretclient: %s: %w", what, &backend.Error{
		StatusCode:  se.StatusCode,
		Type:        string(se.ErrorType),
		Message:     string(se.ErrorMessage),
		RequestID:   se.RequestID,
		Credentials: credentials,
	})
}

func authFrom(token string, s *sessions.Session, u users.User) *backend.Auth {
	a := &backend.Auth{SessionToken: token, User: userFrom(u)}
	if s != nil {
		a.Session = sessionFrom(*s)
	}
	return a
}

func userFrom(u users.User) backend.User {
	out := backend.User{ID: u.UserID, Status: u.Status, CreatedAt: deref(u.CreatedAt)}
	if u.Name != nil {
		out.FirstName, out.MiddleName, out.LastName = u.Name.FirstName, u.Name.MiddleName, u.Name.LastName
	}
	for _, e := range u.Emails {
		out.Emails = append(out.Emails, backend.Email{ID: e.EmailID, Address: e.Email, Verified: e.Verified})
	}
	return out
}

func sessionFrom(s sessions.Session) backend.Session {
	out := backend.Session{
		ID: s.SessionID, UserID: s.UserID,
		StartedAt: deref(s.StartedAt), LastAccessedAt: deref(s.LastAccessedAt), ExpiresAt: deref(s.ExpiresAt),
	}
	for _, f := range s.AuthenticationFactors {
		bf := backend.Factor{Type: string(f.Type), DeliveryMethod: string(f.DeliveryMethod)}
		if f.EmailFactor != nil {
			bf.Email = f.EmailFactor.EmailAddress
		}
		out.Factors = append(out.Factors, bf)
	}
	return out
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
