//! The plugin driven in-process through its Rust API (no host): the same `render` the
//! host's `process()` calls, with nice-plug note events. Checks what the hosts cannot
//! easily show: exact event timing, any block size (0 and 1 included), every sample rate,
//! reset, state save/restore and its failure modes, restore while playing, output hygiene
//! and no allocation while rendering.

use chronus::Chronus;
use chronus::state::{DEFAULT_PATCH_JSON, STATE_FORMAT};
use chronus_engine::patch::Patch;
use chronus_tests::measure;
use nice_plug::midi::{Channel, Key, NoteEvent, VoiceID};
use nice_plug::prelude::Params;

type Event = NoteEvent<()>;

fn note_on(timing: u32, key: u8, velocity: f32) -> Event {
    NoteEvent::NoteOn {
        timing,
        voice_id: VoiceID::Wildcard,
        channel: Channel::Number(0),
        key: Key::Number(key),
        velocity,
    }
}

fn note_off(timing: u32, key: u8) -> Event {
    NoteEvent::NoteOff {
        timing,
        voice_id: VoiceID::Wildcard,
        channel: Channel::Number(0),
        key: Key::Number(key),
        velocity: 0.0,
    }
}

fn bend(timing: u32, value: f32) -> Event {
    NoteEvent::MidiPitchBend {
        timing,
        channel: 0,
        value,
    }
}

fn cc(timing: u32, cc: u8, value: f32) -> Event {
    NoteEvent::MidiCC {
        timing,
        channel: 0,
        cc,
        value,
    }
}

fn with_timing(e: &Event, timing: u32) -> Event {
    let mut e = *e;
    match &mut e {
        NoteEvent::NoteOn { timing: t, .. }
        | NoteEvent::NoteOff { timing: t, .. }
        | NoteEvent::MidiPitchBend { timing: t, .. }
        | NoteEvent::MidiCC { timing: t, .. } => *t = timing,
        _ => unreachable!("only the kinds above are used"),
    }
    e
}

/// `sine osc -> vca (cv = note gate) -> output`: the oscillator runs freely, so the
/// output is non-zero from the exact sample a note starts. Pitch tracks the keyboard; CC 1
/// drives the oscillator's gain (0.1 .. 0.5) once sent; until then the patch's 0.3 plays.
const GATED_SINE: &str = r#"{ "format": 1, "name": "gated sine",
    "modules": [
        { "id": "note", "kind": "note" },
        { "id": "osc", "kind": "sine", "params": { "freq": 440, "gain": 0.3 } },
        { "id": "amp", "kind": "vca" },
        { "id": "out", "kind": "output" } ],
    "connections": [
        { "from": "note.pitch", "to": "osc.freq" },
        { "from": "osc.out", "to": "amp.in" },
        { "from": "note.gate", "to": "amp.cv" },
        { "from": "amp.out", "to": "out.in" } ],
    "macros": [ { "cc": 1, "target": "osc.gain", "min": 0.1, "max": 0.5 } ] }"#;

/// A different patch (for restores): a sine an octave up, always sounding.
const DRONE: &str = r#"{ "format": 1, "name": "drone",
    "modules": [
        { "id": "osc", "kind": "sine", "params": { "freq": 880, "gain": 0.3 } },
        { "id": "out", "kind": "output" } ],
    "connections": [ { "from": "osc.out", "to": "out.in" } ] }"#;

fn patch(json: &str) -> Patch {
    Patch::from_json(json).unwrap()
}

/// A plugin playing `json` at `sample_rate`.
fn plugin(json: &str, sample_rate: f32) -> Chronus {
    let mut p = Chronus::default();
    p.chronus_params().patch.set_patch(patch(json)).unwrap();
    assert!(p.prepare(sample_rate));
    p
}

/// Renders `frames` frames in host buffers whose sizes cycle through `blocks` (0 allowed),
/// with `events` at absolute frames.
fn play(
    p: &mut Chronus,
    frames: usize,
    blocks: &[usize],
    events: &[(usize, Event)],
) -> (Vec<f32>, Vec<f32>) {
    assert!(blocks.iter().any(|&b| b > 0));
    let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
    let (mut pos, mut next) = (0, 0);
    let mut sizes = blocks.iter().cycle();
    while pos < frames {
        let end = (pos + sizes.next().unwrap()).min(frames);
        let mut mine = Vec::new();
        while next < events.len() && (events[next].0 < end || events[next].0 == pos) {
            mine.push(with_timing(&events[next].1, (events[next].0 - pos) as u32));
            next += 1;
        }
        let mut it = mine.into_iter();
        p.render(&mut left[pos..end], &mut right[pos..end], || it.next());
        pos = end;
    }
    (left, right)
}

#[test]
fn the_default_patch_is_valid_and_plays_a_tuned_note() {
    let mut p = Chronus::default();
    assert_eq!(p.chronus_params().patch.patch(), patch(DEFAULT_PATCH_JSON));
    assert!(p.prepare(48_000.0));
    assert!(p.chronus_params().patch.inactive_mappings().is_empty());
    let (left, right) = play(
        &mut p,
        96_000,
        &[512],
        &[(0, note_on(0, 57, 1.0)), (72_000, note_off(0, 57))],
    );
    assert!(measure::all_finite(&left) && measure::all_finite(&right));
    let held = &left[24_000..72_000];
    let level = measure::db(measure::rms(held));
    assert!(
        (-40.0..-3.0).contains(&level),
        "held note at {level:.1} dBFS"
    );
    // The saw's fundamental (A3, 220 Hz) and the sub an octave below it are there.
    let saw = measure::magnitude_at(held, 48_000.0, 220.0);
    let sub = measure::magnitude_at(held, 48_000.0, 110.0);
    assert!(saw > 0.01 && sub > 0.01, "saw {saw}, sub {sub}");
    // Released: the tail dies away.
    let tail = measure::db(measure::rms(&left[90_000..]));
    assert!(
        tail < level - 30.0,
        "tail {tail:.1} dBFS vs held {level:.1}"
    );
}

#[test]
fn every_host_block_size_gives_the_same_samples() {
    let events = [
        (100, note_on(0, 69, 0.8)),
        (5_000, cc(0, 1, 1.0)),
        (9_001, bend(0, 1.0)),
        (20_000, note_off(0, 69)),
        (20_000, note_on(0, 72, 0.5)),
        (30_017, note_off(0, 72)),
    ];
    let (reference, _) = play(&mut plugin(GATED_SINE, 48_000.0), 40_000, &[64], &events);
    for blocks in [
        &[1][..],
        &[17],
        &[512],
        &[4096],
        &[0, 3, 0, 250, 1, 0, 64, 999],
    ] {
        let (left, right) = play(&mut plugin(GATED_SINE, 48_000.0), 40_000, blocks, &events);
        assert!(
            measure::max_diff(&left, &reference) < 1e-6,
            "blocks {blocks:?}"
        );
        assert_eq!(left, right, "mono patch: both sides equal");
    }
}

#[test]
fn a_note_starts_on_its_exact_sample() {
    for start in [0, 1, 123, 511] {
        let (left, _) = play(
            &mut plugin(GATED_SINE, 48_000.0),
            2_048,
            &[512],
            &[(start, note_on(0, 69, 1.0))],
        );
        assert!(
            left[..start].iter().all(|&s| s == 0.0),
            "silent before {start}"
        );
        assert!(
            left[start..start + 8].iter().any(|&s| s != 0.0),
            "sounds from {start}"
        );
        let first = left.iter().position(|&s| s != 0.0).unwrap();
        assert!(first <= start + 1, "note at {start} starts at {first}");
    }
}

#[test]
fn pitch_is_right_at_every_sample_rate() {
    for sr in [44_100.0, 48_000.0, 88_200.0, 96_000.0, 176_400.0, 192_000.0] {
        let frames = sr as usize;
        let (left, _) = play(
            &mut plugin(GATED_SINE, sr),
            frames,
            &[480],
            &[(0, note_on(0, 81, 1.0))],
        );
        let f = measure::frequency(&left[frames / 10..], f64::from(sr), 50.0);
        assert!(measure::cents(f, 880.0).abs() < 0.5, "{sr} Hz: {f} Hz");
        assert!(
            (measure::peak(&left) - 0.3).abs() < 0.01,
            "{sr} Hz: CC 1 never sent -> the patch's gain 0.3"
        );
    }
}

#[test]
fn pitch_bend_and_mod_wheel_reach_the_patch() {
    let events = [
        (0, note_on(0, 69, 1.0)),
        (0, bend(0, 1.0)),
        (0, cc(0, 1, 1.0)),
    ];
    let (left, _) = play(&mut plugin(GATED_SINE, 48_000.0), 48_000, &[256], &events);
    let f = measure::frequency(&left[4_800..], 48_000.0, 50.0);
    assert!(
        measure::cents(f, 440.0 * 2f64.powf(2.0 / 12.0)).abs() < 0.5,
        "bent +2: {f} Hz"
    );
    assert!(
        (measure::peak(&left[4_800..]) - 0.5).abs() < 0.01,
        "CC 1 at 1 -> gain 0.5"
    );
}

#[test]
fn reactivation_at_another_rate_rebuilds_cleanly() {
    let mut p = plugin(GATED_SINE, 48_000.0);
    play(&mut p, 10_000, &[512], &[(0, note_on(0, 69, 1.0))]);
    // Deactivate, change rate, reactivate: no stale note, right pitch at the new rate.
    assert!(p.prepare(96_000.0));
    let (silent, _) = play(&mut p, 4_800, &[512], &[]);
    assert!(silent.iter().all(|&s| s == 0.0), "no note left over");
    let (left, _) = play(&mut p, 96_000, &[512], &[(0, note_on(0, 69, 1.0))]);
    let f = measure::frequency(&left[9_600..], 96_000.0, 50.0);
    assert!(measure::cents(f, 440.0).abs() < 0.5, "{f} Hz at 96 kHz");
}

#[test]
fn reset_restarts_identically() {
    let mut p = plugin(GATED_SINE, 48_000.0);
    let events = [(10, note_on(0, 64, 0.7)), (20_000, note_off(0, 64))];
    let (first, _) = play(&mut p, 30_000, &[333], &events);
    // Reset mid-note: everything stops, and the same events render the same samples.
    play(&mut p, 1_000, &[333], &[(0, note_on(0, 60, 1.0))]);
    p.reset_engine();
    let (second, _) = play(&mut p, 30_000, &[333], &events);
    assert_eq!(first, second);
}

/// Saves `p`'s persisted fields the way nice-plug does.
fn saved_fields(p: &Chronus) -> std::collections::BTreeMap<String, String> {
    p.chronus_params().serialize_fields()
}

#[test]
fn saved_state_restores_the_same_sound_before_the_first_block() {
    let a = plugin(DRONE, 48_000.0);
    a.chronus_params().patch.set_crossfade_ms(25.0);
    let fields = saved_fields(&a);
    assert!(fields["chronus-patch"].contains(&format!("\"format\":{STATE_FORMAT}")));
    let (expected, _) = play(&mut plugin(DRONE, 48_000.0), 20_000, &[256], &[]);

    // A fresh instance: state loaded before activation, as when a project opens.
    let mut b = Chronus::default();
    b.chronus_params().deserialize_fields(&fields);
    assert_eq!(b.chronus_params().patch.error(), None);
    assert_eq!(b.chronus_params().patch.doc().crossfade_ms, 25.0);
    assert!(b.prepare(48_000.0));
    let (restored, _) = play(&mut b, 20_000, &[256], &[]);
    assert_eq!(restored, expected, "sample-identical");
    assert_eq!(saved_fields(&b), fields, "saves back the same document");
}

#[test]
fn bad_states_load_the_default_patch_and_say_why() {
    let default = patch(DEFAULT_PATCH_JSON);
    let drone = serde_json::to_value(patch(DRONE)).unwrap();
    let cases = [
        (serde_json::json!({ "format": 2, "patch": drone }), "newer"),
        (
            serde_json::json!({ "format": 1, "patch": { "format": 7, "modules": [] } }),
            "format 7",
        ),
        (
            serde_json::json!({ "format": 1, "patch": { "format": 1, "modules": [
            { "id": "x", "kind": "sine", "params": { "freq": -5 } } ] } }),
            "x.freq",
        ),
        (
            serde_json::json!({ "format": 1, "patch": { "format": 1, "modulez": [] } }),
            "modulez",
        ),
        (serde_json::json!([1, 2, 3]), "not a Chronus"),
        (serde_json::json!({ "patch": drone }), "no `format`"),
        (
            serde_json::json!({ "format": 1, "crossfade_ms": 1e9, "patch": drone }),
            "crossfade",
        ),
    ];
    for (saved, why) in cases {
        let p = Chronus::default();
        let store = &p.chronus_params().patch;
        store.set_patch(patch(DRONE)).unwrap();
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("chronus-patch".to_owned(), saved.to_string());
        p.chronus_params().deserialize_fields(&fields);
        let error = store
            .error()
            .unwrap_or_else(|| panic!("no error for {saved}"));
        assert!(error.contains(why), "`{why}` not in: {error}");
        assert_eq!(store.patch(), default, "default patch after: {error}");
    }
    // Bytes that are not JSON never reach the store (nice-plug refuses them): no panic,
    // the current patch stays.
    let p = Chronus::default();
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("chronus-patch".to_owned(), "{ not json".to_owned());
    p.chronus_params().deserialize_fields(&fields);
    assert_eq!(p.chronus_params().patch.patch(), default);
}

#[test]
fn a_restore_while_playing_switches_without_a_click() {
    let mut p = plugin(GATED_SINE, 48_000.0);
    let (before, _) = play(&mut p, 24_000, &[256], &[(0, note_on(0, 69, 1.0))]);
    let mut fields = std::collections::BTreeMap::new();
    let doc =
        serde_json::json!({ "format": 1, "patch": serde_json::to_value(patch(DRONE)).unwrap() });
    fields.insert("chronus-patch".to_owned(), doc.to_string());
    p.chronus_params().deserialize_fields(&fields);
    let (after, _) = play(&mut p, 24_000, &[256], &[]);
    // Steady steps: sine 0.3 at 440 Hz (CC 1 never sent) and sine 0.3 at 880 Hz. The two are
    // unrelated, so the switch is an equal-power crossfade (no dip in level): its steps
    // are bounded by the hypotenuse of the two steady steps, far below a click.
    let (a, b) = (
        measure::max_step(&before[12_000..]),
        measure::max_step(&after[12_000..]),
    );
    let mut joined = before[20_000..].to_vec();
    joined.extend_from_slice(&after[..4_000]);
    let step = measure::max_step(&joined);
    assert!(
        step <= a.hypot(b) * 1.001,
        "step {step} around the switch; steady {a}, {b}"
    );
    let f = measure::frequency(&after[4_800..], 48_000.0, 50.0);
    assert!(
        measure::cents(f, 880.0).abs() < 0.5,
        "the restored patch plays: {f} Hz"
    );
}

#[test]
fn output_is_finite_and_never_subnormal_even_from_a_broken_patch() {
    const NAN: &str = r#"{ "format": 1, "modules": [
        { "id": "bad", "kind": "test_nan", "params": { "after": 5 } },
        { "id": "out", "kind": "output" } ],
        "connections": [ { "from": "bad", "to": "out" } ] }"#;
    const TINY: &str = r#"{ "format": 1, "modules": [
        { "id": "osc", "kind": "sine", "params": { "freq": 100, "gain": 1e-30 } },
        { "id": "out", "kind": "output" } ],
        "connections": [ { "from": "osc", "to": "out" } ] }"#;
    for json in [NAN, TINY] {
        let (left, right) = play(&mut plugin(json, 48_000.0), 4_800, &[64], &[]);
        for s in left.iter().chain(&right) {
            assert!(s.is_finite() && (*s == 0.0 || s.is_normal()), "{s}");
        }
    }
}

#[test]
fn rendering_and_reset_allocate_nothing() {
    let mut p = plugin(GATED_SINE, 48_000.0);
    let (mut left, mut right) = (vec![0.0; 4096], vec![0.0; 4096]);
    nice_assert_no_alloc::reset_violation_count();
    nice_assert_no_alloc::assert_no_alloc(|| {
        let mut events = [note_on(3, 60, 1.0), cc(7, 1, 0.5), bend(9, 0.2)].into_iter();
        p.render(&mut left, &mut right, || events.next());
        p.render(&mut left[..1], &mut right[..1], || None::<Event>);
        p.render(&mut left[..0], &mut right[..0], || None::<Event>);
        p.reset_engine();
    });
    // A restore hands a new graph over; taking it must not allocate either.
    p.chronus_params().patch.set_patch(patch(DRONE)).unwrap();
    nice_assert_no_alloc::assert_no_alloc(|| {
        for _ in 0..20 {
            p.render(&mut left[..512], &mut right[..512], || None::<Event>);
        }
    });
    assert_eq!(nice_assert_no_alloc::violation_count(), 0);
}

#[test]
fn the_default_patch_sounds_the_same_in_the_plugin_and_in_the_engine_alone() {
    // Its module params sit at the middle of their macro mappings, and the plugin's
    // macros start in the middle: the CLI (no macros) and the plugin agree.
    use chronus_engine::render::{self, NoteSpec};
    let mut graph = chronus_engine::compile::compile(&patch(DEFAULT_PATCH_JSON), 48_000.0).unwrap();
    let notes = NoteSpec::parse_list("57@0.01:0.5v100").unwrap();
    let engine = render::render(&mut graph, &NoteSpec::events(&notes, 48_000.0), 36_000, 256);
    let mut p = Chronus::default();
    assert!(p.prepare(48_000.0));
    let events = [
        (480, note_on(0, 57, 100.0 / 127.0)),
        (24_000, note_off(0, 57)),
    ];
    let (left, right) = play(&mut p, 36_000, &[256], &events);
    assert!(
        measure::max_diff(&left, &engine.left) < 1e-4,
        "{}",
        measure::max_diff(&left, &engine.left)
    );
    assert!(measure::max_diff(&right, &engine.right) < 1e-4);
    assert!(measure::rms(&left) > 0.01);
}

/// A valid patch whose delay lines need more than the engine's memory limit at 192 kHz
/// (50 delays of 2 s: 77 MB) but not at 48 kHz (19 MB).
fn memory_hungry() -> Patch {
    let mut modules = vec![serde_json::json!({ "id": "osc", "kind": "sine" })];
    let mut connections = Vec::new();
    let mut prev = "osc".to_owned();
    for i in 0..50 {
        let id = format!("d{i}");
        modules.push(serde_json::json!({ "id": id, "kind": "delay" }));
        connections
            .push(serde_json::json!({ "from": format!("{prev}.out"), "to": format!("{id}.in") }));
        prev = id;
    }
    modules.push(serde_json::json!({ "id": "out", "kind": "output" }));
    connections.push(serde_json::json!({ "from": format!("{prev}.out"), "to": "out.in" }));
    let json = serde_json::json!({ "format": 1, "modules": modules, "connections": connections });
    patch(&json.to_string())
}

#[test]
fn a_patch_that_cannot_run_at_the_host_rate_falls_back_to_the_default() {
    // Restored while active at 192 kHz: refused by the engine, default patch, error kept.
    let mut p = plugin(GATED_SINE, 192_000.0);
    let mut fields = std::collections::BTreeMap::new();
    let doc =
        serde_json::json!({ "format": 1, "patch": serde_json::to_value(memory_hungry()).unwrap() });
    fields.insert("chronus-patch".to_owned(), doc.to_string());
    p.chronus_params().deserialize_fields(&fields);
    let store = &p.chronus_params().patch;
    let error = store.error().expect("an error");
    assert!(
        error.contains("cannot run") && error.contains("memory"),
        "{error}"
    );
    assert_eq!(store.patch(), patch(DEFAULT_PATCH_JSON));
    let (left, _) = play(&mut p, 19_200, &[512], &[(0, note_on(0, 57, 1.0))]);
    assert!(
        measure::rms(&left[9_600..]) > 0.01,
        "the default patch plays"
    );

    // Stored at 48 kHz (fine there), then activated at 192 kHz: the same fallback.
    let mut p = plugin(GATED_SINE, 48_000.0);
    p.chronus_params().patch.set_patch(memory_hungry()).unwrap();
    assert!(
        p.prepare(192_000.0),
        "falls back to a playing default patch"
    );
    let error = p.chronus_params().patch.error().expect("an error");
    assert!(error.contains("192000 Hz"), "{error}");
    assert_eq!(p.chronus_params().patch.patch(), patch(DEFAULT_PATCH_JSON));
}

#[test]
fn the_editor_window_size_is_saved_with_the_project() {
    use chronus::gui::size::{DEFAULT_SIZE, MIN_SIZE, SavedSize};
    let a = plugin(DRONE, 48_000.0);
    let size = &a.chronus_params().editor_size;
    assert_eq!((size.get().width, size.get().height), DEFAULT_SIZE);
    size.set(SavedSize {
        width: 1500,
        height: 900,
    });
    let fields = saved_fields(&a);
    assert_eq!(fields["editor-size"], r#"{"width":1500,"height":900}"#);
    let b = Chronus::default();
    b.chronus_params().deserialize_fields(&fields);
    assert_eq!(
        b.chronus_params().editor_size.get(),
        SavedSize {
            width: 1500,
            height: 900
        }
    );
    // A size from a broken state is clamped, never a zero-size window.
    let mut broken = fields.clone();
    broken.insert("editor-size".into(), r#"{"width":0,"height":5}"#.into());
    b.chronus_params().deserialize_fields(&broken);
    let got = b.chronus_params().editor_size.get();
    assert_eq!((got.width, got.height), MIN_SIZE);
}
