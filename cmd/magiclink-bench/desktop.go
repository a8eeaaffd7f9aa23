package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// keyringPassword unlocks the private, throw-away login keyring.
const keyringPassword = "magiclink-bench"

// desktop is the private session the programs under test run in: an Xvfb
// display, a D-Bus session bus and an unlocked gnome-keyring, with HOME
// and the XDG directories inside the work directory, so nothing is shared
// with the user's (or another test's) desktop.
type desktop struct {
	work    string   // the harness's work directory
	logs    string   // log files of every process
	runDir  string   // working directory of the programs (no .env there)
	config  string   // XDG_CONFIG_HOME: Fyne app storage
	display string   // DISPLAY, e.g. ":3"
	bus     string   // DBUS_SESSION_BUS_ADDRESS
	env     []string // environment of every program under test
}

// startDesktop creates the directories and starts Xvfb, D-Bus and
// gnome-keyring, registering each in t.
func startDesktop(ctx context.Context, t *procTable, work string) (*desktop, error) {
	d := &desktop{work: work, logs: filepath.Join(work, "logs"), runDir: filepath.Join(work, "run"), config: filepath.Join(work, "config")}
	home := filepath.Join(work, "home")
	rtDir := filepath.Join(work, "xdg-runtime")
	for _, dir := range []string{d.logs, d.runDir, d.config, home, filepath.Join(home, ".cache"), filepath.Join(home, ".local", "share"), rtDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("could not create %s: %w", dir, err)
		}
	}
	d.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LANG=C.UTF-8",
		"XDG_CONFIG_HOME=" + d.config,
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR=" + rtDir,
	}
	var err error
	if d.display, err = d.startXvfb(ctx, t); err != nil {
		return nil, err
	}
	d.env = append(d.env, "DISPLAY="+d.display)
	if d.bus, err = d.startBus(ctx, t); err != nil {
		return nil, err
	}
	d.env = append(d.env, "DBUS_SESSION_BUS_ADDRESS="+d.bus)
	if err := d.startKeyring(ctx, t); err != nil {
		return nil, err
	}
	return d, nil
}

// logFile creates logs/name for a process's output.
func (d *desktop) logFile(name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(d.logs, name))
	if err != nil {
		return nil, fmt.Errorf("could not create a log file: %w", err)
	}
	return f, nil
}

// startWithFD starts name with args, its stderr in logs/log and a pipe
// as file descriptor 3, and returns the first line the process writes
// there (Xvfb's -displayfd and dbus-daemon's --print-address use it).
func (d *desktop) startWithFD(ctx context.Context, t *procTable, name, log string, env []string, args ...string) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("could not create a pipe for %s: %w", name, err)
	}
	defer r.Close()
	errf, err := d.logFile(log)
	if err != nil {
		w.Close()
		return "", err
	}
	defer errf.Close()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = d.runDir
	cmd.Stdout, cmd.Stderr = errf, errf
	cmd.ExtraFiles = []*os.File{w}
	p, err := t.start(name, cmd)
	w.Close()
	if err != nil {
		return "", err
	}
	line, err := readLine(ctx, r, 15*time.Second)
	if err != nil {
		if p.exited() {
			return "", p.exitError()
		}
		return "", fmt.Errorf("%s did not report its address: %w", name, err)
	}
	return line, nil
}

// startXvfb starts a private X server on a free display number and
// returns its DISPLAY value.
func (d *desktop) startXvfb(ctx context.Context, t *procTable) (string, error) {
	n, err := d.startWithFD(ctx, t, "Xvfb", "xvfb.log", d.env,
		"-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset")
	if err != nil {
		return "", fmt.Errorf("starting the X server: %w", err)
	}
	return ":" + n, nil
}

// startBus starts a private D-Bus session bus and returns its address.
func (d *desktop) startBus(ctx context.Context, t *procTable) (string, error) {
	addr, err := d.startWithFD(ctx, t, "dbus-daemon", "dbus.log", d.env,
		"--session", "--nofork", "--nopidfile", "--print-address=3")
	if err != nil {
		return "", fmt.Errorf("D-Bus: %w", err)
	}
	return addr, nil
}

// startKeyring starts gnome-keyring's Secret Service on the private bus,
// creates and unlocks a login keyring, and checks that a secret can be
// stored and read back.
func (d *desktop) startKeyring(ctx context.Context, t *procTable) error {
	logf, err := d.logFile("gnome-keyring.log")
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env, cmd.Dir = d.env, d.runDir
	cmd.Stdin = strings.NewReader(keyringPassword)
	cmd.Stdout, cmd.Stderr = logf, logf
	p, err := t.start("gnome-keyring-daemon", cmd)
	if err != nil {
		return err
	}
	tools := xtools{env: d.env}
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, _ := tools.run(ctx, "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		if strings.Contains(string(out), "boolean true") {
			break
		}
		if p.exited() {
			return fmt.Errorf("gnome-keyring: %w", p.exitError())
		}
		if time.Now().After(deadline) {
			return errors.New("gnome-keyring did not appear on the private D-Bus within 15 s")
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	if _, err := tools.runInput(ctx, "probe", "secret-tool", "store", "--label=magiclink-bench probe", "service", "magiclink-bench", "username", "probe"); err != nil {
		return fmt.Errorf("the private keyring does not accept secrets (is it unlocked?): %w", err)
	}
	out, err := tools.run(ctx, "secret-tool", "lookup", "service", "magiclink-bench", "username", "probe")
	if err != nil || strings.TrimSpace(string(out)) != "probe" {
		return fmt.Errorf("the private keyring did not return a stored secret (%q): %v", out, err)
	}
	return nil
}

// readLine reads one line from r, giving up after timeout or when ctx ends.
func readLine(ctx context.Context, r *os.File, timeout time.Duration) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if errors.Is(err, io.EOF) && line != "" {
			err = nil
		}
		ch <- result{strings.TrimSpace(line), err}
	}()
	select {
	case res := <-ch:
		return res.line, res.err
	case <-time.After(timeout):
		return "", fmt.Errorf("nothing after %v", timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
