//go:build unix

package instance

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// DefaultDir is the private directory of the lock and socket:
// $XDG_RUNTIME_DIR/magiclink, or, without XDG_RUNTIME_DIR (macOS, a bare
// session), magiclink-<uid> in the temporary directory.
func DefaultDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "magiclink")
	}
	return filepath.Join(os.TempDir(), "magiclink-"+strconv.Itoa(os.Geteuid()))
}

func (o Options) dir() string {
	if o.Dir != "" {
		return o.Dir
	}
	return DefaultDir()
}

func (o Options) socketPath() string { return filepath.Join(o.dir(), o.Key+".sock") }
func (o Options) lockPath() string   { return filepath.Join(o.dir(), o.Key+".lock") }

// privateDir creates dir with mode 0700, or checks that an existing one is
// a real directory of this user's that nobody else can enter (tightening
// its mode if it is ours).
func privateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("could not create the instance directory %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("the instance directory %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*unix.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("the instance directory %s is not a directory (a symlink or file is in its place); remove it and start again", dir)
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("the instance directory %s belongs to another user (uid %d); remove it or set XDG_RUNTIME_DIR to a directory of your own", dir, st.Uid)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("could not make the instance directory %s private (mode 0700): %w", dir, err)
		}
	}
	return nil
}

// Acquire makes this process the instance for o.Key: it takes the lock
// and listens on the socket. When another live process holds the lock it
// returns ErrRunning. A socket left by a process that died without
// removing it (its lock went with it) is replaced, and TookOver says so.
func Acquire(o Options) (*Instance, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := privateDir(o.dir()); err != nil {
		return nil, err
	}
	sock := o.socketPath()
	if len(sock) >= len(unix.RawSockaddrUnix{}.Path) {
		return nil, fmt.Errorf("the instance socket path %s is too long for a Unix socket; set XDG_RUNTIME_DIR to a shorter directory", sock)
	}
	lf, err := os.OpenFile(o.lockPath(), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("could not open the instance lock %s: %w", o.lockPath(), err)
	}
	// flock is released by the kernel when the process dies, however it
	// dies, so a held lock always means a live owner.
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lf.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("could not lock the instance lock %s: %w", o.lockPath(), err)
	}
	tookOver := false
	if _, err := os.Lstat(sock); err == nil {
		// The lock is ours, so whoever made this socket is gone.
		tookOver = true
		if err := os.Remove(sock); err != nil {
			lf.Close()
			return nil, fmt.Errorf("could not remove the stale instance socket %s left by a Magiclink that ended abnormally: %w", sock, err)
		}
	}
	ln, err := listenPrivate(sock)
	if err != nil {
		lf.Close()
		return nil, err
	}
	i := &Instance{ln: ln, lock: lf, log: o.logger(), Path: sock, TookOver: tookOver}
	if tookOver {
		i.log.Info("instance endpoint: replaced the socket of a Magiclink that ended without removing it")
	}
	i.wg.Add(1)
	go i.serve()
	return i, nil
}

// listenPrivate listens on a Unix socket at path created with mode 0600.
func listenPrivate(path string) (net.Listener, error) {
	// The directory is 0700 already; the umask makes the socket itself
	// 0600 from the moment it exists, with no window before a chmod.
	old := unix.Umask(0o177)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("could not listen on the instance socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("could not make the instance socket %s private (mode 0600): %w", path, err)
	}
	return ln, nil
}

func dial(o Options) (net.Conn, error) {
	c, err := net.DialTimeout("unix", o.socketPath(), ioTimeout)
	if err != nil {
		return nil, fmt.Errorf("could not reach the running Magiclink at %s: %w", o.socketPath(), err)
	}
	return c, nil
}

// peerUID is the uid of the process at the other end of c.
func peerUID(c *net.UnixConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	uid, uerr := 0, error(nil)
	if err := rc.Control(func(fd uintptr) { uid, uerr = sockPeerUID(int(fd)) }); err != nil {
		return 0, err
	}
	return uid, uerr
}

// checkPeer refuses a connection whose peer is another user.
func checkPeer(c net.Conn) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return errors.New("not a Unix socket connection")
	}
	uid, err := peerUID(uc)
	if err != nil {
		return fmt.Errorf("could not read the peer's credentials: %w", err)
	}
	if uid < 0 {
		return nil // the platform has no peer credentials; the 0700 directory is the bound
	}
	if uid != os.Geteuid() {
		return fmt.Errorf("peer is another user (uid %d)", uid)
	}
	return nil
}
