package auth

import "runtime"

// keyringText is how the user is told the keyring failed, in the words of
// their system: what is unavailable, and what to do about it.
type keyringText struct {
	// Unavailable is a clause: "this computer's keyring isn't available (…)".
	Unavailable string
	// Fix is a sentence.
	Fix string
}

// keyringTextFor is keyringText for the operating system goos.
func keyringTextFor(goos string) keyringText {
	switch goos {
	case "windows":
		return keyringText{
			Unavailable: "Windows Credential Manager isn't available",
			Fix:         "Run Magiclink from your own Windows account (not as a service or another user) so it can use Credential Manager.",
		}
	case "darwin":
		return keyringText{
			Unavailable: "the macOS Keychain isn't available (it may be locked)",
			Fix:         "Unlock your login keychain in Keychain Access and start Magiclink again.",
		}
	}
	return keyringText{
		Unavailable: "this computer's keyring isn't available (no Secret Service is running, or it is locked)",
		Fix:         "On Linux, sign in to a desktop session with GNOME Keyring or KWallet unlocked.",
	}
}

// KeyringUnavailable is the clause that tells the user this system's
// keyring could not be used, e.g. "Windows Credential Manager isn't
// available".
func KeyringUnavailable() string { return keyringTextFor(runtime.GOOS).Unavailable }

// capitalize upper-cases the first letter of an ASCII clause.
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
