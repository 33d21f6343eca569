#!/usr/bin/env bash
# The editor screenshot test: starts a virtual X display (Xvfb, Mesa software GL) with the
# openbox window manager, runs tests/hosts/screenshot.py in the host venv (DawDreamer opens
# the Chronus VST3 editor, the picture is captured and checked), and always tears the
# display down. The picture is kept at $target/screenshot/editor.png.
#
#   bash tests/hosts/screenshot.sh            # extra arguments go to screenshot.py
#   bash tests/hosts/screenshot.sh --out "$PWD/docs/editor.png"   # the README's picture
#
# Needs Xvfb, openbox, xdotool and ImageMagick (Debian: xvfb openbox xdotool imagemagick;
# .ci/run installs them). Without them the test is skipped, except under CI=true, where it
# fails. Environment: CARGO_TARGET_DIR, CHRONUS_HOST_VENV, CHRONUS_SKIP_BUNDLE (setup.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
for tool in Xvfb openbox xdotool import identify convert; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "screenshot test: missing ${missing[*]} (apt-get install xvfb openbox xdotool imagemagick)" >&2
    if [[ "${CI:-}" == true ]]; then
        exit 1
    fi
    echo "screenshot test SKIPPED (not on CI)"
    exit 0
fi

# shellcheck source=tests/hosts/setup.sh
source "$here/setup.sh"

work="$(mktemp -d)"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
teardown() {
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do  # openbox first, then Xvfb
        kill "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap teardown EXIT

SECONDS=0
# Xvfb picks a free display number itself and writes it to fd 3 once it accepts clients.
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    [[ -s "$work/display" ]] && break
    sleep 0.1
done
if [[ ! -s "$work/display" ]]; then
    echo "screenshot test: Xvfb did not start within 10 s" >&2
    cat "$work/xvfb.log" >&2
    exit 1
fi
DISPLAY=":$(head -n 1 "$work/display")"
export DISPLAY
# openbox runs its --startup command once it manages the screen.
openbox --startup "touch $work/wm-ready" >"$work/openbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    [[ -e "$work/wm-ready" ]] && break
    sleep 0.1
done
if [[ ! -e "$work/wm-ready" ]]; then
    echo "screenshot test: Xvfb + openbox did not start on $DISPLAY within 10 s" >&2
    cat "$work/openbox.log" >&2
    exit 1
fi
echo "== display $DISPLAY (Xvfb + openbox) ready in ${SECONDS} s"

status=0
"$venv/bin/python" "$here/screenshot.py" --vst3 "$bundled/Chronus.vst3" \
    --out "$target/screenshot/editor.png" "$@" || status=$?
echo "== screenshot test: ${SECONDS} s with the display set-up"
exit "$status"
