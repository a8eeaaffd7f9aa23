package instance

import (
	"testing"
	"time"
)

// testDir is unused on Windows: the mutex and pipe need no directory.
func testDir(*testing.T) string { return "" }

// endpointGone checks that nothing answers on the pipe of o after Close.
func endpointGone(t *testing.T, o Options, path string) {
	t.Helper()
	if _, err := dial(o); err == nil {
		t.Errorf("the pipe %s still answers after Close", path)
	}
}

// A killed owner leaves nothing behind: its mutex and pipe go with its
// process, and the next launch becomes the instance.
func TestKilledOwnerIsReplaced(t *testing.T) {
	o := Options{Key: KeyFor(t.Name())}
	cmd := startHolder(t, o)
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
