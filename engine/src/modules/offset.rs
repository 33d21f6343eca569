//! `offset`: adds a constant (or modulated) value to a signal.
//!
//! `out = in + offset`, `offset` -20000..20000 (default 0) so it can shift frequencies in
//! Hz as well as volts; modulatable (a connection adds to it). With `in` unconnected it is
//! a constant source.
//!
//! Stateless. Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const OFFSET: usize = 0;

static PARAMS: [ParamSpec; 1] = [
    ParamSpec::new("offset", Unit::Ratio, -20_000.0, 20_000.0, 0.0).doc(
        "value added to `in`, in the units of the signal (volts, Hz, ...); a connection adds to it",
    ),
];

/// The `offset` kind.
pub static KIND: KindSpec = KindSpec {
    name: "offset",
    aliases: &[],
    category: Category::Shaper,
    summary: "out = in + offset (a constant source when `in` is unconnected)",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "in",
        doc: "signal to shift (0 when unconnected)",
    }],
    outputs: &[OutputSpec::new("out", "in + offset")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(OffsetProcessor)
}

/// Realtime half of `offset`: stateless.
#[derive(Debug, Clone)]
struct OffsetProcessor;

impl Processor for OffsetProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (input, offset) = (&io.inputs[0], &io.params[OFFSET]);
        let out = &mut io.outputs[0];
        if offset.constant {
            let o = offset.first();
            for i in 0..n {
                out[i] = input[i] + o;
            }
        } else {
            for i in 0..n {
                out[i] = input[i] + offset.values[i];
            }
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
