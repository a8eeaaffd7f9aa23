package ui

import (
	"errors"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/magiclink/magiclink/auth"
)

// fakeEngine is an in-memory Engine. It records calls and lets a test push
// snapshots; push calls subscribers on the caller's goroutine, so with the
// test driver (where fyne.Do runs inline) rendering has finished when push
// returns.
type fakeEngine struct {
	mu     sync.Mutex
	snap   auth.Snapshot
	subs   map[int]func(auth.Snapshot)
	nextID int
	calls  []string
	args   []string

	// startLoginErr and verifyCodeErr are returned synchronously when set.
	startLoginErr error
	verifyCodeErr error
	codeLoginErr  error
}

var _ Engine = (*fakeEngine)(nil)

func newFakeEngine(s auth.Snapshot) *fakeEngine {
	return &fakeEngine{snap: s, subs: map[int]func(auth.Snapshot){}}
}

func (f *fakeEngine) record(call, arg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	f.args = append(f.args, arg)
}

// Calls returns the names of the engine methods called so far.
func (f *fakeEngine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// lastArg returns the argument of the last call named call.
func (f *fakeEngine) lastArg(call string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i] == call {
			return f.args[i], true
		}
	}
	return "", false
}

func (f *fakeEngine) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	return n
}

func (f *fakeEngine) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// push publishes s to all subscribers.
func (f *fakeEngine) push(s auth.Snapshot) {
	f.mu.Lock()
	f.snap = s
	subs := make([]func(auth.Snapshot), 0, len(f.subs))
	for _, fn := range f.subs {
		subs = append(subs, fn)
	}
	f.mu.Unlock()
	for _, fn := range subs {
		fn(s)
	}
}

func (f *fakeEngine) Snapshot() auth.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeEngine) Subscribe(fn func(auth.Snapshot)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

func (f *fakeEngine) StartLogin(email string) error {
	f.record("StartLogin", email)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.startLoginErr
}

func (f *fakeEngine) Resend() { f.record("Resend", "") }
func (f *fakeEngine) Cancel() { f.record("Cancel", "") }

func (f *fakeEngine) StartCodeLogin() error {
	f.record("StartCodeLogin", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codeLoginErr
}

func (f *fakeEngine) ResendCode() { f.record("ResendCode", "") }

func (f *fakeEngine) VerifyCode(code string) error {
	f.record("VerifyCode", code)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.verifyCodeErr
}

func (f *fakeEngine) Logout() { f.record("Logout", "") }
func (f *fakeEngine) Retry()  { f.record("Retry", "") }

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeTicker replaces the one-second ticker; the test fires it by hand on
// its own goroutine.
type fakeTicker struct {
	mu      sync.Mutex
	f       func()
	running bool
	starts  int
}

func (t *fakeTicker) every(_ time.Duration, f func()) func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.f, t.running = f, true
	t.starts++
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.running = false
	}
}

func (t *fakeTicker) isRunning() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.running
}

// fire runs one tick if the ticker is running.
func (t *fakeTicker) fire() {
	t.mu.Lock()
	f, on := t.f, t.running
	t.mu.Unlock()
	if on {
		f()
	}
}

// harness is a UI over a fake engine, clock, ticker and browser.
type harness struct {
	t      *testing.T
	app    fyne.App
	eng    *fakeEngine
	clock  *fakeClock
	ticker *fakeTicker
	ui     *UI
	opened chan string
	openFn func(string) error
	raised chan struct{}
	spawns sync.WaitGroup
	// afterFn is the pending delayed call (the Copy button's reset); the
	// test runs it by hand.
	afterFn func()
	// quits counts the app quit requests.
	quits int
}

// t0 is the fake clock's start, in UTC so displayed times are stable.
var t0 = time.Date(2025, 11, 28, 18, 50, 0, 0, time.UTC)

func newHarness(t *testing.T, s auth.Snapshot, opts Options) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		app:    test.NewTempApp(t),
		eng:    newFakeEngine(s),
		clock:  &fakeClock{now: t0},
		ticker: &fakeTicker{},
		opened: make(chan string, 4),
		raised: make(chan struct{}, 4),
	}
	return h.start(opts)
}

func (h *harness) start(opts Options) *harness {
	if opts.OpenURL == nil {
		opts.OpenURL = func(u string) error {
			h.opened <- u
			if h.openFn != nil {
				return h.openFn(u)
			}
			return nil
		}
	}
	opts.Now = h.clock.Now
	h.ui = newUI(h.app, h.eng, opts, effects{
		every: h.ticker.every,
		after: func(_ time.Duration, f func()) func() {
			h.afterFn = f
			return func() { h.afterFn = nil }
		},
		spawn: func(f func()) {
			h.spawns.Add(1)
			go func() { defer h.spawns.Done(); f() }()
		},
		quit: func() { h.quits++ },
		raise: func() {
			select {
			case h.raised <- struct{}{}:
			default: // tests look for at least one raise
			}
		},
	})
	h.ui.Window().Resize(fyne.NewSize(480, 640))
	h.t.Cleanup(func() {
		h.spawns.Wait()
		h.ui.Close()
	})
	return h
}

// waitOpened waits for the fake browser to be asked to open a URL.
func (h *harness) waitOpened() string {
	h.t.Helper()
	select {
	case u := <-h.opened:
		return u
	case <-time.After(5 * time.Second):
		h.t.Fatal("OpenURL was not called")
		return ""
	}
}

var errBrowser = errors.New("no browser")
