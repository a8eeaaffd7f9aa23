package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// layoutSizes are the window sizes every view must lay out in: the minimum,
// the default and full HD.
var layoutSizes = []fyne.Size{minWindowSize, defaultWindowSize, fyne.NewSize(1920, 1080)}

// longEmail is long enough to wrap at the minimum width.
const longEmail = "ada.lovelace.countess@analytical-engine.example.com"

// lines returns the text lines o renders, top to bottom.
func lines(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *canvas.Text:
			out = append(out, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// inWindow fails unless o is laid out inside the window's visible area.
func inWindow(t *testing.T, what string, w fyne.Window, o fyne.CanvasObject) {
	t.Helper()
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	s, win := o.Size(), w.Canvas().Size()
	if s.Width <= 0 || s.Height <= 0 || p.X < 0 || p.Y < 0 || p.X+s.Width > win.Width+0.5 || p.Y+s.Height > win.Height+0.5 {
		t.Errorf("%v window: %s at %v size %v is not inside the window", win, what, p, s)
	}
}

// noLetterWraps fails when a wrapped text of o has more than one line of
// one or two characters, the sign of a label squeezed to nothing (a long
// address may leave its last letter or two on a line of their own).
func noLetterWraps(t *testing.T, what string, o fyne.CanvasObject) {
	t.Helper()
	ls := lines(o)
	short := 0
	for _, l := range ls {
		if n := len([]rune(strings.Trim(l, " .,"))); n > 0 && n < 3 {
			short++
		}
	}
	if short > 1 {
		t.Errorf("%s wraps letter by letter: %q", what, ls)
	}
}

func withSize(t *testing.T, size fyne.Size, opts Options) *harness {
	h := newHarness(t, auth.Snapshot{}, opts)
	h.ui.Window().Resize(size)
	return h
}

// The window cannot be made smaller than minWindowSize, and that is enough
// for every view.
func TestLayout_MinimumSize(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{Demo: true})
	for _, s := range []auth.Snapshot{{}, withCode(linkSent(longEmail)), signedIn(ada())} {
		h.eng.push(s)
		min := h.ui.Window().Content().MinSize()
		if min.Width < minWindowSize.Width || min.Height < minWindowSize.Height {
			t.Errorf("state %v: content MinSize %v is below the minimum window size %v", s.State, min, minWindowSize)
		}
		if min.Width > minWindowSize.Width || min.Height > minWindowSize.Height {
			t.Errorf("state %v: content needs %v, more than the minimum window size %v", s.State, min, minWindowSize)
		}
	}
}

func TestLayout_SignInAtEverySize(t *testing.T) {
	for _, size := range layoutSizes {
		h := withSize(t, size, Options{Demo: true})
		v := h.ui.signInView()
		inWindow(t, "email entry", h.ui.Window(), v.entry)
		inWindow(t, "sign-in button", h.ui.Window(), v.submitB)
	}
}

// After one wrong code at any size, the code entry, Verify and Resend are on
// screen, and the address is never wrapped letter by letter.
func TestLayout_InboxWrongCodeAtEverySize(t *testing.T) {
	for _, size := range layoutSizes {
		h := withSize(t, size, Options{Demo: true, DemoInboxURL: "http://127.0.0.1:1/inbox"})
		s := withCode(linkSent(longEmail))
		h.eng.push(s)
		s.Err = &auth.Error{Kind: auth.KindCodeWrong, Message: "That code isn't right. Check the email and try again."}
		h.eng.push(s)
		v := h.ui.inboxView()
		w := h.ui.Window()
		inWindow(t, "code entry", w, v.code.entry)
		inWindow(t, "Verify", w, v.code.verifyB)
		inWindow(t, "Resend code", w, v.code.resendB)
		noLetterWraps(t, "sent to", v.sentTo)
		noLetterWraps(t, "code intro", v.code.intro)
		if !strings.Contains(strings.Join(lines(v.sentTo), ""), longEmail) {
			t.Errorf("%v: sent-to lines %q split the address", size, lines(v.sentTo))
		}
	}
}

// At the default size the wrong-code message and both buttons show without
// scrolling past the top of the code card.
func TestLayout_WrongCodeAtDefaultSize(t *testing.T) {
	h := newHarness(t, auth.Snapshot{}, Options{Demo: true, DemoInboxURL: "http://127.0.0.1:1/inbox"})
	s := withCode(linkSent("ada@example.com"))
	h.eng.push(s)
	s.Err = &auth.Error{Kind: auth.KindCodeWrong, Message: "That code isn't right. Check the email and try again."}
	h.eng.push(s)
	v := h.ui.inboxView()
	for what, o := range map[string]fyne.CanvasObject{"message": v.code.invalid, "Verify": v.code.verifyB, "Resend": v.code.resendB, "entry": v.code.entry} {
		inWindow(t, what, h.ui.Window(), o)
	}
}

// The profile shows the whole user id (wrapped, never cut off) with Copy,
// "✓ Verified" together beside the address, and Sign out, at every size.
func TestLayout_ProfileAtEverySize(t *testing.T) {
	for _, size := range layoutSizes {
		h := withSize(t, size, Options{})
		p := ada()
		p.Email = longEmail
		h.eng.push(signedIn(p))
		v := h.ui.profileView()
		w := h.ui.Window()
		if got := strings.Join(lines(v.userID), ""); got != p.UserID {
			t.Errorf("%v: user id shows %q, want %q", size, lines(v.userID), p.UserID)
		}
		if size != minWindowSize && len(lines(v.userID)) != 1 {
			t.Errorf("%v: user id wraps: %q", size, lines(v.userID))
		}
		inWindow(t, "user id", w, v.userID)
		inWindow(t, "Copy", w, v.copyB)
		inWindow(t, "Verified", w, v.verified)
		noLetterWraps(t, "email", v.email)
		if got := strings.Join(lines(v.email), ""); got != longEmail {
			t.Errorf("%v: email shows %q", size, lines(v.email))
		}
		d := fyne.CurrentApp().Driver()
		ip, lp := d.AbsolutePositionForObject(v.verIcon), d.AbsolutePositionForObject(v.verified)
		iconMid := ip.Y + v.verIcon.Size().Height/2
		labelMid := lp.Y + v.verified.Size().Height/2
		if gap := lp.X - (ip.X + v.verIcon.Size().Width); gap < 0 || gap > 8 || iconMid-labelMid > 2 || labelMid-iconMid > 2 {
			t.Errorf("%v: ✓ at %v is split from Verified at %v", size, ip, lp)
		}
		if size.Height >= defaultWindowSize.Height {
			inWindow(t, "Sign out", w, v.signOutB)
		}
	}
}
