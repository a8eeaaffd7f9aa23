package emulator

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// magicLinkSendRequest is the body of /v1/magic_links/email/login_or_create
// and /v1/magic_links/email/send.
type magicLinkSendRequest struct {
	Email                   string      `json:"email"`
	LoginMagicLinkURL       string      `json:"login_magic_link_url"`
	SignupMagicLinkURL      string      `json:"signup_magic_link_url"`
	LoginExpirationMinutes  int64       `json:"login_expiration_minutes"`
	SignupExpirationMinutes int64       `json:"signup_expiration_minutes"`
	LoginTemplateID         string      `json:"login_template_id"`
	SignupTemplateID        string      `json:"signup_template_id"`
	Attributes              *attributes `json:"attributes"`
	CreateUserAsPending     bool        `json:"create_user_as_pending"`
	CodeChallenge           string      `json:"code_challenge"`
	Locale                  string      `json:"locale"`
	// send only; accepted and ignored (attaching a new email to an existing
	// user is not emulated).
	UserID       string `json:"user_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

type sendResponse struct {
	RequestID   string `json:"request_id"`
	UserID      string `json:"user_id"`
	EmailID     string `json:"email_id"`
	UserCreated *bool  `json:"user_created,omitempty"`
	StatusCode  int    `json:"status_code"`
}

func (e *Emulator) handleMagicLinkLoginOrCreate(r *http.Request) (any, *apiError) {
	return e.sendMagicLink(r, true)
}

func (e *Emulator) handleMagicLinkSend(r *http.Request) (any, *apiError) {
	return e.sendMagicLink(r, false)
}

func invalidExpiration() *apiError {
	return newAPIError(http.StatusBadRequest, "invalid_expiration",
		"Expiration minutes must be between 5 and 10080.")
}

func (e *Emulator) sendMagicLink(r *http.Request, create bool) (any, *apiError) {
	var req magicLinkSendRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return e.sendMagicLinkFor(req, requestBaseURL(r), create)
}

// sendMagicLinkFor validates a decoded send request and emails the link,
// whose hosted redirect is under base. /v1 and /sdk/v1 share it.
func (e *Emulator) sendMagicLinkFor(req magicLinkSendRequest, base string, create bool) (sendResponse, *apiError) {
	address, ok := normalizeEmail(req.Email)
	if !ok {
		return sendResponse{}, errInvalidEmail()
	}
	loginMin, signupMin := req.LoginExpirationMinutes, req.SignupExpirationMinutes
	if loginMin == 0 {
		loginMin = defaultLoginExpiryMin
	}
	if signupMin == 0 {
		signupMin = defaultSignupExpiryMin
	}
	if loginMin < minLinkExpiryMin || loginMin > maxLinkExpiryMin ||
		signupMin < minLinkExpiryMin || signupMin > maxLinkExpiryMin {
		return sendResponse{}, invalidExpiration()
	}
	if req.CodeChallenge != "" && !validCodeChallenge(req.CodeChallenge) {
		return sendResponse{}, newAPIError(http.StatusBadRequest, "invalid_pkce_code_challenge",
			"The code_challenge must be the base64url SHA-256 of the code_verifier (43 characters).")
	}
	return send(e, func() (sendResponse, func(), *apiError) {
		return e.sendMagicLinkLocked(req, address, loginMin, signupMin, base, create)
	})
}

// send runs a locked send step of e, then — outside the lock — delivers its
// email (the returned after) and saves the state when it succeeded.
func send[T any](e *Emulator, locked func() (T, func(), *apiError)) (T, *apiError) {
	e.mu.Lock()
	resp, after, apiErr := locked()
	e.mu.Unlock()
	if after != nil {
		after()
	}
	if apiErr != nil {
		var zero T
		return zero, apiErr
	}
	e.persist()
	return resp, nil
}

// change runs a locked change of e and saves the state when it succeeded.
func change[T any](e *Emulator, locked func() (T, *apiError)) (T, *apiError) {
	return send(e, func() (T, func(), *apiError) {
		resp, apiErr := locked()
		return resp, nil, apiErr
	})
}

// recipientLocked finds the user for address, creating one when create is
// set (as login_or_create does), and applies the per-address send limit.
// It reports whether the user was created. Callers must hold e.mu.
func (e *Emulator) recipientLocked(address string, create, pending bool) (*user, bool, *apiError) {
	u := e.users[e.byEmail[address]]
	if u == nil && !create {
		return nil, false, errEmailNotFound()
	}
	if !e.allowSend(address) {
		return nil, false, errTooManyRequests()
	}
	if u != nil {
		return u, false, nil
	}
	return e.createUser(address, pending), true, nil
}

func (e *Emulator) sendMagicLinkLocked(req magicLinkSendRequest, address string, loginMin, signupMin int64,
	base string, create bool) (sendResponse, func(), *apiError) {
	loginURL, apiErr := e.resolveRedirect(req.LoginMagicLinkURL, e.defaultLogin, "invalid_login_magic_link_url", req.CodeChallenge)
	if apiErr != nil {
		return sendResponse{}, nil, apiErr
	}
	signupURL, apiErr := e.resolveRedirect(req.SignupMagicLinkURL, e.defaultSignup, "invalid_signup_magic_link_url", req.CodeChallenge)
	if apiErr != nil {
		return sendResponse{}, nil, apiErr
	}
	u, created, apiErr := e.recipientLocked(address, create, req.CreateUserAsPending)
	if apiErr != nil {
		return sendResponse{}, nil, apiErr
	}
	now := e.now()
	kind, target, minutes := "login", loginURL, loginMin
	if created || u.Status == "pending" {
		kind, target, minutes = "signup", signupURL, signupMin
	}
	token := newMagicLinkToken()
	link := &magicLink{
		TokenHash:     hashToken(token),
		UserID:        u.ID,
		EmailID:       u.EmailID,
		Kind:          kind,
		RedirectURL:   target,
		CodeChallenge: strings.TrimRight(req.CodeChallenge, "="),
		CreatedAt:     now,
		ExpiresAt:     now.Add(time.Duration(minutes) * time.Minute),
	}
	if req.Attributes != nil {
		link.Attributes = *req.Attributes
	}
	e.links[link.TokenHash] = link
	e.touchLink(link.TokenHash)
	q := url.Values{}
	q.Set("public_token", e.publicToken)
	q.Set("stytch_token_type", redirectTokenType)
	q.Set("token", token)
	msg := Message{
		ID:      "message-" + e.env + "-" + newUUID(),
		To:      address,
		Subject: subjectFor(kind),
		Kind:    kind,
		Link:    base + "/v1/magic_links/redirect?" + q.Encode(),
		SentAt:  now,
	}
	after := e.deliver(msg)
	resp := sendResponse{RequestID: e.newRequestID(), UserID: u.ID, EmailID: u.EmailID, StatusCode: http.StatusOK}
	if create {
		resp.UserCreated = &created
	}
	return resp, after, nil
}

// createUser adds a user with one unverified email. Callers must hold e.mu.
func (e *Emulator) createUser(address string, pending bool) *user {
	u := &user{
		ID:        e.newID("user"),
		EmailID:   e.newID("email"),
		Email:     address,
		Status:    "active",
		CreatedAt: e.now(),
	}
	if pending {
		u.Status = "pending"
	}
	e.users[u.ID] = u
	e.byEmail[address] = u.ID
	e.touchUser(u.ID)
	return u
}

// resolveRedirect validates a requested redirect URL, or the project's
// default def when none was requested, against the allow-list. Callers
// must hold e.mu.
func (e *Emulator) resolveRedirect(raw, def, invalidType, challenge string) (string, *apiError) {
	if raw == "" {
		raw = def
	}
	u, err := parseRedirectURL(raw)
	if err != nil {
		return "", newAPIError(http.StatusBadRequest, invalidType,
			"magic_link_url format is invalid. Common issues include using http instead of https, omitting https://, or having a trailing /.")
	}
	if !e.redirectAllowed(u) {
		return "", errNoMatchRedirect()
	}
	if isNative(u) && challenge == "" {
		return "", newAPIError(http.StatusBadRequest, "pkce_required_for_native_callback",
			"A code_challenge is required when the redirect URL uses a custom (non-http) scheme.")
	}
	return raw, nil
}

// requestBaseURL is the base URL emailed links point at: the scheme and
// host the API client used, which the browser on the same machine can reach
// too.
func requestBaseURL(r *http.Request) string {
	host := r.Host
	if host == "" || !validHost(host) {
		host = "127.0.0.1"
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + host
}

func validHost(h string) bool {
	if len(h) > 255 {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
		if !ok {
			return false
		}
	}
	return true
}

// serveRedirect is the hosted redirect page of an emailed link: it answers
// 302 to the link's login or signup URL with stytch_token_type and token
// appended. It does not consume the token.
func (e *Emulator) serveRedirect(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		e.writeError(w, badRequest("The token query parameter is required."))
		return
	}
	e.mu.Lock()
	link := e.links[hashToken(token)]
	var target *url.URL
	allowed := false
	if link != nil {
		var err error
		target, err = parseRedirectURL(link.RedirectURL)
		allowed = err == nil && e.redirectAllowed(target)
	}
	e.mu.Unlock()
	if link == nil {
		e.writeError(w, errMagicLinkNotFound())
		return
	}
	if !allowed {
		e.writeError(w, errNoMatchRedirect())
		return
	}
	extra := url.Values{}
	extra.Set("stytch_token_type", redirectTokenType)
	extra.Set("token", token)
	if target.RawQuery != "" {
		target.RawQuery += "&" + extra.Encode()
	} else {
		target.RawQuery = extra.Encode()
	}
	h := w.Header()
	h.Set("Location", target.String())
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusFound)
}

// magicLinkAuthRequest is the body of /v1/magic_links/authenticate.
type magicLinkAuthRequest struct {
	Token                  string         `json:"token"`
	CodeVerifier           string         `json:"code_verifier"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	Attributes             *attributes    `json:"attributes"`
	Options                *authOptions   `json:"options"`
	TelemetryID            string         `json:"telemetry_id"`
}

type authOptions struct {
	IPMatchRequired        bool `json:"ip_match_required"`
	UserAgentMatchRequired bool `json:"user_agent_match_required"`
}

func (e *Emulator) handleMagicLinkAuthenticate(r *http.Request) (any, *apiError) {
	var req magicLinkAuthRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return e.authenticateMagicLink(req)
}

// authenticateMagicLink checks a decoded authenticate request and, when the
// link is good, completes the sign-in. /v1 and /sdk/v1 share it.
func (e *Emulator) authenticateMagicLink(req magicLinkAuthRequest) (any, *apiError) {
	sp, apiErr := newSessionParams(req.SessionDurationMinutes, req.SessionToken, req.SessionJWT,
		req.SessionCustomClaims, req.Attributes)
	if apiErr != nil {
		return nil, apiErr
	}
	if req.Token == "" {
		return nil, badRequest("token is a required field.")
	}
	return change(e, func() (any, *apiError) { return e.authenticateMagicLinkLocked(req, sp) })
}

func (e *Emulator) authenticateMagicLinkLocked(req magicLinkAuthRequest, sp sessionParams) (any, *apiError) {
	link := e.links[hashToken(req.Token)]
	if link == nil {
		return nil, errMagicLinkNotFound()
	}
	now := e.now()
	if link.UsedAt != nil || !now.Before(link.ExpiresAt) {
		return nil, errUnableToAuthMagicLink()
	}
	// PKCE. A failed check does not consume the token.
	switch {
	case link.CodeChallenge != "" && req.CodeVerifier == "":
		return nil, newAPIError(http.StatusBadRequest, "pkce_expected_code_verifier",
			"This flow was started using a code_challenge but the authentication call is missing the corresponding code_verifier.")
	case link.CodeChallenge == "" && req.CodeVerifier != "":
		return nil, newAPIError(http.StatusBadRequest, "pkce_did_not_expect_code_verifier",
			"A code_verifier was passed in, but this flow was not started with a code_challenge.")
	case link.CodeChallenge != "" && !validCodeVerifier(req.CodeVerifier):
		return nil, newAPIError(http.StatusBadRequest, "invalid_pkce_code_verifier",
			"The code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~].")
	case link.CodeChallenge != "" && !pkceMatches(req.CodeVerifier, link.CodeChallenge):
		return nil, newAPIError(http.StatusBadRequest, "pkce_mismatch",
			"The submitted code_verifier does not match the code_challenge sent at the start of the flow.")
	}
	if apiErr := checkAttributes(req.Options, link.Attributes, req.Attributes); apiErr != nil {
		return nil, apiErr
	}
	u := e.users[link.UserID]
	if u == nil {
		return nil, errMagicLinkNotFound()
	}
	existing, apiErr := e.existingSession(sp, u.ID)
	if apiErr != nil {
		return nil, apiErr
	}
	link.UsedAt = &now
	e.touchLink(link.TokenHash)
	return e.completeAuth(u, "magic_link", existing, sp)
}

// checkAttributes enforces options.ip_match_required / user_agent_match_required.
func checkAttributes(opts *authOptions, stored attributes, got *attributes) *apiError {
	if opts == nil {
		return nil
	}
	var have attributes
	if got != nil {
		have = *got
	}
	mismatch := opts.IPMatchRequired && !sameIP(stored.IPAddress, have.IPAddress) ||
		opts.UserAgentMatchRequired && stored.UserAgent != have.UserAgent
	if mismatch {
		return newAPIError(http.StatusUnauthorized, "attribute_mismatch",
			"Unable to authenticate because attributes on request don't match stored attributes.")
	}
	return nil
}

func sameIP(a, b string) bool {
	ia, ib := net.ParseIP(a), net.ParseIP(b)
	if ia != nil && ib != nil {
		return ia.Equal(ib)
	}
	return a == b
}
