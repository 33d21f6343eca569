//! `vca`: a voltage-controlled amplifier.
//!
//! `out = in * gain * cv`, where `gain` is the param (0..1, default 1; a connection adds
//! to it, the sum clamped to 0..1) and `cv` is the `cv` input clamped to 0..1 (1 when
//! unconnected). The usual voice patch sends an envelope to `cv` and leaves `gain` as the
//! level; an envelope into the `gain` port (with `gain` set to 0) works as well. The `vca`
//! never amplifies: negative or NaN `cv` closes it, `cv` above 1 counts as 1.
//!
//! Stateless. Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo,
    Processor, Unit, no_memory,
};

const GAIN: usize = 0;
const IN: usize = 0;
const CV: usize = 1;

static PARAMS: [ParamSpec; 1] = [ParamSpec::new("gain", Unit::Ratio, 0.0, 1.0, 1.0)
    .doc("level, 0..1; a connection adds to it (sum clamped to 0..1)")];

/// The `vca` kind.
pub static KIND: KindSpec = KindSpec {
    name: "vca",
    aliases: &[],
    category: Category::Shaper,
    summary: "amplifier: out = in * gain * cv (cv clamped to 0..1, 1 when unconnected)",
    params: &PARAMS,
    inputs: &[
        InputSpec {
            name: "in",
            doc: "signal to amplify",
        },
        InputSpec {
            name: "cv",
            doc: "control voltage multiplying the gain, clamped to 0..1 (e.g. an envelope); 1 when unconnected",
        },
    ],
    outputs: &[OutputSpec::new("out", "in * gain * cv")],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(VcaProcessor)
}

/// `cv` made safe: 0..1, NaN closes.
#[inline]
fn sane_cv(cv: f32) -> f32 {
    if cv > 0.0 { cv.min(1.0) } else { 0.0 }
}

/// Realtime half of `vca`: stateless.
#[derive(Debug, Clone)]
struct VcaProcessor;

impl Processor for VcaProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (input, cv) = (&io.inputs[IN], &io.inputs[CV]);
        let gain = &io.params[GAIN];
        let out = &mut io.outputs[0];
        match (io.connected[CV], gain.constant) {
            (false, true) => {
                let g = gain.first();
                for i in 0..n {
                    out[i] = input[i] * g;
                }
            }
            (false, false) => {
                for i in 0..n {
                    out[i] = input[i] * gain.values[i];
                }
            }
            (true, _) => {
                for i in 0..n {
                    out[i] = input[i] * gain.values[i] * sane_cv(cv[i]);
                }
            }
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
