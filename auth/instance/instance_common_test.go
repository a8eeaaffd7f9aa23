package instance

// Tests that run on every system: on Linux and the BSDs against the Unix
// socket and lock file, on Windows (under Wine in make e2e-windows)
// against the named mutex and pipe.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The helper process: the test binary re-run with MAGICLINK_INSTANCE_HELPER
// set acquires (and holds) or sends, as a second process would.
func TestMain(m *testing.M) {
	switch os.Getenv("MAGICLINK_INSTANCE_HELPER") {
	case "":
		os.Exit(m.Run())
	case "hold":
		o := Options{Key: os.Getenv("KEY"), Dir: os.Getenv("DIR")}
		if _, err := Acquire(o); err != nil {
			fmt.Println("acquire:", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		select {}
	case "send":
		o := Options{Key: os.Getenv("KEY"), Dir: os.Getenv("DIR")}
		err := Send(o, Request{Kind: Raise})
		fmt.Println("send:", err)
		os.Exit(0)
	}
}

func helper(t *testing.T, mode string, o Options) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "MAGICLINK_INSTANCE_HELPER="+mode, "KEY="+o.Key, "DIR="+o.Dir)
	return cmd
}

// startHolder starts a second process that acquires o and holds it, and
// checks this one then cannot.
func startHolder(t *testing.T, o Options) *exec.Cmd {
	t.Helper()
	cmd := helper(t, "hold", o)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 8)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "holding\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}
	if _, err := Acquire(o); !errors.Is(err, ErrRunning) {
		t.Fatalf("Acquire while the helper holds it: %v, want ErrRunning", err)
	}
	return cmd
}

type recorder struct {
	mu     sync.Mutex
	got    []Request
	ch     chan struct{}
	answer error // what handle returns
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 16)} }

func (r *recorder) handle(q Request) error {
	r.mu.Lock()
	r.got = append(r.got, q)
	answer := r.answer
	r.mu.Unlock()
	r.ch <- struct{}{}
	return answer
}

func (r *recorder) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.ch:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler got no request")
	}
}

func TestSecondAcquireFindsTheFirstAndRaisesIt(t *testing.T) {
	o := Options{Key: KeyFor(t.Name()), Dir: testDir(t)}
	first, err := Acquire(o)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if first.TookOver {
		t.Error("TookOver on a fresh directory")
	}
	if _, err := Acquire(o); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Acquire: %v, want ErrRunning", err)
	}
	// A request before the handler is set is kept for it.
	if err := Send(o, Request{Kind: Raise}); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	first.Handle(rec.handle)
	rec.wait(t)
	inst, err := Join(o, Request{Kind: Raise})
	if err != nil || inst != nil {
		t.Fatalf("Join with a running instance = %v, %v; want nil, nil (delivered)", inst, err)
	}
	rec.wait(t)
	if len(rec.got) != 2 || rec.got[0].Kind != Raise || rec.got[1].Kind != Raise {
		t.Fatalf("requests = %+v, want two raises", rec.got)
	}
	link := "magiclink://authenticate?stytch_token_type=magic_links&token=abc"
	if err := Send(o, Request{Kind: Open, URL: link}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t)
	if got := rec.got[2]; got.Kind != Open || got.URL != link {
		t.Fatalf("open request arrived as %+v", got)
	}
	if err := Send(o, Request{Kind: Open, URL: "magiclink://a\nraise"}); err == nil {
		t.Fatal("a link with a line break was sent")
	}

	// Another project has its own instance.
	other, err := Acquire(Options{Key: KeyFor(t.Name() + " other project"), Dir: o.Dir})
	if err != nil {
		t.Fatalf("another project's instance: %v", err)
	}
	other.Close()

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	endpointGone(t, o, first.Path)
	again, err := Join(o, Request{Kind: Raise})
	if err != nil || again == nil {
		t.Fatalf("Join after the owner quit = %v, %v; want to become the instance", again, err)
	}
	again.Close()
}

// An owner that holds the lock but never answers (hung) is reported as
// such after a few seconds, not waited for forever.
func TestJoinAnOwnerThatDoesNotAnswer(t *testing.T) {
	o := Options{Key: KeyFor(t.Name()), Dir: testDir(t)}
	inst, err := Acquire(o)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	inst.ln.Close() // the lock stays held; nothing listens
	start := time.Now()
	got, err := Join(o, Request{Kind: Raise})
	if got != nil || !errors.Is(err, ErrNotAnswering) {
		t.Fatalf("Join = %v, %v; want ErrNotAnswering", got, err)
	}
	if d := time.Since(start); d < ioTimeout || d > 3*ioTimeout {
		t.Errorf("Join gave up after %s, want about %s", d, ioTimeout)
	}
}

// A request the running instance turns down comes back to the sender as
// a RejectedError with the reason on one line; Join does not retry it.
func TestRejectedRequestReachesTheSender(t *testing.T) {
	o := Options{Key: KeyFor(t.Name()), Dir: testDir(t)}
	first, err := Acquire(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	rec := newRecorder()
	rec.answer = errors.New("the link is not for this app\nsecond line")
	first.Handle(rec.handle)
	start := time.Now()
	inst, err := Join(o, Request{Kind: Open, URL: "magiclink://elsewhere?token=x"})
	var rej *RejectedError
	if inst != nil || !errors.As(err, &rej) {
		t.Fatalf("Join = %v, %v; want a *RejectedError", inst, err)
	}
	if rej.Reason != "the link is not for this app second line" {
		t.Fatalf("reason %q", rej.Reason)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("Join retried a rejected request for %v", time.Since(start))
	}
	// A long reason is cut to one short line, never inside a character.
	if got := oneLine(strings.Repeat("é", 300)); len(got) > 512 || !utf8.ValidString(got) {
		t.Fatalf("oneLine: %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	rec.wait(t)
	if len(rec.got) != 1 {
		t.Fatalf("the handler got %d requests, want 1", len(rec.got))
	}
}

// A launch that connects and then says nothing holds the endpoint for
// the I/O timeout at most: the instance answers that it could not read a
// request, and goes on serving others.
func TestSilentClientIsDroppedAfterTheTimeout(t *testing.T) {
	o := Options{Key: KeyFor(t.Name()), Dir: testDir(t)}
	inst, err := Acquire(o)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	rec := newRecorder()
	inst.Handle(rec.handle)
	c, err := dial(o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetDeadline(time.Now().Add(3 * ioTimeout))
	ans, err := readLine(c)
	if err != nil || !strings.HasPrefix(ans, "refused ") {
		t.Fatalf("answer to silence: %q, %v; want a refusal", ans, err)
	}
	if d := time.Since(start); d < ioTimeout-time.Second || d > 2*ioTimeout {
		t.Errorf("dropped after %s, want about %s", d, ioTimeout)
	}
	if err := Send(o, Request{Kind: Raise}); err != nil {
		t.Fatalf("the instance stopped serving: %v", err)
	}
	rec.wait(t)
}
