#!/bin/sh
# Builds the Windows release of magiclink on Linux with mingw-w64:
#   dist/windows/magiclink.exe                 GUI subsystem (no console window), with
#                                              the app icon, version information and a
#                                              manifest (per-monitor DPI awareness)
#   dist/magiclink-<version>-windows-amd64.zip magiclink.exe and README.txt
#   dist/magiclink-<version>-windows-amd64-setup.exe
#                                              a per-user installer (NSIS): Start menu
#                                              entry, Settings > Apps uninstall
# Called by `make windows`, which passes GO, VERSION, LDFLAGS and WINRES.
# OUT_DIR (default dist) is where they go. With WINDOWS_SIGN_PFX set, the
# exe, the installer and the uninstaller it writes are signed
# (scripts/windows/sign.sh says which variables it reads).
set -eu
cd "$(dirname "$0")/../.."
: "${GO:=go}" "${VERSION:?}" "${WINRES:?}" "${LDFLAGS:=}" "${OUT_DIR:=dist}"
sign=""
if [ -n "${WINDOWS_SIGN_PFX:-}" ]; then
	sign="$PWD/scripts/windows/sign.sh"
fi

# Absolute, because makensis runs with its own working directory.
mkdir -p "$OUT_DIR/windows"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
out=$OUT_DIR/windows
zip="$OUT_DIR/magiclink-$VERSION-windows-amd64.zip"
syso=cmd/magiclink/rsrc_windows_amd64.syso
# Windows version resources have four numbers.
winver=$(printf '%s' "$VERSION" | sed -E 's/^([0-9]+(\.[0-9]+){0,3}).*/\1/')
case "$winver" in
*.*.*.*) ;;
*.*.*) winver="$winver.0" ;;
*.*) winver="$winver.0.0" ;;
*) winver="$winver.0.0.0" ;;
esac

tmp=$(mktemp -d)
trap 'rm -f "$syso"; rm -rf "$tmp"' EXIT INT TERM
# The resources go in as a .syso next to main.go for this one build; its
# _windows_amd64 suffix keeps every other build from seeing it.
$GO run "$WINRES" simply --arch amd64 --out cmd/magiclink/rsrc --icon Icon.png --manifest gui \
	--product-name Magiclink --file-description "Magiclink — sign in with an emailed link" \
	--product-version "$winver" --file-version "$winver" --original-filename magiclink.exe \
	--copyright "The Magiclink authors"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	$GO build -ldflags "$LDFLAGS -H=windowsgui" -o "$out/magiclink.exe" ./cmd/magiclink
if [ -n "$sign" ]; then
	"$sign" "$out/magiclink.exe"
fi

cp scripts/windows/README.txt "$out/README.txt"
rm -f "$zip"
(cd "$out" && zip -q -X "../$(basename "$zip")" magiclink.exe README.txt)
setup="$OUT_DIR/magiclink-$VERSION-windows-amd64-setup.exe"
convert Icon.png -define icon:auto-resize=256,64,48,32,16 "$tmp/magiclink.ico"
# The finish page's side picture (164×314): the app icon on a light panel.
convert -size 164x314 xc:'#eef0f6' \( Icon.png -resize 112x112 \) -gravity north -geometry +0+56 -composite \
	-type TrueColor BMP3:"$tmp/side.bmp"
makensis -V2 -DVERSION="$VERSION" -DWINVER="$winver" -DSRCDIR="$out" -DICON="$tmp/magiclink.ico" -DSIDE="$tmp/side.bmp" \
	${sign:+-DSIGN="$sign"} -DOUTFILE="$setup" scripts/windows/installer.nsi
ls -l "$out/magiclink.exe" "$zip" "$setup"
