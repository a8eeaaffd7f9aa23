package auth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/magiclink/magiclink/auth/emulator"
)

// deepLinkHarness is a harness whose app asks for magiclink:// links,
// allow-listed at the emulator as Stytch requires of any redirect URL.
func deepLinkHarness(t *testing.T, b backendKind) *harness {
	t.Helper()
	h := newHarness(t, b, func(c *emulator.Config) { c.RedirectURLs = append(c.RedirectURLs, DeepLinkRedirectURL) })
	h.cfg.RedirectURL = DeepLinkRedirectURL
	return h
}

// hostedRedirect follows the emailed link to Stytch's hosted redirect, as
// a browser would, and returns where it sends the browser: the deep link.
func hostedRedirect(t *testing.T, link string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, DeepLinkRedirectURL+"?") {
		t.Fatalf("hosted redirect: %d to %q, want 302 to %s?…", resp.StatusCode, loc, DeepLinkRedirectURL)
	}
	return loc
}

// deepLinkSent starts an engine, asks for a link for addr and returns the
// engine and the deep link the hosted redirect sends the browser to.
func (h *harness) deepLinkSent(addr string) (*Engine, string) {
	h.t.Helper()
	e := h.engine()
	e.Start()
	waitState(h.t, e, StateSignedOut)
	if err := e.StartLogin(addr); err != nil {
		h.t.Fatal(err)
	}
	waitState(h.t, e, StateLinkSent)
	return e, hostedRedirect(h.t, h.lastLink(addr))
}

func TestDeepLinkSignsIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := deepLinkHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("deep@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		deep := hostedRedirect(t, h.lastLink("deep@example.com"))
		if err := e.OpenLink(deep); err != nil {
			t.Fatal(err)
		}
		s := waitState(t, e, StateSignedIn)
		if s.Email != "deep@example.com" || h.activeSessions() != 1 {
			t.Fatalf("signed in as %q with %d sessions", s.Email, h.activeSessions())
		}
		// The same link again, after the sign-in: said in the app.
		if err := e.OpenLink(deep); err != nil {
			t.Fatal(err)
		}
		s = waitFor(t, e, "the already-signed-in notice", func(s Snapshot) bool { return s.Notice == AlreadySignedInNotice })
		if s.State != StateSignedIn || h.activeSessions() != 1 {
			t.Fatalf("after the link again: %v, %d sessions", s.State, h.activeSessions())
		}
	})
}

// A link reaching an app with no sign-in pending (the OS started the app
// for it, or it was restarted) can't pass PKCE: it is not spent, and the
// app says so in the sentence of a link from elsewhere.
func TestDeepLinkWithNoPendingSignIn(t *testing.T) {
	h := deepLinkHarness(t, backends[0])
	e, deep := h.deepLinkSent("late@example.com")
	e.Close()

	e2 := h.signedOutEngine(t)
	if err := e2.OpenLink(deep); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, e2, "the PKCE sentence", func(s Snapshot) bool { return s.Err != nil })
	if s.State != StateSignedOut || s.Err.Kind != KindOtherDevice || !strings.Contains(s.Err.Message, "PKCE verifier is gone") {
		t.Fatalf("after a link with no sign-in pending: %v %+v", s.State, s.Err)
	}
	if h.activeSessions() != 0 {
		t.Fatal("a session was made")
	}
}

func TestHostileDeepLinksAreRefused(t *testing.T) {
	h := deepLinkHarness(t, backends[0])
	e, good := h.deepLinkSent("hostile@example.com")
	token := tokenOf(t, good)
	q := "?stytch_token_type=magic_links&token=" + token
	big := strings.Repeat("A", 20<<10)
	for name, raw := range map[string]string{
		"wrong host":   "magiclink://evil" + q,
		"wrong path":   "magiclink://authenticate/other" + q,
		"wrong scheme": "http://authenticate" + q,
		"opaque":       "magiclink:authenticate" + q,
		"fragment":     good + "#x",
		"credentials":  "magiclink://user@authenticate" + q,
		"wrong type":   "magiclink://authenticate?stytch_token_type=oauth&token=" + token,
		"no token":     "magiclink://authenticate?stytch_token_type=magic_links",
		"20 kB token":  "magiclink://authenticate?stytch_token_type=magic_links&token=" + big,
		"long token":   "magiclink://authenticate?stytch_token_type=magic_links&token=" + big[:maxTokenLen+1],
		"script":       "magiclink://authenticate?stytch_token_type=magic_links&token=" + url.QueryEscape("<script>alert(1)</script>"),
	} {
		err := e.OpenLink(raw)
		var re *LinkRefusedError
		if !errors.Is(err, ErrLinkRefused) || !errors.As(err, &re) {
			t.Errorf("%s: OpenLink = %v, want refused", name, err)
		}
	}
	if s := e.Snapshot(); s.State != StateLinkSent {
		t.Fatalf("state after hostile links: %v", s.State)
	}
	logs := h.logs.String()
	for _, secret := range []string{token, "<script>", "alert(1)", big[:64], "evil"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain %q from a refused link", secret)
		}
	}
	// The pending sign-in is untouched: the real link still works.
	if err := e.OpenLink(good); err != nil {
		t.Fatal(err)
	}
	waitState(t, e, StateSignedIn)
}

func TestDeepLinkRedirectURLs(t *testing.T) {
	for raw, ok := range map[string]bool{
		"magiclink://authenticate":          true,
		"magiclink://authenticate/callback": true,
		"magiclink://":                      false,
		"magiclink:authenticate":            false,
		"magiclink://authenticate:3000":     false,
		"magiclink://authenticate?x=1":      false,
		"magiclink://authenticate#x":        false,
		"myapp://authenticate":              false,
	} {
		_, err := parseRedirect(raw)
		if (err == nil) != ok {
			t.Errorf("parseRedirect(%q) = %v, want ok %v", raw, err, ok)
		}
		c := Config{RedirectURL: raw}
		if ok && !c.DeepLink() {
			t.Errorf("%q: DeepLink() = false", raw)
		}
	}
	if (Config{}).DeepLink() {
		t.Error("the default redirect URL is a deep link")
	}
	// A link for a loopback app is refused by OpenLink.
	if _, err := checkDeepLink(mustParse(t, DefaultRedirectURL), DeepLinkRedirectURL+"?stytch_token_type=magic_links&token=abc"); !errors.Is(err, ErrLinkRefused) {
		t.Errorf("deep link in loopback mode: %v, want refused", err)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Stytch (the emulator) sends links to a custom scheme only when it is on
// the project's redirect list, like any redirect URL.
func TestDeepLinkRedirectMustBeAllowListed(t *testing.T) {
	h := newHarness(t, backends[0])
	h.cfg.RedirectURL = DeepLinkRedirectURL
	e := h.signedOutEngine(t)
	if err := e.StartLogin("unlisted@example.com"); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, e, "the send to fail", func(s Snapshot) bool { return s.Err != nil })
	if s.State != StateSignedOut || len(h.em.Outbox("unlisted@example.com")) != 0 {
		t.Fatalf("with magiclink:// not allow-listed: %v %+v, outbox %d", s.State, s.Err, len(h.em.Outbox("unlisted@example.com")))
	}
	t.Logf("told: %s", s.Err.Message)
}

// FuzzDeepLink: whatever the operating system hands over, checkDeepLink
// returns a token only for exactly the configured redirect URL with a
// token of Stytch's shape, and never says what it refused.
func FuzzDeepLink(f *testing.F) {
	for _, s := range []string{
		DeepLinkRedirectURL + "?stytch_token_type=magic_links&token=abc_-=",
		"magiclink://evil?stytch_token_type=magic_links&token=abc",
		"MAGICLINK://AUTHENTICATE?stytch_token_type=magic_links&token=abc",
		"magiclink://authenticate/?stytch_token_type=magic_links&token=abc",
		"magiclink://authenticate?stytch_token_type=magic_links&token=%3Cscript%3E",
		"magiclink://authenticate?token=a&stytch_token_type=magic_links&token=b",
		"magiclink:///authenticate?stytch_token_type=magic_links&token=abc",
	} {
		f.Add(s)
	}
	redirect, _ := parseRedirect(DeepLinkRedirectURL)
	f.Fuzz(func(t *testing.T, raw string) {
		token, err := checkDeepLink(redirect, raw)
		if err != nil {
			if token != "" {
				t.Fatal("a token with an error")
			}
			r := err.(*LinkRefusedError).Reason
			if u, perr := url.Parse(raw); perr == nil {
				for _, v := range []string{u.Query().Get("token"), u.Host, u.Path} {
					if len(v) >= 8 && !strings.Contains(DeepLinkRedirectURL, v) && strings.Contains(r, v) {
						t.Fatalf("the reason %q repeats part of the link (%q)", r, v)
					}
				}
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || !strings.EqualFold(u.Scheme, DeepLinkScheme) || !strings.EqualFold(u.Host, "authenticate") || u.Path != "" {
			t.Fatalf("accepted %q", raw)
		}
		if token == "" || len(token) > maxTokenLen || strings.Trim(token, tokenChars) != "" {
			t.Fatalf("accepted token %q", token)
		}
	})
}
