//! `sample_hold`: samples `in` on each rising edge of `trigger` and holds it.
//!
//! A rising edge is a sample above 0.5 after one at or below 0.5; the output takes the
//! value of `in` at that very sample and keeps it until the next edge. With `trigger`
//! unconnected it samples at each note-on of the voice instead (a new random value per
//! note from `noise`, for instance). Before the first edge the output is 0. A non-finite
//! `in` at an edge is not taken (the previous value holds), so the state stays finite.
//!
//! Processor runs on the audio thread: no allocation.

use crate::module::{
    BuildContext, Category, InputSpec, KindSpec, OutputSpec, ProcContext, ProcIo, Processor,
    no_memory,
};

const IN: usize = 0;
const TRIGGER: usize = 1;

/// Trigger threshold.
const THRESHOLD: f32 = 0.5;

/// The `sample_hold` kind.
pub static KIND: KindSpec = KindSpec {
    name: "sample_hold",
    aliases: &[],
    category: Category::Shaper,
    summary: "samples `in` at each rising edge of `trigger` (or each note-on) and holds it",
    params: &[],
    inputs: &[
        InputSpec {
            name: "in",
            doc: "signal to sample",
        },
        InputSpec {
            name: "trigger",
            doc: "samples on each rise through 0.5; unconnected: samples at each note-on",
        },
    ],
    outputs: &[OutputSpec::new(
        "out",
        "the held value (0 before the first edge)",
    )],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(SampleHoldProcessor {
        held: 0.0,
        was_high: false,
    })
}

/// Realtime half of `sample_hold`.
#[derive(Debug, Clone)]
struct SampleHoldProcessor {
    /// The value being held.
    held: f32,
    /// Whether `trigger` was above the threshold at the previous sample.
    was_high: bool,
}

impl SampleHoldProcessor {
    #[inline]
    fn take(&mut self, x: f32) {
        if x.is_finite() {
            self.held = x;
        }
    }
}

impl Processor for SampleHoldProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let (input, trigger) = (&io.inputs[IN], &io.inputs[TRIGGER]);
        let out = &mut io.outputs[0];
        if io.connected[TRIGGER] {
            for i in 0..n {
                let high = trigger[i] > THRESHOLD;
                if high && !self.was_high {
                    self.take(input[i]);
                }
                self.was_high = high;
                out[i] = self.held;
            }
        } else {
            if ctx.voice.trigger {
                self.take(input[0]);
            }
            out[..n].fill(self.held);
        }
    }

    fn reset(&mut self) {
        self.held = 0.0;
        self.was_high = false;
    }

    crate::adopt_by_copy!();
}
