package launch

import (
	"github.com/magiclink/magiclink/auth"
)

// HandlerDesktopFile is the name of the user-level .desktop file that makes
// this app the handler of magiclink:// links on Linux and the BSDs.
const HandlerDesktopFile = "io.github.magiclink.magiclink-links.desktop"

// SchemeMIME is the MIME type desktops map a URL scheme's handler to.
const SchemeMIME = "x-scheme-handler/" + auth.DeepLinkScheme
