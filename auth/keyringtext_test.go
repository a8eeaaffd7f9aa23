package auth

import (
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
