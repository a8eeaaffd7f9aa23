package publicclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// TestEndpoints checks, for every method, what Stytch sees: method, path,
// headers (anonymous or with the session) and the body's fields.
func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		path   string // below /sdk/v1/
		method string
		reply  string // testdata sample
		pass   string // Basic password
		// body is the exact JSON body; nil means no body at all.
		body map[string]any
		call func(c *Client) error
	}{
		{
			name: "SendLink", path: "magic_links/email/login_or_create", method: "POST",
			reply: "magic_links_email_login_or_create.json", pass: testToken,
			body: map[string]any{
				"email": testEmail, "login_magic_link_url": testRedirect, "signup_magic_link_url": testRedirect,
				"code_challenge": testChallenge, "code_challenge_method": "S256",
				"login_expiration_minutes": json.Number("15"), "signup_expiration_minutes": json.Number("15"),
			},
			call: func(c *Client) error {
				return c.SendLink(ctx, backend.LinkRequest{Email: testEmail, RedirectURL: testRedirect,
					Expiry: 15*time.Minute + 59*time.Second, CodeChallenge: testChallenge})
			},
		},
		{
			name: "SendCode", path: "otps/email/login_or_create", method: "POST",
			reply: "otps_email_login_or_create.json", pass: testToken,
			body: map[string]any{"email": testEmail, "expiration_minutes": json.Number("10")},
			call: func(c *Client) error {
				id, err := c.SendCode(ctx, testEmail, 10*time.Minute)
				if err == nil && id != testMethodID {
					t.Errorf("method id = %q", id)
				}
				return err
			},
		},
		{
			name: "AuthenticateLink", path: "magic_links/authenticate", method: "POST",
			reply: "magic_links_authenticate.json", pass: testToken,
			body: map[string]any{"token": testLinkTok, "code_verifier": testVerifier, "session_duration_minutes": json.Number("43200")},
			call: func(c *Client) error {
				_, err := c.AuthenticateLink(ctx, testLinkTok, testVerifier, 30*24*time.Hour)
				return err
			},
		},
		{
			name: "AuthenticateCode", path: "otps/authenticate", method: "POST",
			reply: "otps_authenticate.json", pass: testToken,
			body: map[string]any{"token": testCode, "method_id": testMethodID, "session_duration_minutes": json.Number("60")},
			call: func(c *Client) error {
				_, err := c.AuthenticateCode(ctx, testMethodID, testCode, time.Hour+30*time.Second)
				return err
			},
		},
		{
			name: "AuthenticateSession", path: "sessions/authenticate", method: "POST",
			reply: "sessions_authenticate.json", pass: testSession,
			body: map[string]any{"session_duration_minutes": json.Number("1440")},
			call: func(c *Client) error {
				_, err := c.AuthenticateSession(ctx, testSession, 24*time.Hour)
				return err
			},
		},
		{
			name: "AuthenticateSession without extending", path: "sessions/authenticate", method: "POST",
			reply: "sessions_authenticate.json", pass: testSession,
			body: map[string]any{},
			call: func(c *Client) error {
				_, err := c.AuthenticateSession(ctx, testSession, 0)
				return err
			},
		},
		{
			name: "Revoke", path: "sessions/revoke", method: "POST",
			reply: "sessions_revoke.json", pass: testSession,
			call: func(c *Client) error { return c.Revoke(ctx, testSession) },
		},
		{
			name: "User", path: "users/me", method: "GET",
			reply: "users_me.json", pass: testSession,
			call: func(c *Client) error {
				_, err := c.User(ctx, testSession)
				return err
			},
		},
		{
			name: "Bootstrap", path: "projects/bootstrap/" + testToken, method: "GET",
			reply: "bootstrap.json", pass: testToken,
			call: func(c *Client) error {
				_, err := c.Bootstrap(ctx)
				return err
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set(tc.path, reply{status: 200, body: sample(t, tc.reply)})
			if err := tc.call(f.client()); err != nil {
				t.Fatal(err)
			}
			s := f.only(tc.path)
			if s.Method != tc.method {
				t.Errorf("method %s, want %s", s.Method, tc.method)
			}
			checkHeaders(t, s, tc.pass)
			if tc.body == nil {
				if s.HasBody || len(s.Body) != 0 {
					t.Errorf("body %q, want none", s.Body)
				}
				return
			}
			if got := jsonBody(t, s); !reflect.DeepEqual(got, tc.body) {
				t.Errorf("body\n got %v\nwant %v", got, tc.body)
			}
		})
	}
}

// TestSendsBootstrapFirst: a send fetches bootstrap once, before it, with
// the anonymous credentials; later sends reuse it.
func TestSendsBootstrapFirst(t *testing.T) {
	f := newFake(t)
	f.set("magic_links/email/login_or_create", reply{status: 200, body: sample(t, "magic_links_email_login_or_create.json")})
	f.set("otps/email/login_or_create", reply{status: 200, body: sample(t, "otps_email_login_or_create.json")})
	c := f.client()
	ctx := context.Background()
	for range 2 {
		if err := c.SendLink(ctx, backend.LinkRequest{Email: testEmail, RedirectURL: testRedirect, Expiry: time.Hour, CodeChallenge: testChallenge}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendCode(ctx, testEmail, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	all := f.requests("")
	if len(all) != 5 || all[0].Path != "/sdk/v1/projects/bootstrap/"+testToken {
		t.Fatalf("requests %v, want bootstrap then 4 sends", paths(all))
	}
	checkHeaders(t, all[0], testToken)
}

func paths(ss []seen) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Method+" "+s.Path)
	}
	return out
}

// TestDecodeSamples decodes full AuthData and user samples.
func TestDecodeSamples(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sandbox := backend.Email{ID: testMethodID, Address: testEmail, Verified: true}
	ada := backend.User{
		ID: "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6", Emails: []backend.Email{sandbox},
		FirstName: "Ada", LastName: "Lovelace", Status: "active", CreatedAt: ts("2026-01-05T09:59:30Z"),
	}
	linkFactor := backend.Factor{Type: "magic_link", DeliveryMethod: "email", Email: testEmail}
	f := newFake(t)
	ctx := context.Background()

	t.Run("magic_links/authenticate", func(t *testing.T) {
		f.set("magic_links/authenticate", reply{status: 200, body: sample(t, "magic_links_authenticate.json")})
		got, err := f.client().AuthenticateLink(ctx, testLinkTok, testVerifier, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		want := &backend.Auth{
			SessionToken: testSession,
			Session: backend.Session{
				ID: "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509", UserID: ada.ID,
				StartedAt: ts("2026-01-05T10:00:00Z"), LastAccessedAt: ts("2026-01-05T10:00:00.123456Z"),
				ExpiresAt: ts("2026-01-05T11:00:00Z"), Factors: []backend.Factor{linkFactor},
			},
			User: ada,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("otps/authenticate", func(t *testing.T) {
		f.set("otps/authenticate", reply{status: 200, body: sample(t, "otps_authenticate.json")})
		got, err := f.client().AuthenticateCode(ctx, testMethodID, testCode, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		want := &backend.Auth{
			SessionToken: "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY",
			Session: backend.Session{
				ID: "session-test-9a8b7c6d-5e4f-4321-8765-0fedcba98765", UserID: ada.ID,
				StartedAt: ts("2026-02-10T08:15:00Z"), LastAccessedAt: ts("2026-02-10T08:15:00Z"),
				ExpiresAt: ts("2026-03-12T08:15:00Z"),
				Factors:   []backend.Factor{{Type: "otp", DeliveryMethod: "email", Email: testEmail}, linkFactor},
			},
			User: backend.User{
				ID: ada.ID, Status: "active", CreatedAt: ts("2025-12-24T12:00:00Z"),
				Emails: []backend.Email{sandbox, {ID: "email-test-0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", Address: "ada@example.com"}},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("sessions/authenticate", func(t *testing.T) {
		f.set("sessions/authenticate", reply{status: 200, body: sample(t, "sessions_authenticate.json")})
		got, err := f.client().AuthenticateSession(ctx, testSession, 30*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got.SessionToken != testSession || !got.Session.ExpiresAt.Equal(ts("2026-02-05T09:30:00Z")) ||
			!got.Session.LastAccessedAt.Equal(ts("2026-01-06T09:30:00Z")) || !reflect.DeepEqual(got.User, ada) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("nulls and missing fields", func(t *testing.T) {
		f.set("sessions/authenticate", reply{status: 200, body: sample(t, "sessions_authenticate_nulls.json")})
		got, err := f.client().AuthenticateSession(ctx, testSession, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := &backend.Auth{
			SessionToken: testSession,
			Session: backend.Session{
				ID: "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509", UserID: ada.ID,
				ExpiresAt: ts("2026-02-05T09:30:00Z"),
			},
			User: backend.User{ID: ada.ID, Emails: []backend.Email{{ID: testMethodID, Address: testEmail}}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("session token left out keeps the one presented", func(t *testing.T) {
		f.set("sessions/authenticate", reply{status: 200, body: `{"data":{"session":{"session_id":"s"},"user":null}}`})
		got, err := f.client().AuthenticateSession(ctx, testSession, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.SessionToken != testSession || got.Session.ID != "s" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("users/me", func(t *testing.T) {
		f.set("users/me", reply{status: 200, body: sample(t, "users_me.json")})
		got, err := f.client().User(ctx, testSession)
		if err != nil {
			t.Fatal(err)
		}
		want := ada
		want.MiddleName = "King"
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("got  %+v\nwant %+v", *got, want)
		}
	})
	t.Run("bootstrap", func(t *testing.T) {
		for name, want := range map[string]BootstrapInfo{
			"bootstrap.json": {PKCERequiredForEmailMagicLinks: true, DFPProtectedAuthMode: "OBSERVATION", Vertical: "CONSUMER",
				RequestID: "request-id-test-b0075742-0000-4000-8000-000000000001"},
			"bootstrap_captcha.json": {CaptchaEnabled: true, DFPProtectedAuthMode: "OBSERVATION", Vertical: "CONSUMER",
				CNAMEDomain: "login.example.com", RequestID: "request-id-test-b0075742-0000-4000-8000-000000000002"},
			"bootstrap_dfp.json": {PKCERequiredForEmailMagicLinks: true, DFPProtectedAuthEnabled: true, DFPProtectedAuthMode: "DECISIONING",
				Vertical: "CONSUMER", RequestID: "request-id-test-b0075742-0000-4000-8000-000000000003"},
		} {
			f.set("projects/bootstrap/"+testToken, reply{status: 200, body: sample(t, name)})
			got, err := f.client().Bootstrap(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: got %+v\nwant %+v", name, got, want)
			}
		}
	})
}

// TestPKCERefusals: no request goes out without PKCE, or with malformed
// PKCE values.
func TestPKCERefusals(t *testing.T) {
	f := newFake(t)
	c := f.client()
	ctx := context.Background()
	for _, ch := range []string{"", "short", testChallenge + "=", strings.Repeat("*", 43)} {
		err := c.SendLink(ctx, backend.LinkRequest{Email: testEmail, RedirectURL: testRedirect, Expiry: time.Hour, CodeChallenge: ch})
		if !errors.Is(err, ErrNoCodeChallenge) {
			t.Errorf("challenge %q: err %v, want ErrNoCodeChallenge", ch, err)
		}
	}
	for _, v := range []string{"", strings.Repeat("a", 42), strings.Repeat("a", 129), strings.Repeat("a", 42) + "!"} {
		_, err := c.AuthenticateLink(ctx, testLinkTok, v, time.Hour)
		if !errors.Is(err, ErrNoCodeVerifier) {
			t.Errorf("verifier %q: err %v, want ErrNoCodeVerifier", v, err)
		}
		if err != nil && v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("error quotes the verifier: %v", err)
		}
	}
	f.wantCount("", 0)
}

// TestLocalRefusals: empty arguments and missing session tokens are
// refused before any request.
func TestLocalRefusals(t *testing.T) {
	f := newFake(t)
	c := f.client()
	ctx := context.Background()
	link := backend.LinkRequest{RedirectURL: testRedirect, Expiry: time.Hour, CodeChallenge: testChallenge}
	checks := []struct {
		err  error
		want error
	}{
		{c.SendLink(ctx, link), ErrMissingArgument},
		{second(c.SendCode(ctx, "", time.Minute)), ErrMissingArgument},
		{second(c.AuthenticateLink(ctx, "", testVerifier, time.Hour)), ErrMissingArgument},
		{second(c.AuthenticateLink(ctx, testLinkTok, testVerifier, 59*time.Second)), ErrMissingArgument},
		{second(c.AuthenticateCode(ctx, "", testCode, time.Hour)), ErrMissingArgument},
		{second(c.AuthenticateCode(ctx, testMethodID, "", time.Hour)), ErrMissingArgument},
		{second(c.AuthenticateCode(ctx, testMethodID, testCode, 0)), ErrMissingArgument},
		{second(c.AuthenticateSession(ctx, "", time.Hour)), ErrNoSessionToken},
		{c.Revoke(ctx, ""), ErrNoSessionToken},
		{second(c.User(ctx, "")), ErrNoSessionToken},
	}
	for i, ch := range checks {
		if !errors.Is(ch.err, ch.want) {
			t.Errorf("%d: err %v, want %v", i, ch.err, ch.want)
		}
		if ch.err != nil && !strings.HasPrefix(ch.err.Error(), "publicclient: ") {
			t.Errorf("%d: error %q lacks context", i, ch.err)
		}
	}
	f.wantCount("", 0)
}

func second[T any](_ T, err error) error { return err }

// TestMinutes: durations become whole minutes, rounded down; expiries are
// at least one minute.
func TestMinutes(t *testing.T) {
	for _, tc := range []struct {
		d            time.Duration
		plain, expir int64
	}{
		{0, 0, 1}, {-time.Hour, -60, 1}, {59 * time.Second, 0, 1}, {time.Minute, 1, 1},
		{119 * time.Second, 1, 1}, {time.Hour, 60, 60}, {366 * 24 * time.Hour, 527040, 527040},
	} {
		if got := minutes(tc.d); got != tc.plain {
			t.Errorf("minutes(%v) = %d, want %d", tc.d, got, tc.plain)
		}
		if got := expiryMinutes(tc.d); got != tc.expir {
			t.Errorf("expiryMinutes(%v) = %d, want %d", tc.d, got, tc.expir)
		}
	}
	// A zero expiry still asks for a one-minute code, not Stytch's default.
	f := newFake(t)
	f.set("otps/email/login_or_create", reply{status: 200, body: sample(t, "otps_email_login_or_create.json")})
	if _, err := f.client().SendCode(context.Background(), testEmail, 0); err != nil {
		t.Fatal(err)
	}
	if got := jsonBody(t, f.only("otps/email/login_or_create"))["expiration_minutes"]; got != json.Number("1") {
		t.Errorf("expiration_minutes = %v", got)
	}
}

// TestNew checks validation and defaults.
func TestNew(t *testing.T) {
	live := "public-token-live-5b1e2e8c-0c52-4b5a-9d0e-6c1a7f3e2b44"
	app := App{ID: testAppID}
	for _, tc := range []struct {
		cfg      Config
		wantBase string
	}{
		{Config{PublicToken: testToken, App: app}, "https://test.stytch.com/sdk/v1/"},
		{Config{PublicToken: live, App: app}, "https://api.stytch.com/sdk/v1/"},
		{Config{PublicToken: live, App: app, BaseURL: "http://127.0.0.1:8080"}, "http://127.0.0.1:8080/sdk/v1/"},
		{Config{PublicToken: live, App: app, BaseURL: "http://127.0.0.1:8080/"}, "http://127.0.0.1:8080/sdk/v1/"},
		{Config{PublicToken: testToken, App: app, BaseURL: "https://proxy.example.com/stytch//"}, "https://proxy.example.com/stytch/sdk/v1/"},
	} {
		c, err := New(tc.cfg)
		if err != nil {
			t.Errorf("%+v: %v", tc.cfg, err)
			continue
		}
		if c.base != tc.wantBase {
			t.Errorf("%+v: base %q, want %q", tc.cfg, c.base, tc.wantBase)
		}
		if c.hc.Timeout != DefaultTimeout {
			t.Errorf("default timeout %v", c.hc.Timeout)
		}
	}

	c, err := New(Config{PublicToken: testToken, App: app})
	if err != nil {
		t.Fatal(err)
	}
	var info sdkInfo
	if err := json.Unmarshal(mustBase64(t, c.sdkClient), &info); err != nil {
		t.Fatal(err)
	}
	if info.OS.Identifier == "" || info.Device.Model == "" || info.App.Identifier != testAppID || info.SDK.Identifier != SDKIdentifier {
		t.Errorf("defaults in X-SDK-Client: %+v", info)
	}

	hc := &http.Client{Timeout: time.Second}
	c, err = New(Config{PublicToken: testToken, App: app, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if c.hc == hc || c.hc.Timeout != time.Second || hc.CheckRedirect != nil {
		t.Error("the given HTTP client should be copied, not changed")
	}

	for _, bad := range []Config{
		{App: app},
		{PublicToken: "project-test-5b1e2e8c", App: app},
		{PublicToken: "secret-test-abc", App: app},
		{PublicToken: testToken + " ", App: app},
		{PublicToken: testToken + "\n", App: app},
		{PublicToken: testToken},
		{PublicToken: testToken, App: App{ID: "magiclink"}},
		{PublicToken: testToken, App: App{ID: "io..magiclink"}},
		{PublicToken: testToken, App: App{ID: "io.github/magiclink"}},
		{PublicToken: testToken, App: App{ID: testAppID, Version: "1.0\r\nX-Evil: 1"}},
		{PublicToken: testToken, App: app, BaseURL: "ftp://test.stytch.com"},
		{PublicToken: testToken, App: app, BaseURL: "test.stytch.com"},
		{PublicToken: testToken, App: app, BaseURL: "https://user:pw@test.stytch.com"},
		{PublicToken: testToken, App: app, BaseURL: "https://test.stytch.com/?x=1"},
		{PublicToken: testToken, App: app, BaseURL: "https://test.stytch.com/#x"},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) succeeded", bad)
		} else if !strings.HasPrefix(err.Error(), "publicclient: ") {
			t.Errorf("error %q lacks context", err)
		}
	}
}

func mustBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
