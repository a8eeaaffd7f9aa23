//go:build windows

package instance

import (
	"errors"
	"fmt"
	"io"
	"net"
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
	flags := uint32(windows.PIPE_ACCESS_DUPLEX)
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
	ln := &pipeListener{name: name, sid: sid, next: h}
	i := &Instance{ln: ln, lock: lock, log: o.logger(), Path: name}
	i.wg.Add(1)
	go i.serve()
	return i, nil
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

	mu     sync.Mutex
	next   windows.Handle // the instance the next Accept waits on
	closed bool
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		// Closed between two Accepts: the waiting instance goes too.
		if l.next != windows.InvalidHandle {
			windows.CloseHandle(l.next)
			l.next = windows.InvalidHandle
		}
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	h := l.next
	l.mu.Unlock()
	err := windows.ConnectNamedPipe(h, nil)
	if err != nil && !errors.Is(err, windows.ERROR_PIPE_CONNECTED) {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		windows.CloseHandle(h)
		l.next = windows.InvalidHandle
		return nil, net.ErrClosed
	}
	nh, err := createPipe(l.name, l.sid, false)
	if err != nil {
		windows.CloseHandle(h)
		l.next = windows.InvalidHandle
		l.closed = true
		return nil, fmt.Errorf("could not create the next instance of pipe %s: %w", l.name, err)
	}
	l.next = nh
	return &pipeConn{h: h, server: true}, nil
}

func (l *pipeListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	// Unblock a waiting ConnectNamedPipe by connecting to it.
	if n, err := windows.UTF16PtrFromString(l.name); err == nil {
		if h, err := windows.CreateFile(n, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, 0, 0); err == nil {
			windows.CloseHandle(h)
		}
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is one end of a connected pipe instance. Deadlines close the
// handle when they pass, which ends a blocked read or write.
type pipeConn struct {
	h      windows.Handle
	server bool
	once   sync.Once
	timer  *time.Timer
}

func (c *pipeConn) Read(b []byte) (int, error) {
	var n uint32
	err := windows.ReadFile(c.h, b, &n, nil)
	if errors.Is(err, windows.ERROR_BROKEN_PIPE) || (err == nil && n == 0 && len(b) > 0) {
		return int(n), io.EOF
	}
	return int(n), err
}

func (c *pipeConn) Write(b []byte) (int, error) {
	var n uint32
	err := windows.WriteFile(c.h, b, &n, nil)
	return int(n), err
}

func (c *pipeConn) Close() error {
	var err error
	c.once.Do(func() {
		if c.timer != nil {
			c.timer.Stop()
		}
		if c.server {
			windows.FlushFileBuffers(c.h)
			windows.DisconnectNamedPipe(c.h)
		}
		err = windows.CloseHandle(c.h)
	})
	return err
}

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr("") }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr("") }
func (c *pipeConn) SetDeadline(t time.Time) error {
	if c.timer != nil {
		c.timer.Stop()
	}
	if !t.IsZero() {
		c.timer = time.AfterFunc(time.Until(t), func() { c.Close() })
	}
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
		windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
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
