//! Every validation error, provoked on purpose: each test checks the typed error and that
//! its message names the culprit (module, port, param, JSON location, range).

use chronus_engine::error::{CompileError, EditError, PatchError};
use chronus_engine::patch::edit::PatchEditor;
use chronus_engine::patch::validate::validate;
use chronus_engine::patch::{MAX_CONNECTIONS, MAX_MODULES, ParamValue};
use chronus_engine::{Patch, compile};

/// Validates JSON that parses, returning its errors (panics if it is valid).
fn errors(json: &str) -> Vec<PatchError> {
    let patch = Patch::from_json(json).expect("parses");
    validate(&patch).expect_err("must be invalid").0
}

/// The single error of an invalid patch, with its message.
fn only_error(json: &str) -> (PatchError, String) {
    let errs = errors(json);
    assert_eq!(errs.len(), 1, "expected one error, got {errs:?}");
    let msg = errs[0].to_string();
    (errs[0].clone(), msg)
}

#[test]
fn the_issue_example_is_valid() {
    // examples/patches/03_full_chain.json is the issue's example patch, as written there.
    let json = include_str!("../../examples/patches/03_full_chain.json");
    let patch = Patch::from_json(json).unwrap();
    validate(&patch).unwrap();
}

#[test]
fn bad_json_names_line_and_column() {
    let err = Patch::from_json("{ \"format\": 1,\n  \"modules\": [ }").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PatchError::Json { line: 2, .. }), "{err:?}");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn unknown_fields_are_errors() {
    let err = Patch::from_json(r#"{ "format": 1, "modules": [], "colour": "red" }"#).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
    let err = Patch::from_json(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine", "prams": {} } ] }"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("prams"), "{err}");
}

#[test]
fn newer_format_is_refused() {
    let err = Patch::from_json(r#"{ "format": 99, "modules": [] }"#).unwrap_err();
    assert!(matches!(
        err,
        PatchError::UnsupportedFormat { found: 99, .. }
    ));
    assert!(err.to_string().contains("99"));
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let huge = " ".repeat(chronus_engine::patch::MAX_PATCH_BYTES + 1);
    assert!(matches!(
        Patch::from_json(&huge),
        Err(PatchError::TooLarge { .. })
    ));
}

#[test]
fn unknown_kind_names_module_and_suggests() {
    let (e, msg) =
        only_error(r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sinw" } ] }"#);
    assert!(matches!(e, PatchError::UnknownKind { .. }));
    assert!(
        msg.contains("modules[0]") && msg.contains("osc1") && msg.contains("sinw"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `sine`"), "{msg}");
}

#[test]
fn duplicate_id_is_named() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine" }, { "id": "osc1", "kind": "sine" } ] }"#,
    );
    assert!(matches!(e, PatchError::DuplicateId { .. }));
    assert!(msg.contains("modules[1]") && msg.contains("osc1"), "{msg}");
}

#[test]
fn invalid_id_is_named() {
    let (e, msg) =
        only_error(r#"{ "format": 1, "modules": [ { "id": "osc 1", "kind": "sine" } ] }"#);
    assert!(matches!(e, PatchError::InvalidId { .. }));
    assert!(msg.contains("osc 1"), "{msg}");
}

#[test]
fn unknown_module_in_connection_is_named() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "ghost.out", "to": "out.in" } ] }"#,
    );
    assert!(matches!(e, PatchError::UnknownModule { .. }));
    assert!(
        msg.contains("connections[0].from") && msg.contains("ghost"),
        "{msg}"
    );
}

#[test]
fn unknown_ports_list_the_real_ones() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine" }, { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "osc1.sig", "to": "out.in" } ] }"#,
    );
    assert!(matches!(e, PatchError::UnknownOutput { .. }));
    assert!(
        msg.contains("osc1") && msg.contains("`sig`") && msg.contains("out"),
        "{msg}"
    );

    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine" }, { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "osc1.out", "to": "out.middle" } ] }"#,
    );
    assert!(matches!(e, PatchError::UnknownInput { .. }));
    assert!(
        msg.contains("`middle`") && msg.contains("left") && msg.contains("right"),
        "{msg}"
    );
}

#[test]
fn unknown_param_lists_the_real_ones() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine", "params": { "pitch": 3 } } ] }"#,
    );
    assert!(matches!(e, PatchError::UnknownParam { .. }));
    assert!(
        msg.contains("osc1") && msg.contains("pitch") && msg.contains("freq, gain"),
        "{msg}"
    );
}

#[test]
fn out_of_range_says_the_range() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine", "params": { "freq": -5 } } ] }"#,
    );
    assert!(matches!(e, PatchError::OutOfRange { .. }));
    assert!(
        msg.contains("osc1.freq") && msg.contains("-5") && msg.contains("0.01 .. 20000 Hz"),
        "{msg}"
    );
}

#[test]
fn prototype_param_alias_is_accepted() {
    let patch = Patch::from_json(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "simple_sine", "params": { "frequency": 220 } } ] }"#,
    )
    .unwrap();
    validate(&patch).unwrap();
}

#[test]
fn non_modulatable_param_is_refused_as_a_port() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine" }, { "id": "m", "kind": "macro" },
             { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "osc1", "to": "m.index" }, { "from": "m", "to": "out" } ] }"#,
    );
    assert!(matches!(e, PatchError::NotModulatable { .. }));
    assert!(msg.contains("m.index"), "{msg}");
}

#[test]
fn input_driven_twice_names_both_sources() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine" }, { "id": "b", "kind": "sine" },
             { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "a.out", "to": "out.in" }, { "from": "b.out", "to": "out.in" } ] }"#,
    );
    assert!(matches!(e, PatchError::InputDrivenTwice { .. }));
    assert!(
        msg.contains("out.in") && msg.contains("a.out") && msg.contains("b.out"),
        "{msg}"
    );
}

#[test]
fn bad_gain_is_refused() {
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine" }, { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "a", "to": "out", "gain": 1e9 } ] }"#,
    );
    assert!(matches!(e, PatchError::BadGain { .. }));
    assert!(msg.contains("connections[0].gain"), "{msg}");
}

#[test]
fn cycle_names_its_modules_in_signal_order() {
    // a -> b.freq, b -> a.freq: a loop through two oscillators with no delay.
    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine" }, { "id": "b", "kind": "sine" },
             { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "a", "to": "b.freq" }, { "from": "b", "to": "a.freq" },
                              { "from": "a", "to": "out" } ] }"#,
    );
    let PatchError::Cycle { modules } = &e else {
        panic!("expected a cycle, got {e:?}")
    };
    let ids: Vec<&str> = modules.iter().map(|m| m.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert!(msg.contains("a -> b -> a"), "{msg}");
}

#[test]
fn missing_output_and_several_sinks() {
    let (e, _) = only_error(r#"{ "format": 1, "modules": [] }"#);
    assert!(matches!(e, PatchError::OutputMissing));

    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine" }, { "id": "b", "kind": "sine" } ] }"#,
    );
    assert!(matches!(e, PatchError::SeveralSinks { .. }));
    assert!(msg.contains("`a`") && msg.contains("`b`"), "{msg}");

    let (e, msg) = only_error(
        r#"{ "format": 1, "modules": [ { "id": "o1", "kind": "output" }, { "id": "o2", "kind": "output" } ] }"#,
    );
    assert!(matches!(e, PatchError::SeveralOutputs { .. }));
    assert!(msg.contains("o1") && msg.contains("o2"), "{msg}");
}

#[test]
fn limits_are_enforced() {
    let modules: Vec<String> = (0..=MAX_MODULES)
        .map(|i| format!(r#"{{ "id": "m{i}", "kind": "sine" }}"#))
        .collect();
    let json = format!(r#"{{ "format": 1, "modules": [{}] }}"#, modules.join(","));
    let (e, msg) = only_error(&json);
    assert!(
        matches!(e, PatchError::TooManyModules { count, max } if count == MAX_MODULES + 1 && max == MAX_MODULES)
    );
    assert!(msg.contains("256"), "{msg}");

    let connections: Vec<&str> = (0..=MAX_CONNECTIONS)
        .map(|_| r#"{ "from": "a", "to": "out" }"#)
        .collect();
    let json = format!(
        r#"{{ "format": 1, "modules": [ {{ "id": "a", "kind": "sine" }}, {{ "id": "out", "kind": "output" }} ],
             "connections": [{}] }}"#,
        connections.join(",")
    );
    let (e, _) = only_error(&json);
    assert!(matches!(e, PatchError::TooManyConnections { .. }));
}

#[test]
fn every_problem_is_reported_at_once() {
    let errs = errors(
        r#"{ "format": 1, "modules": [ { "id": "a", "kind": "nope" }, { "id": "b", "kind": "sine", "params": { "gain": 7 } },
             { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "ghost", "to": "out" } ] }"#,
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
}

#[test]
fn bad_sample_rate_is_a_compile_error() {
    let patch =
        Patch::from_json(r#"{ "format": 1, "modules": [ { "id": "a", "kind": "sine" } ] }"#)
            .unwrap();
    assert!(matches!(
        compile::compile(&patch, 0.0),
        Err(CompileError::SampleRate(_))
    ));
    assert!(matches!(
        compile::compile(&patch, f32::NAN),
        Err(CompileError::SampleRate(_))
    ));
}

#[test]
fn editor_verbs_refuse_bad_edits_and_keep_the_pending_patch() {
    let mut ed = PatchEditor::default();
    ed.create("osc1", "simple_sine").unwrap();
    ed.create("out", "output").unwrap();
    let before = ed.pending().clone();

    let e = ed.create("osc1", "sine").unwrap_err();
    assert!(
        matches!(e, EditError::Patch(PatchError::DuplicateId { .. })),
        "{e}"
    );
    let e = ed.create("x", "wobble").unwrap_err();
    assert!(e.to_string().contains("wobble"), "{e}");
    let e = ed.connect("osc1.nope", "out.in").unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    let e = ed.set("osc1", "freq", ParamValue::Number(1e6)).unwrap_err();
    assert!(e.to_string().contains("0.01 .. 20000"), "{e}");
    let e = ed.disconnect("osc1", "out").unwrap_err();
    assert!(matches!(e, EditError::NoSuchConnection { .. }), "{e}");
    let e = ed.gate("ghost", true).unwrap_err();
    assert!(matches!(e, EditError::NoSuchModule(_)), "{e}");
    assert_eq!(ed.pending(), &before, "a refused edit changes nothing");

    // Bare module names mean the main ports, as in the prototype's `connect osc1 env1`.
    ed.connect("osc1", "out").unwrap();
    let e = ed.connect("osc1", "out.in").unwrap_err();
    assert!(
        matches!(e, EditError::Patch(PatchError::InputDrivenTwice { .. })),
        "{e}"
    );
    ed.set("osc1", "frequency", ParamValue::Number(220.0))
        .unwrap();
    assert_eq!(
        ed.pending().module("osc1").unwrap().params.get("freq"),
        Some(&ParamValue::Number(220.0))
    );
    assert!(ed.is_dirty());
    ed.commit().unwrap();
    assert!(!ed.is_dirty());

    ed.remove("osc1").unwrap();
    assert!(
        ed.pending().connections.is_empty(),
        "remove drops the module's cables"
    );
    ed.abort();
    assert_eq!(ed.pending(), ed.active());
}

#[test]
fn commit_of_an_invalid_pending_patch_keeps_the_active_one() {
    let mut ed = PatchEditor::default();
    ed.create("a", "sine").unwrap();
    ed.commit().unwrap();
    let active = ed.active().clone();
    ed.create("b", "sine").unwrap(); // two sinks, no output
    let errs = ed.commit().unwrap_err();
    assert!(matches!(errs.0[0], PatchError::SeveralSinks { .. }));
    assert_eq!(ed.active(), &active);
    assert!(ed.is_dirty(), "the pending patch is kept for fixing");
}

#[test]
fn editor_understands_cables_written_in_the_short_form() {
    let patch = Patch::from_json(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "sine" }, { "id": "env1", "kind": "adsr" },
             { "id": "out", "kind": "output" } ],
             "connections": [ { "from": "osc1", "to": "env1" }, { "from": "env1", "to": "out.in" } ] }"#,
    )
    .unwrap();
    let mut ed = PatchEditor::new(patch);
    // `env1` written short is `env1.in`: a second cable into it is refused...
    let e = ed.connect("osc1.out", "env1.in").unwrap_err();
    assert!(
        matches!(e, EditError::Patch(PatchError::InputDrivenTwice { .. })),
        "{e}"
    );
    // ...and the long form disconnects the short-form cable.
    ed.disconnect("osc1.out", "env1.in").unwrap();
    assert_eq!(ed.pending().connections.len(), 1);
    ed.disconnect("env1", "out").unwrap();
    assert!(ed.pending().connections.is_empty());
}
