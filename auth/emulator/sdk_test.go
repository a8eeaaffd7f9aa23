package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

func TestSDKMagicLinkFlow(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.sdk()
	verifier, challenge := stytchPKCE()

	// login_or_create answers {status_code, request_id} in "data", nothing
	// about the user.
	var sent map[string]any
	c.ok(http.MethodPost, "/magic_links/email/login_or_create",
		`{"email":"Grace@Example.com","login_magic_link_url":"`+appRedirect+`","signup_magic_link_url":"`+appRedirect+
			`","code_challenge":"`+challenge+`","code_challenge_method":"S256","locale":"en","login_template_id":"t"}`, &sent)
	if sent["status_code"] != float64(200) || !strings.HasPrefix(sent["request_id"].(string), "request-id-test-") || len(sent) != 2 {
		t.Fatalf("send data %v", sent)
	}
	msg := env.latest("grace@example.com")
	if msg.Kind != "signup" || !strings.HasPrefix(msg.Link, env.srv.URL+"/v1/magic_links/redirect?") ||
		!strings.Contains(msg.Link, "public_token="+DefaultPublicToken) {
		t.Fatalf("message %+v", msg)
	}
	token := env.followLink(msg.Link).Query().Get("token")

	var auth sdkAuthData
	c.ok(http.MethodPost, "/magic_links/authenticate",
		`{"token":"`+token+`","code_verifier":"`+verifier+`","session_duration_minutes":60}`, &auth)
	if auth.StatusCode != 200 || auth.RequestID == "" || !strings.HasPrefix(auth.UserID, "user-test-") ||
		!strings.HasPrefix(auth.MethodID, "email-test-") || len(auth.SessionToken) != 44 || strings.Count(auth.SessionJWT, ".") != 2 ||
		auth.Session == nil || auth.Session.UserID != auth.UserID || auth.User.UserID != auth.UserID ||
		len(auth.User.Emails) != 1 || !auth.User.Emails[0].Verified || auth.User.Status != "active" {
		t.Fatalf("authenticate data %+v", auth)
	}
	if f := auth.Session.AuthenticationFactors; len(f) != 1 || f[0].Type != "magic_link" {
		t.Fatalf("factors %+v", f)
	}
	if auth.Session.Attributes.IPAddress != "127.0.0.1" || auth.Session.Attributes.UserAgent == "" {
		t.Fatalf("attributes %+v", auth.Session.Attributes)
	}
	started, _ := time.Parse(time.RFC3339, auth.Session.StartedAt)
	expires, _ := time.Parse(time.RFC3339, auth.Session.ExpiresAt)
	if expires.Sub(started) != time.Hour {
		t.Fatalf("session from %s to %s", auth.Session.StartedAt, auth.Session.ExpiresAt)
	}
	// The token is single-use.
	c.fail(http.MethodPost, "/magic_links/authenticate",
		`{"token":"`+token+`","code_verifier":"`+verifier+`","session_duration_minutes":60}`, 401, "unable_to_auth_magic_link")

	// The session token goes in the Basic password from now on.
	c.session = auth.SessionToken
	var sa sdkAuthData
	c.ok(http.MethodPost, "/sessions/authenticate", `{}`, &sa)
	if sa.UserID != auth.UserID || sa.SessionToken != auth.SessionToken || sa.SessionJWT == "" ||
		sa.Session == nil || sa.Session.SessionID != auth.Session.SessionID || sa.Session.ExpiresAt != auth.Session.ExpiresAt {
		t.Fatalf("sessions/authenticate %+v", sa)
	}
	env.emu.Advance(10 * time.Minute)
	before := env.emu.Now().Truncate(time.Second)
	c.ok(http.MethodPost, "/sessions/authenticate", `{"session_duration_minutes":120}`, &sa)
	after := env.emu.Now()
	// Extended to two hours from the call, which may straddle a second.
	if got, _ := time.Parse(time.RFC3339, sa.Session.ExpiresAt); got.Before(before.Add(2*time.Hour)) || got.After(after.Add(2*time.Hour)) {
		t.Fatalf("not extended: %s", sa.Session.ExpiresAt)
	}

	var me map[string]any
	c.ok(http.MethodGet, "/users/me", "", &me)
	if me["user_id"] != auth.UserID || me["status_code"] != float64(200) || me["request_id"] == "" || me["emails"] == nil {
		t.Fatalf("users/me %v", me)
	}

	var revoked map[string]any
	c.ok(http.MethodPost, "/sessions/revoke", "", &revoked)
	if revoked["status_code"] != float64(200) || revoked["request_id"] == "" {
		t.Fatalf("revoke %v", revoked)
	}
	c.fail(http.MethodPost, "/sessions/authenticate", `{}`, 404, "session_not_found")
	c.fail(http.MethodGet, "/users/me", "", 404, "session_not_found")
	if s := env.emu.Sessions(); len(s) != 1 || s[0].Status != "revoked" {
		t.Fatalf("sessions %+v", s)
	}
}

func TestSDKOTPFlow(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.sdk()
	var sent map[string]any
	c.ok(http.MethodPost, "/otps/email/login_or_create", `{"email":"otp@example.com","expiration_minutes":5,"locale":"en"}`, &sent)
	methodID, _ := sent["method_id"].(string)
	if !strings.HasPrefix(methodID, "email-test-") || sent["status_code"] != float64(200) || sent["user_id"] != nil {
		t.Fatalf("send data %v", sent)
	}
	code := env.latest("otp@example.com").Code
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	c.fail(http.MethodPost, "/otps/authenticate", `{"token":"`+wrong+`","method_id":"`+methodID+`","session_duration_minutes":30}`,
		404, "otp_code_not_found")
	var auth sdkAuthData
	c.ok(http.MethodPost, "/otps/authenticate", `{"token":"`+code+`","method_id":"`+methodID+`","session_duration_minutes":30}`, &auth)
	if auth.MethodID != methodID || auth.SessionToken == "" || auth.Session == nil || auth.Session.AuthenticationFactors[0].Type != "otp" {
		t.Fatalf("authenticate %+v", auth)
	}
	c.fail(http.MethodPost, "/otps/authenticate", `{"token":"`+code+`","method_id":"`+methodID+`","session_duration_minutes":30}`,
		401, "unable_to_auth_otp_code")

	// Signed in, a magic link for the same user adds its factor to the
	// held session.
	c.session = auth.SessionToken
	link := c.sdkSignInByLink("otp@example.com")
	if link.Session.SessionID != auth.Session.SessionID || len(link.Session.AuthenticationFactors) != 2 {
		t.Fatalf("factor not added to the held session: %+v", link.Session)
	}
	// A stale session token is ignored by the sign-in routes.
	c.ok(http.MethodPost, "/sessions/revoke", "", nil)
	fresh := c.sdkSignInByCode("otp@example.com")
	if fresh.Session.SessionID == auth.Session.SessionID {
		t.Fatal("revoked session reused")
	}
}

func TestSDKSessionsAreV1Sessions(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()

	// Made through /sdk/v1, checked through /v1 with the real stytch-go SDK.
	c := env.sdk()
	auth := c.sdkSignInByLink("both@example.com")
	resp, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: auth.SessionToken})
	if err != nil || resp.Session.SessionID != auth.Session.SessionID || resp.User.UserID != auth.UserID {
		t.Fatalf("v1 authenticate of an SDK session: %v", err)
	}
	if _, err := env.client.Sessions.AuthenticateJWTLocal(auth.SessionJWT, time.Minute); err != nil {
		t.Fatalf("SDK session JWT does not verify locally: %v", err)
	}
	if _, err := env.client.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: auth.SessionToken}); err != nil {
		t.Fatal(err)
	}
	c.fail(http.MethodPost, "/sessions/authenticate", `{}`, 404, "session_not_found")

	// Made through /v1, used through /sdk/v1.
	token, _, id := env.signIn("both@example.com")
	c.session = token
	var sa sdkAuthData
	c.ok(http.MethodPost, "/sessions/authenticate", `{"session_duration_minutes":30}`, &sa)
	if sa.Session.SessionID != id {
		t.Fatalf("SDK authenticate of a v1 session: %+v", sa)
	}
	c.ok(http.MethodGet, "/users/me", "", nil)
	c.ok(http.MethodPost, "/sessions/revoke", "", nil)
	if _, err := env.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: token}); err == nil {
		t.Fatal("v1 still accepts a session revoked through /sdk/v1")
	} else {
		wantStytchError(t, err, 404, "session_not_found")
	}

	// A link requested through /v1 with PKCE completes through /sdk/v1.
	verifier, challenge := stytchPKCE()
	if _, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: "both@example.com", LoginMagicLinkURL: appRedirect, CodeChallenge: challenge,
	}); err != nil {
		t.Fatal(err)
	}
	linkToken := env.followLink(env.latest("both@example.com").Link).Query().Get("token")
	c.session = ""
	c.ok(http.MethodPost, "/magic_links/authenticate",
		`{"token":"`+linkToken+`","code_verifier":"`+verifier+`","session_duration_minutes":5}`, nil)
	// And one requested through /sdk/v1 completes through /v1.
	verifier, challenge = stytchPKCE()
	c.ok(http.MethodPost, "/magic_links/email/send/primary", `{"email":"both@example.com","code_challenge":"`+challenge+`"}`, nil)
	linkToken = env.followLink(env.latest("both@example.com").Link).Query().Get("token")
	if _, err := env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token: linkToken, CodeVerifier: verifier, SessionDurationMinutes: 5,
	}); err != nil {
		t.Fatalf("v1 authenticate of an SDK link: %v", err)
	}
}

// sdkErrorCase is one /sdk/v1 request that must fail.
type sdkErrorCase struct {
	name   string
	cfg    Config
	setup  func(env *testEnv, c *sdkClient) map[string]string
	method string
	path   string // below /sdk/v1
	body   string
	status int
	typ    string
}

func sdkErrorCases() []sdkErrorCase {
	disable := func(products ...string) Config {
		s := DefaultSDKSettings()
		s.Disabled = products
		return Config{SDK: &s}
	}
	withCaptcha := DefaultSDKSettings()
	withCaptcha.Captcha = true
	_, challenge := stytchPKCE()
	mlBody := `{"email":"e@example.com","code_challenge":"` + challenge + `"}`
	signedOut := func(env *testEnv, c *sdkClient) map[string]string {
		c.sdkSignInByCode("gone@example.com")
		c.ok(http.MethodPost, "/sessions/revoke", "", nil)
		return nil
	}
	return []sdkErrorCase{
		{name: "wrong public token", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.publicToken = "public-token-test-11111111-1111-1111-1111-111111111111"
			return nil
		}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 401, typ: "unauthorized_credentials"},
		{name: "no credentials", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.headers = map[string]string{"Authorization": ""}
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 401, typ: "unauthorized_credentials"},
		{name: "project secret instead of public token", setup: func(env *testEnv, c *sdkClient) map[string]string {
			c.headers = map[string]string{"Authorization": "Basic " +
				base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID()+":"+env.emu.Secret()))}
			return nil
		}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 401, typ: "unauthorized_credentials"},
		{name: "bootstrap of another token", method: "GET", path: "/projects/bootstrap/public-token-test-other", status: 401, typ: "unauthorized_credentials"},
		{name: "unknown app id", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.appID = "com.example.impostor"
			return nil
		}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 400, typ: "bad_app_bundle_for_stytch_sdk"},
		{name: "app id differing in case", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.appID = strings.ToUpper(DefaultSDKAppID)
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 400, typ: "bad_app_bundle_for_stytch_sdk"},
		{name: "no X-SDK-Client", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.appID = ""
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 400, typ: "bad_app_bundle_for_stytch_sdk"},
		{name: "X-SDK-Client not base64 JSON", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.headers = map[string]string{"X-SDK-Client": "not base64!"}
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 400, typ: "bad_app_bundle_for_stytch_sdk"},
		{name: "unauthorized origin", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.appID, c.origin = "", "https://evil.example.com"
			return nil
		}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 400, typ: "bad_domain_for_stytch_sdk"},
		{name: "authorized app id does not excuse a bad origin", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.headers = map[string]string{"Origin": "null"}
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 400, typ: "bad_domain_for_stytch_sdk"},
		{name: "unauthorized parent host", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.headers = map[string]string{"X-SDK-Parent-Host": "http://evil.localhost.example"}
			return nil
		}, method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken, status: 400, typ: "bad_domain_for_stytch_sdk"},
		{name: "magic links disabled", cfg: disable(SDKMagicLinks), method: "POST", path: "/magic_links/email/login_or_create", body: mlBody, status: 401, typ: "endpoint_not_authorized_for_sdk"},
		{name: "magic link send disabled", cfg: disable(SDKMagicLinks), method: "POST", path: "/magic_links/email/send/primary", body: mlBody, status: 401, typ: "endpoint_not_authorized_for_sdk"},
		{name: "OTPs disabled", cfg: disable(SDKOTPs), method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 401, typ: "endpoint_not_authorized_for_sdk"},
		{name: "PKCE required", method: "POST", path: "/magic_links/email/login_or_create", body: `{"email":"e@example.com"}`, status: 400, typ: "invalid_pkce_code_challenge"},
		{name: "plain PKCE", method: "POST", path: "/magic_links/email/login_or_create", body: `{"email":"e@example.com","code_challenge":"` + challenge + `","code_challenge_method":"plain"}`, status: 400, typ: "invalid_pkce_code_challenge"},
		{name: "wrong verifier", setup: func(env *testEnv, c *sdkClient) map[string]string {
			_, ch := stytchPKCE()
			c.ok(http.MethodPost, "/magic_links/email/login_or_create", `{"email":"v@example.com","code_challenge":"`+ch+`"}`, nil)
			wrong, _ := stytchPKCE()
			return map[string]string{"{token}": env.followLink(env.latest("v@example.com").Link).Query().Get("token"), "{wrong}": wrong}
		}, method: "POST", path: "/magic_links/authenticate", body: `{"token":"{token}","code_verifier":"{wrong}","session_duration_minutes":60}`, status: 400, typ: "pkce_mismatch"},
		{name: "missing verifier", setup: func(env *testEnv, c *sdkClient) map[string]string {
			_, ch := stytchPKCE()
			c.ok(http.MethodPost, "/magic_links/email/login_or_create", `{"email":"v@example.com","code_challenge":"`+ch+`"}`, nil)
			return map[string]string{"{token}": env.followLink(env.latest("v@example.com").Link).Query().Get("token")}
		}, method: "POST", path: "/magic_links/authenticate", body: `{"token":"{token}","session_duration_minutes":60}`, status: 400, typ: "pkce_expected_code_verifier"},
		{name: "unknown magic link", method: "POST", path: "/magic_links/authenticate", body: `{"token":"bm90LWEtdG9rZW4=","session_duration_minutes":60}`, status: 404, typ: "magic_link_not_found"},
		{name: "duration too short", method: "POST", path: "/magic_links/authenticate", body: `{"token":"x","session_duration_minutes":4}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "duration too long", method: "POST", path: "/otps/authenticate", body: `{"token":"123456","method_id":"email-test-x","session_duration_minutes":527041}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "duration missing", method: "POST", path: "/otps/authenticate", body: `{"token":"123456","method_id":"email-test-x"}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "session extension too long", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.sdkSignInByCode("x@example.com")
			return nil
		}, method: "POST", path: "/sessions/authenticate", body: `{"session_duration_minutes":527041}`, status: 400, typ: "invalid_session_duration_minutes"},
		{name: "sessions/authenticate without a session", method: "POST", path: "/sessions/authenticate", body: `{}`, status: 401, typ: "unauthorized_credentials"},
		{name: "revoke without a session", method: "POST", path: "/sessions/revoke", status: 401, typ: "unauthorized_credentials"},
		{name: "users/me without a session", method: "GET", path: "/users/me", status: 401, typ: "unauthorized_credentials"},
		{name: "users/me with a revoked session", setup: signedOut, method: "GET", path: "/users/me", status: 404, typ: "session_not_found"},
		{name: "revoke of a revoked session", setup: signedOut, method: "POST", path: "/sessions/revoke", status: 404, typ: "session_not_found"},
		{name: "unknown session token", setup: func(_ *testEnv, c *sdkClient) map[string]string {
			c.session = "not-a-session"
			return nil
		}, method: "POST", path: "/sessions/authenticate", body: `{}`, status: 404, typ: "session_not_found"},
		{name: "rate limit shared with v1", cfg: Config{RateLimit: true}, setup: func(env *testEnv, _ *sdkClient) map[string]string {
			for i := 0; i < rateLimitPerMinute; i++ {
				if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "rl@example.com"}); err != nil {
					env.t.Fatal(err)
				}
			}
			return nil
		}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"RL@example.com"}`, status: 429, typ: "too_many_requests"},
		{name: "captcha required", cfg: Config{SDK: &withCaptcha}, method: "POST", path: "/otps/email/login_or_create", body: `{"email":"e@example.com"}`, status: 403, typ: "captcha_required"},
		{name: "send to unknown email", method: "POST", path: "/magic_links/email/send/primary", body: mlBody, status: 404, typ: "email_not_found"},
		{name: "invalid email", method: "POST", path: "/otps/email/login_or_create", body: `{"email":"nope"}`, status: 400, typ: "invalid_email"},
		{name: "redirect URL not allowed", method: "POST", path: "/magic_links/email/login_or_create", body: `{"email":"e@example.com","code_challenge":"` + challenge + `","login_magic_link_url":"https://evil.example.com/cb"}`, status: 400, typ: "no_match_for_provided_magic_link_url"},
		{name: "body over 1 MiB", method: "POST", path: "/events", body: `["` + strings.Repeat("a", maxBodyBytes) + `"]`, status: 400, typ: "bad_request"},
		{name: "not JSON", method: "POST", path: "/otps/email/login_or_create", body: `{"email":`, status: 400, typ: "bad_request"},
		{name: "unknown route", method: "POST", path: "/magic_links/email/send/secondary", body: `{}`, status: 404, typ: "route_not_found"},
		{name: "bootstrap with extra segment", method: "GET", path: "/projects/bootstrap/" + DefaultPublicToken + "/x", status: 404, typ: "route_not_found"},
		{name: "wrong method", method: "GET", path: "/otps/authenticate", status: 405, typ: "method_not_allowed"},
		{name: "injected fault", setup: func(env *testEnv, _ *sdkClient) map[string]string {
			env.emu.FailNext(sdkPrefix+"/users/me", 1, 502)
			return nil
		}, method: "GET", path: "/users/me", status: 502, typ: "internal_server_error"},
	}
}

func TestSDKErrorTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range sdkErrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.cfg)
			c := env.sdk()
			var vals map[string]string
			if tc.setup != nil {
				vals = tc.setup(env, c)
			}
			c.fail(tc.method, tc.path, fill(tc.body, vals), tc.status, tc.typ)
		})
		seen[tc.typ] = true
	}
	for _, typ := range []string{
		"unauthorized_credentials", "bad_app_bundle_for_stytch_sdk", "bad_domain_for_stytch_sdk",
		"endpoint_not_authorized_for_sdk", "invalid_pkce_code_challenge", "pkce_mismatch", "pkce_expected_code_verifier",
		"invalid_session_duration_minutes", "session_not_found", "too_many_requests", "captcha_required",
		"email_not_found", "route_not_found", "method_not_allowed",
	} {
		if !seen[typ] {
			t.Errorf("error_type %s has no /sdk/v1 table case", typ)
		}
	}
}

func TestSDKDisabledProductLeavesTheOtherWorking(t *testing.T) {
	s := DefaultSDKSettings()
	s.Disabled = []string{SDKMagicLinks}
	env := newEnv(t, Config{SDK: &s})
	c := env.sdk()
	_, challenge := stytchPKCE()
	c.fail(http.MethodPost, "/magic_links/email/login_or_create", `{"email":"d@example.com","code_challenge":"`+challenge+`"}`,
		401, "endpoint_not_authorized_for_sdk")
	c.sdkSignInByCode("d@example.com")
	// /v1 is not governed by the SDK settings.
	if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "d@example.com"}); err != nil {
		t.Fatalf("v1 refused: %v", err)
	}
}

func TestSDKNativeAndBrowserIdentity(t *testing.T) {
	s := DefaultSDKSettings()
	s.AppIDs = append(s.AppIDs, "com.example.other")
	s.Domains = append(s.Domains, "app.example.com:8443", "https://secure.example.com")
	env := newEnv(t, Config{SDK: &s})
	boot := "/projects/bootstrap/" + DefaultPublicToken
	c := env.sdk()
	c.appID = "com.example.other"
	c.ok(http.MethodGet, boot, "", nil)
	// The KMP SDK spells the header X-SDK-CLIENT; URL-safe base64 works too.
	c.appID = ""
	b, _ := json.Marshal(map[string]any{"app": map[string]string{"identifier": DefaultSDKAppID}})
	c.headers = map[string]string{"X-SDK-CLIENT": base64.RawURLEncoding.EncodeToString(b)}
	c.ok(http.MethodGet, boot, "", nil)

	for origin, want := range map[string]bool{
		"http://localhost:3000": true, "https://localhost": true, "http://127.0.0.1:5173": true,
		"https://app.example.com:8443": true, "http://app.example.com:8443": true, "https://app.example.com": false,
		"https://secure.example.com": true, "http://secure.example.com": false, "https://LOCALHOST:1": true,
		"http://localhost.evil.example": false, "http://[::1]:3000": false, "null": false,
	} {
		resp, body := env.browser(origin).call(http.MethodGet, boot, "")
		if got := resp.StatusCode == http.StatusOK; got != want {
			t.Errorf("origin %s: %d %s", origin, resp.StatusCode, body)
		}
	}
	// A browser is judged by its origin alone: the X-SDK-Client app
	// identifier it sends (its hostname) is not an app id.
	br := env.browser("http://localhost:3000")
	br.appID = "localhost"
	br.ok(http.MethodGet, boot, "", nil)
}

func TestSDKCORS(t *testing.T) {
	env := newEnv(t, Config{})
	const origin = "http://localhost:3000"
	resp, body := env.do(http.MethodOptions, sdkPrefix+"/magic_links/email/login_or_create", "", map[string]string{
		"Origin": origin, "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type,x-sdk-client,x-sdk-parent-host",
	})
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 || h.Get("Access-Control-Allow-Origin") != origin ||
		h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Max-Age") == "" ||
		!strings.Contains(h.Get("Vary"), "Origin") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, h)
	}
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
			t.Errorf("method %s not allowed: %q", m, h.Get("Access-Control-Allow-Methods"))
		}
	}
	for _, name := range []string{"Authorization", "Content-Type", "X-SDK-Client", "X-SDK-Parent-Host"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Headers"), name) {
			t.Errorf("header %s not allowed: %q", name, h.Get("Access-Control-Allow-Headers"))
		}
	}

	// The actual request carries the allow headers too, errors included.
	c := env.browser(origin)
	resp, _ = c.call(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Vary") != "Origin" {
		t.Fatalf("actual request: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = c.call(http.MethodGet, "/users/me", "")
	wantSDKError(t, resp, body, 401, "unauthorized_credentials")
	if resp.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatal("error response without CORS headers: the browser could not read it")
	}

	// An unauthorized origin gets no allow headers, preflight or not.
	resp, body = env.do(http.MethodOptions, sdkPrefix+"/users/me", "", map[string]string{
		"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET",
	})
	wantSDKError(t, resp, body, 400, "bad_domain_for_stytch_sdk")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("CORS headers for an unauthorized origin: %v", resp.Header)
	}
	resp, _ = env.browser("https://evil.example.com").call(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "")
	if resp.StatusCode != 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("unauthorized origin: %d %v", resp.StatusCode, resp.Header)
	}
	// A native client gets none either.
	resp, _ = env.sdk().call(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS headers without an Origin")
	}
	// Chrome's private network access preflight.
	resp, _ = env.do(http.MethodOptions, sdkPrefix+"/events", "", map[string]string{
		"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true",
	})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Fatalf("private network preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestSDKBootstrap(t *testing.T) {
	get := func(t *testing.T, s *SDKSettings) map[string]any {
		env := newEnv(t, Config{SDK: s})
		var data map[string]any
		env.sdk().ok(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "", &data)
		return data
	}
	data := get(t, nil)
	// Every field the browser SDK's BootstrapDataManager and Android's
	// BootstrapData read.
	for _, k := range []string{
		"request_id", "status_code", "project_name", "disable_sdk_watermark", "cname_domain", "email_domains",
		"captcha_settings", "pkce_required_for_email_magic_links", "pkce_required_for_password_resets",
		"pkce_required_for_oauth", "pkce_required_for_sso", "slug_pattern", "create_organization_enabled",
		"password_config", "dfp_protected_auth_enabled", "dfp_protected_auth_mode", "rbac_policy",
		"siwe_required_for_crypto_wallets", "vertical",
	} {
		if _, ok := data[k]; !ok {
			t.Errorf("bootstrap lacks %s", k)
		}
	}
	captcha, _ := data["captcha_settings"].(map[string]any)
	if data["pkce_required_for_email_magic_links"] != true || data["cname_domain"] != nil || data["vertical"] != "CONSUMER" ||
		data["dfp_protected_auth_enabled"] != false || captcha["enabled"] != false || data["password_config"] != nil {
		t.Fatalf("default bootstrap %v", data)
	}
	s := DefaultSDKSettings()
	s.PKCERequired, s.Captcha, s.DFP = false, true, true
	data = get(t, &s)
	captcha, _ = data["captcha_settings"].(map[string]any)
	if data["pkce_required_for_email_magic_links"] != false || captcha["enabled"] != true || captcha["siteKey"] == "" ||
		data["dfp_protected_auth_enabled"] != true || data["dfp_protected_auth_mode"] != "DECISIONING" {
		t.Fatalf("bootstrap with captcha and DFP %v", data)
	}
}

func TestSDKSettingsEffects(t *testing.T) {
	s := DefaultSDKSettings()
	s.PKCERequired, s.Captcha = false, true
	env := newEnv(t, Config{SDK: &s})
	c := env.sdk()
	// Without PKCE required, a link without a challenge is fine; with
	// captcha on, any captcha_token passes.
	c.ok(http.MethodPost, "/magic_links/email/login_or_create", `{"email":"p@example.com","captcha_token":"tok"}`, nil)
	token := env.followLink(env.latest("p@example.com").Link).Query().Get("token")
	c.ok(http.MethodPost, "/magic_links/authenticate", `{"token":"`+token+`","session_duration_minutes":5}`, nil)
	c.fail(http.MethodPost, "/magic_links/email/send/primary", `{"email":"p@example.com"}`, 403, "captcha_required")
}

func TestSDKEvents(t *testing.T) {
	env := newEnv(t, Config{})
	const marker = "telemetry-marker-5f3c"
	body := `[{"telemetry":{"event_id":"e","app":{"identifier":"localhost"}},"event":{"public_token":"` +
		DefaultPublicToken + `","event_name":"` + marker + `"}}]`
	// The browser SDK's event logger sends only Content-Type.
	resp, b := env.do(http.MethodPost, sdkPrefix+"/events", body, map[string]string{"Content-Type": "application/json", "Origin": "http://localhost:3000"})
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"data":{}}` || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("events: %d %s", resp.StatusCode, b)
	}
	env.sdk().ok(http.MethodPost, "/events", body, nil)
	// Credentials, when sent, must be right; origins must be authorized.
	resp, b = env.do(http.MethodPost, sdkPrefix+"/events", body, map[string]string{"Authorization": "Basic " +
		base64.StdEncoding.EncodeToString([]byte("public-token-test-nope:x"))})
	wantSDKError(t, resp, b, 401, "unauthorized_credentials")
	resp, b = env.do(http.MethodPost, sdkPrefix+"/events", body, map[string]string{"Origin": "https://evil.example.com"})
	wantSDKError(t, resp, b, 400, "bad_domain_for_stytch_sdk")
	if strings.Contains(env.logs.String(), marker) {
		t.Fatal("telemetry logged")
	}
}

func TestDevSDK(t *testing.T) {
	env := newEnv(t, Config{})
	post := func(body string) (*http.Response, []byte) {
		return env.do(http.MethodPost, "/dev/sdk", body, map[string]string{"Content-Type": "application/json"})
	}
	var got sdkSettingsResponse
	resp, b := env.do(http.MethodGet, "/dev/sdk", "", nil)
	mustJSON(t, b, &got)
	want := DefaultSDKSettings()
	if resp.StatusCode != 200 || got.StatusCode != 200 || strings.Join(got.AppIDs, ",") != DefaultSDKAppID ||
		strings.Join(got.Domains, ",") != "localhost,127.0.0.1" || len(got.Disabled) != 0 || got.PKCERequired != want.PKCERequired ||
		got.Captcha || got.DFP {
		t.Fatalf("GET /dev/sdk: %d %s", resp.StatusCode, b)
	}

	c := env.sdk()
	c.sdkSignInByCode("dev@example.com")
	resp, b = post(`{"disabled":["otps"],"pkce_required":false,"captcha":true,"dfp":true,"app_ids":["com.example.x"," com.example.y "]}`)
	mustJSON(t, b, &got)
	if resp.StatusCode != 200 || strings.Join(got.Disabled, ",") != "otps" || got.PKCERequired || !got.Captcha || !got.DFP ||
		strings.Join(got.AppIDs, ",") != "com.example.x,com.example.y" || strings.Join(got.Domains, ",") != "localhost,127.0.0.1" {
		t.Fatalf("POST /dev/sdk: %d %s", resp.StatusCode, b)
	}
	// The running emulator applies them at once.
	c.fail(http.MethodGet, "/users/me", "", 400, "bad_app_bundle_for_stytch_sdk")
	c.appID = "com.example.y"
	c.ok(http.MethodGet, "/users/me", "", nil)
	c.fail(http.MethodPost, "/otps/email/login_or_create", `{"email":"dev@example.com","captcha_token":"t"}`, 401, "endpoint_not_authorized_for_sdk")
	var boot map[string]any
	c.ok(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "", &boot)
	if boot["pkce_required_for_email_magic_links"] != false || boot["dfp_protected_auth_enabled"] != true {
		t.Fatalf("bootstrap after /dev/sdk: %v", boot)
	}
	if s := env.emu.SDKSettings(); !s.Captcha || len(s.AppIDs) != 2 {
		t.Fatalf("SDKSettings: %+v", s)
	}

	// Bad values change nothing.
	for _, body := range []string{`{"disabled":["passwords"]}`, `{"domains":[""]}`, `{"app_ids":["a b"]}`, `{"captcha":"yes"}`} {
		resp, b = post(body)
		wantSDKError(t, resp, b, 400, "bad_request")
	}
	if s := env.emu.SDKSettings(); len(s.Disabled) != 1 || len(s.Domains) != 2 {
		t.Fatalf("settings changed by a bad request: %+v", s)
	}
	// The /dev protections apply.
	resp, _ = env.do(http.MethodPost, "/dev/sdk", `{"captcha":false}`, map[string]string{"Content-Type": "text/plain"})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain post: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/dev/sdk", nil)
	req.Host = "evil.example.com"
	r2, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusForbidden {
		t.Fatalf("non-loopback host: %d", r2.StatusCode)
	}
	resp, _ = env.do(http.MethodDelete, "/dev/sdk", "", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE /dev/sdk: %d", resp.StatusCode)
	}
	if err := env.emu.SetSDKSettings(SDKSettings{Disabled: []string{"nope"}}); err == nil {
		t.Fatal("SetSDKSettings accepted an unknown product")
	}
}

func TestSDKConfig(t *testing.T) {
	emu, err := New(Config{SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if emu.PublicToken() != DefaultPublicToken {
		t.Fatalf("default public token %q", emu.PublicToken())
	}
	live, err := New(Config{ProjectID: "project-live-00000000-0000-0000-0000-000000000000", SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if live.PublicToken() != "public-token-live-00000000-0000-0000-0000-000000000000" {
		t.Fatalf("live public token %q", live.PublicToken())
	}
	if _, err := New(Config{SDK: &SDKSettings{Disabled: []string{"passwords"}}}); err == nil {
		t.Fatal("unknown product accepted")
	}
	// The settings are copied: changing the caller's slices changes nothing.
	s := DefaultSDKSettings()
	emu, err = New(Config{SDK: &s, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	s.AppIDs[0] = "changed"
	got := emu.SDKSettings()
	got.Domains[0] = "changed"
	if emu.SDKSettings().AppIDs[0] != DefaultSDKAppID || emu.SDKSettings().Domains[0] != "localhost" {
		t.Fatal("settings share memory with the caller")
	}
	env := newEnv(t, Config{PublicToken: "public-token-test-custom"})
	c := env.sdk()
	c.ok(http.MethodGet, "/projects/bootstrap/public-token-test-custom", "", nil)
	c.publicToken = DefaultPublicToken
	c.fail(http.MethodGet, "/projects/bootstrap/"+DefaultPublicToken, "", 401, "unauthorized_credentials")
}

func TestSDKLogsNoSecrets(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.sdk()
	link := c.sdkSignInByLink("quiet@example.com")
	code := c.sdkSignInByCode("quiet@example.com")
	c.ok(http.MethodPost, "/sessions/revoke", "", nil)
	logs := env.logs.String()
	msgs := env.emu.Outbox("quiet@example.com")
	for _, secret := range []string{link.SessionToken, code.SessionToken, link.SessionJWT, msgs[0].Code, msgs[1].Link,
		env.followLink(msgs[1].Link).Query().Get("token")} {
		if secret == "" || strings.Contains(logs, secret) {
			t.Fatalf("a token, code or link is logged (or empty): %q\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "quiet@example.com") {
		t.Fatalf("no email log lines: %s", logs)
	}
}

func TestSDKOverTLS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "certs", "emulator.pem")
	srv, err := NewServer(Config{SigningKey: testKey, RedirectURLs: []string{appRedirect}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartTLS("127.0.0.1:0", certFile); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.BaseURL(), "https://127.0.0.1:") || srv.SDKBaseURL() != srv.BaseURL()+"/sdk/v1" || srv.CertFile() != certFile {
		t.Fatalf("BaseURL %s, SDKBaseURL %s, CertFile %s", srv.BaseURL(), srv.SDKBaseURL(), srv.CertFile())
	}
	if err := srv.StartTLS("127.0.0.1:0", ""); err == nil {
		t.Fatal("second start accepted")
	}
	pemCert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCert) {
		t.Fatal("certificate file is not PEM")
	}
	block, _ := pem.Decode(pemCert)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA || cert.DNSNames[0] != "localhost" || len(cert.IPAddresses) != 2 {
		t.Fatalf("certificate %v %v %v", cert.PublicKeyAlgorithm, cert.DNSNames, cert.IPAddresses)
	}
	trusting := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	sdkGet := func(client *http.Client, url string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth(DefaultPublicToken, DefaultPublicToken)
		req.Header.Set("X-SDK-Client", sdkClientHeader(DefaultSDKAppID))
		return client.Do(req)
	}
	for _, host := range []string{srv.BaseURL(), strings.Replace(srv.BaseURL(), "127.0.0.1", "localhost", 1)} {
		resp, err := sdkGet(trusting, host+"/sdk/v1/projects/bootstrap/"+DefaultPublicToken)
		if err != nil {
			t.Fatalf("trusting client at %s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("bootstrap over TLS: %d", resp.StatusCode)
		}
	}
	_, err = sdkGet(&http.Client{Timeout: 5 * time.Second}, srv.SDKBaseURL()+"/projects/bootstrap/"+DefaultPublicToken)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("client without the certificate: %v", err)
	}

	// Emailed links point at https too.
	req, _ := http.NewRequest(http.MethodPost, srv.SDKBaseURL()+"/otps/email/login_or_create", strings.NewReader(`{"email":"tls@example.com"}`))
	req.SetBasicAuth(DefaultPublicToken, DefaultPublicToken)
	req.Header.Set("X-SDK-Client", sdkClientHeader(DefaultSDKAppID))
	resp, err := trusting.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("OTP over TLS: %v", err)
	}
	resp.Body.Close()
	_, challenge := stytchPKCE()
	req, _ = http.NewRequest(http.MethodPost, srv.SDKBaseURL()+"/magic_links/email/send/primary",
		strings.NewReader(`{"email":"tls@example.com","code_challenge":"`+challenge+`"}`))
	req.SetBasicAuth(DefaultPublicToken, DefaultPublicToken)
	req.Header.Set("X-SDK-Client", sdkClientHeader(DefaultSDKAppID))
	if resp, err = trusting.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("link over TLS: %v", err)
	}
	resp.Body.Close()
	if link := srv.Emulator().Outbox("tls@example.com")[0].Link; !strings.HasPrefix(link, srv.BaseURL()+"/v1/magic_links/redirect?") {
		t.Fatalf("link %s", link)
	}
	// The transport may hold a spare connection that never sent a request,
	// which a graceful shutdown would wait for.
	trusting.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(certFile); err != nil {
		t.Fatalf("a chosen certificate file is kept: %v", err)
	}

	// Without a path, the certificate lives in a temporary directory that
	// Close removes.
	tmp, err := NewServer(Config{SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := tmp.StartTLS("127.0.0.1:0", ""); err != nil {
		t.Fatal(err)
	}
	f := tmp.CertFile()
	if _, err := os.Stat(f); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(f)); !os.IsNotExist(err) {
		t.Fatalf("temporary certificate directory left: %v", err)
	}
}
