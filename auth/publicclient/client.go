// Package publicclient implements backend.Client with Stytch's client API
// (/sdk/v1), authenticated with the project's public token, the way
// Stytch's own iOS, Android and JVM SDKs sign users in. Nothing secret is
// on the user's computer: what the public token may do is bounded by the
// project's Frontend SDK settings in the Stytch dashboard.
//
// Every request carries HTTP Basic auth public_token:public_token (or
// public_token:session_token for the calls that act on a session),
// Content-Type application/json (no charset, GET included) and an
// X-SDK-Client header naming this client, the app, the OS and the device,
// as the Android SDK sends it.
//
// No token, code, verifier, magic link or Authorization value is ever
// logged or put in an error.
package publicclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// Version is this client's version, sent as sdk.version in X-SDK-Client
// and in the User-Agent.
const Version = "0.1.0"

// SDKIdentifier is this client's name, sent as sdk.identifier in
// X-SDK-Client (Stytch's own are "stytch-android", "stytch-ios", …).
const SDKIdentifier = "magiclink-go"

// credentials names the setting that holds this client's credential, for
// the engine's message when Stytch rejects it (backend.Error.Credentials).
const credentials = "STYTCH_PUBLIC_TOKEN"

// Token prefixes of Stytch public tokens.
const (
	testTokenPrefix = "public-token-test-"
	liveTokenPrefix = "public-token-live-"
)

// Default API hosts, chosen from the public token.
const (
	DefaultTestBaseURL = "https://test.stytch.com"
	DefaultLiveBaseURL = "https://api.stytch.com"
)

// DefaultTimeout is the timeout of the default HTTP client.
const DefaultTimeout = 10 * time.Second

// Local refusals: requests this client will not send, because Stytch
// would refuse them or they would leak nothing useful. They are returned
// wrapped with the operation, before any network traffic.
var (
	// ErrNoCodeChallenge: SendLink without a PKCE S256 challenge (43
	// base64url characters). The mobile SDKs always bind links to PKCE.
	ErrNoCodeChallenge = errors.New("a PKCE S256 code challenge (43 base64url characters) is required")
	// ErrNoCodeVerifier: AuthenticateLink without a PKCE verifier (RFC
	// 7636: 43 to 128 unreserved characters).
	ErrNoCodeVerifier = errors.New("a PKCE code verifier (43 to 128 unreserved characters) is required")
	// ErrNoSessionToken: a session call without a session token, which
	// would otherwise go out as an anonymous request.
	ErrNoSessionToken = errors.New("a session token is required")
	// ErrMissingArgument: an empty email, magic-link token, method id or
	// code, or a session length under a minute.
	ErrMissingArgument = errors.New("missing argument")
	// ErrUnexpectedResponse: Stytch answered 2xx with something that is
	// not the expected {"data": {...}} JSON. A JSON decoding error, when
	// there is one, is in the chain too.
	ErrUnexpectedResponse = backend.ErrUnexpectedResponse
)

// App names the app to Stytch. Stytch checks App.ID against the
// Authorized applications of the dashboard's Frontend SDK settings.
type App struct {
	// ID is the reverse-DNS app id, e.g. "io.github.magiclink.magiclink"
	// (required): two or more dot-separated labels of letters, digits,
	// '-' and '_'.
	ID string
	// Version is the app's version, e.g. "1.2.0". Default empty. Letters,
	// digits and ".+-_~" only, at most 64 characters.
	Version string
}

// Config configures a Client. Only PublicToken and App.ID are required.
type Config struct {
	// PublicToken is the project's public token (dashboard → API keys),
	// required. It must start with "public-token-test-" or
	// "public-token-live-".
	PublicToken string
	// BaseURL is the API's scheme and host (and optional path prefix),
	// e.g. an emulator's "http://127.0.0.1:8080". Default
	// DefaultTestBaseURL for a test token, else DefaultLiveBaseURL. The
	// client appends "/sdk/v1/"; a trailing slash is tolerated.
	BaseURL string
	// HTTPClient makes the calls. Default: one with a DefaultTimeout
	// timeout. The client uses a copy that does not follow redirects.
	HTTPClient *http.Client
	// App names the app (App.ID is required).
	App App
	// OS is os.identifier in X-SDK-Client. Default runtime.GOOS.
	OS string
	// OSVersion is os.version in X-SDK-Client. Default: the kernel
	// release on Linux (/proc/sys/kernel/osrelease), else empty.
	OSVersion string
	// Device is device.model in X-SDK-Client. Default "Go/" + runtime.GOARCH
	// (Stytch's JVM SDK sends "JVM").
	Device string
	// Logger receives one debug record per request: the operation, the
	// path (bootstrap's without the token), the HTTP status, Stytch's
	// request id and error type, and the duration. It never receives a
	// token, code, verifier, link or header value. Default: no logging.
	Logger *slog.Logger
}

// Client is a backend.Client over Stytch's client API. It is safe for
// concurrent use.
type Client struct {
	publicToken string
	base        string // ".../sdk/v1/"
	hc          *http.Client
	log         *slog.Logger
	anonAuth    string // the Authorization value before sign-in
	sdkClient   string // the X-SDK-Client value
	userAgent   string

	bootMu   sync.Mutex
	boot     *BootstrapInfo // cached after the first successful fetch
	bootCall *bootstrapCall // the fetch in flight, if any
}

var _ backend.Client = (*Client)(nil)

// New validates cfg, fills its defaults and returns a client. It makes no
// network call.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("publicclient: %w", err)
	}
	hc := *cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		publicToken: cfg.PublicToken,
		base:        cfg.BaseURL + "/sdk/v1/",
		hc:          &hc,
		log:         cfg.Logger,
		anonAuth:    basicAuth(cfg.PublicToken, cfg.PublicToken),
		sdkClient:   sdkClientHeader(cfg),
		userAgent:   userAgent(cfg.App),
	}
	return c, nil
}

func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.PublicToken == "":
		return cfg, errors.New("the public token is required")
	case !strings.HasPrefix(cfg.PublicToken, testTokenPrefix) && !strings.HasPrefix(cfg.PublicToken, liveTokenPrefix):
		return cfg, fmt.Errorf("the public token must start with %q or %q", testTokenPrefix, liveTokenPrefix)
	case !tokenChars(cfg.PublicToken):
		return cfg, errors.New("the public token contains characters other than letters, digits, '-' and '_'")
	}
	if err := validAppID(cfg.App.ID); err != nil {
		return cfg, err
	}
	if !versionChars(cfg.App.Version) {
		return cfg, errors.New(`the app version may hold only letters, digits and ".+-_~", at most 64 characters`)
	}
	base, err := baseURL(cfg.BaseURL, cfg.PublicToken)
	if err != nil {
		return cfg, err
	}
	cfg.BaseURL = base
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.OS == "" {
		cfg.OS = runtime.GOOS
	}
	if cfg.OSVersion == "" {
		cfg.OSVersion = defaultOSVersion()
	}
	if cfg.Device == "" {
		cfg.Device = "Go/" + runtime.GOARCH
	}
	return cfg, nil
}

// baseURL returns the API base without a trailing slash: raw, or the
// default for the token.
func baseURL(raw, token string) (string, error) {
	if raw == "" {
		if strings.HasPrefix(token, testTokenPrefix) {
			return DefaultTestBaseURL, nil
		}
		return DefaultLiveBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("the base URL must be an http(s) URL without credentials, query or fragment, such as %s", DefaultTestBaseURL)
	}
	return strings.TrimRight(raw, "/"), nil
}

func validAppID(id string) error {
	labels := strings.Split(id, ".")
	ok := id != "" && len(id) <= 255 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && l != "" && tokenChars(l)
	}
	if !ok {
		return fmt.Errorf("the app id must be a reverse-DNS id such as io.github.magiclink.magiclink, not %q", truncate(id, 64))
	}
	return nil
}

// tokenChars reports whether s holds only letters, digits, '-' and '_'.
func tokenChars(s string) bool {
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

func versionChars(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune(".+-_~", r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func defaultOSVersion() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return truncate(strings.TrimSpace(string(b)), 64)
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// sdkInfo is the JSON of X-SDK-Client, in the shape of the Android SDK's
// InfoHeaderModel.
type sdkInfo struct {
	SDK    infoItem   `json:"sdk"`
	App    infoItem   `json:"app"`
	OS     infoItem   `json:"os"`
	Device deviceItem `json:"device"`
}

type infoItem struct {
	Identifier string `json:"identifier"`
	Version    string `json:"version"`
}

type deviceItem struct {
	Model      string `json:"model"`
	ScreenSize string `json:"screen_size"`
}

func sdkClientHeader(cfg Config) string {
	b, _ := json.Marshal(sdkInfo{ // cannot fail: strings only
		SDK:    infoItem{SDKIdentifier, Version},
		App:    infoItem{cfg.App.ID, cfg.App.Version},
		OS:     infoItem{cfg.OS, cfg.OSVersion},
		Device: deviceItem{Model: cfg.Device},
	})
	return base64.StdEncoding.EncodeToString(b)
}

// userAgent is "<app id>/<app version> magiclink-go/<Version>"; both parts
// are validated to be header-safe.
func userAgent(app App) string {
	ua := app.ID
	if app.Version != "" {
		ua += "/" + app.Version
	}
	return ua + " " + SDKIdentifier + "/" + Version
}

// minutes converts d to whole minutes, rounding down.
func minutes(d time.Duration) int64 { return int64(d / time.Minute) }

// expiryMinutes is minutes(d), but at least 1.
func expiryMinutes(d time.Duration) int64 { return max(minutes(d), 1) }

// fail adds the operation to err: "publicclient: <op>: <err>".
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("publicclient: %s: %w", op, err)
}

func missing(what string) error { return fmt.Errorf("%w: %s", ErrMissingArgument, what) }

// SendLink implements backend.Client with POST
// magic_links/email/login_or_create: a login or sign-up link to
// req.RedirectURL, valid for req.Expiry and bound to req.CodeChallenge.
// The project's bootstrap settings are checked first (see Bootstrap).
func (c *Client) SendLink(ctx context.Context, req backend.LinkRequest) error {
	const op = "send magic link"
	switch {
	case !validChallenge(req.CodeChallenge):
		return fail(op, ErrNoCodeChallenge)
	case req.Email == "":
		return fail(op, missing("email"))
	}
	if err := c.gate(ctx); err != nil {
		return fail(op, err)
	}
	m := expiryMinutes(req.Expiry)
	body := sendLinkBody{
		Email:                   req.Email,
		LoginMagicLinkURL:       req.RedirectURL,
		SignupMagicLinkURL:      req.RedirectURL,
		CodeChallenge:           req.CodeChallenge,
		CodeChallengeMethod:     "S256",
		LoginExpirationMinutes:  m,
		SignupExpirationMinutes: m,
	}
	return fail(op, c.do(ctx, request{
		op: op, method: http.MethodPost, path: "magic_links/email/login_or_create", body: body,
	}, nil))
}

// SendCode implements backend.Client with POST otps/email/login_or_create
// and returns data.method_id. The project's bootstrap settings are
// checked first (see Bootstrap).
func (c *Client) SendCode(ctx context.Context, email string, expiry time.Duration) (string, error) {
	const op = "send one-time code"
	if email == "" {
		return "", fail(op, missing("email"))
	}
	if err := c.gate(ctx); err != nil {
		return "", fail(op, err)
	}
	var out sendCodeData
	err := c.do(ctx, request{
		op: op, method: http.MethodPost, path: "otps/email/login_or_create",
		body: sendCodeBody{Email: email, ExpirationMinutes: expiryMinutes(expiry)},
	}, &out)
	if err == nil && out.MethodID == "" {
		err = fmt.Errorf("%w: no method_id", ErrUnexpectedResponse)
	}
	if err != nil {
		return "", fail(op, err)
	}
	return out.MethodID, nil
}

// AuthenticateLink implements backend.Client with POST
// magic_links/authenticate.
func (c *Client) AuthenticateLink(ctx context.Context, token, verifier string, sessionLength time.Duration) (*backend.Auth, error) {
	const op = "authenticate magic link"
	switch {
	case !validVerifier(verifier):
		return nil, fail(op, ErrNoCodeVerifier)
	case token == "":
		return nil, fail(op, missing("magic-link token"))
	case minutes(sessionLength) < 1:
		return nil, fail(op, missing("a session length of at least a minute"))
	}
	return c.authenticate(ctx, request{
		op: op, method: http.MethodPost, path: "magic_links/authenticate",
		body:    authenticateBody{Token: token, CodeVerifier: verifier, SessionDurationMinutes: minutes(sessionLength)},
		secrets: []string{token, verifier},
	}, "")
}

// AuthenticateCode implements backend.Client with POST otps/authenticate.
func (c *Client) AuthenticateCode(ctx context.Context, methodID, code string, sessionLength time.Duration) (*backend.Auth, error) {
	const op = "authenticate one-time code"
	switch {
	case methodID == "":
		return nil, fail(op, missing("method id"))
	case code == "":
		return nil, fail(op, missing("code"))
	case minutes(sessionLength) < 1:
		return nil, fail(op, missing("a session length of at least a minute"))
	}
	return c.authenticate(ctx, request{
		op: op, method: http.MethodPost, path: "otps/authenticate",
		body:    authenticateBody{Token: code, MethodID: methodID, SessionDurationMinutes: minutes(sessionLength)},
		secrets: []string{code},
	}, "")
}

// AuthenticateSession implements backend.Client with POST
// sessions/authenticate, the session token in Basic auth. A sessionLength
// under a minute checks the session without extending it.
func (c *Client) AuthenticateSession(ctx context.Context, sessionToken string, sessionLength time.Duration) (*backend.Auth, error) {
	const op = "authenticate session"
	if sessionToken == "" {
		return nil, fail(op, ErrNoSessionToken)
	}
	return c.authenticate(ctx, request{
		op: op, method: http.MethodPost, path: "sessions/authenticate", session: sessionToken,
		body: sessionBody{SessionDurationMinutes: minutes(sessionLength)},
	}, sessionToken)
}

// authenticate makes an authenticate call and returns its AuthData. An
// answer without a session token keeps fallback (the token presented).
func (c *Client) authenticate(ctx context.Context, r request, fallback string) (*backend.Auth, error) {
	var out authData
	if err := c.do(ctx, r, &out); err != nil {
		return nil, fail(r.op, err)
	}
	a := out.auth()
	if a.SessionToken == "" {
		a.SessionToken = fallback
	}
	return a, nil
}

// Revoke implements backend.Client with POST sessions/revoke (no body),
// the session token in Basic auth.
func (c *Client) Revoke(ctx context.Context, sessionToken string) error {
	const op = "revoke session"
	if sessionToken == "" {
		return fail(op, ErrNoSessionToken)
	}
	return fail(op, c.do(ctx, request{op: op, method: http.MethodPost, path: "sessions/revoke", session: sessionToken}, nil))
}

// User implements backend.Client with GET users/me, the session token in
// Basic auth.
func (c *Client) User(ctx context.Context, sessionToken string) (*backend.User, error) {
	const op = "get user"
	if sessionToken == "" {
		return nil, fail(op, ErrNoSessionToken)
	}
	var out userData
	if err := c.do(ctx, request{op: op, method: http.MethodGet, path: "users/me", session: sessionToken}, &out); err != nil {
		return nil, fail(op, err)
	}
	u := out.user()
	return &u, nil
}

// validChallenge reports whether s looks like an S256 challenge:
// base64url of a SHA-256 digest without padding.
func validChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// validVerifier reports whether s is an RFC 7636 code verifier.
func validVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune("-._~", r) {
			return false
		}
	}
	return true
}
