package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// paste pastes text into the code entry as Ctrl+V would.
func paste(e *codeEntry, text string) {
	clip := test.NewClipboard()
	clip.SetContent(text)
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
}

func TestCode_RequestThenTypeDigits(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	s := linkSent("ada@example.com")
	h.eng.push(s)
	wantVisible(t, "get a code link", v.getCode, true)
	wantVisible(t, "code section", v.code.root, false)

	// Keyboard activation of the link.
	h.ui.focus(v.getCode)
	h.key(fyne.KeyReturn)
	h.wantCalls("StartCodeLogin")
	wantVisible(t, "code section", v.code.root, true)
	wantText(t, "code status", v.code.expiry, sendingCodeText)
	h.wantFocused(v.code.entry)

	// The engine reports the code; both link and code are pending.
	s.Busy = true
	h.eng.push(s)
	s = withCode(s)
	s.Busy = false
	h.eng.push(s)
	h.wantTitle("Magiclink — Check your inbox")
	wantVisible(t, "get a code link", v.getCode, false)
	wantText(t, "link expiry", v.expiry, "The link expires in 15:00")
	wantText(t, "code expiry", v.code.expiry, "The code expires in 2:00")
	wantText(t, "code intro", v.code.intro, "Type the 6-digit code we emailed to ada@example.com.")
	if v.code.resendB.Text != "Resend in 0:30" || !v.code.resendB.Disabled() {
		t.Fatalf("code resend = %q disabled=%v", v.code.resendB.Text, v.code.resendB.Disabled())
	}
	h.wantFocused(v.code.entry)

	// Letters and separators are dropped; six digits submit by themselves.
	test.Type(v.code.entry, "1a2-3 b45")
	if got := v.code.entry.Text; got != "12345" {
		t.Fatalf("code entry = %q, want digits only", got)
	}
	if h.eng.count("VerifyCode") != 0 {
		t.Fatal("submitted before six digits")
	}
	test.Type(v.code.entry, "67")
	if got := v.code.entry.Text; got != "123456" {
		t.Fatalf("code entry = %q, want six digits at most", got)
	}
	if arg, _ := h.eng.lastArg("VerifyCode"); arg != "123456" || h.eng.count("VerifyCode") != 1 {
		t.Fatalf("VerifyCode calls = %d, last %q", h.eng.count("VerifyCode"), arg)
	}

	// Enter submits again (e.g. after a network error).
	h.key(fyne.KeyReturn)
	if h.eng.count("VerifyCode") != 2 {
		t.Fatal("Enter in the code entry did not submit")
	}

	// Countdown and resend cooldown tick.
	h.clock.Advance(31 * time.Second)
	h.ticker.fire()
	wantText(t, "code expiry", v.code.expiry, "The code expires in 1:29")
	if v.code.resendB.Disabled() {
		t.Fatal("code resend still disabled after the cooldown")
	}
	test.Tap(v.code.resendB)
	if h.eng.count("ResendCode") != 1 {
		t.Fatal("ResendCode not called")
	}
	h.clock.Advance(2 * time.Minute)
	h.ticker.fire()
	wantText(t, "code expiry", v.code.expiry, codeExpiredText)
}

func TestCode_PasteFormattedCode(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.push(withCode(linkSent("ada@example.com")))
	e := h.ui.inboxView().code.entry
	for i, in := range []string{"123-456", "123 456", " 1 2 3 4 5 6 ", "Your code: 123456.", "1234567"} {
		e.SetText("")
		paste(e, in)
		if arg, _ := h.eng.lastArg("VerifyCode"); arg != "123456" || h.eng.count("VerifyCode") != i+1 {
			t.Fatalf("VerifyCode(%q) after pasting %q", arg, in)
		}
	}
	// Pasting a whole code replaces a partly typed one.
	e.SetText("")
	test.Type(e, "9")
	paste(e, "654-321")
	if arg, _ := h.eng.lastArg("VerifyCode"); arg != "654321" {
		t.Fatalf("VerifyCode(%q), want the pasted code", arg)
	}
}

func TestCode_PasteLettersOnlyIgnored(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.push(withCode(linkSent("ada@example.com")))
	e := h.ui.inboxView().code.entry
	paste(e, "abc")
	test.Type(e, "12")
	paste(e, "3-4")
	if e.Text != "1234" {
		t.Fatalf("code entry = %q", e.Text)
	}
	h.wantCalls()
}

func TestCode_WrongCodeClearsEntryAndShowsMessage(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	c := h.ui.inboxView().code
	s := withCode(linkSent("ada@example.com"))
	h.eng.push(s)
	test.Type(c.entry, "111111")

	s.Err = &auth.Error{Kind: auth.KindCodeWrong, Message: "That code isn't right. Check the email and try again."}
	h.eng.push(s)
	wantText(t, "code error", c.invalid, s.Err.Message)
	wantVisible(t, "code error", c.invalid, true)
	wantVisible(t, "top error", h.ui.inboxView().err, false)
	if c.entry.Text != "" {
		t.Fatalf("code entry = %q after a wrong code", c.entry.Text)
	}
	h.wantFocused(c.entry)

	// Another snapshot with the same error does not wipe new typing.
	test.Type(c.entry, "22")
	h.eng.push(s)
	if c.entry.Text != "22" {
		t.Fatalf("code entry = %q", c.entry.Text)
	}

	s.Err = &auth.Error{Kind: auth.KindCodeExpired, Message: "That code has expired or was already used. Ask for a new one."}
	h.eng.push(s)
	wantText(t, "code error", c.invalid, s.Err.Message)
}

func TestCode_SynchronousErrors(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	c := h.ui.inboxView().code
	h.eng.push(withCode(linkSent("ada@example.com")))

	test.Type(c.entry, "12")
	test.Tap(c.verifyB)
	wantText(t, "code error", c.invalid, codeTooShortText)
	h.wantCalls()

	h.eng.verifyCodeErr = &auth.Error{Kind: auth.KindCodeWrong, Message: "Enter the 6-digit code."}
	test.Type(c.entry, "3456")
	wantText(t, "code error", c.invalid, "Enter the 6-digit code.")
}

func TestCode_RequestFailureShowsError(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	s := linkSent("ada@example.com")
	h.eng.push(s)

	// Synchronous failure.
	h.eng.codeLoginErr = &auth.Error{Kind: auth.KindRateLimited, Message: "Too many attempts. Wait a minute, then try again."}
	v.requestCode()
	wantText(t, "error", v.err, "Too many attempts. Wait a minute, then try again.")
	wantVisible(t, "code section", v.code.root, false)

	// Asynchronous failure: the section opens, then closes with the error.
	h.eng.codeLoginErr = nil
	v.requestCode()
	wantVisible(t, "code section", v.code.root, true)
	s.Err = &auth.Error{Kind: auth.KindNetwork, Message: "Can't reach Stytch. Check your internet connection and try again."}
	h.eng.push(s)
	wantVisible(t, "code section", v.code.root, false)
	wantVisible(t, "get a code link", v.getCode, true)
	wantText(t, "error", v.err, s.Err.Message)
}

func TestCode_OnlyCodePending(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := withCode(linkSent("ada@example.com"))
	s.Link = auth.Pending{}
	h.eng.push(s)
	h.wantView(h.ui.inboxView())
	h.wantFocused(h.ui.inboxView().code.entry)
	wantText(t, "link expiry", h.ui.inboxView().expiry, linkExpiredText)
}

func TestCode_SendingWhilePendingStaysOnInbox(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := linkSent("ada@example.com")
	h.eng.push(s)
	s.State = auth.StateSending
	h.eng.push(s)
	h.wantView(h.ui.inboxView())
	h.wantTitle("Magiclink — Check your inbox")
	wantVisible(t, "progress", h.ui.inboxView().busy, true)
}

// The engine shows Verifying while it checks a code and comes back to
// "Check your inbox" with the error when the code is wrong.
func TestCode_WrongCodeAfterVerifying(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	c := h.ui.inboxView().code
	s := withCode(linkSent("ada@example.com"))
	h.eng.push(s)
	test.Type(c.entry, "123456")
	h.eng.push(auth.Snapshot{State: auth.StateVerifying, Email: s.Email, Link: s.Link, Code: s.Code})
	h.wantTitle("Magiclink — Verifying…")

	s.Err = &auth.Error{Kind: auth.KindCodeWrong, Message: "That code isn't right. Check the email and try again."}
	h.eng.push(s)
	h.wantTitle("Magiclink — Check your inbox")
	wantVisible(t, "code section", c.root, true)
	wantText(t, "code error", c.invalid, s.Err.Message)
	wantVisible(t, "code error", c.invalid, true)
	h.wantFocused(c.entry)
	if c.entry.Text != "" {
		t.Fatalf("code entry = %q", c.entry.Text)
	}
	test.Type(c.entry, "654321")
	if arg, _ := h.eng.lastArg("VerifyCode"); arg != "654321" {
		t.Fatalf("VerifyCode(%q)", arg)
	}
}
