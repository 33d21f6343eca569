//! `slew` (glide, portamento): follows `in`, but no faster than `rise` going up and
//! `fall` going down.
//!
//! Params: `rise` and `fall` in ms (0..20000, default 50; 0 follows at once), and
//! `curve` (a choice):
//! - `linear` (default): a rate limit. `rise` is the time to climb by 1 unit (1 V, an
//!   octave on a V/oct signal), `fall` to descend by 1 unit: the output moves by at most
//!   `1 / (rise * sample_rate / 1000)` per sample. A step of `h` units is covered in
//!   `h * rise` ms, so wider pitch intervals glide longer (constant-rate portamento).
//! - `exponential`: a one-pole lag whose time is that of any step, whatever its size: the
//!   output covers 99.9 % of a step (gets within -60 dB of it) in `rise` (or `fall`) ms,
//!   i.e. a time constant of `rise / ln(1000)` (constant-time portamento).
//!
//! Times and curve are read per sample, so modulating them takes effect smoothly. The
//! first sample after building or [`Processor::reset`] starts at the input (no glide up
//! from 0). A non-finite input sample is ignored (the output holds), so the state stays
//! finite. Connect `note.pitch` here and the output to an oscillator's `freq` for
//! portamento.
//!
//! Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const RISE: usize = 0;
const FALL: usize = 1;
const CURVE: usize = 2;

/// `curve` value of the exponential lag.
const CURVE_EXPONENTIAL: f32 = 1.0;

/// `ln(1000)`: an exponential covers 99.9 % of a step in this many time constants.
const LN_1000: f64 = 6.907_755_278_982_137;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec::new("rise", Unit::Ms, 0.0, 20_000.0, 50.0)
        .doc("linear: ms to rise by 1 unit; exponential: ms to cover 99.9 % of a rise"),
    ParamSpec::new("fall", Unit::Ms, 0.0, 20_000.0, 50.0)
        .doc("linear: ms to fall by 1 unit; exponential: ms to cover 99.9 % of a fall"),
    ParamSpec::choice("curve", &["linear", "exponential"], 0)
        .doc("linear = rate limit (time per unit), exponential = lag (time per step)"),
];

/// The `slew` kind.
pub static KIND: KindSpec = KindSpec {
    name: "slew",
    aliases: &["glide"],
    category: Category::Shaper,
    summary: "slew limiter / portamento: follows `in` at most as fast as rise and fall allow",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "in",
        doc: "signal to follow (e.g. note.pitch for portamento)",
    }],
    outputs: &[OutputSpec::new("out", "the slewed signal")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(SlewProcessor {
        y: 0.0,
        primed: false,
        rise: Rate::UNSET,
        fall: Rate::UNSET,
    })
}

/// One time param turned into per-sample amounts, recomputed only when its value
/// changes (a pure function of the value, so block cuts cannot change the result).
#[derive(Debug, Clone, Copy)]
struct Rate {
    /// The param value (bits) the amounts were computed for; NaN bits mean none yet.
    ms_bits: u32,
    /// Largest linear move per sample (infinite for 0 ms).
    max_step: f64,
    /// Exponential coefficient: fraction of the remaining distance covered per sample.
    coef: f64,
}

impl Rate {
    const UNSET: Self = Self {
        ms_bits: u32::MAX,
        max_step: f64::INFINITY,
        coef: 1.0,
    };

    #[inline]
    fn get(&mut self, ms: f32, sample_rate: f32) -> (f64, f64) {
        if ms.to_bits() != self.ms_bits {
            self.ms_bits = ms.to_bits();
            let samples = f64::from(ms) * 0.001 * f64::from(sample_rate);
            // `>` is false for NaN: a NaN time follows at once.
            if samples > 0.0 {
                self.max_step = 1.0 / samples;
                self.coef = 1.0 - (-LN_1000 / samples).exp();
            } else {
                self.max_step = f64::INFINITY;
                self.coef = 1.0;
            }
        }
        (self.max_step, self.coef)
    }
}

/// Realtime half of `slew`.
#[derive(Debug, Clone)]
struct SlewProcessor {
    /// Output value (f64 so tiny steps on large values are not lost).
    y: f64,
    /// Whether `y` has been set from the input since build or reset.
    primed: bool,
    /// Cached rise rate.
    rise: Rate,
    /// Cached fall rate.
    fall: Rate,
}

impl Processor for SlewProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let input = &io.inputs[0];
        let [rise, fall, curve] = [
            &io.params[RISE].values,
            &io.params[FALL].values,
            &io.params[CURVE].values,
        ];
        let out = &mut io.outputs[0];
        for i in 0..ctx.frames {
            let x = input[i];
            if x.is_finite() {
                let x = f64::from(x);
                if !self.primed {
                    self.y = x;
                    self.primed = true;
                }
                let d = x - self.y;
                let rate = if d > 0.0 {
                    &mut self.rise
                } else {
                    &mut self.fall
                };
                let ms = if d > 0.0 { rise[i] } else { fall[i] };
                let (max_step, coef) = rate.get(ms, ctx.sample_rate);
                self.y += if curve[i] == CURVE_EXPONENTIAL {
                    coef * d
                } else {
                    d.clamp(-max_step, max_step)
                };
            }
            out[i] = self.y as f32;
        }
    }

    fn reset(&mut self) {
        self.y = 0.0;
        self.primed = false;
    }

    crate::adopt_by_copy!();
}
