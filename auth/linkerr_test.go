package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// A link from an earlier attempt of this run is "an older link", not
// another device or a restart; a used link while Resend still waits says
// to use the newest email, not to ask for a new one.
func TestLinkErrorsSayWhatHappened(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		t.Parallel()
		h := newHarness(t, b)
		h.cfg.ResendCooldown = time.Minute
		e := h.signedOutEngine(t)
		const addr = "older@example.com"
		if err := e.StartLogin(addr); err != nil {
			t.Fatal(err)
		}
		first := waitState(t, e, StateLinkSent)
		older := h.lastLink(addr)
		if err := e.StartLogin(addr); err != nil { // asks again: a new attempt
			t.Fatal(err)
		}
		waitFor(t, e, "the second link", func(s Snapshot) bool {
			return s.State == StateLinkSent && s.Link.SentAt.After(first.Link.SentAt)
		})
		newest := h.lastLink(addr)
		if newest == older {
			t.Fatal("no second email")
		}
		code, body := open(t, older)
		if code != http.StatusBadRequest || !strings.Contains(body, "This is an older link") || strings.Contains(body, "another device") {
			t.Fatalf("older link page: %d %s", code, body)
		}
		s := waitFor(t, e, "older-link error", func(s Snapshot) bool { return s.Err != nil })
		if s.State != StateLinkSent || s.Err.Kind != KindOlderLink || s.Err.Message != olderLinkMessage {
			t.Fatalf("%v %+v", s.State, s.Err)
		}
		if !strings.Contains(s.Err.Message, "an older link — use the newest email") {
			t.Fatal(s.Err.Message)
		}

		// The newest link still signs in; replayed during the next attempt,
		// while Resend still waits, it points at the newest email.
		if code, body := open(t, newest); code != 200 || !strings.Contains(body, "Signed in as") {
			t.Fatalf("newest link: %d %s", code, body)
		}
		waitState(t, e, StateSignedIn)
		e.Logout()
		waitState(t, e, StateSignedOut)
		if err := e.StartLogin(addr); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, StateLinkSent)
		code, body = open(t, newest)
		if code != http.StatusGone || !strings.Contains(body, usedLinkNewestPageHint) || strings.Contains(body, "press Resend") {
			t.Fatalf("used link page: %d %s", code, body)
		}
		s = waitFor(t, e, "used-link error", func(s Snapshot) bool { return s.Err != nil })
		if s.Err.Kind != KindLinkExpired || s.Err.Message != usedLinkNewestMessage || strings.Contains(s.Err.Message, "new one") {
			t.Fatalf("%+v", s.Err)
		}
		if !e.Snapshot().Link.Active || !time.Now().Before(e.Snapshot().Link.ResendAt) {
			t.Fatal("the test expects Resend to be disabled with a link pending")
		}
	})
}
