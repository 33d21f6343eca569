//! The one file between the plugin and the engine: everything the plugin asks of the
//! engine goes through [`EngineControl`] (control threads) and [`EngineAudio`] (the audio
//! thread).
//!
//! Inside runs the hot-swap engine (`chronus_engine::swap`): patch edits are *commits*
//! ([`EngineControl::commit`]) primed on the engine's background thread, checked, and
//! switched in at a block boundary with a crossfade and the live state carried over.
//!
//! A state load replaces the whole patch at once instead ([`EngineControl::load`]): a new
//! engine is built on the control thread and handed to the audio thread through a bounded
//! lock-free queue. The audio thread takes it at its next block (or at once on a host
//! reset), gives it the host's macros, the MIDI CCs, pitch bend and held note, and
//! crossfades to it (equal power: the patches are unrelated) while the old engine keeps
//! running until the fade ends. Old engines travel back through a second queue and are
//! dropped on a control thread, with the control half that belonged to them.
//!
//! The audio half never allocates, frees, locks or waits: it only `try_recv`s and
//! `try_send`s on pre-allocated bounded queues, and if the return queue is full it keeps
//! the new engine waiting rather than drop one on the audio thread.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use chronus_engine::patch::Patch;
use chronus_engine::render::{Event, Player};
use chronus_engine::swap::{self, CommitId, Engine, EngineOptions, Status};
use chronus_engine::{CompileError, MAX_BLOCK_FRAMES};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::params::MACRO_COUNT;

/// How many new engines may wait for the audio thread (the newest wins beyond that).
const INSTALL_QUEUE: usize = 4;
/// How many retired engines may wait to be dropped on a control thread.
const RETIRE_QUEUE: usize = 16;
/// MIDI CCs tracked so a replacing engine gets them.
const CC_COUNT: usize = 128;

/// Engine settings for a crossfade of `crossfade_ms`.
fn options(crossfade_ms: f32) -> EngineOptions {
    EngineOptions {
        crossfade_ms,
        ..EngineOptions::default()
    }
}

/// Source of [`EngineControl::generation`] numbers, unique in the process.
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// Control half: commits, state loads, status. Control threads.
pub struct EngineControl {
    /// Rate the engines run at.
    sample_rate: f32,
    /// Which swap engine [`EngineControl::swap`] is (unique in the process): commit ids
    /// count from 1 again in each.
    generation: u64,
    /// The newest engine's control half.
    swap: swap::EngineControl,
    /// Control halves of engines the audio thread may still be playing (fading out),
    /// oldest first; each is dropped when an engine comes back.
    old: VecDeque<swap::EngineControl>,
    /// New engines to the audio thread.
    to_audio: Sender<Box<swap::EngineAudio>>,
    /// The same queue's receiving end, to drop engines the audio thread never took when
    /// the queue is full (the newest state wins).
    stale: Receiver<Box<swap::EngineAudio>>,
    /// Retired engines coming back, dropped here.
    retired: Receiver<Box<swap::EngineAudio>>,
    /// Crossfade length in ms, as `f32` bits, read by the audio thread at each switch.
    crossfade_ms: Arc<AtomicU32>,
}

impl EngineControl {
    /// Replaces the whole patch (a state load): builds a new engine playing `patch` and
    /// sends it to the audio thread, which switches to it at its next block (crossfading)
    /// or at once on a host reset. Also drops engines the audio thread has retired.
    ///
    /// # Errors
    /// The patch is invalid or cannot run at this sample rate; nothing changes.
    pub fn load(&mut self, patch: &Patch) -> Result<(), CompileError> {
        self.collect_garbage();
        let ms = f32::from_bits(self.crossfade_ms.load(Ordering::Relaxed));
        let (control, audio) = Engine::new(patch, self.sample_rate, options(ms))?;
        let mut audio = Box::new(audio);
        loop {
            match self.to_audio.try_send(audio) {
                Ok(()) => break,
                Err(TrySendError::Full(a)) => {
                    // The audio thread is not running: the oldest waiting state is
                    // superseded (dropped here, with its control half).
                    drop(self.stale.try_recv());
                    self.old.pop_front();
                    audio = a;
                }
                // The audio half is gone (plugin deactivated): nothing plays it.
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
        self.old
            .push_back(std::mem::replace(&mut self.swap, control));
        self.generation = GENERATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Commits a patch edit to the playing engine: primed in the background, checked,
    /// switched in click-free with the live state carried over. Returns at once; the
    /// outcome shows in [`EngineControl::status`].
    pub fn commit(&mut self, patch: Patch) -> CommitId {
        self.collect_garbage();
        self.swap.commit(patch)
    }

    /// The playing engine's status (active commit, outcomes, load). Drains its report
    /// queues.
    pub fn status(&mut self) -> &Status {
        self.swap.status()
    }

    /// The playing engine's control half, for what this file does not wrap (live `set`,
    /// `gate`, `abort`, waiting for the primer in tests).
    pub fn swap(&mut self) -> &mut swap::EngineControl {
        &mut self.swap
    }

    /// Sets the crossfade used at later switches (ms, clamped to 0..=100).
    pub fn set_crossfade_ms(&mut self, ms: f32) {
        let ms = if ms.is_nan() {
            10.0
        } else {
            ms.clamp(0.0, 100.0)
        };
        self.crossfade_ms.store(ms.to_bits(), Ordering::Relaxed);
        self.swap.set_crossfade_ms(ms);
    }

    /// Drops engines the audio thread has retired, with their control halves.
    pub fn collect_garbage(&mut self) {
        while let Ok(engine) = self.retired.try_recv() {
            drop(engine);
            self.old.pop_front();
        }
    }

    /// The rate engines run at.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Which swap engine plays: changes when a state load replaces it (or the plugin is
    /// activated again). Commit ids and [`Status`] belong to one generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What the audio half remembers of the MIDI it was sent, to hand it to a replacing
/// engine.
#[derive(Debug, Clone, Copy)]
struct MidiMemory {
    /// CC values received (None: never).
    cc: [Option<f32>; CC_COUNT],
    /// Pitch bend, semitones.
    bend: f32,
    /// The note sounding (key, velocity), last-note priority.
    held: Option<(u8, f32)>,
}

impl MidiMemory {
    fn note(&mut self, event: &Event) {
        match *event {
            Event::NoteOn { key, velocity } => self.held = Some((key, velocity)),
            Event::NoteOff { key } if self.held.is_some_and(|(k, _)| k == key) => {
                self.held = None;
            }
            Event::PitchBend { semitones } if semitones.is_finite() => self.bend = semitones,
            Event::Cc { cc, value } if !value.is_nan() => {
                if let Some(slot) = self.cc.get_mut(usize::from(cc)) {
                    *slot = Some(value);
                }
            }
            _ => {}
        }
    }
}

/// Audio half: plays the engine, switches to replacing ones. Audio thread (it is
/// created and dropped on the control thread that activates the plugin).
pub struct EngineAudio {
    /// What plays.
    engine: Box<swap::EngineAudio>,
    /// The engine being faded out after a state load, if any.
    fading: Option<Box<swap::EngineAudio>>,
    /// Frames of the current fade done.
    fade_done: u32,
    /// Frames of the current fade.
    fade_len: u32,
    /// New engines from the control half.
    incoming: Receiver<Box<swap::EngineAudio>>,
    /// Retired engines back to the control half.
    retire: Sender<Box<swap::EngineAudio>>,
    /// Crossfade length, ms, `f32` bits.
    crossfade_ms: Arc<AtomicU32>,
    /// The host's macro values last applied (0..1), given to every new engine.
    macros: [f32; MACRO_COUNT],
    /// MIDI state handed to a replacing engine.
    midi: MidiMemory,
    /// The old engine's output during a fade.
    scratch: Box<[[f32; MAX_BLOCK_FRAMES]; 2]>,
}

/// Builds an engine playing `patch` at `sample_rate` and returns its two halves with the
/// host's macros applied and every glide settled. Control thread (`activate()`).
///
/// # Errors
/// The patch is invalid or cannot run at this rate.
pub fn start(
    patch: &Patch,
    sample_rate: f32,
    crossfade_ms: f32,
    macros: [f32; MACRO_COUNT],
) -> Result<(EngineControl, EngineAudio), CompileError> {
    let (swap, engine) = Engine::new(patch, sample_rate, options(crossfade_ms))?;
    let (to_audio, incoming) = bounded(INSTALL_QUEUE);
    let (retire, retired) = bounded(RETIRE_QUEUE);
    let crossfade_ms = Arc::new(AtomicU32::new(crossfade_ms.to_bits()));
    let control = EngineControl {
        sample_rate,
        generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
        swap,
        old: VecDeque::new(),
        to_audio,
        stale: incoming.clone(),
        retired,
        crossfade_ms: crossfade_ms.clone(),
    };
    let mut audio = EngineAudio {
        engine: Box::new(engine),
        fading: None,
        fade_done: 0,
        fade_len: 0,
        incoming,
        retire,
        crossfade_ms,
        macros,
        midi: MidiMemory {
            cc: [None; CC_COUNT],
            bend: 0.0,
            held: None,
        },
        scratch: Box::new([[0.0; MAX_BLOCK_FRAMES]; 2]),
    };
    audio.reset(macros);
    Ok((control, audio))
}

impl EngineAudio {
    /// Applies a note, pitch bend, CC or macro event now, to the playing engine and to
    /// one fading out. Audio thread.
    pub fn apply(&mut self, event: &Event) {
        if let Event::Macro { index, value } = *event
            && let Some(m) = self.macros.get_mut(index)
            && !value.is_nan()
        {
            *m = value.clamp(0.0, 1.0);
        }
        self.midi.note(event);
        self.engine.apply(event);
        if let Some(old) = self.fading.as_mut() {
            old.apply(event);
        }
    }

    /// Releases every note (MIDI all-notes-off / all-sound-off). Audio thread.
    pub fn all_notes_off(&mut self) {
        self.midi.held = None;
        for key in 0..128 {
            self.engine.apply(&Event::NoteOff { key });
            if let Some(old) = self.fading.as_mut() {
                old.apply(&Event::NoteOff { key });
            }
        }
    }

    /// The host's macro values as last applied.
    pub fn macros(&self) -> &[f32; MACRO_COUNT] {
        &self.macros
    }

    /// Renders `left.len()` frames (any number, 0 included). Switches to a replacing
    /// engine first if one is waiting. Audio thread: no allocation.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        if frames == 0 {
            return;
        }
        self.switch_if_ready();
        let (left, right) = (&mut left[..frames], &mut right[..frames]);
        self.engine.process([&[], &[]], [&mut *left, &mut *right]);
        let Some(old) = self.fading.as_mut() else {
            return;
        };
        let len = self.fade_len.max(1) as f32;
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(MAX_BLOCK_FRAMES);
            let [sl, sr] = &mut *self.scratch;
            old.process([&[], &[]], [&mut sl[..n], &mut sr[..n]]);
            for i in 0..n {
                let t = ((self.fade_done + (start + i) as u32) as f32 / len).min(1.0);
                let angle = t * std::f32::consts::FRAC_PI_2;
                let (new_gain, old_gain) = (angle.sin(), angle.cos());
                left[start + i] = left[start + i] * new_gain + sl[i] * old_gain;
                right[start + i] = right[start + i] * new_gain + sr[i] * old_gain;
            }
            start += n;
        }
        self.fade_done = self.fade_done.saturating_add(frames as u32);
        if self.fade_done >= self.fade_len
            && let Some(old) = self.fading.take()
        {
            self.send_back(old);
        }
    }

    /// Returns to a clean start (host reset): takes the newest waiting engine at once (no
    /// fade), ends any fade, applies the host's current `macros` without glide and resets
    /// the engine (module state cleared, notes released). Audio thread: no allocation.
    pub fn reset(&mut self, macros: [f32; MACRO_COUNT]) {
        self.macros = macros.map(|m| if m.is_nan() { 0.0 } else { m.clamp(0.0, 1.0) });
        if let Some(old) = self.fading.take() {
            self.send_back(old);
        }
        while self.room_to_retire(1) {
            let Ok(new) = self.incoming.try_recv() else {
                break;
            };
            let old = std::mem::replace(&mut self.engine, new);
            self.send_back(old);
        }
        for (index, &value) in self.macros.iter().enumerate() {
            self.engine.apply(&Event::Macro { index, value });
        }
        self.midi.held = None;
        self.engine.reset();
    }

    /// Takes the newest waiting engine, if there is room to retire the ones it replaces,
    /// hands it the live controls and starts the crossfade to it.
    fn switch_if_ready(&mut self) {
        // Room for the engine fading now, the one playing, and every superseded newcomer.
        if !self.room_to_retire(INSTALL_QUEUE + 2) {
            return;
        }
        let Ok(mut new) = self.incoming.try_recv() else {
            return;
        };
        // Only the newest matters.
        while let Ok(newer) = self.incoming.try_recv() {
            self.send_back(std::mem::replace(&mut new, newer));
        }
        // The new engine has never played: give it the host's controls and settle them.
        for (index, &value) in self.macros.iter().enumerate() {
            new.apply(&Event::Macro { index, value });
        }
        for (cc, value) in self.midi.cc.iter().enumerate() {
            if let Some(value) = *value {
                new.apply(&Event::Cc {
                    cc: cc as u8,
                    value,
                });
            }
        }
        new.apply(&Event::PitchBend {
            semitones: self.midi.bend,
        });
        new.reset();
        if let Some((key, velocity)) = self.midi.held {
            new.apply(&Event::NoteOn { key, velocity });
        }
        if let Some(older) = self.fading.take() {
            self.send_back(older);
        }
        let old = std::mem::replace(&mut self.engine, new);
        let ms = f32::from_bits(self.crossfade_ms.load(Ordering::Relaxed));
        self.fade_len = (ms.clamp(0.0, 100.0) * 0.001 * self.engine.sample_rate()) as u32;
        self.fade_done = 0;
        if self.fade_len == 0 {
            self.send_back(old);
        } else {
            self.fading = Some(old);
        }
    }

    /// Whether `n` more engines fit in the return queue.
    fn room_to_retire(&self, n: usize) -> bool {
        self.retire.len() + n <= RETIRE_QUEUE
    }

    /// Hands an engine back to the control side to be dropped there. Callers check
    /// [`EngineAudio::room_to_retire`] first, so this never drops on the audio thread in
    /// practice; if the control half is gone (plugin shutting down) the engine is dropped
    /// here, which is then off the real-time path.
    fn send_back(&mut self, engine: Box<swap::EngineAudio>) {
        if let Err(e) = self.retire.try_send(engine) {
            debug_assert!(
                matches!(e, TrySendError::Disconnected(_)),
                "retire queue full: room_to_retire was not checked"
            );
            drop(e.into_inner());
        }
    }
}
