#!/bin/sh
# Installs the system packages magiclink needs, when they are missing.
#   scripts/install-deps.sh run    C compiler, pkg-config and the X11/GL/Wayland/xkbcommon headers Fyne needs
#   scripts/install-deps.sh test   the above plus Xvfb, D-Bus, gnome-keyring, Chromium, xdotool, ImageMagick, Node.js with npm,
#                                  and for the package test debootstrap, appstreamcli, desktop-file-validate and rpm,
#                                  and for the Windows test mingw-w64 and Wine
#   scripts/install-deps.sh windows  mingw-w64 (the Windows C cross-compiler), zip, NSIS, ImageMagick and osslsigncode
# Uses apt-get directly as root, through sudo otherwise, and prints the
# command to run when neither is possible. Go itself is assumed.
set -eu

run_pkgs="gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev wayland-protocols"
windows_pkgs="gcc-mingw-w64-x86-64 zip nsis imagemagick osslsigncode"
test_pkgs="$windows_pkgs wine wine64 fonts-wine openssl xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools chromium xdotool x11-utils x11-apps imagemagick nodejs npm debootstrap appstream desktop-file-utils binutils file rpm"

case "${1:-run}" in
run) want="$run_pkgs" ;;
test) want="$run_pkgs $test_pkgs" ;;
windows) want="$windows_pkgs" ;;
*) echo "usage: $0 run|test|windows" >&2; exit 2 ;;
esac

if ! command -v go >/dev/null 2>&1; then
	echo "Go is not installed. Install Go 1.26 or newer from https://go.dev/dl/ and run this again." >&2
	exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "This is not a Debian/Ubuntu system; install the equivalents of these packages yourself:" >&2
	echo "  $want" >&2
	exit 0
fi

# Node.js from another source (NodeSource's nodejs package bundles npm and
# conflicts with Debian's npm) counts as installed: asking apt for Debian's npm
# there would replace that Node.js with Debian's older one.
have_cmd() {
	case "$1" in
	nodejs) command -v node >/dev/null 2>&1 ;;
	npm) command -v npm >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

missing=""
for p in $want; do
	have_cmd "$p" && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing"
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
	SUDO="sudo"
else
	echo "Missing system packages. Run this, then try again:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
