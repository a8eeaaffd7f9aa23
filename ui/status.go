package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/magiclink/magiclink/auth"
)

// Texts of the status views.
const (
	verifyingText   = "Signing you in…"
	verifyingDetail = "Your browser reached the app. Finishing sign-in with Stytch."
	restoringText   = "Restoring your session…"
	restoringDetail = "Checking your saved session with Stytch."
	offlineTitle    = "You're offline"
	unreachTitle    = "Can't reach Stytch"
	troubleTitle    = "Stytch is having trouble"
	refusedTitle    = "Stytch refused this app"
	offlineDefault  = "Can't reach Stytch"
	retryText       = "Retry now"
)

// offlineHeading is the Offline screen's title for what went wrong: only
// no network at all is "You're offline".
func offlineHeading(err *auth.Error) string {
	switch {
	case err == nil || err.Net == auth.NetOffline:
		return offlineTitle
	case err.Net == auth.NetServer || err.Net == auth.NetUnexpected:
		return troubleTitle
	case err.Kind != auth.KindNetwork:
		return refusedTitle
	}
	return unreachTitle
}

// busyView is a centred activity indicator with a message: Verifying and
// Restoring.
type busyView struct {
	root   fyne.CanvasObject
	act    *widget.Activity
	title  *widget.Label
	detail *widget.RichText
}

func newBusyView() *busyView {
	v := &busyView{act: widget.NewActivity()}
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.title.Wrapping = fyne.TextWrapWord
	v.detail = mutedAligned("", theme.SizeNameText, fyne.TextAlignCenter)
	v.root = container.NewVBox(
		vspace(theme.Padding()*24),
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(48), v.act)),
		v.title,
		v.detail,
	)
	return v
}

// setMode chooses the Verifying or Restoring wording.
func (v *busyView) setMode(s auth.State) {
	if s == auth.StateRestoring {
		v.title.SetText(restoringText)
		setMuted(v.detail, restoringDetail)
		return
	}
	v.title.SetText(verifyingText)
	setMuted(v.detail, verifyingDetail)
}

func (v *busyView) content() fyne.CanvasObject  { return v.root }
func (v *busyView) focusTarget() fyne.Focusable { return nil }
func (v *busyView) ticking() bool               { return false }
func (v *busyView) tick()                       {}
func (v *busyView) update(auth.Snapshot)        { v.act.Start() }
func (v *busyView) leave()                      { v.act.Stop() }

// offlineView is shown when a stored session exists but Stytch can't be
// reached; the engine retries at Snapshot.RetryAt.
type offlineView struct {
	u    *UI
	root fyne.CanvasObject
	snap auth.Snapshot

	title    *widget.Label
	message  *widget.Label
	who      *widget.RichText
	next     *widget.Label
	retryB   *button
	signOutB *button
	busy     *widget.ProgressBarInfinite
}

func newOfflineView(u *UI) *offlineView {
	v := &offlineView{u: u}
	icon := widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
	v.message = para("")
	v.who = caption("")
	v.next = widget.NewLabel("")
	v.retryB = newButton(retryText, theme.ViewRefreshIcon(), widget.HighImportance, func() { u.eng.Retry() })
	// Sign out forgets the session here at once; the engine ends it at
	// Stytch when Stytch can be reached again.
	v.signOutB = newButton(signOutText, theme.LogoutIcon(), widget.MediumImportance, func() { u.eng.Logout() })
	v.title = heading(offlineTitle)
	v.busy = widget.NewProgressBarInfinite()
	v.busy.Stop()
	v.busy.Hide()
	v.root = container.NewVBox(
		container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSquareSize(40), icon), nil, v.title),
		v.message,
		card(
			v.next,
			v.busy,
			container.NewHBox(v.signOutB, layout.NewSpacer(), v.retryB),
		),
		v.who,
	)
	return v
}

func (v *offlineView) content() fyne.CanvasObject  { return v.root }
func (v *offlineView) focusTarget() fyne.Focusable { return v.retryB }
func (v *offlineView) ticking() bool               { return true }
func (v *offlineView) leave()                      { v.busy.Stop() }

func (v *offlineView) update(s auth.Snapshot) {
	v.snap = s
	v.title.SetText(offlineHeading(s.Err))
	msg := errText(s.Err)
	if msg == "" {
		msg = offlineDefault + ". Check your internet connection."
	}
	v.message.SetText(msg)
	if s.Profile != nil {
		setMuted(v.who, "You're still signed in as "+s.Profile.Email+". Your session is kept while the app retries.")
		v.who.Show()
	} else {
		v.who.Hide()
	}
	v.retryB.setEnabled(!s.Busy)
	v.signOutB.setEnabled(!s.Busy)
	if s.Busy {
		v.busy.Show()
		v.busy.Start()
	} else {
		v.busy.Stop()
		v.busy.Hide()
	}
	v.tick()
}

// tick refreshes the retry countdown.
func (v *offlineView) tick() {
	now := v.u.opts.Now()
	tried := ""
	if !v.snap.TriedAt.IsZero() {
		tried = "Last tried at " + timeOfDay(v.snap.TriedAt, now.Location()) + ". "
	}
	switch {
	case v.snap.Busy:
		v.next.SetText("Trying to reach Stytch…")
	case v.snap.RetryAt.IsZero():
		v.next.SetText(tried + "Retry when you're back online.")
	case remaining(now, v.snap.RetryAt) > 0:
		v.next.SetText(tried + "Trying again at " + timeOfDay(v.snap.RetryAt, now.Location()) +
			" (in " + clock(remaining(now, v.snap.RetryAt)) + ")")
	default:
		v.next.SetText("Trying again now…")
	}
}
