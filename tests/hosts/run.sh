#!/usr/bin/env bash
# Chronus in real hosts: builds the plugin bundles (release), makes a Python venv with
# pedalboard and DawDreamer, runs tests/hosts/check_hosts.py and prints the host x check
# matrix. Exit status: 0 when every cell passed.
#
#   bash tests/hosts/run.sh                 # everything
#   bash tests/hosts/run.sh --checks state  # extra arguments go to check_hosts.py
#
# Environment:
#   CARGO_TARGET_DIR     where cargo builds (default: <repo>/target); bundles are read from
#                        $CARGO_TARGET_DIR/bundled, as `cargo xtask bundle` writes them.
#   CHRONUS_HOST_VENV    the venv to use or create (default: <target>/host-venv).
#   CHRONUS_SKIP_BUNDLE  set to 1 to use existing bundles without running the bundler.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bundled="$target/bundled"
venv="${CHRONUS_HOST_VENV:-$target/host-venv}"

if [[ "${CHRONUS_SKIP_BUNDLE:-0}" != 1 || ! -d "$bundled/Chronus.vst3" ]]; then
    echo "== building the plugin bundles (cargo xtask bundle chronus --release)"
    start=$(date +%s)
    (cd "$root" && cargo xtask bundle chronus --release)
    echo "== bundles built in $(( $(date +%s) - start )) s"
fi
for bundle in "$bundled/Chronus.vst3" "$bundled/Chronus.clap"; do
    [[ -e "$bundle" ]] || { echo "missing $bundle" >&2; exit 2; }
done

if [[ ! -x "$venv/bin/python" ]]; then
    echo "== creating the host venv at $venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian/Ubuntu ship venv separately.
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv
        else
            echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)" >&2
            exit 2
        fi
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
fi
if ! "$venv/bin/python" -c "import pedalboard, dawdreamer, numpy" 2>/dev/null; then
    echo "== installing the hosts ($(tr '\n' ' ' < "$here/requirements.txt" | sed 's/#[^ ]* //g'))"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
fi

echo "== running the host checks"
exec "$venv/bin/python" "$here/check_hosts.py" --vst3 "$bundled/Chronus.vst3" "$@"
