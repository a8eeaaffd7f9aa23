//go:build e2e

package main

// End-to-end test of the real app (issue 5, and the code path of issue 7):
// the built binary under Xvfb, driven with synthetic key events, signed in
// by headless Chromium following the emailed link, with its session in a
// real gnome-keyring on a private D-Bus session bus. Run with `make e2e`.
// Screenshots and the app's logs are left in test-output/e2e.

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// flow is the state the ordered steps of one app configuration share:
// demo mode here, the public token and the secret against the standalone
// emulator in e2e_public_test.go.
type flow struct {
	top       *testing.T // TestE2E itself: the app lives across its steps
	h         *harness
	name      string              // names the app's log files
	shots     string              // prefix of screenshot names
	title     func(string) string // a screen's window title in this mode
	dirs      *appDirs            // the user's HOME/XDG directories
	env       []string            // the app's environment
	account   string              // the keyring account of its session
	demoAddr  string              // demo mode: the built-in emulator's address
	redirect  string              // STYTCH_REDIRECT_URL, a non-default port
	redirPort int
	emu       emulator
	app       *appProc        // the running app, if any
	seen      map[string]bool // outbox ids already consumed
	link      string          // the link of step 2
	token     string          // the stored session token
	session   string          // the session id of steps 3–7
}

const (
	alice = "alice@example.com"
	bob   = "bob@example.com"
	carol = "carol@example.com"
	dave  = "dave@example.com"
	erin  = "erin@example.com"
)

func TestE2E(t *testing.T) {
	start := time.Now()
	h := newHarness(t)
	f := &flow{top: t, h: h, name: "demo", title: demo, dirs: newAppDirs(t), account: demoAccount, seen: map[string]bool{}}
	f.demoAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	f.redirPort = freePort(t)
	f.redirect = fmt.Sprintf("http://localhost:%d/authenticate", f.redirPort)
	f.env = h.demoEnv(f.dirs, h.bus, f.demoAddr, f.redirect)
	f.emu = emulator{base: "http://" + f.demoAddr}
	t.Logf("demo emulator %s, redirect URL %s", f.demoAddr, f.redirect)

	// The main flow: each step needs the one before it, so the first
	// failure ends it.
	runSteps(t, h, []step{
		{"01-launch-demo", f.launchFresh},
		{"02-type-email", f.typeEmail},
		{"03-open-link", f.openLink},
		{"04-link-reused", f.linkReused},
		{"05-relaunch-restores", f.relaunchRestores},
		{"05b-second-launch", f.secondLaunch},
		{"05c-crash-takeover", f.crashTakeover},
		{"06-stytch-unreachable", f.stytchUnreachable},
		{"07-sign-out-keyboard", f.signOutKeyboard},
		{"08-expired-link", f.expiredLink},
		{"09-link-after-restart", f.linkAfterRestart},
		{"10-one-time-code", f.oneTimeCode},
	})
	if f.app != nil {
		f.app.quit(t)
	}

	t.Run("11-keyring-unavailable", func(t *testing.T) { keyringUnavailable(t, h) })
	// Before make-run, which forgets the demo session: the error steps of
	// the public-token flow check that it stays untouched.
	var sa *standalone
	t.Run("12-public-token", func(t *testing.T) {
		sa = startStandalone(t, f.top, h)
		sa.publicToken(t)
	})
	t.Run("13-secret", func(t *testing.T) {
		if sa == nil {
			t.Fatal("step 12 could not start the standalone emulator")
		}
		sa.secretKey(t)
	})
	t.Run("14-make-run", func(t *testing.T) { makeRun(t, h) })
	t.Run("14b-deep-link", func(t *testing.T) { deepLinkFlow(t, h) })
	t.Run("15-logs-have-no-tokens", func(t *testing.T) { logsHaveNoTokens(t, h) })
	t.Logf("end-to-end run took %s; artifacts in %s", time.Since(start).Round(time.Second), h.out)
}

// step is one ordered step of a flow.
type step struct {
	name string
	fn   func(t *testing.T)
}

// runSteps runs steps in order as subtests of t, ending t at the first
// failure: each step needs the ones before it.
func runSteps(t *testing.T, h *harness, steps []step) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			t.Fatalf("step %s failed; the steps after it need it. Artifacts: %s", s.name, h.out)
		}
	}
}

// launch starts the app with the flow's directories and environment.
func (f *flow) launch(t *testing.T, name string) {
	t.Helper()
	f.launchEnv(t, name, f.env)
}

// launchEnv starts the app with env instead of the flow's own.
func (f *flow) launchEnv(t *testing.T, name string, env []string) {
	t.Helper()
	f.app = f.h.launch(t, f.top, name, f.dirs, env)
	if f.demoAddr != "" {
		f.app.waitInboxLine(t, f.demoAddr)
	}
}

// shot saves a screenshot named with the flow's prefix.
func (f *flow) shot(t *testing.T, win, name string) {
	t.Helper()
	f.h.screenshot(t, win, f.shots+name)
}

// submitEmail replaces the email field's text with email and presses
// Enter on the Sign in view.
func (f *flow) submitEmail(t *testing.T, email string) {
	t.Helper()
	h := f.h
	win := h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	h.keys(t, win, "ctrl+a") // the field remembers the last address
	h.typeText(t, win, email)
	h.keys(t, win, "Return")
}

// requestLink submits email on the Sign in view and returns the emailed
// link.
func (f *flow) requestLink(t *testing.T, email string) string {
	t.Helper()
	h := f.h
	f.submitEmail(t, email)
	h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	m := h.waitMail(t, f.emu, email, f.seen, "login", "signup")
	if m.To != email || m.Link == "" {
		f.fail(t, "link email = %+v, want one to %s with a link", m, email)
	}
	return m.Link
}

// signedInPage requires Chromium's page to be the listener's success page.
func (h *harness) signedInPage(t *testing.T, a *appProc, p page, email string) {
	t.Helper()
	if p.heading != headingSignedIn || !strings.Contains(p.dom, "Signed in as "+email) {
		h.fail(t, a, "browser page heading %q, want %q with \"Signed in as %s\"; DOM:\n%s", p.heading, headingSignedIn, email, p.dom)
	}
}

// fail ends the step with the app's current window title and log tail.
func (f *flow) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	f.h.fail(t, f.app, format, args...)
}

// signOut signs out with the keyboard on the profile (nothing has focus;
// Tab reaches Copy, then Sign out): the sign-in screen follows, the
// keyring entry is removed and the session that was active is revoked.
func (f *flow) signOut(t *testing.T, shot string) {
	t.Helper()
	h := f.h
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	active := f.emu.active(t)
	if len(active) != 1 {
		f.fail(t, "active sessions before sign-out = %+v, want one", active)
	}
	h.keys(t, win, "Tab", "Tab")
	f.shot(t, win, shot+"sign-out-focused")
	h.keys(t, win, "space")
	win = h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	f.shot(t, win, shot+"signed-out")
	h.waitStoredToken(t, f.account, "removal of the session", func(s string) bool { return s == "" })
	for _, s := range f.emu.sessions(t) {
		if s.SessionID == active[0].SessionID && s.Status != "revoked" {
			f.fail(t, "session %s is %q after sign-out, want revoked", s.SessionID, s.Status)
		}
	}
	if len(f.emu.active(t)) != 0 {
		f.fail(t, "active sessions after sign-out: %+v", f.emu.active(t))
	}
}

// signInByCode asks for a link for email, then for a code instead with the
// keyboard, and types the code from the outbox.
func (f *flow) signInByCode(t *testing.T, email, shot string) {
	t.Helper()
	h := f.h
	f.requestLink(t, email)
	win := h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	// The code link is the last control, one Shift+Tab away from the
	// first. Enter activates it.
	h.keys(t, win, "shift+Tab")
	f.shot(t, win, shot+"get-code-focused")
	h.keys(t, win, "Return")
	code := f.waitCode(t, email)
	f.shot(t, win, shot+"code-entry")
	f.enterCode(t, win, email, code, shot)
	waitClosed(t, f.redirPort) // the pending link's listener was cancelled
}

// waitCode waits for an emailed one-time code to email.
func (f *flow) waitCode(t *testing.T, email string) string {
	t.Helper()
	m := f.h.waitMail(t, f.emu, email, f.seen, "otp")
	if len(m.Code) != 6 || strings.Trim(m.Code, "0123456789") != "" {
		f.fail(t, "otp email has code %q, want 6 digits", m.Code)
	}
	return m.Code
}

// enterCode types code into the focused code entry: signed in as email,
// with the session in the keyring.
func (f *flow) enterCode(t *testing.T, win, email, code, shot string) {
	t.Helper()
	h := f.h
	h.typeText(t, win, code) // 6 digits submit
	win = h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, shot+"code-signed-in")
	ss := f.emu.active(t)
	if len(ss) != 1 || ss[0].Email != email {
		f.fail(t, "active sessions = %+v, want exactly one for %s", ss, email)
	}
	f.session = ss[0].SessionID
	f.token = h.waitStoredToken(t, f.account, "a session token", func(s string) bool { return s != "" })
}

// 1. A fresh launch shows the Sign in window.
func (f *flow) launchFresh(t *testing.T) {
	h := f.h
	f.launch(t, f.name)
	win := h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	t.Logf("Sign in window after %s", time.Since(f.app.started).Round(time.Millisecond))
	f.shot(t, win, "01-sign-in")
	if tok := h.storedToken(t, f.account); tok != "" {
		f.fail(t, "keyring has a session before anyone signed in")
	}
}

// 2. Typing the email and pressing Enter sends a link.
func (f *flow) typeEmail(t *testing.T) {
	h := f.h
	win := h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	h.typeText(t, win, alice) // the email field has focus when the view opens
	h.keys(t, win, "Return")
	win = h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	f.shot(t, win, "02-check-inbox")
	m := h.waitMail(t, f.emu, alice, f.seen, "login", "signup")
	if m.Link == "" {
		f.fail(t, "email has no link: %+v", m)
	}
	if all := f.emu.outbox(t, ""); len(all) != 1 {
		f.fail(t, "outbox has %d messages, want 1: %+v", len(all), all)
	}
	f.link = m.Link
}

// 3. The link opened in Chromium signs the app in; the token is in the
// keyring and the emulator has one active session.
func (f *flow) openLink(t *testing.T) {
	h := f.h
	h.signedInPage(t, f.app, h.chromium(t, f.link), alice)
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "03-signed-in")
	f.token = h.waitStoredToken(t, f.account, "a session token", func(s string) bool { return s != "" })
	ss := f.emu.sessions(t)
	if len(ss) != 1 || ss[0].Status != "active" || ss[0].Email != alice {
		f.fail(t, "sessions = %+v, want exactly one active session for %s", ss, alice)
	}
	f.session = ss[0].SessionID
	waitClosed(t, f.redirPort) // the loopback listener is gone after sign-in
}

// 4. The same link in a fresh browser does not sign in a second time.
func (f *flow) linkReused(t *testing.T) {
	h := f.h
	p := h.chromium(t, f.link)
	if p.heading == headingSignedIn || strings.Contains(p.dom, "Signed in as") {
		f.fail(t, "reused link signed in again; DOM:\n%s", p.dom)
	}
	// The app closed its listener once signed in, so the browser can't reach
	// it at all: no page of the app's comes back. (Step 08 replays a used
	// link while a listener is open: then Stytch itself refuses it.)
	if p.heading != "" || strings.Contains(p.dom, "you can close this tab") {
		f.fail(t, "reused link reached the app's listener (heading %q); it should be closed", p.heading)
	}
	t.Logf("reused link: the app's listener is closed; Chromium got no page from it (%d bytes of DOM)", len(p.dom))
	if ss := f.emu.sessions(t); len(ss) != 1 || ss[0].SessionID != f.session || ss[0].Status != "active" {
		f.fail(t, "sessions = %+v, want only %s, active", ss, f.session)
	}
	h.holdTitle(t, f.app, f.title(titleSignedIn), time.Second)
	if tok := h.storedToken(t, f.account); tok != f.token {
		f.fail(t, "the stored session token changed after the link was reused")
	}
}

// 5. Quit and relaunch: signed in again with no new email.
func (f *flow) relaunchRestores(t *testing.T) {
	h := f.h
	before := f.emu.sent(t)
	f.app.quit(t)
	f.launch(t, f.name+"-relaunch")
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	t.Logf("signed in again %s after relaunch", time.Since(f.app.started).Round(time.Millisecond))
	f.shot(t, win, "05-relaunched-signed-in")
	if sent := f.emu.sentSince(t, before); len(sent) != 0 {
		f.fail(t, "relaunch sent an email: %+v", sent)
	}
	if ss := f.emu.active(t); len(ss) != 1 || ss[0].SessionID != f.session {
		f.fail(t, "active sessions = %+v, want only %s", ss, f.session)
	}
	if tok := h.storedToken(t, f.account); tok == "" {
		f.fail(t, "keyring entry gone after relaunch")
	}
}

// msgAlreadyRunning is the one line a second launch prints.
const msgAlreadyRunning = "Magiclink is already running; its window was brought to the front.\n"

// demoState is the demo emulator's state file and its contents.
func (f *flow) demoState(t *testing.T) (string, []byte) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(f.dirs.config, "fyne", "*", "demo-stytch-state.json"))
	if len(m) != 1 {
		f.fail(t, "demo state files under %s: %q, want one", f.dirs.config, m)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return m[0], b
}

// launchSecond starts the app again while f.app runs: it must raise the
// first window, print one line and exit 0 without touching the keyring,
// the demo state or any port.
func (f *flow) launchSecond(t *testing.T, name string) {
	t.Helper()
	h := f.h
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	statePath, state := f.demoState(t)
	stateInfo, _ := os.Stat(statePath)
	tok := h.storedToken(t, f.account)
	before := f.emu.sent(t)
	raised := strings.Count(readFile(t, f.app.stderr), "another launch asked for the window")
	// Focus elsewhere (the root window), so the raise has something to do.
	if _, err := h.xdotool("windowfocus", "--sync", h.rootWindow(t)); err != nil {
		t.Fatal(err)
	}
	if got := h.focused(t); got == win {
		t.Fatalf("the app's window %s still has the focus after focusing the root window", win)
	}
	second := h.launchAlongside(t, t, name, f.dirs, f.env)
	select {
	case <-second.done:
	case <-time.After(waitShort):
		f.fail(t, "the second launch is still running after %s; its stderr:\n%s", waitShort, tail(second.stderr, 20))
	}
	if second.err != nil {
		f.fail(t, "the second launch exited with %v, want 0; its stderr:\n%s", second.err, tail(second.stderr, 20))
	}
	if out := readFile(t, second.stdout); out != msgAlreadyRunning {
		f.fail(t, "the second launch printed %q, want exactly %q", out, msgAlreadyRunning)
	}
	if e := readFile(t, second.stderr); e != "" {
		f.fail(t, "the second launch wrote to stderr: %q", e)
	}
	t.Logf("second launch exited 0 after %s", time.Since(second.started).Round(time.Millisecond))
	deadline := time.Now().Add(waitShort)
	for strings.Count(readFile(t, f.app.stderr), "another launch asked for the window") != raised+1 {
		if time.Now().After(deadline) {
			f.fail(t, "the first app did not log one raise request for the second launch")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for h.focused(t) != win {
		if time.Now().After(deadline) {
			f.fail(t, "the first app's window %s did not get the focus back (focus is on %s)", win, h.focused(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ws := h.windows(); len(ws) != 1 || ws[0] != win {
		f.fail(t, "visible Magiclink windows = %q, want only the first app's %s", ws, win)
	}
	h.holdTitle(t, f.app, f.title(titleSignedIn), 500*time.Millisecond)
	if got := h.storedToken(t, f.account); got != tok {
		f.fail(t, "the stored session token changed during the second launch")
	}
	if _, now := f.demoState(t); !bytes.Equal(now, state) {
		f.fail(t, "the demo state file changed during the second launch")
	}
	if fi, _ := os.Stat(statePath); !fi.ModTime().Equal(stateInfo.ModTime()) {
		f.fail(t, "the demo state file was rewritten during the second launch")
	}
	if sent := f.emu.sentSince(t, before); len(sent) != 0 {
		f.fail(t, "the second launch sent an email: %+v", sent)
	}
}

// 5b. A second launch raises the first window and exits 0; after quitting
// and relaunching nothing is lost: the keyring token and the demo state
// (its session) are intact.
func (f *flow) secondLaunch(t *testing.T) {
	h := f.h
	f.launchSecond(t, f.name+"-second")
	f.otherUserRefused(t)
	tok := h.storedToken(t, f.account)
	f.app.quit(t)
	f.launch(t, f.name+"-after-second")
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "05b-after-second-launch")
	if got := h.storedToken(t, f.account); got != tok || got == "" {
		f.fail(t, "the stored session token changed after quitting and relaunching")
	}
	if ss := f.emu.active(t); len(ss) != 1 || ss[0].SessionID != f.session {
		f.fail(t, "active sessions = %+v, want only %s", ss, f.session)
	}
}

// otherUserRefused starts the app as another user (uid 65534) with this
// user's runtime directory: it can't reach the instance (the directory is
// 0700, and the socket checks its peer's uid besides), so it exits with an
// error and the first app is asked nothing.
func (f *flow) otherUserRefused(t *testing.T) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Log("not root or no setpriv: the other-user launch is left to the instance package's test")
		return
	}
	// The other user must be able to run the binary.
	dir, err := os.MkdirTemp("", "mlbin")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.h.bin)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "magiclink")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	raised := strings.Count(readFile(t, f.app.stderr), "another launch asked for the window")
	var env []string
	for _, kv := range f.env {
		if !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin)
	cmd.Env, cmd.Dir = append(env, "HOME=/nonexistent"), "/"
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "permission denied") {
		f.fail(t, "the app as uid 65534: %v, output %q; want exit status 1 and permission denied", err, out)
	}
	t.Logf("as uid 65534: %s", strings.TrimSpace(string(out)))

	// With the directory opened up on purpose, the socket itself refuses
	// the other user (SO_PEERCRED): no answer, nothing raised, and the
	// refusal logged.
	socks, _ := filepath.Glob(filepath.Join(f.dirs.runtime, "magiclink", "*.sock"))
	if len(socks) != 1 {
		f.fail(t, "instance sockets: %q, want one", socks)
	}
	// Only the test's own directories (and the socket) are opened, each
	// back to its mode afterwards.
	for p := socks[0]; strings.HasPrefix(p, f.dirs.runtime); p = filepath.Dir(p) {
		want := os.FileMode(0o755)
		if p == socks[0] {
			want = 0o777
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(p, fi.Mode().Perm())
		if err := os.Chmod(p, want); err != nil {
			t.Fatal(err)
		}
	}
	// The test's temporary parents of the runtime directory (0700).
	for p := filepath.Dir(f.dirs.runtime); strings.HasPrefix(p, os.TempDir()+"/") && p != os.TempDir(); p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&(os.ModeSticky|os.ModeSetuid|os.ModeSetgid) != 0 {
			break
		}
		defer os.Chmod(p, fi.Mode().Perm())
		if err := os.Chmod(p, fi.Mode().Perm()|0o055); err != nil {
			t.Fatal(err)
		}
	}
	py := `import socket,sys
s=socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b"raise\n")
    print("answer=%r" % s.recv(100))
except OSError as e:
    print("answer=error %s" % e)`
	cmd = exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", py, socks[0])
	cmd.Env, cmd.Dir = []string{"PATH=/usr/bin:/bin"}, "/"
	out, err = cmd.CombinedOutput()
	if err != nil || !(strings.Contains(string(out), "answer=b''") || strings.Contains(string(out), "answer=error")) {
		f.fail(t, "another user through the opened socket: %v, %q; want it connected and closed on with no answer", err, out)
	}
	deadline := time.Now().Add(waitShort)
	for !strings.Contains(readFile(t, f.app.stderr), "peer is another user (uid 65534)") {
		if time.Now().After(deadline) {
			f.fail(t, "the first app did not log refusing uid 65534")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the socket refused uid 65534 (%s)", strings.TrimSpace(string(out)))
	f.h.holdTitle(t, f.app, f.title(titleSignedIn), 300*time.Millisecond)
	if n := strings.Count(readFile(t, f.app.stderr), "another launch asked for the window"); n != raised {
		f.fail(t, "another user's launch reached the first app")
	}
}

// 5c. A first instance killed with SIGKILL leaves its socket behind; the
// next launch takes over and serves later launches.
func (f *flow) crashTakeover(t *testing.T) {
	h := f.h
	h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	if err := f.app.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-f.app.done
	socks, _ := filepath.Glob(filepath.Join(f.dirs.runtime, "magiclink", "*.sock"))
	if len(socks) != 1 {
		f.fail(t, "sockets left by the killed app: %q, want its one stale socket", socks)
	}
	deadline := time.Now().Add(waitShort)
	for len(h.windows()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed app's window is still there")
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.launch(t, f.name+"-after-crash")
	win := h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "05c-after-crash")
	if !strings.Contains(readFile(t, f.app.stderr), "replaced the socket of a Magiclink that ended without removing it") {
		f.fail(t, "the new app did not log taking over the stale socket")
	}
	f.launchSecond(t, f.name+"-second-after-crash")
}

// readFile is a file's contents ("" when it is missing).
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

// 6. With Stytch unreachable the window still appears and shows Offline;
// the stored session is kept.
func (f *flow) stytchUnreachable(t *testing.T) {
	h := f.h
	f.app.quit(t)
	stored := h.storedToken(t, f.account)
	if stored == "" {
		f.fail(t, "no stored session before the offline launch")
	}
	// A stored session belongs to one credential and API host, so a run
	// against a Stytch that is down finds the demo session only under that
	// run's own account: copy it there, as if it had been made there.
	closed := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	account := h.storeAccount(t, demoPublicToken, closed)
	h.storeToken(t, account, stored)
	defer h.clearToken(t, account)
	a := h.launch(t, f.top, "unreachable", f.dirs, h.env(f.dirs, h.bus,
		"MAGICLINK_LOG=debug",
		"STYTCH_PUBLIC_TOKEN="+demoPublicToken,
		"STYTCH_BASE_URL="+closed,
		"STYTCH_REDIRECT_URL="+f.redirect,
	))
	f.app = a
	deadline := time.Now().Add(10 * time.Second)
	for {
		if id, _ := h.window(); id != "" {
			break
		}
		if a.exited() || time.Now().After(deadline) {
			t.Fatalf("no window within 10 s with Stytch unreachable (exited %v); stderr tail:\n%s", a.exited(), tail(a.stderr, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("window appeared %s after start", time.Since(a.started).Round(time.Millisecond))
	win := h.waitTitle(t, a, titleOffline, waitShort)
	t.Logf("Offline %s after start", time.Since(a.started).Round(time.Millisecond))
	f.shot(t, win, "06-offline")
	if tok := h.storedToken(t, account); tok != stored {
		f.fail(t, "the stored session changed while offline")
	}
	a.quit(t)
	if b, _ := os.ReadFile(a.stdout); len(b) != 0 {
		f.fail(t, "stdout outside demo mode = %q, want nothing", b)
	}
	if tok := h.storedToken(t, account); tok != stored {
		f.fail(t, "the stored session is gone after the offline run")
	}
	if tok := h.storedToken(t, f.account); tok != stored {
		f.fail(t, "the demo session changed during the offline run")
	}
}

// 7. Sign out with the keyboard: the keyring entry is removed and the
// session revoked.
func (f *flow) signOutKeyboard(t *testing.T) {
	f.launch(t, f.name+"-sign-out")
	f.signOut(t, "07-")
}

// 8. An expired link shows the expiry page and leaves the app on "Check
// your inbox" with the error in place.
func (f *flow) expiredLink(t *testing.T) {
	h := f.h
	link := f.requestLink(t, alice)

	// With the listener open again, step 2's link reaches Stytch, which
	// refuses it: a link works once.
	p := h.chromium(t, f.link)
	if p.heading != headingExpired {
		f.fail(t, "used link: browser heading %q, want %q; DOM:\n%s", p.heading, headingExpired, p.dom)
	}
	h.holdTitle(t, f.app, f.title(titleInbox), time.Second)

	f.emu.post(t, "/dev/clock", `{"advance":"2h"}`)
	p = h.chromium(t, link)
	if p.heading != headingExpired {
		f.fail(t, "expired link: browser heading %q, want %q; DOM:\n%s", p.heading, headingExpired, p.dom)
	}
	win := h.holdTitle(t, f.app, f.title(titleInbox), 1500*time.Millisecond)
	f.shot(t, win, "08-expired-link")
	if ss := f.emu.active(t); len(ss) != 0 {
		f.fail(t, "an expired link created a session: %+v", ss)
	}
}

// 9. A link requested before a restart does not sign in the new run
// (PKCE); the new run's own link does.
func (f *flow) linkAfterRestart(t *testing.T) {
	h := f.h
	win := h.waitTitle(t, f.app, f.title(titleInbox), waitShort)
	h.keys(t, win, "Escape") // "Use a different email"
	h.waitTitle(t, f.app, f.title(titleSignIn), waitShort)
	old := f.requestLink(t, alice)
	f.app.quit(t)
	f.launch(t, f.name+"-pkce")
	fresh := f.requestLink(t, alice)
	if fresh == old {
		f.fail(t, "the new run sent the old link")
	}

	p := h.chromium(t, old)
	if p.heading != headingOtherDevice {
		f.fail(t, "old link: heading %q, want %q; DOM:\n%s", p.heading, headingOtherDevice, p.dom)
	}
	win = h.holdTitle(t, f.app, f.title(titleInbox), time.Second)
	f.shot(t, win, "09-old-link-refused")
	if ss := f.emu.active(t); len(ss) != 0 {
		f.fail(t, "the old link created a session: %+v", ss)
	}

	h.signedInPage(t, f.app, h.chromium(t, fresh), alice)
	win = h.waitTitle(t, f.app, f.title(titleSignedIn), waitShort)
	f.shot(t, win, "09-new-link-signed-in")
	if ss := f.emu.active(t); len(ss) != 1 || ss[0].Email != alice {
		f.fail(t, "active sessions = %+v, want one for %s", ss, alice)
	}
	h.waitStoredToken(t, f.account, "a session token", func(s string) bool { return s != "" })
}

// 10. Sign in by typing the one-time code (issue 7), reaching "Get a code
// instead" with the keyboard.
func (f *flow) oneTimeCode(t *testing.T) {
	f.signOut(t, "10-")
	f.signInByCode(t, carol, "10-")
}

// 11. Without a keyring the app still signs in and warns that the session
// won't be remembered.
func keyringUnavailable(t *testing.T, h *harness) {
	d := newAppDirs(t)
	demoAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	redirPort := freePort(t)
	redirect := fmt.Sprintf("http://localhost:%d/authenticate", redirPort)
	emu := emulator{base: "http://" + demoAddr}
	stored := h.storedToken(t, demoAccount)

	a := h.launch(t, t, "no-keyring", d, h.demoEnv(d, "unix:path=/nonexistent", demoAddr, redirect))
	a.waitInboxLine(t, demoAddr)
	win := h.waitTitle(t, a, demo(titleSignIn), waitShort)
	h.screenshot(t, win, "11-no-keyring-sign-in")
	h.typeText(t, win, dave)
	h.keys(t, win, "Return")
	h.waitTitle(t, a, demo(titleInbox), waitShort)
	m := h.waitMail(t, emu, dave, map[string]bool{}, "login", "signup")
	h.signedInPage(t, a, h.chromium(t, m.Link), dave)
	win = h.waitTitle(t, a, demo(titleSignedIn), waitShort)
	h.screenshot(t, win, "11-no-keyring-signed-in")
	if ss := emu.active(t); len(ss) != 1 || ss[0].Email != dave {
		h.fail(t, a, "active sessions = %+v, want one for %s", ss, dave)
	}
	a.quit(t)
	logs, _ := os.ReadFile(a.stderr)
	if !strings.Contains(string(logs), "keyring") {
		h.fail(t, a, "no keyring warning in the log:\n%s", logs)
	}
	if tok := h.storedToken(t, demoAccount); tok != stored {
		h.fail(t, a, "the real keyring changed although the app could not reach it")
	}
}

// 14. `make run` — the README's first command — starts the app in demo
// mode with the same install step.
func makeRun(t *testing.T, h *harness) {
	d := newAppDirs(t)
	demoAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	redirect := fmt.Sprintf("http://localhost:%d/authenticate", freePort(t))
	envFile := filepath.Join(t.TempDir(), "empty.env") // a developer's .env must not matter
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A fresh user: forget the session the earlier steps left in the
	// keyring (all demo runs share the demo project's entry).
	h.clearToken(t, demoAccount)
	env := h.env(d, h.bus, "STYTCH_REDIRECT_URL="+redirect, "MAGICLINK_ENV_FILE="+envFile)
	env = append(env, goEnv(t)...)
	env = append(env, "GOTMPDIR="+t.TempDir()) // go run's binary, removed even if go is killed

	logFile := filepath.Join(h.logDir, "make-run.log")
	h.logs = append(h.logs, logFile)
	lf := createFile(t, logFile)
	defer lf.Close()
	h.noWindow(t)
	cmd := exec.Command("make", "-C", h.root, "run", "RUN_ARGS=--demo-addr "+demoAddr)
	cmd.Dir = d.work
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lf, lf
	p := startProc(t, t, "make run", cmd)
	a := &appProc{proc: p, stdout: logFile, stderr: logFile, started: time.Now()}

	// go run links the binary first; allow for a slow machine.
	win := h.waitTitle(t, a, demo(titleSignIn), 4*time.Minute)
	t.Logf("make run showed the Sign in window after %s", time.Since(a.started).Round(time.Millisecond))
	h.screenshot(t, win, "14-make-run")
	if err := p.stopGroup(15 * time.Second); errors.Is(err, errKilled) {
		t.Fatalf("make run did not stop on SIGTERM; log tail:\n%s", tail(logFile, 20))
	}
	out, _ := os.ReadFile(logFile)
	if !strings.Contains(string(out), "demo inbox: http://"+demoAddr+"/dev/inbox") {
		t.Fatalf("make run did not print the demo inbox line; log:\n%s", out)
	}
}

// goEnv is what the go command needs under an isolated HOME: the real
// build and module caches (the cgo build of Fyne is slow when cold) and
// the user's go env settings.
func goEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_") ||
			k == "CC" || k == "CXX" || k == "PKG_CONFIG_PATH" {
			env = append(env, kv)
		}
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(out)))
	}
	return env
}

// 15. No magic-link token, session token or one-time code in any log the
// app wrote.
func logsHaveNoTokens(t *testing.T, h *harness) {
	if len(h.secrets) == 0 {
		t.Fatal("no tokens were collected to look for")
	}
	for _, path := range h.logs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range h.codes {
			// The code as a word of its own, not a run of digits inside an id.
			if regexp.MustCompile(`(^|[^0-9A-Za-z-])` + c + `([^0-9A-Za-z-]|$)`).Match(b) {
				t.Errorf("%s contains a one-time code", path)
			}
		}
		for _, s := range h.secrets {
			if len(s) < 16 {
				continue
			}
			if strings.Contains(string(b), s) || strings.Contains(string(b), url.QueryEscape(s)) {
				t.Errorf("%s contains a token (%.6s…)", path, s)
			}
		}
	}
	t.Logf("checked %d log files for %d tokens and %d codes", len(h.logs), len(h.secrets), len(h.codes))
}
