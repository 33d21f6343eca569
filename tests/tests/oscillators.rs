//! Source modules measured from rendered sound: pitch of `sine`, `saw`, `square` and
//! `triangle` to half a cent, their alias levels, amplitudes and keyboard tracking; the
//! spectrum and reproducibility of `noise`; the rate and shapes of `lfo`; and block-size
//! invariance of oscillators under modulation.

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use chronus_engine::module::{
    BuildContext, MACRO_COUNT, ParamBlock, ProcContext, ProcIo, Processor, SILENT_BLOCK, VoiceState,
};
use chronus_engine::{MAX_BLOCK_FRAMES, modules, render};
use chronus_tests::{frames, graph, measure, render_patch};

#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// A patch of one module `kind` with `params` (JSON object body), played as the sink.
fn single(kind: &str, params: &str) -> String {
    format!(
        r#"{{ "format": 1, "name": "{kind}",
             "modules": [ {{ "id": "m", "kind": "{kind}", "params": {{ {params} }} }} ],
             "connections": [] }}"#
    )
}

/// `seconds` of the left channel of `json` rendered at `sample_rate`, host blocks of 64.
fn mono(json: &str, sample_rate: f32, seconds: f64, notes: &str) -> Vec<f32> {
    render_patch(json, sample_rate, seconds, notes, 64).left
}

/// Oscillator kinds with a `freq` param.
const OSCILLATORS: [&str; 4] = ["sine", "saw", "square", "triangle"];

#[test]
fn every_oscillator_is_in_tune_within_half_a_cent() {
    for sample_rate in [48_000.0f32, 44_100.0] {
        for kind in OSCILLATORS {
            for freq in [55.0, 440.0, 4000.0] {
                let x = mono(
                    &single(kind, &format!(r#""freq": {freq}"#)),
                    sample_rate,
                    1.0,
                    "",
                );
                let measured = measure::frequency(&x, f64::from(sample_rate), 20.0);
                let error = measure::cents(measured, freq);
                assert!(
                    error.abs() < 0.5,
                    "{kind} at {freq} Hz, {sample_rate} Hz: measured {measured} ({error:+.4} cent)"
                );
            }
        }
    }
}

/// The worst inharmonic component of `kind` at `freq`, in dB below the fundamental,
/// skipping the first 10 ms.
fn alias_db(kind: &str, extra: &str, freq: f64, sample_rate: f32) -> f64 {
    let x = mono(
        &single(kind, &format!(r#""freq": {freq}{extra}"#)),
        sample_rate,
        1.01,
        "",
    );
    let skip = frames(0.01, sample_rate);
    measure::worst_inharmonic_db(&x[skip..], f64::from(sample_rate), freq, 30.0, 20.0)
}

#[test]
fn band_limited_oscillators_alias_at_least_90_db_down() {
    // Worst inharmonic component relative to the fundamental, and the bound asserted
    // (measured values a few dB below it). Narrow pulses have a weaker fundamental, so the
    // same residue is less far below it. A naive saw measures about -20 dB.
    // 997 Hz rather than 1 kHz, whose aliases would land on its own harmonics at 48 kHz.
    let cases = [
        ("saw", "", 5000.0, 48_000.0, -115.0),
        ("saw", "", 997.0, 48_000.0, -100.0),
        ("saw", "", 151.0, 48_000.0, -97.0),
        ("saw", "", 5000.0, 44_100.0, -105.0),
        ("saw", "", 12_345.0, 48_000.0, -115.0),
        ("square", "", 5000.0, 48_000.0, -115.0),
        ("square", "", 997.0, 48_000.0, -100.0),
        ("square", r#", "width": 0.23"#, 5000.0, 48_000.0, -115.0),
        ("square", r#", "width": 0.9"#, 997.0, 44_100.0, -94.0),
        ("triangle", "", 5000.0, 48_000.0, -115.0),
        ("triangle", "", 997.0, 48_000.0, -100.0),
        ("triangle", "", 5000.0, 44_100.0, -105.0),
    ];
    for (kind, extra, freq, sample_rate, bound) in cases {
        let db = alias_db(kind, extra, freq, sample_rate);
        eprintln!("{kind}{extra} {freq} Hz at {sample_rate} Hz: worst alias {db:.1} dB");
        assert!(
            db < bound,
            "{kind}{extra} at {freq} Hz, {sample_rate} Hz: alias {db:.1} dB (bound {bound})"
        );
    }
}

#[test]
fn the_alias_measurement_catches_a_naive_saw() {
    // The same measurement on a trivially generated (aliasing) saw must fail the bar,
    // or the test above proves nothing.
    let (sample_rate, freq) = (48_000.0, 5000.0);
    let x: Vec<f32> = (0..48_000)
        .map(|i| {
            let phase = (f64::from(i) * freq / sample_rate).fract();
            (2.0 * phase - 1.0) as f32 * 0.5
        })
        .collect();
    let db = measure::worst_inharmonic_db(&x, sample_rate, freq, 30.0, 20.0);
    assert!(db > -40.0, "naive saw measured {db:.1} dB");
}

#[test]
fn gain_sets_level_and_fundamental() {
    // (kind, RMS of the ideal wave at gain 1, fundamental amplitude at gain 1)
    let pi = std::f64::consts::PI;
    let cases = [
        ("sine", 0.5f64.sqrt(), 1.0),
        ("saw", (1.0f64 / 3.0).sqrt(), 2.0 / pi),
        ("square", 1.0, 4.0 / pi),
        ("triangle", (1.0f64 / 3.0).sqrt(), 8.0 / (pi * pi)),
    ];
    let sample_rate = 48_000.0;
    for (kind, rms, fundamental) in cases {
        let x = mono(
            &single(kind, r#""freq": 220, "gain": 0.5"#),
            sample_rate,
            0.5,
            "",
        );
        assert!(measure::all_finite(&x), "{kind} not finite");
        let measured = measure::rms(&x);
        assert!(
            (measured / (0.5 * rms) - 1.0).abs() < 0.01,
            "{kind} RMS {measured} vs {}",
            0.5 * rms
        );
        let f1 = measure::magnitude_at(&x, f64::from(sample_rate), 220.0);
        assert!(
            (f1 / (0.5 * fundamental) - 1.0).abs() < 0.005,
            "{kind} fundamental {f1} vs {}",
            0.5 * fundamental
        );
        // Band-limiting overshoots by the Gibbs ~9 % of a jump of 2 at most.
        let peak = measure::peak(&x);
        assert!(
            (0.49..=0.5 * 1.2).contains(&peak),
            "{kind} peak {peak} at gain 0.5"
        );
    }
}

#[test]
fn pulse_width_sets_the_duty_cycle() {
    let sample_rate = 48_000.0;
    for width in [0.1, 0.25, 0.5, 0.8] {
        let x = mono(
            &single(
                "square",
                &format!(r#""freq": 100, "width": {width}, "gain": 1"#),
            ),
            sample_rate,
            1.0,
            "",
        );
        let high = x.iter().filter(|&&s| s > 0.0).count() as f64 / x.len() as f64;
        assert!((high - width).abs() < 0.005, "width {width}: high {high}");
        let mean = x.iter().map(|&s| f64::from(s)).sum::<f64>() / x.len() as f64;
        assert!(
            (mean - (2.0 * width - 1.0)).abs() < 0.005,
            "width {width}: mean {mean}"
        );
    }
    // A 25 % pulse has no 4th harmonic; a square no even ones.
    let x = mono(
        &single("square", r#""freq": 250, "width": 0.25, "gain": 1"#),
        sample_rate,
        1.0,
        "",
    );
    let h1 = measure::magnitude_at(&x, 48_000.0, 250.0);
    let h4 = measure::magnitude_at(&x, 48_000.0, 1000.0);
    assert!(measure::db(h4 / h1) < -80.0, "25 % pulse 4th harmonic {h4}");
}

#[test]
fn note_pitch_drives_frequency() {
    for kind in OSCILLATORS {
        let json = format!(
            r#"{{ "format": 1, "name": "track",
                 "modules": [ {{ "id": "n", "kind": "note" }},
                              {{ "id": "o", "kind": "{kind}", "params": {{ "freq": 440 }} }} ],
                 "connections": [ {{ "from": "n.pitch", "to": "o.freq" }} ] }}"#
        );
        for (key, expected) in [(57, 220.0), (81, 880.0), (33, 55.0)] {
            let x = mono(&json, 48_000.0, 0.8, &format!("{key}@0:1"));
            let measured = measure::frequency(&x, 48_000.0, 20.0);
            let error = measure::cents(measured, expected);
            assert!(
                error.abs() < 0.5,
                "{kind} MIDI {key}: {measured} Hz, expected {expected} ({error:+.3} cent)"
            );
        }
    }
}

/// Spectral density in octave bands 125 .. 16000 Hz, in dB, and the fitted slope in
/// dB per octave.
fn octave_slope(x: &[f32], sample_rate: f64) -> (Vec<f64>, f64) {
    let spec = measure::spectrum(x);
    let bands: Vec<f64> = (0..7)
        .map(|i| {
            let lo = 125.0 * 2f64.powi(i);
            measure::band_density_db(&spec, sample_rate, lo, 2.0 * lo)
        })
        .collect();
    // Least squares line through (octave index, density).
    let n = bands.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = bands.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in bands.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    (bands, sxy / sxx)
}

#[test]
fn white_noise_is_flat_and_zero_mean() {
    let x = mono(&single("noise", r#""gain": 0.5"#), 48_000.0, 2.75, "");
    let x = &x[..1 << 17];
    let mean = x.iter().map(|&s| f64::from(s)).sum::<f64>() / x.len() as f64;
    assert!(mean.abs() < 0.005, "mean {mean}");
    let rms = measure::rms(x);
    assert!((rms / (0.5 / 3f64.sqrt()) - 1.0).abs() < 0.01, "rms {rms}");
    assert!(measure::peak(x) <= 0.5);
    let (bands, slope) = octave_slope(x, 48_000.0);
    let avg = bands.iter().sum::<f64>() / bands.len() as f64;
    assert!(
        slope.abs() < 0.2,
        "white slope {slope:.2} dB/oct, bands {bands:.2?}"
    );
    assert!(
        bands.iter().all(|b| (b - avg).abs() < 1.0),
        "white bands {bands:.2?}"
    );
}

#[test]
fn pink_noise_falls_3_db_per_octave() {
    let white = mono(&single("noise", r#""gain": 0.5"#), 48_000.0, 2.75, "");
    let x = mono(
        &single("noise", r#""color": 1, "gain": 0.5"#),
        48_000.0,
        2.75,
        "",
    );
    let x = &x[..1 << 17];
    let (bands, slope) = octave_slope(x, 48_000.0);
    eprintln!("pink: {slope:.3} dB/octave, bands {bands:.2?}");
    assert!(
        (slope + 3.01).abs() < 0.25,
        "pink slope {slope:.2} dB/oct, bands {bands:.2?}"
    );
    // Each band within 0.75 dB of the fitted -3 dB/octave line.
    let mid = bands.iter().sum::<f64>() / bands.len() as f64;
    for (i, b) in bands.iter().enumerate() {
        let line = mid - 3.01 * (i as f64 - 3.0);
        assert!(
            (b - line).abs() < 0.75,
            "pink band {i}: {b:.2} vs {line:.2}"
        );
    }
    // Same RMS as white, zero mean, finite.
    let ratio = measure::rms(x) / measure::rms(&white);
    assert!((ratio - 1.0).abs() < 0.1, "pink/white RMS {ratio}");
    assert!(measure::all_finite(x));
}

#[test]
fn noise_is_reproducible_and_seeded() {
    for color in [0, 1] {
        let json = single("noise", &format!(r#""color": {color}, "seed": 7"#));
        let mut g = graph(&json, 48_000.0);
        let first = render::render(&mut g, &[], 10_000, 64);
        g.reset();
        let again = render::render(&mut g, &[], 10_000, 64);
        assert_eq!(first, again, "reset must restart the sequence");
        let fresh = render_patch(&json, 48_000.0, 10_000.0 / 48_000.0, "", 333);
        assert_eq!(first, fresh, "same seed, same noise");
        let other = render_patch(
            &single("noise", &format!(r#""color": {color}, "seed": 8"#)),
            48_000.0,
            10_000.0 / 48_000.0,
            "",
            64,
        );
        assert!(measure::max_diff(&first.left, &other.left) > 0.1);
    }
}

#[test]
fn lfo_shapes_run_at_their_rate_and_span_the_amount() {
    let sample_rate = 48_000.0;
    for (shape, name) in ["sine", "triangle", "saw", "square"].iter().enumerate() {
        let x = mono(
            &single(
                "lfo",
                &format!(r#""rate": 7, "shape": {shape}, "amount": 0.8"#),
            ),
            sample_rate,
            2.0,
            "",
        );
        let measured = measure::frequency(&x, f64::from(sample_rate), 1.0);
        let error = measure::cents(measured, 7.0);
        assert!(
            error.abs() < 0.5,
            "{name}: {measured} Hz ({error:+.3} cent)"
        );
        let peak = measure::peak(&x);
        assert!((peak - 0.8).abs() < 1e-3, "{name} peak {peak}");
    }
    // The offset moves the whole wave.
    let x = mono(
        &single("lfo", r#""rate": 5, "amount": 0.5, "offset": 2"#),
        sample_rate,
        1.0,
        "",
    );
    let (lo, hi) = x
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &s| (l.min(s), h.max(s)));
    assert!(
        (lo - 1.5).abs() < 1e-3 && (hi - 2.5).abs() < 1e-3,
        "{lo} .. {hi}"
    );
}

#[test]
fn lfo_sample_and_hold_holds_steps_for_a_cycle() {
    let sample_rate = 48_000.0;
    let x = mono(
        &single("lfo", r#""rate": 10, "shape": 4, "amount": 1"#),
        sample_rate,
        1.0,
        "",
    );
    // New level exactly at each cycle start: every 4800 samples (give or take one, from
    // the accumulated phase's rounding).
    let changes: Vec<usize> = (1..x.len()).filter(|&i| x[i] != x[i - 1]).collect();
    assert!((9..=10).contains(&changes.len()), "{} steps", changes.len());
    for w in changes.windows(2) {
        assert!(
            (w[1] - w[0]).abs_diff(4800) <= 1,
            "step gap {}",
            w[1] - w[0]
        );
    }
    let levels: Vec<f32> = changes.iter().map(|&i| x[i]).collect();
    assert!(levels.iter().all(|l| (-1.0..=1.0).contains(l)));
    let spread = levels.iter().fold(0.0f32, |m, l| m.max(l.abs()));
    assert!(spread > 0.3, "levels {levels:?} look not random");
}

#[test]
fn lfo_sync_restarts_the_cycle() {
    // A 1 Hz saw synced by note triggers at 0 s and 0.3 s: after the second trigger the
    // output repeats the first 0.3 s exactly.
    let json = r#"{ "format": 1, "name": "sync",
        "modules": [ { "id": "n", "kind": "note" },
                     { "id": "l", "kind": "lfo", "params": { "rate": 1, "shape": 2 } } ],
        "connections": [ { "from": "n.trigger", "to": "l.sync" } ] }"#;
    let x = mono(json, 48_000.0, 0.6, "60@0:0.2,60@0.3:0.5");
    let at = frames(0.3, 48_000.0);
    assert_eq!(x[0], -1.0);
    assert_eq!(&x[..at], &x[at..2 * at], "sync must restart the ramp");
    // Without sync it would have continued: at 0.3 s a free 1 Hz saw reads -0.4.
    let free = mono(
        &single("lfo", r#""rate": 1, "shape": 2"#),
        48_000.0,
        0.6,
        "",
    );
    assert!((free[at] + 0.4).abs() < 1e-3);
}

#[test]
fn modulated_oscillators_do_not_depend_on_host_block_size() {
    // Each oscillator swept over several octaves (crossing many table levels) by an lfo
    // in V/oct, and audio-rate FM / pulse-width modulation from a sine.
    let patches = [
        r#"{ "format": 1, "name": "sweep",
            "modules": [ { "id": "l", "kind": "lfo", "params": { "rate": 3, "amount": 3 } },
                         { "id": "o", "kind": "saw", "params": { "freq": 2000 } } ],
            "connections": [ { "from": "l.out", "to": "o.freq" } ] }"#,
        r#"{ "format": 1, "name": "fm",
            "modules": [ { "id": "s", "kind": "sine", "params": { "freq": 331, "gain": 1 } },
                         { "id": "o", "kind": "triangle", "params": { "freq": 900 } } ],
            "connections": [ { "from": "s.out", "to": "o.freq", "gain": 2 } ] }"#,
        r#"{ "format": 1, "name": "pwm",
            "modules": [ { "id": "s", "kind": "sine", "params": { "freq": 5.5, "gain": 0.4 } },
                         { "id": "l", "kind": "lfo", "params": { "rate": 0.7, "shape": 1 } },
                         { "id": "o", "kind": "square", "params": { "freq": 300 } } ],
            "connections": [ { "from": "s.out", "to": "o.width" },
                             { "from": "l.out", "to": "o.freq" } ] }"#,
        r#"{ "format": 1, "name": "s&h",
            "modules": [ { "id": "l", "kind": "lfo",
                           "params": { "rate": 8, "shape": 4, "amount": 2, "seed": 3 } },
                         { "id": "o", "kind": "saw", "params": { "freq": 300 } } ],
            "connections": [ { "from": "l.out", "to": "o.freq" } ] }"#,
    ];
    for json in patches {
        let reference = render_patch(json, 48_000.0, 0.5, "", 64);
        assert!(measure::rms(&reference.left) > 0.05, "silent render");
        for block in [1, 17, 512, 4096] {
            let other = render_patch(json, 48_000.0, 0.5, "", block);
            let diff = measure::max_diff(&reference.left, &other.left);
            assert!(diff < 1e-6, "block {block}: differs by {diff}\n{json}");
        }
        let mut g = graph(json, 48_000.0);
        let first = render::render(&mut g, &[], 5000, 64);
        g.reset();
        assert_eq!(
            first,
            render::render(&mut g, &[], 5000, 64),
            "reset\n{json}"
        );
    }
}

/// Patches exercising every source kind with modulation (fast and per-sample paths).
const MODULATED: [&str; 3] = [
    r#"{ "format": 1, "name": "saw+lfo",
        "modules": [ { "id": "l", "kind": "lfo", "params": { "rate": 30, "amount": 4 } },
                     { "id": "o", "kind": "saw", "params": { "freq": 1000 } } ],
        "connections": [ { "from": "l.out", "to": "o.freq" } ] }"#,
    r#"{ "format": 1, "name": "pwm",
        "modules": [ { "id": "l", "kind": "lfo", "params": { "rate": 3, "shape": 4 } },
                     { "id": "t", "kind": "triangle", "params": { "freq": 4 } },
                     { "id": "o", "kind": "square", "params": { "freq": 500 } } ],
        "connections": [ { "from": "l.out", "to": "o.freq" },
                         { "from": "t.out", "to": "o.width", "gain": 0.8 } ] }"#,
    r#"{ "format": 1, "name": "noise",
        "modules": [ { "id": "l", "kind": "lfo", "params": { "rate": 2, "shape": 1 } },
                     { "id": "o", "kind": "noise", "params": { "color": 1 } } ],
        "connections": [ { "from": "l.out", "to": "o.gain", "gain": 0.3 } ] }"#,
];

#[test]
fn sources_never_allocate_while_processing() {
    for json in MODULATED {
        // Building (which makes the shared tables) may allocate; processing may not.
        let mut g = graph(json, 48_000.0);
        let (mut left, mut right) = (vec![0.0f32; 4096], vec![0.0f32; 4096]);
        assert_no_alloc(|| {
            for block in [1, 17, 64, 1000, 4096] {
                g.process([&[], &[]], [&mut left[..block], &mut right[..block]]);
            }
            g.reset();
            g.process([&[], &[]], [&mut left, &mut right]);
        });
        assert!(
            measure::all_finite(&left) && measure::rms(&left) > 0.01,
            "{json}"
        );
    }
}

/// Runs one 64-frame block of `p` with constant `params` (and 0.7 on any `sync` input)
/// at absolute frame `clock`, returning its first output.
fn run_block(p: &mut dyn Processor, params: &[f32], inputs: usize, clock: u64) -> Vec<f32> {
    let voice = VoiceState::default();
    let macros = [SILENT_BLOCK; MACRO_COUNT];
    let blocks: Vec<ParamBlock> = params
        .iter()
        .map(|&v| ParamBlock {
            values: [v; MAX_BLOCK_FRAMES],
            constant: true,
        })
        .collect();
    let ins = vec![SILENT_BLOCK; inputs];
    let connected = vec![false; inputs];
    let mut outs = vec![SILENT_BLOCK; 1];
    let ctx = ProcContext {
        frames: MAX_BLOCK_FRAMES,
        sample_rate: 48_000.0,
        clock,
        voice: &voice,
        macros: &macros,
        audio_in: [&SILENT_BLOCK, &SILENT_BLOCK],
    };
    p.process(
        &ctx,
        &mut ProcIo {
            inputs: &ins,
            connected: &connected,
            params: &blocks,
            outputs: &mut outs,
        },
    );
    outs[0].to_vec()
}

#[test]
fn adopted_state_continues_the_sound() {
    // A fresh processor that adopts a running one's state plays exactly what the running
    // one plays next (phase, PRNG and filter state carried over).
    for (kind, params) in [
        ("saw", &[311.0, 0.5][..]),
        ("square", &[311.0, 0.3, 0.5]),
        ("triangle", &[311.0, 0.5]),
        ("noise", &[1.0, 0.5, 5.0]),
        ("lfo", &[37.0, 4.0, 1.0, 0.0, 5.0]),
    ] {
        let spec = modules::find(kind).expect("kind exists");
        let ctx = BuildContext {
            sample_rate: 48_000.0,
            params,
        };
        let inputs = spec.inputs.len();
        let mut old = (spec.build)(&ctx);
        for b in 0..40 {
            run_block(old.as_mut(), params, inputs, b * 64);
        }
        let mut new = (spec.build)(&ctx);
        new.adopt_state(old.as_ref());
        let expected = run_block(old.as_mut(), params, inputs, 40 * 64);
        let got = run_block(new.as_mut(), params, inputs, 40 * 64);
        assert_eq!(got, expected, "{kind}");
        let fresh = run_block((spec.build)(&ctx).as_mut(), params, inputs, 0);
        assert_ne!(got, fresh, "{kind}: adopting must carry state over");
    }
}
