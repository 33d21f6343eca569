//! `macro`: one of the host's 16 macro values (automatable in the DAW) as a signal,
//! smoothed, 0..1, then scaled to `min .. max`.
//!
//! Audio thread: no allocation.

use crate::module::{
    BuildContext, Category, KindSpec, MACRO_COUNT, Modulation, OutputSpec, ParamSpec, ProcContext,
    ProcIo, Processor, Unit, no_memory,
};

const INDEX: usize = 0;
const MIN: usize = 1;
const MAX: usize = 2;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec::new("index", Unit::Index, 1.0, MACRO_COUNT as f32, 1.0)
        .modulation(Modulation::None)
        .doc("which host macro, 1 .. 16"),
    ParamSpec::new("min", Unit::Ratio, -10_000.0, 10_000.0, 0.0).doc("output at macro 0"),
    ParamSpec::new("max", Unit::Ratio, -10_000.0, 10_000.0, 1.0).doc("output at macro 1"),
];

/// The `macro` kind.
pub static KIND: KindSpec = KindSpec {
    name: "macro",
    aliases: &[],
    category: Category::Io,
    summary: "a host macro (automatable DAW parameter) as a signal",
    params: &PARAMS,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "min + macro * (max - min)")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(MacroProcessor)
}

/// Realtime half of `macro`: stateless, reads the context's macro blocks.
#[derive(Clone)]
struct MacroProcessor;

impl Processor for MacroProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let index = (io.params[INDEX].first() as usize).clamp(1, MACRO_COUNT) - 1;
        let source = &ctx.macros[index];
        let (min, max) = (&io.params[MIN].values, &io.params[MAX].values);
        let out = &mut io.outputs[0];
        for i in 0..ctx.frames {
            out[i] = min[i] + source[i] * (max[i] - min[i]);
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
