package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows/registry"

	"github.com/magiclink/magiclink/auth"
)

// schemeKey is the per-user registration of the scheme: HKEY_CURRENT_USER,
// so no administrator rights are needed and other users are unaffected.
const schemeKey = `Software\Classes\` + auth.DeepLinkScheme

// RegisterHandler makes this executable the user's handler of magiclink://
// links: HKCU\Software\Classes\magiclink with "URL Protocol" and
// shell\open\command = "<exe>" --redirect-url <redirect> [--env-file "<path>"] "%1".
// Windows starts a link's program in a folder of its choosing, so the
// settings file this run read (envFile, or .env in the current folder,
// when it exists) is named by its full path.
func RegisterHandler(redirect, envFile string) (bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return false, fmt.Errorf("could not find this program's path to register it for %s:// links: %w", auth.DeepLinkScheme, err)
	}
	cmd, err := handlerCommand(exe, redirect, envFile)
	if err != nil {
		return false, err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, schemeKey+`\shell\open\command`, registry.SET_VALUE|registry.QUERY_VALUE)
	if err != nil {
		return false, fmt.Errorf(`could not create HKCU\%s: %w`, schemeKey, err)
	}
	defer k.Close()
	if old, _, err := k.GetStringValue(""); err == nil && old == cmd {
		return false, nil
	}
	if err := k.SetStringValue("", cmd); err != nil {
		return false, err
	}
	root, _, err := registry.CreateKey(registry.CURRENT_USER, schemeKey, registry.SET_VALUE)
	if err != nil {
		return true, err
	}
	defer root.Close()
	if err := root.SetStringValue("", "URL:Magiclink sign-in link"); err != nil {
		return true, err
	}
	return true, root.SetStringValue("URL Protocol", "")
}

// UnregisterHandler deletes HKCU\Software\Classes\magiclink.
func UnregisterHandler() (bool, error) {
	found := false
	for _, sub := range []string{`\shell\open\command`, `\shell\open`, `\shell`, ``} {
		err := registry.DeleteKey(registry.CURRENT_USER, schemeKey+sub)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, registry.ErrNotExist) && !errors.Is(err, os.ErrNotExist):
			return found, fmt.Errorf(`could not delete HKCU\%s%s: %w`, schemeKey, sub, err)
		}
	}
	return found, nil
}

// handlerCommand is the registered command line, every argument quoted.
// The shell replaces %1, %2, … in it and Windows splits it at quotes, so
// an argument holding '"' or '%' could not be passed through: refused.
func handlerCommand(exe, redirect, envFile string) (string, error) {
	args := append([]string{exe}, handlerArgs(redirect)...)
	if envFile == "" {
		envFile = ".env"
	}
	if abs, err := filepath.Abs(envFile); err == nil {
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			args = append(args, "--env-file", abs)
		}
	}
	quoted := make([]string, 0, len(args)+1)
	for _, a := range args {
		if strings.ContainsAny(a, `"%`) {
			return "", fmt.Errorf("can't register %s:// links: %q holds a quote or a %%, which a Windows handler's command line cannot pass on; move it to a folder whose path has neither", auth.DeepLinkScheme, a)
		}
		quoted = append(quoted, `"`+a+`"`)
	}
	return strings.Join(append(quoted, `"%1"`), " "), nil
}
