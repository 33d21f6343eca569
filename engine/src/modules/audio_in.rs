//! `audio_in`: the host's stereo audio input, for effect patches. Outputs `left`, `right`
//! and `out` (their average), scaled by `gain`.
//!
//! Audio thread: no allocation.

use crate::module::{
    BuildContext, Category, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo, Processor, Unit,
    no_memory,
};

static PARAMS: [ParamSpec; 1] =
    [ParamSpec::new("gain", Unit::Ratio, 0.0, 4.0, 1.0).doc("input level (1 = unity)")];

/// The `audio_in` kind.
pub static KIND: KindSpec = KindSpec {
    name: "audio_in",
    aliases: &["input"],
    category: Category::Io,
    summary: "the host's stereo audio input",
    params: &PARAMS,
    inputs: &[],
    outputs: &[
        OutputSpec::new("out", "mono: (left + right) / 2"),
        OutputSpec::new("left", "left input"),
        OutputSpec::new("right", "right input"),
    ],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(AudioInProcessor)
}

/// Realtime half of `audio_in`: stateless.
#[derive(Clone)]
struct AudioInProcessor;

impl Processor for AudioInProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let gain = &io.params[0].values;
        let [l_in, r_in] = ctx.audio_in;
        let [out, left, right] = io.outputs else {
            return;
        };
        for i in 0..ctx.frames {
            left[i] = l_in[i] * gain[i];
            right[i] = r_in[i] * gain[i];
            out[i] = 0.5 * (left[i] + right[i]);
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
