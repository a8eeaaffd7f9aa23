package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// The Offline screen says what is wrong (only no network at all is
// "You're offline"), when it last tried, and offers Sign out.
func TestOfflineSaysWhyAndOffersSignOut(t *testing.T) {
	refused := &auth.Error{Kind: auth.KindNetwork, Net: auth.NetRefused,
		Message: "Nothing is answering at http://127.0.0.1:9 (the connection was refused). Check STYTCH_BASE_URL."}
	s := auth.Snapshot{State: auth.StateOffline, Email: "ada@example.com", Profile: ada(), Err: refused,
		TriedAt: t0.Add(-3 * time.Second), RetryAt: t0.Add(12 * time.Second)}
	h := newHarness(t, s, Options{})
	v := h.ui.offlineView()
	wantText(t, "title", v.title, "Can't reach Stytch")
	wantText(t, "message", v.message, refused.Message)
	wantText(t, "next", v.next, "Last tried at 18:49:57. Trying again at 18:50:12 (in 0:12)")

	s.Err = &auth.Error{Kind: auth.KindNetwork, Net: auth.NetOffline, Message: "You're offline: this computer has no network connection."}
	h.eng.push(s)
	wantText(t, "title", v.title, "You're offline")
	for _, c := range []struct {
		err  *auth.Error
		want string
	}{
		{&auth.Error{Kind: auth.KindNetwork, Net: auth.NetServer, Message: "Stytch is having trouble right now (it answered HTTP 503)."}, "Stytch is having trouble"},
		{&auth.Error{Kind: auth.KindBadCredentials, Message: "Stytch rejected this app's credentials."}, "Stytch refused this app"},
		{&auth.Error{Kind: auth.KindNetwork, Net: auth.NetTimeout, Message: "Stytch at https://test.stytch.com didn't answer within 10s."}, "Can't reach Stytch"},
	} {
		s.Err = c.err
		h.eng.push(s)
		wantText(t, "title", v.title, c.want)
		wantText(t, "message", v.message, c.err.Message)
	}

	s.Busy = true
	h.eng.push(s)
	if !v.signOutB.Disabled() {
		t.Fatal("Sign out enabled while retrying")
	}
	s.Busy = false
	h.eng.push(s)
	test.Tap(v.signOutB)
	h.wantCalls("Logout")
}
