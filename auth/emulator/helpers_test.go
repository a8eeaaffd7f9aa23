package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

// testKey is generated once so each test emulator does not pay for a new
// RSA key.
var testKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate test key:", err)
		os.Exit(1)
	}
	testKey = k
	os.Exit(m.Run())
}

// testEnv is an emulator behind an httptest server with a real SDK client.
type testEnv struct {
	t      testing.TB
	emu    *Emulator
	srv    *httptest.Server
	client *stytchapi.API
	logs   *logbuf.Buffer
}

// appRedirect is the loopback callback the tests' "app" uses.
const appRedirect = "http://127.0.0.1:5555/callback"

func newEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	logs := &logbuf.Buffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.SigningKey == nil {
		cfg.SigningKey = testKey
	}
	cfg.RedirectURLs = append(cfg.RedirectURLs, appRedirect)
	emu, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	env := &testEnv{t: t, emu: emu, srv: srv, logs: logs}
	env.client = env.newClient(emu.ProjectID(), emu.Secret())
	return env
}

// newClient builds an SDK client; construction fetches the JWKS.
func (env *testEnv) newClient(projectID, secret string, opts ...stytchapi.Option) *stytchapi.API {
	env.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env.t.Cleanup(cancel) // stops the SDK's background JWKS refresher
	opts = append([]stytchapi.Option{
		stytchapi.WithBaseURI(env.srv.URL), stytchapi.WithInitializationContext(ctx),
	}, opts...)
	c, err := stytchapi.NewClient(projectID, secret, opts...)
	if err != nil {
		env.t.Fatalf("NewClient: %v", err)
	}
	return c
}

// pkcePair returns a verifier and its S256 challenge.
func pkcePair() (verifier, challenge string) {
	verifier = base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// noFollow is an HTTP client that does not follow redirects.
var noFollow = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       5 * time.Second,
}

// latest returns the newest outbox message for address.
func (env *testEnv) latest(address string) Message {
	env.t.Helper()
	msgs := env.emu.Outbox(address)
	if len(msgs) == 0 {
		env.t.Fatalf("no message for %s", address)
	}
	return msgs[0]
}

// followLink opens an emailed link like a browser and returns the URL the
// hosted redirect sends it to.
func (env *testEnv) followLink(link string) *url.URL {
	env.t.Helper()
	resp, err := noFollow.Get(link)
	if err != nil {
		env.t.Fatalf("GET link: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		env.t.Fatalf("GET link: status %d, body %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		env.t.Fatalf("bad Location: %v", err)
	}
	return loc
}

// sendLink asks for a magic link and returns its token as the app would
// read it from the redirect.
func (env *testEnv) sendLink(address, challenge string) string {
	env.t.Helper()
	_, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{
		Email: address, LoginMagicLinkURL: appRedirect, SignupMagicLinkURL: appRedirect, CodeChallenge: challenge,
	})
	if err != nil {
		env.t.Fatalf("LoginOrCreate: %v", err)
	}
	return env.followLink(env.latest(address).Link).Query().Get("token")
}

// signIn creates a session for address and returns its token and JWT.
func (env *testEnv) signIn(address string) (token, jwt, sessionID string) {
	env.t.Helper()
	resp, err := env.client.MagicLinks.Authenticate(context.Background(), &magiclinks.AuthenticateParams{
		Token: env.sendLink(address, ""), SessionDurationMinutes: 60,
	})
	if err != nil {
		env.t.Fatalf("Authenticate: %v", err)
	}
	return resp.SessionToken, resp.SessionJWT, resp.Session.SessionID
}

// sendOTP asks for a code and returns the method id and the code.
func (env *testEnv) sendOTP(address string) (methodID, code string) {
	env.t.Helper()
	resp, err := env.client.OTPs.Email.LoginOrCreate(context.Background(), &otpemail.LoginOrCreateParams{Email: address})
	if err != nil {
		env.t.Fatalf("OTP LoginOrCreate: %v", err)
	}
	return resp.EmailID, env.latest(address).Code
}

func (env *testEnv) authOTP(methodID, code string) (*otp.AuthenticateResponse, error) {
	return env.client.OTPs.Authenticate(context.Background(), &otp.AuthenticateParams{
		MethodID: methodID, Code: code, SessionDurationMinutes: 30,
	})
}

// raw sends a request through the SDK's transport (so errors come back as
// stytcherror.Error) and returns the body of a success.
func (env *testEnv) raw(client *stytchapi.API, method, path, body string) ([]byte, error) {
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return client.MagicLinks.C.RawRequest(context.Background(), stytch.RequestParams{Method: method, Path: path, Body: b})
}

// wantStytchError asserts err is a stytcherror.Error of the given status and type.
func wantStytchError(t testing.TB, err error, status int, typ string) {
	t.Helper()
	var se stytcherror.Error
	if !errors.As(err, &se) {
		t.Fatalf("want stytcherror.Error %d %s, got %T %v", status, typ, err, err)
	}
	if se.StatusCode != status || string(se.ErrorType) != typ {
		t.Fatalf("want %d %s, got %d %s (%s)", status, typ, se.StatusCode, se.ErrorType, se.ErrorMessage)
	}
	if se.RequestID == "" || se.ErrorMessage == "" || !strings.HasSuffix(string(se.ErrorURL), "#"+typ) {
		t.Fatalf("incomplete error body: %+v", se)
	}
}

// do sends a plain HTTP request to the emulator.
func (env *testEnv) do(method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	env.t.Helper()
	req, err := http.NewRequest(method, env.srv.URL+path, strings.NewReader(body))
	if err != nil {
		env.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		env.t.Fatal(err)
	}
	return resp, b
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
