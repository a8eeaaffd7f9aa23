// Package auth is magiclink's sign-in engine: configuration, the Stytch
// client, PKCE, the loopback listener that receives the browser after a
// magic link, the session store and the session life cycle, exposed as an
// explicit state machine (see State) that a UI observes through Snapshot
// values. It imports no UI toolkit.
package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/magiclink/magiclink/auth/backend"
)

// Options are the engine's collaborators. All are optional.
type Options struct {
	// Store keeps the session token between runs. Default: a MemoryStore
	// (nothing is remembered); the app passes a KeyringStore.
	Store TokenStore
	// Revocations keeps sessions signed out while Stytch could not be
	// reached, to revoke them the next time it answers. Use a keyring entry
	// next to Store's (same project and API host). Default: none, and such
	// a session stays valid at Stytch until it expires.
	Revocations TokenStore
	// Logger receives diagnostics. It never receives a token, verifier,
	// secret or magic link. Default: discard.
	Logger *slog.Logger
	// HTTPClient is used for Stytch calls. Default: a client whose Timeout
	// is Config.RequestTimeout.
	HTTPClient *http.Client
	// Client reaches Stytch. Default: built from the Config by NewClient
	// (the public-token client API, or stytch-go with the secret).
	Client backend.Client
	// App names this app to Stytch's client API (the app ID under the
	// dashboard's Authorized applications, and its version).
	App App
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Engine drives sign-in. Its methods never block on the network or the
// keyring: they start work in the background and report progress through
// snapshots (see Subscribe). It is safe for concurrent use.
type Engine struct {
	cfg      Config
	redirect *url.URL
	log      *slog.Logger
	now      func() time.Time
	api      backend.Client
	app      App

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	lnMu      sync.Mutex // serialises listener start-up
	mu        sync.Mutex
	snap      Snapshot
	store     TokenStore
	keyring   TokenStore // the store given in Options, kept after a fallback to memory
	noKeyring bool       // the keyring failed; the session lives in memory only
	token     string     // the session token, in memory while signed in or offline
	login     *pendingLogin
	lastLn    *listener // the newest listener, possibly still closing
	checkT    *time.Timer
	retryT    *time.Timer
	retryN    int
	closed    bool
	subs      map[int]*subscriber
	nextSub   int
	nextID    uint64
	linksOff  bool // the project switched email magic links off for this app
	codesOff  bool // the project switched email one-time codes off for this app
	started   bool
	verifyFn  func() // test hook, called when a verification starts

	revocations TokenStore // sessions to revoke when Stytch answers again
	revokeMu    sync.Mutex // serialises reads and writes of revocations
	revoking    bool       // revokeQueued is running
	// revokePending: revocations may hold sessions (unknown at start).
	revokePending bool
}

// New validates cfg, fills its defaults and builds an engine in state
// Restoring. Call Start to look for a stored session.
func New(cfg Config, opts Options) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	redirect, _ := parseRedirect(cfg.RedirectURL) // validated above
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Store == nil {
		opts.Store = &MemoryStore{}
	}
	opts.App = opts.App.withDefaults()
	api := opts.Client
	if api == nil {
		hc := opts.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: cfg.RequestTimeout}
		}
		var err error
		if api, err = NewClient(cfg, opts.App, hc, opts.Logger); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		cfg:           cfg,
		redirect:      redirect,
		log:           opts.Logger,
		now:           opts.Now,
		api:           api,
		app:           opts.App,
		ctx:           ctx,
		cancel:        cancel,
		store:         opts.Store,
		keyring:       opts.Store,
		revocations:   opts.Revocations,
		revokePending: opts.Revocations != nil,
		subs:          map[int]*subscriber{},
		snap:          Snapshot{State: StateRestoring},
	}
	return e, nil
}

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Start looks for a stored session in the background: found and valid →
// SignedIn; none → SignedOut; Stytch unreachable → Offline (the stored
// session is kept and retried). Calling it again does nothing.
func (e *Engine) Start() {
	e.mu.Lock()
	if e.started || e.closed {
		e.mu.Unlock()
		return
	}
	e.started = true
	e.goRun(e.restore)
	e.revokeQueuedSoonLocked()
	e.mu.Unlock()
}

// Close cancels background work, closes the listener and stops delivering
// snapshots. The stored session is kept.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	l := e.login
	e.login = nil
	e.stopTimersLocked()
	last := e.lastLn
	subs := e.subs
	e.subs = map[int]*subscriber{}
	e.mu.Unlock()
	e.cancel()
	if l != nil {
		l.stop()
	}
	if last != nil {
		last.Close(ShutdownGrace) // the port is free when Close returns
	}
	e.wg.Wait()
	for _, s := range subs {
		s.close()
	}
}

// goRun runs f in a tracked goroutine. Callers hold e.mu and have checked
// that the engine is not closed, so Close's Wait never races an Add.
func (e *Engine) goRun(f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
}

// callCtx returns a context for one Stytch call.
func (e *Engine) callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.ctx, e.cfg.RequestTimeout)
}

func (e *Engine) stopTimersLocked() {
	if e.checkT != nil {
		e.checkT.Stop()
		e.checkT = nil
	}
	if e.retryT != nil {
		e.retryT.Stop()
		e.retryT = nil
	}
}

// Snapshot returns the current state.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snap
}

// Subscribe calls fn with the current snapshot and then after every
// change. fn runs on its own goroutine, never concurrently with itself;
// when fn is slow, intermediate snapshots are skipped and the latest one
// is delivered, so the engine never waits for a subscriber. The returned
// function unsubscribes.
func (e *Engine) Subscribe(fn func(Snapshot)) (cancel func()) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return func() {}
	}
	s := newSubscriber(fn)
	id := e.nextSub
	e.nextSub++
	e.subs[id] = s
	s.offer(e.snap)
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
		s.close()
	}
}

// updateLocked applies f to the snapshot and publishes the result.
// e.mu must be held.
func (e *Engine) updateLocked(f func(s *Snapshot)) {
	prev, prevErr, prevNotice := e.snap.State, e.snap.Err, e.snap.Notice
	f(&e.snap)
	if n := e.snap.Notice; n != "" && n != prevNotice {
		e.log.Info("showing a notice", "message", n)
	}
	e.snap.LinksOff, e.snap.CodesOff = e.linksOff, e.codesOff
	if e.snap.State != prev {
		e.log.Info("state changed", "from", prev.String(), "to", e.snap.State.String())
	}
	if err := e.snap.Err; err != nil && err != prevErr {
		// What the user is told, so a log shows it too. Messages never hold
		// a token, code, verifier or link.
		e.log.Info("telling the user", "kind", err.Kind.String(), "message", err.Message)
	}
	for _, s := range e.subs {
		s.offer(e.snap)
	}
}

// subscriber delivers the latest snapshot to one callback.
type subscriber struct {
	fn      func(Snapshot)
	mu      sync.Mutex
	latest  Snapshot
	pending bool
	wake    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newSubscriber(fn func(Snapshot)) *subscriber {
	s := &subscriber{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *subscriber) offer(snap Snapshot) {
	s.mu.Lock()
	s.latest, s.pending = snap, true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) loop() {
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		snap, ok := s.latest, s.pending
		s.pending = false
		s.mu.Unlock()
		if ok {
			s.fn(snap)
		}
	}
}

func (s *subscriber) close() { s.once.Do(func() { close(s.done) }) }
