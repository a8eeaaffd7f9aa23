package instance

import (
	"errors"
	"io"
	"testing"
	"time"
)

// testDir is unused on Windows: the mutex and pipe need no directory.
func testDir(*testing.T) string { return "" }

// endpointGone checks that nothing answers on the pipe after Close.
func endpointGone(t *testing.T, path string) {
	t.Helper()
	if _, err := dial(Options{Key: keyOfPipe(path)}); err == nil {
		t.Errorf("the pipe %s still answers after Close", path)
	}
}

// keyOfPipe is the key in \\.\pipe\magiclink-<key>-<SID>.
func keyOfPipe(path string) string {
	const prefix = `\\.\pipe\magiclink-`
	rest := path[len(prefix):]
	for i := range rest {
		if rest[i] == '-' {
			return rest[:i]
		}
	}
	return rest
}

// A killed owner leaves nothing behind: its mutex and pipe go with its
// process, and the next launch becomes the instance.
func TestKilledOwnerIsReplaced(t *testing.T) {
	o := Options{Key: KeyFor(t.Name())}
	cmd := helper(t, "hold", o)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 8)
	if _, err := io.ReadFull(out, line); err != nil || string(line[:7]) != "holding" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}
	if _, err := Acquire(o); !errors.Is(err, ErrRunning) {
		t.Fatalf("Acquire while the helper holds it: %v, want ErrRunning", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		inst, err := Join(o, Request{Kind: Raise})
		if err == nil && inst != nil {
			inst.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Join after the owner was killed = %v, %v; want to become the instance", inst, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
