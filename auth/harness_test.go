package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/emulator"
	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

// harness runs an engine against the project's emulator through the real
// stytch-go SDK, with logs captured for the secrecy check.
type harness struct {
	t     *testing.T
	srv   *emulator.Server
	em    *emulator.Emulator
	cfg   Config
	store TokenStore
	logs  *logbuf.Buffer
	log   *slog.Logger
	b     backendKind
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	// Below the kernel's ephemeral range (32768–60999 on Linux), so no
	// listener on :0 and no outgoing connection of a parallel test can take
	// the port between this check and the engine's listen; each port is
	// handed out once per test binary.
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 200 {
		p := 20000 + rand.IntN(12000)
		if handedOut.ports[p] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		handedOut.ports[p] = true
		return p
	}
	t.Fatal("no free loopback port between 20000 and 32000")
	return 0
}

// handedOut records the ports freePort has given out.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// backendKind is one way the engine reaches Stytch; the engine's tests run
// once for each.
type backendKind struct {
	name string
	// prefix is the API's path prefix at the emulator, for fault injection.
	prefix string
	// credentials configures c for the emulator em.
	credentials func(c *Config, em *emulator.Emulator)
	// breakCredentials makes c's credentials wrong and returns the setting
	// the error message must name.
	breakCredentials func(c *Config) string
}

var backends = []backendKind{
	{
		name: "public-token", prefix: "/sdk/v1",
		credentials: func(c *Config, em *emulator.Emulator) { c.PublicToken = em.PublicToken() },
		breakCredentials: func(c *Config) string {
			c.PublicToken = "public-token-test-00000000-0000-0000-0000-0000000000ff"
			return EnvPublicToken
		},
	},
	{
		name: "secret", prefix: "/v1",
		credentials: func(c *Config, em *emulator.Emulator) { c.ProjectID, c.Secret = em.ProjectID(), em.Secret() },
		breakCredentials: func(c *Config) string {
			c.Secret = "secret-test-wrongwrongwrongwrongwrongwrong"
			return EnvSecret
		},
	},
}

// forEachBackend runs f as a subtest for each backend.
func forEachBackend(t *testing.T, f func(t *testing.T, b backendKind)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

func newHarness(t *testing.T, b backendKind, opts ...func(*emulator.Config)) *harness {
	t.Helper()
	ecfg := emulator.Config{RedirectURLs: []string{"http://127.0.0.1:*/authenticate", "http://localhost:*/authenticate"}}
	for _, o := range opts {
		o(&ecfg)
	}
	srv, err := emulator.NewServer(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	logs := &logbuf.Buffer{}
	h := &harness{
		t: t, srv: srv, em: srv.Emulator(), store: &MemoryStore{}, logs: logs,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	h.cfg = Config{
		BaseURL:        srv.BaseURL(),
		RedirectURL:    fmt.Sprintf("http://127.0.0.1:%d/authenticate", freePort(t)),
		RequestTimeout: 5 * time.Second,
		ResendCooldown: 50 * time.Millisecond,
	}
	b.credentials(&h.cfg, h.em)
	h.b = b
	t.Cleanup(func() { h.assertNoSecretsLogged() })
	return h
}

func (h *harness) engine() *Engine {
	h.t.Helper()
	e, err := New(h.cfg, Options{Store: h.store, Logger: h.log})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(e.Close)
	return e
}

// signedOutEngine starts an engine and waits until it is on the sign-in
// screen.
func (h *harness) signedOutEngine(t *testing.T) *Engine {
	t.Helper()
	e := h.engine()
	e.Start()
	waitState(t, e, StateSignedOut)
	return e
}

// waitFor blocks until a snapshot satisfies ok, or fails the test.
func waitFor(t *testing.T, e *Engine, what string, ok func(Snapshot) bool) Snapshot {
	t.Helper()
	ch := make(chan Snapshot, 1)
	cancel := e.Subscribe(func(s Snapshot) {
		if ok(s) {
			select {
			case ch <- s:
			default:
			}
		}
	})
	defer cancel()
	select {
	case s := <-ch:
		return s
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %s; last snapshot: %+v", what, e.Snapshot())
		return Snapshot{}
	}
}

func waitState(t *testing.T, e *Engine, st State) Snapshot {
	t.Helper()
	return waitFor(t, e, st.String(), func(s Snapshot) bool { return s.State == st && !s.Busy })
}

// lastLink returns the newest magic link emailed to addr.
func (h *harness) lastLink(addr string) string {
	h.t.Helper()
	for _, m := range h.em.Outbox(addr) {
		if m.Link != "" {
			return m.Link
		}
	}
	h.t.Fatalf("no link in the outbox for %s", addr)
	return ""
}

func (h *harness) lastCode(addr string) string {
	h.t.Helper()
	for _, m := range h.em.Outbox(addr) {
		if m.Kind == "otp" {
			return m.Code
		}
	}
	h.t.Fatalf("no code in the outbox for %s", addr)
	return ""
}

// open follows a link as a browser would (the emulator's hosted redirect,
// then the loopback listener) and returns the final status and page.
func open(t *testing.T, link string) (int, string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET link: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn runs the whole link flow for addr and returns the engine's
// SignedIn snapshot.
func (h *harness) signIn(e *Engine, addr string) Snapshot {
	h.t.Helper()
	if err := e.StartLogin(addr); err != nil {
		h.t.Fatal(err)
	}
	waitState(h.t, e, StateLinkSent)
	code, body := open(h.t, h.lastLink(addr))
	if code != 200 || !strings.Contains(body, "Signed in as") {
		h.t.Fatalf("callback page: %d %s", code, body)
	}
	return waitState(h.t, e, StateSignedIn)
}

func (h *harness) activeSessions() int {
	n := 0
	for _, s := range h.em.Sessions() {
		if s.Status == "active" {
			n++
		}
	}
	return n
}

// assertNoSecretsLogged checks that no session token, secret, magic-link
// token or link reached the logs.
func (h *harness) assertNoSecretsLogged() {
	logs := h.logs.String()
	if h.cfg.Secret != "" && strings.Contains(logs, h.cfg.Secret) {
		h.t.Error("the project secret appears in the logs")
	}
	for _, m := range h.em.Outbox("") {
		if m.Link != "" && strings.Contains(logs, m.Link) {
			h.t.Error("a magic link appears in the logs")
		}
		if i := strings.Index(m.Link, "token="); i >= 0 {
			tok := m.Link[i+len("token="):]
			if j := strings.IndexByte(tok, '&'); j >= 0 {
				tok = tok[:j]
			}
			if len(tok) > 8 && strings.Contains(logs, tok) {
				h.t.Error("a magic-link token appears in the logs")
			}
		}
		if m.Code != "" && strings.Contains(logs, "code="+m.Code) {
			h.t.Error("a one-time code appears in the logs")
		}
	}
	if tok, err := h.store.Get(context.Background()); err == nil && strings.Contains(logs, tok) {
		h.t.Error("the session token appears in the logs")
	}
	if strings.Contains(logs, "code_verifier") || strings.Contains(logs, "verifier=") {
		h.t.Error("a PKCE verifier appears in the logs")
	}
}

// failingStore is a keyring that is not there.
type failingStore struct{ err error }

func (f failingStore) Get(context.Context) (string, error) { return "", f.err }
func (f failingStore) Set(context.Context, string) error   { return f.err }
func (f failingStore) Delete(context.Context) error        { return f.err }

var errNoKeyring = &KeyringError{Op: "write", Err: errors.New("the name org.freedesktop.secrets was not provided by any .service files")}
