//! `adsr` (the prototype's envelope): attack, decay, sustain, release.
//!
//! Params: `attack`, `decay`, `release` (ms, 0..20000; defaults 10, 50, 200) and
//! `sustain` (0..1, default 0.7); all modulatable, additive in their own units.
//! Inputs: `in` (signal to envelope) and `gate`. Output `out`: `in * envelope` when `in`
//! is connected, otherwise the envelope itself (0..1).
//!
//! # Gate
//! - `gate` connected: the gate is open while the input is above 0.5; each rising edge
//!   (re)starts the attack; each falling edge starts the release. Note-ons are not seen.
//! - `gate` unconnected: the gate is the voice's note gate OR the module's own gate (the
//!   `gate` verb, [`Processor::set_gate`], as the prototype primed its patches). Every
//!   note-on (also a legato one, played while another key is held) restarts the attack at
//!   its first frame. The own gate is a setting, like a param: [`Processor::reset`] keeps
//!   it (and, the envelope being back at zero, the next block attacks again).
//!
//! # Timing (`t = 0` is the frame of the gate edge or note-on; a stage lasting a
//! fractional number of samples ends on the next whole frame, so within one sample)
//! - Attack is a straight line rising `1 / attack` per unit time from wherever the level
//!   is: from silence it outputs exactly `1.0` at `t = attack`. A retrigger starts from the
//!   current level, never from zero, so it reaches 1 sooner and never jumps.
//! - Decay starts at the frame that outputs 1.0 and outputs exactly `sustain` at
//!   `t = decay` after it. Release starts at the gate-off frame from the current level
//!   (whatever stage it interrupts) and outputs exactly `0.0` at `t = release`.
//! - Decay and release follow an exponential that falls 60 dB over the stage time, aimed
//!   0.1 % of the span beyond the goal so it lands on it exactly ([`CURVE_OVERSHOOT`]):
//!   with progress `p = t / time` (0..1), `r = 0.001`, `k = ln((1 + r) / r)`,
//!   `level = goal + (start - goal) * ((1 + r) * e^(-k p) - r)`.
//! - Times below [`MIN_STAGE_MS`] count as that (a click guard: a 0 ms attack is a
//!   0.5 ms ramp). Each stage advances by the param value at each sample, so moving a time
//!   mid-stage changes the speed from then on and the level stays continuous; `sustain`
//!   moves the decay's goal and the held level, following its (smoothed) param.
//!
//! The level is the only thing the output reads and every stage change keeps it, so the
//! envelope is continuous whatever the gate does: its largest step per sample is the
//! steepest stage slope (`1 / attack_samples`, or `k (1 + r) / time_samples` at the start of
//! a decay or release). It depends only on params, never on the inputs, so it stays finite.
//!
//! Processor runs on the audio thread: no allocation, bounded work per sample.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const ATTACK: usize = 0;
const DECAY: usize = 1;
const SUSTAIN: usize = 2;
const RELEASE: usize = 3;

const IN: usize = 0;
const GATE: usize = 1;

/// Shortest effective stage time, in milliseconds: shorter settings (including 0) are
/// stretched to this so an instant stage does not click.
pub const MIN_STAGE_MS: f64 = 0.5;

/// How far beyond its goal a decay or release aims, as a fraction of its span, so that
/// the exponential reaches the goal in finite time (exactly at the stage time). With
/// 0.001 the curve is a -60 dB-per-stage-time exponential shifted down by 0.1 %.
pub const CURVE_OVERSHOOT: f64 = 0.001;

/// Gate threshold on the `gate` input.
const GATE_THRESHOLD: f32 = 0.5;

/// Rounding slack when deciding a stage has ended (sums of `1 / samples`).
const END_SLACK: f64 = 1e-9;

static PARAMS: [ParamSpec; 4] = [
    ParamSpec::new("attack", Unit::Ms, 0.0, 20_000.0, 10.0)
        .doc("time of the linear rise from 0 to 1 (from a higher level it is shorter)"),
    ParamSpec::new("decay", Unit::Ms, 0.0, 20_000.0, 50.0)
        .doc("time from the peak to exactly the sustain level (exponential, -60 dB shape)"),
    ParamSpec::new("sustain", Unit::Ratio, 0.0, 1.0, 0.7)
        .doc("level held while the gate is open after the decay"),
    ParamSpec::new("release", Unit::Ms, 0.0, 20_000.0, 200.0).doc(
        "time from the gate closing to exactly 0, from whatever level (exponential, -60 dB shape)",
    ),
];

/// The `adsr` kind.
pub static KIND: KindSpec = KindSpec {
    name: "adsr",
    aliases: &[],
    category: Category::Shaper,
    summary: "attack/decay/sustain/release envelope; enveloping `in`, or the envelope itself",
    params: &PARAMS,
    inputs: &[
        InputSpec {
            name: "in",
            doc: "signal to envelope; when unconnected `out` is the envelope (0..1)",
        },
        InputSpec {
            name: "gate",
            doc: "open above 0.5, rising edges retrigger; unconnected: the note gate or the `gate` verb",
        },
    ],
    outputs: &[OutputSpec::new(
        "out",
        "`in` times the envelope, or the envelope 0..1 when `in` is unconnected",
    )],
    build,
    memory_samples: no_memory,
};

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(AdsrProcessor::new(ctx.sample_rate))
}

/// Where the envelope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Silent, gate closed.
    Idle,
    /// Rising linearly to 1.
    Attack,
    /// Falling from 1 to the sustain level.
    Decay,
    /// Holding the sustain level.
    Sustain,
    /// Falling to 0 after the gate closed.
    Release,
}

/// A stage time turned into per-sample increments, recomputed only when the time param
/// changes (a pure function of the value, so block cuts cannot change the result).
#[derive(Debug, Clone, Copy)]
struct StageRate {
    /// The param value (bits) the increments were computed for; NaN bits mean none yet.
    ms_bits: u32,
    /// Progress per sample, `1 / stage_samples`.
    step: f64,
    /// Per-sample factor of the exponential, `e^(-k * step)`.
    factor: f64,
}

impl StageRate {
    const UNSET: Self = Self {
        ms_bits: u32::MAX,
        step: 0.0,
        factor: 1.0,
    };

    /// The increments for `ms` at `sample_rate`.
    #[inline]
    fn get(&mut self, ms: f32, sample_rate: f64) -> (f64, f64) {
        if ms.to_bits() != self.ms_bits {
            self.ms_bits = ms.to_bits();
            let min_samples = (MIN_STAGE_MS * 0.001 * sample_rate).max(1.0);
            // NaN loses to `max`, so a NaN time counts as the shortest.
            let samples = (f64::from(ms) * 0.001 * sample_rate).max(min_samples);
            self.step = 1.0 / samples;
            self.factor = (-curve_k() * self.step).exp();
        }
        (self.step, self.factor)
    }
}

/// The exponent that makes `(1 + r) e^(-k) - r` exactly 0.
#[inline]
fn curve_k() -> f64 {
    ((1.0 + CURVE_OVERSHOOT) / CURVE_OVERSHOOT).ln()
}

/// `sustain` made safe: 0..1, NaN as the default.
#[inline]
fn sane_sustain(s: f32) -> f64 {
    if s.is_nan() {
        f64::from(PARAMS[SUSTAIN].default)
    } else {
        f64::from(s.clamp(0.0, 1.0))
    }
}

/// Realtime half of `adsr`.
#[derive(Debug, Clone)]
struct AdsrProcessor {
    /// Sample rate, to turn ms into samples.
    sample_rate: f64,
    /// Current stage.
    stage: Stage,
    /// The envelope value the next sample outputs; always finite, 0..1.
    level: f64,
    /// Level where the current decay or release began.
    start: f64,
    /// Progress through the current decay or release, 0..1.
    progress: f64,
    /// `(1 + r) e^(-k progress)`, updated by multiplication.
    curve: f64,
    /// Whether the gate was open at the previous sample (edge detection).
    gate_was_on: bool,
    /// The module's own gate (the `gate` verb).
    own_gate: bool,
    /// Cached per-sample rate of the attack.
    attack_rate: StageRate,
    /// Cached per-sample rate of the decay.
    decay_rate: StageRate,
    /// Cached per-sample rate of the release.
    release_rate: StageRate,
}

impl AdsrProcessor {
    fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate: f64::from(sample_rate),
            stage: Stage::Idle,
            level: 0.0,
            start: 0.0,
            progress: 0.0,
            curve: 1.0 + CURVE_OVERSHOOT,
            gate_was_on: false,
            own_gate: false,
            attack_rate: StageRate::UNSET,
            decay_rate: StageRate::UNSET,
            release_rate: StageRate::UNSET,
        }
    }

    /// Starts an exponential stage (decay or release) from the current level.
    #[inline]
    fn begin_segment(&mut self, stage: Stage) {
        self.stage = stage;
        self.start = self.level;
        self.progress = 0.0;
        self.curve = 1.0 + CURVE_OVERSHOOT;
    }

    /// Advances the exponential stage by one sample; true when it has reached its goal.
    #[inline]
    fn step_segment(&mut self, step: f64, factor: f64) -> bool {
        self.progress += step;
        self.curve *= factor;
        self.progress >= 1.0 - END_SLACK
    }

    /// The remaining fraction of the current exponential stage's span, 1 -> 0.
    #[inline]
    fn remaining(&self) -> f64 {
        (self.curve - CURVE_OVERSHOOT).clamp(0.0, 1.0)
    }

    /// Moves the level on by one sample, using this sample's param values.
    #[inline]
    fn advance(&mut self, attack_ms: f32, decay_ms: f32, sustain: f32, release_ms: f32) {
        let sr = self.sample_rate;
        match self.stage {
            Stage::Idle => self.level = 0.0,
            Stage::Attack => {
                let (step, _) = self.attack_rate.get(attack_ms, sr);
                self.level += step;
                if self.level >= 1.0 - END_SLACK {
                    self.level = 1.0;
                    self.begin_segment(Stage::Decay);
                }
            }
            Stage::Decay => {
                let goal = sane_sustain(sustain);
                let (step, factor) = self.decay_rate.get(decay_ms, sr);
                if self.step_segment(step, factor) {
                    self.level = goal;
                    self.stage = Stage::Sustain;
                } else {
                    self.level = goal + (self.start - goal) * self.remaining();
                }
            }
            Stage::Sustain => self.level = sane_sustain(sustain),
            Stage::Release => {
                let (step, factor) = self.release_rate.get(release_ms, sr);
                if self.step_segment(step, factor) {
                    self.level = 0.0;
                    self.stage = Stage::Idle;
                } else {
                    self.level = self.start * self.remaining();
                }
            }
        }
    }
}

impl Processor for AdsrProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let gate_connected = io.connected[GATE];
        let in_connected = io.connected[IN];
        let note_gate = ctx.voice.gate || self.own_gate;
        let note_trigger = !gate_connected && ctx.voice.trigger;
        let (input, gate_in) = (&io.inputs[IN], &io.inputs[GATE]);
        let [attack, decay, sustain, release] = [
            &io.params[ATTACK].values,
            &io.params[DECAY].values,
            &io.params[SUSTAIN].values,
            &io.params[RELEASE].values,
        ];
        let out = &mut io.outputs[0];
        let n = ctx.frames;

        // Fast paths for the common steady states (gate unchanged through the block):
        // exactly what the per-sample loop would compute, without the stage machine.
        if !gate_connected && !note_trigger && note_gate == self.gate_was_on {
            let steady = match self.stage {
                Stage::Idle => Some(0.0),
                Stage::Sustain
                    if io.params[SUSTAIN].constant && self.level == sane_sustain(sustain[0]) =>
                {
                    Some(self.level as f32)
                }
                _ => None,
            };
            if let Some(env) = steady {
                if in_connected {
                    for (o, x) in out[..n].iter_mut().zip(input) {
                        *o = x * env;
                    }
                } else {
                    out[..n].fill(env);
                }
                return;
            }
        }

        for i in 0..n {
            let gate = if gate_connected {
                gate_in[i] > GATE_THRESHOLD
            } else {
                note_gate
            };
            let retrigger = note_trigger && i == 0;
            if gate && (!self.gate_was_on || retrigger) {
                // From the current level: never a jump.
                self.stage = Stage::Attack;
            } else if !gate && self.gate_was_on {
                self.begin_segment(Stage::Release);
            }
            self.gate_was_on = gate;

            let env = self.level as f32;
            out[i] = if in_connected { input[i] * env } else { env };
            self.advance(attack[i], decay[i], sustain[i], release[i]);
        }
    }

    fn reset(&mut self) {
        *self = Self {
            own_gate: self.own_gate,
            attack_rate: self.attack_rate,
            decay_rate: self.decay_rate,
            release_rate: self.release_rate,
            ..Self::new(self.sample_rate as f32)
        };
    }

    fn set_gate(&mut self, on: bool) {
        self.own_gate = on;
    }

    crate::adopt_by_copy!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_rate_floors_short_and_nan_times() {
        let mut rate = StageRate::UNSET;
        let (zero, _) = rate.get(0.0, 48_000.0);
        assert!((zero - 1.0 / 24.0).abs() < 1e-12);
        let (nan, factor) = rate.get(f32::NAN, 48_000.0);
        assert_eq!(nan, zero);
        assert!(factor.is_finite() && factor > 0.0 && factor < 1.0);
    }

    #[test]
    fn segment_lands_exactly_on_zero() {
        let mut p = AdsrProcessor::new(48_000.0);
        p.level = 0.8;
        p.begin_segment(Stage::Release);
        let mut n = 0;
        while p.stage == Stage::Release && n < 10_000 {
            p.advance(10.0, 50.0, 0.7, 100.0);
            n += 1;
        }
        assert_eq!(n, 4800);
        assert_eq!(p.level, 0.0);
    }
}
