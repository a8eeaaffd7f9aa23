#!/bin/sh
# Signs Windows programs with Authenticode (osslsigncode), in place:
#   WINDOWS_SIGN_PFX=cert.pfx WINDOWS_SIGN_PASSWORD_FILE=pass.txt scripts/windows/sign.sh FILE...
# WINDOWS_SIGN_PFX        the code-signing certificate and its key (PKCS#12)
# WINDOWS_SIGN_PASSWORD_FILE
#                         a file holding the .pfx's password (never on the
#                         command line, where other users' ps would show it)
# WINDOWS_SIGN_TIMESTAMP  the RFC 3161 timestamp server; default
#                         http://timestamp.digicert.com; empty: no timestamp
#                         (a signature then ends with its certificate)
# scripts/windows/build.sh calls it for the exe, the installer and the
# uninstaller inside it when WINDOWS_SIGN_PFX is set.
set -eu
: "${WINDOWS_SIGN_PFX:?set WINDOWS_SIGN_PFX to the .pfx of a code-signing certificate}"
: "${WINDOWS_SIGN_PASSWORD_FILE:?set WINDOWS_SIGN_PASSWORD_FILE to a file holding the .pfx password}"
ts=${WINDOWS_SIGN_TIMESTAMP-http://timestamp.digicert.com}
if ! command -v osslsigncode >/dev/null 2>&1; then
	echo "sign.sh: osslsigncode is not installed (scripts/install-deps.sh windows installs it)" >&2
	exit 1
fi
# sign FILE signs one file in place.
sign() {
	if [ -n "$ts" ]; then
		osslsigncode sign -pkcs12 "$WINDOWS_SIGN_PFX" -readpass "$WINDOWS_SIGN_PASSWORD_FILE" -h sha256 \
			-n Magiclink -i https://github.com/magiclink/magiclink -ts "$ts" -in "$1" -out "$1.signed" >/dev/null
	else
		osslsigncode sign -pkcs12 "$WINDOWS_SIGN_PFX" -readpass "$WINDOWS_SIGN_PASSWORD_FILE" -h sha256 \
			-n Magiclink -i https://github.com/magiclink/magiclink -in "$1" -out "$1.signed" >/dev/null
	fi
	mv "$1.signed" "$1"
	echo "signed $1"
}
for f in "$@"; do
	sign "$f"
done
