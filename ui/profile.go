package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"time"

	"github.com/magiclink/magiclink/auth"
)

// Texts of the profile view.
const (
	signOutText   = "Sign out"
	copyText      = "Copy"
	copiedText    = "Copied"
	verifiedText  = "Verified"
	unverifiedTxt = "Not verified"
)

// profileView shows the signed-in user and the session.
type profileView struct {
	u    *UI
	root fyne.CanvasObject

	avatarText *canvas.Text
	title      *widget.Label
	email      *widget.Label
	verified   *widget.Label
	verIcon    *widget.Icon

	userID *widget.Label
	copyB  *button
	// stopCopied cancels the pending "Copied" → "Copy" reset.
	stopCopied func()
	nameKey    *widget.RichText
	name       *widget.Label
	created    *widget.Label
	signedIn   *widget.Label
	expires    *widget.Label
	factors    *fyne.Container
	notice     *callout
	err        *callout
	busy       *widget.ProgressBarInfinite
	signOutB   *button
	profileID  string // user id shown, for Copy
}

func newProfileView(u *UI) *profileView {
	v := &profileView{u: u}

	av := newTint(theme.ColorNamePrimary, 0xff, 0)
	av.circle = true
	v.avatarText = canvas.NewText("", theme.Color(theme.ColorNameForegroundOnPrimary))
	v.avatarText.TextStyle = fyne.TextStyle{Bold: true}
	v.avatarText.TextSize = theme.TextHeadingSize()
	v.avatarText.Alignment = fyne.TextAlignCenter
	avatar := container.NewGridWrap(fyne.NewSquareSize(56), container.NewStack(av, container.NewCenter(v.avatarText)))

	v.title = heading("")
	v.email = widget.NewLabel("")
	v.email.Wrapping = fyne.TextWrapBreak
	v.verIcon = widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	v.verified = widget.NewLabel(verifiedText)
	v.verified.Importance = widget.SuccessImportance
	v.verified.TextStyle = fyne.TextStyle{Bold: true}
	emailRow := container.NewBorder(nil, nil, nil, container.NewHBox(v.verIcon, v.verified), v.email)
	who := container.NewBorder(nil, nil, container.NewCenter(avatar), nil,
		container.NewVBox(v.title, emailRow))

	// The user id gets a line of its own, so it shows whole at the default
	// width and wraps (never truncates) in a narrower window.
	v.userID = widget.NewLabel("")
	v.userID.TextStyle = fyne.TextStyle{Monospace: true}
	v.userID.Wrapping = fyne.TextWrapBreak
	v.copyB = newButton(copyText, theme.ContentCopyIcon(), widget.LowImportance, v.copyID)
	v.nameKey = key("Name")
	v.name = value()
	v.created = value()
	account := card(
		section("Account"),
		container.NewBorder(nil, nil, nil, v.copyB, container.NewVBox(layout.NewSpacer(), key("User ID"), layout.NewSpacer())),
		v.userID,
		container.New(layout.NewFormLayout(),
			v.nameKey, v.name,
			key("Created"), v.created,
		),
	)

	v.signedIn = value()
	v.expires = value()
	v.factors = container.NewVBox()
	session := card(
		section("Session"),
		container.New(layout.NewFormLayout(),
			key("Signed in"), v.signedIn,
			key("Expires"), v.expires,
			key("Signed in with"), v.factors,
		),
	)

	v.notice = newCallout(calloutWarning, "")
	v.err = newCallout(calloutError, "")
	v.busy = widget.NewProgressBarInfinite()
	v.busy.Stop()
	v.busy.Hide()
	v.signOutB = newButton(signOutText, theme.LogoutIcon(), widget.MediumImportance, func() { u.eng.Logout() })

	v.root = container.NewVBox(
		who,
		v.notice,
		v.err,
		account,
		session,
		v.busy,
		container.NewBorder(nil, nil, nil, v.signOutB),
	)
	return v
}

// key is the muted name of a profile field.
func key(text string) *widget.RichText {
	rt := muted(text, theme.SizeNameText)
	rt.Wrapping = fyne.TextWrapOff
	return rt
}

func value() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

func section(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

func (v *profileView) content() fyne.CanvasObject { return v.root }
func (v *profileView) ticking() bool              { return false }
func (v *profileView) tick()                      {}

// focusTarget leaves the focus unset: the user arrives from the browser,
// and Tab reaches Copy and then Sign out.
func (v *profileView) focusTarget() fyne.Focusable { return nil }

func (v *profileView) leave() { v.resetCopy() }

// resetCopy turns "Copied" back into "Copy".
func (v *profileView) resetCopy() {
	if v.stopCopied != nil {
		v.stopCopied()
		v.stopCopied = nil
	}
	v.copyB.SetText(copyText)
	v.copyB.SetIcon(theme.ContentCopyIcon())
}

// update re-renders the profile from s, so an extended session shows its new
// expiry at once.
func (v *profileView) update(s auth.Snapshot) {
	p := s.Profile
	if p == nil {
		p = &auth.Profile{Email: s.Email}
	}
	loc := v.u.opts.Now().Location()

	v.avatarText.Text = initials(p.Name, p.Email)
	v.avatarText.Color = theme.Color(theme.ColorNameForegroundOnPrimary)
	v.avatarText.Refresh()
	if p.Name != "" {
		v.title.SetText(p.Name)
	} else {
		v.title.SetText("Welcome")
	}
	v.email.SetText(p.Email)
	if p.EmailVerified {
		v.verified.SetText(verifiedText)
		v.verified.Importance = widget.SuccessImportance
		v.verIcon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	} else {
		v.verified.SetText(unverifiedTxt)
		v.verified.Importance = widget.WarningImportance
		v.verIcon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
	}
	v.verified.Refresh()

	if p.UserID != v.profileID {
		v.leave()
	}
	v.profileID = p.UserID
	v.userID.SetText(p.UserID)
	if p.Name != "" {
		v.name.SetText(p.Name)
		v.nameKey.Show()
		v.name.Show()
	} else {
		v.nameKey.Hide()
		v.name.Hide()
	}
	v.created.SetText(dateTime(p.CreatedAt, loc))
	v.signedIn.SetText(dateTime(p.SignedInAt, loc))
	v.expires.SetText(dateTime(p.ExpiresAt, loc))

	objs := make([]fyne.CanvasObject, 0, len(p.Factors))
	for _, f := range p.Factors {
		l := widget.NewLabel(f)
		l.Wrapping = fyne.TextWrapWord
		objs = append(objs, container.NewBorder(nil, nil,
			container.NewCenter(widget.NewIcon(theme.NewPrimaryThemedResource(theme.MailComposeIcon()))), nil, l))
	}
	if len(objs) == 0 {
		objs = append(objs, key("—"))
	}
	v.factors.Objects = objs
	v.factors.Refresh()

	v.notice.set(s.Notice)
	v.err.set(errText(s.Err))
	v.signOutB.setEnabled(!s.Busy)
	if s.Busy {
		v.busy.Show()
		v.busy.Start()
	} else {
		v.busy.Stop()
		v.busy.Hide()
	}
}

// copyID puts the user id on the clipboard.
func (v *profileView) copyID() {
	v.u.app.Clipboard().SetContent(v.profileID)
	v.copyB.SetText(copiedText)
	v.copyB.SetIcon(theme.ConfirmIcon())
	if v.stopCopied != nil {
		v.stopCopied()
	}
	v.stopCopied = v.u.fx.after(copiedFor, v.resetCopy)
}

// copiedFor is how long the Copy button says "Copied".
const copiedFor = 2 * time.Second
