//! Scripted renders (`chronus render --script`): parsing, and a render whose commits go
//! through the real primer while the render loop keeps going.

use std::path::Path;

use chronus_engine::Patch;
use chronus_engine::render::NoteSpec;
use chronus_engine::script::{self, Action, CommitSource, Pacing, Script, ScriptRender};
use chronus_engine::swap::{EngineOptions, Outcome};
use chronus_tests::measure;

const SR: f32 = 48_000.0;

const OUTPUT_ONLY: &str = r#"{"format": 1, "modules": [{"id": "out", "kind": "output"}]}"#;

#[test]
fn parses_every_verb_and_sorts_by_time() {
    let s = Script::from_json(
        r#"[
        {"at": 2.0, "commit": true, "silent": true},
        {"at": 0.5, "create": ["env1", "adsr"]},
        {"at": 0.5, "connect": ["osc1", "env1", 0.5]},
        {"at": 0.6, "disconnect": ["osc1", "out"]},
        {"at": 0.7, "remove": "env1"},
        {"at": 0.8, "gate": "env1", "on": false},
        {"at": 0.9, "set": "filt1.mode", "value": "highpass"},
        {"at": 1.0, "macro": 2, "value": 0.25},
        {"at": 1.1, "note_on": 60, "velocity": 90},
        {"at": 1.2, "note_off": 60},
        {"at": 1.3, "commit": "patches/b.json"},
        {"at": 1.4, "commit": {"format": 1, "modules": [{"id": "o", "kind": "sine"}]}},
        {"at": 2.1, "abort": true}
    ]"#,
    )
    .unwrap();
    let times: Vec<f64> = s.actions.iter().map(|a| a.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    // Equal times keep file order.
    assert!(matches!(s.actions[0].action, Action::Create { .. }));
    assert!(matches!(
        s.actions[1].action,
        Action::Connect { gain: 0.5, .. }
    ));
    assert_eq!(
        s.actions[4].action,
        Action::Gate {
            id: "env1".into(),
            on: false
        }
    );
    assert!(matches!(
        &s.actions[9].action,
        Action::Commit { source: CommitSource::File(p), silent: false } if p == Path::new("patches/b.json")
    ));
    assert!(matches!(
        s.actions[11].action,
        Action::Commit {
            source: CommitSource::Pending,
            silent: true
        }
    ));
    assert_eq!(s.actions[12].action, Action::Abort);
}

#[test]
fn malformed_actions_are_named() {
    let cases = [
        (
            r#"[{"at": 1, "commit": true}, {"commit": true}]"#,
            "script[1]: `at`",
        ),
        (r#"[{"at": 1}]"#, "exactly one verb"),
        (
            r#"[{"at": 1, "commit": true, "abort": true}]"#,
            "exactly one verb",
        ),
        (r#"[{"at": 1, "set": "filt1.cutoff"}]"#, "needs a `value`"),
        (r#"[{"at": 1, "macro": 17, "value": 1}]"#, "1..16"),
        (r#"[{"at": 1, "create": ["a"]}]"#, "array of 2 strings"),
        (
            r#"[{"at": 1, "abort": true, "value": 3}]"#,
            "`value` does not go with `abort`",
        ),
        (
            r#"[{"at": 1, "commit": {"format": 9, "modules": []}}]"#,
            "format 9",
        ),
        (r#"{"at": 1}"#, "JSON array"),
        ("[{", "invalid JSON at line 1"),
    ];
    for (text, expected) in cases {
        let err = Script::from_json(text).unwrap_err().to_string();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

/// The seeds' multi-commit idea with kinds available on every branch: a sine, then a
/// filter inserted, then a live cutoff change, an aborted commit, a file commit and a
/// NaN patch that must be rejected, all while rendering at 4x real time.
#[test]
fn a_scripted_render_commits_through_the_primer() {
    let dir = std::env::temp_dir().join(format!("chronus-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("b.json"),
        r#"{"format": 1, "modules": [
            {"id": "osc1", "kind": "sine", "params": {"freq": 330, "gain": 0.4}},
            {"id": "out", "kind": "output"}],
          "connections": [{"from": "osc1", "to": "out"}]}"#,
    )
    .unwrap();
    let script = Script::from_json(
        r#"[
        {"at": 0.10, "create": ["osc1", "simple_sine"]},
        {"at": 0.10, "connect": ["osc1", "out"]},
        {"at": 0.10, "commit": true},
        {"at": 0.40, "create": ["filt1", "biquad_filter"]},
        {"at": 0.40, "disconnect": ["osc1", "out"]},
        {"at": 0.40, "connect": ["osc1", "filt1"]},
        {"at": 0.40, "connect": ["filt1", "out"]},
        {"at": 0.40, "commit": true},
        {"at": 0.60, "set": "filt1.cutoff", "value": 300},
        {"at": 0.65, "connect": ["nope", "out"]},
        {"at": 0.80, "commit": {"format": 1, "modules": [{"id": "x", "kind": "sine", "params": {"freq": 99}}]}},
        {"at": 0.80, "abort": true},
        {"at": 1.00, "commit": "b.json"},
        {"at": 1.20, "create": ["bad", "test_nan"]},
        {"at": 1.20, "connect": ["bad", "out.left"]},
        {"at": 1.20, "commit": true},
        {"at": 9.00, "abort": true}
    ]"#,
    )
    .unwrap();
    let settings = ScriptRender {
        sample_rate: SR,
        seconds: 1.5,
        host_block: 256,
        notes: NoteSpec::parse_list("60@0:1.5").unwrap(),
        pacing: Pacing::Speed(4.0),
        options: EngineOptions::default(),
    };
    let (out, report) = script::render_script_with(
        &Patch::from_json(OUTPUT_ONLY).unwrap(),
        &script,
        &dir,
        &settings,
    )
    .unwrap();
    let text = report.to_string();
    println!("{text}");
    let outcomes: Vec<&str> = report
        .commits
        .iter()
        .map(|c| c.record.outcome.name())
        .collect();
    assert_eq!(
        outcomes,
        ["swapped", "swapped", "aborted", "swapped", "rejected"],
        "{text}"
    );
    let Outcome::Rejected(why) = &report.commits[4].record.outcome else {
        unreachable!()
    };
    assert_eq!(why.to_string(), "bad produced NaN after 0 blocks");
    for c in report
        .commits
        .iter()
        .filter(|c| c.record.outcome == Outcome::Swapped)
    {
        let at = (c.at * f64::from(SR)) as u64;
        let switch = c.record.switch_frame.unwrap();
        // Never waited for: the switch comes after the commit, within a few blocks.
        assert!(switch >= at && switch < at + 48_000 / 10, "{text}");
        assert!(c.record.prime.is_some());
    }
    assert!(text.contains("connect nope out: refused"), "{text}");
    assert!(text.contains("set filt1.cutoff = 300"), "{text}");
    assert!(text.contains("after the end of the render"), "{text}");
    assert!(text.contains("summary: 5 commits: 3 swapped, 1 rejected, 0 superseded, 1 aborted"));
    assert!(measure::all_finite(&out.left) && measure::all_finite(&out.right));
    // What played: 440 Hz before the file commit, 330 Hz after it.
    let freq = |from: f64, to: f64| {
        let s = &out.left[(from * 48_000.0) as usize..(to * 48_000.0) as usize];
        measure::frequency(s, 48_000.0, 50.0)
    };
    assert!((freq(0.2, 0.4) - 440.0).abs() < 0.5);
    assert!((freq(1.2, 1.5) - 330.0).abs() < 0.5);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_patch_file_is_reported_before_rendering() {
    let script = Script::from_json(r#"[{"at": 0.1, "commit": "missing.json"}]"#).unwrap();
    let err = script::render_script(
        &Patch::from_json(OUTPUT_ONLY).unwrap(),
        &script,
        Path::new("/nonexistent"),
        SR,
        1.0,
        256,
        &[],
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("script[0]: cannot read patch"),
        "{err}"
    );
}

/// The seeds' "Test 4" (the README's main job): sine, then + adsr, then + biquad, one
/// commit each, in real time. Every commit swaps, and the sound never stops.
#[test]
fn seed_test_4_as_a_script() {
    let script = Script::from_json(
        r#"[
        {"at": 0.2, "create": ["osc1", "simple_sine"]},
        {"at": 0.2, "connect": ["osc1", "out"]},
        {"at": 0.2, "commit": true},
        {"at": 0.6, "create": ["env1", "adsr"]},
        {"at": 0.6, "disconnect": ["osc1", "out"]},
        {"at": 0.6, "connect": ["osc1", "env1"]},
        {"at": 0.6, "connect": ["env1", "out"]},
        {"at": 0.6, "gate": "env1"},
        {"at": 0.6, "commit": true},
        {"at": 1.0, "create": ["filt1", "biquad_filter"]},
        {"at": 1.0, "disconnect": ["env1", "out"]},
        {"at": 1.0, "connect": ["env1", "filt1"]},
        {"at": 1.0, "connect": ["filt1", "out"]},
        {"at": 1.0, "commit": true}
    ]"#,
    )
    .unwrap();
    let (out, report) = script::render_script(
        &Patch::from_json(OUTPUT_ONLY).unwrap(),
        &script,
        Path::new("."),
        SR,
        1.4,
        512,
        &[],
    )
    .unwrap();
    println!("{report}");
    assert_eq!(report.count("swapped"), 3, "{report}");
    let first = report.commits[0].record.switch_frame.unwrap() as usize + 480;
    let quietest = out.left[first..]
        .chunks_exact(256)
        .map(measure::rms)
        .fold(f64::INFINITY, f64::min);
    assert!(measure::db(quietest) > -30.0, "silence gap: {quietest}");
}
