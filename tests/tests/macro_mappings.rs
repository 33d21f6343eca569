//! Macro and CC mappings measured on rendered sound: until a source is set the patch's
//! own value plays; a macro mapped exponentially to an oscillator's frequency then moves
//! the pitch to the mapped value, with a glide and no click, at the sample the event lands
//! on, whatever the host block size.

use chronus_engine::render::{self, Event, TimedEvent};
use chronus_tests::{graph, measure};

/// `sine osc1 -> output`, macro 1 -> osc1.freq (220 .. 880 Hz, exponential),
/// CC 1 (mod wheel) -> osc1.gain (0.1 .. 0.5).
const PATCH: &str = r#"{ "format": 1, "name": "mapped sine",
    "modules": [
        { "id": "osc1", "kind": "sine", "params": { "freq": 440, "gain": 0.3 } },
        { "id": "out", "kind": "output" } ],
    "connections": [ { "from": "osc1.out", "to": "out.in" } ],
    "macros": [
        { "macro": 1, "target": "osc1.freq", "min": 220, "max": 880, "curve": "exponential" },
        { "cc": 1, "target": "osc1.gain", "min": 0.1, "max": 0.5 } ] }"#;

const SR: f32 = 48_000.0;

fn events() -> Vec<TimedEvent> {
    vec![
        TimedEvent {
            frame: 48_000,
            event: Event::Macro {
                index: 0,
                value: 0.75,
            },
        },
        TimedEvent {
            frame: 96_000,
            event: Event::Cc { cc: 1, value: 1.0 },
        },
    ]
}

#[test]
fn a_macro_moves_the_mapped_pitch_exponentially() {
    let mut g = graph(PATCH, SR);
    let out = render::render(&mut g, &events(), 144_000, 256);
    let before = measure::frequency(&out.left[4_800..48_000], f64::from(SR), 50.0);
    let after = measure::frequency(&out.left[52_800..96_000], f64::from(SR), 50.0);
    assert!(
        measure::cents(before, 440.0).abs() < 0.5,
        "macro unset, the patch's value: {before} Hz"
    );
    // 220 * 4^0.75 = 622.25 Hz.
    let expected = 220.0 * 4f64.powf(0.75);
    assert!(
        measure::cents(after, expected).abs() < 0.5,
        "macro at 0.75: {after} Hz"
    );
    // CC 1 unset: the patch's gain 0.3; CC 1 at 1: 0.5.
    let before_cc = measure::peak(&out.left[60_000..96_000]);
    let after_cc = measure::peak(&out.left[100_000..144_000]);
    assert!(
        (before_cc - 0.3).abs() < 1e-3 && (after_cc - 0.5).abs() < 1e-3,
        "{before_cc} {after_cc}"
    );
    // Smoothed: no step larger than a 0.5-amplitude 880 Hz sine's own.
    let limit = 0.5 * 2.0 * std::f64::consts::PI * 880.0 / f64::from(SR);
    assert!(measure::max_step(&out.left) < limit * 1.01);
}

#[test]
fn the_macro_lands_on_its_sample_whatever_the_block_size() {
    let reference = render::render(&mut graph(PATCH, SR), &events(), 100_000, 64);
    for block in [1, 17, 512, 4096] {
        let out = render::render(&mut graph(PATCH, SR), &events(), 100_000, block);
        let diff = measure::max_diff(&out.left, &reference.left);
        assert!(diff < 1e-6, "block {block}: differs by {diff}");
    }
    // Nothing changes before the event; the glide starts right at it.
    let unmoved = render::render(&mut graph(PATCH, SR), &[], 100_000, 64);
    assert!(measure::max_diff(&reference.left[..48_000], &unmoved.left[..48_000]) == 0.0);
    assert!(
        measure::max_diff(
            &reference.left[48_000..48_010],
            &unmoved.left[48_000..48_010]
        ) > 0.0
    );
}
