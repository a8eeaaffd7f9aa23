// Package launch turns the command line, the environment and a .env file
// into a ready sign-in engine for the desktop app, starting the built-in
// Stytch emulator in demo mode. It has no UI dependency, so the whole
// start-up path is testable without a display.
package launch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/magiclink/magiclink/auth"
	"github.com/magiclink/magiclink/auth/emulator"
)

// Environment variables read besides auth's STYTCH_* ones.
const (
	EnvDemo     = "MAGICLINK_DEMO"      // "1"/"true": run against the built-in emulator
	EnvDemoAddr = "MAGICLINK_DEMO_ADDR" // emulator address in demo mode
	EnvLog      = "MAGICLINK_LOG"       // log level: debug, info, warn, error
	EnvEnvFile  = "MAGICLINK_ENV_FILE"  // path of the .env file
)

// DefaultDemoAddr is where the demo emulator listens. It is fixed so links
// in the demo inbox keep working across restarts; when it is busy another
// free port is used.
const DefaultDemoAddr = "127.0.0.1:9011"

// Defaults are settings built into the binary, used when neither a flag,
// the environment nor the .env file sets them.
type Defaults struct {
	// PublicToken is the Stytch public token of a release build
	// (make build PUBLIC_TOKEN=…), so a user who downloads the app
	// configures nothing.
	PublicToken string
	// GOOS is the system the settings are for; runtime.GOOS when empty.
	GOOS string
}

// Settings is the parsed command line and environment.
type Settings struct {
	Config   auth.Config
	Demo     bool
	DemoAddr string
	// DemoInbox is the demo inbox URL once the emulator runs.
	DemoInbox string
	Reset     bool
	Version   bool
	// OpenURL is the magiclink:// link the operating system started the
	// app with ("magiclink <url>"), for the running instance.
	OpenURL string
	// Unregister undoes the deep-link handler registration and exits.
	Unregister bool
	EnvFile    string
	LogLevel   slog.Level
	// Warnings are things worth telling the user that do not stop the app,
	// e.g. a secret that is set but not needed.
	Warnings []string
}

// StoreAccount is the keyring account of the stored session: per
// credential and API host (auth.Config.StoreAccount), and one fixed name
// in demo mode, whose emulator may move to another port.
func (s Settings) StoreAccount() string {
	if s.Demo {
		return "demo:" + s.Config.PublicToken
	}
	return s.Config.StoreAccount()
}

// LegacyAccount is the keyring account earlier releases kept the session
// under — the project id alone — when that session can be carried over
// safely: in demo mode (the local emulator issued it) and with a project
// secret and Stytch's own API host. Otherwise it is "" and an old entry is
// left alone, since nothing says which API issued it.
func (s Settings) LegacyAccount() string {
	switch {
	case s.Demo:
		return emulator.DefaultProjectID
	case !s.Config.UsesPublicToken() && s.Config.BaseURL == "":
		return s.Config.ProjectID
	}
	return ""
}

// Upgraded returns store, reading a session stored under the legacy
// account (see LegacyAccount) when store has none: it is moved over on
// first read, so an upgrade keeps the user signed in. It reads nothing
// until the engine does, so start-up does not wait for it.
func Upgraded(store, legacy auth.TokenStore) auth.TokenStore {
	if legacy == nil {
		return store
	}
	return &upgradedStore{TokenStore: store, legacy: legacy}
}

type upgradedStore struct {
	auth.TokenStore
	legacy auth.TokenStore
}

// Get implements auth.TokenStore.
func (u *upgradedStore) Get(ctx context.Context) (string, error) {
	tok, err := u.TokenStore.Get(ctx)
	if !errors.Is(err, auth.ErrNoToken) {
		return tok, err
	}
	old, lerr := u.legacy.Get(ctx)
	if lerr != nil {
		return "", err // nothing (readable) there either
	}
	if err := u.TokenStore.Set(ctx, old); err != nil {
		return "", fmt.Errorf("could not move the stored session to its new keyring entry: %w", err)
	}
	_ = u.legacy.Delete(ctx)
	return old, nil
}

// Delete implements auth.TokenStore: the legacy entry goes too.
func (u *upgradedStore) Delete(ctx context.Context) error {
	err := u.TokenStore.Delete(ctx)
	if lerr := u.legacy.Delete(ctx); err == nil {
		err = lerr
	}
	return err
}

// flagOf is the flag of each setting that has one.
var flagOf = map[string]string{
	auth.EnvPublicToken:     "public-token",
	auth.EnvProjectID:       "project-id",
	auth.EnvBaseURL:         "base-url",
	auth.EnvRedirectURL:     "redirect-url",
	auth.EnvSessionDuration: "session-duration",
}

// renameSetting makes a *auth.ConfigError name the setting the user
// actually set (a flag, a variable, or a variable in the .env file).
func renameSetting(err error, source func(string) string) error {
	var ce *auth.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	c := *ce
	c.Var = source(ce.Var)
	return &c
}

// UsageError is a bad flag or setting; the command should exit with code 2.
type UsageError struct {
	Err error
	// Hint is a short line to print after the error, e.g. where to find
	// the flags; empty when the error says it all.
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Parse reads flags from args, then fills what they left unset from getenv
// and the .env file. Flags win over the environment, which wins over the
// file. Demo mode is chosen by --demo, MAGICLINK_DEMO, or by the absence
// of any Stytch credentials.
func Parse(name string, args []string, getenv func(string) string, stderr io.Writer) (Settings, error) {
	return ParseWith(name, args, getenv, stderr, Defaults{})
}

// ParseWith is Parse with settings built into the binary, which every
// other source overrides.
func ParseWith(name string, args []string, getenv func(string) string, stderr io.Writer, def Defaults) (Settings, error) {
	var s Settings
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.Config.RegisterFlags(fs)
	fs.BoolVar(&s.Demo, "demo", false, "use the built-in Stytch emulator; emails go to a local inbox (env "+EnvDemo+")")
	fs.StringVar(&s.DemoAddr, "demo-addr", "", "address of the built-in emulator in demo mode (env "+EnvDemoAddr+", default "+DefaultDemoAddr+")")
	fs.BoolVar(&s.Reset, "reset", false, "sign out, forget the stored session and exit")
	fs.BoolVar(&s.Version, "version", false, "print the version and exit")
	fs.BoolVar(&s.Unregister, "unregister", false, "stop handling "+auth.DeepLinkScheme+":// links for this user (undoes the registration deep-link mode makes) and exit")
	fs.StringVar(&s.EnvFile, "env-file", "", "file with STYTCH_* settings (env "+EnvEnvFile+", default .env)")
	logLevel := fs.String("log-level", "", "log level: debug, info, warn or error (env "+EnvLog+", default info)")
	// The flag package would print a bad flag's error and then the whole
	// usage; the caller prints the error once with a short hint instead,
	// and the full usage only for --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	hint := fmt.Sprintf("Run '%s --help' to see the flags.", name)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "Usage: %s [flags]\n\nSigns you in with a Stytch email magic link. With no Stytch credentials it runs in demo mode.\n\nFlags:\n", name)
			fs.PrintDefaults()
			return s, err
		}
		return s, &UsageError{Err: err, Hint: hint}
	}
	switch {
	case fs.NArg() == 1 && isDeepLinkArg(fs.Arg(0)):
		// The operating system hands over a clicked link.
		s.OpenURL = fs.Arg(0)
	case fs.NArg() > 0:
		arg := fs.Arg(0)
		if strings.Contains(arg, "token=") {
			arg = "(a link)" // never echo a token
		}
		return s, &UsageError{Err: fmt.Errorf("unexpected argument %q (flags start with --; the only argument is a %s:// link)", arg, auth.DeepLinkScheme), Hint: hint}
	}
	if s.Version {
		return s, nil
	}
	flagSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { flagSet[f.Name] = true })

	// Only the implicit ./.env may be absent; a file the user named must
	// be there.
	envFile, named := s.EnvFile, "--env-file"
	if envFile == "" {
		envFile, named = getenv(EnvEnvFile), EnvEnvFile
	}
	if envFile == "" {
		envFile, named = ".env", ""
	}
	s.EnvFile = envFile
	vals, err := auth.ReadDotenvFile(envFile)
	switch {
	case err == nil:
	case named == "" && errors.Is(err, os.ErrNotExist):
		vals = map[string]string{}
	case named != "":
		return s, &UsageError{Err: fmt.Errorf("%s %s", named, err)}
	default:
		return s, &UsageError{Err: err}
	}
	// source names the setting the user actually set for env var k: its
	// flag, the variable, or the variable in the .env file.
	source := func(k string) string {
		if f := flagOf[k]; f != "" && flagSet[f] {
			return "--" + f
		}
		if getenv(k) != "" {
			return k
		}
		if vals[k] != "" {
			return k + " in " + envFile
		}
		if f := flagOf[k]; f != "" {
			return k + " (--" + f + ")"
		}
		return k
	}
	if err := s.Config.LoadEnvFrom(getenv, vals); err != nil {
		return s, &UsageError{Err: renameSetting(err, source)}
	}
	if s.OpenURL != "" && s.Config.RedirectURL == "" {
		// Started for a magiclink:// link with no redirect URL set: the
		// link says which mode signed in.
		s.Config.RedirectURL, s.Config.RedirectURLSetting = auth.DeepLinkRedirectURL, ""
	}
	if s.Config.BaseURL != "" {
		s.Config.BaseURLSetting = source(auth.EnvBaseURL)
	}
	if s.Config.RedirectURL != "" {
		s.Config.RedirectURLSetting = source(auth.EnvRedirectURL)
	}
	if v := getenv(EnvDemo); !s.Demo && v != "" {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			s.Demo = true
		case "0", "false", "no", "off":
		default:
			return s, &UsageError{Err: fmt.Errorf("%s=%q should be 1 or 0", EnvDemo, v)}
		}
	}
	demoAddrFrom := "--demo-addr"
	if s.DemoAddr == "" {
		s.DemoAddr, demoAddrFrom = getenv(EnvDemoAddr), EnvDemoAddr
	}
	if s.DemoAddr == "" {
		s.DemoAddr = DefaultDemoAddr
	}
	logFrom := "--log-level"
	if *logLevel == "" {
		*logLevel, logFrom = getenv(EnvLog), EnvLog
	}
	if *logLevel != "" {
		if err := s.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
			return s, &UsageError{Err: fmt.Errorf("%s %q should be debug, info, warn or error", logFrom, *logLevel)}
		}
	}
	if !s.Config.HasCredentials() && def.PublicToken != "" {
		s.Config.PublicToken = def.PublicToken
	}
	if !s.Config.HasCredentials() {
		s.Demo = true
	}
	if s.Demo {
		host, _, err := net.SplitHostPort(s.DemoAddr)
		if err != nil || !auth.IsLoopbackHost(host) {
			return s, &UsageError{Err: fmt.Errorf("%s %q must be a loopback address such as %s", demoAddrFrom, s.DemoAddr, DefaultDemoAddr)}
		}
		// Demo mode signs in as a shipped app does, with the emulator's
		// public token; StartDemo supplies the base URL.
		s.Config.PublicToken, s.Config.ProjectID, s.Config.Secret = emulator.DefaultPublicToken, "", ""
		s.Config.BaseURL, s.Config.BaseURLSetting = "http://"+s.DemoAddr, ""
	} else if s.Config.UsesPublicToken() && s.Config.Secret != "" {
		s.Warnings = append(s.Warnings, auth.EnvSecret+" is set but not used: with a public token the app never needs the secret. "+
			"Remove it from this computer's environment and .env file.")
	}
	if err := s.Config.WithDefaults().Validate(); err != nil {
		return s, &UsageError{Err: renameSetting(err, source)}
	}
	goos := def.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos == "darwin" && (s.Config.DeepLink() || s.OpenURL != "") {
		// Launch Services hands a clicked link to a running app as an
		// Apple event (kAEGetURL), which neither GLFW nor Fyne passes on
		// (fyne-io/fyne#5812): the link would never arrive.
		return s, &UsageError{Err: fmt.Errorf("%s:// links don't work on macOS yet: the app cannot receive the link macOS opens it with. "+
			"Use a loopback redirect URL such as %s (the default) and register that in Stytch", auth.DeepLinkScheme, auth.DefaultRedirectURL)}
	}
	return s, nil
}

// isDeepLinkArg reports whether a command-line argument is a link of the
// app's own scheme.
func isDeepLinkArg(a string) bool {
	scheme, _, ok := strings.Cut(a, ":")
	return ok && strings.EqualFold(scheme, auth.DeepLinkScheme)
}

// Demo is the built-in emulator serving demo mode.
type Demo struct {
	Server *emulator.Server
}

// InboxURL is the demo inbox page.
func (d *Demo) InboxURL() string { return d.Server.InboxURL() }

// Close stops the emulator and saves its state.
func (d *Demo) Close() error { return d.Server.Close() }

// StartDemo starts the emulator on addr (another free loopback port if that
// one is busy), keeping its state in dataDir so a restart restores the
// session, and points cfg at it.
func StartDemo(cfg *auth.Config, addr, dataDir string, log *slog.Logger) (*Demo, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("could not create the data directory %s: %w", dataDir, err)
	}
	redirect := cfg.RedirectURL
	if redirect == "" {
		redirect = auth.DefaultRedirectURL
	}
	srv, err := emulator.NewServer(emulator.Config{
		ProjectID:    emulator.DefaultProjectID,
		PublicToken:  emulator.DefaultPublicToken,
		RedirectURLs: []string{redirect},
		StatePath:    filepath.Join(dataDir, "demo-stytch-state.json"),
		RateLimit:    true,
		Logger:       log.With("component", "demo-emulator"),
	})
	if err != nil {
		return nil, fmt.Errorf("could not start demo mode: %w", err)
	}
	if err := srv.Start(addr); err != nil {
		host, _, _ := net.SplitHostPort(addr)
		log.Warn("demo address busy; using another port", "addr", addr)
		if err2 := srv.Start(net.JoinHostPort(host, "0")); err2 != nil {
			return nil, fmt.Errorf("could not start demo mode on %s: %w", addr, err)
		}
	}
	cfg.PublicToken, cfg.ProjectID, cfg.Secret, cfg.BaseURL = srv.Emulator().PublicToken(), "", "", srv.BaseURL()
	return &Demo{Server: srv}, nil
}

// Reset revokes and forgets the session stored for cfg's project, and
// revokes sessions an earlier sign-out queued in revocations (nil: none).
// It is what `magiclink --reset` does; ResetMessage says the outcome.
func Reset(ctx context.Context, cfg auth.Config, app auth.App, store, revocations auth.TokenStore, log *slog.Logger) (auth.ForgetResult, error) {
	eng, err := auth.New(cfg, auth.Options{Store: store, Revocations: revocations, Logger: log, App: app})
	if err != nil {
		return auth.ForgetNothing, err
	}
	defer eng.Close()
	return eng.Forget(ctx)
}

// ResetMessage is the one sentence `--reset` prints for its outcome.
func ResetMessage(r auth.ForgetResult) string {
	switch r {
	case auth.ForgetRevoked:
		return "Signed out: the session was ended at Stytch and removed from this computer."
	case auth.ForgetRevokeLater:
		return "Signed out on this computer; Stytch couldn't be reached, so the session will be ended there the next time magiclink starts and reaches Stytch."
	case auth.ForgetNotRevoked:
		return "Signed out on this computer, but Stytch couldn't be reached and the session could not be kept to end later, so it stays valid at Stytch until it expires."
	}
	return "Nothing to reset: no session is stored on this computer for this Stytch project."
}

// ResetErrorMessage is the one sentence `--reset` prints when it failed.
func ResetErrorMessage(err error) string {
	var ke *auth.KeyringError
	if errors.As(err, &ke) {
		if errors.Is(err, auth.ErrKeyringTimeout) {
			return "Could not reset: this computer's keyring did not answer in time (it may be locked); unlock it and try again."
		}
		return "Could not reset: " + auth.KeyringUnavailable() + ", so no stored session could be read."
	}
	var ae *auth.Error
	if errors.As(err, &ae) {
		return "Could not reset: " + ae.Message
	}
	return "Could not reset: " + err.Error()
}
