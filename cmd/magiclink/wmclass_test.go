package main

import (
	"os"
	"regexp"
	"testing"
)

// The .desktop file `fyne package` writes has StartupWMClass set to the
// FyneApp.toml Details.Name; the window's WM_CLASS class must be the same,
// or docks show the window under a generic icon.
func TestWMClassMatchesStartupWMClass(t *testing.T) {
	name := regexp.MustCompile(`(?m)^\s*Name\s*=\s*"([^"]*)"`)
	for _, path := range []string{"FyneApp.toml", "../../FyneApp.toml"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := name.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no Details Name", path)
		}
		if got := string(m[1]); got != wmClass {
			t.Errorf("%s: Name (the .desktop StartupWMClass) = %q, window WM_CLASS class = %q", path, got, wmClass)
		}
	}
}

// The Debian/RPM package's .desktop entry must name the same class.
func TestWMClassMatchesThePackagesDesktopEntry(t *testing.T) {
	b, err := os.ReadFile("../../scripts/package/io.github.magiclink.magiclink.desktop")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^StartupWMClass=(.*)$`).FindSubmatch(b)
	if m == nil || string(m[1]) != wmClass {
		t.Fatalf("StartupWMClass = %q, window WM_CLASS class = %q", m, wmClass)
	}
}
