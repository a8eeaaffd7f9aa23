package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseDotenv(t *testing.T) {
	in := "# comment\n\nSTYTCH_PROJECT_ID=project-test-1\nexport STYTCH_SECRET=\"secret-test-x y\"\nA='b' \nB=c # trailing\n"
	got, err := ParseDotenv(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"STYTCH_PROJECT_ID": "project-test-1", "STYTCH_SECRET": "secret-test-x y", "A": "b", "B": "c"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := ParseDotenv(strings.NewReader("no equals sign\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: %v", err)
	}
}

func TestLoadEnvPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	os.WriteFile(p, []byte("STYTCH_PROJECT_ID=project-test-file\nSTYTCH_SECRET=secret-test-file\nSTYTCH_SESSION_DURATION=2h\n"), 0o600)
	env := map[string]string{"STYTCH_PROJECT_ID": "project-test-env"}
	c := Config{RedirectURL: "http://127.0.0.1:4000/cb"} // as if from a flag
	if err := c.LoadEnv(func(k string) string { return env[k] }, p); err != nil {
		t.Fatal(err)
	}
	if c.ProjectID != "project-test-env" || c.Secret != "secret-test-file" || c.SessionDuration != 2*time.Hour || c.RedirectURL != "http://127.0.0.1:4000/cb" {
		t.Fatalf("%+v", c)
	}
	var missing Config
	if err := missing.LoadEnv(func(string) string { return "" }, filepath.Join(dir, "none")); err != nil {
		t.Fatalf("missing .env should be fine: %v", err)
	}
	bad := Config{}
	err := bad.LoadEnv(func(k string) string {
		if k == EnvSessionDuration {
			return "a week"
		}
		return ""
	}, "")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Var != EnvSessionDuration {
		t.Fatalf("%v", err)
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	ok := Config{ProjectID: "project-test-123", Secret: "secret-test-abc"}
	cases := []struct {
		name string
		mod  func(*Config)
		v    string
	}{
		{"no project", func(c *Config) { c.ProjectID = "" }, EnvProjectID},
		{"bad project", func(c *Config) { c.ProjectID = "proj-123" }, EnvProjectID},
		{"no secret", func(c *Config) { c.Secret = "" }, EnvSecret},
		{"secret env mismatch", func(c *Config) { c.Secret = "secret-live-abc" }, EnvSecret},
		{"secret whitespace", func(c *Config) { c.Secret = "secret-test-abc\n" }, EnvSecret},
		{"base url", func(c *Config) { c.BaseURL = "ftp://x" }, EnvBaseURL},
		{"https redirect", func(c *Config) { c.RedirectURL = "https://localhost:3000/authenticate" }, EnvRedirectURL},
		{"remote redirect", func(c *Config) { c.RedirectURL = "http://example.com:3000/authenticate" }, EnvRedirectURL},
		{"no port", func(c *Config) { c.RedirectURL = "http://localhost/authenticate" }, EnvRedirectURL},
		{"no path", func(c *Config) { c.RedirectURL = "http://localhost:3000" }, EnvRedirectURL},
		{"short session", func(c *Config) { c.SessionDuration = time.Minute }, EnvSessionDuration},
	}
	if err := ok.WithDefaults().Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for _, c := range cases {
		cfg := ok
		c.mod(&cfg)
		err := cfg.WithDefaults().Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != c.v {
			t.Errorf("%s: got %v, want an error naming %s", c.name, err, c.v)
		}
	}
	if _, err := New(Config{}, Options{}); err == nil {
		t.Fatal("New accepted an empty config")
	}
}

func TestLiveDetection(t *testing.T) {
	if !(Config{ProjectID: "project-live-1"}).IsLive() || (Config{ProjectID: "project-test-1"}).IsLive() {
		t.Fatal("live detection")
	}
}

func TestPKCE(t *testing.T) {
	p, err := newPKCE()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.verifier) != 43 || len(p.challenge) != 43 || strings.ContainsAny(p.verifier+p.challenge, "+/=") {
		t.Fatalf("%+v", p)
	}
	// RFC 7636 appendix B.
	if got := challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("challenge %s", got)
	}
	q, _ := newPKCE()
	if p.verifier == q.verifier {
		t.Fatal("verifiers repeat")
	}
}

func TestStateAndKindNames(t *testing.T) {
	if StateSignedIn.String() != "SignedIn" || State(99).String() != "Unknown" || KindPortBusy.String() != "PortBusy" {
		t.Fatal("names")
	}
}

func TestStoreAccountNamesTheIssuingAPI(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{PublicToken: "public-token-test-a"}, "public-token-test-a@test.stytch.com"},
		{Config{PublicToken: "public-token-live-a"}, "public-token-live-a@api.stytch.com"},
		{Config{PublicToken: "public-token-test-a", BaseURL: "https://Proxy.example.com/stytch/"}, "public-token-test-a@proxy.example.com/stytch"},
		{Config{PublicToken: "public-token-test-a", BaseURL: "http://127.0.0.1:9010"}, "public-token-test-a@http://127.0.0.1:9010"},
		{Config{ProjectID: "project-test-p", Secret: "secret-test-s"}, "project-test-p@test.stytch.com"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		got := c.cfg.WithDefaults().StoreAccount()
		if got != c.want {
			t.Errorf("%+v: %q, want %q", c.cfg, got, c.want)
		}
		if seen[got] {
			t.Errorf("%q names two APIs", got)
		}
		seen[got] = true
	}
	a := Config{PublicToken: "public-token-test-a", BaseURL: "https://h.example/a"}.StoreAccount()
	b := Config{PublicToken: "public-token-test-a", BaseURL: "https://h.example/b"}.StoreAccount()
	if a == b {
		t.Fatalf("two path prefixes share %q", a)
	}
}
