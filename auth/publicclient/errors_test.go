package publicclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// errorCases are error answers and the *backend.Error each must become.
var errorCases = []struct {
	name        string
	status      int
	contentType string
	body        string
	want        backend.Error // Credentials is always checked too
	// msgHas, when set, replaces the exact Message check.
	msgHas []string
}{
	{
		name: "Stytch JSON", status: 404, body: `{"status_code":404,"request_id":"request-id-test-1f2e3d4c-0000-4000-8000-000000000001",` +
			`"error_type":"session_not_found","error_message":"Session could not be found.",` +
			`"error_url":"https://stytch.com/docs/api/errors/404#session_not_found"}`,
		want: backend.Error{StatusCode: 404, Type: "session_not_found", Message: "Session could not be found.",
			RequestID: "request-id-test-1f2e3d4c-0000-4000-8000-000000000001"},
	},
	{
		name: "Stytch JSON as text/plain", status: 401, contentType: "text/plain; charset=utf-8",
		body: `{"status_code":401,"request_id":"request-id-test-2","error_type":"unauthorized_credentials","error_message":"Unauthorized credentials."}`,
		want: backend.Error{StatusCode: 401, Type: "unauthorized_credentials", Message: "Unauthorized credentials.", RequestID: "request-id-test-2"},
	},
	{
		name: "HTTP status wins over the body's", status: 403,
		body: `{"status_code":400,"error_type":"bad_app_bundle_for_stytch_sdk","error_message":"The app is not authorized."}`,
		want: backend.Error{StatusCode: 403, Type: "bad_app_bundle_for_stytch_sdk", Message: "The app is not authorized."},
	},
	{
		name: "SDK endpoint switched off", status: 403,
		body: `{"status_code":403,"request_id":"request-id-test-3","error_type":"endpoint_not_authorized_for_sdk",` +
			`"error_message":"The project owner has not authorized the SDK to call this endpoint.","error_url":null}`,
		want: backend.Error{StatusCode: 403, Type: "endpoint_not_authorized_for_sdk",
			Message: "The project owner has not authorized the SDK to call this endpoint.", RequestID: "request-id-test-3"},
	},
	{
		name: "rate limit", status: 429,
		body: `{"status_code":429,"request_id":"request-id-test-4","error_type":"too_many_requests","error_message":"Too many requests have been made."}`,
		want: backend.Error{StatusCode: 429, Type: "too_many_requests", Message: "Too many requests have been made.", RequestID: "request-id-test-4"},
	},
	{
		name: "message with control characters and an echoed secret", status: 400,
		body: `{"status_code":400,"error_type":"otp_code_not_found","error_message":"Code ` + testCode + ` not\nfound\u0000."}`,
		want: backend.Error{StatusCode: 400, Type: "otp_code_not_found", Message: "Code [redacted] not found ."},
	},
	{
		name: "odd request id is dropped", status: 400,
		body: `{"error_type":"invalid_email","error_message":"Email format is invalid.","request_id":"<script>"}`,
		want: backend.Error{StatusCode: 400, Type: "invalid_email", Message: "Email format is invalid."},
	},
	{
		name: "schema error", status: 400,
		body: `{"body":{"code_verifier":"must be string, got ` + testVerifier + `","token":"is required","` + testCode + `":1,"Evil-Key":2},"params":null,"query":null}`,
		want: backend.Error{StatusCode: 400, Type: TypeSchemaError,
			Message: "Stytch refused the request's shape (body: code_verifier, token; params; query); this is a bug in magiclink's Stytch client."},
	},
	{
		name: "captcha required, plain text", status: 403, contentType: "text/plain",
		body: "Captcha required",
		want: backend.Error{StatusCode: 403, Type: backend.TypeCaptchaRequired, Message: captchaMessage},
	},
	{
		name: "captcha required, HTML", status: 403, contentType: "text/html",
		body: "<html><body><h1>403</h1><p>Captcha required</p></body></html>",
		want: backend.Error{StatusCode: 403, Type: backend.TypeCaptchaRequired, Message: captchaMessage},
	},
	{
		name: "proxy page", status: 502, contentType: "text/html",
		body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>",
		want: backend.Error{StatusCode: 502, Type: "http_502", Message: "502 Bad Gateway 502 Bad Gateway nginx"},
	},
	{
		name: "empty body", status: 503, contentType: "text/plain",
		want: backend.Error{StatusCode: 503, Type: "http_503", Message: "Service Unavailable"},
	},
	{
		name: "JSON without error_type", status: 500, body: `{"message":"internal error"}`,
		want: backend.Error{StatusCode: 500, Type: "http_500", Message: `{"message":"internal error"}`},
	},
	{
		name: "body echoing credentials", status: 400, contentType: "text/plain",
		body:   "bad request: Authorization: " + basic(testToken, testToken) + " code " + testCode + " public " + testToken,
		want:   backend.Error{StatusCode: 400, Type: "http_400"},
		msgHas: []string{"bad request: Authorization: Basic [redacted] code [redacted] public [redacted]"},
	},
	{
		name: "unknown secret-looking runs are masked", status: 418, contentType: "text/plain",
		body: "teapot says dGhpcyBpcyBhIHNlY3JldCB0b2tlbg== and hello",
		want: backend.Error{StatusCode: 418, Type: "http_418", Message: "teapot says […] and hello"},
	},
	{
		name: "long body is cut", status: 500, contentType: "text/plain",
		body:   strings.Repeat("error ", 1000),
		want:   backend.Error{StatusCode: 500, Type: "http_500"},
		msgHas: []string{"error error", "…"},
	},
	{
		name: "redirect is not followed", status: 302, contentType: "text/html",
		body: `<a href="https://elsewhere.example.com/">Found</a>.`,
		want: backend.Error{StatusCode: 302, Type: "http_302", Message: "Found ."},
	},
}

// secretsOfTests are the values no error message or log may contain.
var secretsOfTests = []string{testSession, testLinkTok, testVerifier, testCode, basic(testToken, testSession),
	basic(testToken, testToken), testToken}

// TestErrorShapes runs each error answer through AuthenticateCode.
func TestErrorShapes(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set("otps/authenticate", reply{status: tc.status, contentType: tc.contentType, body: tc.body})
			_, err := f.client().AuthenticateCode(context.Background(), testMethodID, testCode, time.Hour)
			be := backend.AsError(err)
			if be == nil {
				t.Fatalf("err %v (%T), want a *backend.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), "publicclient: authenticate one-time code: stytch: ") {
				t.Errorf("error %q lacks context", err)
			}
			want := tc.want
			want.Credentials = "STYTCH_PUBLIC_TOKEN"
			if tc.msgHas != nil {
				for _, s := range tc.msgHas {
					if !strings.Contains(be.Message, s) {
						t.Errorf("message %q lacks %q", be.Message, s)
					}
				}
				want.Message = be.Message
			}
			if *be != want {
				t.Errorf("got  %#v\nwant %#v", *be, want)
			}
			if n := len([]rune(be.Message)); n > maxMessage {
				t.Errorf("message is %d runes long", n)
			}
			for _, s := range secretsOfTests {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains secret %q", err, s)
				}
			}
		})
	}
}

// TestErrorsRedactCallSecrets: an error body that echoes what a call sent
// (a proxy that reflects the request, say) keeps none of its secrets, in
// Stytch's JSON message or in an excerpt.
func TestErrorsRedactCallSecrets(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		path    string
		secrets []string
		call    func(c *Client) error
	}{
		{"magic_links/authenticate", []string{basic(testToken, testToken), testToken, testLinkTok, testVerifier},
			func(c *Client) error { return second(c.AuthenticateLink(ctx, testLinkTok, testVerifier, time.Hour)) }},
		{"otps/authenticate", []string{basic(testToken, testToken), testToken, testCode},
			func(c *Client) error { return second(c.AuthenticateCode(ctx, testMethodID, testCode, time.Hour)) }},
		{"sessions/authenticate", []string{basic(testToken, testSession), testToken, testSession},
			func(c *Client) error { return second(c.AuthenticateSession(ctx, testSession, time.Hour)) }},
		{"users/me", []string{basic(testToken, testSession), testToken, testSession},
			func(c *Client) error { return second(c.User(ctx, testSession)) }},
	}
	for _, cl := range calls {
		echo := "you sent: " + strings.Join(cl.secrets, " | ") + " | " + strings.TrimPrefix(cl.secrets[0], "Basic ")
		jsonEcho, _ := json.Marshal(map[string]string{"error_type": "invalid_request", "error_message": echo})
		for _, body := range []string{echo, string(jsonEcho)} {
			f := newFake(t)
			f.set(cl.path, reply{status: 400, contentType: "text/plain", body: body})
			err := cl.call(f.client())
			be := backend.AsError(err)
			if be == nil || !strings.HasPrefix(be.Message, "you sent: ") {
				t.Fatalf("%s: err %v", cl.path, err)
			}
			for _, s := range cl.secrets {
				if s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("%s: error %q contains %q", cl.path, err, s)
				}
			}
		}
	}
}

// TestCredentialsOnEveryError: the engine names STYTCH_PUBLIC_TOKEN when
// Stytch rejects the token, whichever call it was.
func TestCredentialsOnEveryError(t *testing.T) {
	f := newFake(t)
	unauthorized := reply{status: 401, body: `{"status_code":401,"error_type":"unauthorized_credentials","error_message":"Unauthorized credentials."}`}
	for _, p := range []string{"projects/bootstrap/" + testToken, "magic_links/authenticate", "otps/authenticate",
		"sessions/authenticate", "sessions/revoke", "users/me"} {
		f.set(p, unauthorized)
	}
	c := f.client()
	ctx := context.Background()
	errs := map[string]error{
		"SendLink":            c.SendLink(ctx, backend.LinkRequest{Email: testEmail, Expiry: time.Hour, CodeChallenge: testChallenge}),
		"SendCode":            second(c.SendCode(ctx, testEmail, time.Minute)),
		"AuthenticateLink":    second(c.AuthenticateLink(ctx, testLinkTok, testVerifier, time.Hour)),
		"AuthenticateCode":    second(c.AuthenticateCode(ctx, testMethodID, testCode, time.Hour)),
		"AuthenticateSession": second(c.AuthenticateSession(ctx, testSession, time.Hour)),
		"Revoke":              c.Revoke(ctx, testSession),
		"User":                second(c.User(ctx, testSession)),
		"Bootstrap":           second(c.Bootstrap(ctx)),
	}
	for name, err := range errs {
		be := backend.AsError(err)
		if be == nil || be.Type != "unauthorized_credentials" || be.StatusCode != 401 || be.Credentials != "STYTCH_PUBLIC_TOKEN" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Neither send went out after the failed bootstrap.
	f.wantCount("magic_links/email/login_or_create", 0)
	f.wantCount("otps/email/login_or_create", 0)
}

// TestUnexpectedSuccessBodies: a 2xx that is not {"data": {...}} is a
// decoding error with context, and JSON errors stay in the chain.
func TestUnexpectedSuccessBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		syntax     bool // a *json.SyntaxError is in the chain
		typ        bool // a *json.UnmarshalTypeError is in the chain
	}{
		{name: "HTML", body: "<html>ok</html>", syntax: true},
		{name: "empty", body: "", syntax: true},
		{name: "truncated", body: `{"data":{"session_token":"abc`, syntax: true},
		{name: "no data", body: `{"status_code":200}`},
		{name: "null data", body: `{"data":null}`},
		{name: "array data", body: `{"data":[1]}`},
		{name: "top-level array", body: `[{"data":{}}]`, typ: true},
		{name: "wrong type", body: `{"data":{"session_token":42}}`, typ: true},
		{name: "bad time", body: `{"data":{"session":{"expires_at":"tomorrow"}}}`, typ: true},
		{name: "numeric time", body: `{"data":{"session":{"expires_at":1767607200}}}`, typ: true},
		{name: "too large", body: `{"data":{"pad":"` + strings.Repeat("x", maxResponse) + `"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set("sessions/authenticate", reply{status: 200, body: tc.body})
			a, err := f.client().AuthenticateSession(context.Background(), testSession, time.Hour)
			if a != nil || !errors.Is(err, ErrUnexpectedResponse) {
				t.Fatalf("got %v, %v; want ErrUnexpectedResponse", a, err)
			}
			if !strings.HasPrefix(err.Error(), "publicclient: authenticate session: unexpected response from Stytch (HTTP 200)") {
				t.Errorf("error %q", err)
			}
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if got := errors.As(err, &se); got != tc.syntax {
				t.Errorf("SyntaxError in chain: %v, want %v (%v)", got, tc.syntax, err)
			}
			if got := errors.As(err, &te); got != tc.typ {
				t.Errorf("UnmarshalTypeError in chain: %v, want %v (%v)", got, tc.typ, err)
			}
			if backend.AsError(err) != nil {
				t.Error("a decoding error is not a Stytch error")
			}
			if strings.Contains(err.Error(), "tomorrow") {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
	t.Run("send code without method id", func(t *testing.T) {
		f := newFake(t)
		f.set("otps/email/login_or_create", reply{status: 200, body: `{"data":{"status_code":200}}`})
		if _, err := f.client().SendCode(context.Background(), testEmail, time.Minute); !errors.Is(err, ErrUnexpectedResponse) {
			t.Errorf("err %v", err)
		}
	})
}

// TestTransportErrors: timeouts, cancellation and unreachable servers come
// back wrapped with context, still matching errors.Is / errors.As.
func TestTransportErrors(t *testing.T) {
	t.Run("context deadline", func(t *testing.T) {
		f := newFake(t)
		f.set("sessions/authenticate", reply{status: 200, body: sample(t, "sessions_authenticate.json"), delay: 5 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := f.client().AuthenticateSession(ctx, testSession, time.Hour)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want DeadlineExceeded", err)
		}
		var ue *url.Error
		var ne net.Error
		if !errors.As(err, &ue) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("err %v: want a *url.Error and a timeout net.Error in the chain", err)
		}
		if !strings.HasPrefix(err.Error(), "publicclient: authenticate session: ") {
			t.Errorf("error %q lacks context", err)
		}
		if time.Since(start) > 3*time.Second {
			t.Error("the deadline was not honoured")
		}
	})
	t.Run("HTTP client timeout", func(t *testing.T) {
		f := newFake(t)
		f.set("users/me", reply{status: 200, body: sample(t, "users_me.json"), delay: 5 * time.Second})
		c := f.client(func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
		_, err := c.User(context.Background(), testSession)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("err %v, want a timeout", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v: want DeadlineExceeded in the chain", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newFake(t)
		f.set("sessions/revoke", reply{status: 200, body: sample(t, "sessions_revoke.json"), delay: 5 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		err := f.client().Revoke(ctx, testSession)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want Canceled", err)
		}
	})
	t.Run("already cancelled send does not fetch bootstrap", func(t *testing.T) {
		f := newFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := f.client().SendLink(ctx, backend.LinkRequest{Email: testEmail, Expiry: time.Hour, CodeChallenge: testChallenge})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want Canceled", err)
		}
		f.wantCount("", 0)
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		c, err := New(Config{PublicToken: testToken, BaseURL: base, App: App{ID: testAppID}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Bootstrap(context.Background())
		var ue *url.Error
		var oe *net.OpError
		if !errors.As(err, &ue) || !errors.As(err, &oe) {
			t.Fatalf("err %v (%T), want *url.Error and *net.OpError", err, err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("error %q contains the public token", err)
		}
		if !strings.Contains(err.Error(), "/sdk/v1/projects/bootstrap/{public_token}") {
			t.Errorf("error %q should name the path", err)
		}
	})
	t.Run("body cut short", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			w.Write([]byte(`{"data":{`))
		}))
		defer srv.Close()
		c, err := New(Config{PublicToken: testToken, BaseURL: srv.URL, App: App{ID: testAppID}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.User(context.Background(), testSession)
		if err == nil || !strings.HasPrefix(err.Error(), "publicclient: get user: read the response (HTTP 200): ") {
			t.Errorf("err %v", err)
		}
	})
}

// TestRedirectsNotFollowed: a 307 would re-send the body, with the session
// in Basic auth, to wherever it points; the client stops at it.
func TestRedirectsNotFollowed(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/sdk/v1/sessions/authenticate", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, err := New(Config{PublicToken: testToken, BaseURL: srv.URL, App: App{ID: testAppID}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthenticateSession(context.Background(), testSession, time.Hour)
	if be := backend.AsError(err); be == nil || be.Type != "http_307" {
		t.Errorf("err %v", err)
	}
	if hits.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

// TestDeadSessionReadsAsEnded: the session rides in the Basic password, so
// Stytch may answer unauthorized_credentials for a session that is gone.
// With the public token itself accepted (bootstrap answers), that is a
// session_not_found; with the token refused too, it stays a credentials
// error, which names STYTCH_PUBLIC_TOKEN.
func TestDeadSessionReadsAsEnded(t *testing.T) {
	unauthorized := reply{status: 401, body: `{"status_code":401,"request_id":"request-id-test-1","error_type":"unauthorized_credentials","error_message":"Unauthorized credentials."}`}
	calls := map[string]func(c *Client) error{
		"sessions/authenticate": func(c *Client) error {
			return second(c.AuthenticateSession(context.Background(), testSession, time.Hour))
		},
		"sessions/revoke": func(c *Client) error { return c.Revoke(context.Background(), testSession) },
		"users/me":        func(c *Client) error { return second(c.User(context.Background(), testSession)) },
	}
	for path, call := range calls {
		t.Run(path, func(t *testing.T) {
			f := newFake(t)
			f.set(path, unauthorized)
			be := backend.AsError(call(f.client()))
			if be == nil || be.Type != "session_not_found" || be.StatusCode != 401 || be.Credentials != "STYTCH_PUBLIC_TOKEN" {
				t.Fatalf("token accepted: got %+v, want session_not_found", be)
			}
			if strings.Contains(be.Message, testSession) {
				t.Fatal("the message holds the session token")
			}

			f = newFake(t)
			f.set(path, unauthorized)
			f.set("projects/bootstrap/"+testToken, unauthorized)
			if be := backend.AsError(call(f.client())); be == nil || be.Type != "unauthorized_credentials" {
				t.Fatalf("token refused: got %+v, want unauthorized_credentials", be)
			}
		})
	}
	// Anonymous calls are never read as a dead session.
	f := newFake(t)
	f.set("magic_links/authenticate", unauthorized)
	_, err := f.client().AuthenticateLink(context.Background(), "token-abc", strings.Repeat("v", 43), time.Hour)
	if be := backend.AsError(err); be == nil || be.Type != "unauthorized_credentials" {
		t.Fatalf("%v", err)
	}
}

// TestExcerptRedactsBeforeCutting: a secret that straddles the excerpt's
// cut is still removed whole, not left as a short unmasked fragment.
func TestExcerptRedactsBeforeCutting(t *testing.T) {
	const secret = "sess-abcdefghij-KLMNOPQRST-0123456789"
	// Tags vanish from the excerpt, so what is cut off at the end is
	// what the user would see.
	body := strings.Repeat("<b>", (4*maxExcerpt-10)/3) + secret
	if out := excerpt(502, []byte(body), []string{secret}); strings.Contains(out, secret[:6]) {
		t.Errorf("excerpt %q keeps part of the secret", out)
	}
}
