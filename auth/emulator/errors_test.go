package emulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

// errorCase is one request the emulator must answer with a given error.
// Placeholders such as {token} in path and body are filled from setup.
type errorCase struct {
	name   string
	cfg    Config
	client string // "" (valid), "bad-secret" or "bad-project"
	setup  func(env *testEnv) map[string]string
	method string
	path   string
	body   string
	status int
	typ    string
}

const (
	pathMLLoginOrCreate  = "/v1/magic_links/email/login_or_create"
	pathMLSend           = "/v1/magic_links/email/send"
	pathMLAuthenticate   = "/v1/magic_links/authenticate"
	pathOTPLoginOrCreate = "/v1/otps/email/login_or_create"
	pathOTPSend          = "/v1/otps/email/send"
	pathOTPAuthenticate  = "/v1/otps/authenticate"
	pathSessionAuth      = "/v1/sessions/authenticate"
	pathSessionRevoke    = "/v1/sessions/revoke"
)

// jsonEndpoints are the POST routes that decode a JSON body.
var jsonEndpoints = []string{
	pathMLLoginOrCreate, pathMLSend, pathMLAuthenticate, pathOTPLoginOrCreate,
	pathOTPSend, pathOTPAuthenticate, pathSessionAuth, pathSessionRevoke,
}

func linkSetup(challenge bool) func(env *testEnv) map[string]string {
	return func(env *testEnv) map[string]string {
		verifier, ch := "", ""
		if challenge {
			verifier, ch = pkcePair()
		}
		return map[string]string{"{token}": env.sendLink("link@example.com", ch), "{verifier}": verifier}
	}
}

func sessionSetup(revoke bool) func(env *testEnv) map[string]string {
	return func(env *testEnv) map[string]string {
		token, jwt, id := env.signIn("sess@example.com")
		if revoke {
			if _, err := env.client.Sessions.Revoke(context.Background(), &sessions.RevokeParams{SessionID: id}); err != nil {
				env.t.Fatal(err)
			}
		}
		// A JWT with a damaged signature.
		i := strings.LastIndexByte(jwt, '.') + 10
		c := byte('A')
		if jwt[i] == 'A' {
			c = 'B'
		}
		tampered := jwt[:i] + string(c) + jwt[i+1:]
		return map[string]string{"{session_token}": token, "{jwt}": jwt, "{session_id}": id, "{tampered}": tampered}
	}
}

func otpSetup(mutate func(env *testEnv, methodID, code string)) func(env *testEnv) map[string]string {
	return func(env *testEnv) map[string]string {
		methodID, code := env.sendOTP("code@example.com")
		wrong := "000000"
		if code == wrong {
			wrong = "999999"
		}
		if mutate != nil {
			mutate(env, methodID, code)
		}
		return map[string]string{"{method_id}": methodID, "{code}": code, "{wrong}": wrong}
	}
}

func errorCases() []errorCase {
	bigClaims := `{"k":"` + strings.Repeat("x", 5000) + `"}`
	return []errorCase{
		{name: "bad secret", client: "bad-secret", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com"}`, status: 401, typ: "unauthorized_credentials"},
		{name: "bad project", client: "bad-project", method: "POST", path: pathSessionAuth, body: `{"session_token":"x"}`, status: 401, typ: "unauthorized_credentials"},
		{name: "unknown route", method: "POST", path: "/v1/nope", body: `{}`, status: 404, typ: "route_not_found"},
		{name: "wrong method", method: "GET", path: pathSessionAuth, status: 405, typ: "method_not_allowed"},
		{name: "truncated JSON", method: "POST", path: pathMLLoginOrCreate, body: `{"email":`, status: 400, typ: "bad_request"},
		{name: "wrong JSON type", method: "POST", path: pathMLLoginOrCreate, body: `{"email":5}`, status: 400, typ: "bad_request"},
		{name: "trailing data", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com"} {}`, status: 400, typ: "bad_request"},
		{name: "JSON array", method: "POST", path: pathOTPAuthenticate, body: `[1,2]`, status: 400, typ: "bad_request"},
		{name: "body over 1 MiB", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"` + strings.Repeat("a", maxBodyBytes) + `"}`, status: 400, typ: "bad_request"},
		{name: "invalid email", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"not-an-email"}`, status: 400, typ: "invalid_email"},
		{name: "display-name email", method: "POST", path: pathMLSend, body: `{"email":"Ada <ada@example.com>"}`, status: 400, typ: "invalid_email"},
		{name: "missing email", method: "POST", path: pathOTPLoginOrCreate, body: `{}`, status: 400, typ: "invalid_email"},
		{name: "login expiry too short", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","login_expiration_minutes":4}`, status: 400, typ: "invalid_expiration"},
		{name: "signup expiry too long", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","signup_expiration_minutes":10081}`, status: 400, typ: "invalid_expiration"},
		{name: "bad code challenge", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","code_challenge":"short"}`, status: 400, typ: "invalid_pkce_code_challenge"},
		{name: "bad login URL", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","login_magic_link_url":"not a url"}`, status: 400, typ: "invalid_login_magic_link_url"},
		{name: "bad signup URL", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","signup_magic_link_url":"/relative"}`, status: 400, typ: "invalid_signup_magic_link_url"},
		{name: "URL not allowed", method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","login_magic_link_url":"https://evil.example.com/authenticate"}`, status: 400, typ: "no_match_for_provided_magic_link_url"},
		{name: "native URL without PKCE", cfg: Config{RedirectURLs: []string{"myapp://auth/callback"}}, method: "POST", path: pathMLLoginOrCreate, body: `{"email":"a@example.com","login_magic_link_url":"myapp://auth/callback"}`, status: 400, typ: "pkce_required_for_native_callback"},
		{name: "send to unknown email", method: "POST", path: pathMLSend, body: `{"email":"nobody@example.com"}`, status: 404, typ: "email_not_found"},
		{name: "rate limit", cfg: Config{RateLimit: true}, setup: func(env *testEnv) map[string]string {
			for i := 0; i < rateLimitPerMinute; i++ {
				if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "rl@example.com"}); err != nil {
					env.t.Fatal(err)
				}
			}
			return nil
		}, method: "POST", path: pathOTPLoginOrCreate, body: `{"email":"RL@example.com"}`, status: 429, typ: "too_many_requests"},
		{name: "unknown magic link", method: "POST", path: pathMLAuthenticate, body: `{"token":"bm90LWEtdG9rZW4="}`, status: 404, typ: "magic_link_not_found"},
		{name: "missing token", method: "POST", path: pathMLAuthenticate, body: `{}`, status: 400, typ: "bad_request"},
		{name: "used magic link", setup: func(env *testEnv) map[string]string {
			m := linkSetup(false)(env)
			if _, err := env.raw(env.client, "POST", pathMLAuthenticate, `{"token":"`+m["{token}"]+`"}`); err != nil {
				env.t.Fatal(err)
			}
			return m
		}, method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}"}`, status: 401, typ: "unable_to_auth_magic_link"},
		{name: "expired magic link", setup: func(env *testEnv) map[string]string {
			m := linkSetup(false)(env)
			env.emu.Advance(defaultSignupExpiryMin*time.Minute + time.Second)
			return m
		}, method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}"}`, status: 401, typ: "unable_to_auth_magic_link"},
		{name: "PKCE verifier missing", setup: linkSetup(true), method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}"}`, status: 400, typ: "pkce_expected_code_verifier"},
		{name: "PKCE verifier unexpected", setup: linkSetup(false), method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}","code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}`, status: 400, typ: "pkce_did_not_expect_code_verifier"},
		{name: "PKCE verifier malformed", setup: linkSetup(true), method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}","code_verifier":"short"}`, status: 400, typ: "invalid_pkce_code_verifier"},
		{name: "PKCE mismatch", setup: linkSetup(true), method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}","code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}`, status: 400, typ: "pkce_mismatch"},
		{name: "attribute mismatch", setup: func(env *testEnv) map[string]string {
			if _, err := env.raw(env.client, "POST", pathMLLoginOrCreate, `{"email":"attr@example.com","attributes":{"ip_address":"203.0.113.1","user_agent":"ua"}}`); err != nil {
				env.t.Fatal(err)
			}
			return map[string]string{"{token}": env.followLink(env.latest("attr@example.com").Link).Query().Get("token")}
		}, method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}","options":{"ip_match_required":true},"attributes":{"ip_address":"198.51.100.7"}}`, status: 401, typ: "attribute_mismatch"},
		{name: "session duration too short", method: "POST", path: pathMLAuthenticate, body: `{"token":"x","session_duration_minutes":4}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "session duration too long", method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"email-test-x","code":"123456","session_duration_minutes":527041}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "token and JWT", method: "POST", path: pathSessionAuth, body: `{"session_token":"a","session_jwt":"b"}`, status: 400, typ: "too_many_session_arguments"},
		{name: "no session arguments", method: "POST", path: pathSessionAuth, body: `{}`, status: 400, typ: "no_session_arguments"},
		{name: "unknown session token", method: "POST", path: pathSessionAuth, body: `{"session_token":"nope"}`, status: 404, typ: "session_not_found"},
		{name: "revoked session", setup: sessionSetup(true), method: "POST", path: pathSessionAuth, body: `{"session_token":"{session_token}"}`, status: 404, typ: "session_not_found"},
		{name: "revoked session by JWT", setup: sessionSetup(true), method: "POST", path: pathSessionAuth, body: `{"session_jwt":"{jwt}"}`, status: 404, typ: "session_not_found"},
		{name: "expired session", setup: func(env *testEnv) map[string]string {
			m := sessionSetup(false)(env)
			env.emu.Advance(61 * time.Minute)
			return m
		}, method: "POST", path: pathSessionAuth, body: `{"session_jwt":"{jwt}"}`, status: 404, typ: "session_not_found"},
		{name: "tampered JWT", setup: sessionSetup(false), method: "POST", path: pathSessionAuth, body: `{"session_jwt":"{tampered}"}`, status: 404, typ: "session_not_found"},
		{name: "unparsable JWT", method: "POST", path: pathSessionAuth, body: `{"session_jwt":"garbage"}`, status: 400, typ: "unable_to_parse_session_jwt"},
		{name: "custom claims too large", method: "POST", path: pathSessionAuth, body: `{"session_token":"x","session_custom_claims":` + bigClaims + `}`, status: 400, typ: "custom_claims_too_large"},
		{name: "magic link with unknown session", setup: linkSetup(false), method: "POST", path: pathMLAuthenticate, body: `{"token":"{token}","session_token":"nope"}`, status: 404, typ: "session_not_found"},
		{name: "no revoke arguments", method: "POST", path: pathSessionRevoke, body: `{}`, status: 400, typ: "no_session_revoke_arguments"},
		{name: "too many revoke arguments", method: "POST", path: pathSessionRevoke, body: `{"session_id":"a","session_token":"b"}`, status: 400, typ: "too_many_session_revoke_arguments"},
		{name: "revoke unknown session", method: "POST", path: pathSessionRevoke, body: `{"session_id":"session-test-nope"}`, status: 404, typ: "session_not_found"},
		{name: "invalid user id", method: "GET", path: "/v1/users/bogus", status: 400, typ: "invalid_user_id"},
		{name: "unknown user", method: "GET", path: "/v1/users/user-test-00000000-0000-4000-8000-000000000000", status: 404, typ: "user_not_found"},
		{name: "OTP expiry out of range", method: "POST", path: pathOTPLoginOrCreate, body: `{"email":"a@example.com","expiration_minutes":11}`, status: 400, typ: "invalid_expiration_otp"},
		{name: "OTP method id of a phone", method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"phone-number-test-x","code":"123456"}`, status: 400, typ: "invalid_method_id"},
		{name: "OTP unknown method id", method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"email-test-unknown","code":"123456"}`, status: 404, typ: "otp_code_not_found"},
		{name: "OTP wrong code", setup: otpSetup(nil), method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"{method_id}","code":"{wrong}"}`, status: 404, typ: "otp_code_not_found"},
		{name: "OTP expired", setup: otpSetup(func(env *testEnv, _, _ string) { env.emu.Advance(3 * time.Minute) }), method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"{method_id}","code":"{code}"}`, status: 401, typ: "unable_to_auth_otp_code"},
		{name: "OTP used", setup: otpSetup(func(env *testEnv, id, code string) {
			if _, err := env.authOTP(id, code); err != nil {
				env.t.Fatal(err)
			}
		}), method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"{method_id}","code":"{code}"}`, status: 401, typ: "unable_to_auth_otp_code"},
		{name: "OTP attempts exhausted", setup: otpSetup(func(env *testEnv, id, code string) {
			wrong := "000000"
			if code == wrong {
				wrong = "999999"
			}
			for i := 0; i < maxOTPAttempts; i++ {
				_, _ = env.authOTP(id, wrong)
			}
		}), method: "POST", path: pathOTPAuthenticate, body: `{"method_id":"{method_id}","code":"{code}"}`, status: 429, typ: "too_many_requests"},
		{name: "injected 503", setup: func(env *testEnv) map[string]string {
			env.emu.FailNext(pathSessionAuth, 1, 503)
			return nil
		}, method: "POST", path: pathSessionAuth, body: `{"session_token":"x"}`, status: 503, typ: "internal_server_error"},
		{name: "JWKS of another project", method: "GET", path: "/v1/sessions/jwks/project-test-other", status: 404, typ: "project_not_found"},
	}
}

func fill(s string, m map[string]string) string {
	for k, v := range m {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func TestErrorTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range errorCases() {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.cfg)
			var vals map[string]string
			if tc.setup != nil {
				vals = tc.setup(env)
			}
			client := env.client
			switch tc.client {
			case "bad-secret":
				client = env.newClient(env.emu.ProjectID(), env.emu.Secret()+"x")
			case "bad-project":
				client = env.newClient("project-test-11111111-1111-1111-1111-111111111111", env.emu.Secret(), stytchapi.WithSkipJWKSInitialization())
			}
			_, err := env.raw(client, tc.method, fill(tc.path, vals), fill(tc.body, vals))
			wantStytchError(t, err, tc.status, tc.typ)
		})
		seen[tc.typ] = true
	}
	// Every error_type the emulator can produce is in the table.
	for _, typ := range []string{
		"unauthorized_credentials", "route_not_found", "method_not_allowed", "bad_request", "invalid_email",
		"invalid_expiration", "invalid_pkce_code_challenge", "invalid_login_magic_link_url",
		"invalid_signup_magic_link_url", "no_match_for_provided_magic_link_url", "pkce_required_for_native_callback",
		"email_not_found", "too_many_requests", "magic_link_not_found", "unable_to_auth_magic_link",
		"pkce_expected_code_verifier", "pkce_did_not_expect_code_verifier", "invalid_pkce_code_verifier",
		"pkce_mismatch", "attribute_mismatch", "invalid_session_duration_minutes", "too_many_session_arguments",
		"no_session_arguments", "session_not_found", "unable_to_parse_session_jwt", "custom_claims_too_large",
		"no_session_revoke_arguments", "too_many_session_revoke_arguments", "invalid_user_id", "user_not_found",
		"invalid_expiration_otp", "invalid_method_id", "otp_code_not_found", "unable_to_auth_otp_code",
		"internal_server_error", "project_not_found",
	} {
		if !seen[typ] {
			t.Errorf("error_type %s has no table case", typ)
		}
	}
}

func TestErrorsAreJSON(t *testing.T) {
	env := newEnv(t, Config{})
	for _, p := range []string{"/v1/nope", "/nope", "/dev/nope", "/v1/magic_links/redirect"} {
		resp, body := env.do(http.MethodGet, p, "", nil)
		var e errorBody
		mustJSON(t, body, &e)
		if resp.Header.Get("Content-Type") != "application/json" || e.StatusCode != resp.StatusCode || e.ErrorType == "" {
			t.Errorf("%s: %d %q %s", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
