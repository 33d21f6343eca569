//! Filters and delay, measured from rendered samples: `biquad` and `svf` magnitude
//! responses against their analog designs, the `svf` under audio-rate modulation, the
//! `delay`'s timing, feedback, minimum time and feedback loops, block-size invariance of
//! a patch with all three in a loop, recovery from NaN, and the memory limit.
//!
//! Responses are measured from impulse responses (an impulse through `audio_in`), whose
//! DFT at a frequency is exact once the response has died away; the expected value is
//! the analog prototype evaluated through the bilinear transform with the cutoff
//! pre-warped, written here from the textbook formulas, independently of the modules.

use std::f64::consts::PI;

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use chronus_engine::compile::{self, order::Step};
use chronus_engine::render::{self, Event, Player, Stereo, TimedEvent};
use chronus_engine::{CompileError, Graph, Patch, PatchError};
use chronus_tests::measure::{self, db};
use chronus_tests::{frames, graph};
use rustfft::num_complex::Complex;

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

const SR: f32 = 48_000.0;

/// Plays a graph with allocation forbidden in every realtime call.
struct NoAlloc(Graph);

impl Player for NoAlloc {
    fn apply(&mut self, event: &Event) {
        assert_no_alloc(|| self.0.apply(event));
    }

    fn render(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]) {
        assert_no_alloc(|| self.0.process(audio_in, out));
    }
}

/// Renders `input` (the same on both sides) through patch `json`; returns the left side.
fn run(json: &str, sample_rate: f32, input: &[f32], block: usize) -> Vec<f32> {
    let mut player = NoAlloc(graph(json, sample_rate));
    let stereo = Stereo {
        left: input.to_vec(),
        right: input.to_vec(),
    };
    render::render_with_input(&mut player, &[], &stereo, block).left
}

/// The response of patch `json` to a unit impulse at frame 0, `len` frames long.
fn impulse_response(json: &str, sample_rate: f32, len: usize) -> Vec<f32> {
    let mut input = vec![0.0; len];
    input[0] = 1.0;
    run(json, sample_rate, &input, 64)
}

/// `audio_in -> <kind with params>.<port> -> output`, the module called `f`.
fn through(kind: &str, params: &str, port: &str) -> String {
    format!(
        r#"{{ "format": 1, "modules": [
            {{ "id": "src", "kind": "audio_in" }},
            {{ "id": "f", "kind": "{kind}", "params": {{ {params} }} }},
            {{ "id": "out", "kind": "output" }} ],
          "connections": [
            {{ "from": "src.out", "to": "f.in" }},
            {{ "from": "f.{port}", "to": "out.in" }} ] }}"#
    )
}

/// Filter shapes, as analog prototypes with `s` normalised to the cutoff.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Lowpass,
    Highpass,
    Bandpass,
    Notch,
    Peak,
    LowShelf,
    HighShelf,
}

impl Shape {
    /// `H(s)` for quality `q` and gain `gain_db` (RBJ cookbook prototypes,
    /// `A = 10^(gain_db/40)`).
    fn analog(self, s: Complex<f64>, q: f64, gain_db: f64) -> Complex<f64> {
        let a = 10f64.powf(gain_db / 40.0);
        let one = Complex::new(1.0, 0.0);
        let s2 = s * s;
        let den = s2 + s / q + one;
        match self {
            Shape::Lowpass => one / den,
            Shape::Highpass => s2 / den,
            Shape::Bandpass => (s / q) / den,
            Shape::Notch => (s2 + one) / den,
            Shape::Peak => (s2 + s * (a / q) + one) / (s2 + s / (a * q) + one),
            Shape::LowShelf => {
                (s2 + s * (a.sqrt() / q) + a) / (s2 * a + s * (a.sqrt() / q) + one) * a
            }
            Shape::HighShelf => {
                (s2 * a + s * (a.sqrt() / q) + one) / (s2 + s * (a.sqrt() / q) + a) * a
            }
        }
    }

    /// The designed digital response at `f` Hz: the prototype through the bilinear
    /// transform pre-warped at `f0`.
    fn designed_db(self, f: f64, f0: f64, q: f64, gain_db: f64, sr: f64) -> f64 {
        let s = Complex::new(0.0, (PI * f / sr).tan() / (PI * f0 / sr).tan());
        db(self.analog(s, q, gain_db).norm())
    }
}

/// Ten test frequencies from 30 Hz to 16 kHz (roughly octaves).
const FREQS: [f64; 10] = [
    30.0, 65.0, 130.0, 270.0, 550.0, 1_150.0, 2_300.0, 4_700.0, 9_500.0, 16_000.0,
];

/// Largest |measured - designed| in dB over [`FREQS`] for one filter.
fn worst_error_db(
    json: &str,
    sr: f32,
    shape: Shape,
    f0: f64,
    q: f64,
    gain_db: f64,
    label: &str,
) -> f64 {
    let h = impulse_response(json, sr, frames(1.0, sr));
    assert!(measure::all_finite(&h), "{label}: non-finite output");
    // The response must have died away for the DFT to be the frequency response.
    let tail = measure::peak(&h[h.len() - 1000..]);
    assert!(tail < 1e-7, "{label}: response still ringing ({tail})");
    let mut worst = 0.0f64;
    for f in FREQS {
        let measured = db(measure::response_at(&h, f64::from(sr), f).norm());
        let designed = shape.designed_db(f, f0, q, gain_db, f64::from(sr));
        let err = (measured - designed).abs();
        assert!(
            err < 0.5,
            "{label}: {f} Hz measured {measured:.3} dB, designed {designed:.3} dB"
        );
        worst = worst.max(err);
    }
    println!("{label}: worst error {worst:.2e} dB");
    worst
}

#[test]
fn biquad_modes_match_the_cookbook_designs() {
    // (mode, shape, cutoff, q, gain_db, sample rate)
    let cases = [
        ("lowpass", Shape::Lowpass, 1_000.0, 0.707, 0.0, SR),
        ("lowpass", Shape::Lowpass, 5_000.0, 8.0, 0.0, 44_100.0),
        ("lowpass", Shape::Lowpass, 40.0, 0.707, 0.0, 96_000.0),
        ("highpass", Shape::Highpass, 2_000.0, 2.0, 0.0, SR),
        ("bandpass", Shape::Bandpass, 1_500.0, 4.0, 0.0, SR),
        ("notch", Shape::Notch, 800.0, 1.0, 0.0, SR),
        ("peak", Shape::Peak, 3_000.0, 2.0, 9.0, SR),
        ("peak", Shape::Peak, 300.0, 0.5, -12.0, SR),
        ("lowshelf", Shape::LowShelf, 300.0, 0.707, -6.0, SR),
        ("highshelf", Shape::HighShelf, 5_000.0, 0.9, 6.0, SR),
    ];
    let mut worst = 0.0f64;
    for (mode, shape, f0, q, gain, sr) in cases {
        let json = through(
            "biquad",
            &format!(r#""mode": "{mode}", "cutoff": {f0}, "q": {q}, "gain_db": {gain}"#),
            "out",
        );
        let label = format!("biquad {mode} {f0} Hz q {q} {gain} dB at {sr} Hz");
        worst = worst.max(worst_error_db(&json, sr, shape, f0, q, gain, &label));
    }
    println!("biquad: worst error over all modes {worst:.2e} dB");
}

#[test]
fn prototype_alias_and_param_names_work() {
    // The prototype's third chain ends in `biquad_filter` with `cutoff` and `q`.
    let json = r#"{ "format": 1, "modules": [
        { "id": "src", "kind": "audio_in" },
        { "id": "filt1", "kind": "biquad_filter", "params": { "cutoff": 2000, "q": 1.0 } },
        { "id": "out", "kind": "output" } ],
      "connections": [ { "from": "src.out", "to": "filt1.in" },
                       { "from": "filt1.out", "to": "out.in" } ] }"#;
    worst_error_db(
        json,
        SR,
        Shape::Lowpass,
        2_000.0,
        1.0,
        0.0,
        "biquad_filter 2000 Hz q 1",
    );
}

#[test]
fn svf_outputs_match_their_designs() {
    let cases = [
        ("lp", Shape::Lowpass, 1_000.0, 0.707),
        ("lp", Shape::Lowpass, 6_000.0, 5.0),
        ("bp", Shape::Bandpass, 1_000.0, 0.707),
        ("bp", Shape::Bandpass, 2_500.0, 6.0),
        ("hp", Shape::Highpass, 1_000.0, 0.707),
        ("hp", Shape::Highpass, 300.0, 3.0),
        ("notch", Shape::Notch, 1_300.0, 1.0),
    ];
    let mut worst = 0.0f64;
    for (port, shape, f0, q) in cases {
        let json = through("svf", &format!(r#""cutoff": {f0}, "q": {q}"#), port);
        let label = format!("svf {port} {f0} Hz q {q}");
        worst = worst.max(worst_error_db(&json, SR, shape, f0, q, 0.0, &label));
    }
    println!("svf: worst error over all outputs {worst:.2e} dB");
}

/// `sine(220 Hz) -> kind(q).port -> out` with `cutoff` swept by a `rate` Hz sine,
/// +-`octaves`.
fn swept(kind: &str, rate: f64, octaves: f64, q: f64, port: &str) -> String {
    format!(
        r#"{{ "format": 1, "modules": [
            {{ "id": "src", "kind": "sine", "params": {{ "freq": 220, "gain": 0.5 }} }},
            {{ "id": "sweep", "kind": "sine", "params": {{ "freq": {rate}, "gain": 1 }} }},
            {{ "id": "f", "kind": "{kind}", "params": {{ "cutoff": 1000, "q": {q} }} }},
            {{ "id": "out", "kind": "output" }} ],
          "connections": [
            {{ "from": "src.out", "to": "f.in" }},
            {{ "from": "sweep.out", "to": "f.cutoff", "gain": {octaves} }},
            {{ "from": "f.{port}", "to": "out.in" }} ] }}"#
    )
}

#[test]
fn svf_survives_audio_rate_cutoff_modulation() {
    // Cutoff 1000 Hz swept +-5 octaves (31 Hz .. the 20 kHz top) at up to 11 kHz, at the
    // highest resonance. A 0.5 input through a static lowpass at q 30 peaks at 15.
    let silence = vec![0.0; frames(1.0, SR)];
    for rate in [2.0, 150.0, 1_900.0, 11_000.0] {
        for port in ["lp", "bp", "hp"] {
            let out = run(&swept("svf", rate, 5.0, 30.0, port), SR, &silence, 64);
            assert!(measure::all_finite(&out), "{port} at {rate} Hz: not finite");
            let peak = measure::peak(&out);
            let late = measure::peak(&out[out.len() / 2..]);
            println!("svf {port} swept at {rate} Hz: peak {peak:.2}, second half {late:.2}");
            // Never above what the most resonant static filter could give (q x input).
            assert!(peak < 15.0, "{port} at {rate} Hz: peak {peak}");
            // And not silenced by a state reset (the narrow bandpass passes little).
            assert!(late > 1e-4, "{port} at {rate} Hz: went silent");
        }
    }
}

#[test]
fn biquad_survives_audio_rate_cutoff_modulation() {
    // The same sweep through the biquad, whose coefficients jump every 16 samples. A
    // direct-form biquad passes 1e14 here from q 5 up; the state-variable core must not.
    let silence = vec![0.0; frames(0.5, SR)];
    for q in [5.0, 30.0] {
        for rate in [150.0, 1_900.0] {
            let out = run(&swept("biquad", rate, 4.0, q, "out"), SR, &silence, 64);
            let peak = measure::peak(&out);
            println!("biquad q {q} swept at {rate} Hz: peak {peak:.2}");
            assert!(measure::all_finite(&out));
            assert!(peak < 0.5 * q, "q {q} at {rate} Hz: peak {peak}");
            assert!(measure::peak(&out[out.len() / 2..]) > 0.1, "went silent");
        }
    }
}

/// `audio_in -> delay(params) -> out`, playing `port`.
fn delay_patch(params: &str, port: &str) -> String {
    through("delay", params, port)
}

#[test]
fn delay_time_is_exact_to_the_sample() {
    for (sr, ms, expected) in [
        (SR, 1.5, 72),
        (SR, 10.0, 480),
        (44_100.0, 10.0, 441),
        (SR, 250.0, 12_000),
        (SR, 2_000.0, 96_000),
    ] {
        let json = delay_patch(&format!(r#""time": {ms}, "feedback": 0, "mix": 1"#), "out");
        let h = impulse_response(&json, sr, expected + 500);
        let onset = measure::first_above(&h, 1e-6);
        assert_eq!(onset, Some(expected), "{ms} ms at {sr} Hz");
        assert!((h[expected] - 1.0).abs() < 1e-6, "{ms} ms: {}", h[expected]);
        assert!(
            measure::peak(&h[expected + 1..]) < 1e-6,
            "{ms} ms: more than one echo"
        );
    }
}

#[test]
fn fractional_delay_has_the_right_phase_and_a_flat_magnitude() {
    // 10.01 ms at 48 kHz = 480.48 frames: read between samples.
    let json = delay_patch(r#""time": 10.01, "feedback": 0, "mix": 1"#, "wet");
    let h = impulse_response(&json, SR, 2_000);
    let want = 10.01e-3 * f64::from(SR);
    for f in [100.0, 1_000.0, 5_000.0] {
        let w = 2.0 * PI * f / f64::from(SR);
        // Remove the whole-sample part of the delay, then read the rest from the phase.
        let r = measure::response_at(&h, f64::from(SR), f) * Complex::from_polar(1.0, w * 480.0);
        let delay = 480.0 - r.arg() / w;
        let loss = db(r.norm());
        println!("delay 480.48 frames at {f} Hz: phase delay {delay:.4}, gain {loss:.3} dB");
        assert!((delay - want).abs() < 0.02, "{f} Hz: delay {delay}");
        assert!(loss.abs() < 0.1, "{f} Hz: gain {loss} dB");
    }
}

#[test]
fn delay_never_goes_below_one_block() {
    // 1 ms is 48 frames at 48 kHz and 8 at 8 kHz: both are held at 64 frames.
    for (sr, ms, expected) in [(SR, 1.0, 64), (8_000.0, 1.0, 64), (8_000.0, 5.0, 64)] {
        let json = delay_patch(&format!(r#""time": {ms}, "feedback": 0, "mix": 1"#), "out");
        let h = impulse_response(&json, sr, 1_000);
        assert_eq!(
            measure::first_above(&h, 1e-6),
            Some(expected),
            "{ms} ms at {sr} Hz"
        );
    }
    // Just above the minimum the delay is honoured again (10 ms at 8 kHz = 80 frames).
    let json = delay_patch(r#""time": 10, "feedback": 0, "mix": 1"#, "out");
    let h = impulse_response(&json, 8_000.0, 1_000);
    assert_eq!(measure::first_above(&h, 1e-6), Some(80));
}

#[test]
fn feedback_repeats_decay_geometrically() {
    for fb in [0.6f32, -0.7, 0.95] {
        let json = delay_patch(
            &format!(r#""time": 5, "feedback": {fb}, "mix": 0.25"#),
            "out",
        );
        let h = impulse_response(&json, SR, 240 * 12 + 10);
        // The dry impulse, at (1 - mix).
        assert!((h[0] - 0.75).abs() < 1e-6, "dry {}", h[0]);
        for k in 1..=12 {
            let want = 0.25 * fb.powi(k as i32 - 1);
            let got = h[240 * k];
            assert!(
                (got - want).abs() <= 1e-5 * want.abs(),
                "feedback {fb}, repeat {k}: {got} (want {want})"
            );
            // Nothing between repeats: the delay is a whole number of samples.
            assert!(measure::peak(&h[240 * (k - 1) + 1..240 * k]) < 1e-7);
        }
    }
}

#[test]
fn time_changes_glide_without_clicks() {
    // A 440 Hz sine through the delay; the time jumps 100 -> 130 ms (smoothed over
    // 10 ms by the graph) while the line is full.
    let json = r#"{ "format": 1, "modules": [
        { "id": "src", "kind": "sine", "params": { "freq": 440, "gain": 0.5 } },
        { "id": "d", "kind": "delay", "params": { "time": 100, "feedback": 0.5, "mix": 1 } },
        { "id": "out", "kind": "output" } ],
      "connections": [ { "from": "src.out", "to": "d.in" },
                       { "from": "d.out", "to": "out.in" } ] }"#;
    let mut g = NoAlloc(graph(json, SR));
    let addr = g.0.param_addr("d", "time").expect("time param");
    let events = [TimedEvent {
        frame: 24_001,
        event: Event::Param { addr, value: 130.0 },
    }];
    let out = render::render(&mut g, &events, frames(1.0, SR), 256).left;
    let steady = measure::max_step(&out[12_000..24_000]);
    let moving = measure::max_step(&out[24_000..26_000]);
    println!("delay time glide: max step {moving:.4} (steady {steady:.4})");
    assert!(measure::all_finite(&out));
    // Reading backwards at up to twice the speed multiplies the slope by at most 3.
    assert!(moving < 3.5 * steady, "click: {moving} vs {steady}");
}

/// `impulse -> d.return`, `d.wet -> f -> d.in` (the loop the issue names: the delay's
/// delayed output through an external filter back into its input, at `loop_gain`).
const LOOP_INTO_IN: &str = r#"{ "format": 1, "modules": [
    { "id": "src", "kind": "audio_in" },
    { "id": "d", "kind": "delay", "params": { "time": 20, "feedback": 0.99, "mix": 1 } },
    { "id": "f", "kind": "biquad", "params": { "mode": "lowpass", "cutoff": 3000, "q": 0.707 } },
    { "id": "out", "kind": "output" } ],
  "connections": [
    { "from": "src.out", "to": "d.return" },
    { "from": "d.wet", "to": "f.in" },
    { "from": "f.out", "to": "d.in", "gain": 0.7 },
    { "from": "d.wet", "to": "out.in" } ] }"#;

/// `impulse -> d.in`, `d.wet -> f -> d.return` (the filter inside the feedback path).
const LOOP_INTO_RETURN: &str = r#"{ "format": 1, "modules": [
    { "id": "src", "kind": "audio_in" },
    { "id": "d", "kind": "delay", "params": { "time": 20, "feedback": 0.8, "mix": 1 } },
    { "id": "f", "kind": "svf", "params": { "cutoff": 2000, "q": 0.707 } },
    { "id": "out", "kind": "output" } ],
  "connections": [
    { "from": "src.out", "to": "d.in" },
    { "from": "d.wet", "to": "f.in" },
    { "from": "f.lp", "to": "d.return" },
    { "from": "d.out", "to": "out.in" } ] }"#;

#[test]
fn feedback_loops_through_wet_compile_and_die_away() {
    for (json, gain) in [(LOOP_INTO_IN, 0.7), (LOOP_INTO_RETURN, 0.8)] {
        let g = graph(json, SR);
        // Schedule: the delay emits `wet` first, the filter runs, then the delay takes
        // its input.
        let (d, f) = (1, 2);
        let pos = |s: Step| g.steps().iter().position(|&x| x == s).expect("step");
        assert!(pos(Step::Emit(d)) < pos(Step::Process(f)));
        assert!(pos(Step::Process(f)) < pos(Step::Process(d)));

        let period = 960; // 20 ms
        let h = impulse_response(json, SR, period * 30);
        assert!(measure::all_finite(&h));
        // Each trip round the loop scales the echo by at most the loop gain (the
        // lowpass only takes away); the echoes smear, so compare whole periods.
        let energy: Vec<f64> = h.chunks(period).skip(1).map(measure::rms).collect();
        assert!(energy[0] > 0.01, "no first echo");
        for k in 1..energy.len() {
            assert!(
                energy[k] <= energy[k - 1] * gain * 1.02,
                "period {k}: {} after {}",
                energy[k],
                energy[k - 1]
            );
        }
        assert!(energy[energy.len() - 1] < 1e-3 * energy[0]);
    }
}

#[test]
fn cycle_through_the_undelayed_output_is_rejected() {
    let json = r#"{ "format": 1, "modules": [
        { "id": "src", "kind": "audio_in" },
        { "id": "echo", "kind": "delay" },
        { "id": "tone", "kind": "biquad" },
        { "id": "out", "kind": "output" } ],
      "connections": [
        { "from": "src.out", "to": "echo.return" },
        { "from": "echo.out", "to": "tone.in" },
        { "from": "tone.out", "to": "echo.in" },
        { "from": "echo.wet", "to": "out.in" } ] }"#;
    let patch = Patch::from_json(json).expect("patch JSON");
    let Err(err) = compile::compile(&patch, SR) else {
        panic!("a cycle through `out` is illegal");
    };
    let CompileError::Invalid(errors) = &err else {
        panic!("unexpected error {err}");
    };
    let cycle = errors
        .0
        .iter()
        .find_map(|e| match e {
            PatchError::Cycle { modules } => Some(modules.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no cycle error in: {err}"));
    let names: Vec<&str> = cycle.iter().map(|m| m.as_str()).collect();
    assert_eq!(names, ["echo", "tone"], "{err}");
    let text = err.to_string();
    assert!(text.contains("echo -> tone -> echo"), "{text}");
}

#[test]
fn delay_memory_counts_against_the_limit() {
    // 24 delays of 2 s: 9.2 MB at 48 kHz is fine, 74 MB at 384 kHz is over 64 MB.
    let mut modules = String::new();
    let mut connections = String::new();
    for i in 0..24 {
        modules.push_str(&format!(r#"{{ "id": "d{i}", "kind": "delay" }},"#));
        if i > 0 {
            connections.push_str(&format!(
                r#"{{ "from": "d{}.out", "to": "d{i}.in" }},"#,
                i - 1
            ));
        }
    }
    let json = format!(
        r#"{{ "format": 1, "modules": [ {modules} {{ "id": "out", "kind": "output" }} ],
             "connections": [ {connections} {{ "from": "d23.out", "to": "out.in" }} ] }}"#
    );
    let patch = Patch::from_json(&json).expect("patch JSON");
    assert!(compile::compile(&patch, SR).is_ok());
    let Err(err) = compile::compile(&patch, 384_000.0) else {
        panic!("over the memory limit");
    };
    assert!(err.to_string().contains("delay memory"), "{err}");
}

#[test]
fn filters_and_delay_recover_from_nan_and_inf() {
    let n = frames(0.5, SR);
    let clean: Vec<f32> = (0..n)
        .map(|i| (0.5 * (2.0 * PI * 330.0 * i as f64 / f64::from(SR)).sin()) as f32)
        .collect();
    let mut dirty = clean.clone();
    dirty[1_000] = f32::NAN;
    dirty[5_000] = f32::INFINITY;
    // A huge but finite sample: the filters treat it as a runaway and clear their state
    // (the delay would rightly repeat it, so it only goes to the filters).
    let mut huge = dirty.clone();
    huge[9_000] = 1e30;
    for (json, dirty) in [
        (
            through("biquad", r#""mode": "peak", "q": 4, "gain_db": 12"#, "out"),
            &huge,
        ),
        (through("svf", r#""q": 10"#, "bp"), &huge),
        (
            through("delay", r#""time": 3, "feedback": 0.9"#, "out"),
            &dirty,
        ),
        (
            through("delay", r#""time": 3, "feedback": 0.9"#, "wet"),
            &dirty,
        ),
    ] {
        let a = run(&json, SR, &clean, 64);
        let b = run(&json, SR, dirty, 64);
        assert!(measure::all_finite(&b), "{json}: non-finite output");
        // Some time after the last bad sample, the output is the clean one again.
        let from = 9_000 + frames(0.2, SR);
        let diff = measure::max_diff(&a[from..], &b[from..]);
        assert!(diff < 1e-3, "{json}: still off by {diff}");
    }
}

/// A voice with everything in it: a biquad with a swept cutoff inside the delay's
/// feedback path, the delay time swept, and an svf swept at audio rate after it.
const LOOP_PATCH: &str = r#"{ "format": 1, "name": "loop",
  "modules": [
    { "id": "src", "kind": "sine", "params": { "freq": 220, "gain": 0.5 } },
    { "id": "lfo", "kind": "sine", "params": { "freq": 3, "gain": 1 } },
    { "id": "wobble", "kind": "sine", "params": { "freq": 0.7, "gain": 1 } },
    { "id": "fast", "kind": "sine", "params": { "freq": 400, "gain": 1 } },
    { "id": "echo", "kind": "delay", "params": { "time": 30, "feedback": 0.7, "mix": 0.5 } },
    { "id": "tone", "kind": "biquad", "params": { "mode": "lowpass", "cutoff": 1500, "q": 2 } },
    { "id": "sweep", "kind": "svf", "params": { "cutoff": 800, "q": 4 } },
    { "id": "out", "kind": "output" } ],
  "connections": [
    { "from": "src.out", "to": "echo.in" },
    { "from": "echo.wet", "to": "tone.in" },
    { "from": "tone.out", "to": "echo.return" },
    { "from": "lfo.out", "to": "tone.cutoff", "gain": 2 },
    { "from": "wobble.out", "to": "echo.time", "gain": 10 },
    { "from": "echo.out", "to": "sweep.in" },
    { "from": "fast.out", "to": "sweep.cutoff", "gain": 1.5 },
    { "from": "sweep.lp", "to": "out.in" } ] }"#;

#[test]
fn loop_patch_is_block_size_invariant() {
    let g = graph(LOOP_PATCH, SR);
    let addr = |m: &str, p: &str| g.param_addr(m, p).expect("param");
    let events = [
        (10_007, addr("tone", "cutoff"), 4_000.0),
        (20_011, addr("echo", "time"), 45.0),
        (30_001, addr("sweep", "q"), 8.0),
        (30_001, addr("tone", "mode"), 4.0),
        (40_003, addr("tone", "gain_db"), 9.0),
    ]
    .map(|(frame, addr, value)| TimedEvent {
        frame,
        event: Event::Param { addr, value },
    });
    let len = frames(1.0, SR);
    let reference = render::render(&mut NoAlloc(graph(LOOP_PATCH, SR)), &events, len, 64);
    assert!(measure::all_finite(&reference.left));
    assert!(measure::rms(&reference.left) > 0.01, "silent");
    for block in [1, 17, 512, 4096] {
        let out = render::render(&mut NoAlloc(graph(LOOP_PATCH, SR)), &events, len, block);
        let diff = measure::max_diff(&reference.left, &out.left);
        println!("host block {block}: max difference {diff:.1e}");
        assert!(diff < 1e-6, "block {block}: differs by {diff}");
    }
}

#[test]
fn reset_restores_a_bit_identical_render() {
    let len = frames(0.5, SR);
    let mut player = NoAlloc(graph(LOOP_PATCH, SR));
    let first = render::render(&mut player, &[], len, 100);
    assert_no_alloc(|| player.0.reset());
    let second = render::render(&mut player, &[], len, 100);
    assert!(first == second, "render after reset differs");
}
