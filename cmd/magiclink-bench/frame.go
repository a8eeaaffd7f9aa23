package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Polling of the private display.
const (
	// pollEvery is the pause between two looks at the display.
	pollEvery = 5 * time.Millisecond
	// settleSpan is how long a view must stay pixel-identical before the
	// restore measure takes it as the final view: long enough that the
	// previous view (a spinner, possibly stalled for a few frames on a busy
	// machine) cannot pass for it.
	settleSpan = 250 * time.Millisecond
	// settleMax bounds the wait for a settled view once its title is up.
	settleMax = 5 * time.Second
)

// xtools runs the X11 command-line tools (xdotool, xwd) and the D-Bus and
// keyring tools against the private session.
type xtools struct{ env []string }

// command builds a short-lived tool command in the private session that
// dies with the harness.
func (x xtools) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = x.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	return cmd
}

// run runs a tool and returns its standard output.
func (x xtools) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return x.runInput(ctx, "", name, args...)
}

// runInput runs a tool with input on its standard input.
func (x xtools) runInput(ctx context.Context, input, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := x.command(ctx, name, args...)
	cmd.Stdin = strings.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w (%s)", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// findWindow returns the id of a viewable window of process pid, or "".
func (x xtools) findWindow(ctx context.Context, pid int) string {
	out, err := x.run(ctx, "xdotool", "search", "--all", "--onlyvisible", "--pid", strconv.Itoa(pid))
	if err != nil {
		return "" // xdotool exits 1 when nothing matches
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

// title returns a window's title.
func (x xtools) title(ctx context.Context, win string) (string, error) {
	out, err := x.run(ctx, "xdotool", "getwindowname", win)
	return strings.TrimSpace(string(out)), err
}

// capture dumps a window's content with xwd. It returns the time the dump
// completed: the content shown was on screen by then.
func (x xtools) capture(ctx context.Context, win string) (shot, []byte, time.Time, error) {
	out, err := x.run(ctx, "xwd", "-id", win, "-silent")
	at := time.Now()
	if err != nil {
		return shot{}, nil, at, err
	}
	s, err := parseXWD(out)
	return s, out, at, err
}

// watch follows one program run on the display.
type watch struct {
	x        xtools
	p        *proc
	deadline time.Time
	win      string
	// firstShot is the dump that proved the first frame, kept for the logs.
	firstShot []byte
	// dumps are the drawn captures so far, oldest first.
	dumps []dump
}

// tick fails when the program died or time is up, then pauses.
func (w *watch) tick(ctx context.Context, what string) error {
	if w.p.exited() {
		return w.p.exitError()
	}
	if time.Now().After(w.deadline) {
		return fmt.Errorf("%s: timed out waiting for %s", w.p.name, what)
	}
	return sleep(ctx, pollEvery)
}

// window waits until the program's window is viewable (mapped).
func (w *watch) window(ctx context.Context) error {
	for w.win == "" {
		if w.win = w.x.findWindow(ctx, w.p.pid()); w.win != "" {
			return nil
		}
		if err := w.tick(ctx, "its window"); err != nil {
			return err
		}
	}
	return nil
}

// firstFrame waits for the window, then for a dump of it that shows more
// than one colour, and returns the time from exec to that dump.
func (w *watch) firstFrame(ctx context.Context) (time.Duration, error) {
	if err := w.window(ctx); err != nil {
		return 0, err
	}
	for {
		s, raw, at, err := w.x.capture(ctx, w.win)
		if err == nil && s.drawn {
			w.firstShot = raw
			w.dumps = append(w.dumps, dump{s.sum, at})
			return at.Sub(w.p.start), nil
		}
		if err := w.tick(ctx, "its first frame"); err != nil {
			return 0, err
		}
	}
}

// waitTitle waits until the window title contains want and returns it.
func (w *watch) waitTitle(ctx context.Context, want string) (string, error) {
	if err := w.window(ctx); err != nil {
		return "", err
	}
	last := ""
	for {
		t, err := w.x.title(ctx, w.win)
		if err == nil && strings.Contains(t, want) {
			return t, nil
		}
		if err == nil {
			last = t
		}
		if err := w.tick(ctx, fmt.Sprintf("title %q (last title %q)", want, last)); err != nil {
			return "", err
		}
	}
}

// dump is one capture of a window: its content hash and when it was
// taken.
type dump struct {
	sum uint64
	at  time.Time
}

// viewDrawn waits until the title contains want, then dumps the window
// until its content has stayed the same for settleSpan, and returns the
// time from exec to the first dump (the first frame's included) showing
// that settled content: the moment the view was first seen drawn. The
// title changes in the same UI step that swaps the view, but the frame
// showing the new view is painted later, so dumps taken just after the
// title change can still show the previous view; looking back from the
// settled content skips them without counting the settling time itself.
func (w *watch) viewDrawn(ctx context.Context, want string) (time.Duration, error) {
	if _, err := w.waitTitle(ctx, want); err != nil {
		return 0, err
	}
	limit := time.Now().Add(settleMax)
	for {
		s, _, at, err := w.x.capture(ctx, w.win)
		if err == nil && s.drawn {
			w.dumps = append(w.dumps, dump{s.sum, at})
			if first, ok := settledAt(w.dumps, settleSpan); ok {
				return first.Sub(w.p.start), nil
			}
		}
		if time.Now().After(limit) {
			return 0, fmt.Errorf("%s: the %q view never stayed still for %v", w.p.name, want, settleSpan)
		}
		if err := w.tick(ctx, "a settled "+want+" view"); err != nil {
			return 0, err
		}
	}
}

// settledAt reports whether the last dumps have all shown the same content
// for at least span and, if so, when that content was first dumped.
func settledAt(dumps []dump, span time.Duration) (time.Time, bool) {
	if len(dumps) == 0 {
		return time.Time{}, false
	}
	last := dumps[len(dumps)-1]
	since := last.at
	for i := len(dumps) - 1; i >= 0 && dumps[i].sum == last.sum; i-- {
		since = dumps[i].at
	}
	if last.at.Sub(since) < span {
		return time.Time{}, false
	}
	for _, d := range dumps {
		if d.sum == last.sum {
			return d.at, true
		}
	}
	return since, true
}

// rssKB reads the resident set size of pid from /proc, in KiB.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("could not read the memory use of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS line in /proc/PID/status")
}
