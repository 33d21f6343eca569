//! GUI interaction tests: the real editor in a headless egui_kittest harness with a fake
//! host. Widgets are found by their accessibility labels, clicked, dragged and typed
//! into; the tests check the commands the host receives and what the editor shows.

use chronus_editor::testing::{Answer, FakeHost, HostCommand};
use chronus_editor::{CommitOutcome, PatchEditorUi};
use egui::accesskit::Role;
use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

type State = (PatchEditorUi, FakeHost);

/// The editor on the default patch (osc1 -> env1 -> filt1 -> out) in a 1400 x 900 window.
fn harness() -> Harness<'static, State> {
    harness_with(PatchEditorUi::with_default_patch())
}

fn harness_with(editor: PatchEditorUi) -> Harness<'static, State> {
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, (editor, host): &mut State| editor.ui(ui, host),
            (editor, FakeHost::default()),
        );
    h.run();
    h
}

fn host<'a>(h: &'a mut Harness<'_, State>) -> &'a mut FakeHost {
    &mut h.state_mut().1
}

fn editor<'a>(h: &'a Harness<'_, State>) -> &'a PatchEditorUi {
    &h.state().0
}

fn centre_of(h: &Harness<'_, State>, label: &str) -> Pos2 {
    h.get_by_label(label).rect().center()
}

/// Presses at `from`, moves in steps to `to`, releases there.
fn drag(h: &mut Harness<'_, State>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    for k in 1..=6 {
        h.hover_at(from + (to - from) * (k as f32 / 6.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
}

/// Adds a module from the palette (an accessibility click: the palette may be scrolled
/// so the kind is out of sight).
fn add(h: &mut Harness<'_, State>, kind: &str) {
    h.get_by_label(&format!("+ {kind}")).click_accesskit();
    h.run();
}

fn has_cable(h: &Harness<'_, State>, from: &str, to: &str) -> bool {
    editor(h)
        .session()
        .document()
        .patch
        .connections
        .iter()
        .any(|c| c.from.to_string() == from && c.to.to_string() == to)
}

#[test]
fn the_default_patch_shows_its_modules_ports_and_an_in_sync_bar() {
    let h = harness();
    for label in [
        "osc1 (sine)",
        "env1 (adsr)",
        "filt1 (biquad)",
        "out (output)",
    ] {
        h.get_by_label(label);
    }
    for port in [
        "osc1.out",
        "env1.in",
        "env1.gate",
        "filt1.cutoff",
        "out.left",
    ] {
        h.get_by_label(port);
    }
    h.get_by_label_contains("in sync");
    assert!(h.query_by_label("Commit").is_some());
}

#[test]
fn adding_from_the_palette_is_pending_until_commit_and_commit_reaches_the_host() {
    let mut h = harness();
    add(&mut h, "saw");
    h.run();
    h.get_by_label("osc2 (saw)");
    h.get_by_label_contains("1 change pending");
    h.get_by_label("+ osc2 (saw)");
    assert!(host(&mut h).commits().is_empty());

    h.get_by_label("Commit").click();
    h.run();
    let commits = host(&mut h).commits();
    assert_eq!(commits.len(), 1);
    assert!(commits[0].contains("\"osc2\""), "{}", commits[0]);
    h.get_by_label_contains("swapped (revision 1)");
    h.get_by_label_contains("primed in 1.50 ms");
}

#[test]
fn dragging_an_output_to_an_input_connects() {
    let mut h = harness();
    add(&mut h, "sine");
    h.run();
    assert!(!has_cable(&h, "osc2.out", "filt1.cutoff"));
    let (from, to) = (centre_of(&h, "osc2.out"), centre_of(&h, "filt1.cutoff"));
    drag(&mut h, from, to);
    assert!(has_cable(&h, "osc2.out", "filt1.cutoff"));
    h.get_by_label("+ cable osc2.out -> filt1.cutoff");
}

#[test]
fn a_refused_connection_shows_the_engine_reason() {
    let mut h = harness();
    let (from, to) = (centre_of(&h, "osc1.out"), centre_of(&h, "filt1.in"));
    drag(&mut h, from, to);
    assert!(!has_cable(&h, "osc1.out", "filt1.in"));
    h.get_by_label_contains("is driven twice");
    assert!(!editor(&h).session().is_pending());
}

#[test]
fn dragging_a_cable_end_off_its_input_disconnects() {
    let mut h = harness();
    assert!(has_cable(&h, "env1.out", "filt1.in"));
    let from = centre_of(&h, "filt1.in");
    drag(&mut h, from, from + egui::vec2(0.0, 160.0));
    assert!(!has_cable(&h, "env1.out", "filt1.in"));
    h.get_by_label("- cable env1.out -> filt1.in");
}

#[test]
fn dragging_a_cable_end_to_another_input_moves_it() {
    let mut h = harness();
    let (from, to) = (centre_of(&h, "filt1.in"), centre_of(&h, "out.left"));
    drag(&mut h, from, to);
    assert!(!has_cable(&h, "env1.out", "filt1.in"));
    assert!(has_cable(&h, "env1.out", "out.left"));
}

#[test]
fn clicking_a_cable_disconnects_it() {
    let mut h = harness();
    // The cable's bezier is point-symmetric: its middle is halfway between its ends.
    let (a, b) = (centre_of(&h, "osc1.out"), centre_of(&h, "env1.in"));
    let mid = a + (b - a) * 0.5;
    h.hover_at(mid);
    h.run();
    h.drag_at(mid);
    h.drop_at(mid);
    h.run();
    assert!(!has_cable(&h, "osc1.out", "env1.in"));
}

#[test]
fn moving_a_param_slider_sets_it_live_and_the_value_box_takes_typed_entry() {
    let mut h = harness();
    h.get_by_label("osc1 (sine)").click();
    h.run();
    h.get_by_role_and_label(Role::Slider, "freq")
        .set_value_accesskit(330.0);
    h.run();
    let sets = host(&mut h).sets();
    assert_eq!(sets.last(), Some(&("osc1".into(), "freq".into(), 330.0)));
    assert!(host(&mut h).commits().is_empty(), "live, no commit");
    assert_eq!(
        editor(&h).session().active().param_number("osc1", "freq"),
        Some(330.0)
    );

    // Typed entry: the slider's value box.
    let value_box = h
        .get_by_role_and_label(Role::SpinButton, "freq")
        .rect()
        .center();
    h.hover_at(value_box);
    h.run();
    h.drag_at(value_box);
    h.drop_at(value_box);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run();
    h.get_by_role(Role::TextInput).type_text("880");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert_eq!(
        host(&mut h).sets().last(),
        Some(&("osc1".into(), "freq".into(), 880.0))
    );
}

#[test]
fn renaming_by_typing_rewrites_the_patch() {
    let mut h = harness();
    h.get_by_label("env1 (adsr)").click();
    h.run();
    h.get_by_role(Role::TextInput).focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role(Role::TextInput).type_text("amp");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    h.get_by_label("amp (adsr)");
    assert!(has_cable(&h, "osc1.out", "amp.in"));
}

#[test]
fn ctrl_z_and_ctrl_shift_z_undo_and_redo() {
    let mut h = harness();
    add(&mut h, "delay");
    h.run();
    assert!(h.query_by_label("delay1 (delay)").is_some());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(h.query_by_label("delay1 (delay)").is_none());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert!(h.query_by_label("delay1 (delay)").is_some());
    h.get_by_label("Undo").click();
    h.run();
    assert!(h.query_by_label("delay1 (delay)").is_none());
    h.get_by_label("Redo").click();
    h.run();
    assert!(h.query_by_label("delay1 (delay)").is_some());
}

#[test]
fn undoing_a_committed_edit_commits_again() {
    let mut h = harness();
    add(&mut h, "sine");
    h.run();
    h.get_by_label("Commit").click();
    h.run();
    h.get_by_label("Undo").click();
    h.run();
    let commits = host(&mut h).commits();
    assert_eq!(commits.len(), 2);
    assert!(!commits[1].contains("osc2"));
}

#[test]
fn a_rejected_commit_shows_the_reason_while_the_old_patch_plays() {
    let mut h = harness();
    host(&mut h).answer = Answer::Reject("peak +31.0 dBFS exceeds the -6.0 dBFS ceiling".into());
    add(&mut h, "noise");
    h.run();
    h.get_by_label("Commit").click();
    h.run();
    h.get_by_label_contains("rejected (revision 1): peak +31.0 dBFS");
    h.get_by_label_contains("the previous patch plays on");
    assert!(editor(&h).session().is_pending(), "the edit stays pending");
    assert!(
        editor(&h)
            .session()
            .active()
            .patch
            .module("noise1")
            .is_none()
    );
}

#[test]
fn abort_drops_pending_edits_and_cancels_a_commit_in_flight() {
    let mut h = harness();
    host(&mut h).answer = Answer::Hold;
    add(&mut h, "lfo");
    h.run();
    h.get_by_label("Commit").click();
    h.run();
    h.get_by_label_contains("priming commit");
    h.get_by_label("Abort").click();
    h.run();
    assert!(host(&mut h).commands.contains(&HostCommand::Abort));
    assert!(h.query_by_label("lfo1 (lfo)").is_none());
    h.get_by_label_contains("in sync");
}

#[test]
fn auto_commit_commits_each_edit() {
    let mut h = harness();
    h.get_by_label("Auto-commit").click();
    h.run();
    let from = centre_of(&h, "filt1.in");
    drag(&mut h, from, from + egui::vec2(0.0, 160.0));
    // Without its input the filter is silent but valid: committed at once.
    assert_eq!(host(&mut h).commits().len(), 1);
    assert!(!editor(&h).session().is_pending());
}

#[test]
fn turning_a_macro_knob_is_a_host_gesture_and_knobs_follow_automation() {
    let mut h = harness();
    let knob = centre_of(&h, "macro 1");
    drag(&mut h, knob, knob - egui::vec2(0.0, 60.0));
    let cmds: Vec<HostCommand> = host(&mut h)
        .take()
        .into_iter()
        .filter(|c| {
            matches!(
                c,
                HostCommand::MacroBegin(_) | HostCommand::MacroSet(..) | HostCommand::MacroEnd(_)
            )
        })
        .collect();
    assert_eq!(cmds.first(), Some(&HostCommand::MacroBegin(0)));
    assert_eq!(cmds.last(), Some(&HostCommand::MacroEnd(0)));
    let last_set = cmds.iter().rev().find_map(|c| match c {
        HostCommand::MacroSet(0, v) => Some(*v),
        _ => None,
    });
    assert!(last_set.is_some_and(|v| v > 0.2), "{cmds:?}");

    host(&mut h).macros[2] = 0.75;
    h.run();
    let shown = h.get_by_label("macro 3").accesskit_node().numeric_value();
    assert_eq!(shown, Some(0.75));
}

#[test]
fn a_macro_mapping_is_added_from_the_panel_and_committed() {
    let mut h = harness();
    h.get_by_label("map to").click();
    h.run();
    // The option in the drop-down (the canvas port has the same name).
    h.get_all_by_label("filt1.cutoff")
        .find(|n| n.rect().width() > 40.0)
        .expect("the option")
        .click();
    h.run();
    h.get_by_label("Add mapping").click();
    h.run();
    h.get_by_label_contains("+ mapping M1 -> filt1.cutoff 20..20000");
    h.get_by_label("Commit").click();
    h.run();
    let commits = host(&mut h).commits();
    assert!(
        commits[0].contains("\"target\": \"filt1.cutoff\""),
        "{}",
        commits[0]
    );
    h.get_by_label_contains("M1 -> filt1.cutoff");
    h.get_by_label("Remove").click();
    h.run();
    h.get_by_label_contains("- mapping M1 -> filt1.cutoff");
}

#[test]
fn presets_load_and_commit_at_once() {
    let mut h = harness();
    h.get_by_label("Presets").click();
    h.run();
    h.get_by_label("test 1").click();
    h.run();
    let commits = host(&mut h).commits();
    assert_eq!(commits.len(), 1);
    assert!(h.query_by_label("env1 (adsr)").is_none());
    h.get_by_label("osc1 (sine)");
}

#[test]
fn pasting_checks_the_patch_and_shows_why_it_does_not_load() {
    let mut h = harness();
    h.get_by_label("Paste JSON").click();
    h.run();
    let text = h.get_by_role(Role::MultilineTextInput);
    text.focus();
    text.type_text(r#"{ "format": 1, "modules": [ { "id": "o", "kind": "sinus" } ] }"#);
    h.run();
    h.get_by_label("Load").click();
    h.run();
    h.get_by_label_contains("unknown module kind `sinus`, did you mean `sine`?");
    assert!(host(&mut h).commits().is_empty());

    // Select all, type a good patch instead, load it: it is committed.
    let good = chronus_editor::model::presets::PRESETS[1].json;
    h.get_by_role(Role::MultilineTextInput).focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role(Role::MultilineTextInput).type_text(good);
    h.run();
    h.get_by_label("Load").click();
    h.run();
    assert_eq!(host(&mut h).commits().len(), 1);
    assert!(
        h.query_by_label("Paste patch JSON").is_none(),
        "the box closed"
    );
    assert!(h.query_by_label("filt1 (biquad)").is_none());
}

#[test]
fn copy_puts_the_patch_json_on_the_clipboard() {
    let mut h = harness();
    h.get_by_label("Copy JSON").click();
    h.run();
    let copied = host(&mut h)
        .commands
        .iter()
        .find_map(|c| match c {
            HostCommand::Copy(t) => Some(t.clone()),
            _ => None,
        })
        .expect("copied");
    let doc = chronus_editor::Document::from_json(&copied).unwrap();
    assert_eq!(doc.patch.modules.len(), 4);
    h.get_by_label_contains("patch JSON copied");
}

#[test]
fn moving_a_box_marks_the_project_dirty_once_with_the_new_layout() {
    let mut h = harness();
    host(&mut h).take();
    let node = h.get_by_label("osc1 (sine)").rect();
    let grab = node.center_top() + egui::vec2(0.0, 10.0);
    drag(&mut h, grab, grab + egui::vec2(40.0, 120.0));
    let dirty: Vec<String> = host(&mut h)
        .take()
        .into_iter()
        .filter_map(|c| match c {
            HostCommand::MarkDirty(j) => Some(j),
            _ => None,
        })
        .collect();
    assert_eq!(dirty.len(), 1, "once per gesture");
    let before = chronus_editor::model::presets::default_document()
        .patch
        .layout[&"osc1".into()];
    let saved = chronus_editor::Document::from_json(&dirty[0]).unwrap();
    let after = saved.patch.layout[&"osc1".into()];
    assert!(after.y > before.y + 20.0, "{before:?} -> {after:?}");
    assert!(!editor(&h).session().is_pending(), "layout needs no commit");
}

#[test]
fn the_status_line_and_outcome_follow_the_engine() {
    let mut h = harness();
    {
        let s = &mut host(&mut h).status;
        s.swaps = 14;
        s.rejections = 2;
        s.active_revision = 0;
        s.active_slot = 1;
        s.cpu_mean = 0.032;
        s.cpu_max = 0.079;
    }
    h.run();
    h.get_by_label_contains("slot B · revision 0 · 14 swaps · 2 rejected · CPU 3.2 % (max 7.9 %)");

    host(&mut h).answer = Answer::Hold;
    add(&mut h, "sine");
    h.run();
    h.get_by_label("Commit").click();
    h.run();
    h.get_by_label_contains("priming commit");
    {
        let s = &mut host(&mut h).status;
        let report = s.last_commit.as_mut().unwrap();
        report.outcome = CommitOutcome::Swapped {
            prime_ms: 0.42,
            latency_ms: 2.9,
            latency_samples: 139,
        };
        s.active_revision = report.revision;
    }
    h.run();
    h.get_by_label_contains("primed in 0.42 ms, playing 2.9 ms (139 samples) after commit");
}

#[test]
fn delete_key_removes_the_selected_module() {
    let mut h = harness();
    h.get_by_label("filt1 (biquad)").click();
    h.run();
    h.key_press(Key::Delete);
    h.run();
    assert!(h.query_by_label("filt1 (biquad)").is_none());
    h.get_by_label("- filt1 (biquad)");
}

#[test]
fn the_canvas_pans_by_dragging_the_background_and_zooms_about_the_pointer() {
    let mut h = harness();
    let before = h.get_by_label("osc1 (sine)").rect();
    let empty = before.center() - egui::vec2(0.0, 120.0); // above the row of boxes
    drag(&mut h, empty, empty + egui::vec2(90.0, -40.0));
    let panned = h.get_by_label("osc1 (sine)").rect();
    assert!(
        (panned.min - before.min - egui::vec2(90.0, -40.0)).length() < 1.0,
        "{before:?} -> {panned:?}"
    );
    assert!((panned.width() - before.width()).abs() < 0.01);

    let at = panned.center() - egui::vec2(0.0, 120.0);
    h.hover_at(at);
    h.run();
    h.event(egui::Event::Zoom(1.5));
    h.run();
    let zoomed = h.get_by_label("osc1 (sine)").rect();
    assert!((zoomed.width() / panned.width() - 1.5).abs() < 0.01);
    // The canvas point under the pointer stays put.
    let scale = |p: Pos2| at + (p - at) * 1.5;
    assert!((zoomed.min - scale(panned.min)).length() < 1.0);
    assert!(!editor(&h).session().is_pending(), "views are not edits");
}

/// A patch the host loads behind the editor's back: one module placed far from the
/// default patch's boxes, so it is only in view if the canvas refits.
const PROJECT_STATE: &str = r#"{ "format": 1, "name": "saved project", "modules": [
    { "id": "far", "kind": "sine", "params": { "freq": 330 } },
    { "id": "out", "kind": "output" } ],
  "connections": [ { "from": "far.out", "to": "out.in" } ],
  "layout": { "far": { "x": 6000, "y": 4000 }, "out": { "x": 6300, "y": 4000 } } }"#;

#[test]
fn a_project_state_loaded_by_the_host_is_adopted_without_a_commit_and_undoable() {
    let mut h = harness();
    add(&mut h, "saw");
    h.get_by_label_contains("1 change pending");
    host(&mut h).take();

    host(&mut h).external = Some(PROJECT_STATE.to_owned());
    h.run();
    h.run();
    assert!(host(&mut h).external.is_none(), "taken once");
    assert!(h.query_by_label("osc1 (sine)").is_none());
    assert!(h.query_by_label("osc2 (saw)").is_none());
    let far = h.get_by_label("far (sine)").rect();
    let window = egui::Rect::from_min_size(Pos2::ZERO, egui::vec2(1400.0, 900.0));
    assert!(window.contains_rect(far), "refitted into view: {far:?}");
    h.get_by_label_contains("in sync");
    h.get_by_label_contains("the host loaded a project state: \"saved project\" now plays");
    let sent = host(&mut h).take();
    assert!(
        !sent
            .iter()
            .any(|c| matches!(c, HostCommand::Commit { .. } | HostCommand::Abort)),
        "the engine already plays it: {sent:?}"
    );
    assert!(
        !sent.iter().any(|c| matches!(c, HostCommand::MarkDirty(_))),
        "a state just loaded is not dirty: {sent:?}"
    );

    // A state that does not load is refused with the reason; the editor keeps its patch.
    host(&mut h).external =
        Some(r#"{ "format": 1, "modules": [ { "id": "o", "kind": "sinus" } ] }"#.to_owned());
    h.run();
    h.get_by_label_contains("refused: the host loaded a patch the editor cannot open");
    h.get_by_label_contains("did you mean `sine`?");
    h.get_by_label("far (sine)");

    // Undo brings back what was there, pending edit included, as a commit.
    h.get_by_label("Undo").click();
    h.run();
    let commits = host(&mut h).commits();
    assert_eq!(commits.len(), 1);
    assert!(commits[0].contains("\"osc2\""), "{}", commits[0]);
    h.get_by_label("osc1 (sine)");
    assert!(h.query_by_label("far (sine)").is_none());
}
