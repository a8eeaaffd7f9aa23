package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// sdkJSONEndpoints are the /sdk/v1 POST routes that decode a JSON body.
var sdkJSONEndpoints = []string{
	sdkPrefix + "/magic_links/email/login_or_create", sdkPrefix + "/magic_links/email/send/primary",
	sdkPrefix + "/magic_links/authenticate", sdkPrefix + "/otps/email/login_or_create", sdkPrefix + "/otps/authenticate",
	sdkPrefix + "/sessions/authenticate", sdkPrefix + "/sessions/revoke", sdkPrefix + "/events",
}

// sdkClient calls /sdk/v1 over raw HTTP the way Stytch's official SDKs do
// (there is no Go client for it): Basic public_token:(session or public
// token), Content-Type: application/json and X-SDK-Client on every request.
type sdkClient struct {
	env         *testEnv
	publicToken string
	session     string // the session token once signed in
	appID       string // X-SDK-Client app.identifier; "" sends no X-SDK-Client
	origin      string // for a browser: Origin and X-SDK-Parent-Host
	headers     map[string]string
}

// sdk returns a native client of env's emulator, identified as the app.
func (env *testEnv) sdk() *sdkClient {
	return &sdkClient{env: env, publicToken: env.emu.PublicToken(), appID: DefaultSDKAppID}
}

// browser returns a browser client from origin.
func (env *testEnv) browser(origin string) *sdkClient {
	c := env.sdk()
	c.appID, c.origin = "", origin
	return c
}

func sdkClientHeader(appID string) string {
	b, _ := json.Marshal(map[string]any{
		"sdk": map[string]string{"identifier": "stytch-android", "version": "0.0.0"},
		"app": map[string]string{"identifier": appID, "version": "1.0.0"},
		"os":  map[string]string{"identifier": "Android", "version": "15"},
	})
	return base64.StdEncoding.EncodeToString(b)
}

// call sends one request and returns the response and its body.
func (c *sdkClient) call(method, path, body string) (*http.Response, []byte) {
	c.env.t.Helper()
	pass := c.session
	if pass == "" {
		pass = c.publicToken
	}
	hdr := map[string]string{
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(c.publicToken+":"+pass)),
		"Content-Type":  "application/json",
	}
	if c.appID != "" {
		hdr["X-SDK-Client"] = sdkClientHeader(c.appID)
	}
	if c.origin != "" {
		hdr["Origin"], hdr["X-SDK-Parent-Host"] = c.origin, c.origin
	}
	for k, v := range c.headers {
		hdr[k] = v
	}
	return c.env.do(method, sdkPrefix+path, body, hdr)
}

// ok sends a request that must succeed and decodes its "data" into out.
func (c *sdkClient) ok(method, path, body string, out any) {
	c.env.t.Helper()
	resp, b := c.call(method, path, body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		c.env.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	mustJSON(c.env.t, b, &env)
	if len(env.Data) == 0 || env.Data[0] != '{' {
		c.env.t.Fatalf("%s %s: no data object in %s", method, path, b)
	}
	if out != nil {
		mustJSON(c.env.t, env.Data, out)
	}
}

// wantSDKError asserts a top-level (not wrapped in "data") JSON error.
func wantSDKError(t testing.TB, resp *http.Response, body []byte, status int, typ string) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("want %d %s, got %d (%s) %s", status, typ, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var raw map[string]json.RawMessage
	mustJSON(t, body, &raw)
	if _, wrapped := raw["data"]; wrapped {
		t.Fatalf("error wrapped in data: %s", body)
	}
	var e errorBody
	mustJSON(t, body, &e)
	if e.StatusCode != status || e.ErrorType != typ || e.RequestID == "" || e.ErrorMessage == "" ||
		!strings.HasSuffix(e.ErrorURL, "#"+typ) {
		t.Fatalf("want %d %s, got %s", status, typ, body)
	}
}

// fail sends a request that must fail with status and error type typ.
func (c *sdkClient) fail(method, path, body string, status int, typ string) {
	c.env.t.Helper()
	resp, b := c.call(method, path, body)
	wantSDKError(c.env.t, resp, b, status, typ)
}

// stytchPKCE returns a verifier and challenge made the way Stytch's mobile
// SDKs make them: hex of 32 random bytes, base64url(SHA-256) without padding.
func stytchPKCE() (verifier, challenge string) {
	verifier = hex.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// sdkAuthData is the AuthData of an SDK authenticate response.
type sdkAuthData struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	UserID       string `json:"user_id"`
	MethodID     string `json:"method_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
	Session      *struct {
		SessionID             string `json:"session_id"`
		UserID                string `json:"user_id"`
		StartedAt             string `json:"started_at"`
		LastAccessedAt        string `json:"last_accessed_at"`
		ExpiresAt             string `json:"expires_at"`
		AuthenticationFactors []struct {
			Type string `json:"type"`
		} `json:"authentication_factors"`
		Attributes attributes `json:"attributes"`
	} `json:"session"`
	User struct {
		UserID string      `json:"user_id"`
		Emails []wireEmail `json:"emails"`
		Status string      `json:"status"`
	} `json:"user"`
}

// sdkSignInByLink signs address in through /sdk/v1 by magic link with PKCE
// and returns the authenticate data; c holds the session afterwards.
func (c *sdkClient) sdkSignInByLink(address string) sdkAuthData {
	c.env.t.Helper()
	verifier, challenge := stytchPKCE()
	c.ok(http.MethodPost, "/magic_links/email/login_or_create",
		`{"email":"`+address+`","login_magic_link_url":"`+appRedirect+`","signup_magic_link_url":"`+appRedirect+
			`","code_challenge":"`+challenge+`","code_challenge_method":"S256"}`, nil)
	token := c.env.followLink(c.env.latest(strings.ToLower(address)).Link).Query().Get("token")
	var auth sdkAuthData
	c.ok(http.MethodPost, "/magic_links/authenticate",
		`{"token":"`+token+`","code_verifier":"`+verifier+`","session_duration_minutes":60}`, &auth)
	c.session = auth.SessionToken
	return auth
}

// sdkSignInByCode signs address in through /sdk/v1 by email code.
func (c *sdkClient) sdkSignInByCode(address string) sdkAuthData {
	c.env.t.Helper()
	var sent struct {
		MethodID string `json:"method_id"`
	}
	c.ok(http.MethodPost, "/otps/email/login_or_create", `{"email":"`+address+`","expiration_minutes":5}`, &sent)
	code := c.env.latest(strings.ToLower(address)).Code
	var auth sdkAuthData
	c.ok(http.MethodPost, "/otps/authenticate",
		`{"token":"`+code+`","method_id":"`+sent.MethodID+`","session_duration_minutes":30}`, &auth)
	c.session = auth.SessionToken
	return auth
}
