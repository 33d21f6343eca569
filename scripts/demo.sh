#!/usr/bin/env bash
# The README's main job: builds the Chronus plugin bundles (VST3 + CLAP), renders the demo patch to demo.wav, and plays the
# prototype's "Test 4" multi-commit sequence (sine, then + adsr, then + biquad) through the
# hot-swap engine to test4.wav, printing what happened at every commit.
# Needs only the Rust toolchain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==== %s ====\n' "$*"; }

section "plugin bundles (release): Chronus.vst3 and Chronus.clap"
cargo xtask bundle chronus --release
bundled="${CARGO_TARGET_DIR:-target}/bundled"
echo "bundles in $bundled: copy Chronus.vst3 to ~/.vst3 and Chronus.clap to ~/.clap to use them in a DAW"

section "build the chronus CLI (release)"
cargo build --release --locked -p chronus-cli
chronus=target/release/chronus
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
  chronus="$CARGO_TARGET_DIR/release/chronus"
fi

section "demo patch -> demo.wav"
"$chronus" render examples/patches/demo.json --out demo.wav --seconds 6 \
  --notes "45@0:0.4,57@0.5:0.9,60@1:1.4,64@1.5:2.4v110,62@2.5:2.9,60@3:3.4,57@3.5:4.6v90"

section "prototype Test 4, committed live while playing -> test4.wav"
"$chronus" render examples/scripts/empty.json --script examples/scripts/test4.json \
  --out test4.wav --seconds 4
