package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Stytch's documented metadata limits.
const (
	maxMetadataKeys  = 20
	maxMetadataBytes = 4096
)

// userResponse is the body of GET /v1/users/{user_id}: the user's fields at
// the top level, plus request_id and status_code.
type userResponse struct {
	wireUser
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

// parseUserID checks a user id (from a path segment when escaped is set).
func parseUserID(raw string, escaped bool) (string, *apiError) {
	id := raw
	if escaped {
		var err error
		if id, err = url.PathUnescape(raw); err != nil {
			id = ""
		}
	}
	if !strings.HasPrefix(id, "user-test-") && !strings.HasPrefix(id, "user-live-") {
		return "", newAPIError(http.StatusBadRequest, "invalid_user_id", "user_id format is invalid.")
	}
	return id, nil
}

func errUserNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "user_not_found", "User could not be found.")
}

// userLocked returns the user with the given escaped path id. Callers must
// hold e.mu.
func (e *Emulator) userLocked(escapedID string) (*user, *apiError) {
	id, apiErr := parseUserID(escapedID, true)
	if apiErr != nil {
		return nil, apiErr
	}
	u := e.users[id]
	if u == nil {
		return nil, errUserNotFound()
	}
	return u, nil
}

func (e *Emulator) getUser(escapedID string) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, apiErr := e.userLocked(escapedID)
	if apiErr != nil {
		return nil, apiErr
	}
	return e.userResponseFor(u), nil
}

// userResponseFor is the user body of GET /v1/users/{id} and /sdk/v1/users/me.
func (e *Emulator) userResponseFor(u *user) userResponse {
	return userResponse{wireUser: u.wire(), RequestID: e.newRequestID(), StatusCode: http.StatusOK}
}

// userUpdateRequest is the body of PUT /v1/users/{user_id}.
type userUpdateRequest struct {
	Name              *wireName      `json:"name"`
	TrustedMetadata   map[string]any `json:"trusted_metadata"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata"`
	// Accepted and ignored: attributes (fraud signals), external_id and
	// roles are not emulated.
	Attributes *attributes `json:"attributes"`
	ExternalID string      `json:"external_id"`
	Roles      *[]string   `json:"roles"`
}

// userUpdateResponse is the body of PUT /v1/users/{user_id}
// (users.UpdateResponse).
type userUpdateResponse struct {
	RequestID     string      `json:"request_id"`
	UserID        string      `json:"user_id"`
	Emails        []wireEmail `json:"emails"`
	PhoneNumbers  []any       `json:"phone_numbers"`
	CryptoWallets []any       `json:"crypto_wallets"`
	User          wireUser    `json:"user"`
	StatusCode    int         `json:"status_code"`
}

// updateUser is PUT /v1/users/{user_id}: a name given replaces the user's
// name; metadata objects are merged at the top level, a null value
// deleting its key, as Stytch documents.
func (e *Emulator) updateUser(r *http.Request, escapedID string) (any, *apiError) {
	var req userUpdateRequest
	if apiErr := decodeBody(r, &req); apiErr != nil {
		return nil, apiErr
	}
	return change(e, func() (any, *apiError) { return e.updateUserLocked(escapedID, req) })
}

func (e *Emulator) updateUserLocked(escapedID string, req userUpdateRequest) (userUpdateResponse, *apiError) {
	u, apiErr := e.userLocked(escapedID)
	if apiErr != nil {
		return userUpdateResponse{}, apiErr
	}
	trusted, untrusted := copyObject(u.TrustedMetadata), copyObject(u.UntrustedMetadata)
	mergeObject(&trusted, req.TrustedMetadata, nil)
	mergeObject(&untrusted, req.UntrustedMetadata, nil)
	for field, m := range map[string]map[string]any{"trusted_metadata": trusted, "untrusted_metadata": untrusted} {
		b, err := json.Marshal(m)
		if err != nil || len(m) > maxMetadataKeys || len(b) > maxMetadataBytes {
			return userUpdateResponse{}, badRequest("%s may have at most %d top-level keys and %d bytes.",
				field, maxMetadataKeys, maxMetadataBytes)
		}
	}
	if req.Name != nil {
		name := *req.Name
		u.Name = &name
	}
	u.TrustedMetadata, u.UntrustedMetadata = trusted, untrusted
	e.touchUser(u.ID)
	w := u.wire()
	return userUpdateResponse{
		RequestID:     e.newRequestID(),
		UserID:        u.ID,
		Emails:        w.Emails,
		PhoneNumbers:  w.PhoneNumbers,
		CryptoWallets: w.CryptoWallets,
		User:          w,
		StatusCode:    http.StatusOK,
	}, nil
}

// userDeleteResponse is the body of DELETE /v1/users/{user_id}.
type userDeleteResponse struct {
	RequestID  string `json:"request_id"`
	UserID     string `json:"user_id"`
	StatusCode int    `json:"status_code"`
}

// deleteUser is DELETE /v1/users/{user_id}: the user goes, and with it its
// sessions (which then answer session_not_found), pending magic links and
// codes.
func (e *Emulator) deleteUser(escapedID string) (any, *apiError) {
	return change(e, func() (any, *apiError) {
		u, apiErr := e.userLocked(escapedID)
		if apiErr != nil {
			return nil, apiErr
		}
		e.deleteUserLocked(u)
		return userDeleteResponse{RequestID: e.newRequestID(), UserID: u.ID, StatusCode: http.StatusOK}, nil
	})
}

// deleteUserLocked removes u and everything that belongs to it. Callers
// must hold e.mu.
func (e *Emulator) deleteUserLocked(u *user) {
	delete(e.users, u.ID)
	delete(e.byEmail, u.Email)
	e.touchUser(u.ID)
	for id, s := range e.sessions {
		if s.UserID == u.ID {
			delete(e.sessions, id)
			delete(e.byToken, s.TokenHash)
			e.touchSession(id)
		}
	}
	for h, l := range e.links {
		if l.UserID == u.ID {
			delete(e.links, h)
			e.touchLink(h)
		}
	}
	for id, o := range e.otps {
		if o.UserID == u.ID {
			delete(e.otps, id)
			e.touchOTP(id)
		}
	}
}
