package emulator

import (
	"net/http"
	"net/url"
	"strings"
)

// userResponse is the body of GET /v1/users/{user_id}: the user's fields at
// the top level, plus request_id and status_code.
type userResponse struct {
	wireUser
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

func (e *Emulator) getUser(escapedID string) (any, *apiError) {
	id, err := url.PathUnescape(escapedID)
	if err != nil || !(strings.HasPrefix(id, "user-test-") || strings.HasPrefix(id, "user-live-")) {
		return nil, newAPIError(http.StatusBadRequest, "invalid_user_id", "user_id format is invalid.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[id]
	if u == nil {
		return nil, newAPIError(http.StatusNotFound, "user_not_found", "User could not be found.")
	}
	return e.userResponseFor(u), nil
}

// userResponseFor is the user body of GET /v1/users/{id} and /sdk/v1/users/me.
func (e *Emulator) userResponseFor(u *user) userResponse {
	return userResponse{wireUser: u.wire(), RequestID: e.newRequestID(), StatusCode: http.StatusOK}
}
