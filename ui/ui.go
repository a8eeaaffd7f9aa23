// Package ui is Magiclink's Fyne user interface: one window whose content
// follows the sign-in engine's state machine (sign in → check your inbox →
// verifying → profile, plus restoring and offline).
//
// Data flows one way. Views call the engine's non-blocking methods; the
// engine publishes auth.Snapshot values from its own goroutines; the
// view-model (viewmodel.go) is the single place that hands them to the Fyne
// goroutine with fyne.Do and re-renders the window from the latest snapshot.
// Widgets are never the source of truth.
package ui

import (
	_ "embed"
	"time"

	"fyne.io/fyne/v2"
	"github.com/pkg/browser"

	"github.com/magiclink/magiclink/auth"
)

// AppID is the application id; it matches FyneApp.toml and must be passed to
// app.NewWithID so that Preferences work in a plain `go build` binary.
const AppID = auth.DefaultAppID

//go:embed icon.png
var iconPNG []byte

//go:embed icon_small.png
var iconSmallPNG []byte

// Icon returns the application icon (the same image as Icon.png at the
// repository root, written by ui/internal/icongen).
func Icon() fyne.Resource {
	return fyne.NewStaticResource("Icon.png", iconPNG)
}

// smallIcon is a 64 px copy of the icon for the window and the header:
// decoding the 512 px one and sending it to the window system would delay
// the first frame, and nothing shows the icon larger than that.
func smallIcon() fyne.Resource {
	return fyne.NewStaticResource("icon_small.png", iconSmallPNG)
}

// Engine is what the UI needs of the sign-in engine (*auth.Engine satisfies
// it). All methods return immediately; results arrive as snapshots.
type Engine interface {
	// Snapshot returns the current state.
	Snapshot() auth.Snapshot
	// Subscribe registers fn for every state change. fn is called from a
	// non-UI goroutine, never concurrently with itself; the latest state wins.
	Subscribe(fn func(auth.Snapshot)) (cancel func())
	// StartLogin emails a magic link. It returns an *auth.Error of kind
	// auth.KindInvalidEmail synchronously for a malformed address.
	StartLogin(email string) error
	// Resend resends the magic link (respecting Snapshot.Link.ResendAt).
	Resend()
	// Cancel forgets the pending login(s): "Use a different email".
	Cancel()
	// StartCodeLogin also emails a one-time code for the pending address.
	StartCodeLogin() error
	// ResendCode resends the one-time code.
	ResendCode()
	// VerifyCode submits a one-time code. It returns an *auth.Error
	// synchronously if code is not 6 digits.
	VerifyCode(code string) error
	// Logout revokes the session and forgets it.
	Logout()
	// Retry tries to reach Stytch again now (Offline state).
	Retry()
}

// *auth.Engine is the production Engine.
var _ Engine = (*auth.Engine)(nil)

// Options configure the UI.
type Options struct {
	// AppName is the base of the window title. Default "Magiclink".
	AppName string
	// Demo shows the "Demo mode — emails go to a local inbox" banner, an
	// "Open demo inbox" button instead of mail provider buttons, and
	// appends " (demo)" to the window title.
	Demo bool
	// DemoInboxURL is the target of the "Open demo inbox" button.
	DemoInboxURL string
	// OpenURL opens a URL in the browser. The UI always calls it off the
	// Fyne goroutine. Default: github.com/pkg/browser.OpenURL.
	OpenURL func(string) error
	// Now is the clock used for countdowns and for the time zone of
	// displayed times. Default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.AppName == "" {
		o.AppName = "Magiclink"
	}
	if o.OpenURL == nil {
		o.OpenURL = browser.OpenURL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// UI is the main window and its views.
type UI struct {
	app  fyne.App
	win  fyne.Window
	eng  Engine
	opts Options
	fx   effects
	vm   *viewModel

	shell  *shell
	signIn *signInView
	inbox  *inboxView
	busy   *busyView
	prof   *profileView
	off    *offlineView

	current view
	snap    auth.Snapshot // last applied snapshot; UI goroutine only
	applied bool
}

// New sets the app's theme (Theme), builds the main window for app a and
// returns the UI. It renders
// eng.Snapshot() immediately and subscribes to eng for later changes. Call
// it on the Fyne goroutine (e.g. in main before ShowAndRun).
func New(a fyne.App, eng Engine, opts Options) *UI {
	a.Settings().SetTheme(Theme())
	return newUI(a, eng, opts, effects{})
}

// newUI is New with replaceable side effects, for tests.
func newUI(a fyne.App, eng Engine, opts Options, fx effects) *UI {
	opts = opts.withDefaults()
	u := &UI{app: a, eng: eng, opts: opts}
	u.win = a.NewWindow(opts.AppName)
	u.fx = fx.withDefaults(a, u.win)
	if a.Icon() == nil {
		a.SetIcon(smallIcon())
	}
	u.win.SetIcon(smallIcon())
	u.win.SetPadded(false)

	// Views are built on first use (see render.go): only the first
	// snapshot's view is measured and laid out before the first frame.
	u.shell = newShell(opts)

	u.win.SetContent(u.shell.root)
	u.win.Resize(defaultWindowSize)
	u.win.CenterOnScreen()
	u.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) { u.typedKey(ev) })
	u.win.Canvas().AddShortcut(quitShortcut, func(fyne.Shortcut) { u.quit() })

	u.vm = newViewModel(u.apply, u.tick, u.fx.every)
	// Render the current state now, on this (the Fyne) goroutine, so the
	// first frame already shows it; later snapshots arrive via the view-model.
	u.apply(eng.Snapshot())
	u.vm.bind(eng)
	return u
}

// Window returns the main window, sized 480×640 and centred.
func (u *UI) Window() fyne.Window { return u.win }

// Close unsubscribes from the engine and stops the countdown ticker. It does
// not close the window.
func (u *UI) Close() { u.vm.close() }

// quit ends the app (Ctrl+Q, Cmd+Q on macOS).
func (u *UI) quit() { u.fx.quit() }

// async runs f off the Fyne goroutine.
func (u *UI) async(f func()) { u.fx.spawn(f) }

// openURL opens url in the browser without blocking the Fyne goroutine. A
// failure is shown in the current view.
func (u *UI) openURL(url string) {
	open := u.opts.OpenURL
	u.async(func() {
		if err := open(url); err != nil {
			fyne.Do(func() {
				u.shell.showToast("Couldn't open the browser. Open " + url + " yourself.")
			})
		}
	})
}

// savePrefEmail remembers the last used address (never a token).
func (u *UI) savePrefEmail(email string) {
	// Write only on change: every write rewrites the preferences file, which
	// Fyne's file watcher then reloads.
	if p := u.app.Preferences(); email != "" && p.String(prefLastEmail) != email {
		p.SetString(prefLastEmail, email)
	}
}

// prefLastEmail is the Preferences key of the last used email address.
const prefLastEmail = "last_email"

// effects are the UI's side effects that tests replace.
type effects struct {
	// every calls f on the Fyne goroutine every d until stop is called.
	every func(d time.Duration, f func()) (stop func())
	// spawn runs f on another goroutine.
	spawn func(f func())
	// raise brings the window to the front.
	raise func()
	// after calls f once on the Fyne goroutine after d, unless stop is
	// called first.
	after func(d time.Duration, f func()) (stop func())
	// quit ends the app.
	quit func()
}

func (fx effects) withDefaults(a fyne.App, w fyne.Window) effects {
	if fx.quit == nil {
		fx.quit = a.Quit
	}
	if fx.every == nil {
		fx.every = everyOnUI
	}
	if fx.spawn == nil {
		fx.spawn = func(f func()) { go f() }
	}
	if fx.raise == nil {
		fx.raise = w.RequestFocus
	}
	if fx.after == nil {
		fx.after = func(d time.Duration, f func()) func() {
			t := time.AfterFunc(d, func() { fyne.Do(f) })
			return func() { t.Stop() }
		}
	}
	return fx
}
