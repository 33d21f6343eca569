//! `biquad` (alias `biquad_filter`, the prototype's filter): a second-order filter with
//! the responses of Robert Bristow-Johnson's "Audio EQ Cookbook" in seven modes
//! (lowpass, highpass, bandpass, notch, peak, low shelf, high shelf).
//!
//! Each cookbook design is the bilinear transform of an analog prototype, warped so the
//! cutoff lands exactly where it is asked. Coefficients are computed in f64 when built
//! (so the filter is right from the first sample) and afterwards only on control ticks
//! ([`ProcContext::is_control_tick`], every [`CONTROL_INTERVAL`] samples of the absolute
//! clock) when `cutoff`, `q`, `mode` or `gain_db` differ from the values the current
//! coefficients were made from; a block whose params are constant and unchanged skips all
//! of it. So modulation of `cutoff` is followed at control rate (every 16 samples), which
//! keeps the cost down and the output independent of host block cuts; use `svf` to follow
//! audio-rate modulation sample by sample.
//!
//! Structure: not a direct form. The same transfer functions are realised as a mix of
//! the outputs of a TPT (trapezoidal, zero-delay feedback) state-variable core, as in
//! Andrew Simper's "linear trap SVF" notes: `out = m0 * in + m1 * band + m2 * low`. The
//! response is identical to the cookbook biquad's, but the state stays meaningful when
//! the coefficients jump. A transposed direct form II, the usual choice, blows up
//! (past 1e14) when its cutoff is swept at audio rate (a 1.9 kHz sine, +-2 octaves) at
//! q 5 or more; this structure does not. State is f64 (low cutoffs at high rates stay
//! exact).
//!
//! A non-finite or runaway state (beyond ±1e15, e.g. after a NaN input) is cleared, so
//! one bad sample costs one silent sample, never the voice. The processor runs on the
//! audio thread: no allocation, no panics.

use std::f64::consts::PI;

use crate::module::{
    BuildContext, CONTROL_INTERVAL, Category, InputSpec, KindSpec, Modulation, OutputSpec,
    ParamSpec, ProcContext, ProcIo, Processor, Unit, no_memory,
};

const CUTOFF: usize = 0;
const Q: usize = 1;
const MODE: usize = 2;
const GAIN_DB: usize = 3;

/// Highest cutoff actually used, as a fraction of the sample rate (just below Nyquist).
const MAX_CUTOFF_RATIO: f32 = 0.49;
/// Lowest cutoff actually used, in Hz (the param's own minimum; guards odd values).
const MIN_CUTOFF_HZ: f32 = 1.0;
/// Smallest Q actually used (guards odd values; the param's minimum is larger).
const MIN_Q: f32 = 0.01;
/// Output magnitude beyond which the state is considered broken and cleared.
const RUNAWAY: f64 = 1e15;

/// The filter modes, in the order of the `mode` param's choices.
const MODES: [&str; 7] = [
    "lowpass",
    "highpass",
    "bandpass",
    "notch",
    "peak",
    "lowshelf",
    "highshelf",
];

static PARAMS: [ParamSpec; 4] = [
    ParamSpec::new("cutoff", Unit::Hz, 20.0, 20_000.0, 1_000.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["freq", "frequency"])
        .doc(
            "cutoff or centre frequency, 20..20000 Hz (used at most 0.49 x sample rate), \
             default 1000; a connection adds volts per octave, followed every 16 samples",
        ),
    ParamSpec::new("q", Unit::Ratio, 0.1, 30.0, 0.707).doc(
        "quality factor 0.1..30, default 0.707 (Butterworth for lowpass/highpass); \
             higher is narrower and more resonant; a connection adds to it",
    ),
    ParamSpec::choice("mode", &MODES, 0)
        .doc("response: lowpass, highpass, bandpass (0 dB peak), notch, peak, lowshelf, highshelf"),
    ParamSpec::new("gain_db", Unit::Ratio, -24.0, 24.0, 0.0).doc(
        "boost (+) or cut (-) in dB, -24..24, default 0, for peak, lowshelf and highshelf \
         (ignored by the other modes); a connection adds dB",
    ),
];

/// The `biquad` kind.
pub static KIND: KindSpec = KindSpec {
    name: "biquad",
    aliases: &["biquad_filter"],
    category: Category::Filter,
    summary: "RBJ cookbook biquad: lowpass, highpass, bandpass, notch, peak and shelves",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "in",
        doc: "the signal to filter",
    }],
    outputs: &[OutputSpec::new("out", "the filtered signal")],
    build,
    memory_samples: no_memory,
};

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    let design = Design::from_params(
        ctx.params[CUTOFF],
        ctx.params[Q],
        ctx.params[MODE],
        ctx.params[GAIN_DB],
    );
    Box::new(BiquadProcessor {
        sample_rate: ctx.sample_rate,
        coefs: Coefs::design(&design, ctx.sample_rate),
        design,
        ic1: 0.0,
        ic2: 0.0,
    })
}

/// The param values a set of coefficients is made from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Design {
    /// Cutoff in Hz, as the param block gave it (before the Nyquist clamp).
    cutoff: f32,
    /// Q, as given.
    q: f32,
    /// Mode, as the choice param's value.
    mode: f32,
    /// Gain in dB, as given.
    gain_db: f32,
}

impl Design {
    fn from_params(cutoff: f32, q: f32, mode: f32, gain_db: f32) -> Self {
        Self {
            cutoff,
            q,
            mode,
            gain_db,
        }
    }
}

/// Coefficients of the state-variable core and its output mix.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coefs {
    a1: f64,
    a2: f64,
    a3: f64,
    /// Weight of the input.
    m0: f64,
    /// Weight of the band (first integrator) output.
    m1: f64,
    /// Weight of the low (second integrator) output.
    m2: f64,
}

impl Coefs {
    /// The cookbook response for `d` at `sample_rate`. Never fails: odd values (NaN, out
    /// of range) are pulled back to sane ones.
    ///
    /// With `s` normalised to the cutoff, the core's outputs are `band = ks/D` and
    /// `low = 1/D`, `D = s^2 + ks + 1`, so `out = (m0 D + m1 k s + m2) / D`; the weights
    /// below give each cookbook prototype (checked in the comments; `A = 10^(gain/40)`).
    fn design(d: &Design, sample_rate: f32) -> Self {
        let max_cutoff = MAX_CUTOFF_RATIO * sample_rate;
        // f32::max/min return the other operand for NaN, so NaN lands on a bound.
        let cutoff = f64::from(d.cutoff.max(MIN_CUTOFF_HZ).min(max_cutoff));
        let q = f64::from(d.q.max(MIN_Q));
        let gain_db = if d.gain_db.is_finite() {
            f64::from(d.gain_db.clamp(-60.0, 60.0))
        } else {
            0.0
        };
        let mode = if d.mode.is_finite() {
            d.mode.round().clamp(0.0, (MODES.len() - 1) as f32) as usize
        } else {
            0
        };

        // Pre-warped cutoff: the bilinear transform maps it exactly.
        let g = (PI * cutoff / f64::from(sample_rate)).tan();
        let k = 1.0 / q;
        let a = 10f64.powf(gain_db / 40.0);
        // (g, k, m0, m1, m2); the "band" output here is the unscaled v1 = s/D.
        let (g, k, m0, m1, m2) = match mode {
            // lowpass: 1 / (s^2 + s/Q + 1)
            0 => (g, k, 0.0, 0.0, 1.0),
            // highpass: s^2 / D = (D - ks - 1) / D
            1 => (g, k, 1.0, -k, -1.0),
            // bandpass, 0 dB peak: (s/Q) / D
            2 => (g, k, 0.0, k, 0.0),
            // notch: (s^2 + 1) / D = (D - ks) / D
            3 => (g, k, 1.0, -k, 0.0),
            // peak: (s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1): damping 1/(A Q), and the
            // numerator adds (A/Q - 1/(A Q)) s = k' (A^2 - 1) s.
            4 => {
                let k = 1.0 / (q * a);
                (g, k, 1.0, k * (a * a - 1.0), 0.0)
            }
            // low shelf: A (s^2 + s sqrt(A)/Q + A) / (A s^2 + s sqrt(A)/Q + 1). With
            // the core at cutoff g / sqrt(A) (t = s sqrt(A)) this is
            // (t^2 + kA t + A^2) / (t^2 + k t + 1).
            5 => (g / a.sqrt(), k, 1.0, k * (a - 1.0), a * a - 1.0),
            // high shelf: A (A s^2 + s sqrt(A)/Q + 1) / (s^2 + s sqrt(A)/Q + A). With
            // the core at cutoff g sqrt(A) (t = s / sqrt(A)) this is
            // (A^2 t^2 + kA t + 1) / (t^2 + k t + 1).
            _ => (g * a.sqrt(), k, a * a, k * (1.0 - a) * a, 1.0 - a * a),
        };
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        Self {
            a1,
            a2,
            a3: g * a2,
            m0,
            m1,
            m2,
        }
    }
}

/// Realtime half of `biquad`.
#[derive(Clone)]
struct BiquadProcessor {
    /// Sample rate the coefficients are designed for.
    sample_rate: f32,
    /// Current coefficients.
    coefs: Coefs,
    /// The param values `coefs` were made from (compared on each control tick).
    design: Design,
    /// First integrator's state (band side).
    ic1: f64,
    /// Second integrator's state (low side).
    ic2: f64,
}

impl BiquadProcessor {
    /// Filters `input` into `output` with the current coefficients.
    ///
    /// The core's update, `v1 = a1 ic1 + a2 (x - ic2)`, `v2 = ic2 + a2 ic1 + a3 (x - ic2)`,
    /// `ic' = 2 v - ic`, is applied in its expanded state-space form
    /// `ic1' = (2 a1 - 1) ic1 - 2 a2 ic2 + 2 a2 x`, `ic2' = 2 a2 ic1 + (1 - 2 a3) ic2 +
    /// 2 a3 x` (the same linear map, the same state), because that puts only one multiply
    /// and two adds between one sample's state and the next: the loop is bound by that
    /// latency, not by arithmetic (the direct chain was ~15 cycles per sample, this ~9).
    /// The outputs follow from `v = (ic + ic') / 2`, folded into one linear form.
    #[inline]
    fn run(&mut self, input: &[f32], output: &mut [f32]) {
        let Coefs {
            a1,
            a2,
            a3,
            m0,
            m1,
            m2,
        } = self.coefs;
        let (c11, c12, d1) = (2.0 * a1 - 1.0, -2.0 * a2, 2.0 * a2);
        let (c21, c22, d2) = (2.0 * a2, 1.0 - 2.0 * a3, 2.0 * a3);
        // The output `m0 x + m1 v1 + m2 v2` is linear in (x, ic1, ic2) too.
        let (h1, h2) = (0.5 * m1, 0.5 * m2);
        let e0 = m0 + h1 * d1 + h2 * d2;
        let e1 = h1 * (1.0 + c11) + h2 * c21;
        let e2 = h1 * c12 + h2 * (1.0 + c22);
        let (mut ic1, mut ic2) = (self.ic1, self.ic2);
        for (x, y) in input.iter().zip(output.iter_mut()) {
            let v0 = f64::from(*x);
            let next1 = (c11 * ic1 + d1 * v0) + c12 * ic2;
            let next2 = (c22 * ic2 + d2 * v0) + c21 * ic1;
            // `!(a < b)` is also true for NaN.
            if !(next1.abs() < RUNAWAY && next2.abs() < RUNAWAY) {
                ic1 = 0.0;
                ic2 = 0.0;
                *y = 0.0;
                continue;
            }
            *y = (e0 * v0 + e1 * ic1 + e2 * ic2) as f32;
            ic1 = next1;
            ic2 = next2;
        }
        self.ic1 = ic1;
        self.ic2 = ic2;
    }
}

impl Processor for BiquadProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let params = io.params;
        let input = &io.inputs[0];
        let output = &mut io.outputs[0];
        let at = |i: usize| {
            Design::from_params(
                params[CUTOFF].values[i],
                params[Q].values[i],
                params[MODE].values[i],
                params[GAIN_DB].values[i],
            )
        };
        let unchanged = params.iter().all(|p| p.constant) && at(0) == self.design;
        if unchanged {
            self.run(&input[..n], &mut output[..n]);
            return;
        }
        // Walk from control tick to control tick; ticks sit at absolute clock multiples
        // of CONTROL_INTERVAL, wherever the block starts.
        let mut i = 0;
        while i < n {
            if ctx.is_control_tick(i) {
                let d = at(i);
                if d != self.design {
                    self.coefs = Coefs::design(&d, self.sample_rate);
                    self.design = d;
                }
            }
            let to_tick = CONTROL_INTERVAL - (ctx.clock + i as u64) % CONTROL_INTERVAL;
            let end = n.min(i + to_tick as usize);
            self.run(&input[i..end], &mut output[i..end]);
            i = end;
        }
    }

    fn reset(&mut self) {
        self.ic1 = 0.0;
        self.ic2 = 0.0;
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// Takes over the old filter's memory; keeps its own coefficients (built from the new
    /// patch's params, which take over at the next control tick anyway).
    fn adopt_state(&mut self, old: &dyn Processor) {
        if let Some(old) = old.as_any().downcast_ref::<Self>() {
            self.ic1 = old.ic1;
            self.ic2 = old.ic2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn processor(d: Design) -> BiquadProcessor {
        BiquadProcessor {
            sample_rate: 48_000.0,
            coefs: Coefs::design(&d, 48_000.0),
            design: d,
            ic1: 0.0,
            ic2: 0.0,
        }
    }

    #[test]
    fn lowpass_passes_dc_and_highpass_blocks_it() {
        let mut lp = processor(Design::from_params(1000.0, 0.707, 0.0, 0.0));
        let mut hp = processor(Design::from_params(1000.0, 0.707, 1.0, 0.0));
        let ones = [1.0f32; 4800];
        let (mut a, mut b) = ([0.0f32; 4800], [0.0f32; 4800]);
        lp.run(&ones, &mut a);
        hp.run(&ones, &mut b);
        assert!((a[4799] - 1.0).abs() < 1e-6, "{}", a[4799]);
        assert!(b[4799].abs() < 1e-6, "{}", b[4799]);
    }

    #[test]
    fn a_nan_input_costs_one_sample() {
        let mut f = processor(Design::from_params(1000.0, 10.0, 4.0, 12.0));
        let mut out = [0.0f32; 3];
        f.run(&[0.5, f32::NAN, 0.5], &mut out);
        assert_eq!(out[1], 0.0);
        assert!(out.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn odd_params_give_finite_coefficients() {
        for d in [
            Design::from_params(f32::NAN, f32::NAN, f32::NAN, f32::NAN),
            Design::from_params(1e9, 0.0, 99.0, 1e9),
            Design::from_params(-5.0, -1.0, -3.0, -1e9),
        ] {
            let c = Coefs::design(&d, 44_100.0);
            for v in [c.a1, c.a2, c.a3, c.m0, c.m1, c.m2] {
                assert!(v.is_finite(), "{d:?} -> {c:?}");
            }
        }
    }
}
