//go:build e2e

package main

// The end-to-end harness: a private X server (Xvfb), a private D-Bus
// session bus with an unlocked gnome-keyring, the real magiclink binary,
// headless Chromium, xdotool for keyboard input and window titles, and
// ImageMagick's import for screenshots. Everything is started by the test
// and stopped in t.Cleanup.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth"
)

const (
	// keyringService is the service attribute of the app's Secret Service
	// items (go-keyring: service, username).
	keyringService = "io.github.magiclink.magiclink"
	// demoPublicToken is the built-in emulator's public token, which demo
	// mode signs in with, and demoAccount the username attribute of demo
	// mode's item (launch.Settings.StoreAccount).
	demoPublicToken = "public-token-test-00000000-0000-0000-0000-000000000000"
	demoAccount     = "demo:" + demoPublicToken

	// Window titles, the app's machine-checkable state.
	titleSignIn   = "Magiclink — Sign in"
	titleInbox    = "Magiclink — Check your inbox"
	titleSignedIn = "Magiclink — Signed in"
	titleOffline  = "Magiclink — Offline"

	// Headings of the loopback listener's pages.
	headingSignedIn    = "You're signed in"
	headingExpired     = "This link has expired or was already used"
	headingOtherDevice = "Open this link on the computer that asked for it"

	waitShort = 20 * time.Second
)

// demo is the title of a screen in demo mode.
func demo(title string) string { return title + " (demo)" }

// requiredTools are the programs the harness runs.
var requiredTools = []string{
	"go", "make", "Xvfb", "dbus-daemon", "gnome-keyring-daemon", "secret-tool",
	"chromium", "xdotool", "import",
}

// harness is the state shared by the steps of one end-to-end run.
type harness struct {
	root    string // module root
	out     string // test-output/e2e
	logDir  string // test-output/e2e/logs
	bin     string // the built magiclink binary
	display string // ":N" of the private Xvfb
	bus     string // address of the private D-Bus session bus

	secrets  []string // tokens that must never appear in the app's logs
	codes    []string // one-time codes, likewise
	accounts []string // keyring accounts the app may use, for keyringState
	logs     []string // every log file the app wrote
	starts   int      // app launches, for log file names
}

// newHarness checks the tools, builds the app and starts Xvfb, D-Bus and
// gnome-keyring.
func newHarness(t *testing.T) *harness {
	t.Helper()
	requireTools(t, requiredTools)
	h := newOutput(t, "e2e")
	h.accounts = []string{demoAccount}
	h.bin = h.build(t, "./cmd/magiclink", t.TempDir())
	h.startXvfb(t)
	h.startBus(t)
	h.startKeyring(t)
	return h
}

// requireTools fails the test, naming what to install, when a program
// it runs is missing.
func requireTools(t *testing.T, tools []string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("e2e: missing %s; run scripts/install-deps.sh test", strings.Join(missing, ", "))
	}
}

// newOutput is a harness whose screenshots and logs go to a fresh
// test-output/<name>.
func newOutput(t *testing.T, name string) *harness {
	t.Helper()
	h := &harness{root: moduleRoot(t)}
	h.out = filepath.Join(h.root, "test-output", name)
	h.logDir = filepath.Join(h.out, "logs")
	if err := os.RemoveAll(h.out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(h.logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// build compiles the command pkg (e.g. ./cmd/magiclink) into dir and
// returns the binary's path.
func (h *harness) build(t *testing.T, pkg, dir string) string {
	t.Helper()
	start := time.Now()
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = h.root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// moduleRoot is the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the magiclink module")
	}
	return filepath.Dir(gomod)
}

// ---------------------------------------------------------------------------
// Processes

// proc is a started background process in its own process group.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result once done is closed
}

// startProc starts cmd in a new process group and stops it in the Cleanup
// of owner (t itself, or a parent test for a process that outlives t).
func startProc(t, owner *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	// Own process group, and killed with the test binary even when it
	// dies without running cleanups (e.g. -timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	owner.Cleanup(func() { p.stop(5 * time.Second) })
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// errKilled means a process ignored SIGTERM and was killed.
var errKilled = errors.New("did not exit after SIGTERM; killed")

// stop sends SIGTERM to the process (group too when group is set) and
// waits up to grace, then kills the whole group. It returns Wait's error.
func (p *proc) stop(grace time.Duration) error { return p.signal(grace, false) }

// stopGroup is stop for a process whose children must stop too.
func (p *proc) stopGroup(grace time.Duration) error { return p.signal(grace, true) }

func (p *proc) signal(grace time.Duration, group bool) error {
	if p.exited() {
		return p.err
	}
	pid := p.cmd.Process.Pid
	if group {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
	} else {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	select {
	case <-p.done:
		if group {
			// Children that outlived the leader.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		return p.err
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-p.done
	return errKilled
}

// readFD3 starts cmd with a pipe as file descriptor 3 and returns the first
// line the process writes there (Xvfb -displayfd, dbus-daemon
// --print-address).
func readFD3(t *testing.T, name string, cmd *exec.Cmd, logFile string) (*proc, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.ExtraFiles = []*os.File{w}
	lf := createFile(t, logFile)
	cmd.Stdout, cmd.Stderr = lf, lf
	p := startProc(t, t, name, cmd)
	w.Close()
	lf.Close()

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s == "" {
			t.Fatalf("%s wrote nothing on fd 3; log:\n%s", name, tail(logFile, 20))
		}
		return p, s
	case <-time.After(waitShort):
		t.Fatalf("%s did not start within %s; log:\n%s", name, waitShort, tail(logFile, 20))
		return nil, ""
	}
}

func createFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// privateDir makes a 0700 directory.
func privateDir(t *testing.T, parent, name string) string {
	t.Helper()
	d := filepath.Join(parent, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// ---------------------------------------------------------------------------
// Xvfb, D-Bus and gnome-keyring

func (h *harness) startXvfb(t *testing.T) {
	t.Helper()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset")
	_, n := readFD3(t, "Xvfb", cmd, filepath.Join(h.logDir, "xvfb.log"))
	h.display = ":" + n
	t.Logf("Xvfb on display %s", h.display)
}

// busConfig is a session bus without service activation, so nothing but
// the harness's own gnome-keyring-daemon can own org.freedesktop.secrets
// (an activated, locked keyring would prompt and hang).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func (h *harness) startBus(t *testing.T) {
	t.Helper()
	dir := privateDir(t, t.TempDir(), "dbus")
	conf := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, filepath.Join(dir, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=3")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	_, h.bus = readFD3(t, "dbus-daemon", cmd, filepath.Join(h.logDir, "dbus-daemon.log"))
	t.Logf("private D-Bus session bus at %s", h.bus)
}

// startKeyring runs gnome-keyring-daemon in the foreground on the private
// bus, unlocked with a throw-away password, and waits until a secret can be
// stored and read back.
func (h *harness) startKeyring(t *testing.T) {
	t.Helper()
	base := t.TempDir()
	home := privateDir(t, base, "home")
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + privateDir(t, base, "data"),
		"XDG_CONFIG_HOME=" + privateDir(t, base, "config"),
		"XDG_CACHE_HOME=" + privateDir(t, base, "cache"),
		"XDG_RUNTIME_DIR=" + privateDir(t, base, "runtime"),
		"DBUS_SESSION_BUS_ADDRESS=" + h.bus,
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}
	cmd.Stdin = strings.NewReader("e2e-keyring-password")
	logFile := filepath.Join(h.logDir, "gnome-keyring.log")
	lf := createFile(t, logFile)
	defer lf.Close()
	cmd.Stdout, cmd.Stderr = lf, lf
	p := startProc(t, t, "gnome-keyring-daemon", cmd)

	deadline := time.Now().Add(waitShort)
	for {
		_, _, err := h.secretTool(t, "probe", "store", "--label=magiclink e2e probe", "service", "magiclink-e2e-probe", "username", "probe")
		if err == nil {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("gnome-keyring did not come up on %s: %v; log:\n%s", h.bus, err, tail(logFile, 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v, _, err := h.secretTool(t, "", "lookup", "service", "magiclink-e2e-probe", "username", "probe"); err != nil || v != "probe" {
		t.Fatalf("keyring probe read back %q, %v", v, err)
	}
	if _, _, err := h.secretTool(t, "", "clear", "service", "magiclink-e2e-probe", "username", "probe"); err != nil {
		t.Fatalf("keyring probe clear: %v", err)
	}
	t.Log("gnome-keyring unlocked on the private bus")
}

// secretTool runs secret-tool on the private bus with stdin as input.
func (h *harness) secretTool(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", args...)
	cmd.Env = []string{"DBUS_SESSION_BUS_ADDRESS=" + h.bus, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// storeAccount is the keyring account of a run outside demo mode: the
// public token or project id it signs in with and the API that issued it,
// as the app names it (auth.Config.StoreAccount). keyringState looks at it from
// then on.
func (h *harness) storeAccount(t *testing.T, credential, baseURL string) string {
	t.Helper()
	if u, err := url.Parse(baseURL); err != nil || u.Host == "" {
		t.Fatalf("base URL %q has no host", baseURL)
	}
	cfg := auth.Config{ProjectID: credential, BaseURL: baseURL}
	if strings.HasPrefix(credential, "public-token-") {
		cfg = auth.Config{PublicToken: credential, BaseURL: baseURL}
	}
	account := cfg.StoreAccount()
	if !slices.Contains(h.accounts, account) {
		h.accounts = append(h.accounts, account)
	}
	return account
}

// storedToken looks up the app's keyring entry for account on the private
// bus. It returns "" when there is none (secret-tool exits 1 and prints
// nothing).
func (h *harness) storedToken(t *testing.T, account string) string {
	t.Helper()
	out, errOut, err := h.secretTool(t, "", "lookup", "service", keyringService, "username", account)
	var exit *exec.ExitError
	switch {
	case err == nil:
		out = strings.TrimSpace(out)
		if out != "" {
			h.secrets = append(h.secrets, out)
		}
		return out
	case errors.As(err, &exit) && exit.ExitCode() == 1 && strings.TrimSpace(errOut) == "":
		return ""
	default:
		t.Fatalf("secret-tool lookup: %v: %s", err, errOut)
		return ""
	}
}

// storeToken stores token under account, as the app would.
func (h *harness) storeToken(t *testing.T, account, token string) {
	t.Helper()
	if _, errOut, err := h.secretTool(t, token, "store", "--label=magiclink e2e: "+account, "service", keyringService, "username", account); err != nil {
		t.Fatalf("secret-tool store %s: %v: %s", account, err, errOut)
	}
}

// clearToken removes account's keyring entry, if any.
func (h *harness) clearToken(t *testing.T, account string) {
	t.Helper()
	if _, errOut, err := h.secretTool(t, "", "clear", "service", keyringService, "username", account); err != nil {
		t.Fatalf("secret-tool clear %s: %v: %s", account, err, errOut)
	}
}

// keyringState is what the keyring holds for the app: how many items its
// service has, and the token of every account the harness knows of.
type keyringState struct {
	items  int
	tokens map[string]string // account → token, "" when none
}

func (h *harness) keyringState(t *testing.T) keyringState {
	t.Helper()
	out, errOut, err := h.secretTool(t, "", "search", "--all", "service", keyringService)
	if err != nil {
		t.Fatalf("secret-tool search: %v: %s", err, errOut)
	}
	k := keyringState{tokens: map[string]string{}}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[/") {
			k.items++
		}
	}
	for _, a := range h.accounts {
		k.tokens[a] = h.storedToken(t, a)
	}
	return k
}

func (k keyringState) equal(o keyringState) bool {
	return k.items == o.items && maps.Equal(k.tokens, o.tokens)
}

// String names the accounts that hold a token, never the token.
func (k keyringState) String() string {
	var held []string
	for a, tok := range k.tokens {
		if tok != "" {
			held = append(held, fmt.Sprintf("%s (%.6s…)", a, tok))
		}
	}
	slices.Sort(held)
	return fmt.Sprintf("%d items; tokens under %v", k.items, held)
}

// waitStoredToken polls account's keyring entry until ok(token) holds.
func (h *harness) waitStoredToken(t *testing.T, account, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(waitShort)
	for {
		tok := h.storedToken(t, account)
		if ok(tok) {
			return tok
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyring: %s under %q not seen within %s (lookup gave %d bytes)", what, account, waitShort, len(tok))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// The app

// appDirs are an isolated HOME and XDG directories. The app's Fyne storage
// (and so the demo emulator's state and the last used email) lives under
// config.
type appDirs struct {
	home, config, data, cache, runtime, work string
}

func newAppDirs(t *testing.T) *appDirs {
	t.Helper()
	base := t.TempDir()
	return &appDirs{
		home:    privateDir(t, base, "home"),
		config:  privateDir(t, base, "config"),
		data:    privateDir(t, base, "data"),
		cache:   privateDir(t, base, "cache"),
		runtime: privateDir(t, base, "runtime"),
		work:    privateDir(t, base, "work"), // no .env here
	}
}

// env is the app's whole environment: nothing is inherited but PATH.
func (h *harness) env(d *appDirs, bus string, extra ...string) []string {
	return append([]string{
		"HOME=" + d.home,
		"XDG_CONFIG_HOME=" + d.config,
		"XDG_DATA_HOME=" + d.data,
		"XDG_CACHE_HOME=" + d.cache,
		"XDG_RUNTIME_DIR=" + d.runtime,
		"DISPLAY=" + h.display,
		"DBUS_SESSION_BUS_ADDRESS=" + bus,
		"LANG=C.UTF-8",
		"PATH=" + os.Getenv("PATH"),
	}, extra...)
}

// demoEnv is the environment of a demo-mode launch.
func (h *harness) demoEnv(d *appDirs, bus, demoAddr, redirect string) []string {
	return h.env(d, bus, "MAGICLINK_LOG=debug", "MAGICLINK_DEMO_ADDR="+demoAddr, "STYTCH_REDIRECT_URL="+redirect)
}

// appProc is one run of the magiclink binary.
type appProc struct {
	*proc
	stdout, stderr string // log files
	started        time.Time
}

// launch starts the app with env in d.work, logging to test-output. The
// app is stopped at the end of owner if still running.
func (h *harness) launch(t, owner *testing.T, name string, d *appDirs, env []string) *appProc {
	t.Helper()
	h.noWindow(t)
	return h.launchAlongside(t, owner, name, d, env)
}

// launchAlongside is launch while another app's window may be open: a
// second launch of the same user.
func (h *harness) launchAlongside(t, owner *testing.T, name string, d *appDirs, env []string, args ...string) *appProc {
	t.Helper()
	return h.start(t, owner, name, d, env, h.bin, args...)
}

// start runs bin (the app, or a program that starts it) like launch.
func (h *harness) start(t, owner *testing.T, name string, d *appDirs, env []string, bin string, args ...string) *appProc {
	t.Helper()
	h.starts++
	prefix := filepath.Join(h.logDir, fmt.Sprintf("app-%02d-%s", h.starts, name))
	a := &appProc{stdout: prefix + ".stdout.log", stderr: prefix + ".stderr.log"}
	h.logs = append(h.logs, a.stdout, a.stderr)
	so, se := createFile(t, a.stdout), createFile(t, a.stderr)
	defer so.Close()
	defer se.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = d.work
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = so, se
	a.started = time.Now()
	a.proc = startProc(t, owner, "magiclink", cmd)
	return a
}

// quit sends SIGTERM and requires a clean exit (status 0) within 15 s.
func (a *appProc) quit(t *testing.T) {
	t.Helper()
	if err := a.stop(15 * time.Second); err != nil {
		t.Fatalf("app did not quit cleanly on SIGTERM: %v; stderr tail:\n%s", err, tail(a.stderr, 20))
	}
}

// waitInboxLine waits for the single stdout line of demo mode.
func (a *appProc) waitInboxLine(t *testing.T, demoAddr string) {
	t.Helper()
	want := "demo inbox: http://" + demoAddr + "/dev/inbox\n"
	deadline := time.Now().Add(waitShort)
	for {
		b, _ := os.ReadFile(a.stdout)
		if string(b) == want {
			return
		}
		if len(b) > len(want) || (len(b) > 0 && !strings.HasPrefix(want, string(b))) {
			t.Fatalf("stdout = %q, want exactly %q", b, want)
		}
		if a.exited() || time.Now().After(deadline) {
			t.Fatalf("no %q on stdout (got %q, exited %v); stderr tail:\n%s", want, b, a.exited(), tail(a.stderr, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// environ is the environment of the running app, as the kernel has it.
func (a *appProc) environ(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", a.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("the app's environment: %v", err)
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// told is a message the app showed the user, as its log records it.
type told struct{ kind, message string }

var toldRE = regexp.MustCompile(`msg="telling the user" kind=(\S+) message=("(?:[^"\\]|\\.)*"|\S+)`)

// toldUser returns the messages the app has shown the user, oldest first.
func (a *appProc) toldUser(t *testing.T) []told {
	t.Helper()
	b, err := os.ReadFile(a.stderr)
	if err != nil {
		t.Fatal(err)
	}
	var out []told
	for _, m := range toldRE.FindAllStringSubmatch(string(b), -1) {
		msg := m[2]
		if strings.HasPrefix(msg, `"`) {
			if msg, err = strconv.Unquote(msg); err != nil {
				t.Fatalf("log line %q: %v", m[0], err)
			}
		}
		out = append(out, told{kind: m[1], message: msg})
	}
	return out
}

// waitTold waits for the app to show the user a message after the first
// `after` ones, and requires it to be of kind and contain every part.
func (h *harness) waitTold(t *testing.T, a *appProc, after int, kind string, parts ...string) told {
	t.Helper()
	deadline := time.Now().Add(waitShort)
	for {
		if all := a.toldUser(t); len(all) > after {
			m := all[after]
			for _, p := range parts {
				if !strings.Contains(m.message, p) {
					h.fail(t, a, "the app told the user %q (kind %s); want a message containing %q", m.message, m.kind, p)
				}
			}
			if m.kind != kind {
				h.fail(t, a, "the app told the user %q of kind %s, want kind %s", m.message, m.kind, kind)
			}
			return m
		}
		if a.exited() || time.Now().After(deadline) {
			h.fail(t, a, "the app told the user nothing new within %s (want kind %s with %q)", waitShort, kind, parts)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// Window: titles, keyboard, screenshots

// xdotool runs xdotool on the private display.
func (h *harness) xdotool(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = []string{"DISPLAY=" + h.display, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		return o.String(), fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(e.String()))
	}
	return o.String(), nil
}

// window returns the visible Magiclink window and its title, or "" when
// there is none.
func (h *harness) window() (id, title string) {
	out, err := h.xdotool("search", "--onlyvisible", "--name", "^Magiclink")
	if err != nil {
		return "", "" // exit status 1: no such window yet
	}
	for _, id := range strings.Fields(out) {
		if name, err := h.xdotool("getwindowname", id); err == nil {
			return id, strings.TrimSpace(name)
		}
	}
	return "", ""
}

// windows returns the ids of every visible Magiclink window.
func (h *harness) windows() []string {
	out, err := h.xdotool("search", "--onlyvisible", "--name", "^Magiclink")
	if err != nil {
		return nil
	}
	return strings.Fields(out)
}

// rootWindow is the id of the display's root window.
func (h *harness) rootWindow(t *testing.T) string {
	t.Helper()
	out, err := h.xdotool("search", "--maxdepth", "0", "--name", "")
	if err != nil || len(strings.Fields(out)) != 1 {
		t.Fatalf("the root window: %q, %v", out, err)
	}
	return strings.Fields(out)[0]
}

// focused is the window that has the X input focus.
func (h *harness) focused(t *testing.T) string {
	t.Helper()
	out, err := h.xdotool("getwindowfocus")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// noWindow requires that no Magiclink window is open, so the next launch's
// window is the only one the title checks can see.
func (h *harness) noWindow(t *testing.T) {
	t.Helper()
	if id, title := h.window(); id != "" {
		t.Fatalf("a Magiclink window (%q) is still open: an earlier step left its app running", title)
	}
}

// waitTitle polls the window title until it is want, failing early if the
// app exits. It returns the window id.
func (h *harness) waitTitle(t *testing.T, a *appProc, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var id, title string
	for {
		id, title = h.window()
		if title == want {
			return id
		}
		if a.exited() {
			t.Fatalf("app exited (%v) while waiting for title %q; last title %q; stderr tail:\n%s", a.err, want, title, tail(a.stderr, 20))
		}
		if time.Now().After(deadline) {
			t.Fatalf("title %q not reached within %s; current title %q; stderr tail:\n%s", want, timeout, title, tail(a.stderr, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fail ends the test with the app's current window title and log tail.
func (h *harness) fail(t *testing.T, a *appProc, format string, args ...any) {
	t.Helper()
	_, title := h.window()
	msg := fmt.Sprintf(format, args...)
	if a == nil {
		t.Fatalf("%s\ncurrent title %q", msg, title)
	}
	t.Fatalf("%s\ncurrent title %q (app exited: %v); app stderr tail:\n%s", msg, title, a.exited(), tail(a.stderr, 20))
}

// holdTitle requires the title to stay want for d.
func (h *harness) holdTitle(t *testing.T, a *appProc, want string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		id, title := h.window()
		if title != want {
			t.Fatalf("title changed to %q, want it to stay %q; stderr tail:\n%s", title, want, tail(a.stderr, 20))
		}
		if time.Now().After(deadline) {
			return id
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// focus gives the window the X input focus. There is no window manager on
// Xvfb, so nothing else would.
func (h *harness) focus(t *testing.T, win string) {
	t.Helper()
	if _, err := h.xdotool("windowfocus", "--sync", win); err != nil {
		t.Fatal(err)
	}
}

// typeText types text into the focused widget of win with key events.
func (h *harness) typeText(t *testing.T, win, text string) {
	t.Helper()
	h.focus(t, win)
	if _, err := h.xdotool("type", "--delay", "30", "--", text); err != nil {
		t.Fatal(err)
	}
}

// keys presses keys (xdotool names such as Tab, shift+Tab, space, Return).
func (h *harness) keys(t *testing.T, win string, keys ...string) {
	t.Helper()
	h.focus(t, win)
	args := append([]string{"key", "--delay", "120"}, keys...)
	if _, err := h.xdotool(args...); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves the window as test-output/e2e/name.png after a short
// settle so the frame for the new title has been drawn, and checks that it
// is not a blank (e.g. all-black) image.
func (h *harness) screenshot(t *testing.T, win, name string) {
	t.Helper()
	start := time.Now()
	time.Sleep(500 * time.Millisecond) // let the view settle after a state change
	path := filepath.Join(h.out, name+".png")
	// The title can change before the window is painted (the first frame
	// comes after the window is mapped), so retry until it is drawn.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := h.capture(t, win, path)
		if n >= 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("screenshot %s has only %d colours; the window was not drawn", path, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("screenshot %s (%s)", path, time.Since(start).Round(time.Millisecond))
}

// capture saves window win as a PNG at path and returns how many distinct
// colours it has (up to 16).
func (h *harness) capture(t *testing.T, win, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "import", "-display", h.display, "-window", win, path)
	cmd.Env = []string{"DISPLAY=" + h.display, "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LANG=C.UTF-8"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import %s: %v\n%s", path, err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return colours(img, 16)
}

// colours counts the distinct colours of img, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// ---------------------------------------------------------------------------
// The emulator's dev routes

// mail is a message of GET /dev/outbox.
type mail struct {
	ID      string    `json:"id"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Kind    string    `json:"kind"`
	Link    string    `json:"link"`
	Code    string    `json:"code"`
	SentAt  time.Time `json:"sent_at"`
}

// session is an entry of GET /dev/sessions.
type session struct {
	SessionID string   `json:"session_id"`
	UserID    string   `json:"user_id"`
	Email     string   `json:"email"`
	Status    string   `json:"status"`
	Factors   []string `json:"factors"`
}

// httpClient talks to the loopback emulator directly, never through a proxy.
var httpClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{Proxy: nil},
}

// emulator is the demo emulator of one set of app directories.
type emulator struct{ base string }

func (e emulator) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := httpClient.Get(e.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

func (e emulator) post(t *testing.T, path, body string) {
	t.Helper()
	resp, err := httpClient.Post(e.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %s: %s", path, body, resp.Status, b)
	}
}

func (e emulator) outbox(t *testing.T, to string) []mail {
	t.Helper()
	var m []mail
	path := "/dev/outbox"
	if to != "" {
		path += "?to=" + url.QueryEscape(to)
	}
	e.getJSON(t, path, &m)
	return m
}

func (e emulator) sessions(t *testing.T) []session {
	t.Helper()
	var s []session
	e.getJSON(t, "/dev/sessions", &s)
	return s
}

// active returns the active sessions.
func (e emulator) active(t *testing.T) []session {
	t.Helper()
	var out []session
	for _, s := range e.sessions(t) {
		if s.Status == "active" {
			out = append(out, s)
		}
	}
	return out
}

// sent returns the ids of every message in the outbox.
func (e emulator) sent(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range e.outbox(t, "") {
		ids[m.ID] = true
	}
	return ids
}

// sentSince returns the messages not among before, the ids of sent.
func (e emulator) sentSince(t *testing.T, before map[string]bool) []mail {
	t.Helper()
	var out []mail
	for _, m := range e.outbox(t, "") {
		if !before[m.ID] {
			out = append(out, m)
		}
	}
	return out
}

// waitMail waits for a message to `to` of one of kinds whose id is not in
// seen, and adds it to seen.
func (h *harness) waitMail(t *testing.T, e emulator, to string, seen map[string]bool, kinds ...string) mail {
	t.Helper()
	deadline := time.Now().Add(waitShort)
	for {
		for _, m := range e.outbox(t, to) {
			if seen[m.ID] || !slices.Contains(kinds, m.Kind) {
				continue
			}
			seen[m.ID] = true
			if m.Code != "" {
				h.codes = append(h.codes, m.Code)
			}
			if m.Link != "" {
				if u, err := url.Parse(m.Link); err == nil && u.Query().Get("token") != "" {
					h.secrets = append(h.secrets, u.Query().Get("token"))
				}
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new %v email to %s within %s; outbox: %+v", kinds, to, waitShort, e.outbox(t, ""))
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// startEmulator builds cmd/stytch-emulator and runs it on a free loopback
// port with args, until the end of owner. Its log, which has every link
// and code by design, goes to test-output/e2e/logs/stytch-emulator.log and
// is not among the app's logs.
func (h *harness) startEmulator(t, owner *testing.T, args ...string) emulator {
	t.Helper()
	dir := owner.TempDir()
	bin := h.build(t, "./cmd/stytch-emulator", dir)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	logFile := filepath.Join(h.logDir, "stytch-emulator.log")
	lf := createFile(t, logFile)
	defer lf.Close()
	cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = lf, lf
	p := startProc(t, owner, "stytch-emulator", cmd)
	e := emulator{base: "http://" + addr}
	deadline := time.Now().Add(waitShort)
	for {
		resp, err := httpClient.Get(e.base + "/dev/sdk")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("stytch-emulator did not answer on %s (exited %v); log:\n%s", addr, p.exited(), tail(logFile, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("standalone emulator on %s", e.base)
	return e
}

// ---------------------------------------------------------------------------
// Chromium

var headingRE = regexp.MustCompile(`<h1 id="heading">([^<]*)</h1>`)

// page is what headless Chromium shows after following a link.
type page struct {
	dom     string
	heading string // the listener page's <h1 id="heading">, or ""
}

// chromium opens link in a fresh headless Chromium, which follows the
// emulator's redirect to the app's loopback listener, and returns the final
// DOM.
func (h *harness) chromium(t *testing.T, link string) page {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium",
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-quic", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", link)
	cmd.Env = []string{
		"HOME=" + privateDir(t, dir, "home"),
		"XDG_CONFIG_HOME=" + privateDir(t, dir, "config"),
		"XDG_CACHE_HOME=" + privateDir(t, dir, "cache"),
		// The private bus: without an address, libdbus would autolaunch
		// a session bus of its own that outlives the test.
		"DBUS_SESSION_BUS_ADDRESS=" + h.bus,
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, lastLines(e.String(), 15))
	}
	p := page{dom: o.String()}
	if m := headingRE.FindStringSubmatch(p.dom); m != nil {
		p.heading = html.UnescapeString(m[1])
	}
	return p
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// Ports

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitClosed waits until nothing accepts connections on port of either
// loopback address (the app's listener binds both).
func waitClosed(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, host := range []string{"127.0.0.1", "::1"} {
		addr := net.JoinHostPort(host, fmt.Sprint(port))
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("the loopback listener still accepts connections on %s", addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
