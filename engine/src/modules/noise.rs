//! `noise`: white or pink noise from a seeded PRNG (PCG32, [`super::osc_kit::rng`]), so
//! every render of a patch is the same and `reset()` restarts the exact sequence.
//!
//! Params: `color` (white | pink), `gain`, `seed`. White is uniform in `-gain .. gain`
//! (RMS `gain / sqrt 3`, flat spectrum). Pink is white through Paul Kellet's refined
//! pinking filter (six one-pole sections plus a direct path), whose response is within
//! 0.06 dB of -3 dB/octave from 10 Hz to 20 kHz at 44.1 and 48 kHz (from 20 Hz at
//! 96 kHz), scaled to the same RMS as white, so its peaks reach about 2.5 x gain.
//! Two `noise` modules with the same seed play the same noise: give them different seeds
//! for decorrelated noise.
//!
//! Processor runs on the audio thread: no allocation.

use super::osc_kit::rng::Rng;
use crate::module::{
    BuildContext, Category, KindSpec, Modulation, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const COLOR: usize = 0;
const GAIN: usize = 1;
const SEED: usize = 2;

/// `color` value of white noise.
const WHITE: usize = 0;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec::choice("color", &["white", "pink"], WHITE)
        .doc("white (flat) or pink (-3 dB/octave, same RMS as white, peaks ~2.5 x gain)"),
    ParamSpec::new("gain", Unit::Ratio, 0.0, 1.0, 0.5)
        .doc("level: white is uniform in -gain .. gain; a connection adds to it"),
    ParamSpec::new("seed", Unit::Index, 0.0, 65_535.0, 0.0)
        .modulation(Modulation::None)
        .doc("PRNG seed, 0 .. 65535: the same seed plays the same noise; changing it restarts"),
];

/// The `noise` kind.
pub static KIND: KindSpec = KindSpec {
    name: "noise",
    aliases: &[],
    category: Category::Source,
    summary: "white or pink noise (seeded, reproducible)",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "the noise")],
    build,
    memory_samples: no_memory,
};

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    let seed = ctx.params.get(SEED).copied().unwrap_or(0.0) as u64;
    Box::new(NoiseProcessor::new(seed))
}

/// Paul Kellet's pinking filter: pole and input weight of each one-pole section.
const PINK_SECTIONS: [(f32, f32); 6] = [
    (0.99886, 0.055_517_9),
    (0.99332, 0.075_075_9),
    (0.96900, 0.153_852),
    (0.86650, 0.310_485_6),
    (0.55000, 0.532_952_2),
    (-0.7616, -0.016_898),
];
/// Weight of the current white sample in the pink sum.
const PINK_DIRECT: f32 = 0.5362;
/// Weight of the previous white sample in the pink sum.
const PINK_PREVIOUS: f32 = 0.115_926;
/// Brings pink to white's RMS: 1 / sqrt(sum of the filter's squared impulse response),
/// which is 9.3179.
const PINK_SCALE: f32 = 0.327_597_4;

/// Realtime half of `noise`.
#[derive(Clone)]
struct NoiseProcessor {
    /// The seed the sequence (re)starts from.
    seed: u64,
    /// The generator.
    rng: Rng,
    /// Pinking filter section states.
    pink: [f32; 6],
    /// The previous white sample's contribution to the pink sum.
    pink_previous: f32,
}

impl NoiseProcessor {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            rng: Rng::new(seed),
            pink: [0.0; 6],
            pink_previous: 0.0,
        }
    }

    /// The next pink sample (before [`PINK_SCALE`]) for white input `w`.
    #[inline]
    fn pink(&mut self, w: f32) -> f32 {
        let mut sum = w * PINK_DIRECT + self.pink_previous;
        for (state, &(pole, weight)) in self.pink.iter_mut().zip(&PINK_SECTIONS) {
            *state = pole * *state + weight * w;
            sum += *state;
        }
        self.pink_previous = w * PINK_PREVIOUS;
        sum
    }
}

impl Processor for NoiseProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let seed = io.params[SEED].first() as u64;
        if seed != self.seed {
            *self = Self::new(seed);
        }
        let gain = &io.params[GAIN].values[..n];
        let out = &mut io.outputs[0][..n];
        if io.params[COLOR].first() as usize == WHITE {
            for (o, &g) in out.iter_mut().zip(gain) {
                *o = self.rng.bipolar() * g;
            }
        } else {
            for (o, &g) in out.iter_mut().zip(gain) {
                let w = self.rng.bipolar();
                *o = self.pink(w) * (PINK_SCALE * g);
            }
        }
    }

    fn reset(&mut self) {
        *self = Self::new(self.seed);
    }

    crate::adopt_by_copy!();
}
