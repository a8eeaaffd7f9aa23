package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/magiclink/magiclink/auth/backend"
	"github.com/magiclink/magiclink/auth/emulator"
	"github.com/magiclink/magiclink/auth/publicclient"
)

// The click on an emailed link, measured in process (issue 6, measures 5
// and 7), for each way the engine reaches Stytch (backends in
// harness_test.go): "public-token", Stytch's client API /sdk/v1 through
// auth/publicclient, and "secret", the backend API /v1 through stytch-go.
//
//   - BenchmarkCallbackToSignedIn times the app's side: from the browser's
//     request reaching the loopback listener, through the Stytch exchange
//     and the session being stored, to the SignedIn snapshot reaching a
//     subscriber (the UI).
//   - BenchmarkEmulatorAuthenticate times the bare magic_links/authenticate
//     call through each backend's client alone (publicclient, or
//     stytch-go's SDK) against the same kind of emulator.
//
// In each benchmark the two backends run interleaved in one process: every
// iteration times one call on each, against one in-process emulator that
// serves both APIs, the order alternating from iteration to iteration, so
// that background load and garbage collection fall on both alike. Each
// backend signs in its own address with its own engine or client.
//
// The difference between the two benchmarks for one backend is what the
// engine adds to Stytch's own answer (measure 5); the ratio of the two
// backends' callback times is what the public-token path costs against the
// stytch-go path (measure 7). `go run ./cmd/magiclink-bench` runs both
// benchmarks in one `go test` process with MAGICLINK_REAL_KEYRING=1 and a
// private, unlocked gnome-keyring, so the session is stored in a real
// Secret Service as in the app; without that variable it is stored in
// memory. Setup between timed sections (asking for a link, signing out) is
// not timed. Each benchmark reports, for each backend B, the median,
// minimum and maximum of B's timed sections as B-med-ms, B-min-ms and
// B-max-ms; as paired-ratio, the median over iterations of the public-token
// time divided by the stytch-go time of the same iteration (pairing cancels
// load that changes between iterations better than a ratio of medians);
// and the usual ns/op (the mean time of one iteration: one call on each
// backend).

// benchEnv is one backend's side of a benchmark: the shared emulator, an
// engine configuration with that backend's credentials pointing at it, and
// the address that backend signs in with.
type benchEnv struct {
	srv  *emulator.Server
	cfg  Config
	addr string
}

// newBenchEmulator starts an emulator on a free loopback port, stopped
// when the benchmark ends.
func newBenchEmulator(b *testing.B) *emulator.Server {
	b.Helper()
	srv, err := emulator.NewServer(emulator.Config{RedirectURLs: []string{"http://127.0.0.1:*/authenticate"}})
	if err != nil {
		b.Fatalf("emulator: %v", err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatalf("emulator: %v", err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return srv
}

// newBenchEnv configures an engine for srv with backend kind's
// credentials and a redirect URL on a free loopback port.
func newBenchEnv(b *testing.B, srv *emulator.Server, kind backendKind) *benchEnv {
	b.Helper()
	port, err := benchFreePort()
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{
		BaseURL:     srv.BaseURL(),
		RedirectURL: fmt.Sprintf("http://127.0.0.1:%d/authenticate", port),
	}
	kind.credentials(&cfg, srv.Emulator())
	return &benchEnv{srv: srv, cfg: cfg.WithDefaults(), addr: "bench-" + kind.name + "@example.com"}
}

// benchFreePort returns a loopback port that was free a moment ago.
func benchFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("could not find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// benchStore returns the token store: the operating system's keyring when
// MAGICLINK_REAL_KEYRING=1 (under an account of its own, removed at the
// end), memory otherwise.
func benchStore(b *testing.B) TokenStore {
	if os.Getenv("MAGICLINK_REAL_KEYRING") != "1" {
		return &MemoryStore{}
	}
	s := &KeyringStore{
		Service: "io.github.magiclink.magiclink.bench",
		Account: "project-test-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36),
	}
	ctx := context.Background()
	if err := s.Set(ctx, "probe"); err != nil {
		b.Fatalf("MAGICLINK_REAL_KEYRING=1 but the keyring does not work: %v", err)
	}
	if err := s.Delete(ctx); err != nil {
		b.Fatalf("keyring: %v", err)
	}
	b.Cleanup(func() { _ = s.Delete(ctx) })
	return s
}

// newestLink returns the newest magic link the emulator emailed to addr.
func (env *benchEnv) newestLink(addr string) (string, error) {
	for _, m := range env.srv.Emulator().Outbox(addr) {
		if m.Link != "" {
			return m.Link, nil
		}
	}
	return "", errors.New("no magic link in the emulator's outbox for " + addr)
}

// benchWatch follows an engine's snapshots as a UI would, and notes when
// the SignedIn snapshot was delivered.
type benchWatch struct {
	mu       sync.Mutex
	snap     Snapshot
	seen     bool // a snapshot was delivered (the zero Snapshot is SignedOut)
	signedIn time.Time
	changed  chan struct{} // closed and replaced on every snapshot
}

// watchEngine subscribes a benchWatch to e until the benchmark ends.
func watchEngine(b *testing.B, e *Engine) *benchWatch {
	w := &benchWatch{changed: make(chan struct{})}
	b.Cleanup(e.Subscribe(w.update))
	return w
}

// update is the subscriber callback.
func (w *benchWatch) update(s Snapshot) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.snap, w.seen = s, true
	if s.State == StateSignedIn && w.signedIn.IsZero() {
		w.signedIn = now
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// wait blocks until a delivered snapshot satisfies ok and returns it.
func (w *benchWatch) wait(b *testing.B, what string, ok func(Snapshot) bool) Snapshot {
	b.Helper()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	for {
		w.mu.Lock()
		s, seen, ch := w.snap, w.seen, w.changed
		w.mu.Unlock()
		if seen && ok(s) {
			return s
		}
		select {
		case <-ch:
		case <-timeout.C:
			b.Fatalf("timed out waiting for %s; last snapshot %+v", what, s)
		}
	}
}

// takeSignedIn returns when SignedIn was delivered and forgets it.
func (w *benchWatch) takeSignedIn() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.signedIn
	w.signedIn = time.Time{}
	return t
}

// settled returns a predicate for state st with nothing in flight.
func settled(st State) func(Snapshot) bool {
	return func(s Snapshot) bool { return s.State == st && !s.Busy }
}

// requestLink starts a login on e, waits for the email, and returns the
// URL the emulator's hosted redirect sends the browser to: the loopback
// listener's callback with the token.
func (env *benchEnv) requestLink(b *testing.B, e *Engine, w *benchWatch) string {
	b.Helper()
	if err := e.StartLogin(env.addr); err != nil {
		b.Fatalf("StartLogin: %v", err)
	}
	w.wait(b, "LinkSent", settled(StateLinkSent))
	link, err := env.newestLink(env.addr)
	if err != nil {
		b.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(link)
	if err != nil {
		b.Fatalf("hosted redirect: %v", err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		b.Fatalf("hosted redirect answered HTTP %d without a Location", resp.StatusCode)
	}
	return loc
}

// benchVisit GETs the callback URL as the browser does and checks the page.
func benchVisit(c *http.Client, callback string) error {
	resp, err := c.Get(callback)
	if err != nil {
		return fmt.Errorf("callback: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in") {
		return fmt.Errorf("callback page: HTTP %d %.200s", resp.StatusCode, body)
	}
	return nil
}

// reportDurations adds the median, minimum and maximum of ds to b's
// results, in milliseconds, as PREFIX-med-ms, PREFIX-min-ms and
// PREFIX-max-ms.
func reportDurations(b *testing.B, prefix string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	msOf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(msOf(med), prefix+"-med-ms")
	b.ReportMetric(msOf(s[0]), prefix+"-min-ms")
	b.ReportMetric(msOf(s[len(s)-1]), prefix+"-max-ms")
}

// benchTimed is one backend's iteration in an interleaved benchmark: it
// does its untimed setup, times its section between b.StartTimer and
// b.StopTimer, and returns that section's duration.
type benchTimed func(b *testing.B) time.Duration

// benchBackends returns the backends the interleaved benchmarks compare:
// backends, or, with MAGICLINK_BENCH_AA=1, stytch-go against itself
// ("secret" and "secret-again"): an A/A run, whose paired ratio is pure
// noise, for the margin of the harness's measure 7
// (docs/performance.md).
func benchBackends() []backendKind {
	if os.Getenv("MAGICLINK_BENCH_AA") == "1" {
		for _, kind := range backends {
			if kind.name == "secret" {
				again := kind
				again.name += "-again"
				return []backendKind{kind, again}
			}
		}
	}
	return backends
}

// interleaveBackends runs b's iterations with every backend of
// benchBackends against one emulator: prepare sets up a backend (untimed)
// and returns its iteration; each iteration of b runs every backend's
// once, in that order on even iterations and reversed on odd ones. It
// then reports each backend's durations under its name and, for two
// backends, the paired ratio of the first's (public-token) to the
// second's.
func interleaveBackends(b *testing.B, prepare func(b *testing.B, env *benchEnv) benchTimed) {
	kinds := benchBackends()
	srv := newBenchEmulator(b)
	runs := make([]benchTimed, len(kinds))
	for i, kind := range kinds {
		runs[i] = prepare(b, newBenchEnv(b, srv, kind))
	}
	ds := make([][]time.Duration, len(kinds))
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		for k := range kinds {
			if i%2 == 1 {
				k = len(kinds) - 1 - k
			}
			ds[k] = append(ds[k], runs[k](b))
		}
	}
	for k, kind := range kinds {
		reportDurations(b, kind.name, ds[k])
	}
	if len(kinds) == 2 {
		b.ReportMetric(pairedRatio(ds[0], ds[1]), "paired-ratio")
	}
}

// pairedRatio returns the median over iterations of a's duration divided by
// b's in the same iteration.
func pairedRatio(a, b []time.Duration) float64 {
	rs := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			rs = append(rs, float64(a[i])/float64(b[i]))
		}
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	if n := len(rs); n%2 == 0 {
		return (rs[n/2-1] + rs[n/2]) / 2
	}
	return rs[len(rs)/2]
}

// BenchmarkCallbackToSignedIn times one click on an emailed link on each
// backend: the browser's request in on the loopback listener →
// magic_links/authenticate → session stored → SignedIn snapshot delivered
// to a subscriber. Each click asks for a new link first and signs out
// afterwards, untimed.
func BenchmarkCallbackToSignedIn(b *testing.B) {
	interleaveBackends(b, prepareCallback)
}

// prepareCallback starts env's engine, signed out, and returns one click.
func prepareCallback(b *testing.B, env *benchEnv) benchTimed {
	e, err := New(env.cfg, Options{Store: benchStore(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	w := watchEngine(b, e)
	e.Start()
	w.wait(b, "SignedOut", settled(StateSignedOut))
	browser := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	return func(b *testing.B) time.Duration {
		callback := env.requestLink(b, e, w)
		w.takeSignedIn()
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- benchVisit(browser, callback) }()
		w.wait(b, "SignedIn", settled(StateSignedIn))
		b.StopTimer()
		d := w.takeSignedIn().Sub(start)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		e.Logout()
		w.wait(b, "SignedOut after logout", settled(StateSignedOut))
		return d
	}
}

// BenchmarkEmulatorAuthenticate times the bare magic_links/authenticate
// call through each backend's client alone, with an HTTP client like the
// engine's, for a fresh PKCE-bound link each time (requested untimed):
// POST /sdk/v1/magic_links/authenticate through publicclient with the
// public token, and POST /v1/magic_links/authenticate through stytch-go
// with the project secret.
func BenchmarkEmulatorAuthenticate(b *testing.B) {
	interleaveBackends(b, func(b *testing.B, env *benchEnv) benchTimed {
		return env.bareClient(b).timed
	})
}

// bareCalls are a backend client's own send-link and authenticate-link
// calls, outside the engine.
type bareCalls struct {
	env          *benchEnv
	send         func(challenge string) error
	authenticate func(token, verifier string) error
}

// bareClient returns the calls of the configured backend's client:
// publicclient for a public token, stytch-go's SDK (as secretclient uses
// it) for a project secret.
func (env *benchEnv) bareClient(b *testing.B) bareCalls {
	ctx := context.Background()
	hc := &http.Client{Timeout: env.cfg.RequestTimeout}
	if env.cfg.UsesPublicToken() {
		c, err := publicclient.New(publicclient.Config{
			PublicToken: env.cfg.PublicToken, BaseURL: env.cfg.BaseURL, HTTPClient: hc,
			App: publicclient.App{ID: DefaultAppID, Version: "dev"},
		})
		if err != nil {
			b.Fatal(err)
		}
		return bareCalls{
			env: env,
			send: func(challenge string) error {
				return c.SendLink(ctx, backend.LinkRequest{
					Email: env.addr, RedirectURL: env.cfg.RedirectURL, Expiry: env.cfg.LinkExpiry, CodeChallenge: challenge,
				})
			},
			authenticate: func(token, verifier string) error {
				_, err := c.AuthenticateLink(ctx, token, verifier, env.cfg.SessionDuration)
				return err
			},
		}
	}
	api, err := stytchapi.NewClient(env.cfg.ProjectID, env.cfg.Secret, stytchapi.WithHTTPClient(hc),
		stytchapi.WithSkipJWKSInitialization(), stytchapi.WithBaseURI(env.cfg.BaseURL))
	if err != nil {
		b.Fatal(err)
	}
	mins := int32(env.cfg.SessionDuration / time.Minute)
	return bareCalls{
		env: env,
		send: func(challenge string) error {
			_, err := api.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
				Email: env.addr, LoginMagicLinkURL: env.cfg.RedirectURL, SignupMagicLinkURL: env.cfg.RedirectURL,
				CodeChallenge: challenge,
			})
			return err
		},
		authenticate: func(token, verifier string) error {
			_, err := api.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
				Token: token, CodeVerifier: verifier, SessionDurationMinutes: mins,
			})
			return err
		},
	}
}

// timed asks for a link bound to a fresh PKCE challenge with c.send
// (untimed), then times c.authenticate of the emailed token with the
// verifier.
func (c bareCalls) timed(b *testing.B) time.Duration {
	pk, err := newPKCE()
	if err != nil {
		b.Fatal(err)
	}
	if err := c.send(pk.challenge); err != nil {
		b.Fatalf("login_or_create: %v", err)
	}
	token := c.env.newestToken(b)
	b.StartTimer()
	start := time.Now()
	err = c.authenticate(token, pk.verifier)
	d := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("authenticate: %v", err)
	}
	return d
}

// newestToken returns the token of the newest magic link emailed to
// env.addr.
func (env *benchEnv) newestToken(b *testing.B) string {
	b.Helper()
	link, err := env.newestLink(env.addr)
	if err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		b.Fatalf("no token in the emailed link: %v", err)
	}
	return u.Query().Get("token")
}
