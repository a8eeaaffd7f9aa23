package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// RegisterHandler writes HKCU\Software\Classes\magiclink as Windows needs
// it for a URL scheme, leaves it alone when it is already right, and
// UnregisterHandler removes all of it. It changes the registry of the
// user running it, so it runs only where that is a throwaway: make
// e2e-windows runs it in a fresh Wine prefix with
// MAGICLINK_WINDOWS_REGISTRY_TEST=1.
func TestRegisterHandlerWritesHKCU(t *testing.T) {
	if os.Getenv("MAGICLINK_WINDOWS_REGISTRY_TEST") != "1" {
		t.Skip("changes this user's registry; make e2e-windows runs it in a throwaway Wine prefix")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The settings file this run read is named by its full path: Windows
	// starts a link's program in a folder of its own choosing. (Written
	// to the temporary folder and left there: Wine 8 cannot delete files
	// the way Go 1.27 asks it to.)
	envFile := filepath.Join(os.TempDir(), "magiclink-register-test.env")
	if err := os.WriteFile(envFile, []byte("STYTCH_REDIRECT_URL=magiclink://authenticate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := handlerCommand(exe, "magiclink://authenticate", envFile+".missing"); err != nil || strings.Contains(got, "--env-file") {
		t.Errorf("a settings file that does not exist is named: %s (%v)", got, err)
	}
	if got, err := handlerCommand(`C:\100%\magiclink.exe`, "magiclink://authenticate", ""); err == nil {
		t.Errorf("a path with %% was registered: %s", got)
	}
	changed, err := RegisterHandler("magiclink://authenticate", envFile)
	if err != nil || !changed {
		t.Fatalf("RegisterHandler = %v, %v; want true, nil", changed, err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, schemeKey+`\shell\open\command`, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	cmd, _, err := k.GetStringValue("")
	k.Close()
	if want := `"` + exe + `" "--redirect-url" "magiclink://authenticate" "--env-file" "` + envFile + `" "%1"`; err != nil || cmd != want {
		t.Fatalf("command = %q, %v; want %q", cmd, err, want)
	}
	root, err := registry.OpenKey(registry.CURRENT_USER, schemeKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := root.GetStringValue("URL Protocol"); err != nil {
		t.Errorf(`no "URL Protocol" value: %v`, err)
	}
	if name, _, _ := root.GetStringValue(""); !strings.Contains(name, "Magiclink") {
		t.Errorf("the scheme's name is %q", name)
	}
	root.Close()

	if changed, err := RegisterHandler("magiclink://authenticate", envFile); err != nil || changed {
		t.Fatalf("registering again = %v, %v; want false, nil (nothing to change)", changed, err)
	}
	if removed, err := UnregisterHandler(); err != nil || !removed {
		t.Fatalf("UnregisterHandler = %v, %v; want true, nil", removed, err)
	}
	if _, err := registry.OpenKey(registry.CURRENT_USER, schemeKey, registry.QUERY_VALUE); err == nil {
		t.Fatal(`HKCU\` + schemeKey + " is still there")
	}
	if removed, err := UnregisterHandler(); err != nil || removed {
		t.Fatalf("unregistering again = %v, %v; want false, nil", removed, err)
	}
}
