package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// sessionParams are the session fields shared by the authenticate calls.
type sessionParams struct {
	Minutes      int64
	Token        string
	JWT          string
	CustomClaims map[string]any
	Attributes   attributes
}

// reservedClaim reports whether a custom claim key is ignored because JWT or
// Stytch reserve it.
func reservedClaim(k string) bool {
	switch k {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return strings.HasPrefix(k, "https://stytch.com/")
}

// newSessionParams validates the session fields of an authenticate request.
func newSessionParams(minutes int64, token, jwt string, claims map[string]any, attrs *attributes) (sessionParams, *apiError) {
	sp := sessionParams{Minutes: minutes, Token: token, JWT: jwt, CustomClaims: claims}
	if attrs != nil {
		sp.Attributes = *attrs
	}
	if !validSessionMinutes(minutes) {
		return sp, errInvalidSessionDuration()
	}
	if token != "" && jwt != "" {
		return sp, newAPIError(http.StatusBadRequest, "too_many_session_arguments",
			"Only one of session_token or session_jwt may be passed.")
	}
	if claims != nil {
		b, err := json.Marshal(claims)
		if err != nil || len(b) > maxCustomClaimsBytes {
			return sp, newAPIError(http.StatusBadRequest, "custom_claims_too_large",
				"session_custom_claims cannot exceed 4 kilobytes.")
		}
	}
	return sp, nil
}

// lookupSession finds the live session named by a token or JWT. Callers
// must hold e.mu.
func (e *Emulator) lookupSession(token, jwt string) (*session, *apiError) {
	var s *session
	switch {
	case token != "":
		s = e.sessions[e.byToken[hashToken(token)]]
		if s != nil {
			s.token = token
		}
	case jwt != "":
		id, apiErr := e.sessionIDFromJWT(jwt)
		if apiErr != nil {
			return nil, apiErr
		}
		s = e.sessions[id]
	}
	if s == nil || s.status(e.now()) != "active" || e.users[s.UserID] == nil {
		return nil, errSessionNotFound()
	}
	return s, nil
}

// existingSession returns the session a primary authenticate call should
// add its factor to, or nil to start a new one. Callers must hold e.mu.
func (e *Emulator) existingSession(sp sessionParams, userID string) (*session, *apiError) {
	if sp.Token == "" && sp.JWT == "" {
		return nil, nil
	}
	s, apiErr := e.lookupSession(sp.Token, sp.JWT)
	if apiErr != nil {
		return nil, apiErr
	}
	if s.UserID != userID {
		return nil, errSessionNotFound()
	}
	return s, nil
}

// mergeClaims applies custom claims: reserved keys are ignored and a null
// value deletes its key.
func (s *session) mergeClaims(claims map[string]any) {
	mergeObject(&s.CustomClaims, claims, reservedClaim)
}

// mergeObject merges patch into *dst at the top level, as Stytch updates
// metadata and custom claims: a null value deletes its key, keys for which
// skip (if not nil) is true are ignored.
func mergeObject(dst *map[string]any, patch map[string]any, skip func(string) bool) {
	for k, v := range patch {
		if skip != nil && skip(k) {
			continue
		}
		if v == nil {
			delete(*dst, k)
			continue
		}
		if *dst == nil {
			*dst = map[string]any{}
		}
		(*dst)[k] = v
	}
}

// authResponse is the body of a successful magic-link or OTP authenticate.
type authResponse struct {
	RequestID     string       `json:"request_id"`
	StatusCode    int          `json:"status_code"`
	UserID        string       `json:"user_id"`
	MethodID      string       `json:"method_id"`
	ResetSessions bool         `json:"reset_sessions"`
	SessionToken  string       `json:"session_token"`
	SessionJWT    string       `json:"session_jwt"`
	Session       *wireSession `json:"session"`
	User          wireUser     `json:"user"`
}

// completeAuth finishes a successful primary authentication by u's email:
// it verifies the email, activates the user and creates or extends a
// session when one was asked for. Callers must hold e.mu.
func (e *Emulator) completeAuth(u *user, factorType string, existing *session, sp sessionParams) (any, *apiError) {
	now := e.now()
	u.Verified = true
	u.Status = "active"
	e.touchUser(u.ID)
	resp := authResponse{
		RequestID:  e.newRequestID(),
		StatusCode: http.StatusOK,
		UserID:     u.ID,
		MethodID:   u.EmailID,
	}
	s := existing
	if s == nil && sp.Minutes > 0 {
		token := newSessionToken()
		s = &session{
			ID:         e.newID("session"),
			UserID:     u.ID,
			TokenHash:  hashToken(token),
			StartedAt:  now,
			Attributes: sp.Attributes,
			token:      token,
		}
		e.sessions[s.ID] = s
		e.byToken[s.TokenHash] = s.ID
	}
	if s != nil {
		e.touchSession(s.ID)
		s.LastAccessedAt = now
		if sp.Minutes > 0 {
			s.ExpiresAt = now.Add(time.Duration(sp.Minutes) * time.Minute)
		}
		s.addFactor(factor{
			Type: factorType, DeliveryMethod: "email", EmailID: u.EmailID, Email: u.Email,
			CreatedAt: now, UpdatedAt: now, LastAuthenticatedAt: now,
		})
		s.mergeClaims(sp.CustomClaims)
		jwt, err := e.issueJWT(s)
		if err != nil {
			return nil, internalError(err)
		}
		ws := s.wire()
		resp.Session, resp.SessionToken, resp.SessionJWT = &ws, s.token, jwt
	}
	resp.User = u.wire()
	return resp, nil
}

// addFactor records f, refreshing an existing factor of the same type and
// email instead of duplicating it.
func (s *session) addFactor(f factor) {
	for i := range s.Factors {
		if s.Factors[i].Type == f.Type && s.Factors[i].EmailID == f.EmailID {
			s.Factors[i].UpdatedAt = f.UpdatedAt
			s.Factors[i].LastAuthenticatedAt = f.LastAuthenticatedAt
			return
		}
	}
	s.Factors = append(s.Factors, f)
}

func internalError(err error) *apiError {
	return newAPIError(http.StatusInternalServerError, "internal_server_error", "Internal server error: "+err.Error())
}

// sessionAuthRequest is the body of /v1/sessions/authenticate.
type sessionAuthRequest struct {
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	AuthorizationCheck     any            `json:"authorization_check"`
}

type sessionAuthResponse struct {
	RequestID    string      `json:"request_id"`
	StatusCode   int         `json:"status_code"`
	Session      wireSession `json:"session"`
	SessionToken string      `json:"session_token"`
	SessionJWT   string      `json:"session_jwt"`
	User         wireUser    `json:"user"`
}

func (e *Emulator) handleSessionAuthenticate(r *http.Request) (any, *apiError) {
	var req sessionAuthRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	sp, apiErr := newSessionParams(req.SessionDurationMinutes, req.SessionToken, req.SessionJWT,
		req.SessionCustomClaims, nil)
	if apiErr != nil {
		return nil, apiErr
	}
	if sp.Token == "" && sp.JWT == "" {
		return nil, newAPIError(http.StatusBadRequest, "no_session_arguments",
			"One of session_token or session_jwt must be passed.")
	}
	resp, apiErr := e.authenticateSession(sp)
	if apiErr != nil {
		return nil, apiErr
	}
	return resp, nil
}

// authenticateSession checks the session named by sp, extends it when
// sp.Minutes is set and saves the state. /v1 and /sdk/v1 share it.
func (e *Emulator) authenticateSession(sp sessionParams) (sessionAuthResponse, *apiError) {
	return change(e, func() (sessionAuthResponse, *apiError) { return e.authenticateSessionLocked(sp) })
}

func (e *Emulator) authenticateSessionLocked(sp sessionParams) (sessionAuthResponse, *apiError) {
	s, apiErr := e.lookupSession(sp.Token, sp.JWT)
	if apiErr != nil {
		return sessionAuthResponse{}, apiErr
	}
	now := e.now()
	e.touchSession(s.ID)
	s.LastAccessedAt = now
	if sp.Minutes > 0 {
		s.ExpiresAt = now.Add(time.Duration(sp.Minutes) * time.Minute)
	}
	s.mergeClaims(sp.CustomClaims)
	jwt, err := e.issueJWT(s)
	if err != nil {
		return sessionAuthResponse{}, internalError(err)
	}
	return sessionAuthResponse{
		RequestID:    e.newRequestID(),
		StatusCode:   http.StatusOK,
		Session:      s.wire(),
		SessionToken: s.token,
		SessionJWT:   jwt,
		User:         e.users[s.UserID].wire(),
	}, nil
}

// revokeRequest is the body of /v1/sessions/revoke.
type revokeRequest struct {
	SessionID    string `json:"session_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

type plainResponse struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

func (e *Emulator) handleSessionRevoke(r *http.Request) (any, *apiError) {
	var req revokeRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{req.SessionID, req.SessionToken, req.SessionJWT} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, newAPIError(http.StatusBadRequest, "no_session_revoke_arguments",
			"One of session_id, session_token or session_jwt must be passed.")
	case n > 1:
		return nil, newAPIError(http.StatusBadRequest, "too_many_session_revoke_arguments",
			"Only one of session_id, session_token or session_jwt may be passed.")
	}
	return e.revoke(func() (*session, *apiError) {
		switch {
		case req.SessionID != "":
			return e.sessions[req.SessionID], nil
		case req.SessionToken != "":
			return e.sessions[e.byToken[hashToken(req.SessionToken)]], nil
		}
		id, apiErr := e.sessionIDFromJWT(req.SessionJWT)
		return e.sessions[id], apiErr
	})
}

// revoke finds a session with findLocked (called with e.mu held), ends it
// now unless it already was, and saves the state. /v1 and /sdk/v1 share it.
func (e *Emulator) revoke(findLocked func() (*session, *apiError)) (any, *apiError) {
	e.mu.Lock()
	s, apiErr := findLocked()
	if apiErr == nil && s == nil {
		apiErr = errSessionNotFound()
	}
	if apiErr == nil && s.RevokedAt == nil {
		now := e.now()
		s.RevokedAt = &now
		e.touchSession(s.ID)
	}
	e.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	e.persist()
	return e.plainOK(), nil
}

// plainOK is the body of a success that carries no data.
func (e *Emulator) plainOK() plainResponse {
	return plainResponse{RequestID: e.newRequestID(), StatusCode: http.StatusOK}
}

type jwksResponse struct {
	Keys       []jwk  `json:"keys"`
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

// serveJWKS answers GET /v1/sessions/jwks/{project_id}, without credentials
// and with exactly 200, as the SDK's construction-time fetch requires.
func (e *Emulator) serveJWKS(w http.ResponseWriter, escapedID string) {
	id, err := url.PathUnescape(escapedID)
	if err != nil || id != e.projectID {
		e.writeError(w, newAPIError(http.StatusNotFound, "project_not_found", "Project could not be found."))
		return
	}
	key, err := e.signingKey()
	if err != nil {
		e.writeError(w, newAPIError(http.StatusInternalServerError, "internal_server_error", "The signing key is unavailable."))
		return
	}
	writeJSON(w, http.StatusOK, jwksResponse{Keys: []jwk{key.jwk()}, RequestID: e.newRequestID(), StatusCode: http.StatusOK})
}

// SessionInfo describes a session for tests and the /dev/sessions route. It
// never contains tokens.
type SessionInfo struct {
	// ID is the session id.
	ID string `json:"session_id"`
	// UserID is the id of the session's user.
	UserID string `json:"user_id"`
	// Email is the user's email address.
	Email string `json:"email"`
	// Status is "active", "revoked" or "expired" (at the emulator's time).
	Status string `json:"status"`
	// Factors lists the authentication factor types ("magic_link", "otp").
	Factors []string `json:"factors"`
	// StartedAt is when the session was created.
	StartedAt time.Time `json:"started_at"`
	// LastAccessedAt is when the session was last authenticated.
	LastAccessedAt time.Time `json:"last_accessed_at"`
	// ExpiresAt is when the session expires.
	ExpiresAt time.Time `json:"expires_at"`
}

// Sessions returns every session the emulator knows, newest first.
func (e *Emulator) Sessions() []SessionInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	out := make([]SessionInfo, 0, len(e.sessions))
	for _, s := range e.sessions {
		info := SessionInfo{
			ID: s.ID, UserID: s.UserID, Status: s.status(now), Factors: []string{},
			StartedAt: s.StartedAt, LastAccessedAt: s.LastAccessedAt, ExpiresAt: s.ExpiresAt,
		}
		if u := e.users[s.UserID]; u != nil {
			info.Email = u.Email
		}
		for _, f := range s.Factors {
			info.Factors = append(info.Factors, f.Type)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		return newerFirst(out[i].StartedAt, out[j].StartedAt, out[i].ID, out[j].ID)
	})
	return out
}

// newerFirst orders sessions by start time, newest first, then by id.
func newerFirst(startedI, startedJ time.Time, idI, idJ string) bool {
	if !startedI.Equal(startedJ) {
		return startedI.After(startedJ)
	}
	return idI < idJ
}

// sessionsGetResponse is the body of GET /v1/sessions (sessions.GetResponse).
type sessionsGetResponse struct {
	RequestID  string        `json:"request_id"`
	Sessions   []wireSession `json:"sessions"`
	StatusCode int           `json:"status_code"`
}

// handleSessionsGet is GET /v1/sessions?user_id=…: the user's active
// sessions, newest first; revoked and expired ones are left out.
func (e *Emulator) handleSessionsGet(r *http.Request) (any, *apiError) {
	id, apiErr := parseUserID(r.URL.Query().Get("user_id"), false)
	if apiErr != nil {
		return nil, apiErr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.users[id] == nil {
		return nil, errUserNotFound()
	}
	now := e.now()
	var active []*session
	for _, s := range e.sessions {
		if s.UserID == id && s.status(now) == "active" {
			active = append(active, s)
		}
	}
	sort.Slice(active, func(i, j int) bool {
		return newerFirst(active[i].StartedAt, active[j].StartedAt, active[i].ID, active[j].ID)
	})
	out := make([]wireSession, 0, len(active))
	for _, s := range active {
		out = append(out, s.wire())
	}
	return sessionsGetResponse{RequestID: e.newRequestID(), Sessions: out, StatusCode: http.StatusOK}, nil
}
