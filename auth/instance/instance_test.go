//go:build unix

package instance

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magiclink/magiclink/auth/internal/logbuf"
)

func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "mli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return filepath.Join(d, "magiclink")
}

func TestEndpointIsPrivate(t *testing.T) {
	dir := shortDir(t)
	if err := os.Mkdir(dir, 0o755); err != nil { // loose, as if made by hand
		t.Fatal(err)
	}
	inst, err := Acquire(Options{Key: KeyFor("x"), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, inst.Path: 0o600, strings.TrimSuffix(inst.Path, ".sock") + ".lock": 0o600} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	if fi, _ := os.Lstat(inst.Path); fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("%s is not a socket", inst.Path)
	}
}

func TestSymlinkedDirectoryIsRefused(t *testing.T) {
	dir := shortDir(t)
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	_, err := Acquire(Options{Key: KeyFor("x"), Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Acquire through a symlink = %v, want it refused", err)
	}
}

// A crashed owner (SIGKILL: no clean-up at all) leaves its socket; the
// next launch sees the lock free and takes over.
func TestStaleSocketOfAKilledOwnerIsTakenOver(t *testing.T) {
	o := Options{Key: KeyFor("demo"), Dir: shortDir(t)}
	cmd := startHolder(t, o)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Lstat(filepath.Join(o.Dir, o.Key+".sock")); err != nil {
		t.Fatalf("the killed owner's socket is gone (%v); the test needs it stale", err)
	}
	if err := Send(o, Request{Kind: Raise}); err == nil {
		t.Fatal("Send to a dead owner's socket succeeded")
	}
	inst, err := Join(o, Request{Kind: Raise})
	if err != nil || inst == nil {
		t.Fatalf("Join after the owner was killed = %v, %v; want to take over", inst, err)
	}
	defer inst.Close()
	if !inst.TookOver {
		t.Error("TookOver is false, want true after a crash")
	}
	rec := newRecorder()
	inst.Handle(rec.handle)
	if err := Send(o, Request{Kind: Raise}); err != nil {
		t.Fatalf("the new owner does not answer: %v", err)
	}
	rec.wait(t)
}

func TestBadRequestsAreRefused(t *testing.T) {
	inst, _, rec, logs := owned(t)
	for name, req := range map[string]string{
		"unknown":  "open-the-pod-bay-doors\n",
		"too long": strings.Repeat("a", MaxLine+10) + "\n",
		"no end":   "raise",
	} {
		c, err := net.Dial("unix", inst.Path)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, req)
		if uc, ok := c.(*net.UnixConn); ok {
			uc.CloseWrite()
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		ans, _ := io.ReadAll(c)
		c.Close()
		if !strings.HasPrefix(string(ans), "refused ") {
			t.Errorf("%s: answer %q, want refused", name, ans)
		}
	}
	if len(rec.got) != 0 {
		t.Errorf("bad requests reached the handler: %+v", rec.got)
	}
	if strings.Contains(logs.String(), "pod-bay") || strings.Contains(logs.String(), "aaaa") {
		t.Errorf("a refused request's content was logged:\n%s", logs.String())
	}
}

// owned is an instance in a fresh directory whose log the test reads,
// with a recorder as its handler.
func owned(t *testing.T) (*Instance, Options, *recorder, *logbuf.Buffer) {
	t.Helper()
	logs := &logbuf.Buffer{}
	o := Options{Key: KeyFor("x"), Dir: shortDir(t), Logger: slog.New(slog.NewTextHandler(logs, nil))}
	inst, err := Acquire(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close() })
	rec := newRecorder()
	inst.Handle(rec.handle)
	return inst, o, rec, logs
}

// Another user's process: refused by the 0700 directory, and — with the
// directory and socket opened up on purpose — by the peer check.
func TestAnotherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv")
	}
	// The other user needs to be able to run the test binary.
	bin, err := os.MkdirTemp("", "mlibin")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(bin)
	os.Chmod(bin, 0o755)
	exe, _ := os.Executable()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	copyExe := filepath.Join(bin, "instance.test")
	if err := os.WriteFile(copyExe, b, 0o755); err != nil {
		t.Fatal(err)
	}

	inst, o, rec, logs := owned(t)
	os.Chmod(filepath.Dir(o.Dir), 0o755) // the temporary parent; the instance's own stays 0700

	asNobody := func() string {
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", copyExe)
		cmd.Env = []string{"MAGICLINK_INSTANCE_HELPER=send", "KEY=" + o.Key, "DIR=" + o.Dir}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper as uid 65534: %v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out := asNobody(); !strings.Contains(out, "permission denied") {
		t.Errorf("another user reaching the 0700 directory: %q, want permission denied", out)
	}
	// Open the directory and socket to everyone: only the peer check is
	// left between the other user and the app.
	os.Chmod(o.Dir, 0o755)
	os.Chmod(inst.Path, 0o666)
	if out := asNobody(); !strings.Contains(out, ErrRefused.Error()) {
		t.Errorf("another user through an open socket: %q, want %q", out, ErrRefused)
	}
	if len(rec.got) != 0 {
		t.Errorf("another user's request reached the handler: %+v", rec.got)
	}
	if !strings.Contains(logs.String(), "peer is another user (uid 65534)") {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}
}

// testDir is the directory of a test's lock and socket.
func testDir(t *testing.T) string { return shortDir(t) }

// endpointGone checks that Close removed the socket file.
func endpointGone(t *testing.T, _ Options, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}
}
