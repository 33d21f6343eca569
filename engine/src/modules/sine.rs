//! `sine` (alias `simple_sine`, the prototype's oscillator): a pure sine.
//!
//! Params: `freq` (Hz at A4; V/oct input: `f = freq * 2^cv`), `gain`. The phase is kept
//! in f64 and wrapped every sample, so it never loses precision (the prototype's float32
//! phase was one source of its grit). Processor runs on the audio thread: no allocation.

use std::f64::consts::TAU;

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
        let freq = &io.params[FREQ];
        let gain = &io.params[GAIN];
        let inv_sr = 1.0 / f64::from(ctx.sample_rate);
        let out = &mut io.outputs[0];
        for ((sample, &f), &g) in out[..ctx.frames]
            .iter_mut()
            .zip(&freq.values[..ctx.frames])
            .zip(&gain.values[..ctx.frames])
        {
            *sample = ((self.phase * TAU).sin() as f32) * g;
            self.phase += f64::from(f) * inv_sr;
            self.phase -= self.phase.floor();
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
    }

    crate::adopt_by_copy!();
}
