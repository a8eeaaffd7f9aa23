// Command magiclink-bench is magiclink's performance benchmark (issue 6):
// it builds the app and a hello-world Fyne program (./hello) with the same
// toolchain and flags, runs both alternately on a private Xvfb display with
// a private D-Bus session and an unlocked gnome-keyring, and prints one
// table comparing start-up time, start-up with Stytch unreachable, restore
// to the profile, idle memory, click-to-signed-in latency (from the Go
// benchmarks in auth/bench_test.go, for the public-token client and for
// stytch-go, interleaved), binary size, and the public-token path against
// the stytch-go path, against their targets.
//
// It exits 0 whenever it could measure, whether or not targets are met
// (✗ marks a missed target), 1 when the harness itself failed and 2 on bad
// flags. Every process it starts is ended before it exits. See
// docs/performance.md.
//
//	go run ./cmd/magiclink-bench [-runs 10] [-benchtime 100x] [-keep] [-v]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	runs      int
	benchtime string
	idle      time.Duration
	timeout   time.Duration
	keep      bool
	verbose   bool
	appPkg    string
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "magiclink-bench: %v\n", err)
		stop()
		os.Exit(1)
	}
}

// parseFlags parses the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("magiclink-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.runs, "runs", 10, "measured runs of each program per scenario (at least 10 for a report)")
	fs.StringVar(&o.benchtime, "benchtime", "100x", "go test -benchtime for the click-to-signed-in benchmarks")
	fs.DurationVar(&o.idle, "idle", 3*time.Second, "idle time on the sign-in view before reading memory use")
	fs.DurationVar(&o.timeout, "run-timeout", 30*time.Second, "limit of one program run")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, logs, first-frame dumps)")
	fs.BoolVar(&o.verbose, "v", false, "print every run")
	fs.StringVar(&o.appPkg, "app", "./cmd/magiclink", "package of the app to measure (to compare a variant of cmd/magiclink)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 || o.runs < 1 {
		fmt.Fprintln(stderr, "usage: magiclink-bench [-runs N] [-benchtime 100x] [-idle 3s] [-run-timeout 30s] [-keep] [-v]")
		return o, errors.New("bad arguments")
	}
	return o, nil
}

// run measures everything and prints the table on stdout, progress on
// stderr.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	began := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "magiclink-bench-")
	if err != nil {
		return fmt.Errorf("could not create a work directory: %w", err)
	}
	if o.keep {
		defer fmt.Fprintf(stderr, "work directory kept: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	var t procTable
	defer t.stopAll()

	fmt.Fprintln(stderr, "building the app, the baseline and the emulator (go build -trimpath -ldflags \"-s -w\")…")
	bins, err := build(ctx, root, filepath.Join(work, "bin"), o.appPkg)
	if err != nil {
		return err
	}
	d, err := startDesktop(ctx, &t, work)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "private session: Xvfb %s, D-Bus, gnome-keyring\n", d.display)
	b := &bench{t: &t, d: d, x: xtools{env: d.env}, app: bins.app, hello: bins.hello,
		timeout: o.timeout, idle: o.idle, progress: stderr, verbose: o.verbose, shots: map[string]bool{}}
	setup, err := prepare(ctx, b, bins.emulator, work, stderr)
	if err != nil {
		return err
	}
	res, err := measureRounds(ctx, b, setup, o.runs, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "go test -bench (click to signed in, -benchtime %s), session in the keyring, then in memory…\n", o.benchtime)
	gbKeyring, err := runGoBench(ctx, &t, d, root, o.benchtime, true)
	if err != nil {
		return err
	}
	gbMemory, err := runGoBench(ctx, &t, d, root, o.benchtime, false)
	if err != nil {
		return err
	}
	t.stopAll()
	rows := buildRows(res, gbKeyring, gbMemory, bins)
	fmt.Fprintf(stdout, "magiclink performance — %d runs of each program per scenario, alternated; %s; %d cores, %s\n\n",
		o.runs, time.Now().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpuModel())
	printTable(stdout, rows)
	fmt.Fprintf(stdout, "\ntotal time %s\n", time.Since(began).Round(time.Second))
	return nil
}

// binaries are the programs built for the run.
type binaries struct {
	app, hello, emulator string
	appSize, helloSize   int64
}

// build compiles the app, the baseline and the standalone emulator into
// dir with the same toolchain and release flags, and records the sizes of
// the two stripped binaries.
func build(ctx context.Context, root, dir, appPkg string) (binaries, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", dir+"/",
		"./cmd/magiclink-bench/hello", "./cmd/stytch-emulator")
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if out, err := cmd.CombinedOutput(); err != nil {
		return binaries{}, fmt.Errorf("go build failed: %w\n%s", err, out)
	}
	app := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, "magiclink"), appPkg)
	app.Dir = root
	app.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	app.Cancel = func() error { return syscall.Kill(-app.Process.Pid, syscall.SIGKILL) }
	if out, err := app.CombinedOutput(); err != nil {
		return binaries{}, fmt.Errorf("go build %s failed: %w\n%s", appPkg, err, out)
	}
	bins := binaries{
		app:      filepath.Join(dir, "magiclink"),
		hello:    filepath.Join(dir, "hello"),
		emulator: filepath.Join(dir, "stytch-emulator"),
	}
	for _, f := range []struct {
		path string
		size *int64
	}{{bins.app, &bins.appSize}, {bins.hello, &bins.helloSize}} {
		fi, err := os.Stat(f.path)
		if err != nil {
			return bins, fmt.Errorf("built binary missing: %w", err)
		}
		*f.size = fi.Size()
	}
	return bins, nil
}

// moduleRoot returns the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run magiclink-bench inside the magiclink module (go env GOMOD: %q, %v)", gomod, err)
	}
	return filepath.Dir(gomod), nil
}

// cpuModel returns the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// mib formats a byte count in MiB.
func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }
