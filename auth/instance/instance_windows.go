//go:build windows

package instance

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the lock is a named mutex, Local\magiclink-<key>-<SID>, and
// the endpoint a named pipe, \\.\pipe\magiclink-<key>-<SID>. Both have a
// DACL that admits only the user's own SID (and SYSTEM); the pipe refuses
// remote clients and is created with FILE_FLAG_FIRST_PIPE_INSTANCE, so a
// pipe someone else made under the name is noticed rather than shared.
// The mutex, not the pipe, decides who runs: Wine ignores
// FILE_FLAG_FIRST_PIPE_INSTANCE. Both vanish with the process that made
// them, so a crash leaves nothing stale to take over. Both ends also
// check the other's process owner, so a pipe squatted by another user
// under this name is neither served nor handed a request.

// DefaultDir is unused on Windows: the pipe namespace needs no directory.
func DefaultDir() string { return "" }

func userSID() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("could not read this process's user: %w", err)
	}
	return tu.User.Sid, nil
}

func pipeName(o Options) (string, *windows.SID, error) {
	sid, err := userSID()
	if err != nil {
		return "", nil, err
	}
	return `\\.\pipe\magiclink-` + o.Key + "-" + sid.String(), sid, nil
}

// userOnly is security attributes whose DACL admits only sid and SYSTEM.
func userOnly(sid *windows.SID) (*windows.SecurityAttributes, error) {
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;GA;;;" + sid.String() + ")(A;;GA;;;SY)")
	if err != nil {
		return nil, err
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	return sa, nil
}

func createPipe(name string, sid *windows.SID, first bool) (windows.Handle, error) {
	sa, err := userOnly(sid)
	if err != nil {
		return windows.InvalidHandle, err
	}
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	n, _ := windows.UTF16PtrFromString(name)
	return windows.CreateNamedPipe(n, flags,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		windows.PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, sa)
}

// Acquire makes this process the instance for o.Key by creating its
// mutex and then the pipe's first instance; ErrRunning when either exists.
func Acquire(o Options) (*Instance, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	name, sid, err := pipeName(o)
	if err != nil {
		return nil, err
	}
	lock, err := createMutex(`Local\magiclink-`+o.Key+"-"+sid.String(), sid)
	if err != nil {
		return nil, err
	}
	h, err := createPipe(name, sid, true)
	if err != nil {
		lock.Close()
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("could not create the instance pipe %s: %w", name, err)
	}
	stop, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		windows.CloseHandle(h)
		lock.Close()
		return nil, fmt.Errorf("could not create the instance pipe's stop event: %w", err)
	}
	ln := &pipeListener{name: name, sid: sid, next: h, stop: stop}
	ln.idle = sync.NewCond(&ln.mu)
	// Instance.Close closes the listener, waits for its goroutines, then
	// closes lock: by then no Accept uses the listener's handles.
	i := &Instance{ln: ln, lock: closers{closerFunc(ln.release), lock}, log: o.logger(), Path: name}
	i.wg.Add(1)
	go i.serve()
	return i, nil
}

// closerFunc is a func as an io.Closer that cannot fail.
type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

// closers closes each in order and returns the first error.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// handleCloser closes a handle once.
type handleCloser struct {
	once sync.Once
	h    windows.Handle
}

func (c *handleCloser) Close() error {
	var err error
	c.once.Do(func() { err = windows.CloseHandle(c.h) })
	return err
}

// createMutex creates the named mutex that marks the running instance;
// ErrRunning when it exists already. A mutex of that name this user may
// not open was made by another account in this session: ErrRefused.
func createMutex(name string, sid *windows.SID) (io.Closer, error) {
	sa, err := userOnly(sid)
	if err != nil {
		return nil, err
	}
	n, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateMutex(sa, false, n)
	switch {
	case errors.Is(err, windows.ERROR_ALREADY_EXISTS):
		windows.CloseHandle(h)
		return nil, ErrRunning
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return nil, fmt.Errorf("%w: the instance lock %s belongs to another account", ErrRefused, name)
	case err != nil:
		return nil, fmt.Errorf("could not create the instance lock %s: %w", name, err)
	}
	return &handleCloser{h: h}, nil
}

type pipeListener struct {
	name string
	sid  *windows.SID
	// stop is set by Close; it ends a waiting Accept.
	stop windows.Handle

	mu        sync.Mutex
	idle      *sync.Cond     // signalled when Accept stops waiting
	next      windows.Handle // the instance the next Accept waits on
	accepting bool           // Accept is waiting on next
	closed    bool
}

// The pipe's handles are overlapped: every wait (a connection, a read, a
// write) can then end at a deadline or at Close without closing a handle
// another goroutine is using.

// wait finishes the overlapped operation ov on h, which returned err when
// started: it waits for ov's event, or for stop (when not 0), or until
// the deadline (zero: none), cancelling the operation when either comes
// first. It returns the bytes moved.
func wait(h windows.Handle, ov *windows.Overlapped, err error, stop windows.Handle, deadline time.Time) (uint32, error) {
	var n uint32
	if err != nil && !errors.Is(err, windows.ERROR_IO_PENDING) {
		return 0, err
	}
	if err == nil {
		err = windows.GetOverlappedResult(h, ov, &n, false)
		return n, err
	}
	timeout := uint32(windows.INFINITE)
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d < 0 {
			d = 0
		}
		timeout = uint32(d / time.Millisecond)
	}
	handles := []windows.Handle{ov.HEvent}
	if stop != 0 {
		handles = append(handles, stop)
	}
	r, werr := windows.WaitForMultipleObjects(handles, false, timeout)
	if werr == nil && r == windows.WAIT_OBJECT_0 {
		err = windows.GetOverlappedResult(h, ov, &n, false)
		return n, err
	}
	_ = windows.CancelIoEx(h, ov)
	_ = windows.GetOverlappedResult(h, ov, &n, true) // the operation has ended before ov goes
	switch {
	case werr != nil:
		return n, werr
	case r == windows.WAIT_OBJECT_0+1:
		return n, net.ErrClosed
	}
	return n, os.ErrDeadlineExceeded
}

// overlapped is an Overlapped with its own manual-reset event.
func overlapped() (*windows.Overlapped, func(), error) {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	return &windows.Overlapped{HEvent: ev}, func() { windows.CloseHandle(ev) }, nil
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	h := l.next
	l.accepting = true
	l.mu.Unlock()
	ov, done, err := overlapped()
	if err == nil {
		_, err = wait(h, ov, windows.ConnectNamedPipe(h, ov), l.stop, time.Time{})
		done()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepting = false
	l.idle.Broadcast()
	switch {
	case l.closed:
		return nil, net.ErrClosed // Close closes h, which is still l.next
	case err != nil && !errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil, err
	}
	nh, err := createPipe(l.name, l.sid, false)
	if err != nil {
		l.closed = true
		return nil, fmt.Errorf("could not create the next instance of pipe %s: %w", l.name, err)
	}
	l.next = nh
	return &pipeConn{h: h, server: true}, nil
}

// Close stops Accept and closes the pipe instance it waits on, before it
// returns: no later launch can then connect to a pipe nobody serves.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	_ = windows.SetEvent(l.stop)
	for l.accepting {
		l.idle.Wait()
	}
	l.closeNextLocked()
	return nil
}

// closeNextLocked closes the pipe instance Accept would wait on next.
// l.mu must be held.
func (l *pipeListener) closeNextLocked() {
	if l.next != windows.InvalidHandle {
		windows.CloseHandle(l.next)
		l.next = windows.InvalidHandle
	}
}

// release frees the listener's handles once Accept can no longer run.
func (l *pipeListener) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeNextLocked()
	if l.stop != 0 {
		windows.CloseHandle(l.stop)
		l.stop = 0
	}
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is one end of a connected pipe instance. A read or write waits
// until the deadline at most, then is cancelled; the handle is closed only
// by Close, after the operation has ended.
type pipeConn struct {
	h      windows.Handle
	server bool

	mu       sync.Mutex
	deadline time.Time
	closed   bool
}

func (c *pipeConn) do(b []byte, write bool) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	deadline := c.deadline
	c.mu.Unlock()
	ov, done, err := overlapped()
	if err != nil {
		return 0, err
	}
	defer done()
	var n uint32
	if write {
		err = windows.WriteFile(c.h, b, &n, ov)
	} else {
		err = windows.ReadFile(c.h, b, &n, ov)
	}
	n, err = wait(c.h, ov, err, 0, deadline)
	if !write && (errors.Is(err, windows.ERROR_BROKEN_PIPE) || (err == nil && n == 0 && len(b) > 0)) {
		return int(n), io.EOF
	}
	return int(n), err
}

func (c *pipeConn) Read(b []byte) (int, error)  { return c.do(b, false) }
func (c *pipeConn) Write(b []byte) (int, error) { return c.do(b, true) }

func (c *pipeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.server {
		windows.FlushFileBuffers(c.h)
		windows.DisconnectNamedPipe(c.h)
	}
	return windows.CloseHandle(c.h)
}

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr("") }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr("") }

// SetDeadline bounds the reads and writes that start after it.
func (c *pipeConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}
func (c *pipeConn) SetReadDeadline(t time.Time) error  { return c.SetDeadline(t) }
func (c *pipeConn) SetWriteDeadline(t time.Time) error { return c.SetDeadline(t) }

func dial(o Options) (net.Conn, error) {
	name, sid, err := pipeName(o)
	if err != nil {
		return nil, err
	}
	n, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(n, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err != nil {
		return nil, fmt.Errorf("could not reach the running Magiclink at %s: %w", name, err)
	}
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(h, &pid); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("could not identify the process serving %s: %w", name, err)
	}
	if err := sameUser(pid, sid); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: the process serving %s is not yours (%v)", ErrRefused, name, err)
	}
	return &pipeConn{h: h}, nil
}

// checkPeer refuses a client process that is not this user's.
func checkPeer(c net.Conn) error {
	pc, ok := c.(*pipeConn)
	if !ok {
		return errors.New("not a pipe connection")
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(pc.h, &pid); err != nil {
		return fmt.Errorf("could not identify the client process: %w", err)
	}
	sid, err := userSID()
	if err != nil {
		return err
	}
	return sameUser(pid, sid)
}

func sameUser(pid uint32, want *windows.SID) error {
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return fmt.Errorf("could not open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return fmt.Errorf("could not read process %d's user: %w", pid, err)
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return fmt.Errorf("could not read process %d's user: %w", pid, err)
	}
	if !tu.User.Sid.Equals(want) {
		return fmt.Errorf("process %d is another user's", pid)
	}
	return nil
}
