package ui

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

func TestSignIn_FocusTitleAndPrefill(t *testing.T) {
	app := test.NewTempApp(t)
	app.Preferences().SetString(prefLastEmail, "ada@example.com")
	h := &harness{t: t, app: app, eng: newFakeEngine(auth.Snapshot{}), clock: &fakeClock{now: t0},
		ticker: &fakeTicker{}, opened: make(chan string, 1), raised: make(chan struct{}, 1)}
	h.start(Options{})

	h.wantTitle("Magiclink — Sign in")
	h.wantView(h.ui.signInView())
	h.wantFocused(h.ui.signInView().entry)
	if got := h.ui.signInView().entry.Text; got != "ada@example.com" {
		t.Fatalf("prefilled email = %q", got)
	}
	if h.ticker.isRunning() {
		t.Fatal("ticker runs on the sign-in view")
	}
	if h.eng.subscribers() != 1 {
		t.Fatalf("subscribers = %d, want 1", h.eng.subscribers())
	}
}

func TestSignIn_TypeEmailAndPressEnter(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	c := h.ui.Window().Canvas()

	test.Type(c.Focused(), "  grace@example.org ")
	h.key(fyne.KeyReturn)

	h.wantCalls("StartLogin")
	if arg, _ := h.eng.lastArg("StartLogin"); arg != "grace@example.org" {
		t.Fatalf("StartLogin(%q), want the trimmed address", arg)
	}
	if got := h.app.Preferences().String(prefLastEmail); got != "grace@example.org" {
		t.Fatalf("last_email preference = %q", got)
	}
}

func TestSignIn_ButtonSubmits(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.ui.signInView().entry.SetText("ada@example.com")
	test.Tap(h.ui.signInView().submitB)
	h.wantCalls("StartLogin")
}

func TestSignIn_InvalidEmailShowsInlineMessage(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.signInView()
	for _, tc := range []struct{ in, want string }{
		{"", msgEmailEmpty},
		{"   ", msgEmailEmpty},
		{"ada", msgEmailInvalid},
		{"ada@", msgEmailInvalid},
		{"ada@example", msgEmailInvalid},
		{"Ada <ada@example.com>", msgEmailInvalid},
		{"ada@@example.com", msgEmailInvalid},
		{"ada@example.com.", msgEmailInvalid},
	} {
		t.Run(tc.in, func(t *testing.T) {
			h.t = t
			v.entry.SetText(tc.in)
			h.key(fyne.KeyReturn)

			h.wantCalls()
			wantVisible(t, "validation message", v.invalid, true)
			wantText(t, "validation message", v.invalid, tc.want)
			h.wantFocused(v.entry)

			// Typing clears the message.
			test.Type(v.entry, "x")
			wantVisible(t, "validation message", v.invalid, false)
		})
	}
}

func TestSignIn_SynchronousEngineErrorShownInline(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.startLoginErr = &auth.Error{Kind: auth.KindInvalidEmail, Message: "That email address doesn't look right. Check it and try again."}
	h.ui.signInView().entry.SetText("ada@example.com")
	h.key(fyne.KeyReturn)

	h.wantCalls("StartLogin")
	wantText(t, "validation message", h.ui.signInView().invalid, "That email address doesn't look right. Check it and try again.")
	if got := h.app.Preferences().String(prefLastEmail); got != "" {
		t.Fatalf("a rejected address was remembered: %q", got)
	}

	h.eng.startLoginErr = errors.New("boom: internal detail")
	h.key(fyne.KeyReturn)
	wantText(t, "validation message", h.ui.signInView().invalid, "Something went wrong. Please try again.")
}

func TestSending_ShowsBusyAndBlocksResubmit(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.signInView()
	h.eng.push(auth.Snapshot{State: auth.StateSending, Email: "ada@example.com"})

	h.wantTitle("Magiclink — Sign in")
	h.wantView(v)
	wantVisible(t, "busy indicator", v.busy, true)
	if !v.entry.Disabled() || !v.submitB.Disabled() {
		t.Fatal("entry and button stay enabled while sending")
	}
	if v.entry.Text != "ada@example.com" {
		t.Fatalf("entry = %q while sending", v.entry.Text)
	}
	v.submit()
	h.wantCalls()

	// A failure brings the form back with the engine's message in place.
	h.eng.push(auth.Snapshot{State: auth.StateSignedOut, Email: "ada@example.com",
		Err: &auth.Error{Kind: auth.KindRateLimited, Message: "Too many attempts. Wait a minute, then try again."}})
	wantVisible(t, "busy indicator", v.busy, false)
	if v.entry.Disabled() || v.submitB.Disabled() {
		t.Fatal("form still disabled after sending failed")
	}
	wantText(t, "error", v.err, "Too many attempts. Wait a minute, then try again.")
}

func TestNoticeShownOnEveryView(t *testing.T) {
	const notice = "This computer's keyring isn't available, so your sign-in won't be remembered after you quit."
	h := newHarness(t, auth.Snapshot{Notice: notice}, Options{})
	wantText(t, "sign-in notice", h.ui.signInView().notice, notice)
	s := linkSent("ada@example.com")
	s.Notice = notice
	h.eng.push(s)
	wantText(t, "inbox notice", h.ui.inboxView().notice, notice)
	p := signedIn(ada())
	p.Notice = notice
	h.eng.push(p)
	wantText(t, "profile notice", h.ui.profileView().notice, notice)
	h.eng.push(auth.Snapshot{})
	wantVisible(t, "sign-in notice", h.ui.signInView().notice, false)
}
