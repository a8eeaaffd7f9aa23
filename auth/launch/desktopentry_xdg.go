//go:build unix && !darwin

package launch

import (
	"strings"

	"github.com/magiclink/magiclink/auth"
)

// desktopEntry is the user-level .desktop file: exe started with args and
// the link (%u), in dir, so it finds the same .env.
func desktopEntry(exe, dir string, args []string) string {
	cmd := []string{execQuote(exe)}
	for _, a := range args {
		cmd = append(cmd, execQuote(a))
	}
	cmd = append(cmd, "%u")
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=Magiclink\n")
	b.WriteString("Comment=Opens " + auth.DeepLinkScheme + ":// sign-in links in Magiclink\n")
	b.WriteString("Exec=" + strings.Join(cmd, " ") + "\n")
	if dir != "" && !strings.ContainsAny(dir, "\n\r") {
		b.WriteString("Path=" + dir + "\n")
	}
	b.WriteString("Icon=io.github.magiclink.magiclink\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("NoDisplay=true\n")
	b.WriteString("MimeType=" + SchemeMIME + ";\n")
	return b.String()
}

// execQuote quotes one argument of a .desktop Exec key as the Desktop
// Entry Specification says: reserved characters in double quotes, with ",
// `, $ and \ escaped, and % doubled.
func execQuote(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
		return a
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
	// The .desktop file's own escape layer doubles the backslashes again.
	return strings.ReplaceAll(`"`+r.Replace(a)+`"`, `\`, `\\`)
}
