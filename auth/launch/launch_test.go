package launch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth"
	"github.com/magiclink/magiclink/auth/emulator"
)

// emptyEnvFile is an existing .env file with nothing in it, so a test
// never reads the working directory's.
func emptyEnvFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParse(t *testing.T) {
	noFile := emptyEnvFile(t)
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, s Settings)
		wantErr string
	}{
		{name: "no credentials means demo", args: []string{"--env-file", noFile},
			check: func(t *testing.T, s Settings) {
				if !s.Demo || s.DemoAddr != DefaultDemoAddr || s.Config.PublicToken != emulator.DefaultPublicToken || s.Config.Secret != "" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "credentials from env", args: []string{"--env-file", noFile},
			env: map[string]string{"STYTCH_PROJECT_ID": "project-test-abc", "STYTCH_SECRET": "secret-test-xyz"},
			check: func(t *testing.T, s Settings) {
				if s.Demo || s.Config.ProjectID != "project-test-abc" || s.Config.Secret != "secret-test-xyz" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "--demo wins over credentials", args: []string{"--demo", "--env-file", noFile},
			env: map[string]string{"STYTCH_PROJECT_ID": "project-test-abc", "STYTCH_SECRET": "secret-test-xyz"},
			check: func(t *testing.T, s Settings) {
				if !s.Demo || s.Config.PublicToken != emulator.DefaultPublicToken || s.Config.Secret != "" || s.Config.ProjectID != "" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "flag beats env", args: []string{"--redirect-url", "http://127.0.0.1:4567/cb", "--env-file", noFile},
			env: map[string]string{"STYTCH_REDIRECT_URL": "http://localhost:9999/x", "MAGICLINK_DEMO_ADDR": "127.0.0.1:9100"},
			check: func(t *testing.T, s Settings) {
				if s.Config.RedirectURL != "http://127.0.0.1:4567/cb" || s.DemoAddr != "127.0.0.1:9100" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "public token from env", args: []string{"--env-file", noFile},
			env: map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-abc"},
			check: func(t *testing.T, s Settings) {
				if s.Demo || !s.Config.UsesPublicToken() || s.Config.APIBaseURL() != "https://test.stytch.com" || len(s.Warnings) != 0 {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "live public token goes to the live API", args: []string{"--public-token", "public-token-live-abc", "--env-file", noFile},
			check: func(t *testing.T, s Settings) {
				if s.Config.APIBaseURL() != "https://api.stytch.com" || s.StoreAccount() != "public-token-live-abc@api.stytch.com" {
					t.Fatalf("%+v %s", s, s.StoreAccount())
				}
			}},
		{name: "a secret beside a public token is warned about", args: []string{"--env-file", noFile},
			env: map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-abc", "STYTCH_PROJECT_ID": "project-test-abc", "STYTCH_SECRET": "secret-test-xyz"},
			check: func(t *testing.T, s Settings) {
				if !s.Config.UsesPublicToken() || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "STYTCH_SECRET is set but not used") {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "bad public token", args: []string{"--public-token", "pk_abc", "--env-file", noFile}, wantErr: "--public-token: should start with"},
		{name: "live secret refused", args: []string{"--env-file", noFile},
			env:     map[string]string{"STYTCH_PROJECT_ID": "project-live-abc", "STYTCH_SECRET": "secret-live-xyz"},
			wantErr: "public token instead"},
		{name: "live secret with --allow-live-secret", args: []string{"--allow-live-secret", "--env-file", noFile},
			env: map[string]string{"STYTCH_PROJECT_ID": "project-live-abc", "STYTCH_SECRET": "secret-live-xyz"},
			check: func(t *testing.T, s Settings) {
				if s.Demo || s.Config.UsesPublicToken() || !s.Config.IsLive() {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "only a project id", args: []string{"--env-file", noFile}, env: map[string]string{"STYTCH_PROJECT_ID": "project-test-abc"}, wantErr: "STYTCH_SECRET"},
		{name: "bad redirect", args: []string{"--redirect-url", "https://example.com/cb", "--env-file", noFile}, wantErr: "--redirect-url: must start with"},
		{name: "public demo addr", args: []string{"--demo-addr", "0.0.0.0:9011", "--env-file", noFile}, wantErr: "loopback"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "not defined"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
		{name: "stray link is not echoed", args: []string{"https://x/?token=SECRETTOKEN"}, wantErr: `unexpected argument "(a link)"`},
		{name: "deep link argument", args: []string{"--env-file", noFile, "magiclink://authenticate?stytch_token_type=magic_links&token=abc"},
			check: func(t *testing.T, s Settings) {
				if s.OpenURL != "magiclink://authenticate?stytch_token_type=magic_links&token=abc" || !s.Config.DeepLink() || s.Config.RedirectURL != auth.DeepLinkRedirectURL {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "deep link argument keeps a set redirect URL", args: []string{"--env-file", noFile, "--redirect-url", "magiclink://authenticate/cb", "MAGICLINK://authenticate/cb?token=abc"},
			check: func(t *testing.T, s Settings) {
				if s.OpenURL == "" || s.Config.RedirectURL != "magiclink://authenticate/cb" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "deep-link redirect", args: []string{"--env-file", noFile, "--redirect-url", "magiclink://authenticate"},
			check: func(t *testing.T, s Settings) {
				if !s.Config.DeepLink() || s.OpenURL != "" {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "bad deep-link redirect", args: []string{"--env-file", noFile, "--redirect-url", "magiclink://authenticate:3000"}, wantErr: "no port"},
		{name: "unregister", args: []string{"--unregister", "--env-file", noFile},
			check: func(t *testing.T, s Settings) {
				if !s.Unregister {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "bad demo env", args: []string{"--env-file", noFile}, env: map[string]string{"MAGICLINK_DEMO": "maybe"}, wantErr: "MAGICLINK_DEMO"},
		{name: "bad log level", args: []string{"--log-level", "loud", "--env-file", noFile}, wantErr: `--log-level "loud" should be`},
		{name: "version", args: []string{"--version"}, check: func(t *testing.T, s Settings) {
			if !s.Version {
				t.Fatal("version not set")
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("magiclink", c.args, env(c.env), io.Discard)
			if c.wantErr != "" {
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want a usage error mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, s)
		})
	}
	if _, err := Parse("magiclink", []string{"-h"}, env(nil), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("help: %v", err)
	}
}

func TestParseReadsDotenv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	if err := os.WriteFile(p, []byte("STYTCH_PROJECT_ID=project-test-file\nSTYTCH_SECRET=secret-test-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("magiclink", nil, env(map[string]string{EnvEnvFile: p}), io.Discard)
	if err != nil || s.Demo || s.Config.ProjectID != "project-test-file" {
		t.Fatalf("%+v %v", s, err)
	}
}

// A bad setting is named as the user set it: the flag, the variable, or
// the variable in the .env file.
func TestErrorsNameTheSettingUsed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "my.env")
	if err := os.WriteFile(file, []byte("STYTCH_REDIRECT_URL=https://example.com/cb\nSTYTCH_BASE_URL=http://127.0.0.1:9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := emptyEnvFile(t)
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--env-file", empty}, map[string]string{"STYTCH_REDIRECT_URL": "https://example.com/cb"}, `STYTCH_REDIRECT_URL: must start with "http://"`},
		{[]string{"--env-file", file}, nil, `STYTCH_REDIRECT_URL in ` + file + `: must start with "http://"`},
		{[]string{"--env-file", empty, "--redirect-url", "http://localhost/cb"}, nil, "--redirect-url: must include a port"},
		{[]string{"--env-file", empty}, map[string]string{"STYTCH_SESSION_DURATION": "a week"}, `STYTCH_SESSION_DURATION: "a week" is not a duration`},
		{[]string{"--env-file", empty}, map[string]string{"MAGICLINK_LOG": "loud"}, `MAGICLINK_LOG "loud" should be debug`},
		{[]string{"--env-file", empty}, map[string]string{"MAGICLINK_DEMO_ADDR": "0.0.0.0:1"}, `MAGICLINK_DEMO_ADDR "0.0.0.0:1" must be a loopback address`},
		{[]string{"--env-file", empty, "--demo-addr", "0.0.0.0:1"}, nil, `--demo-addr "0.0.0.0:1" must be a loopback address`},
		{[]string{"--env-file", empty}, map[string]string{"MAGICLINK_DEMO": "maybe"}, `MAGICLINK_DEMO="maybe" should be 1 or 0`},
	} {
		_, err := Parse("magiclink", c.args, env(c.env), io.Discard)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want %q", c.args, c.env, err, c.want)
		}
	}
	// A base URL is named for run-time messages the same way.
	s, err := Parse("magiclink", []string{"--env-file", empty, "--base-url", "http://127.0.0.1:9"}, env(map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-x"}), io.Discard)
	if err != nil || s.Config.BaseURLSetting != "--base-url" {
		t.Fatalf("%v %q", err, s.Config.BaseURLSetting)
	}
	s, err = Parse("magiclink", []string{"--env-file", empty}, env(map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-x", "STYTCH_BASE_URL": "http://127.0.0.1:9"}), io.Discard)
	if err != nil || s.Config.BaseURLSetting != "STYTCH_BASE_URL" {
		t.Fatalf("%v %q", err, s.Config.BaseURLSetting)
	}
	s, err = Parse("magiclink", []string{"--env-file", file, "--redirect-url", "http://localhost:4000/cb"}, env(map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-x"}), io.Discard)
	if err != nil || s.Config.RedirectURLSetting != "--redirect-url" || s.Config.BaseURLSetting != "STYTCH_BASE_URL in "+file {
		t.Fatalf("%v %q %q", err, s.Config.RedirectURLSetting, s.Config.BaseURLSetting)
	}
}

// An env file the user named must exist and be readable; only the
// implicit ./.env may be absent. A line that can't be parsed is named.
func TestEnvFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.env")
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("# settings\nSTYTCH_PUBLIC_TOKEN=public-token-test-x\nthis is not a setting\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--env-file", missing}, nil, "--env-file " + missing + ": no such file"},
		{nil, map[string]string{EnvEnvFile: missing}, EnvEnvFile + " " + missing + ": no such file"},
		{[]string{"--env-file", dir}, nil, "--env-file " + dir + ": is a directory, not a file"},
		{[]string{"--env-file", bad}, nil, "--env-file " + bad + ", line 3: expected KEY=VALUE"},
	} {
		_, err := Parse("magiclink", c.args, env(c.env), io.Discard)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want %q", c.args, c.env, err, c.want)
		}
	}
	// The implicit ./.env may be missing, but not broken.
	t.Chdir(dir)
	if _, err := Parse("magiclink", nil, env(nil), io.Discard); err != nil {
		t.Fatalf("no ./.env: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("magiclink", nil, env(nil), io.Discard); err == nil || !strings.HasPrefix(err.Error(), ".env, line 1: expected KEY=VALUE") {
		t.Fatalf("broken ./.env: %v", err)
	}
}

func TestStartDemoAndReset(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	// The preferred address is busy: demo mode moves to a free port.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := auth.Config{RedirectURL: "http://127.0.0.1:3999/authenticate"}
	d, err := StartDemo(&cfg, busy.Addr().String(), dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL == "" || strings.Contains(cfg.BaseURL, busy.Addr().String()) || cfg.PublicToken != emulator.DefaultPublicToken || cfg.Secret != "" {
		t.Fatalf("%+v", cfg)
	}
	if !strings.HasSuffix(d.InboxURL(), "/dev/inbox") {
		t.Fatal(d.InboxURL())
	}
	// Reset with nothing stored says so; with a bogus token it still forgets it.
	store := &auth.MemoryStore{}
	if r, err := Reset(context.Background(), cfg, auth.App{}, store, nil, log); err != nil || r != auth.ForgetNothing ||
		ResetMessage(r) != "Nothing to reset: no session is stored on this computer for this Stytch project." {
		t.Fatal(r, err)
	}
	_ = store.Set(context.Background(), "stale")
	if r, err := Reset(context.Background(), cfg, auth.App{}, store, nil, log); err != nil || r != auth.ForgetRevoked {
		t.Fatal(r, err)
	}
	if _, err := store.Get(context.Background()); !errors.Is(err, auth.ErrNoToken) {
		t.Fatal("reset kept the token")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "demo-stytch-state.json")); err != nil {
		t.Fatalf("state not saved: %v", err)
	}
}

// --reset while Stytch can't be reached forgets the session here and keeps
// it to revoke later, saying so in one sentence; the next reset that
// reaches Stytch revokes it. A keyring that isn't there is one sentence too.
func TestResetOffline(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := auth.Config{RequestTimeout: 2 * time.Second}
	d, err := StartDemo(&cfg, "127.0.0.1:0", t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	down := cfg
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down.BaseURL = "http://" + ln.Addr().String()
	ln.Close()

	ctx := context.Background()
	store, later := &auth.MemoryStore{}, &auth.MemoryStore{}
	_ = store.Set(ctx, "session-token-to-revoke")
	r, err := Reset(ctx, down, auth.App{}, store, later, log)
	if err != nil || r != auth.ForgetRevokeLater {
		t.Fatal(r, err)
	}
	if msg := ResetMessage(r); msg != "Signed out on this computer; Stytch couldn't be reached, so the session will be ended there the next time magiclink starts and reaches Stytch." {
		t.Fatal(msg)
	}
	if _, err := store.Get(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatal("the session is still stored")
	}
	if got, _ := later.Get(ctx); got != "session-token-to-revoke" {
		t.Fatalf("kept to revoke: %q", got)
	}
	// Reachable again: the queued session is revoked (Stytch no longer
	// knowing it counts) and the queue is emptied.
	if r, err := Reset(ctx, cfg, auth.App{}, store, later, log); err != nil || r != auth.ForgetNothing {
		t.Fatal(r, err)
	}
	if _, err := later.Get(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatal("the queue was not emptied")
	}
	// Nowhere to keep it: says it stays valid.
	_ = store.Set(ctx, "another")
	r, err = Reset(ctx, down, auth.App{}, store, brokenStore{}, log)
	if err != nil || r != auth.ForgetNotRevoked || !strings.Contains(ResetMessage(r), "stays valid at Stytch until it expires") {
		t.Fatal(r, err, ResetMessage(r))
	}
	// No keyring at all.
	_, err = Reset(ctx, cfg, auth.App{}, brokenStore{}, brokenStore{}, log)
	msg := ResetErrorMessage(err)
	if msg != "Could not reset: "+auth.KeyringUnavailable()+", so no stored session could be read." {
		t.Fatalf("%v → %q", err, msg)
	}
}

// brokenStore is a keyring that is not there.
type brokenStore struct{}

var errBroken = &auth.KeyringError{Op: "read", Err: errors.New("the name org.freedesktop.secrets was not provided by any .service files")}

func (brokenStore) Get(context.Context) (string, error) { return "", errBroken }
func (brokenStore) Set(context.Context, string) error   { return errBroken }
func (brokenStore) Delete(context.Context) error        { return errBroken }

// accountStore is a keyring: one token per account.
type accountStore struct {
	m       map[string]string
	account string
}

func (a accountStore) Get(context.Context) (string, error) {
	if t, ok := a.m[a.account]; ok {
		return t, nil
	}
	return "", auth.ErrNoToken
}
func (a accountStore) Set(_ context.Context, t string) error { a.m[a.account] = t; return nil }
func (a accountStore) Delete(context.Context) error          { delete(a.m, a.account); return nil }

// The bug: the stored session was keyed by project id only, so a demo
// session (demo project id) was sent to a real API once STYTCH_BASE_URL
// was set with the demo's id. Now every mode, credential and API host has
// its own entry, and the configured API never sees the demo's token.
func TestDemoSessionNeverGoesToAnotherAPI(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprint(r.URL, r.Header, string(b)))
		mu.Unlock()
		http.Error(w, `{"status_code":404,"error_type":"session_not_found"}`, http.StatusNotFound)
	}))
	defer api.Close()
	empty := emptyEnvFile(t)
	parse := func(args []string, m map[string]string) Settings {
		t.Helper()
		s, err := Parse("magiclink", append(args, "--env-file", empty), env(m), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	demo := parse([]string{"--demo"}, nil)
	keyring := map[string]string{demo.StoreAccount(): "demo-session-token-secret"}
	for _, s := range []Settings{
		parse(nil, map[string]string{"STYTCH_PUBLIC_TOKEN": emulator.DefaultPublicToken, "STYTCH_BASE_URL": api.URL}),
		parse(nil, map[string]string{"STYTCH_PROJECT_ID": emulator.DefaultProjectID, "STYTCH_SECRET": "secret-test-x", "STYTCH_BASE_URL": api.URL}),
	} {
		if s.StoreAccount() == demo.StoreAccount() {
			t.Fatalf("the demo and %s share the keyring entry %q", s.Config.BaseURL, s.StoreAccount())
		}
		eng, err := auth.New(s.Config, auth.Options{Store: accountStore{keyring, s.StoreAccount()}})
		if err != nil {
			t.Fatal(err)
		}
		eng.Start()
		deadline := time.Now().Add(5 * time.Second)
		for eng.Snapshot().State == auth.StateRestoring && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if st := eng.Snapshot().State; st != auth.StateSignedOut {
			t.Errorf("%s: %v, want signed out (nothing stored for this API)", s.StoreAccount(), st)
		}
		eng.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range seen {
		if strings.Contains(r, "demo-session-token-secret") {
			t.Fatalf("the demo's session token was sent to the configured API: %s", r)
		}
	}
	// Mode, credential, host and scheme each give their own entry.
	accounts := map[string]bool{}
	for _, s := range []Settings{
		demo,
		parse(nil, map[string]string{"STYTCH_PUBLIC_TOKEN": emulator.DefaultPublicToken}),
		parse(nil, map[string]string{"STYTCH_PUBLIC_TOKEN": emulator.DefaultPublicToken, "STYTCH_BASE_URL": "https://stytch.example.com"}),
		parse(nil, map[string]string{"STYTCH_PUBLIC_TOKEN": emulator.DefaultPublicToken, "STYTCH_BASE_URL": "http://stytch.example.com"}),
		parse(nil, map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-other"}),
		parse(nil, map[string]string{"STYTCH_PROJECT_ID": emulator.DefaultProjectID, "STYTCH_SECRET": "secret-test-x"}),
	} {
		a := s.StoreAccount()
		if accounts[a] {
			t.Errorf("keyring entry %q is shared", a)
		}
		accounts[a] = true
	}
}

func TestBuiltInPublicToken(t *testing.T) {
	noFile := emptyEnvFile(t)
	def := Defaults{PublicToken: "public-token-live-built-in"}
	// A release build needs no configuration at all.
	s, err := ParseWith("magiclink", []string{"--env-file", noFile}, env(nil), io.Discard, def)
	if err != nil || s.Demo || s.Config.PublicToken != def.PublicToken || s.Config.APIBaseURL() != "https://api.stytch.com" {
		t.Fatalf("%+v %v", s, err)
	}
	// Any configured credential wins over the built-in token.
	s, err = ParseWith("magiclink", []string{"--env-file", noFile},
		env(map[string]string{"STYTCH_PUBLIC_TOKEN": "public-token-test-mine"}), io.Discard, def)
	if err != nil || s.Config.PublicToken != "public-token-test-mine" {
		t.Fatalf("%+v %v", s, err)
	}
	// --demo still runs the demo.
	s, err = ParseWith("magiclink", []string{"--demo", "--env-file", noFile}, env(nil), io.Discard, def)
	if err != nil || !s.Demo || s.Config.PublicToken != emulator.DefaultPublicToken {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestUpgradedStoreMovesALegacySession(t *testing.T) {
	ctx := context.Background()
	cur, old := &auth.MemoryStore{}, &auth.MemoryStore{}
	_ = old.Set(ctx, "session-from-an-earlier-release")
	st := Upgraded(cur, old)
	tok, err := st.Get(ctx)
	if err != nil || tok != "session-from-an-earlier-release" {
		t.Fatalf("%q %v", tok, err)
	}
	if got, _ := cur.Get(ctx); got != tok {
		t.Fatal("not moved to the new entry")
	}
	if _, err := old.Get(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatal("the legacy entry was kept")
	}
	// The new entry wins over a legacy one.
	_ = old.Set(ctx, "older")
	if tok, _ := st.Get(ctx); tok != "session-from-an-earlier-release" {
		t.Fatal(tok)
	}
	// Delete removes both.
	if err := st.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("%v", err)
	}
	if _, err := old.Get(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatal("legacy entry survived Delete")
	}
}

func TestLegacyAccountOnlyWhenTheIssuerIsKnown(t *testing.T) {
	cases := []struct {
		s    Settings
		want string
	}{
		{Settings{Demo: true}, emulator.DefaultProjectID},
		{Settings{Config: auth.Config{ProjectID: "project-test-a", Secret: "secret-test-b"}}, "project-test-a"},
		{Settings{Config: auth.Config{ProjectID: "project-test-a", Secret: "secret-test-b", BaseURL: "http://127.0.0.1:9"}}, ""},
		{Settings{Config: auth.Config{PublicToken: "public-token-test-a"}}, ""},
	}
	for _, c := range cases {
		if got := c.s.LegacyAccount(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
}

// On macOS a magiclink:// link could never reach the app, so deep-link
// mode is refused there with the way out; elsewhere it is accepted.
func TestDeepLinkModeRefusedOnMacOS(t *testing.T) {
	noFile := emptyEnvFile(t)
	for _, args := range [][]string{
		{"--env-file", noFile, "--redirect-url", "magiclink://authenticate"},
		{"--env-file", noFile, "magiclink://authenticate?stytch_token_type=magic_links&token=x"},
	} {
		_, err := ParseWith("magiclink", args, func(string) string { return "" }, io.Discard, Defaults{GOOS: "darwin"})
		if err == nil || !strings.Contains(err.Error(), "don't work on macOS yet") || !strings.Contains(err.Error(), "http://localhost:3000/authenticate") {
			t.Errorf("%q on macOS: %v", args, err)
		}
		for _, goos := range []string{"linux", "windows"} {
			if _, err := ParseWith("magiclink", args, func(string) string { return "" }, io.Discard, Defaults{GOOS: goos}); err != nil {
				t.Errorf("%q on %s: %v", args, goos, err)
			}
		}
	}
	// The loopback default stays fine on macOS.
	if _, err := ParseWith("magiclink", []string{"--env-file", noFile}, func(string) string { return "" }, io.Discard, Defaults{GOOS: "darwin"}); err != nil {
		t.Errorf("loopback on macOS: %v", err)
	}
}
