// Package emulator is a local, Stytch-compatible server for the consumer
// magic-link and email one-time-code APIs.
//
// It is the offline backend of the app's demo mode, the backend of the
// project's tests, and a tool testers can run on its own (see
// cmd/stytch-emulator). It speaks the wire format of Stytch's consumer API
// closely enough for the official stytch-go SDK to decode every response:
// magic links (login_or_create, send, authenticate, the hosted redirect),
// email OTPs, sessions (authenticate, revoke, list by user, JWKS) and users
// (get, update, delete).
//
// It also serves Stytch's client API under /sdk/v1, which Stytch's iOS,
// Android and browser SDKs call with the project's public token, on the
// same users, sessions, links and codes: a session made through one API
// authenticates through the other. Its dashboard settings (authorized app
// ids and domains, disabled products, PKCE, captcha, DFP) are SDKSettings.
//
// The routes under /dev/ (outbox, inbox page, sessions, clock, fault
// injection, SDK and project settings) exist only on this emulator, never on Stytch. They have no
// authentication: the emulator is meant to listen on loopback only.
package emulator

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// DefaultProjectID is the stable project id used when Config.ProjectID is
// empty, and by the app's demo mode.
const DefaultProjectID = "project-test-00000000-0000-0000-0000-000000000000"

// DefaultPublicToken is the stable public token used when Config.PublicToken
// is empty (with "-live-" instead of "-test-" for a live project id), and by
// the app's demo mode. Clients of /sdk/v1 authenticate with it.
const DefaultPublicToken = "public-token-test-00000000-0000-0000-0000-000000000000"

// DefaultSDKAppID is the app id (bundle id / application id) authorized for
// /sdk/v1 by default: the app's own id from FyneApp.toml.
const DefaultSDKAppID = "io.github.magiclink.magiclink"

// Limits and defaults, as Stytch documents them.
const (
	maxBodyBytes            = 1 << 20 // request bodies larger than this get a 400
	defaultLoginExpiryMin   = 60
	defaultSignupExpiryMin  = 10080
	minLinkExpiryMin        = 5
	maxLinkExpiryMin        = 10080
	defaultOTPExpiryMin     = 2
	minOTPExpiryMin         = 1
	maxOTPExpiryMin         = 10
	maxOTPAttempts          = 5
	minSessionMinutes       = 5
	maxSessionMinutes       = 527040
	jwtLifetime             = 5 * time.Minute
	rateLimitPerMinute      = 5
	maxOutboxMessages       = 1000
	maxCustomClaimsBytes    = 4096
	defaultRoleStytchUser   = "stytch_user"
	redirectTokenType       = "magic_links"
	defaultLoopbackRedirect = "http://localhost:3000/authenticate"
	defaultIPRedirect       = "http://127.0.0.1:3000/authenticate"
)

// Config configures an Emulator. The zero value is usable: every field has
// a default.
type Config struct {
	// ProjectID is the project id clients authenticate with. Default:
	// DefaultProjectID. Ids, tokens and keys use "-live-" instead of
	// "-test-" when it starts with "project-live-".
	ProjectID string
	// Secret is the project secret. Default: "secret-test-" followed by
	// random characters from crypto/rand.
	Secret string
	// PublicToken is the token clients of the client API (/sdk/v1)
	// authenticate with; it also appears in emailed links. Default:
	// DefaultPublicToken.
	PublicToken string
	// SDK holds the dashboard's "Frontend SDK" settings that govern /sdk/v1:
	// authorized app ids and domains, disabled products, PKCE, captcha and
	// DFP. Default (nil): DefaultSDKSettings(). They can be changed later
	// with SetSDKSettings or POST /dev/sdk.
	SDK *SDKSettings
	// RedirectURLs are added to the redirect allow-list, which always holds
	// http://localhost:3000/authenticate and
	// http://127.0.0.1:3000/authenticate. An entry may contain "*", which
	// matches any run of characters other than "/" (for example
	// "http://127.0.0.1:*/callback"). Queries on requested URLs are ignored
	// when matching and kept when redirecting.
	RedirectURLs []string
	// DefaultLoginRedirectURL and DefaultSignupRedirectURL are the
	// dashboard's default redirect URLs: a login_or_create or send that
	// names no login_magic_link_url (signup_magic_link_url) uses them. Each
	// must be on the allow-list (RedirectURLs or a built-in entry) and may
	// not contain "*", as in the dashboard, where a default is one of the
	// listed URLs. Default: http://localhost:3000/authenticate. They can be
	// changed later with SetDefaultRedirectURLs or POST /dev/project.
	DefaultLoginRedirectURL  string
	DefaultSignupRedirectURL string
	// OutboxDir, when set, receives each email as a .eml file (mode 0600,
	// directory 0700). Default: none.
	OutboxDir string
	// StatePath, when set, is a file that state is loaded from at New and
	// kept in (mode 0600): a JSON snapshot, rewritten atomically at New,
	// SaveState and Close, followed by a journal that every change is
	// appended and fsynced to before it is answered. Session and
	// magic-link tokens and OTP codes are stored as SHA-256 hashes only.
	// Default: state lives in memory only.
	StatePath string
	// RateLimit enables the per-address send limit: at most 5 emails per
	// address per rolling minute, then 429 too_many_requests. Default: off.
	RateLimit bool
	// Latency is added to every /v1/ and /sdk/v1/ request. Default: none.
	Latency time.Duration
	// LogLinks makes the one log line per email include its link or code.
	// Leave it off when the emulator is embedded in the app: then only the
	// address, kind and message id are logged.
	LogLinks bool
	// Logger receives one line per email and warnings. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now. Advance moves it forward.
	Now func() time.Time
	// SigningKey is the RSA key that signs session JWTs. Default: the key in
	// the state file, or a new 2048-bit key.
	SigningKey *rsa.PrivateKey
}

// Emulator is a Stytch-compatible http.Handler. Create it with New. All its
// methods are safe for concurrent use.
type Emulator struct {
	projectID   string
	secret      string
	publicToken string
	env         string // "test" or "live"
	outboxDir   string
	statePath   string
	logLinks    bool
	rateLimit   bool
	log         *slog.Logger
	baseNow     func() time.Time

	// mu guards everything below up to the next comment.
	mu          sync.Mutex
	clockOffset time.Duration
	redirects   []string
	// defaultLogin and defaultSignup are the default redirect URLs.
	defaultLogin  string
	defaultSignup string
	users         map[string]*user      // by user id
	byEmail       map[string]string     // normalized address -> user id
	sessions      map[string]*session   // by session id
	byToken       map[string]string     // session token hash -> session id
	links         map[string]*magicLink // token hash -> link
	otps          map[string]*otpCode   // method (email) id -> pending code
	sends         map[string][]time.Time
	outbox        []Message
	sdk           SDKSettings // the dashboard's Frontend SDK settings
	// key signs session JWTs. It is written once, before keyReady is
	// closed, and read only through signingKey.
	key      *signingKey
	keyErr   error
	keyReady chan struct{}

	// fmu guards fault injection and latency.
	fmu     sync.Mutex
	latency time.Duration
	faults  map[string]*fault

	// dirty are the records changed since the last persist (guarded by mu).
	dirty map[journalKey]struct{}

	// saveMu serialises writes of the state file and its journal, and
	// guards the fields below. It is taken before mu, never after.
	saveMu        sync.Mutex
	journalOK     bool // the state file holds a snapshot changes may be appended to
	snapshotBytes int64
	journalBytes  int64
}

// New returns an Emulator configured by cfg, loading the state file when
// one is configured and exists.
func New(cfg Config) (*Emulator, error) {
	e := &Emulator{
		projectID:     cfg.ProjectID,
		secret:        cfg.Secret,
		publicToken:   cfg.PublicToken,
		outboxDir:     cfg.OutboxDir,
		statePath:     cfg.StatePath,
		logLinks:      cfg.LogLinks,
		rateLimit:     cfg.RateLimit,
		log:           cfg.Logger,
		baseNow:       cfg.Now,
		latency:       cfg.Latency,
		redirects:     []string{defaultLoopbackRedirect, defaultIPRedirect},
		defaultLogin:  defaultLoopbackRedirect,
		defaultSignup: defaultLoopbackRedirect,
		users:         map[string]*user{},
		byEmail:       map[string]string{},
		sessions:      map[string]*session{},
		byToken:       map[string]string{},
		links:         map[string]*magicLink{},
		otps:          map[string]*otpCode{},
		sends:         map[string][]time.Time{},
		faults:        map[string]*fault{},
	}
	if e.projectID == "" {
		e.projectID = DefaultProjectID
	}
	e.env = "test"
	if strings.HasPrefix(e.projectID, "project-live-") {
		e.env = "live"
	}
	if e.secret == "" {
		e.secret = "secret-" + e.env + "-" + base64.RawURLEncoding.EncodeToString(randomBytes(24))
	}
	if e.publicToken == "" {
		e.publicToken = strings.Replace(DefaultPublicToken, "-test-", "-"+e.env+"-", 1)
	}
	e.sdk = DefaultSDKSettings()
	if cfg.SDK != nil {
		sdk, err := cfg.SDK.normalized()
		if err != nil {
			return nil, err
		}
		e.sdk = sdk
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.baseNow == nil {
		e.baseNow = time.Now
	}
	if cfg.Latency < 0 {
		return nil, fmt.Errorf("emulator: negative latency %s", cfg.Latency)
	}
	for _, u := range cfg.RedirectURLs {
		if err := e.addRedirect(u); err != nil {
			return nil, err
		}
	}
	if err := e.SetDefaultRedirectURLs(cfg.DefaultLoginRedirectURL, cfg.DefaultSignupRedirectURL); err != nil {
		return nil, err
	}
	if e.statePath != "" {
		if err := e.loadState(); err != nil {
			return nil, err
		}
	}
	if cfg.SigningKey != nil {
		k, err := newSigningKeyFrom(cfg.SigningKey, e.newID("jwk"))
		if err != nil {
			return nil, err
		}
		if e.key == nil || !e.key.priv.Equal(cfg.SigningKey) {
			e.key = k
		}
	}
	e.keyReady = make(chan struct{})
	if e.key != nil {
		close(e.keyReady)
		if e.statePath != "" {
			if err := e.SaveState(); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
	// RSA key generation takes 50–400 ms: do it in the background so an app
	// embedding the emulator shows its window without waiting. The first
	// request that needs the key (JWKS, a session JWT) waits for it, and so
	// does saving the state, which happens on the next change or at Close.
	kid := e.newID("jwk")
	go func() {
		e.key, e.keyErr = generateSigningKey(kid)
		close(e.keyReady)
	}()
	return e, nil
}

// signingKey returns the JWT signing key, waiting for its generation to
// finish if needed.
func (e *Emulator) signingKey() (*signingKey, error) {
	<-e.keyReady
	if e.keyErr != nil {
		return nil, fmt.Errorf("emulator: generate signing key: %w", e.keyErr)
	}
	return e.key, nil
}

// ProjectID returns the project id clients must authenticate with.
func (e *Emulator) ProjectID() string { return e.projectID }

// Secret returns the project secret clients must authenticate with.
func (e *Emulator) Secret() string { return e.secret }

// PublicToken returns the public token of /sdk/v1, also put in emailed links.
func (e *Emulator) PublicToken() string { return e.publicToken }

// AllowRedirectURL adds u to the redirect allow-list. Invalid URLs are
// ignored (and logged); see Config.RedirectURLs for the matching rules.
func (e *Emulator) AllowRedirectURL(u string) {
	if err := e.addRedirect(u); err != nil {
		e.log.Warn("emulator: redirect URL not added", "error", err)
	}
}

func (e *Emulator) addRedirect(raw string) error {
	key, err := allowListKey(raw)
	if err != nil {
		return fmt.Errorf("emulator: invalid redirect URL %q: %w", raw, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, have := range e.redirects {
		if have == key {
			return nil
		}
	}
	e.redirects = append(e.redirects, key)
	return nil
}

// SetDefaultRedirectURLs sets the default login and signup redirect URLs
// (see Config.DefaultLoginRedirectURL); "" keeps the current one. A URL
// that is malformed, contains "*" or is not on the allow-list is an error
// and changes nothing.
func (e *Emulator) SetDefaultRedirectURLs(login, signup string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, raw := range []string{login, signup} {
		if raw == "" {
			continue
		}
		u, err := parseRedirectURL(raw)
		if err != nil || strings.Contains(raw, "*") {
			return fmt.Errorf("emulator: invalid default redirect URL %q", raw)
		}
		if !e.redirectAllowed(u) {
			return fmt.Errorf("emulator: default redirect URL %q is not on the redirect allow-list (add it with -redirect-url / Config.RedirectURLs)", raw)
		}
	}
	if login != "" {
		e.defaultLogin = login
	}
	if signup != "" {
		e.defaultSignup = signup
	}
	return nil
}

// RedirectSettings are the project's redirect URL settings: the allow-list
// and the default login and signup redirect URLs.
type RedirectSettings struct {
	// RedirectURLs is the allow-list, built-in entries first.
	RedirectURLs []string `json:"redirect_urls"`
	// DefaultLoginRedirectURL is used by a login link that names no URL.
	DefaultLoginRedirectURL string `json:"default_login_redirect_url"`
	// DefaultSignupRedirectURL is used by a signup link that names no URL.
	DefaultSignupRedirectURL string `json:"default_signup_redirect_url"`
}

// RedirectSettings returns the allow-list and the default redirect URLs.
func (e *Emulator) RedirectSettings() RedirectSettings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return RedirectSettings{
		RedirectURLs:             append([]string(nil), e.redirects...),
		DefaultLoginRedirectURL:  e.defaultLogin,
		DefaultSignupRedirectURL: e.defaultSignup,
	}
}

// Advance moves the emulator's clock forward by d, so links, codes,
// sessions and JWTs expire without waiting. Negative values are ignored.
func (e *Emulator) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	e.mu.Lock()
	e.clockOffset += d
	e.mu.Unlock()
}

// now returns the emulator's current time. Callers must hold e.mu.
func (e *Emulator) now() time.Time {
	return e.baseNow().Add(e.clockOffset).UTC()
}

// Now returns the emulator's current time (its clock plus any Advance).
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

// SetLatency sets the delay added to every /v1/ and /sdk/v1/ request.
func (e *Emulator) SetLatency(d time.Duration) {
	if d < 0 {
		d = 0
	}
	e.fmu.Lock()
	e.latency = d
	e.fmu.Unlock()
}
