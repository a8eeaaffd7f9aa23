// Command stytch-emulator runs the local Stytch-compatible emulator on its
// own, for testers and development: the app (or any stytch-go client) points
// its base URL at it, and emails land in a browser inbox at /dev/inbox.
//
//	go run ./cmd/stytch-emulator -redirect-url http://127.0.0.1:8765/callback
//
// See docs/emulator.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/magiclink/magiclink/auth/emulator"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, starts the emulator and serves until SIGINT or SIGTERM.
// It returns the process exit code: 0 on a clean stop, 1 on a runtime
// error, 2 on bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

// options are the parsed command-line flags.
type options struct {
	addr         string
	projectID    string
	secret       string
	redirectURLs []string
	outboxDir    string
	statePath    string
	rateLimit    bool
	latency      time.Duration
	allowRemote  bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9010", "`host:port` to listen on (loopback only unless -allow-remote)")
	fs.StringVar(&o.projectID, "project-id", emulator.DefaultProjectID, "project id clients authenticate with")
	fs.StringVar(&o.secret, "secret", "", "project secret (default: a random dev secret, printed at start)")
	fs.Func("redirect-url", "add a `URL` to the redirect allow-list (repeatable; \"*\" matches any run of non-/ characters)",
		func(s string) error {
			o.redirectURLs = append(o.redirectURLs, s)
			return nil
		})
	fs.StringVar(&o.outboxDir, "outbox-dir", "", "also write each email as a .eml file into this `directory`")
	fs.StringVar(&o.statePath, "state", "", "keep users, sessions and the signing key in this JSON `file` across restarts")
	fs.BoolVar(&o.rateLimit, "rate-limit", true, "limit sends to 5 emails per address per minute (-rate-limit=false for tests)")
	fs.DurationVar(&o.latency, "latency", 0, "add this `duration` to every /v1/ request")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback -addr (the /dev/ routes have no authentication)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: stytch-emulator [flags]\n\nRuns a local Stytch-compatible server. Emails appear at /dev/inbox.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.latency < 0 {
		return o, fmt.Errorf("-latency must not be negative")
	}
	if !o.allowRemote && !isLoopback(o.addr) {
		return o, fmt.Errorf("-addr %s is not a loopback address; pass -allow-remote to listen on it anyway", o.addr)
	}
	return o, nil
}

// isLoopback reports whether addr's host is localhost or a loopback IP.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := emulator.NewServer(emulator.Config{
		ProjectID:    o.projectID,
		Secret:       o.secret,
		RedirectURLs: o.redirectURLs,
		OutboxDir:    o.outboxDir,
		StatePath:    o.statePath,
		RateLimit:    o.rateLimit,
		Latency:      o.latency,
		LogLinks:     true,
		Logger:       logger,
	})
	if err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	if err := srv.Start(o.addr); err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	emu := srv.Emulator()
	secretLine := emu.Secret() + "  (random dev secret; pass -secret to choose one)"
	if o.secret != "" {
		secretLine = "(as given by -secret)"
	}
	fmt.Fprintf(stdout, "Stytch emulator listening\n  base URL:   %s\n  project id: %s\n  secret:     %s\n  inbox:      %s\n",
		srv.BaseURL(), emu.ProjectID(), secretLine, srv.InboxURL())
	if o.statePath != "" {
		fmt.Fprintf(stdout, "  state file: %s\n", o.statePath)
	}
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")

	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping.")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	return 0
}
