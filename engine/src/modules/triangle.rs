//! `triangle`: band-limited triangle oscillator (mipmapped additive wavetables of the odd
//! harmonics, see [`super::osc_kit::wavetable`]): no harmonic above Nyquist is ever played.
//!
//! Params: `freq` (Hz at 0 V; a connection adds volts per octave: `f = freq * 2^cv`),
//! `gain`. Same phase as `sine`: 0 at the start, peak `gain` at a quarter cycle, trough
//! `-gain` at three quarters. The phase is an exact wrapping `u32` accumulator.
//!
//! Build (control thread) makes the shared tables on first use. Processor runs on the
//! audio thread: no allocation.

use super::osc_kit::wavetable::{self, Mipmap};
use crate::module::{
    BuildContext, Category, KindSpec, Modulation, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const FREQ: usize = 0;
const GAIN: usize = 1;

static PARAMS: [ParamSpec; 2] = [
    ParamSpec::new("freq", Unit::Hz, 0.01, 20_000.0, 440.0)
        .modulation(Modulation::VoltPerOctave)
        .aliases(&["frequency"])
        .doc(
            "frequency at 0 V; a connection adds volts per octave (note.pitch tracks the keyboard)",
        ),
    ParamSpec::new("gain", Unit::Ratio, 0.0, 1.0, 0.5).doc("output level; a connection adds to it"),
];

/// The `triangle` kind.
pub static KIND: KindSpec = KindSpec {
    name: "triangle",
    aliases: &["tri"],
    category: Category::Source,
    summary: "band-limited triangle oscillator",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "the triangle, -gain .. gain")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(TriangleProcessor {
        tables: wavetable::triangle_tables(),
        phase: 0,
    })
}

/// Realtime half of `triangle`.
#[derive(Clone)]
struct TriangleProcessor {
    /// The shared triangle tables (built once per process, never freed).
    tables: &'static Mipmap,
    /// Phase, one wrap of `u32` per cycle.
    phase: u32,
}

impl Processor for TriangleProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        wavetable::render(
            self.tables,
            &mut self.phase,
            &io.params[FREQ],
            &io.params[GAIN],
            wavetable::hz_to_inc(ctx.sample_rate),
            &mut io.outputs[0][..ctx.frames],
        );
    }

    fn reset(&mut self) {
        self.phase = 0;
    }

    // Copies the phase and the `&'static` table reference: no allocation, no refcount.
    crate::adopt_by_copy!();
}
