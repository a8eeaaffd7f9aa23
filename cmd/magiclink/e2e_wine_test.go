//go:build e2e

package main

// The Windows build, end to end under Wine on the harness's private Xvfb:
// magiclink.exe in a fresh Wine prefix made for the test, driven with
// xdotool like the Linux app, its link opened in headless Chromium, its
// session kept in Wine's Credential Manager. `make e2e-windows` builds the
// exe and runs this with MAGICLINK_WINDOWS_EXE set.

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wineTools are the programs the Windows test runs besides the harness's.
var wineTools = []string{"wine", "wineboot", "wineserver", "x86_64-w64-mingw32-gcc", "Xvfb", "dbus-daemon", "chromium", "xdotool", "import",
	"makensis", "openssl", "osslsigncode"}

// winePrefix is a Wine installation private to one test run.
type winePrefix struct {
	dir  string   // WINEPREFIX
	logs string   // where the output of Wine's own programs goes
	env  []string // the environment of every Wine program the test starts
	user string   // the Windows user's profile folder, on the Linux side
	// browserLog gets a line for each URL the app opens in the browser;
	// browserLog+".html" is the last page Chromium loaded.
	browserLog string
}

// newWinePrefix makes a fresh Wine prefix under the test's temporary
// directory. Wine 8.0 has no bcryptprimitives.dll, whose ProcessPrng every
// Go program calls at start, so the test builds a small one over
// RtlGenRandom (scripts/wine/bcryptprimitives.c) into the prefix's
// system32 when Wine lacks it.
func newWinePrefix(t *testing.T, h *harness) *winePrefix {
	t.Helper()
	base := t.TempDir()
	w := &winePrefix{dir: filepath.Join(base, "prefix"), logs: privateDir(t, h.logDir, "wine")}
	home := privateDir(t, base, "home")
	w.env = []string{
		"WINEPREFIX=" + w.dir,
		"WINEDEBUG=-all",
		// No Mono or Gecko install prompts, and no menu entries or file
		// associations written into the Linux desktop (a registered
		// magiclink:// handler must stay inside the prefix).
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + privateDir(t, base, "config"),
		"XDG_DATA_HOME=" + privateDir(t, base, "data"),
		"XDG_CACHE_HOME=" + privateDir(t, base, "cache"),
		"XDG_RUNTIME_DIR=" + privateDir(t, base, "runtime"),
		"DISPLAY=" + h.display,
		"DBUS_SESSION_BUS_ADDRESS=" + h.bus,
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}
	// Every Wine process of this prefix ends with the test, whatever it
	// left behind: wineserver -k talks only to this prefix's server. Its
	// socket folder, /tmp/wine-*/server-<device>-<inode of the prefix>,
	// goes too (the prefix itself is in t.TempDir).
	t.Cleanup(func() {
		w.run(t, 30*time.Second, "wineserver", "-k")
		removeServerDir(t, w.dir)
	})

	start := time.Now()
	if out, err := w.run(t, 3*time.Minute, "wineboot", "--init"); err != nil {
		t.Fatalf("Wine could not create a prefix (wineboot --init: %v); is Wine installed (scripts/install-deps.sh test)?\n%s", err, lastLines(out, 20))
	}
	if out, err := w.run(t, 2*time.Minute, "wineserver", "-w"); err != nil {
		t.Fatalf("wineserver -w: %v\n%s", err, out)
	}
	sys32 := filepath.Join(w.dir, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); os.IsNotExist(err) {
		cmd := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s",
			"-o", filepath.Join(sys32, "bcryptprimitives.dll"),
			filepath.Join(h.root, "scripts", "wine", "bcryptprimitives.c"), "-ladvapi32")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building bcryptprimitives.dll for Wine: %v\n%s", err, out)
		}
		t.Log("this Wine has no bcryptprimitives.dll; installed the test's own ProcessPrng")
	}
	// pkg/browser opens links with rundll32 url.dll,FileProtocolHandler,
	// which under Wine ends in winebrowser and the programs it lists: a
	// script that records the URL and loads it in headless Chromium.
	w.browserLog = filepath.Join(base, "browser.log")
	script := filepath.Join(base, "browser.sh")
	body := "#!/bin/sh\n" +
		"printf '%s\\n' \"$1\" >> " + w.browserLog + "\n" +
		"exec chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking " +
		"--disable-component-update --disable-sync --user-data-dir=" + filepath.Join(base, "chromium") +
		" --dump-dom \"$1\" > " + w.browserLog + ".html 2>/dev/null\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := w.run(t, time.Minute, "wine", "reg", "add", `HKCU\Software\Wine\WineBrowser`, "/v", "Browsers", "/d", script, "/f"); err != nil {
		t.Fatalf("setting Wine's browser: %v\n%s", err, out)
	}
	users, _ := filepath.Glob(filepath.Join(w.dir, "drive_c", "users", "*", "AppData"))
	for _, u := range users {
		if filepath.Base(filepath.Dir(u)) != "Public" {
			w.user = filepath.Dir(u)
		}
	}
	if w.user == "" {
		t.Fatalf("no user profile in the new prefix %s", w.dir)
	}
	t.Logf("fresh Wine prefix %s in %s", w.dir, time.Since(start).Round(time.Millisecond))
	return w
}

// removeServerDir removes the folder wineserver made in /tmp for the
// prefix dir, found by the device and inode numbers in its name.
func removeServerDir(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	name := fmt.Sprintf("server-%x-%x", st.Dev, st.Ino)
	matches, _ := filepath.Glob(filepath.Join("/tmp", "wine-*", name))
	for _, m := range matches {
		parent := filepath.Dir(m)
		if err := os.RemoveAll(m); err != nil {
			t.Logf("wineserver's folder %s: %v", m, err)
			continue
		}
		_ = os.Remove(parent) // only when empty: another prefix's server may share it
	}
}

// run runs a Wine program (wine, wineboot, wineserver) to its end and
// returns its combined output.
func (w *winePrefix) run(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	return w.runIn(t, "", nil, timeout, name, args...)
}

// runIn is run in the directory dir with extra environment variables.
func (w *winePrefix) runIn(t *testing.T, dir string, extra []string, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), w.env...), extra...)
	// A file, not a pipe: wineboot leaves wineserver running with the
	// output handles it inherited.
	f, err := os.CreateTemp(w.logs, name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	b, _ := os.ReadFile(f.Name())
	return string(b), err
}

// checkWindowsExe checks that exe is a 64-bit GUI-subsystem program (no
// console window) whose resources hold an icon, version information
// naming Magiclink, and a manifest.
func checkWindowsExe(exe string) error {
	f, err := pe.Open(exe)
	if err != nil {
		return err
	}
	defer f.Close()
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return errors.New("not a 64-bit program")
	}
	if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return fmt.Errorf("subsystem %d, want %d (Windows GUI: no console window)", oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}
	rsrc := f.Section(".rsrc")
	if rsrc == nil {
		return errors.New("no resources (.rsrc)")
	}
	data, err := rsrc.Data()
	if err != nil || len(data) < 16 {
		return fmt.Errorf("resources unreadable: %v", err)
	}
	// The root resource directory: a 16-byte header whose last two
	// 16-bit fields count named and numbered entries of 8 bytes each.
	named := int(binary.LittleEndian.Uint16(data[12:]))
	ids := int(binary.LittleEndian.Uint16(data[14:]))
	types := map[uint32]bool{}
	for i := named; i < named+ids && 16+8*i+8 <= len(data); i++ {
		types[binary.LittleEndian.Uint32(data[16+8*i:])] = true
	}
	for id, what := range map[uint32]string{3: "icon", 14: "icon group", 16: "version information", 24: "manifest"} {
		if !types[id] {
			return fmt.Errorf("no %s resource (type %d) among %v", what, id, types)
		}
	}
	utf16 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return b
	}
	for _, s := range []string{"ProductName", "Magiclink", "FileVersion", "magiclink.exe"} {
		if !bytes.Contains(data, utf16(s)) {
			return fmt.Errorf("the version information lacks %q", s)
		}
	}
	return nil
}

// winres is the go-winres the Makefile pins (WINRES := …).
func winres(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":="); ok && strings.TrimSpace(k) == "WINRES" {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no WINRES in the Makefile")
	return ""
}

// windowsPath is the Windows name of a path inside the prefix's drive C.
func windowsPath(p string) string {
	_, rest, _ := strings.Cut(filepath.ToSlash(p), "/drive_c/")
	return `C:\` + strings.ReplaceAll(rest, "/", `\`)
}

// splitCommand splits a registry command line at spaces outside double
// quotes and drops the quotes.
func splitCommand(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case r == ' ' && !quoted:
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}

// regQuery is `wine reg query key /ve` (the key's default value), or ""
// when the key does not exist.
func (w *winePrefix) regQuery(t *testing.T, key string) string {
	t.Helper()
	out, err := w.run(t, time.Minute, "wine", "reg", "query", key, "/ve")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(out, "\n") {
		if _, v, ok := strings.Cut(line, "REG_SZ"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestWindowsUnderWine is the Windows smoke test, its steps in order: the
// exe's resources; the installer and uninstaller; the engine's, client's,
// instance's and registration's own tests built for Windows; --help on
// the terminal; the window, a typed email, Open demo inbox in a browser,
// the link signing in; a second launch raising the first over the named
// pipe; the log file and data under %LOCALAPPDATA% and %APPDATA%; Ctrl+Q;
// a relaunch restoring the session from Credential Manager; --reset;
// magiclink:// registered under HKCU and a link through it signing in;
// a start error in a message box; a screenshot in a Windows frame; no
// token in any log.
func TestWindowsUnderWine(t *testing.T) {
	exe := os.Getenv("MAGICLINK_WINDOWS_EXE")
	if exe == "" {
		t.Fatal("MAGICLINK_WINDOWS_EXE is not set; run `make e2e-windows`, which builds dist/windows/magiclink.exe and runs this test on it")
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("the Windows build: %v; run `make windows`", err)
	}
	requireTools(t, wineTools)
	h := newOutput(t, "e2e-windows")
	h.startXvfb(t)
	h.startBus(t) // for Chromium only: the Windows app has no D-Bus
	w := newWinePrefix(t, h)
	d := newAppDirs(t)

	demoAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	redirectPort := freePort(t)
	redirect := fmt.Sprintf("http://localhost:%d/authenticate", redirectPort)
	env := append(append([]string(nil), w.env...),
		"MAGICLINK_LOG=debug", "MAGICLINK_DEMO_ADDR="+demoAddr, "STYTCH_REDIRECT_URL="+redirect)
	emu := emulator{base: "http://" + demoAddr}
	// launchFor starts magiclink.exe; it is stopped at the end of owner.
	launchFor := func(t, owner *testing.T, name string, args ...string) *appProc {
		t.Helper()
		return h.start(t, owner, name, d, env, "wine", append([]string{exe}, args...)...)
	}
	launch := func(t *testing.T, name string, args ...string) *appProc {
		t.Helper()
		return launchFor(t, t, name, args...)
	}
	// finish waits for a launch that is expected to end by itself.
	finish := func(t *testing.T, a *appProc, within time.Duration) string {
		t.Helper()
		select {
		case <-a.done:
		case <-time.After(within):
			t.Fatalf("%s did not finish within %s; stderr tail:\n%s", a.name, within, tail(a.stderr, 20))
		}
		if a.err != nil {
			t.Fatalf("exit: %v; stdout %q; stderr tail:\n%s", a.err, readFile(t, a.stdout), tail(a.stderr, 20))
		}
		return readFile(t, a.stdout)
	}
	// quitWith quits with keys and requires exit status 0: Wine turns
	// SIGTERM into an outright kill, so that is no clean quit. Under Wine
	// the process ends 2–3 s after its window.
	quitWith := func(t *testing.T, a *appProc, win, keys string) {
		t.Helper()
		h.keys(t, win, keys)
		finish(t, a, 20*time.Second)
	}
	// quit closes the window with Alt+F4, Windows' WM_CLOSE.
	quit := func(t *testing.T, a *appProc, win string) {
		t.Helper()
		quitWith(t, a, win, "alt+F4")
	}
	const alice = "alice@example.com"
	seen := map[string]bool{}
	var logFile string

	t.Run("00-a-gui-program-with-icon-version-and-manifest", func(t *testing.T) {
		if err := checkWindowsExe(exe); err != nil {
			t.Fatalf("%s: %v", exe, err)
		}
	})

	t.Run("01-installer-installs-and-uninstalls", func(t *testing.T) {
		setup := os.Getenv("MAGICLINK_WINDOWS_SETUP")
		if setup == "" {
			t.Fatal("MAGICLINK_WINDOWS_SETUP is not set; run `make e2e-windows`, which builds the installer")
		}
		dir := filepath.Join(w.user, "AppData", "Local", "Programs", "Magiclink")
		shortcut := filepath.Join(w.user, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Magiclink.lnk")
		const key = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Magiclink`
		if out, err := w.run(t, 3*time.Minute, "wine", setup, "/S"); err != nil {
			t.Fatalf("the silent install failed: %v\n%s", err, out)
		}
		for _, f := range []string{filepath.Join(dir, "magiclink.exe"), filepath.Join(dir, "README.txt"), filepath.Join(dir, "uninstall.exe"), shortcut} {
			if _, err := os.Stat(f); err != nil {
				t.Fatalf("not installed: %v", err)
			}
		}
		out, err := w.run(t, time.Minute, "wine", "reg", "query", key, "/v", "UninstallString")
		if err != nil || !strings.Contains(out, `AppData\Local\Programs\Magiclink\uninstall.exe`) {
			t.Fatalf("no uninstall entry under %s: %v\n%s", key, err, out)
		}
		if out, err := w.run(t, time.Minute, "wine", filepath.Join(dir, "magiclink.exe"), "--version"); err != nil || !strings.HasPrefix(out, "magiclink ") {
			t.Fatalf("the installed program: %v: %q", err, out)
		}
		// While the installed app runs, the uninstaller refuses (status 3,
		// nothing removed): it would leave the session and the program.
		// (_?= runs it in place, to its end, so its status is the answer.)
		running := h.start(t, t, "installed", d, env, "wine", filepath.Join(dir, "magiclink.exe"))
		runningWin := h.waitTitle(t, running, demo(titleSignIn), 90*time.Second)
		out, err = w.run(t, 3*time.Minute, "wine", filepath.Join(dir, "uninstall.exe"), "/S", `_?=`+windowsPath(dir))
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("uninstalling beside the running app: %v, want exit status 3\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "magiclink.exe")); err != nil {
			t.Fatalf("the refused uninstall removed the program: %v", err)
		}
		h.keys(t, runningWin, "alt+F4")
		finish(t, running, 20*time.Second)
		// The uninstaller copies itself to the temporary folder and runs
		// from there; wineserver -w waits for it.
		if out, err := w.run(t, 3*time.Minute, "wine", filepath.Join(dir, "uninstall.exe"), "/S"); err != nil {
			t.Fatalf("the silent uninstall failed: %v\n%s", err, out)
		}
		if out, err := w.run(t, 3*time.Minute, "wineserver", "-w"); err != nil {
			t.Fatalf("wineserver -w: %v\n%s", err, out)
		}
		for _, f := range []string{dir, shortcut} {
			if _, err := os.Stat(f); !os.IsNotExist(err) {
				t.Fatalf("%s is still there after uninstalling (%v)", f, err)
			}
		}
		if out, err := w.run(t, time.Minute, "wine", "reg", "query", key); err == nil {
			t.Fatalf("the uninstall entry is still there:\n%s", out)
		}
	})

	// A release build signs the exe, the installer and the uninstaller it
	// writes (scripts/windows/sign.sh): here with a throwaway code-signing
	// certificate, no timestamp server, into the test's own folder.
	t.Run("02-signed-release", func(t *testing.T) {
		dir := t.TempDir()
		for _, args := range [][]string{
			{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Magiclink test signing",
				"-addext", "extendedKeyUsage=codeSigning", "-keyout", filepath.Join(dir, "key.pem"), "-out", filepath.Join(dir, "cert.pem")},
			{"pkcs12", "-export", "-inkey", filepath.Join(dir, "key.pem"), "-in", filepath.Join(dir, "cert.pem"),
				"-passout", "file:" + filepath.Join(dir, "pass"), "-out", filepath.Join(dir, "cert.pfx")},
		} {
			if err := os.WriteFile(filepath.Join(dir, "pass"), []byte("test password\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %s: %v\n%s", args[0], err, out)
			}
		}
		out := filepath.Join(dir, "dist")
		build := exec.Command(filepath.Join(h.root, "scripts", "windows", "build.sh"))
		build.Dir = h.root
		build.Env = append(os.Environ(), "GO=go", "VERSION=1.0.0", "LDFLAGS=-s -w", "WINRES="+winres(t, h.root), "OUT_DIR="+out,
			"WINDOWS_SIGN_PFX="+filepath.Join(dir, "cert.pfx"), "WINDOWS_SIGN_PASSWORD_FILE="+filepath.Join(dir, "pass"),
			"WINDOWS_SIGN_TIMESTAMP=")
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("signed build: %v\n%s", err, b)
		} else if n := strings.Count(string(b), "signed "); n != 3 {
			t.Fatalf("signed %d files, want 3 (exe, uninstaller, installer):\n%s", n, b)
		}
		verify := func(f string) {
			t.Helper()
			b, err := exec.Command("osslsigncode", "verify", "-CAfile", filepath.Join(dir, "cert.pem"), "-in", f).CombinedOutput()
			if err != nil || !strings.Contains(string(b), "Signature verification: ok") {
				t.Fatalf("%s is not signed by the test certificate: %v\n%s", f, err, lastLines(string(b), 10))
			}
		}
		setup := filepath.Join(out, "magiclink-1.0.0-windows-amd64-setup.exe")
		verify(filepath.Join(out, "windows", "magiclink.exe"))
		verify(setup)
		// The uninstaller exists once installed.
		target := filepath.Join(w.user, "AppData", "Local", "Programs", "Magiclink-signed")
		if b, err := w.run(t, 3*time.Minute, "wine", setup, "/S", "/D="+windowsPath(target)); err != nil {
			t.Fatalf("installing the signed build: %v\n%s", err, b)
		}
		verify(filepath.Join(target, "uninstall.exe"))
		verify(filepath.Join(target, "magiclink.exe"))
		if b, err := w.run(t, 3*time.Minute, "wine", filepath.Join(target, "uninstall.exe"), "/S"); err != nil {
			t.Fatalf("uninstalling the signed build: %v\n%s", err, b)
		}
		if b, err := w.run(t, 3*time.Minute, "wineserver", "-w"); err != nil {
			t.Fatalf("wineserver -w: %v\n%s", err, b)
		}
	})

	// The code below the window, by its own tests built for Windows: the
	// engine (loopback listener on both loopbacks, Windows' socket errors,
	// Credential Manager), the client API, the named mutex and pipe, the
	// HKCU registration. Wine 8 cannot delete a file the way Go 1.27's
	// os.Remove asks, so tests whose t.TempDir holds files fail in their
	// clean-up under it: those are left out (-test.skip), as are the
	// emulator's and launch's other tests, which mostly write files.
	t.Run("03-unit-tests-built-for-windows", func(t *testing.T) {
		bin := t.TempDir()
		for _, u := range []struct {
			pkg, run, skip string
			want           []string
		}{
			{"auth/instance", ".", "", []string{"TestSecondAcquireFindsTheFirstAndRaisesIt", "TestJoinAnOwnerThatDoesNotAnswer",
				"TestRejectedRequestReachesTheSender", "TestKilledOwnerIsReplaced", "TestSilentClientIsDroppedAfterTheTimeout"}},
			{"auth", ".", "^TestLoadEnvPrecedence$", []string{"TestRealKeyring", "TestRealKeyringEndToEnd", "TestPortBusy",
				"TestLocalhostServesBothLoopbacks", "TestUnreachableSaysWhy", "TestKeyringFailingStillSignsIn",
				"TestWindowsSocketErrorsReadAsTheirUnixTwins"}},
			{"auth/publicclient", ".", "", []string{"TestLogsHoldNoSecrets"}},
			{"auth/launch", "^TestRegisterHandlerWritesHKCU$", "", []string{"TestRegisterHandlerWritesHKCU"}},
		} {
			testExe := filepath.Join(bin, strings.ReplaceAll(u.pkg, "/", "_")+".test.exe")
			build := exec.Command("go", "test", "-c", "-o", testExe, "./"+u.pkg)
			build.Dir = h.root
			build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("building the %s tests for Windows: %v\n%s", u.pkg, err, out)
			}
			out, err := w.runIn(t, filepath.Join(h.root, u.pkg),
				[]string{"MAGICLINK_REAL_KEYRING=1", "MAGICLINK_WINDOWS_REGISTRY_TEST=1"},
				5*time.Minute, "wine", testExe, "-test.v", "-test.count=1", "-test.timeout=4m", "-test.run", u.run, "-test.skip", u.skip)
			if err != nil {
				t.Fatalf("the %s tests failed under Wine: %v\n%s", u.pkg, err, lastLines(out, 40))
			}
			for _, name := range u.want {
				if !strings.Contains(out, "--- PASS: "+name+" ") {
					t.Errorf("%s: %s did not pass (skipped or missing):\n%s", u.pkg, name, lastLines(out, 40))
				}
			}
		}
	})

	t.Run("04-help-reaches-the-terminal", func(t *testing.T) {
		a := launch(t, "help", "--help")
		out := finish(t, a, time.Minute)
		// flag prints usage on stderr; the GUI-subsystem exe must still
		// have one.
		if help := readFile(t, a.stderr); !strings.Contains(help, "  -demo\n") || !strings.Contains(help, "  -reset\n") {
			t.Fatalf("--help printed %q on stderr and %q on stdout", help, out)
		}
	})

	parent := t
	var app *appProc
	var win string
	t.Run("05-window-and-typed-email", func(t *testing.T) {
		// Owned by the parent test: it lives on into the next steps.
		app = launchFor(t, parent, "first")
		win = h.waitTitle(t, app, demo(titleSignIn), 90*time.Second)
		app.waitInboxLine(t, demoAddr)
		h.screenshot(t, win, "windows-01-sign-in")
		h.typeText(t, win, alice)
		h.keys(t, win, "Return")
		h.waitTitle(t, app, demo(titleInbox), waitShort)
		h.screenshot(t, win, "windows-02-check-inbox")
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("06-open-demo-inbox-in-the-browser", func(t *testing.T) {
		// The focused button on this screen is Open demo inbox.
		h.keys(t, win, "Return")
		deadline := time.Now().Add(60 * time.Second)
		want := "http://" + demoAddr + "/dev/inbox"
		for {
			html := readFile(t, w.browserLog+".html")
			if readFile(t, w.browserLog) == want+"\n" && strings.Contains(html, alice) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the browser was asked for %q (want %q) and showed %d bytes", readFile(t, w.browserLog), want, len(html))
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	t.Run("07-link-signs-in", func(t *testing.T) {
		m := h.waitMail(t, emu, alice, seen, "login", "signup")
		u, err := url.Parse(m.Link)
		if err != nil || u.Host != demoAddr {
			t.Fatalf("link %q does not point at the demo emulator %s", m.Link, demoAddr)
		}
		p := h.chromium(t, m.Link)
		if p.heading != headingSignedIn {
			t.Fatalf("the browser shows %q, want %q", p.heading, headingSignedIn)
		}
		h.waitTitle(t, app, demo(titleSignedIn), waitShort)
		h.screenshot(t, win, "windows-03-signed-in")
		if n := len(emu.active(t)); n != 1 {
			t.Fatalf("%d active sessions at the emulator, want 1", n)
		}
	})

	t.Run("08-second-launch-raises-the-first", func(t *testing.T) {
		out := finish(t, launch(t, "second"), time.Minute)
		if want := "Magiclink is already running; its window was brought to the front.\n"; out != want {
			t.Fatalf("second launch printed %q, want %q", out, want)
		}
		if n := len(h.windows()); n != 1 {
			t.Fatalf("%d Magiclink windows, want 1", n)
		}
		deadline := time.Now().Add(waitShort)
		for !strings.Contains(readFile(t, app.stderr), "another launch asked for the window") {
			if time.Now().After(deadline) {
				t.Fatalf("the running app was not asked to raise its window over the named pipe; stderr tail:\n%s", tail(app.stderr, 20))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("09-log-file", func(t *testing.T) {
		logFile = filepath.Join(w.user, "AppData", "Local", "Magiclink", "logs", "magiclink.log")
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatalf("no log file under %%LOCALAPPDATA%%: %v", err)
		}
		if !strings.Contains(string(b), `msg="signed in"`) || !strings.Contains(string(b), "another launch asked for the window") {
			t.Fatalf("the log file does not record the sign-in:\n%s", lastLines(string(b), 20))
		}
		state := filepath.Join(w.user, "AppData", "Roaming", "fyne", "io.github.magiclink.magiclink", "demo-stytch-state.json")
		if _, err := os.Stat(state); err != nil {
			t.Fatalf("the demo state is not under %%APPDATA%%: %v", err)
		}
	})

	t.Run("10-quit-from-the-keyboard", func(t *testing.T) {
		// Alt+F4 here, Ctrl+Q on the relaunch below: after another
		// launch raised this window, Wine with no window manager may no
		// longer hand it the keys its own shortcut needs.
		quit(t, app, win)
	})

	t.Run("11-relaunch-restores-from-credential-manager", func(t *testing.T) {
		a := launch(t, "relaunch")
		win := h.waitTitle(t, a, demo(titleSignedIn), 90*time.Second)
		// The demo emulator starts again with the app; its outbox is not
		// kept, so any mail in it is new.
		if m := emu.outbox(t, ""); len(m) != 0 {
			t.Fatalf("%d emails sent on relaunch, want none: the session was not restored", len(m))
		}
		if n := len(emu.active(t)); n != 1 {
			t.Fatalf("%d active sessions after relaunch, want the 1 restored", n)
		}
		quitWith(t, a, win, "ctrl+q") // the app's own shortcut
	})

	t.Run("12-reset-signs-out", func(t *testing.T) {
		out := finish(t, launch(t, "reset", "--reset"), time.Minute)
		if want := "Signed out: the session was ended at Stytch and removed from this computer.\n"; out != want {
			t.Fatalf("--reset printed %q, want %q", out, want)
		}
		a := launch(t, "after-reset")
		win := h.waitTitle(t, a, demo(titleSignIn), 90*time.Second)
		if n := len(emu.active(t)); n != 0 {
			t.Fatalf("%d sessions still active at the emulator after --reset", n)
		}
		quit(t, a, win)
	})

	// Wine does not merge HKCU\Software\Classes into HKEY_CLASSES_ROOT,
	// so its ShellExecute cannot find the handler; the test runs the
	// registered command line itself, as Windows would for a clicked link.
	t.Run("13-magiclink-deep-link-through-HKCU", func(t *testing.T) {
		const key = `HKCU\Software\Classes\magiclink\shell\open\command`
		a := launch(t, "deeplink", "--redirect-url", "magiclink://authenticate")
		win := h.waitTitle(t, a, demo(titleSignIn), 90*time.Second)
		deadline := time.Now().Add(waitShort)
		var command string
		for command == "" && time.Now().Before(deadline) {
			command = w.regQuery(t, key)
		}
		args := splitCommand(command)
		if len(args) != 4 || !strings.HasSuffix(args[0], `\magiclink.exe`) || args[1] != "--redirect-url" ||
			args[2] != "magiclink://authenticate" || args[3] != "%1" {
			t.Fatalf("%s = %q, want \"…\\magiclink.exe\" --redirect-url magiclink://authenticate \"%%1\"", key, command)
		}
		h.typeText(t, win, alice)
		h.keys(t, win, "Return")
		h.waitTitle(t, a, demo(titleInbox), waitShort)
		m := h.waitMail(t, emu, alice, seen, "login", "signup")
		status, deep := hostedRedirect(t, m.Link)
		if status != 302 || !strings.HasPrefix(deep, "magiclink://authenticate?") {
			t.Fatalf("the hosted redirect answered %d to %q, want 302 to magiclink://authenticate?…", status, deep)
		}
		if u, err := url.Parse(deep); err == nil {
			h.secrets = append(h.secrets, u.Query().Get("token"))
		}
		// The command line Windows would run for the clicked link: the
		// registered program, its arguments, the link for %1.
		opened := h.start(t, t, "deeplink-handler", d, env, "wine", args[0], args[1], args[2], deep)
		out := finish(t, opened, time.Minute)
		if want := "Magiclink is already running; it was handed the sign-in link and its window brought to the front.\n"; out != want {
			t.Fatalf("the link's launch printed %q, want %q", out, want)
		}
		h.waitTitle(t, a, demo(titleSignedIn), waitShort)
		h.screenshot(t, win, "windows-04-signed-in-by-deep-link")
		quit(t, a, win)

		out = finish(t, launch(t, "unregister", "--unregister"), time.Minute)
		if !strings.Contains(out, "no longer opens magiclink:// links") {
			t.Fatalf("--unregister printed %q", out)
		}
		if command := w.regQuery(t, key); command != "" {
			t.Fatalf("still registered after --unregister: %q", command)
		}
	})

	// Started from Explorer a GUI program has no standard output or
	// error at all (start /unix does the same: ShellExecute, no handles
	// passed on); an error before the window opens is then shown in a
	// message box.
	t.Run("14-start-error-in-a-message-box", func(t *testing.T) {
		missing := `C:\no-such-folder\magiclink.env`
		a := h.start(t, t, "start-error", d, env, "wine", "start", "/wait", "/unix", exe, "--env-file", missing)
		deadline := time.Now().Add(90 * time.Second)
		var box string
		for box == "" {
			out, _ := h.xdotool("search", "--onlyvisible", "--name", "^"+startErrorTitle+"$")
			if f := strings.Fields(out); len(f) > 0 {
				box = f[0]
			} else if a.exited() || time.Now().After(deadline) {
				t.Fatalf("no %q message box (exited %v: %v)", startErrorTitle, a.exited(), a.err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		h.screenshot(t, box, "windows-05-start-error")
		h.keys(t, box, "Return")
		select {
		case <-a.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the program did not end after its message box was closed")
		}
		if ee, ok := a.err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Fatalf("exit %v, want status 2 (a usage error)", a.err)
		}
	})

	// Last: Wine's virtual desktop draws the window frame as Windows
	// does, for a picture of the app as Windows users see it.
	t.Run("15-screenshot-in-a-windows-frame", func(t *testing.T) {
		a := h.start(t, t, "wine-desktop", d, env, "wine", "explorer", "/desktop=magiclink-e2e,560x720", exe)
		deadline := time.Now().Add(90 * time.Second)
		var desk string
		for {
			// The app's window is inside the desktop window, which
			// xdotool sees; the app's own title shows it has drawn.
			inner, _ := h.xdotool("search", "--name", "^Magiclink — ")
			out, _ := h.xdotool("search", "--name", "^magiclink-e2e - Wine desktop$")
			if f := strings.Fields(out); len(f) > 0 && strings.TrimSpace(inner) != "" {
				desk = f[0]
				break
			}
			if a.exited() || time.Now().After(deadline) {
				t.Fatalf("no Wine desktop with the Magiclink window (exited %v); stderr tail:\n%s", a.exited(), tail(a.stderr, 20))
			}
			time.Sleep(200 * time.Millisecond)
		}
		h.screenshot(t, desk, "windows-06-in-a-windows-frame")
	})

	t.Run("16-no-secrets-in-logs", func(t *testing.T) {
		files := append([]string{logFile}, h.logs...)
		for _, f := range files {
			b := readFile(t, f)
			for _, s := range h.secrets {
				if strings.Contains(b, s) {
					t.Fatalf("%s contains a sign-in token", f)
				}
			}
		}
	})
}
