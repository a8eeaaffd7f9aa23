package auth

import (
	"context"
	"strings"
	"testing"
)

// Each system's keyring is named as its users know it, with its own fix.
func TestKeyringTextNamesTheSystemsKeyring(t *testing.T) {
	for goos, want := range map[string][]string{
		"linux":   {"this computer's keyring", "Secret Service", "GNOME Keyring or KWallet"},
		"freebsd": {"this computer's keyring", "Secret Service"},
		"windows": {"Windows Credential Manager", "your own Windows account"},
		"darwin":  {"macOS Keychain", "Keychain Access"},
	} {
		k := keyringTextFor(goos)
		notice := noKeyringNotice(goos)
		for _, w := range want {
			if !strings.Contains(k.Unavailable+" "+k.Fix, w) || !strings.Contains(notice, w) {
				t.Errorf("%s: %q / notice %q does not mention %q", goos, k.Unavailable+" "+k.Fix, notice, w)
			}
		}
		if !strings.HasSuffix(k.Fix, ".") || strings.HasSuffix(k.Unavailable, ".") {
			t.Errorf("%s: Fix must be a sentence and Unavailable a clause: %q / %q", goos, k.Fix, k.Unavailable)
		}
	}
	if got := capitalize("the macOS Keychain"); got != "The macOS Keychain" {
		t.Errorf("capitalize: %q", got)
	}
}

// tooLargeStore stores nothing and refuses every session as too large.
type tooLargeStore struct{ MemoryStore }

func (*tooLargeStore) Set(context.Context, string) error {
	return &KeyringError{Op: "write", Err: ErrSecretTooLarge}
}

// A session that does not fit in a keyring entry is kept for this run,
// and the user is told so, not that the keyring is unavailable.
func TestSessionTooLargeForTheKeyring(t *testing.T) {
	h := newHarness(t, backends[0])
	h.store = &tooLargeStore{}
	e := h.engine()
	e.Start()
	waitState(t, e, StateSignedOut)
	s := h.signIn(e, "large@example.com")
	if s.Profile == nil || s.Notice != tooLargeNotice {
		t.Fatalf("notice %q, profile %+v; want %q", s.Notice, s.Profile, tooLargeNotice)
	}
}
