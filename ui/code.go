package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/magiclink/magiclink/auth"
)

// codeLen is the number of digits of a one-time code.
const codeLen = 6

// Texts of the code section.
const (
	verifyText       = "Verify code"
	resendCodeText   = "Resend code"
	sendingCodeText  = "Sending a code…"
	codeExpiredText  = "The code has expired. Resend it to get a new one."
	codeEntryHint    = "6-digit code"
	codeTooShortText = "Enter all 6 digits of the code."
)

// codeEntry is a single-line entry that accepts only digits, at most six.
// Pasted text such as "123 456" or "123-456" keeps just its digits.
type codeEntry struct {
	widget.Entry
	onEscape func()
	quit     func()
}

func newCodeEntry(quit func()) *codeEntry {
	e := &codeEntry{quit: quit}
	e.ExtendBaseWidget(e)
	e.PlaceHolder = codeEntryHint
	e.TextStyle = fyne.TextStyle{Monospace: true}
	return e
}

// TypedRune drops anything but digits and stops at six digits.
func (e *codeEntry) TypedRune(r rune) {
	if r < '0' || r > '9' {
		return
	}
	if len(e.Text) >= codeLen && e.SelectedText() == "" {
		return
	}
	e.Entry.TypedRune(r)
}

// TypedShortcut filters pasted text down to its digits and passes the quit
// shortcut on.
func (e *codeEntry) TypedShortcut(s fyne.Shortcut) {
	if isQuit(s) && e.quit != nil {
		e.quit()
		return
	}
	paste, ok := s.(*fyne.ShortcutPaste)
	if !ok || paste.Clipboard == nil {
		e.Entry.TypedShortcut(s)
		return
	}
	pasted := digitsOnly(paste.Clipboard.Content())
	if pasted == "" {
		return
	}
	text := pasted
	if len(pasted) < codeLen && e.SelectedText() == "" {
		// A partial paste continues what was typed.
		text = e.Text + pasted
	}
	if len(text) > codeLen {
		text = text[:codeLen]
	}
	e.CursorColumn = len(text)
	e.SetText(text)
}

// TypedKey forwards Escape to the view.
func (e *codeEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

// digitsOnly returns the ASCII digits of s.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeSection is the one-time code part of "Check your inbox".
type codeSection struct {
	u    *UI
	root *fyne.Container
	snap auth.Snapshot

	intro   *widget.RichText
	entry   *codeEntry
	invalid *widget.Label
	expiry  *widget.RichText
	verifyB *button
	resendB *button

	shown bool
	// reveal asks the view to scroll the section into view once laid out.
	reveal bool
	// requested is set when the user asked for a code and the engine has
	// not reported it yet; reqErr is the error showing at that moment, so a
	// new error means the request failed.
	requested bool
	reqErr    *auth.Error
}

func newCodeSection(u *UI, esc func()) *codeSection {
	c := &codeSection{u: u}
	c.intro = emphasis()
	c.entry = newCodeEntry(u.quit)
	c.entry.onEscape = esc
	c.entry.OnChanged = func(text string) {
		c.invalid.Hide()
		if len(text) == codeLen {
			c.submit()
		}
	}
	c.entry.OnSubmitted = func(string) { c.submit() }

	c.invalid = widget.NewLabel("")
	c.invalid.Importance = widget.DangerImportance
	c.invalid.Wrapping = fyne.TextWrapWord
	c.invalid.Hide()

	c.expiry = emphasis()
	c.verifyB = newButton(verifyText, theme.ConfirmIcon(), widget.HighImportance, c.submit)
	c.verifyB.onEscape = esc
	c.resendB = newButton(resendCodeText, theme.MailReplyIcon(), widget.MediumImportance, func() { u.eng.ResendCode() })
	c.resendB.onEscape = esc

	c.root = container.NewVBox(card(
		fieldLabel("Sign in with a code"),
		c.intro,
		c.entry,
		c.invalid,
		container.NewGridWithColumns(2, c.verifyB, c.resendB),
		c.expiry,
	))
	c.root.Hide()
	return c
}

func (c *codeSection) visible() bool { return c.shown }

// reset forgets UI-local state when leaving the view.
func (c *codeSection) reset() {
	c.requested, c.reqErr, c.shown, c.reveal = false, nil, false, false
	c.entry.SetText("")
	c.invalid.Hide()
	c.root.Hide()
}

// update renders s and reports whether the section has just opened.
func (c *codeSection) update(s auth.Snapshot, busy bool) (opened bool) {
	prevErr := c.snap.Err
	c.snap = s
	if c.requested && s.Err != nil && s.Err != c.reqErr && !s.Code.Active {
		c.requested = false // the code request failed; the error shows above
	}
	show := s.Code.Active || !s.Code.SentAt.IsZero() || c.requested
	opened = show && !c.shown
	c.shown = show
	c.reveal = c.reveal || opened
	if !show {
		c.root.Hide()
		return false
	}
	c.root.Show()
	setEmphasis(c.intro, "Type the 6-digit code we emailed to ", s.Email, ".", "")

	switch {
	case s.Err != nil && isCodeError(s.Err.Kind):
		c.showInvalid(errText(s.Err))
		if s.Err != prevErr {
			// A fresh "wrong code": clear the digits for the next try.
			c.entry.SetText("")
			c.invalid.Show()
			c.u.focus(c.entry)
			c.reveal = true
		}
	case s.Err != prevErr:
		c.invalid.Hide()
	}
	c.tick(c.u.opts.Now(), busy)
	return opened
}

// tick refreshes the code's countdowns.
func (c *codeSection) tick(now time.Time, busy bool) {
	if !c.shown {
		return
	}
	s := c.snap
	switch left := remaining(now, s.Code.ExpiresAt); {
	case !s.Code.Active && s.Code.SentAt.IsZero():
		setEmphasis(c.expiry, sendingCodeText, "", "", theme.ColorNamePlaceHolder)
	case s.Code.Active && left > 0:
		setEmphasis(c.expiry, "The code expires in ", clock(left), "", "")
	default:
		setEmphasis(c.expiry, codeExpiredText, "", "", theme.ColorNameWarning)
	}
	c.verifyB.setEnabled(s.Code.Active && !busy)
	if wait := remaining(now, s.Code.ResendAt); wait > 0 {
		c.resendB.SetText("Resend in " + clock(wait))
		c.resendB.Disable()
	} else {
		c.resendB.SetText(resendCodeText)
		c.resendB.setEnabled(!busy && !s.Code.SentAt.IsZero())
	}
}

// submit sends the typed code to the engine.
func (c *codeSection) submit() {
	code := c.entry.Text
	if len(code) != codeLen {
		c.showInvalid(codeTooShortText)
		return
	}
	if err := c.u.eng.VerifyCode(code); err != nil {
		c.showInvalid(errorMessage(err))
	}
}

func (c *codeSection) showInvalid(msg string) {
	c.invalid.SetText(msg)
	c.invalid.Show()
	c.u.shell.relayout()
}
