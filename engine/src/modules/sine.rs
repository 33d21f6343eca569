//! `sine` (alias `simple_sine`, the prototype's oscillator): a pure sine.
//!
//! Params: `freq` (Hz at A4; V/oct input: `f = freq * 2^cv`), `gain`. The phase is kept
//! in f64 and wrapped every sample, so it never loses precision (the prototype's float32
//! phase was one source of its grit); the sine itself is a branch-free polynomial accurate
//! to f32 precision, evaluated for the whole block at once (vectorised; libm's f64 `sin`
//! per sample cost three quarters of the prototype chain). Processor runs on the audio
//! thread: no allocation.

use crate::module::{
    BuildContext, Category, KindSpec, MAX_BLOCK_FRAMES, Modulation, OutputSpec, ParamSpec,
    ProcContext, ProcIo, Processor, Unit, no_memory,
};

const FREQ: usize = 0;
const GAIN: usize = 1;

static PARAMS: [ParamSpec; 2] = [
    ParamSpec::new("freq", Unit::Hz, 0.01, 20_000.0, 440.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["frequency"])
        .doc("frequency; a connection adds volts per octave (note.pitch tracks the keyboard)"),
    ParamSpec::new("gain", Unit::Ratio, 0.0, 1.0, 0.5).doc("output level"),
];

/// The `sine` kind.
pub static KIND: KindSpec = KindSpec {
    name: "sine",
    aliases: &["simple_sine"],
    category: Category::Source,
    summary: "pure sine oscillator",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "the sine, -gain .. gain")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(SineProcessor { phase: 0.0 })
}

/// Realtime half of `sine`.
#[derive(Clone)]
struct SineProcessor {
    /// Phase in cycles, 0..1.
    phase: f64,
}

impl Processor for SineProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let freq = &io.params[FREQ].values[..n];
        let gain = &io.params[GAIN].values[..n];
        let inv_sr = 1.0 / f64::from(ctx.sample_rate);
        // Phases first, then the sines (independent per frame, so the compiler
        // vectorises them).
        let mut phases = [0.0f32; MAX_BLOCK_FRAMES];
        if io.params[FREQ].constant {
            // Steady pitch: frame i's phase is start + i * step, no serial chain.
            let (start, step) = (self.phase, f64::from(freq[0]) * inv_sr);
            for (p, &i) in phases[..n].iter_mut().zip(&FRAME_INDEX) {
                *p = fract(start + i * step) as f32;
            }
            self.phase = fract(start + n as f64 * step);
        } else {
            for (p, &f) in phases[..n].iter_mut().zip(freq) {
                *p = self.phase as f32;
                self.phase += f64::from(f) * inv_sr;
                if self.phase >= 1.0 {
                    self.phase -= self.phase.floor();
                }
            }
        }
        let out = &mut io.outputs[0][..n];
        for ((o, &p), &g) in out.iter_mut().zip(&phases[..n]).zip(gain) {
            *o = sin_cycles(p) * g;
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
    }

    crate::adopt_by_copy!();
}

/// 0.0, 1.0, 2.0, .. : frame indices as f64, so phase ramps vectorise.
static FRAME_INDEX: [f64; MAX_BLOCK_FRAMES] = {
    let mut t = [0.0; MAX_BLOCK_FRAMES];
    let mut i = 0;
    while i < MAX_BLOCK_FRAMES {
        t[i] = i as f64;
        i += 1;
    }
    t
};

/// `x - floor(x)` for `0 <= x < 2^51`, branch-free (so it vectorises without SSE4.1's
/// `roundpd`): adding and removing 2^52 rounds to an integer, then one step down if that
/// rounded up.
#[inline]
fn fract(x: f64) -> f64 {
    const ROUND: f64 = 4_503_599_627_370_496.0; // 2^52
    let r = (x + ROUND) - ROUND;
    let floor = if r > x { r - 1.0 } else { r };
    x - floor
}

/// `sin(2 pi x)` for `x` in 0..1 (cycles), branch-free so blocks of it vectorise.
/// Folds to a quarter wave and evaluates a degree-9 odd minimax polynomial: error below
/// 4e-9 before f32 rounding, i.e. at the level of f32 itself (harmonics under -140 dB).
#[inline]
fn sin_cycles(x: f32) -> f32 {
    // sin(2 pi x) = -sin(2 pi t) with t = x - 0.5 in -0.5..0.5; then fold t into
    // -0.25..0.25 using sin(pi - a) = sin(a).
    let t = x - 0.5;
    let u = 2.0 * t.clamp(-0.25, 0.25) - t;
    let u2 = u * u;
    let p = SIN_POLY[3] + u2 * SIN_POLY[4];
    let p = SIN_POLY[2] + u2 * p;
    let p = SIN_POLY[1] + u2 * p;
    let p = SIN_POLY[0] + u2 * p;
    -(u * p)
}

/// Coefficients of `u, u^3, .., u^9` approximating `sin(2 pi u)` on -0.25..0.25 (minimax,
/// fitted with the Remez exchange for this module).
#[allow(clippy::approx_constant)] // fitted coefficients; the first is not exactly 2 pi
const SIN_POLY: [f32; 5] = [6.283185, -41.341656, 81.601006, -76.54978, 39.536705];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cycles_matches_the_f64_sine_to_f32_precision() {
        let worst = (0..=100_000)
            .map(|i| {
                let x = i as f32 / 100_001.0;
                let exact = (f64::from(x) * std::f64::consts::TAU).sin();
                (f64::from(sin_cycles(x)) - exact).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 3e-7, "worst error {worst:e}");
    }

    #[test]
    fn fract_is_x_minus_floor() {
        for x in [
            0.0,
            0.25,
            0.999_999_999,
            1.0,
            1.5,
            2.0,
            63.75,
            160.000_000_1,
            1e9 + 0.5,
        ] {
            assert_eq!(fract(x), x - x.floor(), "{x}");
        }
    }
}
