#!/bin/sh
# Runs a command with an unlocked gnome-keyring on the current (private)
# D-Bus session, so tests use a real Secret Service. Meant to be started
# by dbus-run-session:  dbus-run-session -- scripts/with-keyring.sh CMD...
set -eu
printf 'magiclink-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export MAGICLINK_REAL_KEYRING=1
exec "$@"
