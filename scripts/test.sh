#!/usr/bin/env bash
# Runs every check Chronus has, in the order a failure is cheapest to find: formatting,
# lints, the whole test suite (debug build, opt-level 1), then the release-only stress
# tests, then the plugin in real hosts and its editor on a virtual display. This is the
# README's test command; .ci/run calls it. Needs the Rust toolchain (cargo, rustfmt,
# clippy) and python3: the host tests make their own venv with pedalboard and DawDreamer
# from PyPI (installing python3-venv with apt-get when run as root on a machine that lacks
# it). The editor screenshot test needs Xvfb, openbox, xdotool and ImageMagick (.ci/run
# installs them; elsewhere it is skipped without them, except under CI=true).
#
# Release-only stress tests: any tests/tests/stress*.rs file is also run with --release
# (mark its tests `#[cfg_attr(debug_assertions, ignore = "release only")]`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==== %s ====\n' "$*"; }

need() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    echo "error: cargo $1 is missing; install it with: rustup component add $2" >&2
    exit 1
  fi
}

section "toolchain"
rustc --version
cargo --version
need fmt rustfmt
need clippy clippy

section "format (cargo fmt --check)"
cargo fmt --all -- --check

section "lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

section "plugin bundles (cargo xtask bundle chronus --release)"
cargo xtask bundle chronus --release
# The CLAP host test in the workspace must find the bundle: never skip it here.
export CHRONUS_REQUIRE_BUNDLES=1

section "tests (cargo test --workspace)"
cargo test --workspace --locked --no-fail-fast

section "release-only stress tests"
shopt -s nullglob
stress=(tests/tests/stress*.rs)
if ((${#stress[@]} == 0)); then
  echo "none yet"
fi
for file in "${stress[@]}"; do
  name="$(basename "$file" .rs)"
  echo "-- $name"
  cargo test --locked --release -p chronus-tests --test "$name"
done

section "real hosts: Chronus.vst3 in pedalboard and DawDreamer"
CHRONUS_SKIP_BUNDLE=1 bash tests/hosts/run.sh

section "editor screenshot: DawDreamer opens the editor under Xvfb"
CHRONUS_SKIP_BUNDLE=1 bash tests/hosts/screenshot.sh

section "all checks passed"
