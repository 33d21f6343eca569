//! `note`: the voice's note as signals: `pitch` (V/oct, 0 V = A4 = MIDI 69, including
//! pitch bend), `gate` (1 while held), `velocity` (0..1) and `trigger` (a one-sample pulse
//! at each note-on). Fed by MIDI in the plugin, by `--notes` in the CLI.
//!
//! Audio thread: no allocation.

use crate::module::{
    BuildContext, Category, KindSpec, OutputSpec, ProcContext, ProcIo, Processor, no_memory,
};

/// The `note` kind.
pub static KIND: KindSpec = KindSpec {
    name: "note",
    aliases: &["midi"],
    category: Category::Io,
    summary: "the voice's pitch, gate, velocity and trigger",
    params: &[],
    inputs: &[],
    outputs: &[
        OutputSpec::new(
            "pitch",
            "volts per octave, 0 = A4 (connect to an oscillator's freq)",
        ),
        OutputSpec::new("gate", "1 while the note is held, else 0"),
        OutputSpec::new("velocity", "velocity of the last note-on, 0..1"),
        OutputSpec::new("trigger", "1 for one sample at each note-on"),
    ],
    build,
    memory_samples: no_memory,
};

fn build(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(NoteProcessor)
}

/// Realtime half of `note`: stateless, reads the voice.
#[derive(Clone)]
struct NoteProcessor;

impl Processor for NoteProcessor {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let voice = ctx.voice;
        let [pitch, gate, velocity, trigger] = io.outputs else {
            return;
        };
        pitch[..n].fill(voice.pitch);
        gate[..n].fill(if voice.gate { 1.0 } else { 0.0 });
        velocity[..n].fill(voice.velocity);
        trigger[..n].fill(0.0);
        if voice.trigger {
            trigger[0] = 1.0;
        }
    }

    fn reset(&mut self) {}

    crate::adopt_by_copy!();
}
