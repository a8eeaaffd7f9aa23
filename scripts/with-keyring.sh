#!/bin/sh
# Runs a command with a fresh, unlocked gnome-keyring on the current
# (private) D-Bus session, so tests use a real Secret Service without ever
# touching the user's own keyrings. Meant to be started by dbus-run-session:
#   dbus-run-session -- scripts/with-keyring.sh CMD...
set -eu
dir=$(mktemp -d "${TMPDIR:-/tmp}/magiclink-keyring.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# gnome-keyring keeps its keyrings in $XDG_DATA_HOME/keyrings.
export XDG_DATA_HOME="$dir/data"
mkdir -p "$XDG_DATA_HOME"
printf 'magiclink-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export MAGICLINK_REAL_KEYRING=1
status=0
"$@" || status=$?
exit "$status"
