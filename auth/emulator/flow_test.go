package emulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

func TestMagicLinkFlowThroughSDK(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	const address = "Ada@Example.com"

	verifier, challenge := pkcePair()
	lc, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: address, LoginMagicLinkURL: appRedirect + "?next=home", SignupMagicLinkURL: appRedirect + "?next=home",
		CodeChallenge: challenge,
	})
	if err != nil {
		t.Fatalf("LoginOrCreate: %v", err)
	}
	if !lc.UserCreated || !strings.HasPrefix(lc.UserID, "user-test-") || !strings.HasPrefix(lc.EmailID, "email-test-") ||
		lc.StatusCode != 200 || !strings.HasPrefix(lc.RequestID, "request-id-test-") {
		t.Fatalf("unexpected response %+v", lc)
	}
	msg := env.latest("ada@example.com")
	if msg.Kind != "signup" || msg.To != "ada@example.com" || msg.Code != "" {
		t.Fatalf("unexpected message %+v", msg)
	}
	if !strings.HasPrefix(msg.Link, env.srv.URL+"/v1/magic_links/redirect?") ||
		!strings.Contains(msg.Link, "stytch_token_type=magic_links") || !strings.Contains(msg.Link, "public_token=public-token-test-") ||
		!strings.Contains(msg.Link, "%3D") {
		t.Fatalf("unexpected link %s", msg.Link)
	}

	// The hosted redirect keeps the existing query and appends the token.
	loc := env.followLink(msg.Link)
	if loc.Host != "127.0.0.1:5555" || loc.Path != "/callback" || loc.Query().Get("next") != "home" ||
		loc.Query().Get("stytch_token_type") != "magic_links" || !strings.HasPrefix(loc.RawQuery, "next=home&") {
		t.Fatalf("unexpected redirect %s", loc)
	}
	token := loc.Query().Get("token")
	if len(token) != 44 {
		t.Fatalf("token %q: want 44 characters", token)
	}

	// A wrong verifier fails without burning the token.
	wrong, _ := pkcePair()
	_, err = env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: token, CodeVerifier: wrong, SessionDurationMinutes: 60})
	wantStytchError(t, err, 400, "pkce_mismatch")

	auth, err := env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token: token, CodeVerifier: verifier, SessionDurationMinutes: 60,
		SessionCustomClaims: map[string]any{"team": "blue", "iss": "ignored"},
	})
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if auth.UserID != lc.UserID || auth.MethodID != lc.EmailID || len(auth.SessionToken) != 44 || auth.SessionJWT == "" ||
		auth.StatusCode != 200 || auth.RequestID == "" {
		t.Fatalf("unexpected authenticate response %+v", auth)
	}
	u := auth.User
	if u.UserID != lc.UserID || len(u.Emails) != 1 || !u.Emails[0].Verified || u.Emails[0].Email != "ada@example.com" ||
		u.Status != "active" || u.CreatedAt == nil || u.Name == nil {
		t.Fatalf("unexpected user %+v", u)
	}
	s := auth.Session
	if s == nil || !strings.HasPrefix(s.SessionID, "session-test-") || s.UserID != lc.UserID || s.StartedAt == nil ||
		s.LastAccessedAt == nil || s.ExpiresAt == nil || len(s.AuthenticationFactors) != 1 {
		t.Fatalf("unexpected session %+v", s)
	}
	if d := s.ExpiresAt.Sub(*s.StartedAt); d != time.Hour {
		t.Fatalf("session length %s, want 1h", d)
	}
	f := s.AuthenticationFactors[0]
	if f.Type != "magic_link" || f.DeliveryMethod != "email" || f.EmailFactor == nil ||
		f.EmailFactor.EmailAddress != "ada@example.com" || f.CreatedAt == nil {
		t.Fatalf("unexpected factor %+v", f)
	}
	if s.CustomClaims["team"] != "blue" || s.CustomClaims["iss"] != nil {
		t.Fatalf("custom claims %v", s.CustomClaims)
	}

	// The token is single-use.
	_, err = env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: token, CodeVerifier: verifier})
	wantStytchError(t, err, 401, "unable_to_auth_magic_link")

	// Local JWT verification with the JWKS fetched at construction.
	local, err := env.client.Sessions.AuthenticateJWTLocal(auth.SessionJWT, time.Minute)
	if err != nil {
		t.Fatalf("AuthenticateJWTLocal: %v", err)
	}
	if local.SessionID != s.SessionID || local.UserID != lc.UserID || local.ExpiresAt == nil || !local.ExpiresAt.Equal(*s.ExpiresAt) ||
		local.CustomClaims["team"] != "blue" || len(local.AuthenticationFactors) != 1 {
		t.Fatalf("unexpected local session %+v", local)
	}
	viaJWT, err := env.client.Sessions.AuthenticateJWT(ctx, 5*time.Minute, &sessions.AuthenticateParams{SessionJWT: auth.SessionJWT})
	if err != nil || viaJWT.Session.SessionID != s.SessionID {
		t.Fatalf("AuthenticateJWT: %v %+v", err, viaJWT)
	}

	// sessions/authenticate by token refreshes the JWT and can extend.
	st, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: auth.SessionToken, SessionDurationMinutes: 120})
	if err != nil {
		t.Fatalf("Sessions.Authenticate: %v", err)
	}
	if st.SessionToken != auth.SessionToken || st.SessionJWT == "" || st.User.UserID != lc.UserID || st.StatusCode != 200 ||
		st.Session.ExpiresAt.Sub(*st.Session.LastAccessedAt) != 2*time.Hour {
		t.Fatalf("unexpected sessions/authenticate %+v", st)
	}

	// Users.Get returns the user at the top level.
	got, err := env.client.Users.Get(ctx, &users.GetParams{UserID: lc.UserID})
	if err != nil || got.UserID != lc.UserID || len(got.Emails) != 1 || !got.Emails[0].Verified || got.StatusCode != 200 {
		t.Fatalf("Users.Get: %v %+v", err, got)
	}

	// A second request for the same address is a login link for an existing user.
	lc2, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "ada@example.com"})
	if err != nil || lc2.UserCreated || lc2.UserID != lc.UserID {
		t.Fatalf("second LoginOrCreate: %v %+v", err, lc2)
	}
	if m := env.latest("ada@example.com"); m.Kind != "login" {
		t.Fatalf("want login message, got %+v", m)
	}
	if loc := env.followLink(env.latest("ada@example.com").Link); loc.Host != "localhost:3000" || loc.Path != "/authenticate" {
		t.Fatalf("default redirect %s", loc)
	}

	// Revoke, then the session is gone.
	if _, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: auth.SessionToken}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	_, err = env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: auth.SessionJWT})
	wantStytchError(t, err, 404, "session_not_found")
	if infos := env.emu.Sessions(); len(infos) != 1 || infos[0].Status != "revoked" || infos[0].Email != "ada@example.com" {
		t.Fatalf("Sessions() = %+v", infos)
	}
}

func TestMagicLinkWithoutSessionAndSend(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	_, err := env.client.MagicLinks.Email.Send(ctx, &mlemail.SendParams{Email: "nobody@example.com"})
	wantStytchError(t, err, 404, "email_not_found")

	token := env.sendLink("bob@example.com", "")
	resp, err := env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: token})
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if resp.Session != nil || resp.SessionToken != "" || resp.SessionJWT != "" || !resp.User.Emails[0].Verified {
		t.Fatalf("want no session, got %+v", resp)
	}

	sent, err := env.client.MagicLinks.Email.Send(ctx, &mlemail.SendParams{Email: "bob@example.com", LoginMagicLinkURL: appRedirect})
	if err != nil || sent.UserID != resp.UserID || sent.EmailID == "" || sent.StatusCode != 200 {
		t.Fatalf("Send: %v %+v", err, sent)
	}
	if m := env.latest("bob@example.com"); m.Kind != "login" {
		t.Fatalf("want login, got %+v", m)
	}

	// Pending users get signup links until they authenticate.
	_, err = env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "pen@example.com", CreateUserAsPending: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.MagicLinks.Email.Send(ctx, &mlemail.SendParams{Email: "pen@example.com"}); err != nil {
		t.Fatal(err)
	}
	if m := env.latest("pen@example.com"); m.Kind != "signup" {
		t.Fatalf("pending user: want signup, got %+v", m)
	}
}

func TestExpiredJWTOfLiveSessionIsRefreshed(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	token, jwt, id := env.signIn("carol@example.com")

	env.emu.Advance(10 * time.Minute) // the JWT (5 min) expired, the session (60 min) did not
	resp, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: jwt})
	if err != nil {
		t.Fatalf("Authenticate with expired JWT: %v", err)
	}
	if resp.Session.SessionID != id || resp.SessionJWT == "" || resp.SessionJWT == jwt || resp.SessionToken != token {
		t.Fatalf("unexpected refresh %+v", resp)
	}

	env.emu.Advance(2 * time.Hour) // now the session expired too
	_, err = env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token})
	wantStytchError(t, err, 404, "session_not_found")
	if infos := env.emu.Sessions(); infos[0].Status != "expired" {
		t.Fatalf("status %q, want expired", infos[0].Status)
	}
}

func TestAddFactorToExistingSession(t *testing.T) {
	env := newEnv(t, Config{})
	token, _, id := env.signIn("dan@example.com")
	methodID, code := env.sendOTP("dan@example.com")
	resp, err := env.client.OTPs.Authenticate(context.Background(), &otp.AuthenticateParams{MethodID: methodID, Code: code, SessionToken: token})
	if err != nil {
		t.Fatalf("OTP authenticate: %v", err)
	}
	if resp.Session.SessionID != id || len(resp.Session.AuthenticationFactors) != 2 {
		t.Fatalf("want factor added to %s, got %+v", id, resp.Session)
	}
}

func TestJWKSWithoutCredentials(t *testing.T) {
	env := newEnv(t, Config{})
	resp, body := env.do(http.MethodGet, "/v1/sessions/jwks/"+env.emu.ProjectID(), "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("JWKS: %d %s", resp.StatusCode, body)
	}
	var jwks jwksResponse
	mustJSON(t, body, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" || jwks.Keys[0].Alg != "RS256" || jwks.Keys[0].Use != "sig" ||
		!strings.HasPrefix(jwks.Keys[0].Kid, "jwk-test-") || jwks.Keys[0].E != "AQAB" {
		t.Fatalf("unexpected JWKS %s", body)
	}
	// The SDK's own GetJWKS sends credentials; both work.
	got, err := env.client.Sessions.GetJWKS(context.Background(), &sessions.GetJWKSParams{ProjectID: env.emu.ProjectID()})
	if err != nil || len(got.Keys) != 1 || got.Keys[0].Kid != jwks.Keys[0].Kid {
		t.Fatalf("GetJWKS: %v %+v", err, got)
	}
}

func TestDoubleSlashAndTrailingSlashBaseURI(t *testing.T) {
	env := newEnv(t, Config{})
	// WithBaseURI("http://h:p/") makes the JWKS fetch go to //v1/...
	c := env.newClient(env.emu.ProjectID(), env.emu.Secret(), stytchapi.WithBaseURI(env.srv.URL+"/"))
	if _, err := c.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "slash@example.com"}); err != nil {
		t.Fatalf("LoginOrCreate via trailing-slash base URI: %v", err)
	}
	resp, _ := env.do(http.MethodGet, "//v1/sessions/jwks/"+env.emu.ProjectID(), "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("//v1 JWKS: %d", resp.StatusCode)
	}
}
