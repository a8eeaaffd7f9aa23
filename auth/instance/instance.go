// Package instance keeps the app to one running process per user and per
// Stytch project. The first process owns a per-user lock and a local IPC
// endpoint (a Unix socket in a private directory, or a named pipe on
// Windows); a later launch finds it and hands it a request — raise the
// window — instead of starting a second app. Only the owner's user may
// connect: the endpoint is private to the user and every connection's peer
// is checked.
//
// It has no UI dependency: the app passes a handler that raises its window.
package instance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrRunning is returned by Acquire when another process of this user
// already owns the instance for the key.
var ErrRunning = errors.New("another Magiclink is already running for this user and Stytch project")

// ErrRefused is returned by Send when the running instance did not accept
// the request.
var ErrRefused = errors.New("the running Magiclink refused the request")

// ErrNotAnswering is returned by Join when another process holds the
// lock but its endpoint did not answer for several seconds.
var ErrNotAnswering = errors.New("another Magiclink holds this user's instance lock but does not answer")

// MaxLine bounds one request line (a request and its argument), so a
// hostile peer cannot make the owner buffer without end.
const MaxLine = 64 << 10

// ioTimeout bounds one request on either side.
const ioTimeout = 5 * time.Second

// Kind is what a request asks of the running instance.
type Kind string

// Kinds of request.
const (
	// Raise asks the instance to show and raise its window.
	Raise Kind = "raise"
	// Open hands the instance a link the operating system started this
	// launch with (a magiclink:// sign-in link), and raises its window.
	Open Kind = "open"
)

// Request is one request from a later launch.
type Request struct {
	Kind Kind
	// URL is the link of an Open request. It may carry a token: it is
	// never logged here, and the receiver validates it.
	URL string
}

func (r Request) encode() string {
	if r.Kind == Open {
		return string(Open) + " " + r.URL + "\n"
	}
	return string(r.Kind) + "\n"
}

func decode(line string) (Request, error) {
	if Kind(line) == Raise {
		return Request{Kind: Raise}, nil
	}
	if u, ok := strings.CutPrefix(line, string(Open)+" "); ok && u != "" && !strings.ContainsAny(u, "\r\x00") {
		return Request{Kind: Open, URL: u}, nil
	}
	return Request{}, errors.New("unknown request")
}

// Options say where the instance lives.
type Options struct {
	// Key names the instance: one per user and Stytch project. Use KeyFor.
	Key string
	// Dir is the private directory of the lock and the socket; "" is the
	// platform default (DefaultDir). Not used on Windows.
	Dir string
	// Logger receives refused connections; nil discards.
	Logger *slog.Logger
}

// KeyFor is the instance key of a Stytch project identity (the keyring
// account of its session): short, fixed-length, safe in a file name, and
// revealing nothing of the identity.
func KeyFor(identity string) string {
	sum := sha256.Sum256([]byte("magiclink instance\x00" + identity))
	return hex.EncodeToString(sum[:8])
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func (o Options) check() error {
	if o.Key == "" || strings.Trim(o.Key, "0123456789abcdef") != "" || len(o.Key) > 32 {
		return fmt.Errorf("instance key %q should be lowercase hex from KeyFor", o.Key)
	}
	return nil
}

// Instance is the running app's ownership of its key: while it is open no
// other process of the user can acquire it, and requests from later
// launches reach its handler.
type Instance struct {
	ln   net.Listener
	log  *slog.Logger
	lock io.Closer // released last

	mu      sync.Mutex
	handler func(Request) error
	pending []Request
	closed  bool
	wg      sync.WaitGroup
	// Path is the endpoint's address (socket path or pipe name).
	Path string
	// TookOver is true when a crashed owner's endpoint was found and
	// replaced.
	TookOver bool
}

// Handle sets the function requests are given to, on a goroutine of the
// instance's; requests that arrived before are given to it at once, in
// order. An error h returns is the answer to the launch that sent the
// request (Send returns it as a *RejectedError), so its text must be fit
// for that launch to print: no token, no link.
func (i *Instance) Handle(h func(Request) error) {
	i.mu.Lock()
	i.handler = h
	p := i.pending
	i.pending = nil
	i.mu.Unlock()
	for _, r := range p {
		_ = h(r) // their senders were answered "ok" when they were queued
	}
}

// deliver gives r to the handler and returns its answer; before Handle
// is called, r is queued and accepted.
func (i *Instance) deliver(r Request) error {
	i.mu.Lock()
	h := i.handler
	if h == nil {
		if len(i.pending) < 16 {
			i.pending = append(i.pending, r)
		}
		i.mu.Unlock()
		return nil
	}
	i.mu.Unlock()
	return h(r)
}

// RejectedError is the running instance's answer to a request it read
// and turned down, e.g. a link that is not a valid sign-in link.
type RejectedError struct{ Reason string }

func (e *RejectedError) Error() string {
	return "the running Magiclink refused the request: " + e.Reason
}

// Close stops accepting requests, removes the endpoint and releases the
// lock.
func (i *Instance) Close() error {
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return nil
	}
	i.closed = true
	i.mu.Unlock()
	err := i.ln.Close()
	i.wg.Wait()
	if lerr := i.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

func (i *Instance) serve() {
	defer i.wg.Done()
	for {
		c, err := i.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			i.log.Warn("instance endpoint: accept failed", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		i.wg.Add(1)
		go func() {
			defer i.wg.Done()
			i.serveConn(c)
		}()
	}
}

func (i *Instance) serveConn(c net.Conn) {
	defer c.Close()
	if err := checkPeer(c); err != nil {
		// Nothing is read from or written to another user.
		i.log.Warn("instance endpoint: refused a connection", "reason", err.Error())
		return
	}
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	line, err := readLine(c)
	if err != nil {
		i.log.Warn("instance endpoint: unreadable request", "reason", err.Error())
		// The read may have used up the deadline; the answer gets its own.
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(c, "refused %s\n", "unreadable request")
		return
	}
	r, err := decode(line)
	if err != nil {
		i.log.Warn("instance endpoint: refused a request", "reason", err.Error(), "bytes", len(line))
		fmt.Fprintf(c, "refused %s\n", err)
		return
	}
	i.log.Debug("instance endpoint: request from another launch", "kind", string(r.Kind))
	if err := i.deliver(r); err != nil {
		fmt.Fprintf(c, "rejected %s\n", oneLine(err.Error()))
		return
	}
	fmt.Fprint(c, "ok\n")
}

// oneLine makes s fit one line of the protocol.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == 0 {
			return ' '
		}
		return r
	}, s)
	if len(s) > 512 {
		s = strings.ToValidUTF8(s[:512], "") // a character cut in two goes
	}
	return s
}

// readLine reads one '\n'-terminated line of at most MaxLine bytes.
func readLine(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxLine+1), 4096)
	var b strings.Builder
	for {
		chunk, err := br.ReadSlice('\n')
		b.Write(chunk)
		if b.Len() > MaxLine {
			return "", fmt.Errorf("request longer than %d bytes", MaxLine)
		}
		switch {
		case err == nil:
			return strings.TrimSuffix(b.String(), "\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if b.Len() > MaxLine {
				return "", fmt.Errorf("request longer than %d bytes", MaxLine)
			}
			return "", errors.New("request not terminated")
		default:
			return "", err
		}
	}
}

// Send hands r to the running instance and waits for its answer.
func Send(o Options, r Request) error {
	if err := o.check(); err != nil {
		return err
	}
	if strings.ContainsAny(r.URL, "\n\r\x00") || len(r.encode()) > MaxLine {
		return errors.New("the link to hand over has line breaks or is too long")
	}
	c, err := dial(o)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, r.encode()); err != nil {
		// Connected, then closed on: the owner refused this peer.
		return fmt.Errorf("%w: it closed the connection (%v)", ErrRefused, err)
	}
	line, err := readLine(c)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		// Connected, but it never answered: hung, not refusing.
		return fmt.Errorf("%w: it took the request but gave no answer within %s", ErrNotAnswering, ioTimeout)
	case err != nil:
		return fmt.Errorf("%w: no answer (%v)", ErrRefused, err)
	case line == "ok":
		return nil
	case strings.HasPrefix(line, "rejected "):
		return &RejectedError{Reason: strings.TrimPrefix(line, "rejected ")}
	}
	return fmt.Errorf("%w: %s", ErrRefused, strings.TrimPrefix(line, "refused "))
}

// Join makes this process the instance, or, when another process owns
// it, hands that one r. It returns the Instance when this process is the
// owner, or nil and nil when r was delivered. An owner that is starting up
// (lock taken, endpoint not yet listening) or just quitting is waited for,
// up to a few seconds.
func Join(o Options, r Request) (*Instance, error) {
	deadline := time.Now().Add(ioTimeout)
	for {
		inst, err := Acquire(o)
		if !errors.Is(err, ErrRunning) {
			return inst, err
		}
		err = Send(o, r)
		var rej *RejectedError
		if err == nil || errors.Is(err, ErrRefused) || errors.As(err, &rej) {
			return nil, err
		}
		if time.Now().After(deadline) {
			if errors.Is(err, ErrNotAnswering) {
				return nil, err
			}
			return nil, fmt.Errorf("%w (%v)", ErrNotAnswering, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
