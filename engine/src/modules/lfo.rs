//! `lfo`: low-frequency oscillator (sine, triangle, saw, square, sample-and-hold) for
//! modulation. Not band-limited: it is meant for control signals well below audio rate.
//!
//! Params: `rate` (Hz at 0 V, 0.01 .. 100; a connection adds volts per octave, like an
//! oscillator's `freq`, so `note.pitch` or an envelope can scale it exponentially),
//! `shape`, `amount` (output scale), `offset` (added after scaling), `seed` (for
//! sample-and-hold). Output `out = offset + amount * wave`, the wave spanning -1 .. 1.
//! Every cycle starts at phase 0: sine and triangle start at 0 rising, saw ramps up from
//! -1 to 1, square is +1 for the first half, sample-and-hold draws a new uniform random
//! level (seeded PRNG, reproducible) at each cycle start.
//!
//! Input `sync`: a rising edge (from <= 0 to > 0, e.g. a gate or `note.trigger`) restarts
//! the cycle at that sample.
//!
//! Phase is f64, so rates stay exact for hours. Processor runs on the audio thread: no
//! allocation.

use super::osc_kit::rng::Rng;
use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, MAX_BLOCK_FRAMES, Modulation, OutputSpec,
    ParamSpec, ProcContext, ProcIo, Processor, Unit, no_memory,
};

const RATE: usize = 0;
const SHAPE: usize = 1;
const AMOUNT: usize = 2;
const OFFSET: usize = 3;
const SEED: usize = 4;

const SYNC: usize = 0;

/// The `shape` choices, in index order.
const SHAPES: [&str; 5] = ["sine", "triangle", "saw", "square", "sample_hold"];

static PARAMS: [ParamSpec; 5] = [
    ParamSpec::new("rate", Unit::Hz, 0.01, 100.0, 1.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["freq"])
        .doc("cycles per second at 0 V; a connection adds volts per octave"),
    ParamSpec::choice("shape", &SHAPES, 0)
        .doc("sine, triangle, saw (rising), square or sample_hold (random steps)"),
    ParamSpec::new("amount", Unit::Ratio, 0.0, 10.0, 1.0)
        .aliases(&["depth"])
        .doc("output swing: the wave spans -amount .. amount; a connection adds to it"),
    ParamSpec::new("offset", Unit::Ratio, -10.0, 10.0, 0.0)
        .doc("added to the output after scaling; a connection adds to it"),
    ParamSpec::new("seed", Unit::Index, 0.0, 65_535.0, 0.0)
        .modulation(Modulation::None)
        .doc("PRNG seed of sample_hold, 0 .. 65535: the same seed plays the same steps"),
];

/// The `lfo` kind.
pub static KIND: KindSpec = KindSpec {
    name: "lfo",
    aliases: &[],
    category: Category::Source,
    summary: "low-frequency oscillator: sine, triangle, saw, square, sample-and-hold",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "sync",
        doc: "a rising edge (<= 0 to > 0) restarts the cycle",
    }],
    outputs: &[OutputSpec::new(
        "out",
        "offset + amount * wave (wave in -1 .. 1)",
    )],
    build,
    memory_samples: no_memory,
};

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    let seed = ctx.params.get(SEED).copied().unwrap_or(0.0) as u64;
    Box::new(LfoProcessor::new(seed))
}

/// The shapes, by `shape` index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Sine,
    Triangle,
    Saw,
    Square,
    SampleHold,
}

impl Shape {
    fn from_param(value: f32) -> Self {
        match value as usize {
            0 => Shape::Sine,
            1 => Shape::Triangle,
            2 => Shape::Saw,
            3 => Shape::Square,
            _ => Shape::SampleHold,
        }
    }
}

/// `sin(2 pi x)` for `x` in `0 .. 1`, by an 11th-order Taylor polynomial on a quarter
/// wave: error below 1e-6, no libm call.
#[inline]
fn sin_cycle(x: f32) -> f32 {
    // sin(2 pi x) = -sin(2 pi t) with t = x - 1/2 in -1/2 .. 1/2; fold t to -1/4 .. 1/4
    // (0.5 - t above 1/4, -0.5 - t below -1/4), branch-free so blocks of it vectorise.
    let t = x - 0.5;
    let t = 2.0 * t.clamp(-0.25, 0.25) - t;
    let u = std::f32::consts::TAU * t;
    let u2 = u * u;
    let s = u
        * (1.0
            + u2 * (-1.0 / 6.0
                + u2 * (1.0 / 120.0
                    + u2 * (-1.0 / 5040.0 + u2 * (1.0 / 362_880.0 - u2 / 39_916_800.0)))));
    -s
}

/// Realtime half of `lfo`.
#[derive(Clone)]
struct LfoProcessor {
    /// Phase in cycles, 0 .. 1.
    phase: f64,
    /// The sample-and-hold level of the current cycle.
    held: f32,
    /// The `sync` input's last sample, for edge detection.
    last_sync: f32,
    /// The seed the sample-and-hold sequence (re)starts from.
    seed: u64,
    /// The sample-and-hold generator.
    rng: Rng,
}

impl LfoProcessor {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        Self {
            phase: 0.0,
            held: rng.bipolar(),
            last_sync: 0.0,
            seed,
            rng,
        }
    }
}

/// One block's per-frame inputs to [`LfoProcessor::run`].
struct Lanes<'a> {
    /// Rate in Hz per frame.
    rate: &'a [f32],
    /// Output scale per frame.
    amount: &'a [f32],
    /// Output offset per frame.
    offset: &'a [f32],
    /// The sync input, when connected.
    sync: Option<&'a [f32]>,
    /// Seconds per sample.
    inv_sr: f64,
}

impl LfoProcessor {
    /// Renders `out` with `wave(phase, held level)` as the shape. Audio thread.
    #[inline(always)]
    ///
    /// Two passes: first each frame's phase and held level (the serial part: sync, wrap,
    /// sample-and-hold draws), then the shape and scale, independent from frame to frame
    /// so the compiler vectorises them (the shapes are branch-free).
    fn run(&mut self, lanes: &Lanes, out: &mut [f32], wave: impl Fn(f32, f32) -> f32) {
        let n = out.len().min(MAX_BLOCK_FRAMES);
        let mut phases = [0.0f32; MAX_BLOCK_FRAMES];
        let mut held = [0.0f32; MAX_BLOCK_FRAMES];
        for (i, (p, h)) in phases[..n].iter_mut().zip(&mut held[..n]).enumerate() {
            if let Some(sync) = lanes.sync {
                let s = sync[i];
                if s > 0.0 && self.last_sync <= 0.0 {
                    self.phase = 0.0;
                    self.held = self.rng.bipolar();
                }
                self.last_sync = s;
            }
            (*p, *h) = (self.phase as f32, self.held);
            self.phase += f64::from(lanes.rate[i]) * lanes.inv_sr;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
                // Rates are far below the sample rate, so one wrap suffices; stay in
                // range whatever happens.
                if self.phase >= 1.0 {
                    self.phase = 0.0;
                }
                self.held = self.rng.bipolar();
            }
        }
        for ((((o, &p), &h), &offset), &amount) in out[..n]
            .iter_mut()
            .zip(&phases[..n])
            .zip(&held[..n])
            .zip(lanes.offset)
            .zip(lanes.amount)
        {
            *o = offset + amount * wave(p, h);
        }
    }
}

impl Processor for LfoProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let seed = io.params[SEED].first() as u64;
        if seed != self.seed {
            // A new seed restarts the random sequence, keeping the phase.
            let phase = self.phase;
            *self = Self::new(seed);
            self.phase = phase;
        }
        let shape = Shape::from_param(io.params[SHAPE].first());
        let lanes = Lanes {
            rate: &io.params[RATE].values[..n],
            amount: &io.params[AMOUNT].values[..n],
            offset: &io.params[OFFSET].values[..n],
            sync: io.connected[SYNC].then_some(&io.inputs[SYNC][..n]),
            inv_sr: 1.0 / f64::from(ctx.sample_rate),
        };
        let out = &mut io.outputs[0][..n];
        // One monomorphic loop per shape.
        match shape {
            Shape::Sine => self.run(&lanes, out, |x, _| sin_cycle(x)),
            Shape::Triangle => self.run(&lanes, out, |x, _| {
                // 0 at x = 0, 1 at 1/4, -1 at 3/4: a peak at t = 1/2 shifted by 1/4.
                let t = x + 0.25;
                let t = if t >= 1.0 { t - 1.0 } else { t };
                1.0 - 4.0 * (t - 0.5).abs()
            }),
            Shape::Saw => self.run(&lanes, out, |x, _| 2.0 * x - 1.0),
            Shape::Square => self.run(&lanes, out, |x, _| if x < 0.5 { 1.0 } else { -1.0 }),
            Shape::SampleHold => self.run(&lanes, out, |_, held| held),
        }
    }

    fn reset(&mut self) {
        *self = Self::new(self.seed);
    }

    crate::adopt_by_copy!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cycle_matches_sin() {
        let mut worst = 0.0f64;
        for i in 0..10_000 {
            let x = i as f32 / 10_000.0;
            let exact = (std::f64::consts::TAU * f64::from(x)).sin();
            worst = worst.max((f64::from(sin_cycle(x)) - exact).abs());
        }
        assert!(worst < 1e-6, "worst error {worst}");
    }
}
