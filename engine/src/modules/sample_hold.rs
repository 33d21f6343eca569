//! `sample_hold`: STUB awaiting its real implementation (outputs silence).

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ProcContext, ProcIo, Processor,
    no_memory,
};

/// The `sample_hold` kind.
pub static KIND: KindSpec = KindSpec {
    name: "sample_hold",
    aliases: &[],
    category: Category::Shaper,
    summary: "stub",
    params: &[],
    inputs: &[
        InputSpec {
            name: "in",
            doc: "",
        },
        InputSpec {
            name: "trigger",
            doc: "",
        },
    ],
    outputs: &[OutputSpec::new("out", "")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(Stub)
}

#[derive(Clone)]
struct Stub;

impl Processor for Stub {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        for out in io.outputs.iter_mut() {
            out[..ctx.frames].fill(0.0);
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
