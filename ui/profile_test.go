package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

func ada() *auth.Profile {
	return &auth.Profile{
		UserID: "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6", Email: "ada@example.com", EmailVerified: true,
		Name: "Ada Lovelace", Status: "active", CreatedAt: t0.Add(-72 * time.Hour),
		SignedInAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
		Factors: []string{"Email magic link (ada@example.com)"},
	}
}

func signedIn(p *auth.Profile) auth.Snapshot {
	return auth.Snapshot{State: auth.StateSignedIn, Email: p.Email, Profile: p}
}

func TestSignedIn_AfterLinkShowsProfileAndRaisesWindow(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.push(linkSent("ada@example.com"))
	h.eng.push(auth.Snapshot{State: auth.StateVerifying, Email: "ada@example.com"})
	h.wantTitle("Magiclink — Verifying…")
	wantText(t, "busy title", h.ui.busyView().title, verifyingText)
	if h.ticker.isRunning() {
		t.Fatal("ticker running while verifying")
	}

	h.eng.push(signedIn(ada()))
	h.wantTitle("Magiclink — Signed in")
	h.wantView(h.ui.profileView())
	select {
	case <-h.raised:
	default:
		t.Fatal("window not brought to the front after sign-in")
	}

	v := h.ui.profileView()
	wantText(t, "name", v.title, "Ada Lovelace")
	wantText(t, "email", v.email, "ada@example.com")
	wantText(t, "verified", v.verified, verifiedText)
	wantText(t, "user id", v.userID, "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6")
	wantVisible(t, "name row", v.name, true)
	wantText(t, "created", v.created, "Tue, 25 Nov 2025 18:50")
	wantText(t, "signed in", v.signedIn, "Fri, 28 Nov 2025 18:50")
	wantText(t, "expires", v.expires, "Fri, 5 Dec 2025 18:50")
	if len(v.factors.Objects) != 1 {
		t.Fatalf("factors = %d rows", len(v.factors.Objects))
	}
	wantVisible(t, "notice", v.notice, false)
	if got := h.app.Preferences().String(prefLastEmail); got != "ada@example.com" {
		t.Fatalf("last_email = %q", got)
	}

	// The session is extended: the expiry is re-rendered from the snapshot.
	p := ada()
	p.ExpiresAt = p.ExpiresAt.Add(24 * time.Hour)
	h.eng.push(signedIn(p))
	wantText(t, "expires", v.expires, "Sat, 6 Dec 2025 18:50")
	select {
	case <-h.raised:
		t.Fatal("window raised again for a session update")
	default:
	}
}

func TestSignedIn_AfterRestoreDoesNotRaise(t *testing.T) {
	h := newHarness(t, auth.Snapshot{State: auth.StateRestoring}, Options{})
	h.wantTitle("Magiclink — Restoring…")
	wantText(t, "busy title", h.ui.busyView().title, restoringText)
	h.eng.push(signedIn(ada()))
	h.wantTitle("Magiclink — Signed in")
	select {
	case <-h.raised:
		t.Fatal("window raised after restoring a session")
	default:
	}
}

func TestProfile_MinimalProfileAndNotice(t *testing.T) {
	p := &auth.Profile{UserID: "user-1", Email: "grace@example.org", SignedInAt: t0, ExpiresAt: t0.Add(time.Hour)}
	s := signedIn(p)
	s.Notice = "No system keyring is available, so you'll need to sign in again next time."
	h := newHarness(t, s, Options{})
	v := h.ui.profileView()
	wantText(t, "title", v.title, "Welcome")
	wantText(t, "verified", v.verified, unverifiedTxt)
	wantVisible(t, "name row", v.name, false)
	wantText(t, "created", v.created, "—")
	wantText(t, "notice", v.notice, s.Notice)
	if len(v.factors.Objects) != 1 {
		t.Fatal("empty factor list not shown as a dash")
	}
}

func TestProfile_CopyUserID(t *testing.T) {
	h := newHarness(t, signedIn(ada()), Options{})
	test.Tap(h.ui.profileView().copyB)
	if got := h.app.Clipboard().Content(); got != ada().UserID {
		t.Fatalf("clipboard = %q", got)
	}
	if h.ui.profileView().copyB.Text != copiedText {
		t.Fatalf("copy button = %q", h.ui.profileView().copyB.Text)
	}
	if h.afterFn == nil {
		t.Fatal("no reset of the Copy button scheduled")
	}
	h.afterFn() // two seconds later, on the Fyne goroutine
	if h.ui.profileView().copyB.Text != copyText {
		t.Fatalf("copy button after the pause = %q", h.ui.profileView().copyB.Text)
	}
}

func TestProfile_SignOut(t *testing.T) {
	h := newHarness(t, signedIn(ada()), Options{})
	v := h.ui.profileView()
	test.Tap(v.signOutB)
	h.wantCalls("Logout")

	s := signedIn(ada())
	s.Busy = true
	h.eng.push(s)
	if !v.signOutB.Disabled() {
		t.Fatal("Sign out enabled while busy")
	}
	wantVisible(t, "progress", v.busy, true)
	test.Tap(v.signOutB)
	h.wantCalls("Logout")

	h.eng.push(auth.Snapshot{State: auth.StateSignedOut, Email: "ada@example.com",
		Err: &auth.Error{Kind: auth.KindRevokeFailed, Message: "Signed out on this computer, but Stytch couldn't be reached to end the session."}})
	h.wantTitle("Magiclink — Sign in")
	h.wantFocused(h.ui.signInView().entry)
	wantText(t, "error", h.ui.signInView().err, "Signed out on this computer, but Stytch couldn't be reached to end the session.")
	if h.ui.signInView().entry.Text != "ada@example.com" {
		t.Fatalf("entry = %q after sign-out", h.ui.signInView().entry.Text)
	}
}

func TestKeyboard_TabReachesSignOut(t *testing.T) {
	for _, key := range []fyne.KeyName{fyne.KeySpace, fyne.KeyReturn, fyne.KeyEnter} {
		t.Run(string(key), func(t *testing.T) {
			h := newHarness(t, auth.Snapshot{}, Options{})
			h.eng.push(linkSent("ada@example.com"))
			h.eng.push(signedIn(ada()))

			var reached bool
			for i := 0; i < 10 && !reached; i++ {
				reached = h.tab() == h.ui.profileView().signOutB
			}
			if !reached {
				t.Fatal("Tab never reached Sign out")
			}
			h.key(key)
			h.wantCalls("Logout")
		})
	}
}

func TestKeyboard_ShiftTabReachesSignOut(t *testing.T) {
	h := newHarness(t, signedIn(ada()), Options{})
	h.ui.Window().Canvas().FocusPrevious()
	if h.ui.Window().Canvas().Focused() != h.ui.profileView().signOutB {
		t.Fatal("Shift-Tab from nothing should land on Sign out, the last control")
	}
}

func TestKeyboard_InboxTabOrder(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := linkSent("ada@gmail.com")
	s.Link.ResendAt = time.Time{}
	h.eng.push(s)
	v := h.ui.inboxView()
	h.wantFocused(v.openB)
	want := []fyne.Focusable{v.resendB, v.cancelB, v.getCode, v.openB}
	for i, w := range want {
		if got := h.tab(); got != w {
			t.Fatalf("tab %d focused %T, want %T", i+1, got, w)
		}
	}
}

func TestRestoringOfflineAndRetry(t *testing.T) {
	h := newHarness(t, auth.Snapshot{State: auth.StateRestoring}, Options{})
	h.wantView(h.ui.busyView())

	s := auth.Snapshot{State: auth.StateOffline, Email: "ada@example.com", Profile: ada(), RetryAt: t0.Add(12 * time.Second)}
	h.eng.push(s)
	v := h.ui.offlineView()
	h.wantTitle("Magiclink — Offline")
	wantText(t, "message", v.message, offlineDefault+". Check your internet connection.")
	wantText(t, "next", v.next, "Trying again at 18:50:12 (in 0:12)")
	if !contains(text(v.who), "ada@example.com") {
		t.Fatalf("who = %q", text(v.who))
	}
	h.wantFocused(v.retryB)

	h.clock.Advance(2 * time.Second)
	h.ticker.fire()
	wantText(t, "next", v.next, "Trying again at 18:50:12 (in 0:10)")

	h.key(fyne.KeySpace)
	h.wantCalls("Retry")

	s.Err = &auth.Error{Kind: auth.KindNetwork, Message: "Stytch is having trouble right now. Try again in a moment."}
	s.Busy = true
	h.eng.push(s)
	wantText(t, "message", v.message, s.Err.Message)
	wantText(t, "next", v.next, "Trying to reach Stytch…")
	if !v.retryB.Disabled() {
		t.Fatal("Retry enabled while retrying")
	}

	h.eng.push(signedIn(ada()))
	h.wantView(h.ui.profileView())
	if h.ticker.isRunning() {
		t.Fatal("ticker still running on the profile")
	}
}

func TestTitles(t *testing.T) {
	states := []struct {
		s    auth.Snapshot
		want string
	}{
		{auth.Snapshot{State: auth.StateSignedOut}, "Sign in"},
		{auth.Snapshot{State: auth.StateSending}, "Sign in"},
		{linkSent("a@example.com"), "Check your inbox"},
		{auth.Snapshot{State: auth.StateVerifying}, "Verifying…"},
		{signedIn(ada()), "Signed in"},
		{auth.Snapshot{State: auth.StateRestoring}, "Restoring…"},
		{auth.Snapshot{State: auth.StateOffline}, "Offline"},
	}
	for _, o := range []struct {
		opts         Options
		base, suffix string
	}{
		{Options{}, "Magiclink — ", ""},
		{Options{Demo: true}, "Magiclink — ", " (demo)"},
		{Options{AppName: "Other"}, "Other — ", ""},
	} {
		h := newHarness(t, auth.Snapshot{}, o.opts)
		if o.opts.Demo {
			wantVisible(t, "demo banner", h.ui.shell.banner, true)
			wantText(t, "demo banner", h.ui.shell.banner.(*fyne.Container).Objects[1], demoBanner)
		}
		for _, st := range states {
			h.eng.push(st.s)
			h.wantTitle(o.base + st.want + o.suffix)
		}
	}
}

// Every error kind the engine can report is shown, with its message, in
// the view of the state it arrives with.
func TestErrorsShownInPlace(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	for k := auth.KindUnknown; k <= auth.KindConfig; k++ {
		msg := "Message for " + k.String() + "."
		e := &auth.Error{Kind: k, Message: msg}
		cases := []struct {
			s     auth.Snapshot
			where fyne.CanvasObject
		}{
			{auth.Snapshot{State: auth.StateSignedOut, Err: e}, h.ui.signInView().err},
			{func() auth.Snapshot { s := linkSent("a@example.com"); s.Err = e; return s }(), h.ui.inboxView().err},
			{func() auth.Snapshot { s := signedIn(ada()); s.Err = e; return s }(), h.ui.profileView().err},
			{auth.Snapshot{State: auth.StateOffline, Err: e}, h.ui.offlineView().message},
		}
		if isCodeError(k) {
			cases[1].s = withCode(cases[1].s)
			cases[1].where = h.ui.inboxView().code.invalid
		}
		for _, c := range cases {
			h.eng.push(c.s)
			what := k.String() + " in " + c.s.State.String()
			wantVisible(t, what, c.where, true)
			wantText(t, what, c.where, msg)
		}
	}
	// An error without a message never shows internals.
	h.eng.push(auth.Snapshot{Err: &auth.Error{Kind: auth.KindUnknown, Cause: errBrowser}})
	wantText(t, "error", h.ui.signInView().err, "Something went wrong. Please try again.")
}

func TestClose_UnsubscribesAndStopsTicker(t *testing.T) {
	h := newHarness(t, linkSent("ada@example.com"), Options{})
	if !h.ticker.isRunning() {
		t.Fatal("ticker not running")
	}
	h.ui.Close()
	if h.eng.subscribers() != 0 {
		t.Fatal("still subscribed after Close")
	}
	if h.ticker.isRunning() {
		t.Fatal("ticker running after Close")
	}
	h.eng.push(signedIn(ada())) // ignored
	h.wantTitle("Magiclink — Check your inbox")
	h.ui.Close() // idempotent
}
