//! `attenuverter`: scales (and, with a negative amount, inverts) a signal.
//!
//! `out = in * amount`, `amount` -10..10 (default 1), modulatable (a connection adds to
//! it, e.g. a macro setting an LFO's depth).
//!
//! Stateless. Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const AMOUNT: usize = 0;

static PARAMS: [ParamSpec; 1] = [ParamSpec::new("amount", Unit::Ratio, -10.0, 10.0, 1.0)
    .doc("factor: 1 passes, 0 mutes, -1 inverts; a connection adds to it")];

/// The `attenuverter` kind.
pub static KIND: KindSpec = KindSpec {
    name: "attenuverter",
    aliases: &[],
    category: Category::Shaper,
    summary: "out = in * amount (-10..10; negative inverts)",
    params: &PARAMS,
    inputs: &[InputSpec {
        name: "in",
        doc: "signal to scale",
    }],
    outputs: &[OutputSpec::new("out", "in * amount")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(AttenuverterProcessor)
}

/// Realtime half of `attenuverter`: stateless.
#[derive(Debug, Clone)]
struct AttenuverterProcessor;

impl Processor for AttenuverterProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (input, amount) = (&io.inputs[0], &io.params[AMOUNT]);
        let out = &mut io.outputs[0];
        if amount.constant {
            let a = amount.first();
            for i in 0..n {
                out[i] = input[i] * a;
            }
        } else {
            for i in 0..n {
                out[i] = input[i] * amount.values[i];
            }
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
