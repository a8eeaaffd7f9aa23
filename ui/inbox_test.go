package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

func linkSent(email string) auth.Snapshot {
	return auth.Snapshot{State: auth.StateLinkSent, Email: email, Link: auth.Pending{
		Active: true, SentAt: t0, ExpiresAt: t0.Add(15 * time.Minute), ResendAt: t0.Add(30 * time.Second),
	}}
}

func withCode(s auth.Snapshot) auth.Snapshot {
	s.Code = auth.Pending{Active: true, SentAt: t0, ExpiresAt: t0.Add(2 * time.Minute), ResendAt: t0.Add(30 * time.Second)}
	return s
}

func TestInbox_AddressCountdownAndResendCooldown(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	h.eng.push(linkSent("ada@example.com"))

	h.wantTitle("Magiclink — Check your inbox")
	h.wantView(v)
	wantText(t, "sent to", v.sentTo, "We sent a sign-in link to ada@example.com.")
	wantText(t, "expiry", v.expiry, "The link expires in 15:00")
	if v.resendB.Text != "Resend in 0:30" || !v.resendB.Disabled() {
		t.Fatalf("resend = %q disabled=%v, want a disabled 0:30 cooldown", v.resendB.Text, v.resendB.Disabled())
	}
	if !h.ticker.isRunning() {
		t.Fatal("countdown ticker not started")
	}
	wantVisible(t, "provider button", v.openB, false)

	h.clock.Advance(1500 * time.Millisecond)
	h.ticker.fire()
	wantText(t, "expiry", v.expiry, "The link expires in 14:59")
	if v.resendB.Text != "Resend in 0:29" {
		t.Fatalf("resend = %q after 1.5s", v.resendB.Text)
	}

	h.clock.Advance(30 * time.Second)
	h.ticker.fire()
	if v.resendB.Text != resendText || v.resendB.Disabled() {
		t.Fatalf("resend = %q disabled=%v after the cooldown", v.resendB.Text, v.resendB.Disabled())
	}
	test.Tap(v.resendB)
	h.wantCalls("Resend")

	h.clock.Advance(15 * time.Minute)
	h.ticker.fire()
	wantText(t, "expiry", v.expiry, linkExpiredText)

	// Leaving the view stops the ticker.
	h.eng.push(auth.Snapshot{State: auth.StateSignedOut})
	if h.ticker.isRunning() {
		t.Fatal("ticker still running after leaving Check your inbox")
	}
}

func TestInbox_BusyDisablesResend(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := linkSent("ada@example.com")
	s.Link.ResendAt = time.Time{}
	s.Busy = true
	h.eng.push(s)
	wantVisible(t, "progress", h.ui.inboxView().busy, true)
	if !h.ui.inboxView().resendB.Disabled() {
		t.Fatal("resend enabled while busy")
	}
	s.Busy = false
	h.eng.push(s)
	wantVisible(t, "progress", h.ui.inboxView().busy, false)
	if h.ui.inboxView().resendB.Disabled() {
		t.Fatal("resend disabled after the request finished")
	}
}

func TestInbox_ProviderButtonOpensInbox(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	h.eng.push(linkSent("Ada.Lovelace@GMail.com"))

	wantVisible(t, "provider button", v.openB, true)
	if v.openB.Text != "Open Gmail" {
		t.Fatalf("button = %q", v.openB.Text)
	}
	h.wantFocused(v.openB)
	test.Tap(v.openB)
	if got := h.waitOpened(); got != gmail.URL {
		t.Fatalf("opened %q, want %q", got, gmail.URL)
	}

	// Keyboard: Enter on the focused button opens it too.
	h.ui.focus(v.openB)
	h.key(fyne.KeyReturn)
	if got := h.waitOpened(); got != gmail.URL {
		t.Fatalf("opened %q, want %q", got, gmail.URL)
	}
}

func TestInbox_DemoInboxButton(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{Demo: true, DemoInboxURL: "http://127.0.0.1:4455/inbox"})
	v := h.ui.inboxView()
	h.eng.push(linkSent("ada@gmail.com"))

	h.wantTitle("Magiclink — Check your inbox (demo)")
	if v.openB.Text != openDemoInboxText {
		t.Fatalf("button = %q, want the demo inbox instead of Gmail", v.openB.Text)
	}
	test.Tap(v.openB)
	if got := h.waitOpened(); got != "http://127.0.0.1:4455/inbox" {
		t.Fatalf("opened %q", got)
	}
}

func TestInbox_BrowserFailureShownInPlace(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.openFn = func(string) error { return errBrowser }
	h.eng.push(linkSent("ada@outlook.com"))
	test.Tap(h.ui.inboxView().openB)
	h.waitOpened()
	h.spawns.Wait()
	want := "Couldn't open the browser. Open " + outlook.URL + " yourself."
	wantText(t, "problem", h.ui.shell.problem, want)

	// The message belongs to the view it was shown in.
	h.eng.push(auth.Snapshot{State: auth.StateSignedOut})
	wantVisible(t, "problem", h.ui.shell.problem, false)
}

func TestInbox_CancelByButtonAndEscape(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.push(linkSent("ada@example.com"))

	test.Tap(h.ui.inboxView().cancelB)
	h.wantCalls("Cancel")

	// Escape with a button focused …
	h.ui.focus(h.ui.inboxView().cancelB)
	h.key(fyne.KeyEscape)
	// … and with nothing focused.
	h.ui.Window().Canvas().Unfocus()
	h.key(fyne.KeyEscape)
	h.wantCalls("Cancel", "Cancel", "Cancel")

	// The engine answers with SignedOut: back to the form, entry focused.
	h.eng.push(auth.Snapshot{State: auth.StateSignedOut})
	h.wantView(h.ui.signInView())
	h.wantFocused(h.ui.signInView().entry)
	h.wantTitle("Magiclink — Sign in")

	// Escape does nothing on the sign-in form.
	h.ui.Window().Canvas().Unfocus()
	h.key(fyne.KeyEscape)
	if h.eng.count("Cancel") != 3 {
		t.Fatal("Escape cancelled outside Check your inbox")
	}
}

func TestInbox_EngineErrorsShownInPlace(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := linkSent("ada@example.com")
	s.Err = &auth.Error{Kind: auth.KindOtherDevice, Message: "That link was requested by another device or an earlier run of this app. Open the newest link on this computer."}
	h.eng.push(s)
	wantText(t, "error", h.ui.inboxView().err, s.Err.Message)
	s.Err = nil
	h.eng.push(s)
	wantVisible(t, "error", h.ui.inboxView().err, false)
}

func TestProviderFor(t *testing.T) {
	for _, tc := range []struct {
		email string
		want  provider
		ok    bool
	}{
		{"a@gmail.com", gmail, true},
		{"a@GoogleMail.com", gmail, true},
		{"a@outlook.com", outlook, true},
		{"a@hotmail.co.uk", outlook, true},
		{"a@live.com", outlook, true},
		{"a@msn.com", outlook, true},
		{"a@yahoo.com", yahoo, true},
		{"a@yahoo.co.jp", yahoo, true},
		{"a@ymail.com", yahoo, true},
		{"a@icloud.com", icloud, true},
		{"a@me.com", icloud, true},
		{"a@mac.com", icloud, true},
		{"a@proton.me", proton, true},
		{"a@protonmail.com", proton, true},
		{"a@pm.me", proton, true},
		{"a@example.com", provider{}, false},
		{"a@gmail.example.com", provider{}, false},
		{"a@live.example.com", provider{}, false},
		{"a@mail.yahoo.com", provider{}, false},
		{"not-an-address", provider{}, false},
	} {
		got, ok := providerFor(tc.email)
		if got != tc.want || ok != tc.ok {
			t.Errorf("providerFor(%q) = %v, %v; want %v, %v", tc.email, got, ok, tc.want, tc.ok)
		}
	}
}

func TestInbox_LinksSwitchedOffShowsOnlyTheCode(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	s := withCode(auth.Snapshot{State: auth.StateLinkSent, Email: "ada@example.com", LinksOff: true})
	h.eng.push(s)

	h.wantView(v)
	wantVisible(t, "sent to (the code section names the address)", v.sentTo, false)
	wantVisible(t, "link card", v.linkCard, false)
	wantVisible(t, "use a different email", v.backB, true)
	test.Tap(v.backB)
	h.wantCalls("Cancel")
	wantVisible(t, "get a code instead", v.getCode, false)
	wantVisible(t, "code entry", v.code.root, true)
	if v.focusTarget() != v.code.entry {
		t.Fatal("the code entry should take the focus when only a code was sent")
	}

	// Links back on (a later login in another run) shows the link card again.
	h.eng.push(linkSent("ada@example.com"))
	wantVisible(t, "link card", v.linkCard, true)
	wantVisible(t, "use a different email under the code", v.backB, false)
	wantText(t, "sent to", v.sentTo, "We sent a sign-in link to ada@example.com.")
}

func TestInbox_CodesSwitchedOffHidesTheFallback(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	h.eng.push(linkSent("ada@example.com"))
	wantVisible(t, "get a code instead", v.getCode, true)
	s := linkSent("ada@example.com")
	s.CodesOff = true
	h.eng.push(s)
	wantVisible(t, "get a code instead", v.getCode, false)
	wantVisible(t, "link card", v.linkCard, true)
}
