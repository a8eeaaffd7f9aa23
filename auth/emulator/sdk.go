package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// sdkPrefix is the path of Stytch's client API, the one its iOS, Android
// and browser SDKs call with the project's public token.
const sdkPrefix = "/sdk/v1"

// Products whose /sdk/v1 send endpoints SDKSettings.Disabled can turn off.
const (
	// SDKMagicLinks is email magic links: /sdk/v1/magic_links/email/login_or_create
	// and /sdk/v1/magic_links/email/send/primary.
	SDKMagicLinks = "magic_links"
	// SDKOTPs is email one-time codes: /sdk/v1/otps/email/login_or_create.
	SDKOTPs = "otps"
)

// SDKSettings are the settings of the Stytch dashboard's "Frontend SDK"
// page that govern /sdk/v1.
type SDKSettings struct {
	// AppIDs are the authorized native apps ("Authorized applications": iOS
	// bundle ids, Android application ids, desktop app ids). A request
	// without Origin or X-SDK-Parent-Host must name one of them as
	// app.identifier in its X-SDK-Client header.
	AppIDs []string `json:"app_ids"`
	// Domains are the authorized web domains. A request with an Origin or
	// X-SDK-Parent-Host header must come from one of them. An entry is a
	// host name ("localhost", matching every scheme and port), a host and
	// port ("localhost:3000") or an origin ("https://localhost:3000").
	Domains []string `json:"domains"`
	// Disabled lists the products (SDKMagicLinks, SDKOTPs) whose send
	// endpoints answer endpoint_not_authorized_for_sdk.
	Disabled []string `json:"disabled"`
	// PKCERequired refuses magic-link sends without a code_challenge, and
	// bootstrap reports pkce_required_for_email_magic_links.
	PKCERequired bool `json:"pkce_required"`
	// Captcha makes bootstrap report captcha_settings.enabled, and sends
	// without a captcha_token answer 403 captcha_required. Any non-empty
	// captcha_token is accepted.
	Captcha bool `json:"captcha"`
	// DFP makes bootstrap report dfp_protected_auth_enabled (mode
	// DECISIONING). Nothing else changes.
	DFP bool `json:"dfp"`
}

// DefaultSDKSettings are the settings used when Config.SDK is nil: the
// app's own id (DefaultSDKAppID), the domains localhost and 127.0.0.1,
// every product enabled, PKCE required, captcha and DFP off.
func DefaultSDKSettings() SDKSettings {
	return SDKSettings{
		AppIDs:       []string{DefaultSDKAppID},
		Domains:      []string{"localhost", "127.0.0.1"},
		Disabled:     []string{},
		PKCERequired: true,
	}
}

// normalized validates s and returns a copy with trimmed, de-duplicated
// lists (domains in lower case) that shares no memory with s.
func (s SDKSettings) normalized() (SDKSettings, error) {
	out := SDKSettings{PKCERequired: s.PKCERequired, Captcha: s.Captcha, DFP: s.DFP}
	var err error
	if out.AppIDs, err = cleanList(s.AppIDs, "app id", false); err != nil {
		return out, err
	}
	if out.Domains, err = cleanList(s.Domains, "domain", true); err != nil {
		return out, err
	}
	if out.Disabled, err = cleanList(s.Disabled, "product", false); err != nil {
		return out, err
	}
	for _, p := range out.Disabled {
		if p != SDKMagicLinks && p != SDKOTPs {
			return out, fmt.Errorf("emulator: unknown SDK product %q (want %q or %q)", p, SDKMagicLinks, SDKOTPs)
		}
	}
	return out, nil
}

// cleanList trims and de-duplicates a settings list, refusing empty
// entries and entries with spaces or commas.
func cleanList(in []string, what string, domain bool) ([]string, error) {
	out := []string{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if domain {
			v = strings.ToLower(strings.TrimRight(v, "/"))
		}
		if v == "" || strings.ContainsAny(v, " \t\r\n,") {
			return nil, fmt.Errorf("emulator: invalid SDK %s %q", what, v)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (s SDKSettings) clone() SDKSettings {
	s.AppIDs, s.Domains, s.Disabled = slices.Clone(s.AppIDs), slices.Clone(s.Domains), slices.Clone(s.Disabled)
	return s
}

// SDKSettings returns the current Frontend SDK settings.
func (e *Emulator) SDKSettings() SDKSettings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sdk.clone()
}

// SetSDKSettings replaces the Frontend SDK settings; requests that arrive
// afterwards see the new ones. An invalid product or list entry is an
// error and changes nothing.
func (e *Emulator) SetSDKSettings(s SDKSettings) error {
	return e.updateSDKSettings(func(cur *SDKSettings) { *cur = s })
}

// updateSDKSettings applies change to a copy of the settings and installs
// the result, atomically, when it is valid.
func (e *Emulator) updateSDKSettings(change func(*SDKSettings)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.sdk.clone()
	change(&next)
	n, err := next.normalized()
	if err != nil {
		return err
	}
	e.sdk = n
	return nil
}

// sdkCall is one authenticated /sdk/v1 request.
type sdkCall struct {
	r *http.Request
	// session is the Basic-auth password when it is not the public token:
	// the session token the client holds. "" means anonymous.
	session  string
	arg      string // the escaped path parameter (bootstrap's public token)
	settings SDKSettings
}

// sdkRoute describes one /sdk/v1 route.
type sdkRoute struct {
	method string
	// session: the route acts on the session named in the Basic password.
	session bool
	// product: the route is refused when this product is disabled.
	product string
	// optionalAuth: credentials and X-SDK-Client may be left out (the
	// browser SDK posts its telemetry to /events without them).
	optionalAuth bool
	fn           func(c *sdkCall) (any, *apiError)
}

// sdkRouteFor returns the route of a path below /sdk/v1 and its path
// parameter.
func (e *Emulator) sdkRouteFor(rest, escapedRest string) (sdkRoute, string, bool) {
	switch rest {
	case "/magic_links/email/login_or_create":
		return sdkRoute{method: http.MethodPost, product: SDKMagicLinks, fn: e.sdkMagicLinkSend(true)}, "", true
	case "/magic_links/email/send/primary":
		return sdkRoute{method: http.MethodPost, product: SDKMagicLinks, fn: e.sdkMagicLinkSend(false)}, "", true
	case "/magic_links/authenticate":
		return sdkRoute{method: http.MethodPost, fn: e.sdkAuthenticate(false)}, "", true
	case "/otps/email/login_or_create":
		return sdkRoute{method: http.MethodPost, product: SDKOTPs, fn: e.sdkOTPLoginOrCreate}, "", true
	case "/otps/authenticate":
		return sdkRoute{method: http.MethodPost, fn: e.sdkAuthenticate(true)}, "", true
	case "/sessions/authenticate":
		return sdkRoute{method: http.MethodPost, session: true, fn: e.sdkSessionAuthenticate}, "", true
	case "/sessions/revoke":
		return sdkRoute{method: http.MethodPost, session: true, fn: e.sdkSessionRevoke}, "", true
	case "/users/me":
		return sdkRoute{method: http.MethodGet, session: true, fn: e.sdkUserMe}, "", true
	case "/events":
		return sdkRoute{method: http.MethodPost, optionalAuth: true, fn: sdkEvents}, "", true
	}
	if tok, ok := strings.CutPrefix(escapedRest, "/projects/bootstrap/"); ok && tok != "" && !strings.Contains(tok, "/") {
		return sdkRoute{method: http.MethodGet, fn: e.sdkBootstrap}, tok, true
	}
	return sdkRoute{}, "", false
}

// sdkData is the envelope of every /sdk/v1 success. Errors are not wrapped.
type sdkData struct {
	Data any `json:"data"`
}

// serveSDK answers a request under /sdk/v1: CORS, latency and faults,
// the public token, the client's identity (domain or app id), then the
// route.
func (e *Emulator) serveSDK(w http.ResponseWriter, r *http.Request, p, escaped string) {
	settings := e.SDKSettings()
	origin := r.Header.Get("Origin")
	browser, domainOK := sdkBrowser(r, settings.Domains)
	h := w.Header()
	if origin != "" {
		h.Add("Vary", "Origin")
		if domainOK {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if r.Method == http.MethodOptions {
		e.sdkPreflight(w, r, browser && !domainOK)
		return
	}
	if e.delayOrFault(w, r, p) {
		return
	}
	rt, arg, ok := e.sdkRouteFor(strings.TrimPrefix(p, sdkPrefix), strings.TrimPrefix(escaped, sdkPrefix))
	if !ok {
		e.writeError(w, errRouteNotFound())
		return
	}
	session, apiErr := e.sdkAdmit(r, rt, settings, browser, domainOK)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	resp, apiErr := rt.fn(&sdkCall{r: r, session: session, arg: arg, settings: settings})
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, sdkData{Data: resp})
}

// sdkAdmit checks a request for route rt, in this order: the public token,
// the client's identity (a browser's domain, else a native app's id), the
// method, the session a session route needs, and whether the route's
// product is enabled. It returns the session token the client holds.
func (e *Emulator) sdkAdmit(r *http.Request, rt sdkRoute, s SDKSettings, browser, domainOK bool) (string, *apiError) {
	session, apiErr := e.sdkCredentials(r, rt.optionalAuth)
	if apiErr != nil {
		return "", apiErr
	}
	if browser && !domainOK {
		return "", errBadDomain()
	}
	if !browser && !rt.optionalAuth {
		if apiErr := sdkCheckApp(r, s.AppIDs); apiErr != nil {
			return "", apiErr
		}
	}
	switch {
	case r.Method != rt.method:
		return "", errMethodNotAllowed()
	case rt.session && session == "":
		return "", errUnauthorized()
	case rt.product != "" && slices.Contains(s.Disabled, rt.product):
		return "", errEndpointNotAuthorized()
	}
	return session, nil
}

// sdkPreflight answers a CORS preflight (OPTIONS): 204, with the allow
// headers when the Origin is authorized (serveSDK has set Allow-Origin
// then), or the bad-domain error when it is not.
func (e *Emulator) sdkPreflight(w http.ResponseWriter, r *http.Request, badDomain bool) {
	if badDomain {
		e.writeError(w, errBadDomain())
		return
	}
	h := w.Header()
	h.Set("Allow", "GET, POST, PUT, DELETE, OPTIONS")
	if h.Get("Access-Control-Allow-Origin") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-SDK-Client, X-SDK-Parent-Host")
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
			h.Set("Access-Control-Allow-Private-Network", "true")
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// sdkCredentials checks HTTP Basic public_token:X, the public token in
// constant time. It returns X when X is not the public token: the session
// token the client holds. With optional set, a request without an
// Authorization header passes as anonymous.
func (e *Emulator) sdkCredentials(r *http.Request, optional bool) (string, *apiError) {
	if optional && r.Header.Get("Authorization") == "" {
		return "", nil
	}
	user, pass, ok := r.BasicAuth()
	if !ok || secretEqual(user, e.publicToken) != 1 {
		return "", errUnauthorized()
	}
	if secretEqual(pass, e.publicToken) == 1 {
		return "", nil
	}
	return pass, nil
}

// sdkBrowser reports whether r comes from a browser (it carries Origin or
// X-SDK-Parent-Host) and whether every such header names an authorized
// domain.
func sdkBrowser(r *http.Request, domains []string) (browser, allowed bool) {
	allowed = true
	for _, name := range []string{"Origin", "X-SDK-Parent-Host"} {
		v := r.Header.Get(name)
		if v == "" {
			continue
		}
		browser = true
		if !domainAllowed(v, domains) {
			allowed = false
		}
	}
	return browser, browser && allowed
}

// domainAllowed reports whether an origin ("http://localhost:3000", or a
// bare host) matches an authorized domain entry: its host, its host and
// port, or the whole origin.
func domainAllowed(origin string, domains []string) bool {
	if !strings.Contains(origin, "://") {
		origin = "http://" + origin
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return false
	}
	hostport := strings.ToLower(u.Host)
	candidates := []string{strings.ToLower(u.Hostname()), hostport, strings.ToLower(u.Scheme) + "://" + hostport}
	for _, d := range domains {
		if slices.Contains(candidates, d) {
			return true
		}
	}
	return false
}

// maxAppIDLength bounds the app id quoted back in an error message.
const maxAppIDLength = 200

// sdkCheckApp checks that the X-SDK-Client header (base64 of JSON) names
// an authorized app as app.identifier.
func sdkCheckApp(r *http.Request, appIDs []string) *apiError {
	id := sdkAppID(r.Header.Get("X-SDK-Client"))
	if id == "" {
		return errBadAppBundle("The request has no X-SDK-Client header naming the app (app.identifier).")
	}
	if !slices.Contains(appIDs, id) {
		if len(id) > maxAppIDLength {
			id = id[:maxAppIDLength]
		}
		return errBadAppBundle(fmt.Sprintf("The app id %q is not authorized.", id))
	}
	return nil
}

// sdkAppID decodes the X-SDK-Client header (base64 of a JSON object, any
// base64 alphabet, padded or not) and returns its app.identifier.
func sdkAppID(header string) string {
	header = strings.TrimSpace(header)
	if header == "" {
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(header)
		if err != nil {
			continue
		}
		var info struct {
			App struct {
				Identifier string `json:"identifier"`
			} `json:"app"`
		}
		if json.Unmarshal(b, &info) != nil {
			return ""
		}
		return strings.TrimSpace(info.App.Identifier)
	}
	return ""
}

// sdkProtection are the bot-protection fields Stytch's SDKs add to a send.
type sdkProtection struct {
	CaptchaToken   string `json:"captcha_token"`
	DFPTelemetryID string `json:"dfp_telemetry_id"`
}

// check refuses a send without a captcha token when captcha is on.
func (p sdkProtection) check(s SDKSettings) *apiError {
	if s.Captcha && p.CaptchaToken == "" {
		return errCaptchaRequired()
	}
	return nil
}

// sdkMagicLinkSendRequest is the body of /sdk/v1/magic_links/email/login_or_create
// and .../send/primary: the /v1 fields, of which the backend-only ones are
// ignored, plus code_challenge_method and the protection fields.
type sdkMagicLinkSendRequest struct {
	magicLinkSendRequest
	CodeChallengeMethod string `json:"code_challenge_method"`
	sdkProtection
}

func (e *Emulator) sdkMagicLinkSend(create bool) func(c *sdkCall) (any, *apiError) {
	return func(c *sdkCall) (any, *apiError) {
		var req sdkMagicLinkSendRequest
		if err := decodeBody(c.r, &req); err != nil {
			return nil, err
		}
		if err := req.check(c.settings); err != nil {
			return nil, err
		}
		if m := req.CodeChallengeMethod; m != "" && !strings.EqualFold(m, "S256") {
			return nil, newAPIError(http.StatusBadRequest, "invalid_pkce_code_challenge",
				"code_challenge_method must be S256: plain challenges are not permitted.")
		}
		if c.settings.PKCERequired && req.CodeChallenge == "" {
			return nil, newAPIError(http.StatusBadRequest, "invalid_pkce_code_challenge",
				"This project requires PKCE for email magic links sent through the SDK: pass a code_challenge (S256).")
		}
		ml := req.magicLinkSendRequest
		// Backend-only fields: an SDK client may not set them.
		ml.Attributes, ml.CreateUserAsPending = nil, false
		ml.UserID, ml.SessionToken, ml.SessionJWT = "", "", ""
		if _, err := e.sendMagicLinkFor(ml, requestBaseURL(c.r), create); err != nil {
			return nil, err
		}
		return e.plainOK(), nil
	}
}

// sdkOTPSendRequest is the body of /sdk/v1/otps/email/login_or_create.
type sdkOTPSendRequest struct {
	otpSendRequest
	sdkProtection
}

// sdkOTPSendResponse is the data of an OTP send: no user id or
// user_created, which an anonymous client is not told.
type sdkOTPSendResponse struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
	MethodID   string `json:"method_id"`
}

func (e *Emulator) sdkOTPLoginOrCreate(c *sdkCall) (any, *apiError) {
	var req sdkOTPSendRequest
	if err := decodeBody(c.r, &req); err != nil {
		return nil, err
	}
	if err := req.check(c.settings); err != nil {
		return nil, err
	}
	o := req.otpSendRequest
	o.Attributes, o.CreateUserAsPending = nil, false
	o.UserID, o.SessionToken, o.SessionJWT = "", "", ""
	resp, err := e.sendOTPFor(o, true)
	if err != nil {
		return nil, err
	}
	return sdkOTPSendResponse{RequestID: resp.RequestID, StatusCode: resp.StatusCode, MethodID: resp.MethodID}, nil
}

// sdkAuthRequest is the body of /sdk/v1/magic_links/authenticate (token,
// code_verifier) and /sdk/v1/otps/authenticate (token = the typed code,
// method_id).
type sdkAuthRequest struct {
	Token                  string `json:"token"`
	CodeVerifier           string `json:"code_verifier"`
	MethodID               string `json:"method_id"`
	SessionDurationMinutes int64  `json:"session_duration_minutes"`
}

// decodeSDKAuth decodes an authenticate body. The SDKs always send
// session_duration_minutes, so it must be within 5–527040 here.
func decodeSDKAuth(r *http.Request) (sdkAuthRequest, *apiError) {
	var req sdkAuthRequest
	if err := decodeBody(r, &req); err != nil {
		return req, err
	}
	if req.SessionDurationMinutes == 0 || !validSessionMinutes(req.SessionDurationMinutes) {
		return req, errInvalidSessionDuration()
	}
	return req, nil
}

// liveSession returns token when it names a live session, else "": an
// authenticate call made while signed in adds its factor to that session,
// and a stale token is ignored.
func (e *Emulator) liveSession(token string) string {
	if token == "" {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.lookupSession(token, ""); err != nil {
		return ""
	}
	return token
}

// attributes are the ip_address and user_agent of the client's request,
// recorded on the sessions it creates.
func (c *sdkCall) attributes() *attributes {
	ip := c.r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return &attributes{IPAddress: ip, UserAgent: c.r.UserAgent()}
}

// sdkAuthenticate is /sdk/v1/otps/authenticate (otp set) or
// /sdk/v1/magic_links/authenticate: the /v1 check with the client's
// session, if it holds a live one, and its request attributes.
func (e *Emulator) sdkAuthenticate(otp bool) func(c *sdkCall) (any, *apiError) {
	return func(c *sdkCall) (any, *apiError) {
		req, apiErr := decodeSDKAuth(c.r)
		if apiErr != nil {
			return nil, apiErr
		}
		session, attrs := e.liveSession(c.session), c.attributes()
		if otp {
			return e.authenticateOTP(otpAuthRequest{MethodID: req.MethodID, Code: req.Token,
				SessionDurationMinutes: req.SessionDurationMinutes, SessionToken: session, Attributes: attrs})
		}
		return e.authenticateMagicLink(magicLinkAuthRequest{Token: req.Token, CodeVerifier: req.CodeVerifier,
			SessionDurationMinutes: req.SessionDurationMinutes, SessionToken: session, Attributes: attrs})
	}
}

// sdkSessionAuthResponse is /v1's session response plus user_id, as the
// SDKs' AuthData has it.
type sdkSessionAuthResponse struct {
	sessionAuthResponse
	UserID string `json:"user_id"`
}

func (e *Emulator) sdkSessionAuthenticate(c *sdkCall) (any, *apiError) {
	var req struct {
		SessionDurationMinutes int64 `json:"session_duration_minutes"`
	}
	if err := decodeBody(c.r, &req); err != nil {
		return nil, err
	}
	if !validSessionMinutes(req.SessionDurationMinutes) {
		return nil, errInvalidSessionDuration()
	}
	resp, apiErr := e.authenticateSession(sessionParams{Minutes: req.SessionDurationMinutes, Token: c.session})
	if apiErr != nil {
		return nil, apiErr
	}
	return sdkSessionAuthResponse{sessionAuthResponse: resp, UserID: resp.Session.UserID}, nil
}

// sdkSessionRevoke revokes the session named in the Basic password. The
// body, which the SDKs leave empty, is ignored.
func (e *Emulator) sdkSessionRevoke(c *sdkCall) (any, *apiError) {
	return e.revoke(func() (*session, *apiError) { return e.lookupSession(c.session, "") })
}

func (e *Emulator) sdkUserMe(c *sdkCall) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.lookupSession(c.session, "")
	if apiErr != nil {
		return nil, apiErr
	}
	return e.userResponseFor(e.users[s.UserID]), nil
}

// sdkEvents accepts the SDKs' telemetry and discards it unread.
func sdkEvents(c *sdkCall) (any, *apiError) {
	if _, err := readBody(c.r); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// captchaSettings is bootstrap's captcha_settings (siteKey is camel-case on
// the wire).
type captchaSettings struct {
	Enabled bool   `json:"enabled"`
	SiteKey string `json:"siteKey"`
}

// rbacPolicy is bootstrap's rbac_policy: the project's one role,
// stytch_user (every user has it), with no permissions and no resources.
// The browser SDK logs an error at every start when it is null.
type rbacPolicy struct {
	Roles     []rbacRole `json:"roles"`
	Resources []struct{} `json:"resources"`
	Scopes    []struct{} `json:"scopes"`
}

type rbacRole struct {
	RoleID      string     `json:"role_id"`
	Description string     `json:"description"`
	Permissions []struct{} `json:"permissions"`
}

func defaultRBACPolicy() rbacPolicy {
	return rbacPolicy{
		Roles: []rbacRole{{RoleID: defaultRoleStytchUser,
			Description: "Granted to all users.", Permissions: []struct{}{}}},
		Resources: []struct{}{},
		Scopes:    []struct{}{},
	}
}

// emulatorCaptchaSiteKey is the site key bootstrap reports when captcha is
// on. It is not a real reCAPTCHA key: clients that load reCAPTCHA with it
// fail, as they would against a project they cannot serve.
const emulatorCaptchaSiteKey = "emulator-captcha-site-key"

// bootstrapResponse is the data of /sdk/v1/projects/bootstrap/{public_token}:
// every field the browser SDK (packages/web BootstrapDataManager) and the
// Android SDK (BootstrapData) read.
type bootstrapResponse struct {
	RequestID                      string          `json:"request_id"`
	StatusCode                     int             `json:"status_code"`
	ProjectName                    string          `json:"project_name"`
	DisableSDKWatermark            bool            `json:"disable_sdk_watermark"`
	CNAMEDomain                    *string         `json:"cname_domain"`
	EmailDomains                   []string        `json:"email_domains"`
	CaptchaSettings                captchaSettings `json:"captcha_settings"`
	PKCERequiredForEmailMagicLinks bool            `json:"pkce_required_for_email_magic_links"`
	PKCERequiredForPasswordResets  bool            `json:"pkce_required_for_password_resets"`
	PKCERequiredForOAuth           bool            `json:"pkce_required_for_oauth"`
	PKCERequiredForSSO             bool            `json:"pkce_required_for_sso"`
	SlugPattern                    *string         `json:"slug_pattern"`
	CreateOrganizationEnabled      bool            `json:"create_organization_enabled"`
	PasswordConfig                 *struct{}       `json:"password_config"`
	DFPProtectedAuthEnabled        bool            `json:"dfp_protected_auth_enabled"`
	DFPProtectedAuthMode           string          `json:"dfp_protected_auth_mode"`
	RBACPolicy                     rbacPolicy      `json:"rbac_policy"`
	SIWERequiredForCryptoWallets   bool            `json:"siwe_required_for_crypto_wallets"`
	Vertical                       string          `json:"vertical"`
}

func (e *Emulator) sdkBootstrap(c *sdkCall) (any, *apiError) {
	tok, err := url.PathUnescape(c.arg)
	if err != nil || secretEqual(tok, e.publicToken) != 1 {
		return nil, errUnauthorized()
	}
	s := c.settings
	resp := bootstrapResponse{
		RequestID:                      e.newRequestID(),
		StatusCode:                     http.StatusOK,
		ProjectName:                    "Stytch emulator",
		DisableSDKWatermark:            true,
		EmailDomains:                   []string{"stytch.com"},
		CaptchaSettings:                captchaSettings{Enabled: s.Captcha},
		PKCERequiredForEmailMagicLinks: s.PKCERequired,
		DFPProtectedAuthEnabled:        s.DFP,
		DFPProtectedAuthMode:           "OBSERVATION",
		RBACPolicy:                     defaultRBACPolicy(),
		Vertical:                       "CONSUMER",
	}
	if s.Captcha {
		resp.CaptchaSettings.SiteKey = emulatorCaptchaSiteKey
	}
	if s.DFP {
		resp.DFPProtectedAuthMode = "DECISIONING"
	}
	return resp, nil
}
