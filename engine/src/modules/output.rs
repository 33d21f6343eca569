//! `output`: where sound leaves the patch. `in` goes to both sides, `left` and `right`
//! to one side each (summed with `in`), scaled by `level`.
//!
//! The graph reads this module's gathered inputs directly when it writes the host's
//! buffers, so the processor itself does nothing. Audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, ParamSpec, ProcContext, ProcIo, Processor, Unit,
    no_memory,
};

/// Index of the `in` input.
pub const IN: usize = 0;
/// Index of the `left` input.
pub const LEFT: usize = 1;
/// Index of the `right` input.
pub const RIGHT: usize = 2;
/// Index of the `level` param.
pub const LEVEL: usize = 0;

static PARAMS: [ParamSpec; 1] =
    [ParamSpec::new("level", Unit::Ratio, 0.0, 2.0, 1.0).doc("output level (1 = unity)")];

/// The `output` kind.
pub static KIND: KindSpec = KindSpec {
    name: "output",
    aliases: &[],
    category: Category::Io,
    summary: "stereo output of the patch (mono `in` goes to both sides)",
    params: &PARAMS,
    inputs: &[
        InputSpec {
            name: "in",
            doc: "mono signal, sent to both sides",
        },
        InputSpec {
            name: "left",
            doc: "left side only",
        },
        InputSpec {
            name: "right",
            doc: "right side only",
        },
    ],
    outputs: &[],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(OutputProcessor)
}

/// Realtime half of `output`: stateless; the graph taps its inputs.
#[derive(Clone)]
struct OutputProcessor;

impl Processor for OutputProcessor {
    fn process(&mut self, _ctx: &ProcContext, _io: &mut ProcIo) {}

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
