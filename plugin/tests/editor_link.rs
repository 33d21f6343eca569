//! The patch editor inside the plugin, headless: the real `PatchEditorUi` and session
//! drive the plugin's `EditorLink` while the plugin renders, and the sound is measured.
//! Checks that editor commits reach the engine and report back (swapped with timings,
//! rejected with the reason while the old sound plays on), live knob moves sound and are
//! saved, box moves are saved, a host state load reaches the open editor, and the meters
//! see the output.

use chronus::Chronus;
use chronus::gui::link::EditorLink;
use chronus_editor::model::session::ShownOutcome;
use chronus_editor::{CommitOutcome, Document, EditorHost, Meters, PatchEditorUi};
use chronus_engine::patch::{ParamValue, Position};
use chronus_tests::measure;
use nice_plug::midi::NoteEvent;

const SR: f32 = 48_000.0;

/// A free-running sine at `freq` through a vca at `gain` (the vca makes a gain-0 patch
/// silent by mistake: a source reaches the output but nothing sounds).
fn drone(freq: f32, gain: f32) -> String {
    format!(
        r#"{{ "format": 1, "name": "drone",
        "modules": [
            {{ "id": "osc", "kind": "sine", "params": {{ "freq": {freq}, "gain": 0.4 }} }},
            {{ "id": "amp", "kind": "vca", "params": {{ "gain": {gain} }} }},
            {{ "id": "out", "kind": "output" }} ],
        "connections": [
            {{ "from": "osc", "to": "amp" }}, {{ "from": "amp", "to": "out" }} ] }}"#
    )
}

/// `drone(freq, 1)` with a second vca at `gain` after the first: a structural edit of
/// it (a new module and cables), so the editor commits it rather than setting it live.
fn drone_with_trim(freq: f32, gain: f32) -> String {
    drone(freq, 1.0)
        .replace(
            r#"{ "id": "out""#,
            &format!(r#"{{ "id": "trim", "kind": "vca", "params": {{ "gain": {gain} }} }}, {{ "id": "out""#),
        )
        .replace(
            r#"{ "from": "amp", "to": "out" }"#,
            r#"{ "from": "amp", "to": "trim" }, { "from": "trim", "to": "out" }"#,
        )
}

/// A plugin playing `json`, its editor and the editor's link.
fn open(json: &str) -> (Chronus, PatchEditorUi, EditorLink) {
    let mut plugin = Chronus::default();
    let patch = chronus_engine::Patch::from_json(json).unwrap();
    plugin.chronus_params().patch.set_patch(patch).unwrap();
    assert!(plugin.prepare(SR));
    let mut link = plugin
        .editor_link()
        .expect("a fresh instance has its editor parts");
    let editor = link.build_editor();
    (plugin, editor, link)
}

/// Renders `seconds` in 256-frame blocks, polling the editor's session after each block
/// (as its frames would), and returns the left channel.
fn play(
    plugin: &mut Chronus,
    editor: &mut PatchEditorUi,
    link: &mut EditorLink,
    seconds: f32,
) -> Vec<f32> {
    let frames = (seconds * SR) as usize;
    let mut out = vec![0.0; frames];
    let mut right = vec![0.0; 256];
    for block in out.chunks_mut(256) {
        let n = block.len();
        plugin.render(block, &mut right[..n], || None::<NoteEvent<()>>);
        editor.session_mut().poll(link);
        // The primer runs on its own thread: give it a moment between blocks.
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    out
}

/// Renders 256-frame blocks until the commit in flight has an outcome (at most 10 s of
/// wall time, however loaded the machine: the primer is another thread), then `seconds`
/// more; returns everything rendered (left channel).
fn settle(
    plugin: &mut Chronus,
    editor: &mut PatchEditorUi,
    link: &mut EditorLink,
    seconds: f32,
) -> Vec<f32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut out = Vec::new();
    while editor.session().is_committing() && std::time::Instant::now() < deadline {
        out.extend(play(plugin, editor, link, 256.0 / SR));
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    out.extend(play(plugin, editor, link, seconds));
    out
}

/// The tone of the last 0.2 s of `x`.
fn tone(x: &[f32]) -> f64 {
    measure::frequency(&x[x.len() - 9600..], f64::from(SR), 50.0)
}

#[test]
fn a_commit_from_the_editor_swaps_in_and_reports_its_timings() {
    let (mut plugin, mut editor, mut link) = open(&drone(440.0, 1.0));
    let before = play(&mut plugin, &mut editor, &mut link, 0.3);
    assert!((tone(&before) - 440.0).abs() < 0.5, "{}", tone(&before));

    let next = Document::from_json(&drone_with_trim(660.0, 0.8)).unwrap();
    editor.session_mut().load(&mut link, next, "load preset");
    assert!(editor.session().is_committing());
    let after = settle(&mut plugin, &mut editor, &mut link, 0.5);
    let f = tone(&after);
    let level = measure::rms(&after[after.len() - 9600..]);
    println!(
        "after the commit: {f:.2} Hz at RMS {level:.3}; {:?}",
        editor.session().outcome()
    );
    assert!((f - 660.0).abs() < 0.5, "{f}");
    assert!((level - 0.4 * 0.8 / 2f64.sqrt()).abs() < 0.01, "{level}");
    match editor.session().outcome() {
        Some(ShownOutcome {
            outcome:
                CommitOutcome::Swapped {
                    prime_ms,
                    latency_ms,
                    latency_samples,
                },
            ..
        }) => assert!(
            // 0 samples is right when priming ends before the next block: the switch
            // is at that block's first frame.
            *prime_ms > 0.0 && *latency_ms > 0.0 && *latency_samples < 24_000,
            "{prime_ms} {latency_ms} {latency_samples}"
        ),
        other => panic!("expected swapped, got {other:?}"),
    }
    assert!(!editor.session().is_committing() && !editor.session().is_pending());
    let status = editor.session().status();
    assert_eq!(status.swaps, 1, "{status:?}");
    // What the project saves is what plays.
    let saved = plugin.chronus_params().patch.patch();
    assert_eq!(
        saved.module("osc").unwrap().params["freq"],
        660.0_f32.into()
    );
}

#[test]
fn a_rejected_commit_shows_why_and_the_old_sound_plays_on() {
    let (mut plugin, mut editor, mut link) = open(&drone(440.0, 1.0));
    let before = play(&mut plugin, &mut editor, &mut link, 0.3);
    let silent = Document::from_json(&drone_with_trim(440.0, 0.0)).unwrap();
    editor.session_mut().load(&mut link, silent, "load preset");
    let after = settle(&mut plugin, &mut editor, &mut link, 0.3);
    match editor.session().outcome() {
        Some(ShownOutcome {
            outcome: CommitOutcome::Rejected { reason },
            ..
        }) => assert!(reason.contains("silent"), "{reason}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let (a, b) = (measure::rms(&before[4800..]), measure::rms(&after));
    println!("RMS before {a:.4}, while rejected {b:.4}");
    assert!((a - b).abs() < 1e-3 && a > 0.2, "{a} {b}");
    assert!(measure::max_step(&after) < 0.04, "no click");
    assert_eq!(editor.session().status().rejections, 1);
}

#[test]
fn a_knob_turn_sounds_at_once_and_is_saved() {
    let (mut plugin, mut editor, mut link) = open(&drone(440.0, 1.0));
    play(&mut plugin, &mut editor, &mut link, 0.1);
    assert!(
        editor
            .session_mut()
            .set_param(&mut link, "osc", "freq", ParamValue::Number(550.0))
    );
    assert!(
        !editor.session().is_pending(),
        "a knob is live, not a commit"
    );
    let out = play(&mut plugin, &mut editor, &mut link, 0.3);
    assert!((tone(&out) - 550.0).abs() < 0.5, "{}", tone(&out));
    let saved = plugin.chronus_params().patch.patch();
    assert_eq!(
        saved.module("osc").unwrap().params["freq"],
        550.0_f32.into()
    );
}

#[test]
fn box_moves_and_state_loads_meet_the_open_editor() {
    let (mut plugin, mut editor, mut link) = open(&drone(440.0, 1.0));
    let at = Position { x: 123.0, y: 45.0 };
    editor.session_mut().move_module(&"osc".into(), at);
    editor.session_mut().flush_dirty(&mut link);
    let saved = plugin.chronus_params().patch.doc();
    assert_eq!(saved.patch.layout.get(&"osc".into()), Some(&at));

    // The host loads another project's state while the window is open.
    let other = chronus::state::SavedDoc::new(
        chronus_engine::Patch::from_json(&drone(330.0, 1.0)).unwrap(),
    );
    plugin
        .chronus_params()
        .patch
        .restore(&serde_json::to_value(&other).unwrap());
    let ctx = egui::Context::default();
    let mut output = ctx.run_ui(Default::default(), |ui| editor.ui(ui, &mut link));
    output.textures_delta.clear();
    let doc = &editor.session().document().patch;
    assert_eq!(doc.module("osc").unwrap().params["freq"], 330.0_f32.into());
    assert!(!editor.session().is_pending() && !editor.session().is_committing());
    let out = play(&mut plugin, &mut editor, &mut link, 0.3);
    assert!((tone(&out) - 330.0).abs() < 0.5, "{}", tone(&out));
    // Nothing more to adopt.
    assert_eq!(link.take_external_patch(), None);
}

#[test]
fn the_meters_see_the_output() {
    let (mut plugin, mut editor, mut link) = open(&drone(440.0, 1.0));
    play(&mut plugin, &mut editor, &mut link, 0.2);
    let mut meters = Meters::default();
    link.meters(&mut meters);
    println!("peak {:?}, rms {:?}", meters.peak, meters.rms);
    assert!(
        (f64::from(meters.peak[0]) - 0.4).abs() < 0.01,
        "{:?}",
        meters.peak
    );
    assert!(
        (f64::from(meters.rms[0]) - 0.4 / 2f64.sqrt()).abs() < 0.01,
        "{:?}",
        meters.rms
    );
    assert_eq!(meters.scope.len(), chronus::meters::SCOPE_LEN);
    assert!(measure::peak(&meters.scope) > 0.3);
}
