//! MIDI in: turns nice-plug note events into engine events.
//!
//! - Note on/off (with velocity 0..1) play the patch's voice (mono, last-note priority).
//!   Chokes release the note.
//! - Pitch bend: +-[`PITCH_BEND_RANGE`] semitones, centred exactly at MIDI 8192.
//! - Every other CC (mod wheel = CC 1, expression = 11, ...) becomes a mapping source:
//!   the patch's `macros` list may map `"cc": N` to any param, as it maps host macros.
//! - CC 120 (all sound off) and 123 (all notes off) release every note.
//!
//! Channels are merged (one voice). Audio thread: pure functions, no allocation.

use chronus_engine::render::Event;
use nice_plug::prelude::NoteEvent;

/// Pitch bend range, semitones each way (the General MIDI default).
pub const PITCH_BEND_RANGE: f32 = 2.0;

/// MIDI CC 120: all sound off.
const ALL_SOUND_OFF: u8 = 120;
/// MIDI CC 123: all notes off.
const ALL_NOTES_OFF: u8 = 123;

/// What a MIDI event asks of the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MidiAction {
    /// An engine event (note, bend, CC).
    Event(Event),
    /// Release every note.
    AllNotesOff,
}

/// Pitch bend in semitones from nice-plug's 0..1 value (0.5 = centre; MIDI 8192 maps to
/// exactly 0).
pub fn bend_semitones(value: f32) -> f32 {
    let raw = (value.clamp(0.0, 1.0) * 16_383.0).round();
    let centred = if raw >= 8_192.0 {
        (raw - 8_192.0) / 8_191.0
    } else {
        (raw - 8_192.0) / 8_192.0
    };
    centred * PITCH_BEND_RANGE
}

/// The engine action for `event`, or `None` for events the voice ignores (poly
/// expressions, program changes, SysEx, ...).
pub fn translate<S>(event: &NoteEvent<S>) -> Option<MidiAction> {
    let event = match *event {
        NoteEvent::NoteOn { key, velocity, .. } => Event::NoteOn {
            key: key.number()?,
            velocity: if velocity.is_nan() {
                0.0
            } else {
                velocity.clamp(0.0, 1.0)
            },
        },
        NoteEvent::NoteOff { key, .. } | NoteEvent::Choke { key, .. } => match key.number() {
            Some(key) => Event::NoteOff { key },
            None => return Some(MidiAction::AllNotesOff),
        },
        NoteEvent::MidiPitchBend { value, .. } if value.is_finite() => Event::PitchBend {
            semitones: bend_semitones(value),
        },
        NoteEvent::MidiCC { cc, .. } if cc == ALL_SOUND_OFF || cc == ALL_NOTES_OFF => {
            return Some(MidiAction::AllNotesOff);
        }
        NoteEvent::MidiCC { cc, value, .. } if value.is_finite() => Event::Cc { cc, value },
        _ => return None,
    };
    Some(MidiAction::Event(event))
}

#[cfg(test)]
mod tests {
    use nice_plug::midi::{Channel, Key, VoiceID};
    use nice_plug::prelude::*;

    use super::*;

    type E = NoteEvent<()>;

    #[test]
    fn notes_bend_and_ccs_translate() {
        let on: E = NoteEvent::NoteOn {
            timing: 3,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Number(60),
            velocity: 0.5,
        };
        assert_eq!(
            translate(&on),
            Some(MidiAction::Event(Event::NoteOn {
                key: 60,
                velocity: 0.5
            }))
        );
        let wild: E = NoteEvent::NoteOff {
            timing: 0,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Wildcard,
            key: Key::Wildcard,
            velocity: 0.0,
        };
        assert_eq!(translate(&wild), Some(MidiAction::AllNotesOff));
        let wheel: E = NoteEvent::MidiCC {
            timing: 0,
            channel: 0,
            cc: 1,
            value: 0.25,
        };
        assert_eq!(
            translate(&wheel),
            Some(MidiAction::Event(Event::Cc { cc: 1, value: 0.25 }))
        );
        let panic: E = NoteEvent::MidiCC {
            timing: 0,
            channel: 0,
            cc: 123,
            value: 0.0,
        };
        assert_eq!(translate(&panic), Some(MidiAction::AllNotesOff));
        let nan: E = NoteEvent::MidiPitchBend {
            timing: 0,
            channel: 0,
            value: f32::NAN,
        };
        assert_eq!(translate(&nan), None);
        let program: E = NoteEvent::MidiProgramChange {
            timing: 0,
            channel: 0,
            program: 3,
        };
        assert_eq!(translate(&program), None);
    }

    #[test]
    fn bend_is_centred_and_spans_the_range() {
        assert_eq!(bend_semitones(8_192.0 / 16_383.0), 0.0);
        assert_eq!(bend_semitones(0.0), -PITCH_BEND_RANGE);
        assert_eq!(bend_semitones(1.0), PITCH_BEND_RANGE);
        assert!((bend_semitones(0.75) - 0.999_9).abs() < 1e-3);
    }
}
