# Sourced by the real-host scripts (run.sh, screenshot.sh): builds the plugin bundles
# unless told not to, and makes the Python venv with pedalboard and DawDreamer.
# Sets: root, target, bundled (the bundle directory), venv.
#
# Environment:
#   CARGO_TARGET_DIR     where cargo builds (default: <repo>/target); bundles are read from
#                        $CARGO_TARGET_DIR/bundled, as `cargo xtask bundle` writes them.
#   CHRONUS_HOST_VENV    the venv to use or create (default: <target>/host-venv).
#   CHRONUS_SKIP_BUNDLE  set to 1 to use existing bundles without running the bundler.
# shellcheck shell=bash

hosts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$hosts_dir/../.." && pwd)"
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
    echo "== installing the hosts ($(tr '\n' ' ' < "$hosts_dir/requirements.txt" | sed 's/#[^ ]* //g'))"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$hosts_dir/requirements.txt"
fi
