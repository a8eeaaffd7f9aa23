//go:build unix && !darwin

package launch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func dataHome() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".local", "share"), nil
}

func configHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".config"), nil
}

// RegisterHandler makes this executable the user's handler of magiclink://
// links: a user-level .desktop file in $XDG_DATA_HOME/applications
// declaring the scheme, made the default with xdg-mime. It reports
// whether anything changed (an identical registration is left alone).
// The entry starts the program in the current directory, so the envFile
// this run read (relative or not) is the one the link's launch reads.
func RegisterHandler(redirect, _ string) (bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return false, fmt.Errorf("could not find this program's path to register it for %s links: %w", SchemeMIME, err)
	}
	wd, _ := os.Getwd()
	data, err := dataHome()
	if err != nil {
		return false, err
	}
	dir := filepath.Join(data, "applications")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("could not create %s to register the %s handler: %w", dir, SchemeMIME, err)
	}
	path := filepath.Join(dir, HandlerDesktopFile)
	entry := desktopEntry(exe, wd, handlerArgs(redirect))
	if old, err := os.ReadFile(path); err == nil && string(old) == entry && isDefaultHandler() {
		return false, nil
	}
	if err := os.WriteFile(path, []byte(entry), 0o644); err != nil {
		return false, fmt.Errorf("could not write %s: %w", path, err)
	}
	if out, err := run("xdg-mime", "default", HandlerDesktopFile, SchemeMIME); err != nil {
		return true, fmt.Errorf("wrote %s, but could not make it the default for %s links (xdg-mime default: %v %s); install xdg-utils", path, SchemeMIME, err, out)
	}
	_, _ = run("update-desktop-database", dir) // optional: caches only
	return true, nil
}

// isDefaultHandler reports whether xdg-mime names this app's handler file.
func isDefaultHandler() bool {
	out, err := run("xdg-mime", "query", "default", SchemeMIME)
	return err == nil && strings.TrimSpace(out) == HandlerDesktopFile
}

// UnregisterHandler removes the user-level handler file and its default
// in mimeapps.list. It reports whether anything was there.
func UnregisterHandler() (bool, error) {
	data, err := dataHome()
	if err != nil {
		return false, err
	}
	dir := filepath.Join(data, "applications")
	removed := false
	err = os.Remove(filepath.Join(dir, HandlerDesktopFile))
	switch {
	case err == nil:
		removed = true
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("could not remove %s: %w", filepath.Join(dir, HandlerDesktopFile), err)
	}
	cfg, err := configHome()
	if err != nil {
		return removed, err
	}
	for _, list := range []string{filepath.Join(cfg, "mimeapps.list"), filepath.Join(dir, "mimeapps.list")} {
		changed, err := dropDefault(list)
		if err != nil {
			return removed, err
		}
		removed = removed || changed
	}
	_, _ = run("update-desktop-database", dir)
	return removed, nil
}

// dropDefault removes this app's handler from a mimeapps.list.
func dropDefault(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("could not read %s: %w", path, err)
	}
	var out []string
	changed := false
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == SchemeMIME {
			var keep []string
			for _, f := range strings.Split(v, ";") {
				if f = strings.TrimSpace(f); f != "" && f != HandlerDesktopFile {
					keep = append(keep, f)
				}
			}
			changed = true
			if len(keep) == 0 {
				continue
			}
			line = SchemeMIME + "=" + strings.Join(keep, ";") + ";"
		}
		out = append(out, line)
	}
	if !changed {
		return false, nil
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		return false, fmt.Errorf("could not update %s: %w", path, err)
	}
	return true, nil
}

func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
