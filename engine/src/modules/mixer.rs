//! `mixer`: four inputs with their own levels, and a master level.
//!
//! `out = master * (level1 * in1 + level2 * in2 + level3 * in3 + level4 * in4)`. Levels
//! and master are 0..2 (default 1, unity), each modulatable (a connection adds to it).
//! Unconnected inputs are skipped.
//!
//! Stateless. Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

/// Number of inputs.
const CHANNELS: usize = 4;
/// Index of `master` (after the four levels).
const MASTER: usize = CHANNELS;

static PARAMS: [ParamSpec; CHANNELS + 1] = [
    ParamSpec::new("level1", Unit::Ratio, 0.0, 2.0, 1.0).doc("level of in1 (1 = unity)"),
    ParamSpec::new("level2", Unit::Ratio, 0.0, 2.0, 1.0).doc("level of in2 (1 = unity)"),
    ParamSpec::new("level3", Unit::Ratio, 0.0, 2.0, 1.0).doc("level of in3 (1 = unity)"),
    ParamSpec::new("level4", Unit::Ratio, 0.0, 2.0, 1.0).doc("level of in4 (1 = unity)"),
    ParamSpec::new("master", Unit::Ratio, 0.0, 2.0, 1.0).doc("level of the sum (1 = unity)"),
];

/// The `mixer` kind.
pub static KIND: KindSpec = KindSpec {
    name: "mixer",
    aliases: &[],
    category: Category::Shaper,
    summary: "sums four inputs, each with a level, then a master level",
    params: &PARAMS,
    inputs: &[
        InputSpec {
            name: "in1",
            doc: "input 1, scaled by level1",
        },
        InputSpec {
            name: "in2",
            doc: "input 2, scaled by level2",
        },
        InputSpec {
            name: "in3",
            doc: "input 3, scaled by level3",
        },
        InputSpec {
            name: "in4",
            doc: "input 4, scaled by level4",
        },
    ],
    outputs: &[OutputSpec::new(
        "out",
        "master * (level1 * in1 + level2 * in2 + level3 * in3 + level4 * in4)",
    )],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(MixerProcessor)
}

/// Realtime half of `mixer`: stateless.
#[derive(Debug, Clone)]
struct MixerProcessor;

impl Processor for MixerProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let out = &mut io.outputs[0];
        out[..n].fill(0.0);
        for ch in 0..CHANNELS {
            if !io.connected[ch] {
                continue;
            }
            let (input, level) = (&io.inputs[ch], &io.params[ch]);
            if level.constant {
                let l = level.first();
                for i in 0..n {
                    out[i] += input[i] * l;
                }
            } else {
                for i in 0..n {
                    out[i] += input[i] * level.values[i];
                }
            }
        }
        let master = &io.params[MASTER];
        if master.constant {
            let m = master.first();
            if m != 1.0 {
                for v in &mut out[..n] {
                    *v *= m;
                }
            }
        } else {
            for (v, m) in out[..n].iter_mut().zip(&master.values) {
                *v *= m;
            }
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
