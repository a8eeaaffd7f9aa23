package publicclient

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test values. The secrets are long and distinctive so that a leak is
// easy to find in logs and errors.
const (
	testToken    = "public-token-test-5b1e2e8c-0c52-4b5a-9d0e-6c1a7f3e2b44"
	testAppID    = "io.github.magiclink.magiclink"
	testVersion  = "1.2.0"
	testSession  = "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"
	testLinkTok  = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	// testChallenge is the S256 challenge of testVerifier (RFC 7636 appendix B).
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	testCode      = "734091"
	testMethodID  = "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953"
	testRedirect  = "http://127.0.0.1:3000/authenticate"
	testEmail     = "sandbox@stytch.com"
)

// seen is one request as the fake Stytch received it.
type seen struct {
	Method  string
	Path    string // escaped
	Header  http.Header
	Body    []byte
	HasBody bool // Content-Length > 0 or chunked
}

// reply is a canned answer.
type reply struct {
	status      int
	contentType string // default application/json
	body        string
	delay       time.Duration
	// wait, if set, blocks the answer until it is closed.
	wait chan struct{}
}

// fake is an httptest server that records every request and answers
// from a table keyed by path below /sdk/v1/. Bootstrap answers with
// testdata/bootstrap.json unless told otherwise.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	seen    []seen
	replies map[string][]reply // queued replies; the last one repeats
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{t: t, replies: map[string][]reply{}}
	f.set("projects/bootstrap/"+testToken, reply{status: 200, body: sample(t, "bootstrap.json")})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// set queues answers for path (below /sdk/v1/); the last repeats.
func (f *fake) set(path string, rs ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[path] = rs
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.seen = append(f.seen, seen{
		Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: body,
		HasBody: r.ContentLength > 0 || len(r.TransferEncoding) > 0,
	})
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/sdk/v1/")
	rs := f.replies[path]
	var rp reply
	switch {
	case len(rs) == 0:
		rp = reply{status: 404, body: `{"status_code":404,"request_id":"request-id-test-nf","error_type":"route_not_found","error_message":"Route not found."}`}
	case len(rs) == 1:
		rp = rs[0]
	default:
		rp, f.replies[path] = rs[0], rs[1:]
	}
	f.mu.Unlock()
	if rp.wait != nil {
		select {
		case <-rp.wait:
		case <-r.Context().Done():
			return
		}
	}
	if rp.delay > 0 {
		select {
		case <-time.After(rp.delay):
		case <-r.Context().Done():
			return
		}
	}
	ct := rp.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(rp.status)
	io.WriteString(w, rp.body)
}

// requests returns the requests seen so far, optionally only those to
// path (below /sdk/v1/).
func (f *fake) requests(path string) []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []seen
	for _, s := range f.seen {
		if path == "" || s.Path == "/sdk/v1/"+path {
			out = append(out, s)
		}
	}
	return out
}

// wantCount fails the test unless n requests went to path ("" for all).
func (f *fake) wantCount(path string, n int) {
	f.t.Helper()
	if got := f.requests(path); len(got) != n {
		f.t.Errorf("%d requests to /sdk/v1/%s, want %d: %v", len(got), path, n, paths(got))
	}
}

// waitForRequest waits until a request to path has arrived.
func (f *fake) waitForRequest(path string) {
	f.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(f.requests(path)) == 0; {
		if time.Now().After(deadline) {
			f.t.Fatalf("no request to /sdk/v1/%s", path)
		}
		time.Sleep(time.Millisecond)
	}
}

// only returns the one request to path, failing otherwise.
func (f *fake) only(path string) seen {
	f.t.Helper()
	rs := f.requests(path)
	if len(rs) != 1 {
		f.t.Fatalf("%d requests to /sdk/v1/%s, want 1", len(rs), path)
	}
	return rs[0]
}

// config is a Config for the fake with fixed OS and device values.
func (f *fake) config() Config {
	return Config{
		PublicToken: testToken,
		BaseURL:     f.srv.URL,
		App:         App{ID: testAppID, Version: testVersion},
		OS:          "linux",
		OSVersion:   "6.8.0",
		Device:      "Go/amd64",
	}
}

func (f *fake) client(mods ...func(*Config)) *Client {
	f.t.Helper()
	cfg := f.config()
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// sample reads testdata/name.
func sample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// samples returns every testdata/*.json.
func samples(t testing.TB) map[string]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	out := map[string]string{}
	for _, n := range names {
		out[filepath.Base(n)] = sample(t, filepath.Base(n))
	}
	return out
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// wantSDKClient is the X-SDK-Client JSON the fake's config must produce.
var wantSDKClient = map[string]any{
	"sdk":    map[string]any{"identifier": "magiclink-go", "version": Version},
	"app":    map[string]any{"identifier": testAppID, "version": testVersion},
	"os":     map[string]any{"identifier": "linux", "version": "6.8.0"},
	"device": map[string]any{"model": "Go/amd64", "screen_size": ""},
}

// checkHeaders asserts the headers every call carries, with password
// pass in Basic auth (the public token, or a session token).
func checkHeaders(t *testing.T, s seen, pass string) {
	t.Helper()
	exact := map[string]string{
		"Authorization": basic(testToken, pass),
		"Content-Type":  "application/json",
		"Accept":        "application/json",
	}
	for k, want := range exact {
		if got := s.Header.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("%s %s: header %s = %q, want exactly %q", s.Method, s.Path, k, got, want)
		}
	}
	raw := s.Header.Values("X-SDK-Client")
	if len(raw) != 1 {
		t.Fatalf("X-SDK-Client: %d values", len(raw))
	}
	js, err := base64.StdEncoding.DecodeString(raw[0])
	if err != nil {
		t.Fatalf("X-SDK-Client is not standard base64: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("X-SDK-Client is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, wantSDKClient) {
		t.Errorf("X-SDK-Client = %s, want %v", js, wantSDKClient)
	}
	if ua := s.Header.Get("User-Agent"); ua != testAppID+"/"+testVersion+" magiclink-go/"+Version {
		t.Errorf("User-Agent = %q", ua)
	}
}

// jsonBody decodes a request body, failing on anything but one object.
func jsonBody(t *testing.T, s seen) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(s.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", s.Method, s.Path, s.Body, err)
	}
	return m
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
