//! Compiler and graph tests: schedules drawn as small ASCII diagrams, feedback through
//! delayed outputs, block-size invariance, reset, smoothing, and zero allocation while
//! processing.

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use chronus_engine::compile::order::Step;
use chronus_engine::error::PatchError;
use chronus_engine::render::{self, Event, TimedEvent};
use chronus_engine::{CompileError, Graph, Patch, compile};
use chronus_tests::{graph, measure};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// The order modules run in, by id (emit steps shown as `id~`).
fn order(g: &Graph) -> Vec<String> {
    g.steps()
        .iter()
        .map(|s| match *s {
            Step::Emit(m) => format!("{}~", g.module_ids()[m]),
            Step::Process(m) => g.module_ids()[m].to_string(),
        })
        .collect()
}

fn compile_err(json: &str) -> CompileError {
    match compile::compile(&Patch::from_json(json).unwrap(), 48_000.0) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn chain_runs_in_signal_order_whatever_the_file_order() {
    //   lfo ──► osc.freq
    //   osc ──► vca ──► out
    let g = graph(
        r#"{ "format": 1, "modules": [
            { "id": "out", "kind": "output" }, { "id": "vca", "kind": "vca" },
            { "id": "osc", "kind": "sine" }, { "id": "lfo", "kind": "sine" } ],
          "connections": [ { "from": "lfo", "to": "osc.freq" }, { "from": "osc", "to": "vca" },
                           { "from": "vca", "to": "out" } ] }"#,
        48_000.0,
    );
    assert_eq!(order(&g), ["lfo", "osc", "vca", "out"]);
}

#[test]
fn diamond_runs_each_module_once_after_both_parents() {
    //        ┌─► a ─┐
    //   src ─┤      ├─► mix ──► out
    //        └─► b ─┘
    let g = graph(
        r#"{ "format": 1, "modules": [
            { "id": "mix", "kind": "mixer" }, { "id": "b", "kind": "vca" }, { "id": "a", "kind": "vca" },
            { "id": "src", "kind": "sine" }, { "id": "out", "kind": "output" } ],
          "connections": [ { "from": "src", "to": "a" }, { "from": "src", "to": "b" },
                           { "from": "a", "to": "mix.in1" }, { "from": "b", "to": "mix.in2" },
                           { "from": "mix", "to": "out" } ] }"#,
        48_000.0,
    );
    let o = order(&g);
    let pos = |id: &str| o.iter().position(|s| s == id).unwrap();
    assert_eq!(o.len(), 5);
    assert!(pos("src") < pos("a") && pos("src") < pos("b"));
    assert!(pos("a") < pos("mix") && pos("b") < pos("mix") && pos("mix") < pos("out"));
}

#[test]
fn feedback_through_a_delayed_output_is_legal() {
    //   osc ──► dly.in     dly.wet ──► vca ──► dly (loop closed through the delayed `wet`)
    //           dly.out ──► out
    let g = graph(
        r#"{ "format": 1, "modules": [
            { "id": "osc", "kind": "sine" }, { "id": "dly", "kind": "delay" },
            { "id": "vca", "kind": "vca" }, { "id": "out", "kind": "output" } ],
          "connections": [ { "from": "dly.wet", "to": "vca" }, { "from": "vca", "to": "dly" },
                           { "from": "dly.out", "to": "out" } ] }"#,
        48_000.0,
    );
    let o = order(&g);
    let pos = |id: &str| o.iter().position(|s| s == id).unwrap();
    // The delay emits its wet block first, the loop runs, then the delay takes its input.
    assert!(
        pos("dly~") < pos("vca") && pos("vca") < pos("dly") && pos("dly") < pos("out"),
        "{o:?}"
    );
}

#[test]
fn feedback_through_an_undelayed_output_is_a_cycle() {
    //   dly.out ──► vca ──► dly.in   (the mixed `out` carries the dry input: no delay)
    let e = compile_err(
        r#"{ "format": 1, "modules": [
            { "id": "dly", "kind": "delay" }, { "id": "vca", "kind": "vca" }, { "id": "out", "kind": "output" } ],
          "connections": [ { "from": "dly.out", "to": "vca" }, { "from": "vca", "to": "dly" },
                           { "from": "vca", "to": "out" } ] }"#,
    );
    let CompileError::Invalid(errs) = &e else {
        panic!("{e:?}")
    };
    let PatchError::Cycle { modules } = &errs.0[0] else {
        panic!("{e:?}")
    };
    let ids: Vec<&str> = modules.iter().map(|m| m.as_str()).collect();
    assert_eq!(ids, ["dly", "vca"]);
}

#[test]
fn self_loop_is_a_cycle() {
    //   osc.out ──► osc.freq
    let e = compile_err(
        r#"{ "format": 1, "modules": [ { "id": "osc", "kind": "sine" }, { "id": "out", "kind": "output" } ],
          "connections": [ { "from": "osc", "to": "osc.freq" }, { "from": "osc", "to": "out" } ] }"#,
    );
    assert!(e.to_string().contains("osc -> osc"), "{e}");
}

#[test]
fn a_patch_without_output_plays_its_single_sink() {
    let out = chronus_tests::render_patch(
        r#"{ "format": 1, "modules": [ { "id": "osc1", "kind": "simple_sine", "params": { "freq": 440, "gain": 0.2 } } ] }"#,
        48_000.0,
        0.5,
        "",
        64,
    );
    assert!((measure::peak(&out.left) - 0.2).abs() < 1e-3);
    assert_eq!(out.left, out.right);
    let f = measure::frequency(&out.left, 48_000.0, 20.0);
    assert!(measure::cents(f, 440.0).abs() < 0.5, "{f}");
}

#[test]
fn output_module_routes_mono_and_stereo() {
    let out = chronus_tests::render_patch(
        r#"{ "format": 1, "modules": [
            { "id": "a", "kind": "sine", "params": { "freq": 300, "gain": 0.1 } },
            { "id": "b", "kind": "sine", "params": { "freq": 500, "gain": 0.2 } },
            { "id": "out", "kind": "output", "params": { "level": 0.5 } } ],
          "connections": [ { "from": "a", "to": "out.in" }, { "from": "b", "to": "out.right", "gain": 2 } ] }"#,
        48_000.0,
        0.5,
        "",
        64,
    );
    let sr = 48_000.0;
    assert!((measure::magnitude_at(&out.left, sr, 300.0) - 0.05).abs() < 1e-3);
    assert!(measure::magnitude_at(&out.left, sr, 500.0) < 1e-3);
    assert!((measure::magnitude_at(&out.right, sr, 500.0) - 0.2).abs() < 1e-3);
    assert!((measure::magnitude_at(&out.right, sr, 300.0) - 0.05).abs() < 1e-3);
}

/// A patch whose sound depends on modulation, a note, a param glide and a macro.
const MODULATED: &str = r#"{ "format": 1, "modules": [
    { "id": "lfo", "kind": "sine", "params": { "freq": 3.7, "gain": 0.3 } },
    { "id": "m", "kind": "macro", "params": { "index": 2, "min": 0, "max": 0.5 } },
    { "id": "note", "kind": "note" },
    { "id": "osc", "kind": "sine", "params": { "freq": 440, "gain": 0.2 } },
    { "id": "mix", "kind": "mixer" },
    { "id": "out", "kind": "output" } ],
  "connections": [ { "from": "note.pitch", "to": "lfo.freq" }, { "from": "lfo", "to": "osc.freq" },
                   { "from": "osc", "to": "out.left" }, { "from": "m", "to": "out.right" } ] }"#;

fn modulated_events(g: &Graph) -> Vec<TimedEvent> {
    let gain = g.param_addr("osc", "gain").unwrap();
    vec![
        TimedEvent {
            frame: 100,
            event: Event::NoteOn {
                key: 72,
                velocity: 0.8,
            },
        },
        TimedEvent {
            frame: 5_001,
            event: Event::Param {
                addr: gain,
                value: 0.05,
            },
        },
        TimedEvent {
            frame: 7_777,
            event: Event::Macro {
                index: 1,
                value: 0.9,
            },
        },
        TimedEvent {
            frame: 9_000,
            event: Event::NoteOff { key: 72 },
        },
        TimedEvent {
            frame: 12_345,
            event: Event::PitchBend { semitones: -2.0 },
        },
    ]
}

#[test]
fn output_does_not_depend_on_host_block_size() {
    let frames = 20_000;
    let reference = {
        let mut g = graph(MODULATED, 48_000.0);
        let ev = modulated_events(&g);
        render::render(&mut g, &ev, frames, 64)
    };
    assert!(measure::rms(&reference.left) > 0.05 && measure::peak(&reference.right) > 0.4);
    for block in [1, 17, 512, 4096] {
        let mut g = graph(MODULATED, 48_000.0);
        let ev = modulated_events(&g);
        let out = render::render(&mut g, &ev, frames, block);
        let d = measure::max_diff(&out.left, &reference.left)
            .max(measure::max_diff(&out.right, &reference.right));
        assert!(d < 1e-6, "block {block}: differs by {d}");
    }
}

#[test]
fn reset_restores_a_bit_identical_render() {
    let mut g = graph(MODULATED, 48_000.0);
    let ev = modulated_events(&g);
    let first = render::render(&mut g, &ev, 15_000, 256);
    g.reset();
    // Undo the param moves the first render made, as a host would restore its state.
    let gain = g.param_addr("osc", "gain").unwrap();
    g.set_param_immediate(gain, 0.2);
    g.set_macro(1, 0.0);
    g.reset();
    let second = render::render(&mut g, &ev, 15_000, 256);
    assert_eq!(first, second);
}

#[test]
fn param_changes_glide_without_steps() {
    let mut g = graph(
        r#"{ "format": 1, "modules": [ { "id": "osc", "kind": "sine", "params": { "freq": 50, "gain": 0.0 } } ] }"#,
        48_000.0,
    );
    let gain = g.param_addr("osc", "gain").unwrap();
    let ev = [TimedEvent {
        frame: 1_000,
        event: Event::Param {
            addr: gain,
            value: 1.0,
        },
    }];
    let out = render::render(&mut g, &ev, 4_800, 33);
    // A 50 Hz sine at full level moves at most 2*pi*50/48000 = 0.0065 per sample; a jump
    // in gain would show as a step far larger.
    assert!(
        measure::max_step(&out.left) < 0.007,
        "{}",
        measure::max_step(&out.left)
    );
    assert!(measure::peak(&out.left[4_000..]) > 0.99);
}

#[test]
fn processing_never_allocates() {
    let mut g = graph(MODULATED, 48_000.0);
    let ev = modulated_events(&g);
    let mut l = vec![0.0; 4096];
    let mut r = vec![0.0; 4096];
    let inputs = vec![0.1; 4096];
    assert_no_alloc(|| {
        for e in &ev {
            render::Player::apply(&mut g, &e.event);
            for size in [1, 17, 64, 333, 4096] {
                g.process(
                    [&inputs[..size], &inputs[..size]],
                    [&mut l[..size], &mut r[..size]],
                );
            }
        }
        g.set_gate(chronus_engine::ModuleIndex(0), true);
        g.reset();
        g.process([&[], &[]], [&mut l[..0], &mut r[..0]]);
    });
    assert!(measure::all_finite(&l));
}

#[test]
fn nan_modulation_does_not_poison_params() {
    // A param driven by NaN falls back to its base value instead of carrying NaN on.
    let mut g = graph(
        r#"{ "format": 1, "modules": [ { "id": "bad", "kind": "test_nan" },
            { "id": "osc", "kind": "sine", "params": { "freq": 440, "gain": 0.3 } },
            { "id": "out", "kind": "output" } ],
          "connections": [ { "from": "bad", "to": "osc.freq" }, { "from": "osc", "to": "out" } ] }"#,
        48_000.0,
    );
    let out = render::render(&mut g, &[], 4_800, 64);
    assert!(measure::all_finite(&out.left));
    assert!(measure::peak(&out.left) > 0.29);
}
