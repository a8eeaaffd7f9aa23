package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

func TestStateFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "sub", "state.json")
	// First run: generates its own key (no SigningKey) and persists it.
	emu1, err := New(Config{StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, emu1)
	token, jwt, id := env.signIn("persist@example.com")
	pending := env.sendLink("persist@example.com", "") // a link still pending at restart
	methodID, code := env.sendOTP("persist@example.com")
	if err := emu1.SaveState(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v, want 0600", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(statePath)
	for _, secret := range []string{token, pending, code, emu1.Secret()} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("state file contains a raw token, code or secret")
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(statePath)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	// Second run from the same file: same key, same sessions, same link.
	emu2, err := New(Config{StatePath: statePath})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if emu2.key.kid != emu1.key.kid || !emu2.key.priv.Equal(emu1.key.priv) {
		t.Fatal("signing key not restored")
	}
	env2 := newEnvWith(t, emu2)
	// The old JWT verifies locally against the restored JWKS.
	if _, err := env2.client.Sessions.AuthenticateJWTLocal(jwt, time.Minute); err != nil {
		t.Fatalf("old JWT after restart: %v", err)
	}
	resp, err := env2.client.Sessions.Authenticate(context.Background(), &sessions.AuthenticateParams{SessionToken: token})
	if err != nil || resp.Session.SessionID != id {
		t.Fatalf("session after restart: %v", err)
	}
	if _, err := env2.client.MagicLinks.Authenticate(context.Background(), &magiclinks.AuthenticateParams{Token: pending}); err != nil {
		t.Fatalf("pending link after restart: %v", err)
	}
	if _, err := env2.authOTP(methodID, code); err != nil {
		t.Fatalf("pending code after restart: %v", err)
	}

	// A corrupt or foreign state file is an error, not a silent reset.
	if err := os.WriteFile(statePath, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{StatePath: statePath}); err == nil {
		t.Fatal("corrupt state file accepted")
	}
}

// newEnvWith serves an existing emulator.
func newEnvWith(t *testing.T, emu *Emulator) *testEnv {
	t.Helper()
	emu.AllowRedirectURL(appRedirect)
	env := &testEnv{t: t, emu: emu, logs: &logbuf.Buffer{}}
	env.srv = httptest.NewServer(emu)
	t.Cleanup(env.srv.Close)
	env.client = env.newClient(emu.ProjectID(), emu.Secret())
	return env
}

func TestStateProjectMismatch(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if _, err := New(Config{StatePath: p, SigningKey: testKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{StatePath: p, ProjectID: "project-test-other", SigningKey: testKey}); err == nil ||
		!strings.Contains(err.Error(), "belongs to project") {
		t.Fatalf("want project mismatch error, got %v", err)
	}
}

func TestHostedRedirect(t *testing.T) {
	env := newEnv(t, Config{RedirectURLs: []string{"http://127.0.0.1:*/cb"}})
	ctx := context.Background()
	_, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: "r@example.com", SignupMagicLinkURL: "http://127.0.0.1:49152/cb?state=a%20b&x=1#frag",
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := env.latest("r@example.com")
	resp, _ := env.do(http.MethodGet, strings.TrimPrefix(msg.Link, env.srv.URL), "", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http://127.0.0.1:49152/cb?state=a%20b&x=1&stytch_token_type=magic_links&token=") ||
		!strings.HasSuffix(loc, "#frag") {
		t.Fatalf("Location %s", loc)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatal("redirect without Referrer-Policy")
	}
	// The wildcard matches one path-free run only.
	_, err = env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: "r@example.com", LoginMagicLinkURL: "http://127.0.0.1:1/x/cb",
	})
	wantStytchError(t, err, 400, "no_match_for_provided_magic_link_url")
	// Fetching the redirect does not consume the token.
	token := env.followLink(msg.Link).Query().Get("token")
	if _, err := env.client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: token}); err != nil {
		t.Fatalf("authenticate after redirect: %v", err)
	}
	// Unknown tokens are a JSON 404.
	resp, body := env.do(http.MethodGet, "/v1/magic_links/redirect?token=nope", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "magic_link_not_found") {
		t.Fatalf("unknown token: %d %s", resp.StatusCode, body)
	}
}

func TestAuthIsCheckedForEveryAPIRoute(t *testing.T) {
	env := newEnv(t, Config{})
	good := base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID() + ":" + env.emu.Secret()))
	last := "X" // a different last character (the random secret may end in X)
	if strings.HasSuffix(env.emu.Secret(), last) {
		last = "Y"
	}
	bad := []string{
		"",
		"Bearer " + good,
		"Basic !!!",
		"Basic " + base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID()+":")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID()+":"+env.emu.Secret()[:len(env.emu.Secret())-1]+last)),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(env.emu.ProjectID()+":"+env.emu.Secret()+"extra")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":"+env.emu.Secret())),
	}
	for _, p := range append(append([]string{}, jsonEndpoints...), "/v1/users/user-test-x") {
		for _, h := range bad {
			method := http.MethodPost
			if strings.HasPrefix(p, "/v1/users/") {
				method = http.MethodGet
			}
			resp, body := env.do(method, p, `{}`, map[string]string{"Authorization": h})
			if resp.StatusCode != 401 || !strings.Contains(string(body), `"unauthorized_credentials"`) {
				t.Fatalf("%s with %q: %d %s", p, h, resp.StatusCode, body)
			}
		}
	}
	resp, _ := env.do(http.MethodPost, pathSessionAuth, `{}`, map[string]string{"Authorization": "Basic " + good})
	if resp.StatusCode != 400 {
		t.Fatalf("good credentials: %d", resp.StatusCode)
	}
}

func TestRateLimitOnAndOff(t *testing.T) {
	for _, on := range []bool{false, true} {
		env := newEnv(t, Config{RateLimit: on})
		var last error
		for i := 0; i < rateLimitPerMinute+2; i++ {
			_, last = env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "limit@example.com"})
		}
		if !on && last != nil {
			t.Fatalf("rate limit off: %v", last)
		}
		if on {
			wantStytchError(t, last, 429, "too_many_requests")
			// Other addresses are not affected, and the window rolls.
			if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "other@example.com"}); err != nil {
				t.Fatal(err)
			}
			env.emu.Advance(61 * time.Second)
			if _, err := env.client.MagicLinks.Email.LoginOrCreate(context.Background(), &mlemail.LoginOrCreateParams{Email: "limit@example.com"}); err != nil {
				t.Fatalf("after a minute: %v", err)
			}
		}
	}
}

func TestFaultInjection(t *testing.T) {
	env := newEnv(t, Config{})
	ctx := context.Background()
	token, _, _ := env.signIn("fault@example.com")
	params := &sessions.AuthenticateParams{SessionToken: token}

	env.emu.FailNext("//v1/sessions/authenticate/", 2, 502)
	for i := 0; i < 2; i++ {
		_, err := env.client.Sessions.Authenticate(ctx, params)
		wantStytchError(t, err, 502, "internal_server_error")
	}
	if _, err := env.client.Sessions.Authenticate(ctx, params); err != nil {
		t.Fatalf("after faults: %v", err)
	}

	env.emu.MalformNext(pathSessionAuth, 1)
	_, err := env.client.Sessions.Authenticate(ctx, params)
	var se stytcherror.Error
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "error decoding") {
		t.Fatalf("malformed: want a decode error, got %v", err)
	}
	if _, err := env.client.Sessions.Authenticate(ctx, params); err != nil {
		t.Fatalf("after malformed: %v", err)
	}

	// JWKS failure makes NewClient fail, as with real Stytch being down.
	env.emu.FailNext("/v1/sessions/jwks/"+env.emu.ProjectID(), 1, 500)
	if _, err := stytchapi.NewClient(env.emu.ProjectID(), env.emu.Secret(), stytchapi.WithBaseURI(env.srv.URL)); err == nil {
		t.Fatal("NewClient succeeded despite a failing JWKS")
	}

	// The same through /dev/faults.
	post := func(body string) int {
		resp, b := env.do(http.MethodPost, "/dev/faults", body, map[string]string{"Content-Type": "application/json"})
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("dev faults answer %s", b)
		}
		return resp.StatusCode
	}
	if got := post(`{"path":"/v1/sessions/authenticate","status":503,"count":1}`); got != 200 {
		t.Fatalf("dev faults: %d", got)
	}
	_, err = env.client.Sessions.Authenticate(ctx, params)
	wantStytchError(t, err, 503, "internal_server_error")
	if got := post(`{"path":"/v1/sessions/authenticate","malformed":true}`); got != 200 {
		t.Fatalf("dev faults malformed: %d", got)
	}
	if _, err := env.client.Sessions.Authenticate(ctx, params); err == nil {
		t.Fatal("want malformed answer")
	}
	for _, bad := range []string{`{}`, `{"path":"/x","status":404}`, `{"path":"/x","status":503,"malformed":true}`, `{"latency":"soon"}`, `{"path":"/x","status":503,"count":-1}`} {
		if got := post(bad); got != 400 {
			t.Fatalf("%s: %d, want 400", bad, got)
		}
	}
	if got := post(`{"latency":"150ms"}`); got != 200 {
		t.Fatalf("latency: %d", got)
	}
	start := time.Now()
	if _, err := env.client.Sessions.Authenticate(ctx, params); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("latency not applied: %s", d)
	}
	env.emu.SetLatency(0)
	// Dev routes refuse non-JSON posts (cross-site form posts).
	resp, _ := env.do(http.MethodPost, "/dev/faults", `{"latency":"1s"}`, map[string]string{"Content-Type": "text/plain"})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain post: %d", resp.StatusCode)
	}
}

func TestDevClockAndSessions(t *testing.T) {
	env := newEnv(t, Config{})
	_, _, id := env.signIn("clock@example.com")
	resp, body := env.do(http.MethodGet, "/dev/sessions", "", nil)
	var infos []SessionInfo
	mustJSON(t, body, &infos)
	if resp.StatusCode != 200 || len(infos) != 1 || infos[0].ID != id || infos[0].Status != "active" ||
		strings.Contains(string(body), "token") {
		t.Fatalf("/dev/sessions: %s", body)
	}
	resp, body = env.do(http.MethodPost, "/dev/clock", `{"advance":"2h"}`, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 200 {
		t.Fatalf("/dev/clock: %d %s", resp.StatusCode, body)
	}
	if infos := env.emu.Sessions(); infos[0].Status != "expired" {
		t.Fatalf("after 2h: %+v", infos[0])
	}
	resp, _ = env.do(http.MethodPost, "/dev/clock", `{"advance":"-1h"}`, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 400 {
		t.Fatalf("negative advance: %d", resp.StatusCode)
	}
	resp, _ = env.do(http.MethodGet, "/dev/clock", "", nil)
	if resp.StatusCode != 405 {
		t.Fatalf("GET /dev/clock: %d", resp.StatusCode)
	}
	// DNS-rebinding guard: a foreign Host header is refused.
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/dev/outbox", nil)
	req.Host = "attacker.example"
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: %d", r.StatusCode)
	}
}

func TestOutboxInboxAndEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	env := newEnv(t, Config{OutboxDir: dir})
	ctx := context.Background()
	// Addresses with markup are refused; an apostrophe is allowed and must
	// be escaped in HTML.
	if _, err := env.raw(env.client, "POST", pathMLLoginOrCreate, `{"email":"o'<b>&\"x@example.com"}`); err == nil {
		t.Fatal("address with markup accepted") // invalid_email: quotes and brackets are refused
	}
	quoteOK := "o'brien+tag@example.com"
	if _, err := env.client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: quoteOK}); err != nil {
		t.Fatal(err)
	}
	env.sendOTP("second@example.com")

	resp, body := env.do(http.MethodGet, "/dev/outbox", "", nil)
	var all []map[string]any
	mustJSON(t, body, &all)
	if resp.StatusCode != 200 || len(all) != 2 || all[0]["kind"] != "otp" || all[1]["kind"] != "signup" {
		t.Fatalf("/dev/outbox: %s", body)
	}
	for _, k := range []string{"id", "to", "subject", "kind", "link", "sent_at"} {
		if _, ok := all[1][k]; !ok {
			t.Fatalf("outbox entry lacks %q: %v", k, all[1])
		}
	}
	if _, ok := all[1]["code"]; ok {
		t.Fatal("link message has a code field")
	}
	if code, _ := all[0]["code"].(string); len(code) != 6 {
		t.Fatalf("otp message code %v", all[0]["code"])
	}
	_, body = env.do(http.MethodGet, "/dev/outbox?to=SECOND@example.com", "", nil)
	var filtered []Message
	mustJSON(t, body, &filtered)
	if len(filtered) != 1 || filtered[0].To != "second@example.com" {
		t.Fatalf("filtered outbox: %s", body)
	}

	resp, body = env.do(http.MethodGet, "/dev/inbox", "", nil)
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("/dev/inbox: %d %v", resp.StatusCode, resp.Header)
	}
	if strings.Contains(page, quoteOK) || !strings.Contains(page, "o&#39;brien&#43;tag@example.com") {
		t.Fatalf("inbox does not escape the address: %s", page)
	}
	link := env.latest(quoteOK).Link
	escapedLink := strings.ReplaceAll(link, "&", "&amp;")
	if !strings.Contains(page, `href="`+escapedLink+`"`) || !strings.Contains(page, filtered[0].Code) ||
		!strings.Contains(page, "prefers-color-scheme") || !strings.Contains(page, "/dev/outbox") ||
		strings.Contains(page, "<link") || strings.Contains(page, "src=") {
		t.Fatal("inbox lacks the link, the code, dark mode or polling")
	}

	// .eml files: one per message, owner-only.
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("outbox dir: %v %v", err, entries)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Fatalf("outbox dir mode %v", st.Mode().Perm())
	}
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 || !strings.HasSuffix(e.Name(), ".eml") {
			t.Fatalf("eml %s mode %v", e.Name(), info.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !strings.Contains(string(b), "MIME-Version: 1.0") || !strings.Contains(string(b), "Subject: ") {
			t.Fatalf("eml %s: %s", e.Name(), b)
		}
	}
}

func TestSecretNeverLoggedOrInOutbox(t *testing.T) {
	for _, logLinks := range []bool{false, true} {
		env := newEnv(t, Config{LogLinks: logLinks, OutboxDir: t.TempDir()})
		token, _, _ := env.signIn("log@example.com")
		_, code := env.sendOTP("log@example.com")
		link := env.latest("log@example.com")
		_, _ = env.raw(env.newClient(env.emu.ProjectID(), env.emu.Secret()+"x"), "POST", pathSessionAuth, `{"session_token":"x"}`)
		logs := env.logs.String()
		if strings.Contains(logs, env.emu.Secret()) || strings.Contains(logs, token) {
			t.Fatal("secret or session token logged")
		}
		outbox, _ := json.Marshal(env.emu.Outbox(""))
		if strings.Contains(string(outbox), env.emu.Secret()) {
			t.Fatal("secret in outbox")
		}
		if !strings.Contains(logs, "email sent") || !strings.Contains(logs, "log@example.com") {
			t.Fatalf("no email log line: %s", logs)
		}
		if got := strings.Contains(logs, code); got != logLinks {
			t.Fatalf("LogLinks=%v but code logged=%v", logLinks, got)
		}
		if got := strings.Contains(logs, "magic_links/redirect"); got != logLinks {
			t.Fatalf("LogLinks=%v but link logged=%v (%s)", logLinks, got, link.Link)
		}
	}
}

func TestServerStartClose(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	s, err := NewServer(Config{StatePath: statePath, SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.BaseURL(), "http://127.0.0.1:") || strings.HasSuffix(s.BaseURL(), "/") ||
		s.InboxURL() != s.BaseURL()+"/dev/inbox" || s.Emulator() == nil {
		t.Fatalf("BaseURL %q InboxURL %q", s.BaseURL(), s.InboxURL())
	}
	if s.srv.ReadHeaderTimeout == 0 || s.srv.ReadTimeout == 0 || s.srv.WriteTimeout == 0 || s.srv.IdleTimeout == 0 || s.srv.MaxHeaderBytes == 0 {
		t.Fatal("server timeouts not set")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := stytchapi.NewClient(s.Emulator().ProjectID(), s.Emulator().Secret(), stytchapi.WithBaseURI(s.BaseURL()), stytchapi.WithInitializationContext(ctx))
	if err != nil {
		t.Fatalf("NewClient against Server: %v", err)
	}
	if _, err := c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "srv@example.com"}); err != nil {
		t.Fatal(err)
	}

	// A busy port is an immediate error naming the address.
	addr := strings.TrimPrefix(s.BaseURL(), "http://")
	s2, err := NewServer(Config{SigningKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(addr); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("busy port: %v", err)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("second Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		t.Fatal("still listening after Close")
	}
	if _, err := os.Stat(statePath); err != nil {
		t.Fatalf("state not saved: %v", err)
	}
	if err := s2.Close(); err != nil { // never started
		t.Fatal(err)
	}
}

func TestRootRedirectsToInbox(t *testing.T) {
	env := newEnv(t, Config{})
	resp, _ := env.do(http.MethodGet, "/", "", nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dev/inbox" {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
