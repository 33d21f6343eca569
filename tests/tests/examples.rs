//! The example patches in `examples/patches/` (the prototype's three test chains, the
//! five musical patches and the README demo): each one round-trips through JSON
//! unchanged, compiles, and with a note held renders finite, audible sound.
//!
//! Until every module kind they use has landed (stubs have no params), this test fails
//! listing each patch and what is missing: that is expected.

use std::path::PathBuf;

use chronus_engine::render;
use chronus_engine::{Patch, compile};
use chronus_tests::{frames, measure, note_events};

const SAMPLE_RATE: f32 = 48_000.0;
/// Seconds rendered per patch.
const SECONDS: f64 = 1.5;
/// A3 held for a second, then released.
const NOTES: &str = "57@0:1";
/// Quietest acceptable RMS over the render, dBFS.
const MIN_RMS_DB: f64 = -60.0;

fn example_patches() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/patches");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

/// What is wrong with one example, or `None` if it is fine.
fn problem(path: &PathBuf) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let patch = match Patch::from_json(&text) {
        Ok(p) => p,
        Err(e) => return Some(format!("does not parse: {e}")),
    };
    if patch.name.is_empty() {
        return Some("has no name".into());
    }
    match Patch::from_json(&patch.to_json()) {
        Ok(again) if again == patch => {}
        Ok(_) => return Some("changes when written back to JSON and read again".into()),
        Err(e) => return Some(format!("its own JSON does not parse: {e}")),
    }
    let mut graph = match compile::compile(&patch, SAMPLE_RATE) {
        Ok(g) => g,
        Err(e) => return Some(format!("does not compile: {e}")),
    };
    let out = render::render(
        &mut graph,
        &note_events(NOTES, SAMPLE_RATE),
        frames(SECONDS, SAMPLE_RATE),
        64,
    );
    for side in [&out.left, &out.right] {
        if !measure::all_finite(side) {
            return Some("renders NaN or infinite samples".into());
        }
        let rms_db = measure::db(measure::rms(side));
        if rms_db < MIN_RMS_DB {
            return Some(format!(
                "is too quiet: RMS {rms_db:.1} dBFS on one side (at least {MIN_RMS_DB} dBFS expected)"
            ));
        }
    }
    let peak_db = measure::db(f64::from(out.peak()));
    if peak_db > 0.0 {
        return Some(format!("clips: peak {peak_db:+.1} dBFS"));
    }
    None
}

#[test]
fn every_example_round_trips_compiles_and_sounds() {
    let paths = example_patches();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for required in [
        "01_sine.json",
        "02_sine_adsr.json",
        "03_full_chain.json",
        "demo.json",
    ] {
        assert!(names.iter().any(|n| n == required), "{required} missing");
    }
    assert!(paths.len() >= 9, "expected at least 9 examples: {names:?}");
    let problems: Vec<String> = paths
        .iter()
        .zip(&names)
        .filter_map(|(p, name)| problem(p).map(|e| format!("{name} {e}")))
        .collect();
    assert!(
        problems.is_empty(),
        "example patches with problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_prototype_chain_is_the_issue_example() {
    // 03_full_chain.json is the patch shown in the issue and the README, word for word.
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/patches/03_full_chain.json");
    let patch = Patch::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let kinds: Vec<&str> = patch.modules.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["simple_sine", "adsr", "biquad_filter", "output"]);
    let cables: Vec<String> = patch
        .connections
        .iter()
        .map(|c| format!("{} -> {}", c.from, c.to))
        .collect();
    assert_eq!(
        cables,
        [
            "osc1.out -> env1.in",
            "env1.out -> filt1.in",
            "filt1.out -> out.in"
        ]
    );
}
