#!/bin/bash
# Takes the README's screenshots from the real app in demo mode, under a
# private Xvfb, keyring and demo emulator:
#   scripts/screenshots.sh dark docs/screenshots
#   scripts/screenshots.sh light /tmp/light
# Needs the test tools (scripts/install-deps.sh test) plus curl and python3.
set -u
THEME=${1:-dark}
cd "$(dirname "$0")/.." || exit 1
OUT=$(realpath -m "${2:-docs/screenshots}")
mkdir -p "$OUT"
export GOTOOLCHAIN=go1.27.3
go build -o /tmp/ml-shot ./cmd/magiclink || exit 1
D=:98
pkill -f "Xvfb $D" ; Xvfb $D -screen 0 1024x768x24 >/dev/null 2>&1 & XP=$!
sleep 1
H=$(mktemp -d); mkdir -p $H/run; chmod 700 $H/run
export DISPLAY=$D HOME=$H XDG_CONFIG_HOME=$H/config XDG_RUNTIME_DIR=$H/run LANG=C.UTF-8 FYNE_THEME=$THEME
export MAGICLINK_DEMO_ADDR=127.0.0.1:9311 STYTCH_REDIRECT_URL=http://localhost:3311/authenticate
dbus-run-session -- bash -c '
printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
cd '$H' && /tmp/ml-shot > '$H'/app.log 2>&1 &
sleep 3
W=$(xdotool search --name Magiclink | head -1)
shot() { sleep ${2:-0.7}; import -window $W '"$OUT"'/$1.png; }
shot signin
xdotool type --delay 30 "ada.lovelace@gmail.com"; xdotool key Return
sleep 1.5; shot inbox
xdotool key Escape; sleep 0.5
xdotool key ctrl+a; xdotool type --delay 20 "ada@example.com"; xdotool key Return; sleep 1.5
xdotool key shift+Tab; xdotool key Return; sleep 1.5
shot code
C=$(curl -s http://127.0.0.1:9311/dev/outbox | python3 -c "import json,sys; print([m for m in json.load(sys.stdin) if m[\"kind\"]==\"otp\"][0][\"code\"])")
xdotool type --delay 60 "$C"; sleep 2
shot profile 1
xdotool key Tab Tab space; sleep 1
xdotool key ctrl+a; xdotool type --delay 20 "ada.lovelace@gmail.com"; xdotool key Return; sleep 1.5
L=$(curl -s "http://127.0.0.1:9311/dev/outbox?to=ada.lovelace@gmail.com" | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"link\"])")
curl -s -X POST -H "Content-Type: application/json" -d "{\"advance\":\"2h\"}" http://127.0.0.1:9311/dev/clock >/dev/null
curl -sL "$L" >/dev/null; shot error 1
' 
kill $XP
