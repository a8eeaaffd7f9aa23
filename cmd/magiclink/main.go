// Command magiclink is a desktop app that signs you in with a Stytch email
// magic link. With no Stytch credentials it runs in demo mode against the
// built-in emulator, whose emails land in a local inbox.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/pkg/browser"

	"github.com/magiclink/magiclink/auth"
	"github.com/magiclink/magiclink/auth/instance"
	"github.com/magiclink/magiclink/auth/launch"
	"github.com/magiclink/magiclink/ui"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "1.0.0"

// publicToken is the Stytch project's public token built into a release
// (make build PUBLIC_TOKEN=…, which sets -X main.publicToken=…). It is not a
// secret: Stytch's Frontend SDK settings bound what it can do.
var publicToken = ""

// exitRunning is --reset's exit status when Magiclink is running for the
// same project, so an uninstaller can tell it apart from a failure.
const exitRunning = 3

func main() {
	con := attachConsole()
	errs := &startErrors{}
	code := runWith(os.Args[1:], os.Stdout, io.MultiWriter(errs, os.Stderr), con.detach)
	if code != 0 && !con.heard && os.Getenv(envNoDialog) != "1" {
		// Nobody saw the error: a Windows program started from Explorer.
		showStartError(startErrorTitle, errs.String())
	}
	os.Exit(code)
}

// envNoDialog set to 1 keeps a Windows start error out of a message box,
// for programs that run magiclink and read its exit status (the
// uninstaller).
const envNoDialog = "MAGICLINK_NO_DIALOG"

// run is the whole program with its output streams; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, stdout, stderr, func() bool { return false })
}

// runWith is run; detach is called as the window opens, to let go of a
// terminal the program borrowed (Windows: its parent's console), so the
// app outlives that terminal and stops writing over its prompt. It
// reports whether there was one, and so whether standard error is gone.
func runWith(args []string, stdout, stderr io.Writer, detach func() bool) int {
	s, err := launch.ParseWith("magiclink", args, os.Getenv, stderr, launch.Defaults{PublicToken: publicToken})
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "magiclink: %v\n", err)
		var ue *launch.UsageError
		if errors.As(err, &ue) && ue.Hint != "" {
			fmt.Fprintln(stderr, ue.Hint)
		}
		return 2
	case s.Version:
		fmt.Fprintf(stdout, "magiclink %s\n", version)
		if publicToken != "" {
			fmt.Fprintf(stdout, "built-in Stytch public token: %s\n", publicToken)
		}
		return 0
	}
	if s.Unregister {
		removed, err := launch.UnregisterHandler()
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "magiclink: could not unregister the %s handler: %v\n", launch.SchemeMIME, err)
			return 1
		case removed:
			fmt.Fprintf(stdout, "Magiclink no longer opens %s:// links for this user.\n", auth.DeepLinkScheme)
		default:
			fmt.Fprintf(stdout, "Nothing to unregister: Magiclink was not registered for %s:// links for this user.\n", auth.DeepLinkScheme)
		}
		return 0
	}
	if msg := noDisplay(); msg != "" && !s.Reset {
		fmt.Fprintf(stderr, "magiclink: %s\n", msg)
		return 1
	}
	sink := &logSink{stderr: stderr}
	defer sink.Close()
	log := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: s.LogLevel}))
	for _, w := range s.Warnings {
		fmt.Fprintf(stderr, "magiclink: warning: %s\n", w)
	}
	appInfo := auth.App{ID: ui.AppID, Version: version}
	// xdg-open chatter must not reach our stdout.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard

	var inst *instance.Instance
	if s.Reset {
		// --reset signs out and, in demo mode, starts the emulator on the
		// demo state: never beside a running app, which owns both.
		o := instance.Options{Key: instance.KeyFor(s.StoreAccount())}
		held, err := instance.Acquire(o)
		switch {
		case errors.Is(err, instance.ErrRunning):
			fmt.Fprintln(stderr, "magiclink: Magiclink is running for this Stytch project; sign out in its window, or quit it and run --reset again.")
			return exitRunning
		case err != nil:
			fmt.Fprintf(stderr, "magiclink: %s\n", singleInstanceMessage(err))
			return 1
		}
		defer held.Close()
	} else {
		// One app per user and Stytch project: a second launch raises the
		// first one's window and ends here, before the keyring, the demo
		// state or any port.
		o := instance.Options{Key: instance.KeyFor(s.StoreAccount()), Logger: log.With("component", "instance")}
		req := instance.Request{Kind: instance.Raise}
		if s.OpenURL != "" {
			req = instance.Request{Kind: instance.Open, URL: s.OpenURL}
		}
		inst, err = instance.Join(o, req)
		var rejected *instance.RejectedError
		switch {
		case errors.As(err, &rejected):
			fmt.Fprintf(stderr, "magiclink: the running Magiclink refused this link (%s). Open the newest sign-in email, or ask for a new link in its window.\n", rejected.Reason)
			return 1
		case err != nil:
			fmt.Fprintf(stderr, "magiclink: %s\n", singleInstanceMessage(err))
			return 1
		case inst == nil && s.OpenURL != "":
			fmt.Fprintln(stdout, "Magiclink is already running; it was handed the sign-in link and its window brought to the front.")
			return 0
		case inst == nil:
			fmt.Fprintln(stdout, "Magiclink is already running; its window was brought to the front.")
			return 0
		}
		// Last: the demo state is saved, and the log file closed, before
		// the lock goes, so the next instance has both to itself.
		defer func() {
			sink.Close()
			inst.Close()
		}()
		// Only the running instance writes the log file, so a second
		// launch never rotates away the first one's log.
		if path, err := sink.openFile(platformLogFile()); err != nil {
			log.Warn("no log file", "err", err)
		} else if path != "" {
			log.Info("logging to a file too", "path", path)
			for _, w := range s.Warnings {
				log.Warn(w) // printed above, before the file was open
			}
		}
		// Fyne and GLFW report through the standard logger, and a crash
		// through the runtime: both reach the log file too.
		stdlog.SetOutput(sink)
		sink.crashOutput()
	}

	a := app.NewWithID(ui.AppID)
	if s.Demo {
		demo, err := launch.StartDemo(&s.Config, s.DemoAddr, a.Storage().RootURI().Path(), log)
		if err != nil {
			fmt.Fprintf(stderr, "magiclink: %v\n", err)
			return 1
		}
		defer demo.Close()
		if !s.Reset { // --reset prints one sentence and opens no window
			fmt.Fprintf(stdout, "demo inbox: %s\n", demo.InboxURL())
		}
		s.DemoInbox = demo.InboxURL()
	}
	var store auth.TokenStore = &auth.KeyringStore{Service: ui.AppID, Account: s.StoreAccount()}
	if legacy := s.LegacyAccount(); legacy != "" {
		store = launch.Upgraded(store, &auth.KeyringStore{Service: ui.AppID, Account: legacy})
	}
	// Sessions signed out while Stytch couldn't be reached, to revoke at
	// the same API later.
	revocations := &auth.KeyringStore{Service: ui.AppID, Account: s.StoreAccount() + " (to revoke)"}

	if s.Reset {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		r, err := launch.Reset(ctx, s.Config, appInfo, store, revocations, log)
		if err != nil {
			log.Debug("reset failed", "err", err)
			fmt.Fprintf(stderr, "magiclink: %s\n", launch.ResetErrorMessage(err))
			return 1
		}
		fmt.Fprintln(stdout, launch.ResetMessage(r))
		return 0
	}

	eng, err := auth.New(s.Config, auth.Options{Store: store, Revocations: revocations, Logger: log, App: appInfo})
	if err != nil {
		fmt.Fprintf(stderr, "magiclink: %v\n", err)
		return 2
	}
	defer eng.Close()
	// Look for a stored session while the window is being built, so the
	// first frame already shows the right view.
	eng.Start()
	u := ui.New(a, eng, ui.Options{
		AppName:      "Magiclink",
		Demo:         s.Demo,
		DemoInboxURL: s.DemoInbox,
		OpenURL:      browser.OpenURL,
	})
	defer u.Close()
	if inst != nil {
		w := u.Window()
		raise := func() {
			fyne.Do(func() {
				w.Show()
				w.RequestFocus()
			})
		}
		inst.Handle(func(r instance.Request) error {
			defer raise()
			if r.Kind == instance.Open {
				log.Info("another launch handed over a link; raising the window")
				// A refused link is logged without its token, and its
				// reason goes back to the launch that brought it.
				var refused *auth.LinkRefusedError
				if err := eng.OpenLink(r.URL); errors.As(err, &refused) {
					return errors.New(refused.Reason)
				}
				return nil
			}
			log.Info("another launch asked for the window; raising it")
			return nil
		})
		if s.OpenURL != "" {
			// Started by the link itself: finish it once the stored
			// session (if any) has been checked.
			go func() {
				for i := 0; i < 300 && eng.Snapshot().State == auth.StateRestoring; i++ {
					time.Sleep(100 * time.Millisecond)
				}
				_ = eng.OpenLink(s.OpenURL)
			}()
		}
	}
	if s.Config.DeepLink() && inst != nil {
		// The operating system must know to hand magiclink:// links to
		// this program (undone by --unregister).
		go func(redirect string) {
			if changed, err := launch.RegisterHandler(redirect, s.EnvFile); err != nil {
				log.Warn("could not register as the handler of magiclink:// links", "err", err)
			} else if changed {
				log.Info("registered as this user's handler of magiclink:// links", "mime", launch.SchemeMIME)
			}
		}(s.Config.WithDefaults().RedirectURL)
	}
	// The window is created by Show, after this: it takes these names.
	setWMClass(wmInstance, wmClass)
	quitOnSignal(a)
	if detach() {
		sink.dropStderr()
	}
	u.Window().ShowAndRun()
	return 0
}

// singleInstanceMessage explains why this launch could neither become the
// running instance nor reach the one that is.
func singleInstanceMessage(err error) string {
	if errors.Is(err, instance.ErrNotAnswering) {
		return "another Magiclink of yours is running but does not answer (" + err.Error() + "); quit it (or end its process) and start Magiclink again"
	}
	if errors.Is(err, instance.ErrRefused) {
		return "this launch was refused (" + err.Error() + "); quit any other Magiclink running on this computer, yours or another account's, and start Magiclink again"
	}
	return "could not check whether Magiclink is already running: " + err.Error()
}

// wmClass and wmInstance are the window's X11 WM_CLASS. The class must
// equal the StartupWMClass of the .desktop file that `fyne package` writes,
// which is FyneApp.toml's Details.Name, so docks group the window under the
// app's icon (wmclass_test.go checks both).
const (
	wmClass    = "Magiclink"
	wmInstance = "magiclink"
)

// noDisplay explains why no window can open, or returns "". On Linux and
// the BSDs a window needs an X11 or Wayland display; without one Fyne's
// driver would panic.
func noDisplay() string {
	switch runtime.GOOS {
	case "darwin", "windows", "android", "ios", "js":
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); run it in a desktop session"
	}
	return ""
}

// quitOnSignal ends the app cleanly on SIGINT/SIGTERM so the demo
// emulator saves its state.
func quitOnSignal(a fyne.App) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		fyne.Do(a.Quit)
	}()
}
