package auth

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func startPending(t *testing.T, h *harness, e *Engine, addr string) {
	t.Helper()
	e.Start()
	waitState(t, e, StateSignedOut)
	if err := e.StartLogin(addr); err != nil {
		t.Fatal(err)
	}
	waitState(t, e, StateLinkSent)
	if err := e.StartCodeLogin(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, e, "code sent", func(s Snapshot) bool { return s.Code.Active && !s.Busy })
}

func TestCodeSignsIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		e := h.engine()
		startPending(t, h, e, "code@example.com")
		s := e.Snapshot()
		if !s.Link.Active || s.Code.ExpiresAt.Sub(s.Code.SentAt) != DefaultCodeExpiry {
			t.Fatalf("both should be pending: %+v", s)
		}
		code := h.lastCode("code@example.com")
		if err := e.VerifyCode(code[:3] + "-" + code[3:]); err != nil {
			t.Fatal(err)
		}
		s = waitState(t, e, StateSignedIn)
		if len(s.Profile.Factors) == 0 || !strings.Contains(s.Profile.Factors[0], "one-time code") {
			t.Fatalf("factors: %v", s.Profile.Factors)
		}
		// The link login was cancelled with it: the link now finds no login.
		time.Sleep(ShutdownGrace + 200*time.Millisecond)
		if _, err := openErr(h.lastLink("code@example.com")); err == nil {
			t.Fatal("listener still open after the code signed in")
		}
		if n := len(h.em.Sessions()); n != 1 {
			t.Fatalf("%d sessions", n)
		}
	})
}

func openErr(link string) (string, error) { return httpGet(link) }

// httpGet fetches url as a browser would and returns the body.
func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestWrongExpiredAndTooManyCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		t.Run("wrong then right", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.engine()
			startPending(t, h, e, "wrong@example.com")
			code := h.lastCode("wrong@example.com")
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			if err := e.VerifyCode(wrong); err != nil {
				t.Fatal(err)
			}
			s := waitFor(t, e, "wrong code", func(s Snapshot) bool { return s.Err != nil && s.State == StateLinkSent })
			if s.Err.Kind != KindCodeWrong || !s.Code.Active {
				t.Fatalf("%+v", s)
			}
			if err := e.VerifyCode(code); err != nil {
				t.Fatal(err)
			}
			waitState(t, e, StateSignedIn)
		})
		t.Run("not six digits", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.engine()
			startPending(t, h, e, "short@example.com")
			for _, c := range []string{"12345", "1234567", "12a456", ""} {
				if KindOf(e.VerifyCode(c)) != KindCodeWrong {
					t.Errorf("%q accepted", c)
				}
			}
		})
		t.Run("expired", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.engine()
			startPending(t, h, e, "exp@example.com")
			h.em.Advance(DefaultCodeExpiry + time.Minute)
			_ = e.VerifyCode(h.lastCode("exp@example.com"))
			s := waitFor(t, e, "expired code", func(s Snapshot) bool { return s.Err != nil && s.State == StateLinkSent })
			if s.Err.Kind != KindCodeExpired || s.Code.Active {
				t.Fatalf("%+v", s)
			}
			// The link is still pending.
			if !s.Link.Active {
				t.Fatal("link no longer pending")
			}
		})
		t.Run("too many attempts", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.engine()
			startPending(t, h, e, "many@example.com")
			code := h.lastCode("many@example.com")
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			var last Snapshot
			for i := 0; i < 10 && e.Snapshot().Code.Active; i++ {
				if err := e.VerifyCode(wrong); err != nil {
					break
				}
				last = waitFor(t, e, "attempt", func(s Snapshot) bool { return s.State == StateLinkSent && s.Err != nil })
			}
			if last.Code.Active {
				t.Fatalf("code still active after repeated failures: %+v", last)
			}
			if last.Err == nil || last.Err.Kind != KindRateLimited || !strings.Contains(last.Err.Message, "Ask for a new code") {
				t.Fatalf("after too many wrong codes: %+v", last.Err)
			}
			// Even the right code no longer works; a new one is needed.
			if err := e.VerifyCode(code); KindOf(err) != KindCodeExpired {
				t.Fatalf("right code after lockout: %v", err)
			}
		})
		t.Run("resend replaces the code", func(t *testing.T) {
			h := newHarness(t, b)
			e := h.engine()
			startPending(t, h, e, "again@example.com")
			first := e.Snapshot().Code
			time.Sleep(60 * time.Millisecond) // cooldown in tests is 50ms
			e.ResendCode()
			waitFor(t, e, "resent", func(s Snapshot) bool { return s.Code.SentAt.After(first.SentAt) && !s.Busy })
			msgs := 0
			for _, m := range h.em.Outbox("again@example.com") {
				if m.Kind == "otp" {
					msgs++
				}
			}
			if msgs != 2 {
				t.Fatalf("%d code emails", msgs)
			}
			if err := e.VerifyCode(h.lastCode("again@example.com")); err != nil {
				t.Fatal(err)
			}
			waitState(t, e, StateSignedIn)
		})
	})
}

func TestLinkAndCodeRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		for i := range 5 {
			h := newHarness(t, b)
			e := h.engine()
			addr := "both@example.com"
			startPending(t, h, e, addr)
			link, code := h.lastLink(addr), h.lastCode(addr)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = httpGet(link) }()
			go func() {
				defer wg.Done()
				if i%2 == 1 {
					time.Sleep(time.Millisecond)
				}
				_ = e.VerifyCode(code)
			}()
			wg.Wait()
			s := waitFor(t, e, "settled", func(s Snapshot) bool { return s.State == StateSignedIn })
			if s.Profile == nil {
				t.Fatal("no profile")
			}
			time.Sleep(100 * time.Millisecond)
			if n := h.activeSessions(); n != 1 {
				t.Fatalf("run %d: %d active sessions, want exactly 1", i, n)
			}
			// No orphan listener.
			time.Sleep(ShutdownGrace + 200*time.Millisecond)
			if _, err := httpGet(h.cfg.RedirectURL); err == nil {
				t.Fatalf("run %d: listener still open", i)
			}
			e.Close()
		}
	})
}
