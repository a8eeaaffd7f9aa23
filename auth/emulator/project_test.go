package emulator

import (
	"context"
	"net/http"
	"strings"
	"testing"

	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
)

const (
	loginDefault  = "http://127.0.0.1:7001/login?from=default"
	signupDefault = "http://127.0.0.1:7001/signup"
)

// sendNoURL calls login_or_create with no redirect URL, as the Python
// quickstart does, and returns where the emailed link's redirect goes.
func (env *testEnv) sendNoURL(address string) string {
	env.t.Helper()
	if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(),
		&mlemail.LoginOrCreateParams{Email: address}); err != nil {
		env.t.Fatalf("LoginOrCreate: %v", err)
	}
	u := env.followLink(env.latest(address).Link)
	u.RawQuery = strings.Split(u.RawQuery, "&stytch_token_type=")[0]
	if strings.HasPrefix(u.RawQuery, "stytch_token_type=") {
		u.RawQuery = ""
	}
	return u.String()
}

func TestDefaultRedirectURLs(t *testing.T) {
	// Without configuration the defaults are the built-in loopback URL.
	plain := newEnv(t, Config{})
	if got := plain.sendNoURL("plain@example.com"); got != defaultLoopbackRedirect {
		t.Fatalf("built-in default: %s", got)
	}

	env := newEnv(t, Config{
		RedirectURLs:             []string{"http://127.0.0.1:7001/login", "http://127.0.0.1:*/signup"},
		DefaultLoginRedirectURL:  loginDefault,
		DefaultSignupRedirectURL: signupDefault,
	})
	// A new user gets a signup link to the signup default; once active, a
	// login link to the login default (its query kept).
	if got := env.sendNoURL("d@example.com"); got != signupDefault {
		t.Fatalf("signup default: %s", got)
	}
	if got := env.sendNoURL("d@example.com"); got != loginDefault {
		t.Fatalf("login default: %s", got)
	}
	// A URL given in the request still wins.
	if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{
		Email: "d@example.com", LoginMagicLinkURL: appRedirect,
	}); err != nil {
		t.Fatal(err)
	}
	if got := env.followLink(env.latest("d@example.com").Link); !strings.HasPrefix(got.String(), appRedirect+"?") {
		t.Fatalf("explicit URL: %s", got)
	}

	// Each default must be on the allow-list and concrete.
	for _, cfg := range []Config{
		{DefaultLoginRedirectURL: "http://127.0.0.1:7001/elsewhere"},
		{DefaultSignupRedirectURL: "http://127.0.0.1:7001/elsewhere"},
		{RedirectURLs: []string{"http://127.0.0.1:*/cb"}, DefaultLoginRedirectURL: "http://127.0.0.1:*/cb"},
		{DefaultLoginRedirectURL: "not a url"},
	} {
		cfg.SigningKey = testKey
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad default", cfg)
		}
	}
}

func TestDevProjectRoute(t *testing.T) {
	env := newEnv(t, Config{})
	jsonHdr := map[string]string{"Content-Type": "application/json"}
	resp, body := env.do(http.MethodGet, "/dev/project", "", nil)
	var got projectSettingsResponse
	mustJSON(t, body, &got)
	if resp.StatusCode != 200 || got.DefaultLoginRedirectURL != defaultLoopbackRedirect ||
		got.DefaultSignupRedirectURL != defaultLoopbackRedirect || len(got.RedirectURLs) != 3 {
		t.Fatalf("GET /dev/project: %d %s", resp.StatusCode, body)
	}

	// Not on the allow-list: refused, nothing changes.
	resp, body = env.do(http.MethodPost, "/dev/project", `{"default_login_redirect_url":"http://127.0.0.1:7001/login"}`, jsonHdr)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "allow-list") {
		t.Fatalf("unlisted default: %d %s", resp.StatusCode, body)
	}
	if env.emu.RedirectSettings().DefaultLoginRedirectURL != defaultLoopbackRedirect {
		t.Fatal("a refused default changed the settings")
	}

	resp, body = env.do(http.MethodPost, "/dev/project", `{"redirect_urls":["http://127.0.0.1:7001/login","http://127.0.0.1:7001/signup"],`+
		`"default_login_redirect_url":"`+loginDefault+`","default_signup_redirect_url":"`+signupDefault+`"}`, jsonHdr)
	mustJSON(t, body, &got)
	if resp.StatusCode != 200 || got.DefaultLoginRedirectURL != loginDefault || got.DefaultSignupRedirectURL != signupDefault {
		t.Fatalf("POST /dev/project: %d %s", resp.StatusCode, body)
	}
	if u := env.sendNoURL("p@example.com"); u != signupDefault {
		t.Fatalf("signup link after POST: %s", u)
	}
	if u := env.sendNoURL("p@example.com"); u != loginDefault {
		t.Fatalf("login link after POST: %s", u)
	}
	resp, _ = env.do(http.MethodPost, "/dev/project", `{}`, nil)
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("POST without JSON content type: %d", resp.StatusCode)
	}
}
