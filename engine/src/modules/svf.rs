//! `svf`: a state-variable filter in the topology-preserving (TPT, zero-delay feedback)
//! form of Zavalishin's "The Art of VA Filter Design" (trapezoidal integrators, as in
//! Andrew Simper's SVF notes), with lowpass, bandpass, highpass and notch outputs at once.
//!
//! Why this form: its two integrators keep their meaning whatever the coefficients do,
//! so the cutoff may be swept at audio rate (an LFO or an oscillator on `cutoff`) without
//! the bursts a direct-form biquad produces. The cutoff is exact: `g = tan(pi fc / fs)`,
//! computed with a rational approximation (relative error below 2e-8). Coefficients are
//! a pure function of the current sample's `cutoff` and `q`: they are recomputed sample
//! by sample while either param moves (modulation, glides) and not at all while both are
//! constant and unchanged, so the output never depends on host block cuts.
//!
//! Responses (bilinear transform of the analog prototype, `s` normalised to the cutoff,
//! `k = 1/q`): lp `1/(s^2+ks+1)`, bp `ks/(s^2+ks+1)` (0 dB at the cutoff), hp
//! `s^2/(s^2+ks+1)`, notch `(s^2+1)/(s^2+ks+1)`.
//!
//! A non-finite or runaway state (beyond ±1e15, e.g. after a NaN input) is cleared, so
//! one bad sample costs one silent sample, never the voice. The processor runs on the
//! audio thread: no allocation, no panics.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, MAX_BLOCK_FRAMES, Modulation, OutputSpec,
    ParamSpec, ProcContext, ProcIo, Processor, Unit, no_memory,
};

const CUTOFF: usize = 0;
const Q: usize = 1;

/// Highest cutoff actually used, as a fraction of the sample rate (just below Nyquist).
const MAX_CUTOFF_RATIO: f32 = 0.49;
/// Lowest cutoff actually used, in Hz (guards odd values).
const MIN_CUTOFF_HZ: f32 = 1.0;
/// Smallest Q actually used (guards odd values; the param's minimum is larger).
const MIN_Q: f32 = 0.01;
/// State magnitude beyond which the state is considered broken and cleared.
const RUNAWAY: f64 = 1e15;

static PARAMS: [ParamSpec; 2] = [
    ParamSpec::new("cutoff", Unit::Hz, 20.0, 20_000.0, 1_000.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["freq", "frequency"])
        .doc(
            "cutoff frequency, 20..20000 Hz (used at most 0.49 x sample rate), default 1000; \
             a connection adds volts per octave, followed sample by sample",
        ),
    ParamSpec::new("q", Unit::Ratio, 0.1, 30.0, 0.707).doc(
        "resonance as quality factor 0.1..30, default 0.707; lp and hp have gain q at \
             the cutoff; a connection adds to it",
    ),
];

/// The `svf` kind.
pub static KIND: KindSpec = KindSpec {
    name: "svf",
    aliases: &["state_variable_filter"],
    category: Category::Filter,
    summary: "TPT state-variable filter (lowpass, bandpass, highpass, notch), safe to sweep fast",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "in",
        doc: "the signal to filter",
    }],
    outputs: &[
        OutputSpec::new("lp", "lowpass, 12 dB/octave"),
        OutputSpec::new("bp", "bandpass, 0 dB at the cutoff, 6 dB/octave skirts"),
        OutputSpec::new("hp", "highpass, 12 dB/octave"),
        OutputSpec::new("notch", "band-reject (lp + hp)"),
    ],
    build,
    memory_samples: no_memory,
};

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    let (cutoff, q) = (ctx.params[CUTOFF], ctx.params[Q]);
    Box::new(SvfProcessor {
        inv_sample_rate: 1.0 / f64::from(ctx.sample_rate),
        max_cutoff: MAX_CUTOFF_RATIO * ctx.sample_rate,
        cutoff,
        q,
        coefs: Coefs::new(cutoff, q, ctx.sample_rate),
        ic1: 0.0,
        ic2: 0.0,
    })
}

/// `tan(x)` for `0 <= x < pi/2` as a ratio `(num, den)`, relative error below 2e-8: the
/// continued fraction `x / (1 - x^2/(3 - x^2/(5 - x^2/(7 - x^2/9))))` on `[0, pi/4]`, and
/// `tan(x) = 1 / tan(pi/2 - x)` above. No libm call and no division (the caller folds
/// the ratio into its own), so it is cheap enough per sample.
#[inline]
fn tan_ratio(x: f64) -> (f64, f64) {
    let (y, reflect) = if x <= FRAC_PI_4 {
        (x, false)
    } else {
        (FRAC_PI_2 - x, true)
    };
    let y2 = y * y;
    let num = y * (945.0 + y2 * (-105.0 + y2));
    let den = 945.0 + y2 * (-420.0 + 15.0 * y2);
    if reflect { (den, num) } else { (num, den) }
}

/// Damping `k = 1/q` (NaN and odd values land on the smallest q).
#[inline]
fn damping(q: f32) -> f64 {
    1.0 / f64::from(q.max(MIN_Q))
}

/// Coefficients of the TPT SVF (Simper's `a1, a2, a3` form).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coefs {
    /// Damping, `1/q`.
    k: f64,
    a1: f64,
    a2: f64,
    a3: f64,
}

impl Coefs {
    /// From the param values at a rate. Inputs are already clamped by the graph; NaN and
    /// out-of-range values are pulled back to sane ones anyway.
    #[inline]
    fn new(cutoff: f32, q: f32, sample_rate: f32) -> Self {
        Self::with(
            cutoff,
            damping(q),
            1.0 / f64::from(sample_rate),
            MAX_CUTOFF_RATIO * sample_rate,
        )
    }

    /// From a cutoff and a damping already computed by [`damping`].
    #[inline]
    fn with(cutoff: f32, k: f64, inv_sample_rate: f64, max_cutoff: f32) -> Self {
        // f32::max/min return the other operand for NaN, so NaN lands on a bound.
        let cutoff = f64::from(cutoff.max(MIN_CUTOFF_HZ).min(max_cutoff));
        // g = num / den; a1 = 1 / (1 + g (g + k)) = den^2 / (den^2 + num (num + k den)),
        // a2 = g a1, a3 = g a2: one division for all of them.
        let (num, den) = tan_ratio(PI * cutoff * inv_sample_rate);
        let inv = 1.0 / (den * den + num * (num + k * den));
        Self {
            k,
            a1: den * den * inv,
            a2: num * den * inv,
            a3: num * num * inv,
        }
    }
}

/// Realtime half of `svf`.
#[derive(Clone)]
struct SvfProcessor {
    /// 1 / sample rate.
    inv_sample_rate: f64,
    /// Highest cutoff used at this rate, Hz.
    max_cutoff: f32,
    /// The cutoff `coefs` were made from.
    cutoff: f32,
    /// The q `coefs` were made from.
    q: f32,
    /// Current coefficients.
    coefs: Coefs,
    /// First integrator's state (bandpass side).
    ic1: f64,
    /// Second integrator's state (lowpass side).
    ic2: f64,
}

impl SvfProcessor {
    /// Makes the coefficients follow `cutoff` and `q` if they changed. The result is
    /// the same function of (cutoff, q) whichever changed, so it does not depend on
    /// history (or on where blocks start).
    #[inline]
    fn follow(&mut self, cutoff: f32, q: f32) {
        let q_changed = q != self.q;
        if q_changed || cutoff != self.cutoff {
            let k = if q_changed { damping(q) } else { self.coefs.k };
            self.coefs = Coefs::with(cutoff, k, self.inv_sample_rate, self.max_cutoff);
            self.cutoff = cutoff;
            self.q = q;
        }
    }

    /// One sample with the current coefficients (tests).
    #[cfg(test)]
    fn tick(&mut self, x: f32) -> [f32; 4] {
        let mut ic = [self.ic1, self.ic2];
        let out = step(&self.coefs, &mut ic, x);
        [self.ic1, self.ic2] = ic;
        out
    }
}

/// One sample through the core with coefficients `c` and integrator states `ic`: returns
/// (lp, bp, hp, notch).
///
/// The TPT update, `v1 = a1 ic1 + a2 (x - ic2)`, `v2 = ic2 + a2 ic1 + a3 (x - ic2)`,
/// `ic' = 2 v - ic`, is applied in its expanded form `ic1' = (2 a1 - 1) ic1 - 2 a2 ic2 +
/// 2 a2 x`, `ic2' = 2 a2 ic1 + (1 - 2 a3) ic2 + 2 a3 x` (the same linear map and state),
/// which puts one multiply and two adds between a sample's state and the next (the
/// direct chain is ~15 cycles, this ~9): filtering is bound by that latency. Then
/// `v = (ic + ic') / 2`. The states live in locals of the caller's loop, not in `self`,
/// so they stay in registers.
#[inline(always)]
fn step(c: &Coefs, ic: &mut [f64; 2], x: f32) -> [f32; 4] {
    let Coefs { k, a1, a2, a3 } = *c;
    let [ic1, ic2] = *ic;
    let v0 = f64::from(x);
    let next1 = ((2.0 * a1 - 1.0) * ic1 + 2.0 * a2 * v0) - 2.0 * a2 * ic2;
    let next2 = ((1.0 - 2.0 * a3) * ic2 + 2.0 * a3 * v0) + 2.0 * a2 * ic1;
    // `!(a < b)` is also true for NaN.
    if !(next1.abs() < RUNAWAY && next2.abs() < RUNAWAY) {
        *ic = [0.0; 2];
        return [0.0; 4];
    }
    *ic = [next1, next2];
    let v1 = 0.5 * (ic1 + next1);
    let v2 = 0.5 * (ic2 + next2);
    let notch = v0 - k * v1;
    [
        v2 as f32,
        (k * v1) as f32,
        (notch - v2) as f32,
        notch as f32,
    ]
}

impl Processor for SvfProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (cutoff, q) = (&io.params[CUTOFF], &io.params[Q]);
        let input = &io.inputs[0];
        let [lp, bp, hp, notch] = io.outputs else {
            return;
        };
        let mut ic = [self.ic1, self.ic2];
        if cutoff.constant && q.constant {
            self.follow(cutoff.first(), q.first());
            let c = self.coefs;
            for i in 0..n {
                [lp[i], bp[i], hp[i], notch[i]] = step(&c, &mut ic, input[i]);
            }
        } else {
            // Coefficients for every frame, as `follow` would make them (a pure function
            // of that frame's cutoff and q), in a pass of their own: no frame's
            // coefficients depend on the filter state, so this pass runs at full
            // throughput and the filter loop below carries only the state chain.
            let mut coefs = [self.coefs; MAX_BLOCK_FRAMES];
            let fixed_k = q.constant.then(|| damping(q.first()));
            for ((c, &f), &qv) in coefs[..n]
                .iter_mut()
                .zip(&cutoff.values[..n])
                .zip(&q.values[..n])
            {
                let k = fixed_k.unwrap_or_else(|| damping(qv));
                *c = Coefs::with(f, k, self.inv_sample_rate, self.max_cutoff);
            }
            for (i, c) in coefs[..n].iter().enumerate() {
                [lp[i], bp[i], hp[i], notch[i]] = step(c, &mut ic, input[i]);
            }
            let c = coefs[n.saturating_sub(1)];
            // The cache describes the last frame, as after `follow`.
            if let (Some(&last_cutoff), Some(&last_q)) =
                (cutoff.values[..n].last(), q.values[..n].last())
            {
                self.coefs = c;
                self.cutoff = last_cutoff;
                self.q = last_q;
            }
        }
        [self.ic1, self.ic2] = ic;
    }

    fn reset(&mut self) {
        self.ic1 = 0.0;
        self.ic2 = 0.0;
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// Takes over the old filter's integrator states; keeps its own coefficients.
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

    #[test]
    fn tan_approx_is_accurate_up_to_the_highest_cutoff() {
        let top = PI * f64::from(MAX_CUTOFF_RATIO);
        let mut worst = 0.0f64;
        for i in 1..=100_000 {
            let x = top * f64::from(i) / 100_000.0;
            let (num, den) = tan_ratio(x);
            worst = worst.max((num / den / x.tan() - 1.0).abs());
        }
        assert!(worst < 2e-8, "{worst}");
    }

    #[test]
    fn a_nan_input_costs_one_sample() {
        let mut f = SvfProcessor {
            inv_sample_rate: 1.0 / 48_000.0,
            max_cutoff: 0.49 * 48_000.0,
            cutoff: 1000.0,
            q: 10.0,
            coefs: Coefs::new(1000.0, 10.0, 48_000.0),
            ic1: 0.0,
            ic2: 0.0,
        };
        for _ in 0..100 {
            f.tick(0.5);
        }
        assert_eq!(f.tick(f32::NAN), [0.0; 4]);
        assert!(f.tick(0.5).iter().all(|v| v.is_finite()));
        assert!(f.ic1.is_finite() && f.ic2.is_finite());
    }
}
