package auth

import (
	"context"
	"fmt"
	"github.com/magiclink/magiclink/auth/emulator"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

func TestSignInStoresSessionAndRestores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)

		s := h.signIn(e, "ada@example.com")
		p := s.Profile
		if p == nil || p.Email != "ada@example.com" || !p.EmailVerified || p.UserID == "" || p.SessionID == "" {
			t.Fatalf("profile: %+v", p)
		}
		if len(p.Factors) != 1 || !strings.Contains(p.Factors[0], "magic link") {
			t.Errorf("factors: %v", p.Factors)
		}
		if d := time.Until(p.ExpiresAt); d < DefaultSessionDuration-time.Hour || d > DefaultSessionDuration+time.Hour {
			t.Errorf("session expires in %v, want about a week", d)
		}
		tok, err := h.store.Get(context.Background())
		if err != nil || tok == "" {
			t.Fatalf("token not stored: %v", err)
		}
		if n := h.activeSessions(); n != 1 {
			t.Fatalf("%d active sessions at Stytch, want 1", n)
		}
		// The listener is closed once signed in.
		if _, err := net.DialTimeout("tcp", mustHost(t, h.cfg.RedirectURL), 200*time.Millisecond); err == nil {
			time.Sleep(ShutdownGrace + 500*time.Millisecond)
			if _, err := net.DialTimeout("tcp", mustHost(t, h.cfg.RedirectURL), 200*time.Millisecond); err == nil {
				t.Error("listener still open after sign-in")
			}
		}
		e.Close()

		// Next launch: straight to the profile, no email sent.
		sent := len(h.em.Outbox(""))
		e2 := h.engine()
		e2.Start()
		s2 := waitState(t, e2, StateSignedIn)
		if s2.Profile.UserID != p.UserID || s2.Profile.SessionID != p.SessionID {
			t.Fatalf("restored a different session: %+v", s2.Profile)
		}
		if len(h.em.Outbox("")) != sent {
			t.Error("restore sent an email")
		}
	})
}

func mustHost(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestSessionExtendedOnCheck(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		first := h.signIn(e, "ext@example.com").Profile.ExpiresAt
		h.em.Advance(2 * time.Hour)
		e.Refresh()
		s := waitFor(t, e, "extended session", func(s Snapshot) bool {
			return s.Profile != nil && s.Profile.ExpiresAt.After(first.Add(time.Hour))
		})
		if s.State != StateSignedIn || s.Err != nil {
			t.Fatalf("after extension: %+v", s)
		}
	})
}

func TestRevokedElsewhereIsNoticed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		h.signIn(e, "rev@example.com")
		tok, _ := h.store.Get(context.Background())

		// Another device revokes the session through the SDK.
		api, err := stytchapi.NewClient(h.em.ProjectID(), h.em.Secret(), stytchapi.WithBaseURI(h.cfg.BaseURL))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.Sessions.Revoke(context.Background(), &sessions.RevokeParams{SessionToken: tok}); err != nil {
			t.Fatal(err)
		}
		e.Refresh()
		s := waitState(t, e, StateSignedOut)
		if s.Err == nil || s.Err.Kind != KindSessionExpired || !strings.Contains(s.Err.Message, "another device") {
			t.Fatalf("err: %+v", s.Err)
		}
		waitStoreEmpty(t, h.store)
	})
}

func waitStoreEmpty(t *testing.T, st TokenStore) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := st.Get(context.Background()); err == ErrNoToken {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("token still stored")
}

func TestLogoutRevokesAtStytch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		h.signIn(e, "out@example.com")
		e.Logout()
		s := waitState(t, e, StateSignedOut)
		if s.Err != nil {
			t.Fatalf("logout error: %v", s.Err)
		}
		if _, err := h.store.Get(context.Background()); err != ErrNoToken {
			t.Fatalf("token still stored: %v", err)
		}
		if n := h.activeSessions(); n != 0 {
			t.Fatalf("%d active sessions after logout", n)
		}
		revoked := 0
		for _, s := range h.em.Sessions() {
			if s.Status == "revoked" {
				revoked++
			}
		}
		if revoked != 1 {
			t.Fatalf("sessions: %+v", h.em.Sessions())
		}
	})
}

func TestLogoutWhenStytchDownStillForgetsLocally(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		h.signIn(e, "down@example.com")
		h.em.FailNext(b.prefix+"/sessions/revoke", 1, 503)
		e.Logout()
		s := waitState(t, e, StateSignedOut)
		if s.Err == nil || s.Err.Kind != KindRevokeFailed || !strings.Contains(s.Err.Message, "Signed out on this computer") {
			t.Fatalf("err: %+v", s.Err)
		}
		if _, err := h.store.Get(context.Background()); err != ErrNoToken {
			t.Fatal("token still stored")
		}
	})
}

func TestLinkFromEarlierRunFailsPKCE(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("pkce@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		oldLink := h.lastLink("pkce@example.com")
		e.Close() // the app quits; its verifier is gone

		e2 := h.signedOutEngine(t)
		if err := e2.StartLogin("pkce@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e2, StateLinkSent)
		code, body := open(t, oldLink)
		if code != http.StatusBadRequest || !strings.Contains(body, "Open this link on the computer that asked for it") {
			t.Fatalf("old link: %d %s", code, body)
		}
		s := waitFor(t, e2, "PKCE error", func(s Snapshot) bool { return s.Err != nil })
		if s.State != StateLinkSent || s.Err.Kind != KindOtherDevice {
			t.Fatalf("after PKCE failure: %v %+v", s.State, s.Err)
		}
		// The pending login survives; the new link still works.
		code, body = open(t, h.lastLink("pkce@example.com"))
		if code != 200 || !strings.Contains(body, "signed in") {
			t.Fatalf("new link: %d %s", code, body)
		}
		waitState(t, e2, StateSignedIn)
	})
}

func TestReplayedAndExpiredLinks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		h.signIn(e, "replay@example.com")
		used := h.lastLink("replay@example.com")
		e.Logout()
		waitState(t, e, StateSignedOut)

		// A used link, replayed during a new login: refused, login kept.
		if err := e.StartLogin("replay@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		code, body := open(t, used)
		if code != http.StatusGone || !strings.Contains(body, "expired or was already used") {
			t.Fatalf("replay: %d %s", code, body)
		}
		s := waitFor(t, e, "replay error", func(s Snapshot) bool { return s.Err != nil })
		if s.Err.Kind != KindLinkExpired || s.State != StateLinkSent {
			t.Fatalf("replay: %v %+v", s.State, s.Err)
		}

		// The fresh link, after it expired at Stytch, once Resend is offered.
		time.Sleep(time.Until(e.Snapshot().Link.ResendAt))
		h.em.Advance(61 * time.Minute)
		code, body = open(t, h.lastLink("replay@example.com"))
		if code != http.StatusGone || !strings.Contains(body, "Resend") {
			t.Fatalf("expired: %d %s", code, body)
		}
		if h.activeSessions() != 0 {
			t.Fatal("a session was created")
		}
	})
}

func TestListenerRejectsWhatIsNotACallback(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("routes@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		base := strings.TrimSuffix(h.cfg.RedirectURL, "/authenticate")
		link := h.lastLink("routes@example.com")
		token := tokenOf(t, link)

		do := func(method, target, host string) (int, string) {
			req, _ := http.NewRequest(method, target, nil)
			if host != "" {
				req.Host = host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.Header.Get("Cache-Control") != "no-store" && resp.StatusCode != 404 && resp.StatusCode != 405 {
				t.Errorf("%s %s: missing Cache-Control: no-store", method, target)
			}
			return resp.StatusCode, string(b)
		}
		cb := h.cfg.RedirectURL + "?stytch_token_type=magic_links&token=" + url.QueryEscape(token)
		cases := []struct {
			name, method, target, host string
			status                     int
			body                       string
		}{
			{"favicon", "GET", base + "/favicon.ico", "", 404, ""},
			{"other path", "GET", base + "/authenticate/x?token=" + token, "", 404, ""},
			{"POST", "POST", cb, "", 405, ""},
			{"HEAD does not consume", "HEAD", cb, "", 200, ""},
			{"wrong host (DNS rebinding)", "GET", cb, "evil.example:" + strings.Split(mustHost(t, h.cfg.RedirectURL), ":")[1], 421, ""},
			{"wrong token type", "GET", h.cfg.RedirectURL + "?stytch_token_type=oauth&token=" + token, "", 400, "only accepts email magic links"},
			{"missing token", "GET", h.cfg.RedirectURL + "?stytch_token_type=magic_links", "", 400, "missing its token"},
			{"escaped", "GET", h.cfg.RedirectURL + "?stytch_token_type=%3Cscript%3E&token=x", "", 400, "&lt;script&gt;"},
			{"token not of Stytch's shape", "GET", h.cfg.RedirectURL + "?stytch_token_type=magic_links&token=%3Cscript%3E", "", 400, ""},
			{"10 kB token", "GET", h.cfg.RedirectURL + "?stytch_token_type=magic_links&token=" + strings.Repeat("A", 10<<10), "", 400, ""},
		}
		for _, c := range cases {
			status, body := do(c.method, c.target, c.host)
			if status != c.status || !strings.Contains(body, c.body) {
				t.Errorf("%s: %d %q", c.name, status, body)
			}
		}
		if s := e.Snapshot(); s.State != StateLinkSent {
			t.Fatalf("pending login ended: %v", s.State)
		}
		// The link still works after all of that.
		status, body := open(t, link)
		if status != 200 || !strings.Contains(body, "routes@example.com") {
			t.Fatalf("link after probes: %d %s", status, body)
		}
		waitState(t, e, StateSignedIn)
	})
}

func tokenOf(t *testing.T, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestConcurrentCallbacksMakeOneSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("race@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		link := h.lastLink("race@example.com")
		cb := h.cfg.RedirectURL + "?stytch_token_type=magic_links&token=" + url.QueryEscape(tokenOf(t, link))
		var wg sync.WaitGroup
		var signedIn atomic.Int32
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Get(cb)
				if err != nil {
					return // listener already closed
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if strings.Contains(string(b), "Signed in as") {
					signedIn.Add(1)
				}
			}()
		}
		wg.Wait()
		waitState(t, e, StateSignedIn)
		if n := signedIn.Load(); n != 1 {
			t.Fatalf("%d callbacks signed in, want exactly 1", n)
		}
		if n := len(h.em.Sessions()); n != 1 {
			t.Fatalf("%d sessions at Stytch, want 1", n)
		}
	})
}

func TestPortBusy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		ln, err := net.Listen("tcp", mustHost(t, h.cfg.RedirectURL))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		e := h.signedOutEngine(t)
		if err := e.StartLogin("busy@example.com"); err != nil {
			t.Fatal(err)
		}
		s := waitFor(t, e, "port error", func(s Snapshot) bool { return s.Err != nil })
		port := strings.Split(mustHost(t, h.cfg.RedirectURL), ":")[1]
		if s.State != StateSignedOut || s.Err.Kind != KindPortBusy ||
			!strings.Contains(s.Err.Message, "Port "+port) || !strings.Contains(s.Err.Message, "--redirect-url") {
			t.Fatalf("%v %+v", s.State, s.Err)
		}
		if len(h.em.Outbox("")) != 0 {
			t.Error("an email was sent although the link could not work")
		}
		// The message names the setting the user actually set.
		h.cfg.RedirectURLSetting = "STYTCH_REDIRECT_URL in .env"
		e2 := h.signedOutEngine(t)
		_ = e2.StartLogin("busy@example.com")
		s = waitFor(t, e2, "port error", func(s Snapshot) bool { return s.Err != nil })
		if !strings.Contains(s.Err.Message, "choose another port with STYTCH_REDIRECT_URL in .env and register") {
			t.Fatalf("%+v", s.Err)
		}
	})
}

func TestLocalhostServesBothLoopbacks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		h.cfg.RedirectURL = fmt.Sprintf("http://localhost:%d/authenticate", freePort(t))
		e := h.signedOutEngine(t)
		if err := e.StartLogin("lh@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		port := strings.Split(mustHost(t, h.cfg.RedirectURL), ":")[1]
		for _, host := range []string{"127.0.0.1", "[::1]"} {
			resp, err := http.Get("http://" + host + ":" + port + "/favicon.ico")
			if err != nil {
				if host == "[::1]" {
					if _, err6 := net.Listen("tcp", "[::1]:0"); err6 != nil {
						continue // no IPv6 loopback on this machine
					}
				}
				t.Fatalf("%s: %v", host, err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d", host, resp.StatusCode)
			}
		}
		// Never any other interface.
		if ifs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range ifs {
				ip, _, _ := net.ParseCIDR(a.String())
				if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
					continue
				}
				if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), port), 200*time.Millisecond); err == nil {
					c.Close()
					t.Errorf("listener reachable on %s", ip)
				}
			}
		}
		open(t, h.lastLink("lh@example.com"))
		waitState(t, e, StateSignedIn)
	})
}

func TestStytchFaults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		t.Run("down when sending", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.signedOutEngine(t)
			h.em.FailNext(b.prefix+"/magic_links/email/login_or_create", 1, 503)
			_ = e.StartLogin("f@example.com")
			s := waitFor(t, e, "error", func(s Snapshot) bool { return s.Err != nil })
			if s.State != StateSignedOut || s.Err.Kind != KindNetwork || s.Err.Net != NetServer || s.Email != "f@example.com" ||
				s.Err.Message != "Stytch is having trouble right now (it answered HTTP 503). Try again in a moment." {
				t.Fatalf("%v %+v", s.State, s.Err)
			}
		})
		t.Run("slow", func(t *testing.T) {
			h := newHarness(t, b)
			h.cfg.RequestTimeout = 300 * time.Millisecond
			e := h.signedOutEngine(t)
			h.em.SetLatency(2 * time.Second)
			_ = e.StartLogin("slow@example.com")
			s := waitFor(t, e, "error", func(s Snapshot) bool { return s.Err != nil })
			if s.Err.Kind != KindNetwork || s.Err.Net != NetTimeout || !strings.Contains(s.Err.Message, "didn't answer within 300ms") {
				t.Fatalf("%+v", s.Err)
			}
		})
		t.Run("malformed", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.signedOutEngine(t)
			h.em.MalformNext(b.prefix+"/magic_links/email/login_or_create", 1)
			_ = e.StartLogin("bad@example.com")
			s := waitFor(t, e, "error", func(s Snapshot) bool { return s.Err != nil })
			if s.Err.Kind != KindNetwork || strings.Contains(s.Err.Message, "{") {
				t.Fatalf("%+v", s.Err)
			}
		})
		t.Run("restore offline keeps the session", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.signedOutEngine(t)
			h.signIn(e, "off@example.com")
			e.Close()
			tok, _ := h.store.Get(context.Background())

			h.em.FailNext(b.prefix+"/sessions/authenticate", 1, 503)
			e2 := h.engine()
			e2.Start()
			s := waitState(t, e2, StateOffline)
			if s.Err == nil || s.Err.Kind != KindNetwork || s.RetryAt.IsZero() {
				t.Fatalf("offline: %+v", s)
			}
			if got, _ := h.store.Get(context.Background()); got != tok {
				t.Fatal("the stored session was lost on a network error")
			}
			e2.Retry()
			waitState(t, e2, StateSignedIn)
		})
		t.Run("unreachable at start", func(t *testing.T) {
			h := newHarness(t, b)
			h.store.Set(context.Background(), "stored-token-that-must-survive")
			h.cfg.BaseURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
			e := h.engine()
			e.Start()
			s := waitState(t, e, StateOffline)
			if s.Err.Kind != KindNetwork {
				t.Fatalf("%+v", s.Err)
			}
			if got, _ := h.store.Get(context.Background()); got != "stored-token-that-must-survive" {
				t.Fatal("stored session lost")
			}
		})
		t.Run("blip while signed in stays signed in", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.signedOutEngine(t)
			h.signIn(e, "blip@example.com")
			h.em.FailNext(b.prefix+"/sessions/authenticate", 1, 500)
			e.Refresh()
			s := waitFor(t, e, "blip error", func(s Snapshot) bool { return s.Err != nil })
			if s.State != StateSignedIn || s.Err.Kind != KindNetwork {
				t.Fatalf("%v %+v", s.State, s.Err)
			}
			if _, err := h.store.Get(context.Background()); err != nil {
				t.Fatal("token lost on a blip")
			}
		})
		t.Run("bad credentials keep the session", func(t *testing.T) {
			h := newHarness(t, b)
			h.store.Set(context.Background(), "stored-session-token-kept-on-bad-credentials")
			setting := b.breakCredentials(&h.cfg)
			e := h.engine()
			e.Start()
			s := waitState(t, e, StateOffline)
			if s.Err.Kind != KindBadCredentials || !strings.Contains(s.Err.Message, setting) {
				t.Fatalf("%+v", s.Err)
			}
			if got, _ := h.store.Get(context.Background()); got != "stored-session-token-kept-on-bad-credentials" {
				t.Fatal("session lost")
			}
		})
		t.Run("expired stored session is forgotten", func(t *testing.T) {
			h := newHarness(t, b)
			h.store.Set(context.Background(), "not-a-real-session-token")
			e := h.engine()
			e.Start()
			s := waitState(t, e, StateSignedOut)
			if s.Err == nil || s.Err.Kind != KindSessionExpired {
				t.Fatalf("%+v", s.Err)
			}
			waitStoreEmpty(t, h.store)
		})
	})
}

func TestKeyringFailingStillSignsIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		h.store = failingStore{errNoKeyring}
		e := h.engine()
		e.Start()
		s := waitState(t, e, StateSignedOut)
		if !strings.Contains(strings.ToLower(s.Notice), strings.ToLower(KeyringUnavailable())) {
			t.Fatalf("no keyring notice at start: %q", s.Notice)
		}
		s = h.signIn(e, "nokeyring@example.com")
		if s.Profile == nil || s.Profile.Email != "nokeyring@example.com" {
			t.Fatalf("%+v", s)
		}
		if !strings.Contains(s.Notice, "sign in again next time") {
			t.Fatalf("signed in without the no-keyring notice: %q", s.Notice)
		}
		e.Logout()
		waitState(t, e, StateSignedOut)
		if h.activeSessions() != 0 {
			t.Fatal("logout did not revoke the in-memory session")
		}
	})
}

func TestKeyringWriteFailsAfterSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		st := &flakyStore{}
		h.store = st
		e := h.signedOutEngine(t)
		st.fail.Store(true)
		s := h.signIn(e, "flaky@example.com")
		if !strings.Contains(s.Notice, "sign in again next time") {
			t.Fatalf("notice: %q", s.Notice)
		}
	})
}

type flakyStore struct {
	MemoryStore
	fail atomic.Bool
}

func (f *flakyStore) Set(ctx context.Context, tok string) error {
	if f.fail.Load() {
		return errNoKeyring
	}
	return f.MemoryStore.Set(ctx, tok)
}

func TestResendCancelAndExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		h.cfg.LinkExpiry = 5 * time.Minute
		e := h.signedOutEngine(t)
		if err := e.StartLogin("  resend@example.com "); err != nil {
			t.Fatal(err)
		}
		s := waitState(t, e, StateLinkSent)
		if !s.Link.Active || s.Link.ExpiresAt.Sub(s.Link.SentAt) != 5*time.Minute || !s.Link.ResendAt.After(s.Link.SentAt) {
			t.Fatalf("link: %+v", s.Link)
		}
		e.Resend() // inside the cooldown: ignored
		time.Sleep(60 * time.Millisecond)
		if n := len(h.em.Outbox("resend@example.com")); n != 1 {
			t.Fatalf("%d emails during cooldown", n)
		}
		e.Resend()
		waitFor(t, e, "resent", func(s2 Snapshot) bool { return s2.Link.SentAt.After(s.Link.SentAt) && !s2.Busy })
		if n := len(h.em.Outbox("resend@example.com")); n != 2 {
			t.Fatalf("%d emails after resend", n)
		}
		// Both links share the verifier: the first one still signs in.
		first := h.em.Outbox("resend@example.com")[1].Link

		e.Cancel()
		s = waitState(t, e, StateSignedOut)
		if s.Err != nil || s.Email != "resend@example.com" {
			t.Fatalf("after cancel: %+v", s)
		}
		// Cancelled: the listener is gone, so the link can't sign in here.
		time.Sleep(ShutdownGrace / 4)
		if _, err := http.Get(first); err == nil {
			if st := e.Snapshot().State; st == StateSignedIn {
				t.Fatal("a cancelled login signed in")
			}
		}
	})
}

func TestRateLimitedResend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		srvH := newHarness(t, b, func(c *emulator.Config) { c.RateLimit = true })
		e := srvH.engine()
		e.Start()
		waitState(t, e, StateSignedOut)
		_ = e.StartLogin("rl@example.com")
		waitState(t, e, StateLinkSent)
		for range 6 {
			time.Sleep(60 * time.Millisecond)
			e.Resend()
			waitFor(t, e, "not busy", func(s Snapshot) bool { return !s.Busy })
		}
		s := waitFor(t, e, "rate limit", func(s Snapshot) bool { return s.Err != nil })
		if s.Err.Kind != KindRateLimited || time.Until(s.Link.ResendAt) < 30*time.Second {
			t.Fatalf("%+v resendAt in %v", s.Err, time.Until(s.Link.ResendAt))
		}
	})
}

func TestStartLoginValidatesBeforeAnyCall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		for _, bad := range []string{"", "ada", "ada@", "@example.com", "ada@example", "Ada <ada@example.com>", "a b@example.com", strings.Repeat("a", 250) + "@example.com"} {
			err := e.StartLogin(bad)
			if KindOf(err) != KindInvalidEmail {
				t.Errorf("%q: %v", bad, err)
			}
		}
		if len(h.em.Outbox("")) != 0 || e.Snapshot().State != StateSignedOut {
			t.Fatal("an invalid address reached Stytch")
		}
	})
}

func TestPendingLoginExpiresWithTheLink(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("late@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		link := h.lastLink("late@example.com")
		e.mu.Lock()
		l := e.login
		e.mu.Unlock()
		e.expireLogin(l) // what the LinkExpiry timer does
		s := waitState(t, e, StateSignedOut)
		if s.Err == nil || s.Err.Kind != KindLoginExpired || s.Email != "late@example.com" {
			t.Fatalf("%+v", s)
		}
		// The verifier is gone and the listener closes: the link can't sign in here.
		time.Sleep(ShutdownGrace / 2)
		_, _ = httpGet(link)
		if e.Snapshot().State == StateSignedIn || h.activeSessions() != 0 {
			t.Fatal("an expired login signed in")
		}
	})
}

func TestExpiryDuringAFailedVerificationStillExpires(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		if err := e.StartLogin("edge@example.com"); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		e.mu.Lock()
		l := e.login
		// The link's timer fires while the exchange is in flight.
		e.verifyFn = func() { e.expireLogin(l) }
		e.mu.Unlock()
		h.em.Advance(61 * time.Minute) // and Stytch says the link expired
		code, _ := open(t, h.lastLink("edge@example.com"))
		if code != http.StatusGone {
			t.Fatalf("callback status %d", code)
		}
		s := waitState(t, e, StateSignedOut)
		if s.Err == nil || s.Err.Kind != KindLoginExpired {
			t.Fatalf("pending login survived its expiry: %+v", s)
		}
	})
}

func TestLogoutWinsOverACheckInFlight(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.signedOutEngine(t)
		h.signIn(e, "inflight@example.com")
		h.em.SetLatency(300 * time.Millisecond)
		e.Refresh() // a check is now waiting on Stytch
		time.Sleep(50 * time.Millisecond)
		e.Logout()
		waitState(t, e, StateSignedOut)
		time.Sleep(600 * time.Millisecond) // the check's answer arrives
		if s := e.Snapshot(); s.State != StateSignedOut {
			t.Fatalf("a stale session check signed back in: %v", s.State)
		}
	})
}

func TestRedirectURLNotRegistered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		h.cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/not-registered", freePort(t))
		e := h.signedOutEngine(t)
		if err := e.StartLogin("redir@example.com"); err != nil {
			t.Fatal(err)
		}
		s := waitFor(t, e, "error", func(s Snapshot) bool { return s.Err != nil })
		if s.State != StateSignedOut || s.Err.Kind != KindRedirectNotAllowed ||
			!strings.Contains(s.Err.Message, "Redirect URLs") || s.Email != "redir@example.com" {
			t.Fatalf("%v %+v", s.State, s.Err)
		}
		if n := len(h.em.Outbox("redir@example.com")); n != 0 {
			t.Fatalf("%d emails sent", n)
		}
	})
}
