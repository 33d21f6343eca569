//! End-to-end tests of the `chronus` binary: exit statuses, messages and the WAV it
//! writes, run as a user would run it. Runs on the test harness's threads; each test
//! writes only into its own temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SINE: &str = r#"{ "format": 1, "name": "sine", "modules": [
    { "id": "osc1", "kind": "simple_sine", "params": { "freq": 440.0, "gain": 0.5 } } ] }"#;

/// A fresh directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chronus-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chronus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chronus"))
        .args(args)
        .output()
        .expect("run chronus")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn render_writes_float_stereo_wav_and_prints_its_levels() {
    let dir = temp_dir("render");
    let patch = write(&dir, "sine.json", SINE);
    let out = dir.join("sine.wav");
    let o = chronus(&[
        "render",
        &patch,
        "--out",
        out.to_str().unwrap(),
        "--seconds",
        "0.5",
        "--sample-rate",
        "44100",
        "--block",
        "17",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    // A 0.5 amplitude sine: peak -6.0 dBFS, RMS -9.0 dBFS.
    assert!(stdout.contains("22050 frames at 44100 Hz"), "{stdout}");
    assert!(stdout.contains("peak -6.0 dBFS, RMS -9.0 dBFS"), "{stdout}");
    assert!(stdout.contains("real time"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");

    let mut wav = hound::WavReader::open(&out).unwrap();
    let spec = wav.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 44_100, 32)
    );
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    let samples: Vec<f32> = wav.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(samples.len(), 2 * 22_050);
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!((peak - 0.5).abs() < 1e-3, "peak {peak}");
    // Mono patch: both sides equal.
    assert!(samples.chunks(2).all(|f| f[0] == f[1]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn render_refuses_bad_arguments_with_a_clear_message() {
    let dir = temp_dir("badargs");
    let patch = write(&dir, "sine.json", SINE);
    let out = dir.join("x.wav");
    let out = out.to_str().unwrap();
    for (args, expect) in [
        (vec!["--block", "0"], "--block"),
        (vec!["--block", "8193"], "--block"),
        (vec!["--sample-rate", "1000"], "--sample-rate"),
        (vec!["--seconds", "0"], "--seconds"),
        (vec!["--seconds", "100000"], "--seconds"),
        (vec!["--notes", "60@1"], "note `60@1`: missing `:`"),
        (vec!["--notes", "200@0:1"], "key must be 0..127"),
    ] {
        let mut all = vec!["render", &patch, "--out", out];
        all.extend(&args);
        let o = chronus(&all);
        assert!(!o.status.success(), "{args:?} should fail");
        let stderr = text(&o.stderr);
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    assert!(
        !dir.join("x.wav").exists(),
        "nothing written on bad arguments"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn render_reports_unwritable_output_and_missing_patch() {
    let dir = temp_dir("unwritable");
    let patch = write(&dir, "sine.json", SINE);
    let bad_out = dir.join("no/such/dir/x.wav");
    let o = chronus(&["render", &patch, "--out", bad_out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("cannot write"),
        "{}",
        text(&o.stderr)
    );

    let missing = dir.join("missing.json");
    let out = dir.join("x.wav");
    let o = chronus(&[
        "render",
        missing.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("missing.json: cannot read"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_lists_every_problem_with_file_and_location() {
    let dir = temp_dir("check");
    let good = write(&dir, "good.json", SINE);
    let bad = write(
        &dir,
        "bad.json",
        r#"{ "format": 1, "modules": [
            { "id": "osc1", "kind": "sine", "params": { "freq": 99999 } },
            { "id": "osc2", "kind": "sinus" },
            { "id": "out", "kind": "output" } ],
          "connections": [
            { "from": "osc1.out", "to": "out.in" },
            { "from": "osc1.out", "to": "ghost.in" } ] }"#,
    );
    let o = chronus(&["check", &good]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("good.json: ok (1 modules, 0 connections)"));

    let o = chronus(&["check", &good, &bad]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("bad.json: modules[0].params.freq: `osc1.freq` = 99999 is out of range"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.json: modules[1] `osc2`: unknown module kind `sinus`, did you mean"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.json: connections[1].to: unknown module `ghost`"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 2 patches have problems"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_catches_json_syntax_errors_with_line_and_column() {
    let dir = temp_dir("syntax");
    let bad = write(&dir, "syntax.json", "{ \"format\": 1,\n \"modules\": [,] }");
    let o = chronus(&["check", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("syntax.json: invalid patch JSON at line 2, column"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn modules_json_is_parseable_and_complete() {
    let o = chronus(&["modules", "--json"]);
    assert!(o.status.success());
    let kinds: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    for required in [
        "sine", "saw", "adsr", "biquad", "svf", "delay", "note", "output",
    ] {
        assert!(
            names.contains(&required),
            "{required} missing from {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n.starts_with("test_")), "{names:?}");
}

#[test]
fn render_script_commits_while_playing_and_reports_each_commit() {
    let dir = temp_dir("script");
    let patch = write(&dir, "sine.json", SINE);
    write(
        &dir,
        "quiet.json",
        r#"{ "format": 1, "modules": [
            { "id": "osc1", "kind": "sine", "params": { "freq": 440.0, "gain": 0.1 } } ] }"#,
    );
    let script = write(
        &dir,
        "script.json",
        r#"[ {"at": 0.2, "commit": "quiet.json"},
             {"at": 0.4, "commit": { "format": 1, "modules": [ { "id": "bad", "kind": "test_nan" } ] }},
             {"at": 0.5, "set": "osc1.gain", "value": 0.3} ]"#,
    );
    let out = dir.join("script.wav");
    let o = chronus(&[
        "render",
        &patch,
        "--script",
        &script,
        "--out",
        out.to_str().unwrap(),
        "--seconds",
        "0.8",
    ]);
    let stdout = text(&o.stdout);
    // test_nan is a test-only kind: the CLI's library has none, so the second commit
    // is refused as invalid, and the first one swaps in.
    assert!(o.status.success(), "{}\n{stdout}", text(&o.stderr));
    assert!(stdout.contains("commit #1: swapped"), "{stdout}");
    assert!(stdout.contains("commit #2: rejected"), "{stdout}");
    assert!(
        stdout.contains("summary: 2 commits: 1 swapped, 1 rejected"),
        "{stdout}"
    );

    let samples: Vec<f32> = hound::WavReader::open(&out)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let peak = |a: f64, b: f64| {
        left[(a * 48_000.0) as usize..(b * 48_000.0) as usize]
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()))
    };
    assert!((peak(0.0, 0.19) - 0.5).abs() < 0.01, "before the commit");
    assert!(
        (peak(0.3, 0.49) - 0.1).abs() < 0.01,
        "after the commit, rejection ignored"
    );
    assert!((peak(0.6, 0.8) - 0.3).abs() < 0.01, "after the live set");
}
