package ui

import (
	"errors"
	"net/mail"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/magiclink/magiclink/auth"
)

// Texts of the sign-in view.
const (
	signInButtonText = "Email me a sign-in link"
	sendingText      = "Sending your link…"
	msgEmailEmpty    = "Enter your email address."
	msgEmailInvalid  = "Enter a valid email address, like name@example.com."
)

// signInView asks for an email address and starts a login (SignedOut and
// Sending states).
type signInView struct {
	u       *UI
	root    fyne.CanvasObject
	entry   *textEntry
	invalid *widget.Label // inline validation under the entry
	err     *callout      // engine errors
	notice  *callout      // engine notices, e.g. no keyring
	submitB *button
	busy    *widget.ProgressBarInfinite
	busyRow fyne.CanvasObject
	sending bool
}

func newSignInView(u *UI) *signInView {
	v := &signInView{u: u}
	v.entry = newTextEntry(u.quit)
	v.entry.SetPlaceHolder("name@example.com")
	v.entry.SetText(u.app.Preferences().String(prefLastEmail))
	v.entry.OnSubmitted = func(string) { v.submit() }
	v.entry.OnChanged = func(string) { v.invalid.Hide() }

	v.invalid = widget.NewLabel("")
	v.invalid.Importance = widget.DangerImportance
	v.invalid.Wrapping = fyne.TextWrapWord
	v.invalid.Hide()

	v.err = newCallout(calloutError, "")
	v.notice = newCallout(calloutWarning, "")
	v.submitB = newButton(signInButtonText, theme.MailSendIcon(), widget.HighImportance, v.submit)

	v.busy = widget.NewProgressBarInfinite()
	v.busy.Stop()
	v.busyRow = container.NewVBox(v.busy, caption(sendingText))
	v.busyRow.Hide()

	form := card(
		fieldLabel("Email address"),
		v.entry,
		v.invalid,
		vspace(theme.Padding()),
		v.submitB,
		v.busyRow,
	)
	v.root = container.NewVBox(
		heading("Sign in"),
		para("Enter your email address and we'll send you a magic link. Click it to sign in — no password needed."),
		vspace(theme.Padding()),
		v.err,
		form,
		vspace(theme.Padding()),
		caption("The link opens this app through your browser, so open it on this computer."),
		v.notice,
	)
	return v
}

func (v *signInView) content() fyne.CanvasObject  { return v.root }
func (v *signInView) focusTarget() fyne.Focusable { return v.entry }
func (v *signInView) ticking() bool               { return false }
func (v *signInView) tick()                       {}
func (v *signInView) leave()                      { v.invalid.Hide() }

func (v *signInView) update(s auth.Snapshot) {
	v.sending = s.State == auth.StateSending
	if s.Email != "" && (v.sending || v.entry.Text == "") {
		v.entry.SetText(s.Email)
	}
	if v.sending {
		v.entry.Disable()
		v.submitB.Disable()
		v.busy.Start()
		v.busyRow.Show()
	} else {
		v.entry.Enable()
		v.submitB.Enable()
		v.busy.Stop()
		v.busyRow.Hide()
	}
	v.err.set(errText(s.Err))
	v.notice.set(s.Notice)
}

// submit validates the address and asks the engine for a link.
func (v *signInView) submit() {
	if v.sending {
		return
	}
	email := strings.TrimSpace(v.entry.Text)
	if msg := validateEmail(email); msg != "" {
		v.showInvalid(msg)
		return
	}
	if err := v.u.eng.StartLogin(email); err != nil {
		v.showInvalid(errorMessage(err))
		return
	}
	v.u.savePrefEmail(email)
}

func (v *signInView) showInvalid(msg string) {
	v.invalid.SetText(msg)
	v.invalid.Show()
	v.u.shell.relayout()
	v.u.focus(v.entry)
}

// validateEmail returns a message when email is obviously not an address;
// the engine and Stytch do the real validation.
func validateEmail(email string) string {
	if email == "" {
		return msgEmailEmpty
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return msgEmailInvalid
	}
	_, domain, _ := strings.Cut(email, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return msgEmailInvalid
	}
	return ""
}

// errText is the message of an engine error, or "".
func errText(e *auth.Error) string {
	if e == nil {
		return ""
	}
	if e.Message != "" {
		return e.Message
	}
	return "Something went wrong. Please try again."
}

// errorMessage turns a synchronous engine error into a user message.
func errorMessage(err error) string {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return errText(ae)
	}
	return "Something went wrong. Please try again."
}
