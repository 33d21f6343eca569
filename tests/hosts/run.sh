#!/usr/bin/env bash
# Chronus in real hosts: builds the plugin bundles (release), makes a Python venv with
# pedalboard and DawDreamer, runs tests/hosts/check_hosts.py and prints the host x check
# matrix. Exit status: 0 when every cell passed.
#
#   bash tests/hosts/run.sh                 # everything
#   bash tests/hosts/run.sh --checks state  # extra arguments go to check_hosts.py
#
# Environment: CARGO_TARGET_DIR, CHRONUS_HOST_VENV, CHRONUS_SKIP_BUNDLE (see setup.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/hosts/setup.sh
source "$here/setup.sh"

echo "== running the host checks"
exec "$venv/bin/python" "$here/check_hosts.py" --vst3 "$bundled/Chronus.vst3" "$@"
