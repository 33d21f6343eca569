//! Hot swap (issue 3), asserted on rendered sound: the seeds' four commit sequences,
//! state carry-over, rejections, abort, live changes, the output guard, and graphs
//! freed off the audio thread. Every `process` call runs inside `assert_no_alloc` with the
//! `AllocDisabler` allocator: any allocation or free on the audio path aborts the test.

use chronus_engine::module::MAX_BLOCK_FRAMES;
use chronus_engine::patch::edit::PatchEditor;
use chronus_engine::render::Stereo;
use chronus_engine::swap::{CommitId, CommitOptions, EngineOptions, Outcome, Rejection};
use chronus_tests::measure;
use chronus_tests::note_events;
use chronus_tests::swap::{Rig, max_step, min_window_rms, patch};

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48_000.0;
/// Default crossfade, frames.
const FADE: usize = 480;

const OUTPUT_ONLY: &str = r#"{"format": 1, "modules": [{"id": "out", "kind": "output"}]}"#;

const SINE: &str = r#"{"format": 1, "modules": [
    {"id": "osc1", "kind": "sine", "params": {"freq": 440, "gain": 0.5}},
    {"id": "out", "kind": "output"}],
  "connections": [{"from": "osc1", "to": "out"}]}"#;

/// Frames in `seconds`.
fn frames(seconds: f64) -> usize {
    (seconds * f64::from(SR)).round() as usize
}

/// Largest step of `json` played alone (after `settle` seconds, for `seconds`), with the
/// given gates open. With `settle` 0 the patch's own onset (an envelope's attack peak)
/// counts: a swap may make the steps the patch itself makes, never larger ones.
fn steady_step(json: &str, gates: &[&str], settle: f64, seconds: f64) -> f64 {
    let mut rig = Rig::new(json, SR, 256);
    for g in gates {
        rig.control.gate(g, true).unwrap();
    }
    rig.run_to(settle + seconds);
    max_step(&rig.out, frames(settle), rig.frames())
}

/// Asserts the step criterion around a switch at `at`: no step larger than the largest
/// steady-state step of either patch (1e-4 of relative slack for rounding).
fn assert_no_click(out: &Stereo, at: usize, old_step: f64, new_step: f64, what: &str) {
    let around = max_step(out, at.saturating_sub(MAX_BLOCK_FRAMES), at + FADE + 2048);
    let limit = old_step.max(new_step) * (1.0 + 1e-4);
    println!(
        "{what}: largest step around the switch {around:.5} (old patch alone {old_step:.5}, \
         new patch alone {new_step:.5})"
    );
    assert!(
        around <= limit,
        "{what}: step {around:.5} around the switch at {at} exceeds the steady steps \
         (old {old_step:.5}, new {new_step:.5})"
    );
}

fn assert_swapped(rig: &mut Rig, id: CommitId) -> usize {
    let record = rig.record(id);
    assert_eq!(record.outcome, Outcome::Swapped, "{record}");
    rig.switch_frame(id)
}

// ---------------------------------------------------------------------------------
// The seeds' four sequences (prototype "Test 1" .. "Test 4"), as editing verbs.

/// Applies the seeds' verbs for one stage to `editor`.
fn seed_stage(editor: &mut PatchEditor, stage: u8) {
    match stage {
        // Test 1: one oscillator.
        1 => {
            editor.create("osc1", "simple_sine").unwrap();
            editor.connect("osc1", "out").unwrap();
        }
        // + envelope (the prototype primed it with its gate held open).
        2 => {
            editor.create("env1", "adsr").unwrap();
            editor.disconnect("osc1", "out").unwrap();
            editor.connect("osc1", "env1").unwrap();
            editor.connect("env1", "out").unwrap();
            editor.gate("env1", true).unwrap();
        }
        // + filter.
        3 => {
            editor.create("filt1", "biquad_filter").unwrap();
            editor.disconnect("env1", "out").unwrap();
            editor.connect("env1", "filt1").unwrap();
            editor.connect("filt1", "out").unwrap();
        }
        _ => unreachable!(),
    }
}

/// Runs seed stages `stages` as one commit each (or all at once when `together`),
/// 0.3 s apart, and checks: every commit swapped, no gap of silence after the first
/// sound, no click at any switch.
fn seed_sequence(stages: &[u8], together: bool) {
    let mut rig = Rig::new(OUTPUT_ONLY, SR, 256);
    let mut editor = PatchEditor::new(patch(OUTPUT_ONLY));
    let mut switches = Vec::new();
    let mut old_json = OUTPUT_ONLY.to_owned();
    rig.run_to(0.1);
    let groups: Vec<Vec<u8>> = if together {
        vec![stages.to_vec()]
    } else {
        stages.iter().map(|s| vec![*s]).collect()
    };
    for group in groups {
        for &stage in &group {
            seed_stage(&mut editor, stage);
        }
        for (module, on) in editor.gates() {
            rig.control.gate(module.as_str(), *on).unwrap();
        }
        let new_json = editor.pending().to_json();
        editor.commit().expect("seed patch validates");
        let id = rig.commit(&new_json);
        rig.run(frames(0.3));
        let at = assert_swapped(&mut rig, id);
        let gates: Vec<&str> = editor.gates().keys().map(|m| m.as_str()).collect();
        switches.push((at, old_json.clone(), new_json.clone(), gates.join(",")));
        old_json = new_json;
    }
    rig.run(frames(0.2));
    let out = rig.out.clone();
    assert!(measure::all_finite(&out.left) && measure::all_finite(&out.right));
    let first = switches[0].0;
    let gap = min_window_rms(&out, first + FADE, out.len(), MAX_BLOCK_FRAMES * 4);
    assert!(
        measure::db(gap) > -30.0,
        "a {} ms window after the first switch fell to {:.1} dBFS (silence gap)",
        MAX_BLOCK_FRAMES * 4 * 1000 / SR as usize,
        measure::db(gap)
    );
    for (at, old, new, gates) in &switches {
        let gates: Vec<&str> = gates.split(',').filter(|g| !g.is_empty()).collect();
        let old_step = steady_step(old, &gates, 0.0, 0.5);
        let new_step = steady_step(new, &gates, 0.0, 0.5);
        assert_no_click(&out, *at, old_step, new_step, &format!("switch at {at}"));
    }
}

#[test]
fn seed_test_1_single_oscillator() {
    seed_sequence(&[1], false);
}

#[test]
fn seed_test_2_oscillator_and_envelope() {
    seed_sequence(&[1, 2], true);
}

#[test]
fn seed_test_3_full_chain() {
    seed_sequence(&[1, 2, 3], true);
}

#[test]
fn seed_test_4_multi_commit_cycles() {
    seed_sequence(&[1, 2, 3], false);
}

// ---------------------------------------------------------------------------------
// State carry-over.

/// A sine following the keyboard, its level from macro 1, through a resonant lowpass and
/// a feedback delay (oscillator phase, filter memory and delay line all carry state);
/// the `extra` variant adds two modules off the signal path.
fn keyboard_sine(extra: bool) -> String {
    let extra_modules = if extra {
        r#", {"id": "idle", "kind": "sine", "params": {"freq": 3}},
           {"id": "idle2", "kind": "macro", "params": {"index": 2}}"#
    } else {
        ""
    };
    format!(
        r#"{{"format": 1, "modules": [
            {{"id": "kb", "kind": "note"}},
            {{"id": "vol", "kind": "macro", "params": {{"index": 1, "min": 0.1, "max": 0.6}}}},
            {{"id": "osc1", "kind": "sine", "params": {{"freq": 440, "gain": 0}}}},
            {{"id": "filt1", "kind": "biquad", "params": {{"cutoff": 900, "q": 4}}}},
            {{"id": "dly", "kind": "delay", "params": {{"time": 30, "feedback": 0.5, "mix": 0.4}}}},
            {{"id": "out", "kind": "output"}}{extra_modules}],
          "connections": [
            {{"from": "kb.pitch", "to": "osc1.freq"}},
            {{"from": "vol", "to": "osc1.gain"}},
            {{"from": "osc1", "to": "filt1"}},
            {{"from": "filt1", "to": "dly"}},
            {{"from": "dly", "to": "out"}}]}}"#
    )
}

/// Plays the keyboard sine with notes, a macro glide and a live `set` glide in progress
/// at 0.25 s, committing `commit` (when given) at 0.25 s.
fn carry_render(commit: Option<&str>) -> (Stereo, Option<usize>) {
    let notes = note_events("57@0:0.4,64@0.2:0.6,60@0.45:0.9", SR);
    let mut rig = Rig::new(&keyboard_sine(false), SR, 200).with_events(notes);
    rig.run_to(0.24);
    rig.control.set_macro(1, 0.8).unwrap();
    rig.control.set("osc1", "freq", 523.25).unwrap();
    rig.run(100);
    let mut switched = None;
    if let Some(json) = commit {
        let id = rig.commit(json);
        rig.run_to(0.9);
        switched = Some(assert_swapped(&mut rig, id));
        let record = rig.record(id);
        assert_eq!(record.carried, Some((6, 8)), "{record}");
    }
    rig.run_to(0.9);
    (rig.out, switched)
}

#[test]
fn carry_over_of_an_edit_off_the_signal_path_is_sample_identical() {
    let (reference, _) = carry_render(None);
    let (swapped, at) = carry_render(Some(&keyboard_sine(true)));
    let at = at.unwrap();
    // The switch landed while the macro and the param were still gliding.
    assert!(
        (frames(0.24)..frames(0.24) + 1000).contains(&at),
        "switch at {at}"
    );
    let diff = measure::max_diff(&reference.left, &swapped.left)
        .max(measure::max_diff(&reference.right, &swapped.right));
    assert!(diff < 1e-6, "carry-over changed the output by {diff}");
    assert!(measure::rms(&swapped.left[at..at + FADE]) > 0.05);
}

/// The sine with a unity-gain module (`vca` at gain 1) inserted before the output.
const SINE_THROUGH_VCA: &str = r#"{"format": 1, "modules": [
    {"id": "osc1", "kind": "sine", "params": {"freq": 440, "gain": 0.5}},
    {"id": "amp", "kind": "vca", "params": {"gain": 1}},
    {"id": "out", "kind": "output"}],
  "connections": [{"from": "osc1", "to": "amp"}, {"from": "amp", "to": "out"}]}"#;

#[test]
fn carry_over_of_an_inserted_unity_gain_module_is_sample_identical() {
    let mut reference = Rig::new(SINE, SR, 256);
    reference.run_to(0.5);
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run_to(0.2);
    let id = rig.commit(SINE_THROUGH_VCA);
    rig.run_to(0.5);
    assert_swapped(&mut rig, id);
    let diff = measure::max_diff(&reference.out.left, &rig.out.left);
    assert!(
        diff < 1e-6,
        "inserting a unity vca changed the output by {diff}"
    );
}

#[test]
fn a_params_only_commit_equals_a_live_set_and_needs_no_crossfade() {
    let filtered = |mode: &str, cutoff: u32| {
        format!(
            r#"{{"format": 1, "modules": [
            {{"id": "osc1", "kind": "sine", "params": {{"freq": 440, "gain": 0.5}}}},
            {{"id": "filt1", "kind": "biquad", "params": {{"mode": "{mode}", "cutoff": {cutoff}}}}},
            {{"id": "out", "kind": "output"}}],
          "connections": [{{"from": "osc1", "to": "filt1"}}, {{"from": "filt1", "to": "out"}}]}}"#
        )
    };
    let mut live = Rig::new(&filtered("lowpass", 2000), SR, 256);
    live.run_to(0.2);
    live.control.set("filt1", "cutoff", 500.0).unwrap();
    live.run_to(0.5);
    let mut rig = Rig::new(&filtered("lowpass", 2000), SR, 256);
    rig.run_to(0.2);
    let id = rig.commit(&filtered("lowpass", 500));
    rig.run_to(0.5);
    assert_swapped(&mut rig, id);
    let record = rig.record(id);
    assert_eq!(record.crossfade_frames, Some(0), "{record}");
    assert_eq!(
        live.out, rig.out,
        "a params-only commit differs from a live set"
    );
    // A choice param (the filter mode) jumps, so that commit is crossfaded.
    let id = rig.commit(&filtered("highpass", 500));
    rig.run_to(0.8);
    assert_swapped(&mut rig, id);
    assert_eq!(rig.record(id).crossfade_frames, Some(FADE as u32));
}

#[test]
fn the_sounding_patch_saves_live_sets_and_plays_like_them() {
    let filtered = |cutoff: u32| {
        format!(
            r#"{{"format": 1, "modules": [
            {{"id": "osc1", "kind": "saw", "params": {{"freq": 220, "gain": 0.5}}}},
            {{"id": "filt1", "kind": "biquad", "params": {{"mode": "lowpass", "cutoff": {cutoff}}}}},
            {{"id": "out", "kind": "output"}}],
          "connections": [{{"from": "osc1", "to": "filt1"}}, {{"from": "filt1", "to": "out"}}]}}"#
        )
    };
    let mut live = Rig::new(&filtered(2000), SR, 256);
    live.run_to(0.1);
    live.control.set("filt1", "cutoff", 500.0).unwrap();
    live.control.set("filt1", "mode", 1.0).unwrap(); // highpass
    live.run_to(0.5);
    let saved = live.control.sounding_patch();
    let filt = saved.module("filt1").unwrap();
    assert_eq!(filt.params["cutoff"], 500.0_f32.into(), "{:?}", filt.params);
    assert_eq!(
        filt.params["mode"],
        chronus_engine::patch::ParamValue::Choice("highpass".into())
    );
    assert_eq!(
        live.control.active_patch(),
        &patch(&filtered(2000)),
        "not committed"
    );

    // The saved patch, played from scratch, sounds like the live one once settled.
    let mut fresh = Rig::new(&saved.to_json(), SR, 256);
    fresh.run_to(0.5);
    let tail = frames(0.4)..frames(0.5);
    let diff = live.out.left[tail.clone()]
        .iter()
        .zip(&fresh.out.left[tail.clone()])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f32, f32::max);
    let level = measure::rms(&live.out.left[tail]);
    println!("saved vs live: largest difference {diff:.2e} at RMS {level:.3}");
    assert!(
        level > 0.01 && diff < 1e-3,
        "difference {diff} at RMS {level}"
    );

    // A commit that changes the param wins over the live value.
    let id = live.commit(&filtered(3000));
    live.run_to(0.7);
    assert_swapped(&mut live, id);
    let saved = live.control.sounding_patch();
    assert_eq!(
        saved.module("filt1").unwrap().params["cutoff"],
        3000.0_f32.into()
    );
}

#[test]
fn a_commit_that_changes_a_param_glides_to_it() {
    let louder = SINE.replace("\"gain\": 0.5", "\"gain\": 0.8");
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run_to(0.2);
    let id = rig.commit(&louder);
    rig.run_to(0.5);
    let at = assert_swapped(&mut rig, id);
    let old_step = steady_step(SINE, &[], 0.1, 0.2);
    let new_step = steady_step(&louder, &[], 0.1, 0.2);
    assert_no_click(&rig.out, at, old_step, new_step, "gain change");
    let after = measure::peak(&rig.out.left[at + 2 * FADE..]);
    assert!((after - 0.8).abs() < 1e-3, "level after the switch {after}");
}

// ---------------------------------------------------------------------------------
// Rejections: never reach the speakers, output identical to never committing.

/// Renders SINE for 0.5 s, committing `bad` at 0.2 s; returns the rejection and checks
/// the output is sample-identical to not committing.
fn rejected(bad: &str) -> Rejection {
    let mut reference = Rig::new(SINE, SR, 256);
    reference.run_to(0.5);
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run_to(0.2);
    let id = rig.commit(bad);
    rig.run_to(0.5);
    let record = rig.record(id);
    assert_eq!(rig.control.status().active_commit, CommitId(0));
    assert_eq!(
        reference.out, rig.out,
        "a rejected commit changed the output"
    );
    match record.outcome {
        Outcome::Rejected(why) => why,
        other => panic!("expected a rejection, got {other}"),
    }
}

/// SINE plus a misbehaving module on the output's left input.
fn sine_plus(kind: &str, after_ms: f32) -> String {
    format!(
        r#"{{"format": 1, "modules": [
            {{"id": "osc1", "kind": "sine", "params": {{"freq": 440, "gain": 0.5}}}},
            {{"id": "filt1", "kind": "{kind}", "params": {{"after": {after_ms}}}}},
            {{"id": "out", "kind": "output"}}],
          "connections": [{{"from": "osc1", "to": "out"}}, {{"from": "filt1", "to": "out.left"}}]}}"#
    )
}

#[test]
fn nan_is_rejected_naming_the_module() {
    let why = rejected(&sine_plus("test_nan", 0.0));
    assert_eq!(why.to_string(), "filt1 produced NaN after 0 blocks");
    // 3.5 blocks of good behaviour first.
    let why = rejected(&sine_plus("test_nan", 3.5 * 64.0 * 1000.0 / SR));
    assert_eq!(why.to_string(), "filt1 produced NaN after 3 blocks");
}

#[test]
fn a_blow_up_is_rejected_at_the_ceiling() {
    let why = rejected(&sine_plus("test_explode", 0.0));
    let Rejection::TooLoud {
        peak_dbfs,
        ceiling_dbfs,
    } = why
    else {
        panic!("expected TooLoud, got {why}");
    };
    assert!(peak_dbfs > 12.0 && ceiling_dbfs == 12.0);
    assert!(
        why.to_string().contains("exceeds the +12.0 dBFS ceiling"),
        "{why}"
    );
}

#[test]
fn silent_by_mistake_is_rejected() {
    let why = rejected(&SINE.replace("\"gain\": 0.5", "\"gain\": 0"));
    assert!(matches!(why, Rejection::Silent { .. }), "{why}");
    assert!(
        why.to_string().starts_with("silent: RMS -inf dBFS"),
        "{why}"
    );
    // The output level at zero is the same mistake.
    let muted = SINE.replace(
        r#"{"id": "out", "kind": "output"}"#,
        r#"{"id": "out", "kind": "output", "params": {"level": 0}}"#,
    );
    assert!(matches!(rejected(&muted), Rejection::Silent { .. }));
}

#[test]
fn a_vca_at_gain_zero_is_silent_by_mistake() {
    let bad = SINE_THROUGH_VCA.replace("\"gain\": 1}", "\"gain\": 0}");
    assert!(matches!(rejected(&bad), Rejection::Silent { .. }));
}

#[test]
fn an_invalid_patch_is_rejected_with_the_compiler_message() {
    let why = rejected(&SINE.replace("\"sine\"", "\"sinus\""));
    assert!(
        why.to_string().contains("unknown module kind `sinus`"),
        "{why}"
    );
}

#[test]
fn patches_silent_by_construction_are_accepted() {
    let effect = r#"{"format": 1, "modules": [
        {"id": "in", "kind": "audio_in"}, {"id": "out", "kind": "output"}],
      "connections": [{"from": "in", "to": "out"}]}"#;
    let unwired = r#"{"format": 1, "modules": [
        {"id": "osc1", "kind": "sine"}, {"id": "out", "kind": "output"}]}"#;
    // A volume macro turned down: silent at the current setting only.
    let macro_volume = r#"{"format": 1, "modules": [
        {"id": "vol", "kind": "macro", "params": {"index": 3, "min": 0, "max": 0.5}},
        {"id": "osc1", "kind": "sine", "params": {"gain": 0}},
        {"id": "out", "kind": "output"}],
      "connections": [{"from": "vol", "to": "osc1.gain"}, {"from": "osc1", "to": "out"}]}"#;
    let mut rig = Rig::new(SINE, SR, 256);
    for (json, why) in [
        (OUTPUT_ONLY, Some("no sound source reaches the output")),
        (effect, Some("the output depends on the audio input")),
        (unwired, Some("no sound source reaches the output")),
        (macro_volume, None),
    ] {
        let id = rig.commit(json);
        rig.run(frames(0.1));
        let record = rig.record(id);
        assert_eq!(record.outcome, Outcome::Swapped, "{record}");
        assert_eq!(record.silence_exempt, why, "{record}");
    }
    // Declared silent: the silence check is skipped, the other checks are not.
    let muted = SINE.replace("\"gain\": 0.5", "\"gain\": 0");
    let declared = CommitOptions {
        expect_silent: true,
    };
    let id = rig.commit_with(&muted, declared);
    rig.run(frames(0.1));
    assert_eq!(rig.record(id).outcome, Outcome::Swapped);
    let id = rig.commit_with(&sine_plus("test_nan", 0.0), declared);
    rig.run(frames(0.1));
    assert!(matches!(rig.record(id).outcome, Outcome::Rejected(_)));
}

// ---------------------------------------------------------------------------------
// Abort, live changes, guard, settings, bookkeeping.

#[test]
fn abort_cancels_a_pending_commit() {
    let mut reference = Rig::new(SINE, SR, 256);
    reference.run_to(0.4);
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run_to(0.2);
    let id = rig.control.commit(patch(&SINE.replace("440", "660")));
    rig.control.abort();
    assert!(
        rig.control
            .wait_primer_idle(chronus_tests::swap::PRIMER_TIMEOUT)
    );
    rig.run_to(0.4);
    assert_eq!(rig.record(id).outcome, Outcome::Aborted);
    assert_eq!(reference.out, rig.out);
    // The engine still takes later commits.
    let id = rig.commit(&SINE.replace("440", "660"));
    rig.run(frames(0.1));
    assert_eq!(rig.record(id).outcome, Outcome::Swapped);
}

#[test]
fn live_set_glides_without_a_click_and_survives_commits() {
    let mut rig = Rig::new(SINE, SR, 128);
    rig.run_to(0.2);
    rig.control.set("osc1", "gain", 0.25).unwrap();
    rig.run_to(0.4);
    let before = measure::peak(&rig.out.left[frames(0.1)..frames(0.2)]);
    let after = measure::peak(&rig.out.left[frames(0.3)..frames(0.4)]);
    assert!((before - 0.5).abs() < 1e-3 && (after - 0.25).abs() < 1e-3);
    assert!(max_step(&rig.out, 0, rig.frames()) <= steady_step(SINE, &[], 0.1, 0.2) + 1e-6);
    // A commit that leaves `gain` as the patch had it keeps the live value...
    let id = rig.commit(&SINE.replace("440", "330"));
    rig.run_to(0.7);
    assert_swapped(&mut rig, id);
    let kept = measure::peak(&rig.out.left[frames(0.6)..frames(0.7)]);
    assert!((kept - 0.25).abs() < 1e-3, "live gain lost: {kept}");
    // ... one that changes it wins.
    let id = rig.commit(&SINE.replace("\"gain\": 0.5", "\"gain\": 0.4"));
    rig.run_to(1.0);
    assert_swapped(&mut rig, id);
    let new = measure::peak(&rig.out.left[frames(0.9)..frames(1.0)]);
    assert!(
        (new - 0.4).abs() < 1e-3,
        "committed gain not applied: {new}"
    );
    assert!(rig.control.set("osc9", "gain", 1.0).is_err());
    assert!(rig.control.set("osc1", "nope", 1.0).is_err());
}

#[test]
fn set_with_a_frame_offset_lands_on_its_sample() {
    let stepped = r#"{"format": 1, "modules": [
        {"id": "osc1", "kind": "sine", "params": {"freq": 0.01, "gain": 1}},
        {"id": "out", "kind": "output"}],
      "connections": [{"from": "osc1.out", "to": "out"}]}"#;
    // The gain is cut to 0 at frame 100 of a 512-frame block: the output is untouched
    // up to that frame and starts its glide right after it.
    let mut reference = Rig::new(stepped, SR, 512);
    reference.run(1536);
    let mut rig = Rig::new(stepped, SR, 512);
    rig.run(1024);
    rig.control.set_at("osc1", "gain", 0.0, 100).unwrap();
    rig.run(512);
    let (o, r) = (&rig.out.left, &reference.out.left);
    assert_eq!(o[..1125], r[..1125], "moved before its frame");
    assert!(
        o[1126] < r[1126] && o[1126] > 0.0,
        "glide did not start at its frame"
    );
}

#[test]
fn the_output_guard_mutes_a_graph_that_turns_bad_later() {
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run_to(0.1);
    // Behaves for 100 ms: passes its warm-up, then turns to NaN while playing.
    let id = rig.commit(&sine_plus("test_nan", 100.0));
    rig.run_to(0.6);
    let record = rig.record(id);
    assert_eq!(record.outcome, Outcome::Swapped, "{record}");
    assert!(record.fault.is_some(), "{record}");
    assert!(measure::all_finite(&rig.out.left) && measure::all_finite(&rig.out.right));
    assert!(rig.control.status().faults >= 1);
}

#[test]
fn crossfade_length_is_settable() {
    let options = EngineOptions {
        crossfade_ms: 0.0,
        ..EngineOptions::default()
    };
    // A module added: a structural change, so a crossfade of the set length.
    let with_idle = |freq: &str| {
        SINE.replace("440", freq).replace(
            r#"{"id": "out", "kind": "output"}"#,
            r#"{"id": "out", "kind": "output"}, {"id": "idle", "kind": "note"}"#,
        )
    };
    let mut rig = Rig::with_options(SINE, SR, 256, options);
    rig.run_to(0.1);
    let id = rig.commit(&with_idle("880"));
    rig.run(64);
    assert!(!rig.control.status().fading, "a 0 ms fade is a cut");
    assert_swapped(&mut rig, id);
    rig.control.set_crossfade_ms(100.0);
    let id = rig.commit(&SINE.replace("440", "220"));
    rig.run(frames(0.05));
    assert!(
        rig.control.status().fading,
        "a 100 ms fade still runs after 50 ms"
    );
    rig.run(frames(0.06));
    assert!(!rig.control.status().fading);
    assert_swapped(&mut rig, id);
}

#[test]
fn status_reports_timings_levels_and_latency() {
    let mut rig = Rig::new(OUTPUT_ONLY, SR, 256);
    rig.run(1024);
    let id = rig.commit(SINE);
    rig.run(1024);
    let r = rig.record(id);
    assert_eq!(r.outcome, Outcome::Swapped);
    assert!(r.build.is_some() && r.prime.is_some());
    // A 0.5 sine: RMS -9.0 dBFS, peak -6.0 dBFS.
    assert!((r.warmup_rms_dbfs.unwrap() + 9.03).abs() < 0.2, "{r}");
    assert!((r.warmup_peak_dbfs.unwrap() + 6.02).abs() < 0.1, "{r}");
    // The primer was waited for, so the switch came at the first boundary after it.
    assert_eq!(r.commit_frame, 1024);
    assert_eq!(r.switch_frame, Some(1024));
    assert_eq!(r.latency_blocks(), Some(0));
    let text = r.to_string();
    assert!(
        text.contains("swapped") && text.contains("switch at sample 1024"),
        "{text}"
    );
    let st = rig.control.status();
    assert_eq!((st.swaps, st.rejections), (1, 0));
    assert!(st.load_mean > 0.0 && st.load_max >= st.load_mean);
}

#[test]
fn the_primer_keeps_priming_while_the_audio_thread_is_stopped() {
    let mut rig = Rig::new(SINE, SR, 256);
    rig.run(256);
    // No process call between these: A fills the hand-over ring, B waits beside it, C
    // (newer, passing) supersedes B. None of the waits may hang.
    let a = rig.commit(&SINE.replace("440", "330"));
    let b = rig.commit(&SINE.replace("440", "550"));
    let c = rig.commit(&SINE.replace("440", "660"));
    // C reaches the ring once A has left it; the primer offers it again every 0.2 ms,
    // so keep rendering as an audio thread would (blocks of 1.3 ms, paced).
    for _ in 0..1000 {
        rig.run(64);
        std::thread::sleep(std::time::Duration::from_micros(500));
        if rig.control.status().active_commit == c && !rig.control.status().fading {
            break;
        }
    }
    assert_eq!(rig.record(a).outcome, Outcome::Swapped);
    assert_eq!(rig.record(b).outcome, Outcome::Superseded);
    assert_eq!(rig.record(c).outcome, Outcome::Swapped);
    assert_eq!(rig.control.status().active_commit, c);
}

#[test]
fn retired_graphs_are_dropped_and_never_on_the_audio_thread() {
    let mut rig = Rig::new(SINE, SR, 256);
    for i in 0..40 {
        let json = match i % 4 {
            0 => SINE.replace("440", &format!("{}", 300 + i)),
            1 => sine_plus("test_nan", 0.0),
            2 => SINE.replace("0.5", "0.3"),
            _ => OUTPUT_ONLY.to_owned(),
        };
        rig.control.commit(patch(&json));
        if i % 3 == 0 {
            assert!(
                rig.control
                    .wait_primer_idle(chronus_tests::swap::PRIMER_TIMEOUT)
            );
        }
        rig.run(frames(0.02));
    }
    assert!(
        rig.control
            .wait_primer_idle(chronus_tests::swap::PRIMER_TIMEOUT)
    );
    rig.run(frames(0.1));
    // Let the primer drop what was retired last: on a loaded machine it may take a while,
    // so keep the audio side running and poll (bounded) rather than sleep a fixed time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let st = loop {
        let st = rig.control.status().clone();
        if st.graphs_alive == 1 || std::time::Instant::now() > deadline {
            break st;
        }
        rig.run(frames(0.01));
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(st.swaps >= 10, "{st:?}");
    assert_eq!(st.dropped_on_audio_thread, 0);
    assert_eq!(st.graphs_built, st.graphs_dropped + st.graphs_alive as u64);
    assert_eq!(st.graphs_alive, 1, "only the active graph is left: {st:?}");
    assert!(st.graphs_peak <= chronus_engine::swap::MAX_GRAPHS);
}
