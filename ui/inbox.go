package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/magiclink/magiclink/auth"
)

// Texts of the "Check your inbox" view.
const (
	resendText        = "Resend link"
	differentEmail    = "Use a different email"
	getCodeText       = "Opened the email on another device? Get a code instead"
	openDemoInboxText = "Open demo inbox"
	thisComputerNote  = "Open the link on this computer — it signs you in to this app. Keep this window open."
	linkExpiredText   = "The link has expired. Resend it to get a new one."
)

// inboxView is shown while a magic link (and possibly a code) is pending.
type inboxView struct {
	u    *UI
	root fyne.CanvasObject
	snap auth.Snapshot

	sentTo   *widget.RichText
	expiry   *widget.RichText
	openB    *button // provider or demo inbox, hidden when neither applies
	openURL  string
	err      *callout
	notice   *callout
	busy     *widget.ProgressBarInfinite
	resendB  *button
	cancelB  *button
	backB    *button
	getCode  *link
	code     *codeSection
	linkCard fyne.CanvasObject
}

func newInboxView(u *UI) *inboxView {
	v := &inboxView{u: u}
	esc := func() { u.eng.Cancel() }

	v.sentTo = emphasis()
	v.expiry = emphasis()

	v.openB = newButton("", theme.MailComposeIcon(), widget.HighImportance, func() {
		if v.openURL != "" {
			u.openURL(v.openURL)
		}
	})
	v.openB.onEscape = esc
	v.openB.Hide()

	v.err = newCallout(calloutError, "")
	v.notice = newCallout(calloutWarning, "")
	v.busy = widget.NewProgressBarInfinite()
	v.busy.Stop()
	v.busy.Hide()

	v.resendB = newButton(resendText, theme.MailReplyIcon(), widget.MediumImportance, func() { u.eng.Resend() })
	v.resendB.onEscape = esc
	v.cancelB = newButton(differentEmail, theme.NavigateBackIcon(), widget.LowImportance, func() { u.eng.Cancel() })
	v.cancelB.onEscape = esc
	// With links switched off the link card is hidden; this takes its
	// "Use a different email" place under the code.
	v.backB = newButton(differentEmail, theme.NavigateBackIcon(), widget.LowImportance, func() { u.eng.Cancel() })
	v.backB.onEscape = esc
	v.backB.Hide()

	v.getCode = newLink(getCodeText, v.requestCode)
	v.getCode.onEscape = esc
	v.code = newCodeSection(u, esc)

	v.linkCard = card(
		v.expiry,
		v.openB,
		newCallout(calloutInfo, thisComputerNote),
		container.NewGridWithColumns(2, v.resendB, v.cancelB),
	)
	v.root = container.NewVBox(
		heading("Check your inbox"),
		v.sentTo,
		v.err,
		v.busy,
		v.linkCard,
		vspace(theme.Padding()),
		v.getCode,
		v.code.root,
		v.backB,
		v.notice,
	)
	return v
}

func (v *inboxView) content() fyne.CanvasObject { return v.root }
func (v *inboxView) ticking() bool              { return true }

func (v *inboxView) focusTarget() fyne.Focusable {
	if v.code.visible() {
		return v.code.entry
	}
	if v.openB.Visible() {
		return v.openB
	}
	return v.resendB
}

func (v *inboxView) leave() {
	v.code.reset()
	v.busy.Stop()
}

func (v *inboxView) update(s auth.Snapshot) {
	v.snap = s
	setEmphasis(v.sentTo, "We sent a sign-in link to ", s.Email, ".", "")
	if s.LinksOff {
		// The project allows no links for this app: the email holds a
		// code, and the code section says where it went.
		v.sentTo.Hide()
		v.linkCard.Hide()
		v.backB.Show()
	} else {
		v.sentTo.Show()
		v.linkCard.Show()
		v.backB.Hide()
	}

	switch p, ok := providerFor(s.Email); {
	case v.u.opts.Demo && v.u.opts.DemoInboxURL != "":
		v.openB.SetText(openDemoInboxText)
		v.openURL = v.u.opts.DemoInboxURL
		v.openB.Show()
	case !v.u.opts.Demo && ok:
		v.openB.SetText("Open " + p.Name)
		v.openURL = p.URL
		v.openB.Show()
	default:
		v.openURL = ""
		v.openB.Hide()
	}

	busy := s.Busy || s.State == auth.StateSending
	if busy {
		v.busy.Show()
		v.busy.Start()
	} else {
		v.busy.Stop()
		v.busy.Hide()
	}

	// Code errors are shown next to the code entry, the rest up here.
	if s.Err != nil && isCodeError(s.Err.Kind) && v.code.visible() {
		v.err.set("")
	} else {
		v.err.set(errText(s.Err))
	}

	v.notice.set(s.Notice)
	opened := v.code.update(s, busy)
	if s.Code.Active || v.code.visible() || s.LinksOff || s.CodesOff {
		v.getCode.Hide()
	} else {
		v.getCode.Show()
	}
	if opened {
		v.u.focus(v.code.entry)
	}
	v.tick()
}

// tick refreshes the countdowns from the last snapshot and the clock.
func (v *inboxView) tick() {
	now := v.u.opts.Now()
	s := v.snap
	busy := s.Busy || s.State == auth.StateSending

	if left := remaining(now, s.Link.ExpiresAt); s.Link.Active && left > 0 {
		setEmphasis(v.expiry, "The link expires in ", clock(left), "", "")
	} else {
		setEmphasis(v.expiry, linkExpiredText, "", "", theme.ColorNameWarning)
	}

	if wait := remaining(now, s.Link.ResendAt); wait > 0 {
		v.resendB.SetText("Resend in " + clock(wait))
		v.resendB.Disable()
	} else {
		v.resendB.SetText(resendText)
		v.resendB.setEnabled(!busy)
	}
	v.code.tick(now, busy)
}

// requestCode asks the engine to email a one-time code too.
func (v *inboxView) requestCode() {
	if v.snap.Busy {
		return
	}
	if err := v.u.eng.StartCodeLogin(); err != nil {
		v.err.set(errorMessage(err))
		return
	}
	v.code.requested = true
	v.update(v.snap)
	v.u.shell.relayout()
}

func isCodeError(k auth.Kind) bool {
	return k == auth.KindCodeWrong || k == auth.KindCodeExpired
}
