//go:build unix && !darwin

package launch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExecQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/magiclink":       "/usr/bin/magiclink",
		"/home/a b/magiclink":      `"/home/a b/magiclink"`,
		`/tmp/$x"y\z`:              `"/tmp/\\$x\\"y\\\\z"`,
		"magiclink://authenticate": "magiclink://authenticate",
		"100%":                     "100%%",
	} {
		if got := execQuote(in); got != want {
			t.Errorf("execQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// Registration with the real xdg-mime, in a private HOME.
func TestRegisterAndUnregisterHandler(t *testing.T) {
	if _, err := exec.LookPath("xdg-mime"); err != nil {
		t.Skip("needs xdg-mime (xdg-utils)")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_DATA_DIRS", filepath.Join(home, "none"))
	t.Setenv("XDG_CONFIG_DIRS", filepath.Join(home, "none"))
	t.Setenv("XDG_CURRENT_DESKTOP", "")
	t.Setenv("DE", "generic")

	changed, err := RegisterHandler("magiclink://authenticate", "")
	if err != nil || !changed {
		t.Fatalf("RegisterHandler = %v, %v", changed, err)
	}
	entry, err := os.ReadFile(filepath.Join(home, "data", "applications", HandlerDesktopFile))
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	for _, want := range []string{"MimeType=x-scheme-handler/magiclink;\n", "Exec=" + execQuote(exe) + " --redirect-url magiclink://authenticate %u\n", "NoDisplay=true\n"} {
		if !strings.Contains(string(entry), want) {
			t.Errorf("the .desktop file lacks %q:\n%s", want, entry)
		}
	}
	out, err := exec.Command("xdg-mime", "query", "default", SchemeMIME).Output()
	if err != nil || strings.TrimSpace(string(out)) != HandlerDesktopFile {
		t.Fatalf("xdg-mime query default = %q, %v", out, err)
	}
	if changed, err := RegisterHandler("magiclink://authenticate", ""); err != nil || changed {
		t.Errorf("registering again = %v, %v; want no change", changed, err)
	}

	removed, err := UnregisterHandler()
	if err != nil || !removed {
		t.Fatalf("UnregisterHandler = %v, %v", removed, err)
	}
	if _, err := os.Stat(filepath.Join(home, "data", "applications", HandlerDesktopFile)); !os.IsNotExist(err) {
		t.Errorf("the .desktop file is still there: %v", err)
	}
	out, _ = exec.Command("xdg-mime", "query", "default", SchemeMIME).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("still the default after unregistering: %q", out)
	}
	if removed, err := UnregisterHandler(); err != nil || removed {
		t.Errorf("unregistering again = %v, %v; want nothing to do", removed, err)
	}
}
