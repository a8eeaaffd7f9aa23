package auth

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestRealKeyring runs against the operating system's keyring (on Linux a
// Secret Service such as gnome-keyring). `make test` runs it on a private
// D-Bus session with an unlocked gnome-keyring and sets MAGICLINK_REAL_KEYRING=1.
func TestRealKeyring(t *testing.T) {
	if os.Getenv("MAGICLINK_REAL_KEYRING") != "1" {
		t.Skip("set MAGICLINK_REAL_KEYRING=1 with a Secret Service running (make test does)")
	}
	ctx := context.Background()
	s := &KeyringStore{Service: "io.github.magiclink.magiclink.test", Account: "project-test-" + time.Now().Format("150405.000000")}
	t.Cleanup(func() { _ = s.Delete(ctx) })

	if _, err := s.Get(ctx); !errors.Is(err, ErrNoToken) {
		t.Fatalf("empty keyring: %v", err)
	}
	if err := s.Set(ctx, "session-token-1"); err != nil {
		t.Fatal(err)
	}
	// Visible to other programs through the Secret Service, not just us.
	if v, err := keyring.Get(s.Service, s.Account); err != nil || v != "session-token-1" {
		t.Fatalf("keyring.Get: %q %v", v, err)
	}
	if err := s.Set(ctx, "session-token-2"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(ctx); v != "session-token-2" {
		t.Fatalf("overwrite: %q", v)
	}
	// Windows' limit holds everywhere: the largest value fits, one byte
	// more is refused and leaves the stored value as it was.
	big := strings.Repeat("x", MaxSecretBytes)
	if err := s.Set(ctx, big); err != nil {
		t.Fatalf("a %d-byte value: %v", len(big), err)
	}
	if v, _ := s.Get(ctx); v != big {
		t.Fatalf("read back %d bytes, want %d", len(v), len(big))
	}
	var ke *KeyringError
	if err := s.Set(ctx, big+"y"); !errors.As(err, &ke) || !errors.Is(err, ErrSecretTooLarge) {
		t.Fatalf("a value over the limit: %v", err)
	}
	if v, _ := s.Get(ctx); v != big {
		t.Fatal("a refused value replaced the stored one")
	}
	if err := s.Set(ctx, "session-token-2"); err != nil {
		t.Fatal(err)
	}
	other := &KeyringStore{Service: s.Service, Account: "project-live-other"}
	if _, err := other.Get(ctx); !errors.Is(err, ErrNoToken) {
		t.Fatalf("account isolation: %v", err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Get(ctx); !errors.Is(err, ErrNoToken) {
		t.Fatalf("after delete: %v", err)
	}
}

// TestRealKeyringEndToEnd signs in through the emulator with the real
// keyring as the store, then restores from it in a new engine.
func TestRealKeyringEndToEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backendKind) {
		if os.Getenv("MAGICLINK_REAL_KEYRING") != "1" {
			t.Skip("set MAGICLINK_REAL_KEYRING=1 with a Secret Service running (make test does)")
		}
		h := newHarness(t, b)
		ks := &KeyringStore{Service: "io.github.magiclink.magiclink.test", Account: h.cfg.ProjectID + "-e2e"}
		t.Cleanup(func() { _ = ks.Delete(context.Background()) })
		h.store = ks
		e := h.signedOutEngine(t)
		s := h.signIn(e, "keyring@example.com")
		if s.Notice != "" {
			t.Fatalf("unexpected notice: %s", s.Notice)
		}
		if v, err := keyring.Get(ks.Service, ks.Account); err != nil || v == "" {
			t.Fatalf("not in the keyring: %v", err)
		}
		e.Close()
		e2 := h.engine()
		e2.Start()
		waitState(t, e2, StateSignedIn)
		e2.Logout()
		waitState(t, e2, StateSignedOut)
		if _, err := keyring.Get(ks.Service, ks.Account); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("still in the keyring after logout: %v", err)
		}
	})
}

func TestKeyringTimeout(t *testing.T) {
	s := &KeyringStore{Service: "x", Account: "y", Timeout: 20 * time.Millisecond}
	start := time.Now()
	_, err := s.do(context.Background(), "read", func() (string, error) {
		time.Sleep(time.Second)
		return "", nil
	})
	if !errors.Is(err, ErrKeyringTimeout) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
}
