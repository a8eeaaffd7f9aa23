package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// What a scenario's app run waits for after its first frame.
const (
	kindCold    = iota // demo mode, signed out: idle memory on the sign-in view
	kindClosed         // Stytch on a closed port: the app must go Offline
	kindSlow           // Stytch answering after 5 s: still Restoring
	kindRestore        // stored session, local emulator: profile drawn
)

// slowLatency is the standalone slow emulator's -latency.
const slowLatency = 5 * time.Second

// scenario is one whole-process measure: how the app is started and what
// it waits for. Each has its own baseline runs, alternated with its app
// runs.
type scenario struct {
	key  string   // name in logs
	kind int      // what the app run waits for
	env  []string // added to the app's environment
}

// sample is one measured run.
type sample struct {
	frame time.Duration // exec → first frame (restore: profile drawn)
	first time.Duration // restore only: exec → the app's first frame
	rssKB int64         // idle resident set size; 0 when not measured
}

// bench runs the two programs on the private desktop.
type bench struct {
	t        *procTable
	d        *desktop
	x        xtools
	app      string        // path of the app binary
	hello    string        // path of the baseline binary
	timeout  time.Duration // limit of one run
	idle     time.Duration // idle time before reading memory
	progress io.Writer
	verbose  bool
	seq      int
	shots    map[string]bool // first-frame dumps already saved
}

// launch starts bin in the private session with extra environment.
func (b *bench) launch(name, bin string, extra []string) (*proc, error) {
	b.seq++
	base := fmt.Sprintf("%03d-%s", b.seq, name)
	out, err := b.d.logFile(base + ".out")
	if err != nil {
		return nil, err
	}
	defer out.Close()
	errf, err := b.d.logFile(base + ".err")
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clone(b.d.env), extra...)
	cmd.Dir = b.d.runDir
	cmd.Stdout, cmd.Stderr = out, errf
	return b.t.start(name, cmd)
}

// watch returns a watch of p limited to the run timeout.
func (b *bench) watch(p *proc) *watch {
	return &watch{x: b.x, p: p, deadline: p.start.Add(b.timeout)}
}

// saveShot keeps the first first-frame dump of each program and scenario
// in the logs, for checking what was counted as a frame.
func (b *bench) saveShot(key string, w *watch) {
	if b.shots[key] || w.firstShot == nil {
		return
	}
	b.shots[key] = true
	_ = os.WriteFile(filepath.Join(b.d.logs, "first-frame-"+key+".xwd"), w.firstShot, 0o600)
}

// runBaseline measures one run of the hello-world program: first frame,
// and idle memory when rss is set.
func (b *bench) runBaseline(ctx context.Context, key string, rss bool) (sample, error) {
	p, err := b.launch("hello", b.hello, nil)
	if err != nil {
		return sample{}, err
	}
	defer b.t.stop(p, 5*time.Second)
	w := b.watch(p)
	var s sample
	if s.frame, err = w.firstFrame(ctx); err != nil {
		return s, err
	}
	b.saveShot(key+"-baseline", w)
	if rss {
		s.rssKB, err = b.idleRSS(ctx, p)
	}
	return s, err
}

// runApp measures one run of the app in scenario sc.
func (b *bench) runApp(ctx context.Context, sc scenario) (sample, error) {
	p, err := b.launch("magiclink", b.app, sc.env)
	if err != nil {
		return sample{}, err
	}
	defer b.t.stop(p, 5*time.Second)
	w := b.watch(p)
	var s sample
	if b.verbose {
		defer b.printStates(p)
	}
	if s.frame, err = w.firstFrame(ctx); err != nil {
		return s, err
	}
	b.saveShot(sc.key+"-app", w)
	if sc.kind == kindRestore {
		s.first = s.frame
		s.frame, err = w.viewDrawn(ctx, "Signed in")
		return s, err
	}
	switch sc.kind {
	case kindCold:
		if _, err := w.waitTitle(ctx, "Sign in (demo)"); err != nil {
			return s, err
		}
		if !hasLine(p.outPath, "demo inbox: ") {
			return s, fmt.Errorf("the app did not print its demo inbox: not in demo mode?")
		}
		s.rssKB, err = b.idleRSS(ctx, p)
	case kindClosed:
		_, err = w.waitTitle(ctx, "Offline")
	case kindSlow:
		if _, err = w.waitTitle(ctx, "Restoring"); err == nil && time.Since(p.start) >= slowLatency {
			err = fmt.Errorf("the slow-Stytch run took %v to show Restoring, longer than the latency it tests", time.Since(p.start))
		}
	}
	return s, err
}

// idleRSS leaves p alone for the idle time, then reads its memory use.
func (b *bench) idleRSS(ctx context.Context, p *proc) (int64, error) {
	if err := sleep(ctx, b.idle); err != nil {
		return 0, err
	}
	if p.exited() {
		return 0, p.exitError()
	}
	return rssKB(p.pid())
}

// pair runs the baseline and the app once each, in the given order.
func (b *bench) pair(ctx context.Context, sc scenario, appFirst bool) (app, base sample, err error) {
	runApp := func() error {
		app, err = b.runApp(ctx, sc)
		return wrap(err, "app run ("+sc.key+")")
	}
	runBase := func() error {
		base, err = b.runBaseline(ctx, sc.key, sc.kind == kindCold)
		return wrap(err, "baseline run ("+sc.key+")")
	}
	steps := []func() error{runBase, runApp}
	if appFirst {
		steps = []func() error{runApp, runBase}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return app, base, err
		}
	}
	if b.verbose {
		first := ""
		if app.first > 0 {
			first = fmt.Sprintf("(first frame %.1f ms)", ms(app.first))
		}
		fmt.Fprintf(b.progress, "  %-8s app %7.1f ms %s%s | baseline %7.1f ms %s\n", sc.key,
			ms(app.frame), rssNote(app.rssKB), first, ms(base.frame), rssNote(base.rssKB))
	}
	return app, base, nil
}

// rssNote formats a memory reading for verbose output.
func rssNote(kb int64) string {
	if kb == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}

// wrap adds context to err, keeping nil as nil.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// warmUp runs each program once, unmeasured: the demo emulator creates its
// signing key in the shared data directory, and font and shader caches
// are filled, so every measured run starts from the same state.
func (b *bench) warmUp(ctx context.Context, demoEnv []string) error {
	if _, err := b.runBaseline(ctx, "warmup", false); err != nil {
		return wrap(err, "baseline warm-up run")
	}
	p, err := b.launch("magiclink-warmup", b.app, demoEnv)
	if err != nil {
		return err
	}
	w := b.watch(p)
	_, err = w.waitTitle(ctx, "Sign in (demo)")
	b.t.stop(p, 5*time.Second)
	if err != nil {
		return wrap(err, "app warm-up run")
	}
	state := filepath.Join(b.d.config, "fyne", appID, "demo-stytch-state.json")
	if _, err := os.Stat(state); err != nil {
		return fmt.Errorf("the demo emulator's state (with its signing key) was not saved after the warm-up run: %w", err)
	}
	return nil
}

// signIn signs the app in once against em, as a person would: type the
// address into the sign-in view, press Return, open the emailed link.
// The session ends up in the private keyring; its token is returned.
func (b *bench) signIn(ctx context.Context, em *emulator, env []string) (string, error) {
	p, err := b.launch("magiclink-signin", b.app, env)
	if err != nil {
		return "", err
	}
	defer b.t.stop(p, 5*time.Second)
	w := b.watch(p)
	w.deadline = time.Now().Add(2 * b.timeout)
	if _, err := w.waitTitle(ctx, "Sign in"); err != nil {
		return "", wrap(err, "sign-in run")
	}
	for _, args := range [][]string{
		{"windowfocus", "--sync", w.win},
		{"type", "--delay", "10", benchEmail},
		{"key", "Return"},
	} {
		if _, err := b.x.run(ctx, "xdotool", args...); err != nil {
			return "", wrap(err, "typing the address")
		}
	}
	link, err := em.waitLink(ctx, benchEmail, 20*time.Second)
	if err != nil {
		t, _ := b.x.title(ctx, w.win)
		return "", fmt.Errorf("%w (window title %q)", err, t)
	}
	if err := openLink(ctx, link); err != nil {
		return "", err
	}
	if _, err := w.waitTitle(ctx, "Signed in"); err != nil {
		return "", wrap(err, "sign-in run")
	}
	b.t.stop(p, 5*time.Second)
	return storedToken(ctx, b.x, em.base)
}

// stytchEnv is the app's environment for the bench project at base.
func stytchEnv(base, redirect string) []string {
	return []string{
		"STYTCH_PROJECT_ID=" + benchProjectID,
		"STYTCH_SECRET=" + benchSecret,
		"STYTCH_BASE_URL=" + base,
		"STYTCH_REDIRECT_URL=" + redirect,
	}
}

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// hasLine reports whether the file at path has a line starting with prefix.
func hasLine(path, prefix string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// printStates prints, for -v, when the app logged each state change,
// counted from exec: where the time between exec and a view goes.
func (b *bench) printStates(p *proc) {
	data, err := os.ReadFile(p.errPath)
	if err != nil {
		return
	}
	var parts []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, `msg="state changed"`) {
			continue
		}
		var at time.Time
		to := ""
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "time="); ok {
				at, _ = time.Parse(time.RFC3339Nano, v)
			}
			if v, ok := strings.CutPrefix(f, "to="); ok {
				to = v
			}
		}
		parts = append(parts, fmt.Sprintf("%s at %.0f ms", to, ms(at.Sub(p.start))))
	}
	if len(parts) > 0 {
		fmt.Fprintf(b.progress, "    app log: %s\n", strings.Join(parts, ", "))
	}
}
