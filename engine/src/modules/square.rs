//! `square`: band-limited pulse oscillator with variable width, made as the difference of
//! two band-limited saws half a width apart (see [`super::osc_kit::wavetable`]), so it has
//! the saw's alias level and pulse-width modulation is free of clicks.
//!
//! Params: `freq` (Hz at 0 V; a connection adds volts per octave: `f = freq * 2^cv`),
//! `width` (fraction of the cycle spent high, 0.01 .. 0.99; a connection adds to it),
//! `gain`. Like the analog classic the pulse moves between `+gain` and `-gain` (plus
//! band-limiting overshoot), so its mean is `(2 * width - 1) * gain`. The cycle starts
//! with the rising edge, high first, like `sine` starting with its positive half.
//! The phase is an exact wrapping `u32` accumulator.
//!
//! Build (control thread) makes the shared tables on first use. Processor runs on the
//! audio thread: no allocation.

use super::osc_kit::wavetable::{self, Mipmap};
use crate::module::{
    BuildContext, Category, KindSpec, Modulation, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const FREQ: usize = 0;
const WIDTH: usize = 1;
const GAIN: usize = 2;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec::new("freq", Unit::Hz, 0.01, 20_000.0, 440.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["frequency"])
        .doc(
            "frequency at 0 V; a connection adds volts per octave (note.pitch tracks the keyboard)",
        ),
    ParamSpec::new("width", Unit::Ratio, 0.01, 0.99, 0.5)
        .aliases(&["pw", "pulse_width"])
        .doc(
            "pulse width: fraction of the cycle spent high (0.5 = square); a connection adds to it",
        ),
    ParamSpec::new("gain", Unit::Ratio, 0.0, 1.0, 0.5).doc("output level; a connection adds to it"),
];

/// The `square` kind.
pub static KIND: KindSpec = KindSpec {
    name: "square",
    aliases: &["pulse"],
    category: Category::Source,
    summary: "band-limited pulse oscillator with variable width",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new(
        "out",
        "the pulse: +gain for `width` of the cycle, then -gain",
    )],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(SquareProcessor {
        tables: wavetable::saw_tables(),
        phase: 0,
    })
}

/// Half a cycle of phase.
const HALF: u32 = 1 << 31;

/// Realtime half of `square`.
#[derive(Clone)]
struct SquareProcessor {
    /// The shared saw tables (built once per process, never freed).
    tables: &'static Mipmap,
    /// Phase, one wrap of `u32` per cycle; the rising edge is at 0.
    phase: u32,
}

impl Processor for SquareProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (freq, width, gain) = (&io.params[FREQ], &io.params[WIDTH], &io.params[GAIN]);
        let hz_to_inc = wavetable::hz_to_inc(ctx.sample_rate);
        let out = &mut io.outputs[0][..n];
        // The table saw c drops at phase 0.5, so the ramp with its drop at phase 0 is
        // s(p) = c(p + 1/2), and the pulse high on 0 .. w is
        // s(p - w) - s(p) + 2w - 1 = c(p + 1/2 - w) - c(p + 1/2) + 2w - 1.
        let mut p = self.phase;
        if freq.constant && width.constant {
            let inc = wavetable::phase_inc(freq.first(), hz_to_inc);
            let level = self.tables.level(inc);
            let w = width.first();
            let lag = HALF.wrapping_sub(wavetable::phase_of(w));
            let dc = 2.0 * w - 1.0;
            for (o, &g) in out.iter_mut().zip(&gain.values[..n]) {
                let y = level.read(p.wrapping_add(lag)) - level.read(p.wrapping_add(HALF));
                *o = (y + dc) * g;
                p = p.wrapping_add(inc);
            }
        } else {
            let mut cache = wavetable::LevelCache::new(self.tables);
            for (((o, &g), &f), &w) in out
                .iter_mut()
                .zip(&gain.values[..n])
                .zip(&freq.values[..n])
                .zip(&width.values[..n])
            {
                let inc = wavetable::phase_inc(f, hz_to_inc);
                let level = cache.level(inc);
                let lag = HALF.wrapping_sub(wavetable::phase_of(w));
                let y = level.read(p.wrapping_add(lag)) - level.read(p.wrapping_add(HALF));
                *o = (y + 2.0 * w - 1.0) * g;
                p = p.wrapping_add(inc);
            }
        }
        self.phase = p;
    }

    fn reset(&mut self) {
        self.phase = 0;
    }

    // Copies the phase and the `&'static` table reference: no allocation, no refcount.
    crate::adopt_by_copy!();
}
