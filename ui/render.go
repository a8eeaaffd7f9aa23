package ui

import (
	"fyne.io/fyne/v2"

	"github.com/magiclink/magiclink/auth"
)

// view is one screen of the window.
type view interface {
	// content is the view's root object.
	content() fyne.CanvasObject
	// update re-renders the view from s. Called on every snapshot.
	update(s auth.Snapshot)
	// tick refreshes time-dependent text (countdowns) from the last snapshot.
	tick()
	// ticking reports whether the view needs tick once a second.
	ticking() bool
	// focusTarget is what gets keyboard focus when the view appears.
	focusTarget() fyne.Focusable
	// leave is called when the view is replaced.
	leave()
}

// titles maps each screen to its window title suffix. End-to-end tests read
// the title, so these strings are part of the app's contract.
const (
	titleSignIn    = "Sign in"
	titleInbox     = "Check your inbox"
	titleVerifying = "Verifying…"
	titleSignedIn  = "Signed in"
	titleRestoring = "Restoring…"
	titleOffline   = "Offline"
)

// screen picks the view and title for s, building the view on first use.
func (u *UI) screen(s auth.Snapshot) (view, string) {
	switch s.State {
	case auth.StateSending:
		// A code request or resend while a login is pending stays on
		// "Check your inbox"; a first request shows the busy sign-in form.
		if s.Link.Active || s.Code.Active {
			return u.inboxView(), titleInbox
		}
		return u.signInView(), titleSignIn
	case auth.StateLinkSent:
		return u.inboxView(), titleInbox
	case auth.StateVerifying:
		return u.busyView(), titleVerifying
	case auth.StateSignedIn:
		return u.profileView(), titleSignedIn
	case auth.StateRestoring:
		return u.busyView(), titleRestoring
	case auth.StateOffline:
		return u.offlineView(), titleOffline
	default:
		return u.signInView(), titleSignIn
	}
}

// The view getters build each view once, when it is first shown.

func (u *UI) signInView() *signInView {
	if u.signIn == nil {
		u.signIn = newSignInView(u)
	}
	return u.signIn
}

func (u *UI) inboxView() *inboxView {
	if u.inbox == nil {
		u.inbox = newInboxView(u)
	}
	return u.inbox
}

func (u *UI) busyView() *busyView {
	if u.busy == nil {
		u.busy = newBusyView()
	}
	return u.busy
}

func (u *UI) profileView() *profileView {
	if u.prof == nil {
		u.prof = newProfileView(u)
	}
	return u.prof
}

func (u *UI) offlineView() *offlineView {
	if u.off == nil {
		u.off = newOfflineView(u)
	}
	return u.off
}

// title is the window title for a screen, e.g. "Magiclink — Sign in (demo)".
func (u *UI) title(screen string) string {
	t := u.opts.AppName + " — " + screen
	if u.opts.Demo {
		t += " (demo)"
	}
	return t
}

// apply renders snapshot s. It is the only entry point for engine state and
// runs on the Fyne goroutine (via viewModel.flush).
func (u *UI) apply(s auth.Snapshot) {
	prev, first := u.snap, !u.applied
	u.snap, u.applied = s, true

	v, screen := u.screen(s)
	if b, ok := v.(*busyView); ok {
		b.setMode(s.State)
	}
	changed := v != u.current
	if changed {
		if u.current != nil {
			u.current.leave()
		}
		u.current = v
		u.shell.setBody(v.content())
	}
	v.update(s)
	u.win.SetTitle(u.title(screen))
	u.vm.setTicking(v.ticking())
	u.shell.relayout()
	if v == u.inbox {
		u.inbox.revealCode()
	}

	if changed {
		target := v.focusTarget()
		u.focus(target)
		if e, ok := target.(*textEntry); ok && e.Text != "" {
			// "Use a different email" (or a remembered address): typing
			// replaces the old one.
			e.selectAll()
		}
	}
	if s.State == auth.StateSignedIn && s.Profile != nil {
		u.savePrefEmail(s.Profile.Email)
	}
	if s.State == auth.StateSignedIn && !first && inLoginFlow(prev.State) {
		// The user just clicked the link in the browser: come to the front.
		u.fx.raise()
	}
}

// tick refreshes countdowns of the current view.
func (u *UI) tick() {
	if u.current != nil {
		u.current.tick()
	}
}

// focus gives obj the keyboard focus, or clears it when obj is nil or
// can't take it (Fyne leaves the focus where it was for a disabled widget,
// which may be a widget of the previous view, off screen).
func (u *UI) focus(obj fyne.Focusable) {
	c := u.win.Canvas()
	if obj != nil {
		c.Focus(obj)
	}
	if obj == nil || c.Focused() != obj {
		c.Unfocus()
	}
}

// typedKey handles keys typed while no widget (or a widget that forwards
// Escape) has focus.
func (u *UI) typedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && u.current == u.inbox {
		u.eng.Cancel()
	}
}

func inLoginFlow(s auth.State) bool {
	return s == auth.StateSending || s == auth.StateLinkSent || s == auth.StateVerifying
}
