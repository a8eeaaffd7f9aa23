// Command stytch-emulator runs the local Stytch-compatible emulator on its
// own, for testers and development: the app (or any stytch-go client) points
// its base URL at it, and emails land in a browser inbox at /dev/inbox.
// Stytch's frontend SDKs (iOS, Android, browser) can use its client API at
// /sdk/v1 with the public token; -tls serves HTTPS, which they require.
//
//	go run ./cmd/stytch-emulator -redirect-url http://127.0.0.1:8765/callback
//	go run ./cmd/stytch-emulator -tls -sdk-app-id com.example.app
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
	"path/filepath"
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
	addr          string
	projectID     string
	secret        string
	publicToken   string
	redirectURLs  []string
	defaultLogin  string
	defaultSignup string
	outboxDir     string
	statePath     string
	rateLimit     bool
	latency       time.Duration
	allowRemote   bool
	sdk           emulator.SDKSettings
	useTLS        bool
	tlsCert       string
}

// listFlag is a repeatable flag whose first use replaces its default.
type listFlag struct {
	list *[]string
	set  bool
}

func (l *listFlag) String() string {
	if l == nil || l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

func (l *listFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	if !l.set {
		*l.list, l.set = nil, true
	}
	*l.list = append(*l.list, v)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{sdk: emulator.DefaultSDKSettings()}
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
	fs.StringVar(&o.defaultLogin, "default-login-redirect-url", "",
		"the dashboard's default login redirect `URL`, used when a send names none; must be on the allow-list (default http://localhost:3000/authenticate)")
	fs.StringVar(&o.defaultSignup, "default-signup-redirect-url", "",
		"the dashboard's default signup redirect `URL`, used when a send names none; must be on the allow-list (default http://localhost:3000/authenticate)")
	fs.StringVar(&o.outboxDir, "outbox-dir", "", "also write each email as a .eml file into this `directory`")
	fs.StringVar(&o.statePath, "state", "", "keep users, sessions and the signing key in this `file` across restarts (a JSON snapshot plus a journal of later changes)")
	fs.BoolVar(&o.rateLimit, "rate-limit", true, "limit sends to 5 emails per address per minute (-rate-limit=false for tests)")
	fs.DurationVar(&o.latency, "latency", 0, "add this `duration` to every /v1/ request")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback -addr (the /dev/ routes have no authentication)")
	fs.StringVar(&o.publicToken, "public-token", emulator.DefaultPublicToken, "public `token` clients of /sdk/v1 authenticate with")
	fs.Var(&listFlag{list: &o.sdk.AppIDs}, "sdk-app-id",
		"authorize this native app `id` (bundle / application id) for /sdk/v1 (repeatable; replaces the default)")
	fs.Var(&listFlag{list: &o.sdk.Domains}, "sdk-domain",
		"authorize this web `domain` (host, host:port or origin) for /sdk/v1 (repeatable; replaces the default)")
	fs.Func("sdk-disable", "turn off the /sdk/v1 send endpoints of a `product`: magic_links or otps (repeatable)",
		func(s string) error {
			if s != emulator.SDKMagicLinks && s != emulator.SDKOTPs {
				return fmt.Errorf("want %s or %s", emulator.SDKMagicLinks, emulator.SDKOTPs)
			}
			o.sdk.Disabled = append(o.sdk.Disabled, s)
			return nil
		})
	fs.BoolVar(&o.sdk.PKCERequired, "sdk-pkce-required", true, "refuse /sdk/v1 magic-link sends without a code_challenge")
	fs.BoolVar(&o.sdk.Captcha, "sdk-captcha", false, "report captcha as enabled in bootstrap and refuse /sdk/v1 sends without a captcha_token")
	fs.BoolVar(&o.sdk.DFP, "sdk-dfp", false, "report DFP Protected Auth as enabled in bootstrap")
	fs.BoolVar(&o.useTLS, "tls", false, "serve HTTPS with a generated self-signed certificate (Stytch's SDKs need https)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "with -tls, write the certificate (PEM) to this `file` (default: beside -state, else a temporary directory)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: stytch-emulator [flags]\n\nRuns a local Stytch-compatible server: the backend API at /v1 (project id and\nsecret) and the client API at /sdk/v1 (public token). Emails appear at /dev/inbox.\n\nFlags:\n")
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
	if o.tlsCert != "" && !o.useTLS {
		return o, errors.New("-tls-cert needs -tls")
	}
	if o.useTLS && o.tlsCert == "" && o.statePath != "" {
		o.tlsCert = strings.TrimSuffix(o.statePath, filepath.Ext(o.statePath)) + ".cert.pem"
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
		ProjectID:                o.projectID,
		Secret:                   o.secret,
		PublicToken:              o.publicToken,
		SDK:                      &o.sdk,
		RedirectURLs:             o.redirectURLs,
		DefaultLoginRedirectURL:  o.defaultLogin,
		DefaultSignupRedirectURL: o.defaultSignup,
		OutboxDir:                o.outboxDir,
		StatePath:                o.statePath,
		RateLimit:                o.rateLimit,
		Latency:                  o.latency,
		LogLinks:                 true,
		Logger:                   logger,
	})
	if err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	if o.useTLS {
		err = srv.StartTLS(o.addr, o.tlsCert)
	} else {
		err = srv.Start(o.addr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	printBanner(stdout, srv, o)

	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping.")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "stytch-emulator: %v\n", err)
		return 1
	}
	return 0
}

// printBanner prints where the emulator listens and how clients of both
// APIs authenticate with it.
func printBanner(w io.Writer, srv *emulator.Server, o options) {
	emu := srv.Emulator()
	secretLine := emu.Secret() + "  (random dev secret; pass -secret to choose one)"
	if o.secret != "" {
		secretLine = "(as given by -secret)"
	}
	fmt.Fprintf(w, "Stytch emulator listening\n  base URL:   %s\n  project id: %s\n  secret:     %s\n  inbox:      %s\n",
		srv.BaseURL(), emu.ProjectID(), secretLine, srv.InboxURL())
	if o.statePath != "" {
		fmt.Fprintf(w, "  state file: %s\n", o.statePath)
	}
	rs := emu.RedirectSettings()
	fmt.Fprintf(w, "  redirects:  %s\n  login URL:  %s  (default login redirect)\n  signup URL: %s  (default signup redirect)\n",
		strings.Join(rs.RedirectURLs, ", "), rs.DefaultLoginRedirectURL, rs.DefaultSignupRedirectURL)
	if cert := srv.CertFile(); cert != "" {
		fmt.Fprintf(w, "  TLS cert:   %s  (self-signed; trust it in the client)\n", cert)
	}
	sdk := emu.SDKSettings()
	list := func(l []string) string {
		if len(l) == 0 {
			return "(none)"
		}
		return strings.Join(l, ", ")
	}
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	fmt.Fprintf(w, "Client API for Stytch's frontend SDKs\n")
	for _, row := range [][2]string{
		{"SDK URL", srv.SDKBaseURL()},
		{"public token", emu.PublicToken()},
		{"app ids", list(sdk.AppIDs)},
		{"domains", list(sdk.Domains)},
		{"disabled", list(sdk.Disabled)},
		{"PKCE", map[bool]string{true: "required", false: "optional"}[sdk.PKCERequired]},
		{"captcha", onOff(sdk.Captcha)},
		{"DFP", onOff(sdk.DFP)},
	} {
		fmt.Fprintf(w, "  %-13s %s\n", row[0]+":", row[1])
	}
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}
