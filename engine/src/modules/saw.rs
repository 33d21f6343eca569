//! `saw`: band-limited sawtooth oscillator (mipmapped additive wavetables, see
//! [`super::osc_kit::wavetable`]): no harmonic above Nyquist is ever played, so aliases
//! are only the interpolation's residue: about -100 dB below the fundamental at worst,
//! -122 dB for a 5 kHz saw at 48 kHz.
//!
//! Params: `freq` (Hz at 0 V; a connection adds volts per octave: `f = freq * 2^cv`),
//! `gain`. The wave rises from -1 to 1 with its drop at mid-cycle, so like `sine` it starts
//! at 0 going up; band-limiting adds the usual Gibbs overshoot (peaks about 1.09 * gain).
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

/// The `saw` kind.
pub static KIND: KindSpec = KindSpec {
    name: "saw",
    aliases: &["sawtooth"],
    category: Category::Source,
    summary: "band-limited sawtooth oscillator",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new(
        "out",
        "rising sawtooth, -gain .. gain (plus band-limiting overshoot)",
    )],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(SawProcessor {
        tables: wavetable::saw_tables(),
        phase: 0,
    })
}

/// Realtime half of `saw`.
#[derive(Clone)]
struct SawProcessor {
    /// The shared saw tables (built once per process, never freed).
    tables: &'static Mipmap,
    /// Phase, one wrap of `u32` per cycle.
    phase: u32,
}

impl Processor for SawProcessor {
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
