package auth

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/magiclink/magiclink/auth/publicclient"
)

// Defaults for Config fields left at their zero value.
const (
	// DefaultRedirectURL is the redirect URL Stytch registers for every new
	// test project, so a new project works without a dashboard change.
	DefaultRedirectURL = "http://localhost:3000/authenticate"
	// DefaultSessionDuration is how long a session lasts since its last check.
	DefaultSessionDuration = 7 * 24 * time.Hour
	// DefaultLinkExpiry is how long an emailed link stays valid (Stytch's
	// login_expiration_minutes default).
	DefaultLinkExpiry = 60 * time.Minute
	// DefaultCodeExpiry is how long an emailed one-time code stays valid.
	DefaultCodeExpiry = 5 * time.Minute
	// DefaultResendCooldown is the wait between two emails for one login.
	DefaultResendCooldown = 30 * time.Second
	// DefaultRequestTimeout bounds every call to Stytch.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultCheckInterval is how often a signed-in session is re-checked
	// and extended.
	DefaultCheckInterval = 5 * time.Minute
	// DefaultKeyringTimeout bounds every keyring call.
	DefaultKeyringTimeout = 3 * time.Second
)

// Environment variables read by LoadEnv.
const (
	EnvPublicToken     = "STYTCH_PUBLIC_TOKEN"
	EnvProjectID       = "STYTCH_PROJECT_ID"
	EnvSecret          = "STYTCH_SECRET"
	EnvBaseURL         = "STYTCH_BASE_URL"
	EnvRedirectURL     = "STYTCH_REDIRECT_URL"
	EnvSessionDuration = "STYTCH_SESSION_DURATION"
)

// Config is the engine's configuration. The zero value of every optional
// field means its default.
type Config struct {
	// PublicToken is the project's public token (STYTCH_PUBLIC_TOKEN). With
	// it the app signs in through Stytch's client API (/sdk/v1), as
	// Stytch's own mobile SDKs do, and needs no secret: this is how an app
	// handed to users runs. When set, ProjectID and Secret are not used.
	PublicToken string
	// ProjectID is the Stytch project id (STYTCH_PROJECT_ID). It decides
	// test vs live like the SDK does: ids starting "project-live-" are live.
	ProjectID string
	// Secret is the project's API secret (STYTCH_SECRET). It is read at run
	// time only and never logged.
	Secret string
	// AllowLiveSecret lets a live project's secret be used (--allow-live-secret).
	// Off by default: a live secret on a user's computer exposes every user
	// of the project. Only for trusted internal tools.
	AllowLiveSecret bool
	// BaseURL overrides the Stytch API base URL (STYTCH_BASE_URL), e.g. the
	// emulator's. Default: from the public token ("public-token-test-…" →
	// https://test.stytch.com, otherwise https://api.stytch.com), or chosen
	// by stytch-go from ProjectID.
	BaseURL string
	// BaseURLSetting names where BaseURL was set, e.g. "--base-url" or
	// "STYTCH_BASE_URL", for messages that tell the user to check it.
	// Default: both names.
	BaseURLSetting string
	// RedirectURL is where the magic link sends the browser; it must be a
	// loopback http URL with an explicit port (STYTCH_REDIRECT_URL).
	// Default DefaultRedirectURL.
	RedirectURL string
	// RedirectURLSetting names where RedirectURL was set, e.g.
	// "--redirect-url", for messages. Default: both names.
	RedirectURLSetting string
	// SessionDuration is the session length requested from Stytch and the
	// extension applied on every check (STYTCH_SESSION_DURATION).
	// Default DefaultSessionDuration; Stytch allows 5m to 366 days.
	SessionDuration time.Duration
	// LinkExpiry is how long an emailed link is valid. Default DefaultLinkExpiry.
	LinkExpiry time.Duration
	// CodeExpiry is how long an emailed code is valid. Default DefaultCodeExpiry.
	CodeExpiry time.Duration
	// ResendCooldown is the minimum time between two emails. Default DefaultResendCooldown.
	ResendCooldown time.Duration
	// RequestTimeout bounds each Stytch call. Default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// CheckInterval is how often the session is re-checked. Default DefaultCheckInterval.
	CheckInterval time.Duration
}

// UsesPublicToken reports whether the app signs in with the public token
// (Stytch's client API) rather than a project secret.
func (c Config) UsesPublicToken() bool { return c.PublicToken != "" }

// IsLive reports whether the credentials in use belong to a live project:
// the public token, or else ProjectID, as Stytch's SDKs decide.
func (c Config) IsLive() bool {
	if c.UsesPublicToken() {
		return !strings.HasPrefix(c.PublicToken, "public-token-test-")
	}
	return strings.HasPrefix(c.ProjectID, "project-live-")
}

// HasCredentials reports whether a public token, project id or secret was given.
func (c Config) HasCredentials() bool {
	return c.PublicToken != "" || c.ProjectID != "" || c.Secret != ""
}

// APIBaseURL is the Stytch API base URL in use: BaseURL, or the default
// for the credentials — the hosts the clients themselves default to, so
// the keyring account (StoreAccount) names the API that issued a session.
func (c Config) APIBaseURL() string {
	switch {
	case c.BaseURL != "":
		return c.BaseURL
	case c.IsLive():
		return publicclient.DefaultLiveBaseURL
	default:
		return publicclient.DefaultTestBaseURL
	}
}

// StoreAccount names the stored session in the keyring: the credential it
// was issued to (public token or project id, which also tells the two
// modes apart) and the API host that issued it, with its scheme when that
// is not https, so a session is only ever sent back to the API that
// created it.
func (c Config) StoreAccount() string {
	id := c.ProjectID
	if c.UsesPublicToken() {
		id = c.PublicToken
	}
	host := c.APIBaseURL()
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		// The path too: a base URL may carry a prefix (a proxy in front of
		// Stytch), and two prefixes on one host are two APIs.
		host = strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
		if u.Scheme != "https" {
			// A session issued over TLS never goes out in the clear.
			host = u.Scheme + "://" + host
		}
	}
	return id + "@" + host
}

// WithDefaults returns c with every zero optional field set to its default.
func (c Config) WithDefaults() Config {
	if c.RedirectURL == "" {
		c.RedirectURL = DefaultRedirectURL
	}
	if c.SessionDuration == 0 {
		c.SessionDuration = DefaultSessionDuration
	}
	if c.LinkExpiry == 0 {
		c.LinkExpiry = DefaultLinkExpiry
	}
	if c.CodeExpiry == 0 {
		c.CodeExpiry = DefaultCodeExpiry
	}
	if c.ResendCooldown == 0 {
		c.ResendCooldown = DefaultResendCooldown
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.CheckInterval == 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// ConfigError is a configuration mistake; Var names the setting to fix.
type ConfigError struct {
	Var string
	Msg string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Msg }

// Validate checks c (after WithDefaults) and returns a *ConfigError naming
// the first setting to fix.
func (c Config) Validate() error {
	if c.UsesPublicToken() {
		if err := c.validatePublicToken(); err != nil {
			return err
		}
	} else if err := c.validateSecret(); err != nil {
		return err
	}
	return c.validateCommon()
}

func (c Config) validatePublicToken() error {
	switch {
	case strings.ContainsAny(c.PublicToken, " \t\r\n\"'"):
		return &ConfigError{EnvPublicToken, "contains spaces or quotes; copy it again from the Stytch dashboard (API keys)"}
	case !strings.HasPrefix(c.PublicToken, "public-token-test-") && !strings.HasPrefix(c.PublicToken, "public-token-live-"):
		return &ConfigError{EnvPublicToken, `should start with "public-token-test-" or "public-token-live-" (the dashboard's API keys page, Public token)`}
	}
	return nil
}

func (c Config) validateSecret() error {
	switch {
	case c.ProjectID == "":
		return &ConfigError{EnvProjectID, "is not set; copy it from the Stytch dashboard (API keys), or run with --demo"}
	case !strings.HasPrefix(c.ProjectID, "project-test-") && !strings.HasPrefix(c.ProjectID, "project-live-"):
		return &ConfigError{EnvProjectID, `should start with "project-test-" or "project-live-"`}
	case c.Secret == "":
		return &ConfigError{EnvSecret, "is not set; copy it from the Stytch dashboard (API keys)"}
	case strings.ContainsAny(c.Secret, " \t\r\n"):
		return &ConfigError{EnvSecret, "contains whitespace; copy it again without spaces or quotes"}
	case strings.HasPrefix(c.Secret, "secret-test-") && c.IsLive(),
		strings.HasPrefix(c.Secret, "secret-live-") && !c.IsLive():
		return &ConfigError{EnvSecret, "belongs to the other environment than " + EnvProjectID + " (test vs live)"}
	case c.IsLive() && !c.AllowLiveSecret:
		return &ConfigError{EnvSecret, "is a live project's secret, which can read, change and delete every user of the project; " +
			"it must not be on a user's computer. Use the project's public token instead (" + EnvPublicToken +
			"), or, only for a trusted internal tool, pass --allow-live-secret"}
	}
	return nil
}

func (c Config) validateCommon() error {
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &ConfigError{EnvBaseURL, "must be an http(s) URL such as https://test.stytch.com"}
		}
	}
	if _, err := parseRedirect(c.RedirectURL); err != nil {
		return &ConfigError{EnvRedirectURL, err.Error()}
	}
	if c.SessionDuration < 5*time.Minute || c.SessionDuration > 527040*time.Minute {
		return &ConfigError{EnvSessionDuration, "must be between 5m and 8784h (366 days)"}
	}
	if c.LinkExpiry < 5*time.Minute || c.LinkExpiry > 10080*time.Minute {
		return &ConfigError{"link expiry", "must be between 5m and 168h"}
	}
	if c.CodeExpiry < time.Minute || c.CodeExpiry > 10*time.Minute {
		return &ConfigError{"code expiry", "must be between 1m and 10m"}
	}
	return nil
}

// DeepLinkScheme is the app's own URL scheme: a redirect URL such as
// magiclink://authenticate makes Stytch's links open the app itself,
// with no listener and no port.
const DeepLinkScheme = "magiclink"

// DeepLinkRedirectURL is the deep-link redirect URL to register in Stytch.
const DeepLinkRedirectURL = DeepLinkScheme + "://authenticate"

// DeepLink reports whether the redirect URL is a magiclink:// deep link
// rather than a loopback http URL.
func (c Config) DeepLink() bool {
	u, err := parseRedirect(c.WithDefaults().RedirectURL)
	return err == nil && u.Scheme == DeepLinkScheme
}

// parseRedirect checks that raw is either a loopback http URL with an
// explicit port and a path, the only kind of redirect a desktop listener
// can serve, or a deep link of the app's own scheme with a host
// (magiclink://authenticate), which the operating system hands to the app.
func parseRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a valid URL")
	}
	if u.Scheme == DeepLinkScheme {
		switch {
		case u.Opaque != "" || u.Host == "":
			return nil, errors.New("must name a host after the scheme, e.g. " + DeepLinkRedirectURL)
		case u.Port() != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
			return nil, errors.New("must be just " + DeepLinkScheme + "://host/path, with no port, credentials, query or #fragment, e.g. " + DeepLinkRedirectURL)
		}
		return u, nil
	}
	if u.Scheme != "http" {
		return nil, errors.New(`must start with "http://" (the app serves it on this computer) or be a ` + DeepLinkScheme + `:// deep link such as ` + DeepLinkRedirectURL)
	}
	if u.Port() == "" {
		return nil, errors.New("must include a port, e.g. http://localhost:3000/authenticate")
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return nil, errors.New("has an invalid port")
	}
	if !IsLoopbackHost(u.Hostname()) {
		return nil, errors.New("must point at this computer: localhost, 127.0.0.1 or [::1]")
	}
	if u.Path == "" || u.Path == "/" {
		return nil, errors.New("must include a path, e.g. /authenticate")
	}
	if u.User != nil || u.Fragment != "" {
		return nil, errors.New("must not contain credentials or a #fragment")
	}
	return u, nil
}

// IsLoopbackHost reports whether h is "localhost" or a loopback IP address.
func IsLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// LoadEnv fills the fields of c that are still empty from getenv, then from
// the dotenv file at path (if it exists). Real environment variables win
// over the file, as with dotenv. A missing file is not an error.
func (c *Config) LoadEnv(getenv func(string) string, dotenvPath string) error {
	vals := map[string]string{}
	if dotenvPath != "" {
		var err error
		if vals, err = ReadDotenvFile(dotenvPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return c.LoadEnvFrom(getenv, vals)
}

// DotenvError is a .env file that could not be read or parsed: Path names
// the file and Line the line (0 when the file as a whole failed).
type DotenvError struct {
	Path string
	Line int
	Msg  string
	Err  error
}

func (e *DotenvError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s, line %d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

func (e *DotenvError) Unwrap() error { return e.Err }

// ReadDotenvFile reads the dotenv file at path. A missing file is a
// *DotenvError wrapping os.ErrNotExist; a line that can't be parsed is a
// *DotenvError naming the file and the line (never its content, which may
// hold a secret).
func ReadDotenvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		msg := "could not be opened"
		switch {
		case errors.Is(err, os.ErrNotExist):
			msg = "no such file"
		case errors.Is(err, os.ErrPermission):
			msg = "permission denied"
		}
		return nil, &DotenvError{Path: path, Msg: msg, Err: err}
	}
	defer f.Close()
	// Reading a directory fails with a different error on each system;
	// asking first gives the same sentence everywhere.
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &DotenvError{Path: path, Msg: "is a directory, not a file", Err: errors.New("is a directory")}
	}
	vals, err := ParseDotenv(f)
	if err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return nil, &DotenvError{Path: path, Line: le.line, Msg: le.msg, Err: err}
		}
		return nil, &DotenvError{Path: path, Msg: "could not be read", Err: err}
	}
	return vals, nil
}

type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// LoadEnvFrom fills the fields of c that are still empty from getenv, then
// from vals (a dotenv file's settings).
func (c *Config) LoadEnvFrom(getenv func(string) string, vals map[string]string) error {
	get := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}
	setIfEmpty := func(dst *string, k string) {
		if *dst == "" {
			*dst = get(k)
		}
	}
	setIfEmpty(&c.PublicToken, EnvPublicToken)
	setIfEmpty(&c.ProjectID, EnvProjectID)
	setIfEmpty(&c.Secret, EnvSecret)
	setIfEmpty(&c.BaseURL, EnvBaseURL)
	setIfEmpty(&c.RedirectURL, EnvRedirectURL)
	if c.SessionDuration == 0 {
		if v := get(EnvSessionDuration); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return &ConfigError{EnvSessionDuration, fmt.Sprintf("%q is not a duration such as 168h", v)}
			}
			c.SessionDuration = d
		}
	}
	return nil
}

// ParseDotenv reads KEY=VALUE lines as dotenv does: blank lines and lines
// starting with # are skipped, an optional "export " prefix is allowed, and
// values may be wrapped in single or double quotes.
func ParseDotenv(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if ok && strings.ContainsAny(k, " \t\"'") {
			return nil, &lineError{n, "the name before = has spaces or quotes; expected KEY=VALUE"}
		}
		if !ok || k == "" {
			return nil, &lineError{n, "expected KEY=VALUE, such as " + EnvPublicToken + "=public-token-test-…"}
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// RegisterFlags binds c's settings to flags on fs. Call LoadEnv after
// fs.Parse: it only fills fields the flags left empty, so flags win over
// the environment, which wins over the .env file. The secret has no flag:
// command lines are visible to every user of the computer.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.PublicToken, "public-token", c.PublicToken, "Stytch project's public token: sign in through Stytch's client API, no secret needed (env "+EnvPublicToken+")")
	fs.StringVar(&c.ProjectID, "project-id", c.ProjectID, "Stytch project id, used with "+EnvSecret+" (env "+EnvProjectID+")")
	fs.BoolVar(&c.AllowLiveSecret, "allow-live-secret", c.AllowLiveSecret, "trusted internal tools only: accept a live project's "+EnvSecret+
		", which can read, change and delete every user of the project, on this computer")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "Stytch API base URL override (env "+EnvBaseURL+"; default from the public token or project id)")
	fs.StringVar(&c.RedirectURL, "redirect-url", c.RedirectURL, "redirect URL registered in Stytch: a loopback http URL or the deep link "+DeepLinkRedirectURL+" (env "+EnvRedirectURL+", default "+DefaultRedirectURL+")")
	fs.DurationVar(&c.SessionDuration, "session-duration", c.SessionDuration, "session length, extended on every check (env "+EnvSessionDuration+", default 168h)")
}
