package ui

import (
	"reflect"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/magiclink/magiclink/auth"
)

// shortcut delivers s as the desktop driver does: to the focused widget if
// it takes shortcuts, otherwise to the canvas.
func (h *harness) shortcut(s fyne.Shortcut) {
	c := h.ui.Window().Canvas()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	// The test canvas hides the software canvas's TypedShortcut (which runs
	// what AddShortcut registered) behind its embedded interface.
	inner := reflect.ValueOf(c).Elem().FieldByName("WindowlessCanvas").Interface()
	inner.(fyne.Shortcutable).TypedShortcut(s)
}

// Ctrl+Q (Cmd+Q on macOS) quits from every view, whatever has the focus:
// the email entry, the code entry, a button or nothing.
func TestKeys_CtrlQQuits(t *testing.T) {
	ctrlQ := &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.wantFocused(h.ui.signInView().entry)
	h.shortcut(ctrlQ)
	if h.quits != 1 {
		t.Fatalf("Ctrl+Q in the email entry: quits = %d, want 1", h.quits)
	}

	h.eng.push(withCode(linkSent("ada@example.com")))
	h.wantFocused(h.ui.inboxView().code.entry)
	h.shortcut(ctrlQ)
	if h.quits != 2 {
		t.Fatalf("Ctrl+Q in the code entry: quits = %d, want 2", h.quits)
	}
	h.ui.focus(h.ui.inboxView().code.verifyB)
	h.shortcut(ctrlQ)
	if h.quits != 3 {
		t.Fatalf("Ctrl+Q on a button: quits = %d, want 3", h.quits)
	}

	h.eng.push(signedIn(ada()))
	h.shortcut(ctrlQ)
	if h.quits != 4 {
		t.Fatalf("Ctrl+Q on the profile: quits = %d, want 4", h.quits)
	}
	// Other shortcuts still reach the entry.
	h.eng.push(auth.Snapshot{})
	e := h.ui.signInView().entry
	e.SetText("ada@example.com")
	h.shortcut(&fyne.ShortcutSelectAll{})
	if e.SelectedText() != "ada@example.com" || h.quits != 4 {
		t.Fatalf("select all: selected %q, quits %d", e.SelectedText(), h.quits)
	}
}

// A one-hour link counts down from 60:00, never showing "1:00:00" first.
func TestInbox_HourLinkNeverShowsHours(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	s := linkSent("ada@example.com")
	s.Link.ExpiresAt = t0.Add(time.Hour)
	h.eng.push(s)
	v := h.ui.inboxView()
	wantText(t, "expiry", v.expiry, "The link expires in 60:00")
	h.clock.Advance(time.Second)
	h.ticker.fire()
	wantText(t, "expiry", v.expiry, "The link expires in 59:59")
}

// Resend confirms "Sent — check your inbox" for a moment, for the link and
// for the code; a new sign-in is not a resend.
func TestInbox_ResendConfirms(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	v := h.ui.inboxView()
	s := withCode(linkSent("ada@example.com"))
	h.eng.push(s)
	wantVisible(t, "confirmation before resending", v.resent, false)

	h.clock.Advance(31 * time.Second)
	h.ticker.fire()
	h.ui.inboxView().resendB.OnTapped()
	h.wantCalls("Resend")
	s.Link.SentAt, s.Link.ResendAt = h.clock.Now(), h.clock.Now().Add(30*time.Second)
	h.eng.push(s)
	wantVisible(t, "confirmation after resend", v.resent, true)
	wantText(t, "confirmation", v.resent, "Sent — check your inbox")
	if h.afterFn == nil {
		t.Fatal("the confirmation does not go away")
	}
	h.afterFn()
	wantVisible(t, "confirmation after a moment", v.resent, false)

	s.Code.SentAt = h.clock.Now()
	h.eng.push(s)
	wantVisible(t, "confirmation after code resend", v.resent, true)

	// Use a different email, then sign in again: not a resend.
	h.eng.push(auth.Snapshot{})
	later := linkSent("ada@example.com")
	later.Link.SentAt = h.clock.Now().Add(time.Minute)
	h.eng.push(later)
	wantVisible(t, "confirmation on a new sign-in", v.resent, false)
}

// "Use a different email" comes back with the old address selected, so
// typing replaces it.
func TestSignIn_DifferentEmailSelectsOldAddress(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{})
	h.eng.push(auth.Snapshot{State: auth.StateSending, Email: "ada@example.com"})
	h.eng.push(linkSent("ada@example.com"))
	h.ui.inboxView().cancelB.OnTapped()
	h.wantCalls("Cancel")
	h.eng.push(auth.Snapshot{Email: "ada@example.com"})
	e := h.ui.signInView().entry
	h.wantFocused(e)
	if got := e.SelectedText(); got != "ada@example.com" {
		t.Fatalf("selected = %q, want the old address", got)
	}
	for _, r := range "bob@example.com" {
		e.TypedRune(r)
	}
	if e.Text != "bob@example.com" {
		t.Fatalf("typed over the old address: %q", e.Text)
	}
}
