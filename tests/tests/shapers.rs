//! Shaper modules, measured from rendered samples: ADSR stage timing (to the sample),
//! continuity through retriggers, legato, gate changes and param moves, the prototype's
//! `gate` verb; the level formulas of `vca`, `mixer`, `attenuverter`, `offset` and
//! `drive`; `slew` timing; `sample_hold`; NaN inputs; block-size and reset invariance.

use chronus_engine::render::{self, Event, TimedEvent};
use chronus_tests::measure::{all_finite, first_index, max_diff, max_step, max_step_at, rms};
use chronus_tests::{frames, graph, note_events, render_patch};
use serde_json::{Value, json};

const SR: f32 = 48_000.0;

/// The adsr's documented curve overshoot (`r`).
const OVERSHOOT: f64 = 0.001;

/// The adsr's documented shortest stage, ms.
const MIN_STAGE_MS: f64 = 0.5;

/// `k = ln((1 + r) / r)`: the documented exponential falls 60 dB over a stage.
fn curve_k() -> f64 {
    ((1.0 + OVERSHOOT) / OVERSHOOT).ln()
}

/// The documented remaining fraction of a decay or release span at progress `p`.
fn curve(p: f64) -> f64 {
    (1.0 + OVERSHOOT) * (-curve_k() * p).exp() - OVERSHOOT
}

/// Samples in `ms` at [`SR`].
fn samples(ms: f64) -> f64 {
    ms * 0.001 * f64::from(SR)
}

/// Frame of `seconds` at [`SR`].
fn frame(seconds: f64) -> usize {
    frames(seconds, SR)
}

/// A patch from module and connection lists.
fn patch(modules: Value, connections: Value) -> String {
    json!({ "format": 1, "name": "shapers test", "modules": modules, "connections": connections })
        .to_string()
}

/// `adsr` with `in` unconnected (so `out` is the envelope) into `output`; its gate is
/// `note.gate` when `gate_from_note`, else the voice's gate (unconnected).
fn env_patch(a: f64, d: f64, s: f64, r: f64, gate_from_note: bool) -> String {
    let mut modules = vec![
        json!({ "id": "env", "kind": "adsr",
                "params": { "attack": a, "decay": d, "sustain": s, "release": r } }),
        json!({ "id": "out", "kind": "output" }),
    ];
    let mut connections = vec![json!({ "from": "env.out", "to": "out.in" })];
    if gate_from_note {
        modules.push(json!({ "id": "note", "kind": "note" }));
        connections.push(json!({ "from": "note.gate", "to": "env.gate" }));
    }
    patch(Value::from(modules), Value::from(connections))
}

/// The largest per-sample step the documented envelope can take with these times: the
/// attack slope or the start of an exponential decay or release (span at most 1).
fn env_slope_bound(a: f64, d: f64, r: f64) -> f64 {
    let stage = |ms: f64| samples(ms.max(MIN_STAGE_MS));
    let exp_start = curve_k() * (1.0 + OVERSHOOT);
    (1.0 / stage(a))
        .max(exp_start / stage(d))
        .max(exp_start / stage(r))
}

/// Measured stage boundaries of one note, in samples from the note-on: (frame that first
/// outputs 1.0, frame that first outputs the sustain level after it, frame that first
/// outputs 0 after the note-off, counted from the note-off).
fn stage_frames(env: &[f32], on: usize, off: usize, sustain: f32) -> (usize, usize, usize) {
    let peak = first_index(env, on, |x| x == 1.0).expect("envelope reaches 1");
    let held = first_index(env, peak, |x| x == sustain).expect("envelope reaches sustain");
    let silent = first_index(env, off, |x| x == 0.0).expect("envelope reaches 0");
    (peak - on, held - peak, silent - off)
}

#[test]
fn adsr_stage_timing_is_exact_to_the_sample() {
    // (attack, decay, sustain, release) in ms; odd times give fractional sample counts;
    // the zeros exercise the 0.5 ms click guard.
    let cases = [
        (10.0, 50.0, 0.7, 200.0),
        (1.0, 5.0, 0.5, 20.0),
        (3.3, 77.7, 0.25, 333.3),
        (250.0, 1000.0, 0.3, 1500.0),
        (0.0, 0.0, 0.5, 0.0),
    ];
    let mut worst_ms = 0.0f64;
    for (a, d, s, r) in cases {
        let on_s = 0.1;
        let off_s = on_s + (a + d) * 0.001 + 0.05;
        let notes = format!("60@{on_s}:{off_s}");
        let seconds = off_s + r * 0.001 + 0.05;
        let (on, off) = (frame(on_s), frame(off_s));
        let sustain = s as f32;
        let mut renders = Vec::new();
        for gate_from_note in [false, true] {
            let out = render_patch(
                &env_patch(a, d, s, r, gate_from_note),
                SR,
                seconds,
                &notes,
                64,
            );
            let env = out.left;
            let (peak, held, silent) = stage_frames(&env, on, off, sustain);
            let errors = [
                peak as f64 - samples(a.max(MIN_STAGE_MS)),
                held as f64 - samples(d.max(MIN_STAGE_MS)),
                silent as f64 - samples(r.max(MIN_STAGE_MS)),
            ];
            println!(
                "adsr {a}/{d}/{s}/{r} ms (gate from note: {gate_from_note}): stage errors \
                 {:.2} / {:.2} / {:.2} samples",
                errors[0], errors[1], errors[2]
            );
            for (stage, e) in ["attack", "decay", "release"].iter().zip(errors) {
                // Spec: within 1 ms. The design lands on the sample (a fractional stage
                // length rounds up to the next frame).
                assert!(
                    e.abs() <= 1.0,
                    "{a}/{d}/{s}/{r}: {stage} off by {e} samples"
                );
                worst_ms = worst_ms.max(e.abs() * 1000.0 / f64::from(SR));
            }
            // Silence before the note; sustain held right up to the note-off.
            assert!(env[..on + 1].iter().all(|&x| x == 0.0));
            assert_eq!(env[off - 1], sustain);
            renders.push(env);
        }
        // The shape between the boundaries is the documented one.
        let env = &renders[0];
        let (a_n, d_n, r_n) = (
            samples(a.max(MIN_STAGE_MS)),
            samples(d.max(MIN_STAGE_MS)),
            samples(r.max(MIN_STAGE_MS)),
        );
        let half_a = (a_n / 2.0).floor();
        assert!((f64::from(env[on + half_a as usize]) - half_a / a_n).abs() < 1e-6);
        let peak = on + (a_n - 1e-6).ceil() as usize;
        let half_d = (d_n / 2.0).floor();
        let want = s + (1.0 - s) * curve(half_d / d_n);
        assert!(
            (f64::from(env[peak + half_d as usize]) - want).abs() < 1e-5,
            "decay mid-point {} vs {want}",
            env[peak + half_d as usize]
        );
        let half_r = (r_n / 2.0).floor();
        let want = s * curve(half_r / r_n);
        assert!(
            (f64::from(env[off + half_r as usize]) - want).abs() < 1e-5,
            "release mid-point {} vs {want}",
            env[off + half_r as usize]
        );
        // Gate from the note module or from the voice: the same envelope.
        assert_eq!(max_diff(&renders[0], &renders[1]), 0.0);
    }
    println!("worst adsr stage timing error: {worst_ms:.4} ms");
}

#[test]
fn adsr_release_from_an_interrupted_attack_takes_the_release_time() {
    let (a, d, s, r) = (40.0, 50.0, 0.7, 100.0);
    // The gate closes 10 ms into the 40 ms attack, at level 0.25.
    let out = render_patch(&env_patch(a, d, s, r, false), SR, 0.3, "60@0.1:0.11", 64);
    let env = out.left;
    let off = frame(0.11);
    assert!(
        (env[off] - 0.25).abs() < 1e-6,
        "level at gate-off {}",
        env[off]
    );
    let silent = first_index(&env, off, |x| x == 0.0).unwrap() - off;
    assert!(
        (silent as f64 - samples(r)).abs() <= 1.0,
        "release took {silent}"
    );
    assert!(
        env[off..].iter().all(|&x| x <= env[off]),
        "release never rises"
    );
    assert!(max_step(&env) <= env_slope_bound(a, d, r) + 1e-6);
}

/// Note sequences that retrigger in every stage: during release, during an attack cut
/// short, legato from decay and from sustain, during an attack, on the same frame as the
/// previous note's end.
const RETRIGGER_NOTES: [&str; 6] = [
    "60@0.05:0.15, 60@0.2:0.4",
    "60@0.05:0.052, 60@0.055:0.3",
    "60@0.05:0.4, 64@0.06:0.45, 67@0.2:0.3",
    "60@0.05:0.4, 64@0.052:0.45",
    "60@0.05:0.1, 62@0.1:0.3",
    "60@0.05:0.12, 60@0.13:0.2, 60@0.21:0.3, 60@0.305:0.4",
];

#[test]
fn adsr_retrigger_never_jumps() {
    let (a, d, s, r) = (5.0, 30.0, 0.6, 300.0);
    let bound = env_slope_bound(a, d, r);
    for notes in RETRIGGER_NOTES {
        let out = render_patch(&env_patch(a, d, s, r, false), SR, 0.5, notes, 64);
        let env = out.left;
        let (at, step) = max_step_at(&env);
        println!("retrigger `{notes}`: max step {step:.6} at {at} (bound {bound:.6})");
        assert!(
            step <= bound + 1e-6,
            "`{notes}`: step {step} at {at} > {bound}"
        );
        // Every note-on restarts the attack from where the envelope was: the level
        // rises from the very next sample and never falls back to zero first.
        for e in note_events(notes, SR) {
            if let Event::NoteOn { .. } = e.event {
                let t = e.frame as usize;
                if t > 0 {
                    assert!(env[t] > 0.0 || t == frame(0.05), "`{notes}`: zero at {t}");
                    assert!(
                        env[t + 1] > env[t] || env[t] == 1.0,
                        "`{notes}`: no attack at {t}"
                    );
                    assert!(env[t] >= env[t - 1] - bound as f32, "`{notes}`: dip at {t}");
                }
            }
        }
    }
}

#[test]
fn adsr_retrigger_with_a_sine_in_never_clicks() {
    let (a, d, s, r) = (5.0, 30.0, 0.6, 300.0);
    let (freq, gain) = (440.0, 0.9);
    let json = patch(
        json!([
            { "id": "osc", "kind": "sine", "params": { "freq": freq, "gain": gain } },
            { "id": "env", "kind": "adsr",
              "params": { "attack": a, "decay": d, "sustain": s, "release": r } },
            { "id": "out", "kind": "output" }
        ]),
        json!([
            { "from": "osc.out", "to": "env.in" },
            { "from": "env.out", "to": "out.in" }
        ]),
    );
    // |d(sine * env)| <= |d sine| * env + |sine| * |d env|.
    let sine_step = gain * 2.0 * std::f64::consts::PI * freq / f64::from(SR);
    let bound = sine_step + gain * env_slope_bound(a, d, r) + 1e-6;
    for notes in RETRIGGER_NOTES {
        let out = render_patch(&json, SR, 0.5, notes, 64);
        let (at, step) = max_step_at(&out.left);
        println!("sine retrigger `{notes}`: max step {step:.5} at {at} (bound {bound:.5})");
        assert!(step <= bound, "`{notes}`: step {step} at {at} > {bound}");
        assert!(rms(&out.left) > 0.1, "`{notes}`: not sounding");
    }
}

#[test]
fn adsr_gate_input_retriggers_on_rising_edges_only() {
    // A gate from note.gate sees no edge on legato notes (it stays high) and does not
    // retrigger; the unconnected gate retriggers on the note-on.
    let notes = "60@0.05:0.4, 64@0.2:0.45";
    let (a, d, s, r) = (5.0, 30.0, 0.6, 100.0);
    let wired = render_patch(&env_patch(a, d, s, r, true), SR, 0.5, notes, 64).left;
    let voice = render_patch(&env_patch(a, d, s, r, false), SR, 0.5, notes, 64).left;
    let t = frame(0.2);
    assert_eq!(wired[t + 10], s as f32, "wired gate held at sustain");
    assert!(
        voice[t + 10] > s as f32,
        "note-on retriggered the voice-gated envelope"
    );
    assert!(voice[t + 10..t + 1000].contains(&1.0));
}

#[test]
fn adsr_param_moves_mid_release_stay_smooth() {
    let (a, d, s, r) = (5.0, 30.0, 0.6, 2000.0);
    let mut g = graph(&env_patch(a, d, s, r, false), SR);
    let release = g.param_addr("env", "release").unwrap();
    let mut events = note_events("60@0.05:0.15", SR);
    let moved = frame(0.35);
    events.push(TimedEvent {
        frame: moved as u64,
        event: Event::Param {
            addr: release,
            value: 100.0,
        },
    });
    let env = render::render(&mut g, &events, frame(0.7), 64).left;
    // 0.2 s into a 2 s release, 90 % of it remains. The param glides 2000 -> 100 ms
    // linearly over 10 ms, covering 10 ms * ln(20) / 1900 ms of progress; the rest goes
    // at 1 / 100 ms.
    let want_ms = 10.0 + (0.9 - 10.0 * 20f64.ln() / 1900.0) * 100.0;
    let silent = first_index(&env, moved, |x| x == 0.0).unwrap() - moved;
    let ms = silent as f64 * 1000.0 / f64::from(SR);
    println!("release moved 2000 -> 100 ms mid-way: silent {ms:.3} ms later (want {want_ms:.3})");
    assert!((ms - want_ms).abs() < 0.1, "silent {ms} ms after the move");
    // No step larger than the new release's steepest.
    let (at, step) = max_step_at(&env[moved - 10..]);
    let bound = curve_k() * (1.0 + OVERSHOOT) / samples(100.0) * s;
    assert!(
        step <= bound,
        "step {step} at {at} after the move (bound {bound})"
    );
}

/// The prototype's second test chain: `simple_sine -> adsr`, no output module (the sink
/// plays), primed by opening the envelope's own gate with the `gate` verb.
const PROTOTYPE_CHAIN: &str = r#"{ "format": 1, "name": "sine -> adsr",
  "modules": [
    { "id": "osc1", "kind": "simple_sine", "params": { "freq": 440.0, "gain": 0.2 } },
    { "id": "env1", "kind": "adsr",
      "params": { "attack": 10, "decay": 50, "sustain": 0.7, "release": 200 } } ],
  "connections": [ { "from": "osc1.out", "to": "env1.in" } ] }"#;

#[test]
fn gate_verb_opens_the_prototype_chain() {
    // Without a gate: silence.
    let mut g = graph(PROTOTYPE_CHAIN, SR);
    let closed = render::render(&mut g, &[], frame(0.2), 256);
    assert_eq!(closed.peak(), 0.0);

    // Gate opened before the first block, as the prototype primed.
    let mut g = graph(PROTOTYPE_CHAIN, SR);
    let env1 = g.module_index("env1").unwrap();
    g.set_gate(env1, true);
    let out = render::render(&mut g, &[], frame(0.5), 256).left;
    let sustain_rms = rms(&out[frame(0.2)..]);
    let want = 0.2 * 0.7 / 2f64.sqrt();
    println!("gate verb: sustain RMS {sustain_rms:.5} (want {want:.5})");
    assert!((sustain_rms / want - 1.0).abs() < 1e-3);
    assert!(max_step(&out) < 0.2 * 2.0 * std::f64::consts::PI * 440.0 / 48_000.0 + 1e-3);

    // Closing it by an event releases to silence in 200 ms; reset keeps the gate open
    // (it is a setting) and replays identically.
    let mut g = graph(PROTOTYPE_CHAIN, SR);
    g.set_gate(env1, true);
    let events = [TimedEvent {
        frame: frame(0.3) as u64,
        event: Event::Gate {
            module: env1,
            on: false,
        },
    }];
    let first = render::render(&mut g, &events, frame(0.6), 256).left;
    // The sine may touch 0 on its own: silence starts after the last non-zero sample.
    let silent = first.iter().rposition(|&x| x != 0.0).unwrap() + 1 - frame(0.3);
    assert!(
        (silent as f64 - samples(200.0)).abs() <= 1.0,
        "released in {silent}"
    );
    g.reset();
    g.set_gate(env1, true);
    let again = render::render(&mut g, &events, frame(0.6), 256).left;
    assert_eq!(max_diff(&first, &again), 0.0);
}

/// Renders a patch of `modules` whose `probe.out` goes to the output, for 20 ms, no notes.
fn probe(modules: Value, connections: Value) -> Vec<f32> {
    let mut connections = connections.as_array().cloned().unwrap_or_default();
    connections.push(json!({ "from": "probe.out", "to": "out.in" }));
    let mut modules = modules.as_array().cloned().unwrap_or_default();
    modules.push(json!({ "id": "out", "kind": "output" }));
    render_patch(
        &patch(Value::from(modules), Value::from(connections)),
        SR,
        0.02,
        "",
        64,
    )
    .left
}

/// A constant source: `offset` with nothing on its input.
fn constant(id: &str, value: f64) -> Value {
    json!({ "id": id, "kind": "offset", "params": { "offset": value } })
}

/// Asserts every sample of `x` is `want` within `tol`.
fn assert_all(x: &[f32], want: f64, tol: f64, what: &str) {
    let worst = x
        .iter()
        .map(|&v| (f64::from(v) - want).abs())
        .fold(0.0, f64::max);
    assert!(worst <= tol, "{what}: off by {worst} from {want}");
}

#[test]
fn vca_multiplies_by_gain_and_clamped_cv() {
    let osc = json!({ "id": "osc", "kind": "sine", "params": { "freq": 1000.0, "gain": 0.8 } });
    let sine = probe(
        json!([osc, { "id": "probe", "kind": "vca" }]),
        json!([{ "from": "osc.out", "to": "probe.in" }]),
    );
    assert!(
        (rms(&sine) / (0.8 / 2f64.sqrt()) - 1.0).abs() < 1e-3,
        "unity by default"
    );
    for (cv, want) in [
        (None, 0.5),
        (Some(0.25), 0.125),
        (Some(1.5), 0.5),
        (Some(-0.5), 0.0),
    ] {
        let mut modules = vec![
            osc.clone(),
            json!({ "id": "probe", "kind": "vca", "params": { "gain": 0.5 } }),
        ];
        let mut connections = vec![json!({ "from": "osc.out", "to": "probe.in" })];
        if let Some(cv) = cv {
            modules.push(constant("cv", cv));
            connections.push(json!({ "from": "cv.out", "to": "probe.cv" }));
        }
        let out = probe(Value::from(modules), Value::from(connections));
        let scaled: Vec<f32> = sine.iter().map(|&x| x * want as f32).collect();
        assert!(max_diff(&out, &scaled) < 1e-6, "cv {cv:?}");
        let level = rms(&out) / rms(&sine);
        assert!((level - want).abs() < 1e-6, "cv {cv:?}: level {level}");
    }
    // Gain modulation is additive: 0.2 + 0.3 = 0.5.
    let out = probe(
        json!([osc, constant("m", 0.3),
               { "id": "probe", "kind": "vca", "params": { "gain": 0.2 } }]),
        json!([{ "from": "osc.out", "to": "probe.in" }, { "from": "m.out", "to": "probe.gain" }]),
    );
    assert!((rms(&out) / rms(&sine) - 0.5).abs() < 1e-6);
}

#[test]
fn mixer_sums_levels_times_master() {
    let values = [0.1, 0.2, -0.3, 0.4];
    let levels = [0.5, 1.0, 2.0, 0.0];
    let master = 1.5;
    let mut modules: Vec<Value> = (0..4)
        .map(|i| constant(&format!("c{i}"), values[i]))
        .collect();
    modules.push(json!({ "id": "probe", "kind": "mixer", "params": {
        "level1": levels[0], "level2": levels[1], "level3": levels[2], "level4": levels[3],
        "master": master } }));
    let connections: Vec<Value> = (0..4)
        .map(|i| json!({ "from": format!("c{i}.out"), "to": format!("probe.in{}", i + 1) }))
        .collect();
    let out = probe(
        Value::from(modules.clone()),
        Value::from(connections.clone()),
    );
    let want: f64 = master * values.iter().zip(levels).map(|(v, l)| v * l).sum::<f64>();
    assert_all(&out, want, 1e-6, "mixer");

    // Only two inputs, default levels: a plain sum. Level modulation adds.
    let out = probe(
        json!([constant("a", 0.25), constant("b", -0.75), constant("m", 0.5),
               { "id": "probe", "kind": "mixer" }]),
        json!([{ "from": "a.out", "to": "probe.in1" }, { "from": "b.out", "to": "probe.in3" },
               { "from": "m.out", "to": "probe.level1" }]),
    );
    assert_all(&out, 1.5 * 0.25 - 0.75, 1e-6, "mixer with level modulation");
}

#[test]
fn attenuverter_and_offset_follow_their_formulas() {
    let out = probe(
        json!([constant("c", 0.3),
               { "id": "probe", "kind": "attenuverter", "params": { "amount": -2.5 } }]),
        json!([{ "from": "c.out", "to": "probe.in" }]),
    );
    assert_all(&out, -0.75, 1e-6, "attenuverter");
    let out = probe(
        json!([constant("c", 0.3), constant("m", 1.0),
               { "id": "probe", "kind": "attenuverter", "params": { "amount": -2.5 } }]),
        json!([{ "from": "c.out", "to": "probe.in" }, { "from": "m.out", "to": "probe.amount" }]),
    );
    assert_all(&out, -0.45, 1e-6, "attenuverter, amount modulated to -1.5");

    let osc = json!({ "id": "osc", "kind": "sine", "params": { "freq": 1000.0, "gain": 0.5 } });
    let sine = probe(
        json!([osc, { "id": "probe", "kind": "offset", "params": { "offset": 0.0 } }]),
        json!([{ "from": "osc.out", "to": "probe.in" }]),
    );
    let shifted = probe(
        json!([osc, { "id": "probe", "kind": "offset", "params": { "offset": 440.0 } }]),
        json!([{ "from": "osc.out", "to": "probe.in" }]),
    );
    let diff: Vec<f32> = shifted.iter().zip(&sine).map(|(a, b)| a - b).collect();
    assert_all(&diff, 440.0, 1e-4, "offset");
    let mean = shifted.iter().map(|&x| f64::from(x)).sum::<f64>() / shifted.len() as f64;
    assert!((mean - 440.0).abs() < 1e-3, "offset mean {mean}");
}

#[test]
fn drive_matches_compensated_tanh() {
    for (x, drive, mix, level) in [
        (0.05, 4.0, 1.0, 0.8),
        (0.3, 4.0, 1.0, 0.8),
        (1.0, 4.0, 1.0, 0.8),
        (-1.0, 12.0, 1.0, 1.0),
        (2.0, 1.0, 1.0, 1.0),
        (0.5, 3.0, 0.5, 1.5),
        (0.5, 0.2, 1.0, 1.0),
    ] {
        let out = probe(
            json!([constant("c", x),
                   { "id": "probe", "kind": "drive",
                     "params": { "drive": drive, "mix": mix, "level": level } }]),
            json!([{ "from": "c.out", "to": "probe.in" }]),
        );
        let shaped = (drive * x).tanh() / drive.tanh();
        let want = level * (mix * shaped + (1.0 - mix) * x);
        // The tanh approximation is within 1e-4; compensation and level scale that.
        let tol = 1e-4 * level * (1.0 + 1.0 / drive.tanh());
        assert_all(&out, want, tol, &format!("drive {drive} on {x}"));
    }
    // A full-scale sine comes out at full scale, whatever the drive.
    for drive in [1.0, 5.0, 40.0] {
        let out = probe(
            json!([{ "id": "osc", "kind": "sine", "params": { "freq": 750.0, "gain": 1.0 } },
                   { "id": "probe", "kind": "drive", "params": { "drive": drive } }]),
            json!([{ "from": "osc.out", "to": "probe.in" }]),
        );
        let peak = chronus_tests::measure::peak(&out);
        assert!((peak - 1.0).abs() < 2e-4, "drive {drive}: peak {peak}");
    }
}

/// `note.<port>` through a `slew` with `params` into the output.
fn slew_patch(port: &str, params: Value) -> String {
    patch(
        json!([{ "id": "note", "kind": "note" },
               { "id": "glide", "kind": "slew", "params": params },
               { "id": "out", "kind": "output" }]),
        json!([{ "from": format!("note.{port}"), "to": "glide.in" },
               { "from": "glide.out", "to": "out.in" }]),
    )
}

#[test]
fn slew_linear_covers_one_unit_in_rise_and_fall() {
    let json = slew_patch("gate", json!({ "rise": 100.0, "fall": 50.0 }));
    let out = render_patch(&json, SR, 0.5, "60@0.05:0.3", 64).left;
    let (on, off) = (frame(0.05), frame(0.3));
    // The output moves 1/rise_samples from the note-on frame, so it arrives on the
    // rise_samples-th frame (index on + rise_samples - 1).
    let up = first_index(&out, on, |x| x >= 1.0).unwrap() + 1 - on;
    let down = first_index(&out, off, |x| x <= 0.0).unwrap() + 1 - off;
    println!("slew linear: rise {up} samples (want 4800), fall {down} (want 2400)");
    assert!((up as f64 - samples(100.0)).abs() <= 1.0);
    assert!((down as f64 - samples(50.0)).abs() <= 1.0);
    assert!(
        (f64::from(out[on + 2399]) - 0.5).abs() < 1e-6,
        "linear at mid-rise"
    );
    assert!((max_step(&out) - 1.0 / samples(50.0)).abs() < 1e-6);
}

#[test]
fn slew_exponential_covers_a_step_in_its_time() {
    let json = slew_patch(
        "gate",
        json!({ "rise": 80.0, "fall": 40.0, "curve": "exponential" }),
    );
    let out = render_patch(&json, SR, 0.5, "60@0.05:0.3", 64).left;
    let (on, off) = (frame(0.05), frame(0.3));
    let up = first_index(&out, on, |x| x >= 0.999).unwrap() + 1 - on;
    let down = first_index(&out, off, |x| x <= 1.0 - 0.999).unwrap() + 1 - off;
    println!("slew exponential: 99.9 % of rise in {up} samples (want 3840), fall {down} (1920)");
    assert!((up as f64 - samples(80.0)).abs() <= 1.0);
    assert!((down as f64 - samples(40.0)).abs() <= 1.0);
    // Time constant: 1 - 1/e of the way after rise / ln(1000).
    let tau = (samples(80.0) / 1000f64.ln()).round() as usize;
    assert!((f64::from(out[on + tau - 1]) - (1.0 - (-1f64).exp())).abs() < 1e-3);
}

#[test]
fn slew_glides_note_pitch_for_portamento() {
    // Legato from A3 (-1 V) to A4 (0 V): 200 ms per volt, so 200 ms.
    let json = slew_patch("pitch", json!({ "rise": 200.0, "fall": 200.0 }));
    let out = render_patch(&json, SR, 0.9, "57@0:0.7, 69@0.2:0.6", 64).left;
    assert_eq!(out[0], -1.0, "starts at the first note, no glide from 0");
    let t = frame(0.2);
    let arrive = first_index(&out, t, |x| x >= 0.0).unwrap() + 1 - t;
    println!("portamento: 1 V glide took {arrive} samples (want 9600)");
    assert!((arrive as f64 - samples(200.0)).abs() <= 1.0);
    // Back down to A3 after the A4 note ends (the held A3 key takes over).
    let t = frame(0.6);
    let back = first_index(&out, t, |x| x <= -1.0).unwrap() + 1 - t;
    assert!((back as f64 - samples(200.0)).abs() <= 1.0);
}

#[test]
fn sample_hold_holds_between_triggers() {
    let osc = json!({ "id": "osc", "kind": "sine", "params": { "freq": 3.0, "gain": 1.0 } });
    let sine = render_patch(
        &patch(
            json!([osc, { "id": "out", "kind": "output" }]),
            json!([{ "from": "osc.out", "to": "out.in" }]),
        ),
        SR,
        0.8,
        "",
        64,
    )
    .left;
    let notes = "60@0.1:0.2, 60@0.3:0.4, 60@0.55:0.6";
    let starts = [frame(0.1), frame(0.3), frame(0.55)];
    for trigger in [Some("note.gate"), Some("note.trigger"), None] {
        let mut connections = vec![
            json!({ "from": "osc.out", "to": "sh.in" }),
            json!({ "from": "sh.out", "to": "out.in" }),
        ];
        if let Some(t) = trigger {
            connections.push(json!({ "from": t, "to": "sh.trigger" }));
        }
        let json = patch(
            json!([osc, { "id": "note", "kind": "note" },
                   { "id": "sh", "kind": "sample_hold" }, { "id": "out", "kind": "output" }]),
            Value::from(connections),
        );
        let out = render_patch(&json, SR, 0.8, notes, 64).left;
        assert!(
            out[..starts[0]].iter().all(|&x| x == 0.0),
            "{trigger:?}: 0 before"
        );
        for (k, &s) in starts.iter().enumerate() {
            let end = starts.get(k + 1).copied().unwrap_or(out.len());
            assert_all(
                &out[s..end],
                f64::from(sine[s]),
                0.0,
                &format!("{trigger:?} hold {k}"),
            );
        }
        // The held values differ (the sine moved), so holding is not a constant output.
        assert!((sine[starts[0]] - sine[starts[1]]).abs() > 0.1);
    }
}

#[test]
fn nan_inputs_leave_shaper_state_finite() {
    // test_nan plays a quiet sine for 20 ms, then NaN forever.
    let json = patch(
        json!([
            { "id": "bad", "kind": "test_nan", "params": { "after": 20.0 } },
            { "id": "note", "kind": "note" },
            { "id": "osc", "kind": "sine" },
            { "id": "glide", "kind": "slew", "params": { "rise": 5.0, "fall": 5.0 } },
            { "id": "sh", "kind": "sample_hold" },
            { "id": "env", "kind": "adsr" },
            { "id": "amp", "kind": "vca" },
            { "id": "mix", "kind": "mixer" },
            { "id": "out", "kind": "output" }
        ]),
        json!([
            { "from": "bad.out", "to": "glide.in" },
            { "from": "bad.out", "to": "sh.in" },
            { "from": "note.gate", "to": "sh.trigger" },
            { "from": "bad.out", "to": "env.gate" },
            { "from": "bad.out", "to": "env.attack" },
            { "from": "osc.out", "to": "amp.in" },
            { "from": "bad.out", "to": "amp.cv" },
            { "from": "glide.out", "to": "mix.in1" },
            { "from": "sh.out", "to": "mix.in2" },
            { "from": "env.out", "to": "mix.in3" },
            { "from": "amp.out", "to": "mix.in4" },
            { "from": "mix.out", "to": "out.in" }
        ]),
    );
    let out = render_patch(&json, SR, 0.3, "60@0.01:0.1, 60@0.15:0.2", 64);
    assert!(
        all_finite(&out.left),
        "NaN leaked into shaper state or output"
    );
}

/// A voice using every shaper: glide on pitch, drive, envelope into a vca, a mixer, an
/// attenuverter and offset on a modulation path, a sample-and-hold.
const VOICE: &str = r#"{ "format": 1, "name": "all shapers",
  "modules": [
    { "id": "note", "kind": "note" },
    { "id": "glide", "kind": "slew", "params": { "rise": 40, "fall": 60, "curve": "exponential" } },
    { "id": "osc", "kind": "sine", "params": { "freq": 440, "gain": 0.8 } },
    { "id": "sub", "kind": "sine", "params": { "freq": 220, "gain": 0.5 } },
    { "id": "sh", "kind": "sample_hold" },
    { "id": "depth", "kind": "attenuverter", "params": { "amount": -0.3 } },
    { "id": "bias", "kind": "offset", "params": { "offset": 0.1 } },
    { "id": "mix", "kind": "mixer", "params": { "level1": 0.7, "level2": 0.6, "master": 1.2 } },
    { "id": "sat", "kind": "drive", "params": { "drive": 3.0, "mix": 0.8 } },
    { "id": "env", "kind": "adsr", "params": { "attack": 7.3, "decay": 41, "sustain": 0.5, "release": 90 } },
    { "id": "amp", "kind": "vca", "params": { "gain": 0.9 } },
    { "id": "out", "kind": "output" } ],
  "connections": [
    { "from": "note.pitch", "to": "glide.in" },
    { "from": "glide.out", "to": "osc.freq" },
    { "from": "note.pitch", "to": "sh.in" },
    { "from": "sh.out", "to": "depth.in" },
    { "from": "depth.out", "to": "bias.in" },
    { "from": "bias.out", "to": "sub.freq" },
    { "from": "osc.out", "to": "mix.in1" },
    { "from": "sub.out", "to": "mix.in2" },
    { "from": "mix.out", "to": "sat.in" },
    { "from": "sat.out", "to": "amp.in" },
    { "from": "env.out", "to": "amp.cv" },
    { "from": "amp.out", "to": "out.in" } ] }"#;

const VOICE_NOTES: &str = "60@0.01:0.2, 64@0.1:0.25, 67@0.3:0.31, 55@0.33:0.6, 72@0.4:0.5";

#[test]
fn output_does_not_depend_on_host_block_size() {
    let adsr_sine = patch(
        json!([
            { "id": "osc", "kind": "sine", "params": { "freq": 330.0, "gain": 0.7 } },
            { "id": "env", "kind": "adsr",
              "params": { "attack": 3.7, "decay": 20.3, "sustain": 0.4, "release": 55.5 } },
            { "id": "out", "kind": "output" }
        ]),
        json!([{ "from": "osc.out", "to": "env.in" }, { "from": "env.out", "to": "out.in" }]),
    );
    for (name, json) in [("adsr + sine", adsr_sine.as_str()), ("all shapers", VOICE)] {
        let reference = render_patch(json, SR, 0.7, VOICE_NOTES, 64);
        assert!(rms(&reference.left) > 0.05, "{name}: sounding");
        for block in [1, 17, 512, 4096] {
            let out = render_patch(json, SR, 0.7, VOICE_NOTES, block);
            let diff = max_diff(&out.left, &reference.left);
            assert!(diff < 1e-6, "{name}: block {block} differs by {diff}");
        }
    }
}

#[test]
fn reset_restores_a_bit_identical_render() {
    let mut g = graph(VOICE, SR);
    let events = note_events(VOICE_NOTES, SR);
    let first = render::render(&mut g, &events, frame(0.7), 100);
    g.reset();
    let again = render::render(&mut g, &events, frame(0.7), 100);
    assert_eq!(max_diff(&first.left, &again.left), 0.0);
    assert!(all_finite(&first.left) && rms(&first.left) > 0.05);
}

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

#[test]
fn shapers_never_allocate_while_processing() {
    let mut g = graph(VOICE, SR);
    let env = g.module_index("env").unwrap();
    let events = note_events(VOICE_NOTES, SR);
    let (mut left, mut right) = (vec![0.0f32; 100], vec![0.0f32; 100]);
    let mut peak = 0.0f32;
    assert_no_alloc::assert_no_alloc(|| {
        let mut next = 0;
        for block in 0..frame(0.7) / 100 {
            let end = (block as u64 + 1) * 100;
            while let Some(e) = events.get(next).filter(|e| e.frame < end) {
                render::Player::apply(&mut g, &e.event);
                next += 1;
            }
            if block == 30 {
                g.set_gate(env, true);
            }
            g.process([&[], &[]], [&mut left, &mut right]);
            peak = left.iter().fold(peak, |m, x| m.max(x.abs()));
        }
        g.reset();
    });
    assert!(peak > 0.1, "it played (peak {peak})");
}
