package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
)

var _ http.Handler = (*Emulator)(nil)

// cleanPath normalises a request path: duplicate and trailing slashes and
// dot segments are removed ("//v1/x/" becomes "/v1/x").
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	return path.Clean(p)
}

// ServeHTTP implements http.Handler: the Stytch backend API under /v1/, the
// client (frontend SDK) API under /sdk/v1/ and the emulator-only routes
// under /dev/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// No input may crash the server: turn a bug into a 500.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e.log.Error("emulator: handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			e.writeError(w, newAPIError(http.StatusInternalServerError, "internal_server_error", "Internal server error."))
		}
	}()
	escaped := cleanPath(r.URL.EscapedPath())
	p := cleanPath(r.URL.Path)
	switch {
	case p == "/v1" || strings.HasPrefix(p, "/v1/"):
		e.serveAPI(w, r, p, escaped)
	case p == sdkPrefix || strings.HasPrefix(p, sdkPrefix+"/"):
		e.serveSDK(w, r, p, escaped)
	case p == "/dev" || strings.HasPrefix(p, "/dev/"):
		e.serveDev(w, r, p)
	case p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		http.Redirect(w, r, "/dev/inbox", http.StatusFound)
	default:
		e.writeError(w, errRouteNotFound())
	}
}

func errRouteNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "route_not_found", "The requested route does not exist.")
}

func errMethodNotAllowed() *apiError {
	return newAPIError(http.StatusMethodNotAllowed, "method_not_allowed", "The HTTP method is not allowed on this route.")
}

// apiHandler handles one authenticated JSON API route. It returns the
// response body, or an error to send instead.
type apiHandler func(r *http.Request) (any, *apiError)

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request, p, escaped string) {
	if e.delayOrFault(w, r, p) {
		return
	}

	// Routes without credentials: the JWKS (fetched by the SDK at client
	// construction without an Authorization header) and the hosted redirect
	// a browser follows.
	if rest, ok := strings.CutPrefix(escaped, "/v1/sessions/jwks/"); ok {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			e.writeError(w, errMethodNotAllowed())
			return
		}
		e.serveJWKS(w, rest)
		return
	}
	if p == "/v1/magic_links/redirect" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			e.writeError(w, errMethodNotAllowed())
			return
		}
		e.serveRedirect(w, r)
		return
	}

	methods := e.route(p, escaped)
	if methods == nil {
		e.writeError(w, errRouteNotFound())
		return
	}
	if !e.authorized(r) {
		e.writeError(w, errUnauthorized())
		return
	}
	h := methods[r.Method]
	if h == nil {
		e.writeError(w, errMethodNotAllowed())
		return
	}
	resp, apiErr := h(r)
	if apiErr != nil {
		e.writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// delayOrFault waits for the configured latency, then answers an injected
// fault for path p if one is pending. It reports whether it answered.
func (e *Emulator) delayOrFault(w http.ResponseWriter, r *http.Request, p string) bool {
	e.sleepLatency(r.Context())
	status, malformed := e.takeFault(p)
	switch {
	case status != 0:
		e.writeError(w, newAPIError(status, "internal_server_error", "Injected fault: internal server error."))
	case malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, malformedBody)
	default:
		return false
	}
	return true
}

// route returns the handlers of an authenticated API path by HTTP method,
// or nil for an unknown path.
func (e *Emulator) route(p, escaped string) map[string]apiHandler {
	post := func(h apiHandler) map[string]apiHandler { return map[string]apiHandler{http.MethodPost: h} }
	switch p {
	case "/v1/magic_links/email/login_or_create":
		return post(e.handleMagicLinkLoginOrCreate)
	case "/v1/magic_links/email/send":
		return post(e.handleMagicLinkSend)
	case "/v1/magic_links/authenticate":
		return post(e.handleMagicLinkAuthenticate)
	case "/v1/otps/email/login_or_create":
		return post(e.handleOTPLoginOrCreate)
	case "/v1/otps/email/send":
		return post(e.handleOTPSend)
	case "/v1/otps/authenticate":
		return post(e.handleOTPAuthenticate)
	case "/v1/sessions/authenticate":
		return post(e.handleSessionAuthenticate)
	case "/v1/sessions/revoke":
		return post(e.handleSessionRevoke)
	case "/v1/sessions":
		return map[string]apiHandler{http.MethodGet: e.handleSessionsGet}
	}
	if id, ok := strings.CutPrefix(escaped, "/v1/users/"); ok && !strings.Contains(id, "/") {
		return map[string]apiHandler{
			http.MethodGet:    func(*http.Request) (any, *apiError) { return e.getUser(id) },
			http.MethodPut:    func(r *http.Request) (any, *apiError) { return e.updateUser(r, id) },
			http.MethodDelete: func(*http.Request) (any, *apiError) { return e.deleteUser(id) },
		}
	}
	return nil
}

// authorized checks HTTP Basic project_id:secret in constant time.
func (e *Emulator) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	return secretEqual(user, e.projectID)&secretEqual(pass, e.secret) == 1
}

// secretEqual compares got with want in constant time, returning 1 when
// they are equal and 0 otherwise. It compares fixed-length digests so
// neither content nor length leaks.
func secretEqual(got, want string) int {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:])
}

// readBody reads a request body of at most 1 MiB.
func readBody(r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	if len(body) > maxBodyBytes {
		return nil, badRequest("Request body is too large: the limit is %d bytes.", maxBodyBytes)
	}
	return body, nil
}

// decodeBody decodes a JSON request body of at most 1 MiB into dst. An empty
// body counts as {}.
func decodeBody(r *http.Request, dst any) *apiError {
	body, apiErr := readBody(r)
	if apiErr != nil {
		return apiErr
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return badRequest("Request body field %q has the wrong type.", typeErr.Field)
		}
		return badRequest("Request body is not a valid JSON object.")
	}
	if dec.More() {
		return badRequest("Request body has data after the JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("Request body has data after the JSON object.")
	}
	return nil
}
