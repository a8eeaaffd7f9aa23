package publicclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// maxResponse caps the response bodies read (1 MiB).
const maxResponse = 1 << 20

// request is one call to the client API.
type request struct {
	op     string // what the caller does, e.g. "send magic link", for errors and logs
	method string
	// path is below /sdk/v1/, already escaped.
	path string
	// logPath is path as it may be logged: bootstrap's without the token.
	// Default path.
	logPath string
	// session is the session token for Basic auth; "" sends the public
	// token in its place (an anonymous call).
	session string
	// body is marshalled as JSON; nil sends no body.
	body any
	// secrets are values of this call that must not appear in an error
	// (a magic-link token, a code, a verifier), besides the credentials.
	secrets []string
}

// do sends r and decodes the "data" of a 2xx answer into out (unless out
// is nil). It returns a *backend.Error for an error answer, an error
// wrapping ErrUnexpectedResponse for a 2xx that cannot be decoded, and the
// transport's error (a *url.Error) when Stytch could not be reached.
func (c *Client) do(ctx context.Context, r request, out any) error {
	err := c.send(ctx, r, out)
	if err != nil && r.session != "" {
		err = c.sessionEnded(ctx, err)
	}
	return err
}

// sessionEnded reads the answers Stytch's own SDKs take to mean "this
// session is gone" (their unrecoverable errors) as session_not_found, once
// the public token itself is known to be good. On the client API the
// session token rides in the Basic password, so a dead session and a wrong
// public token can both come back as unauthorized_credentials; a session
// that is gone must not leave the app retrying it forever.
func (c *Client) sessionEnded(ctx context.Context, err error) error {
	be := backend.AsError(err)
	if be == nil {
		return err
	}
	switch be.Type {
	case "unauthorized_credentials", "user_unauthenticated", "invalid_secret_authentication":
	default:
		return err
	}
	if _, berr := c.bootstrap(ctx); berr != nil {
		return err // the public token (or the network) is what failed
	}
	ended := *be
	ended.Type = "session_not_found"
	ended.Message = "The session is no longer valid (Stytch answered " + be.Type + " for it)."
	return &ended
}

// send is do without the reading of session errors.
func (c *Client) send(ctx context.Context, r request, out any) error {
	if r.logPath == "" {
		r.logPath = r.path
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		// The URL is valid by construction; this is a nil context or the like.
		// Don't quote the URL: bootstrap's holds the token.
		return errors.New("could not build the request")
	}
	auth := c.anonAuth
	if r.session != "" {
		auth = basicAuth(c.publicToken, r.session)
	}
	h := req.Header
	h.Set("Authorization", auth)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("X-SDK-Client", c.sdkClient)
	h.Set("User-Agent", c.userAgent)

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = c.base + r.logPath // keep the token out of the message
		}
		c.logCall(ctx, r, start, 0, nil, err)
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		err = fmt.Errorf("read the response (HTTP %d): %w", resp.StatusCode, err)
		c.logCall(ctx, r, start, resp.StatusCode, nil, err)
		return err
	}
	// The credentials, and the Basic value's base64 alone (a prefix-less
	// echo), besides the call's own secrets.
	secrets := append([]string{c.publicToken, r.session, strings.TrimPrefix(auth, "Basic ")}, r.secrets...)
	err = decodeResponse(resp.StatusCode, data, out, secrets)
	c.logCall(ctx, r, start, resp.StatusCode, data, err)
	return err
}

// logCall writes one debug record for a call. It logs no header value and
// no body, only Stytch's request id and error type.
func (c *Client) logCall(ctx context.Context, r request, start time.Time, status int, body []byte, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", r.op),
		slog.String("method", r.method),
		slog.String("path", "/sdk/v1/"+r.logPath),
		slog.Duration("duration", time.Since(start)),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if id := requestID(body); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	if err != nil {
		if be := backend.AsError(err); be != nil {
			attrs = append(attrs, slog.String("error_type", be.Type))
		} else {
			attrs = append(attrs, slog.String("err", err.Error()))
		}
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "stytch call", attrs...)
}

// requestID returns Stytch's request id from a response body, from the
// top level (errors) or from "data" (successes); "" if there is none or it
// does not look like one.
func requestID(body []byte) string {
	var v struct {
		RequestID any `json:"request_id"`
		Data      struct {
			RequestID any `json:"request_id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, id := range []any{v.RequestID, v.Data.RequestID} {
		if s, _ := id.(string); validRequestID(s) {
			return s
		}
	}
	return ""
}
