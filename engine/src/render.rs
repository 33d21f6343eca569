//! Offline rendering: drives anything that plays ([`Player`]) through a list of timed
//! events, cutting host-sized blocks at each event so it lands on its exact sample.
//! Used by the CLI and by tests that compare renders across block sizes.
//!
//! Control side: allocates the output buffers. The [`Player`] calls it makes are the same
//! realtime calls a host would make.

use crate::graph::{Graph, ModuleIndex, ParamAddr};

/// Something that happens at a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A note starts.
    NoteOn {
        /// MIDI key.
        key: u8,
        /// 0..1.
        velocity: f32,
    },
    /// A note ends.
    NoteOff {
        /// MIDI key.
        key: u8,
    },
    /// A param moves (smoothed).
    Param {
        /// Which param.
        addr: ParamAddr,
        /// New value.
        value: f32,
    },
    /// A module's own gate opens or closes.
    Gate {
        /// Which module.
        module: ModuleIndex,
        /// Open?
        on: bool,
    },
    /// A host macro moves.
    Macro {
        /// 0-based macro index.
        index: usize,
        /// 0..1.
        value: f32,
    },
    /// Pitch bend, in semitones.
    PitchBend {
        /// Semitones.
        semitones: f32,
    },
    /// A MIDI continuous controller moves (mapping source, see [`crate::macros`]).
    Cc {
        /// Controller number, 0..127 (1 = mod wheel).
        cc: u8,
        /// 0..1.
        value: f32,
    },
}

/// An event and the frame it happens at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedEvent {
    /// Absolute frame from the start of the render.
    pub frame: u64,
    /// What happens.
    pub event: Event,
}

/// Something that renders audio and takes events: a [`Graph`], or an engine of slots.
pub trait Player {
    /// Applies one event now (between two blocks). Audio thread.
    fn apply(&mut self, event: &Event);
    /// Renders `out[0].len()` frames. Audio thread.
    fn render(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]);
}

impl Player for Graph {
    fn apply(&mut self, event: &Event) {
        match *event {
            Event::NoteOn { key, velocity } => self.note_on(key, velocity),
            Event::NoteOff { key } => self.note_off(key),
            Event::Param { addr, value } => self.set_param(addr, value),
            Event::Gate { module, on } => self.set_gate(module, on),
            Event::Macro { index, value } => self.set_macro(index, value),
            Event::PitchBend { semitones } => self.set_pitch_bend(semitones),
            Event::Cc { cc, value } => self.set_cc(cc, value),
        }
    }

    fn render(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]) {
        self.process(audio_in, out);
    }
}

/// Stereo sample buffers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stereo {
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel.
    pub right: Vec<f32>,
}

impl Stereo {
    /// `frames` frames of silence.
    pub fn silence(frames: usize) -> Self {
        Self {
            left: vec![0.0; frames],
            right: vec![0.0; frames],
        }
    }

    /// Frames held.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Whether no frames are held.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// Largest absolute sample on either side.
    pub fn peak(&self) -> f32 {
        self.left
            .iter()
            .chain(&self.right)
            .fold(0.0f32, |m, s| m.max(s.abs()))
    }

    /// Root mean square over both sides.
    pub fn rms(&self) -> f32 {
        let n = (self.left.len() + self.right.len()).max(1);
        let sum: f64 = self
            .left
            .iter()
            .chain(&self.right)
            .map(|&s| f64::from(s) * f64::from(s))
            .sum();
        (sum / n as f64).sqrt() as f32
    }
}

/// Renders `frames` frames from `player`, handing it host blocks of `host_block` frames
/// (the last one shorter), each cut further at every event in `events` (which must be
/// sorted by frame) so the event applies at its exact frame. No audio input.
pub fn render(
    player: &mut impl Player,
    events: &[TimedEvent],
    frames: usize,
    host_block: usize,
) -> Stereo {
    render_with_input(player, events, &Stereo::silence(frames), host_block)
}

/// As [`render`], feeding `input` to the player's audio input; renders `input.len()`
/// frames.
pub fn render_with_input(
    player: &mut impl Player,
    events: &[TimedEvent],
    input: &Stereo,
    host_block: usize,
) -> Stereo {
    let frames = input.len();
    let host_block = host_block.max(1);
    let mut out = Stereo::silence(frames);
    let mut next_event = 0;
    let mut block_start = 0;
    while block_start < frames {
        let block_end = (block_start + host_block).min(frames);
        let mut pos = block_start;
        while pos < block_end {
            while let Some(e) = events.get(next_event).filter(|e| e.frame <= pos as u64) {
                player.apply(&e.event);
                next_event += 1;
            }
            let until = events
                .get(next_event)
                .map_or(block_end, |e| (e.frame as usize).clamp(pos + 1, block_end));
            player.render(
                [&input.left[pos..until], &input.right[pos..until]],
                [&mut out.left[pos..until], &mut out.right[pos..until]],
            );
            pos = until;
        }
        block_start = block_end;
    }
    out
}

/// A note written as `KEY@START:END` with optional `vVELOCITY` (1..127), times in
/// seconds, e.g. `60@0:1`, `64@0.5:1.5v100`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteSpec {
    /// MIDI key.
    pub key: u8,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// 0..1.
    pub velocity: f32,
}

/// Why a `--notes` list could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "note `{text}`: {reason} (expected KEY@START:END or KEY@START:ENDvVELOCITY, e.g. 60@0:1v100)"
)]
pub struct NoteSpecError {
    /// The offending item.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl NoteSpec {
    /// Parses a comma-separated list of notes.
    ///
    /// # Errors
    /// [`NoteSpecError`] naming the first item that does not parse.
    pub fn parse_list(text: &str) -> Result<Vec<NoteSpec>, NoteSpecError> {
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(NoteSpec::parse)
            .collect()
    }

    /// Parses one note.
    ///
    /// # Errors
    /// [`NoteSpecError`] saying what is wrong.
    pub fn parse(text: &str) -> Result<NoteSpec, NoteSpecError> {
        let err = |reason| NoteSpecError {
            text: text.to_owned(),
            reason,
        };
        let (key, rest) = text.split_once('@').ok_or_else(|| err("missing `@`"))?;
        let key: u8 = key
            .trim()
            .parse()
            .ok()
            .filter(|k| *k < 128)
            .ok_or_else(|| err("key must be 0..127"))?;
        let (start, rest) = rest.split_once(':').ok_or_else(|| err("missing `:`"))?;
        let (end, velocity) = match rest.split_once('v') {
            Some((end, v)) => {
                let v: u8 = v
                    .parse()
                    .ok()
                    .filter(|v| (1..=127).contains(v))
                    .ok_or_else(|| err("velocity must be 1..127"))?;
                (end, f32::from(v) / 127.0)
            }
            None => (rest, 100.0 / 127.0),
        };
        let start: f64 = start.parse().map_err(|_| err("start is not a number"))?;
        let end: f64 = end.parse().map_err(|_| err("end is not a number"))?;
        if !(start.is_finite() && end.is_finite() && start >= 0.0 && end > start) {
            return Err(err("need 0 <= START < END"));
        }
        Ok(NoteSpec {
            key,
            start,
            end,
            velocity,
        })
    }

    /// The note-on and note-off events of `notes` at `sample_rate`, sorted by frame
    /// (note-offs first at equal frames, so a repeated key retriggers).
    pub fn events(notes: &[NoteSpec], sample_rate: f32) -> Vec<TimedEvent> {
        let sr = f64::from(sample_rate);
        let mut events: Vec<TimedEvent> = notes
            .iter()
            .flat_map(|n| {
                [
                    TimedEvent {
                        frame: (n.start * sr).round() as u64,
                        event: Event::NoteOn {
                            key: n.key,
                            velocity: n.velocity,
                        },
                    },
                    TimedEvent {
                        frame: (n.end * sr).round() as u64,
                        event: Event::NoteOff { key: n.key },
                    },
                ]
            })
            .collect();
        events.sort_by_key(|e| (e.frame, matches!(e.event, Event::NoteOn { .. })));
        events
    }
}
