//! The one file between the plugin and the engine: everything the plugin asks of the
//! engine goes through [`EngineControl`] (control threads) and [`EngineAudio`] (the audio
//! thread), so replacing what is behind them touches only this file.
//!
//! For now it drives a compiled [`Graph`] directly: a new patch (state load, GUI edit) is
//! compiled on the control thread, handed to the audio thread through a bounded lock-free
//! queue, and takes over at the next block boundary with an equal-power crossfade from
//! the old graph (which keeps running until the fade ends). Held notes, macro and CC
//! values and pitch bend carry over. Retired graphs travel back through a second queue and
//! are dropped on a control thread. When the hot-swap engine (`chronus_engine::swap`,
//! background priming, state carry-over) lands, it replaces the innards here.
//!
//! The audio half never allocates, frees, locks or waits: it only `try_recv`s and
//! `try_send`s on pre-allocated bounded queues, and if the return queue is full it keeps
//! the new patch waiting rather than drop a graph on the audio thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chronus_engine::patch::Patch;
use chronus_engine::render::{Event, Player};
use chronus_engine::{CompileError, Graph, MAX_BLOCK_FRAMES, compile};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::params::MACRO_COUNT;

/// How many new graphs may wait for the audio thread (the newest wins beyond that).
const INSTALL_QUEUE: usize = 4;
/// How many retired graphs may wait to be dropped on a control thread.
const RETIRE_QUEUE: usize = 16;

/// Control half: compiles patches and sends them to the audio half. Control threads.
pub struct EngineControl {
    /// Rate the graphs are compiled for.
    sample_rate: f32,
    /// New graphs to the audio thread.
    to_audio: Sender<Box<Graph>>,
    /// The same queue's receiving end, to drop graphs the audio thread never took when
    /// the queue is full (the newest patch wins).
    stale: Receiver<Box<Graph>>,
    /// Retired graphs coming back, dropped here.
    retired: Receiver<Box<Graph>>,
    /// Crossfade length in ms, as `f32` bits, read by the audio thread at each switch.
    crossfade_ms: Arc<AtomicU32>,
}

impl EngineControl {
    /// Compiles `patch` and sends it to the audio thread, which switches to it at its next
    /// block (crossfading). Also drops graphs the audio thread has retired.
    ///
    /// # Errors
    /// The patch is invalid or cannot run at this sample rate; nothing is sent.
    pub fn load(&mut self, patch: &Patch) -> Result<(), CompileError> {
        self.collect_garbage();
        let mut graph = Box::new(compile::compile(patch, self.sample_rate)?);
        loop {
            match self.to_audio.try_send(graph) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(g)) => {
                    // The audio thread is not keeping up (or not running): the oldest
                    // waiting patch is superseded.
                    drop(self.stale.try_recv());
                    graph = g;
                }
                // The audio half is gone (plugin deactivated): nothing to play it.
                Err(TrySendError::Disconnected(_)) => return Ok(()),
            }
        }
    }

    /// Sets the crossfade used at the next switch (ms, already clamped by the caller).
    pub fn set_crossfade_ms(&mut self, ms: f32) {
        self.crossfade_ms.store(ms.to_bits(), Ordering::Relaxed);
    }

    /// Drops graphs the audio thread has retired.
    pub fn collect_garbage(&mut self) {
        while let Ok(graph) = self.retired.try_recv() {
            drop(graph);
        }
    }

    /// The rate graphs are compiled for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }
}

/// Audio half: plays the current graph, switches to new ones. Audio thread (it is
/// created and dropped on the control thread that activates the plugin).
pub struct EngineAudio {
    /// What plays.
    graph: Box<Graph>,
    /// The graph being faded out after a switch, if any.
    fading: Option<Box<Graph>>,
    /// Frames of the current fade done.
    fade_done: u32,
    /// Frames of the current fade.
    fade_len: u32,
    /// New graphs from the control half.
    incoming: Receiver<Box<Graph>>,
    /// Retired graphs back to the control half.
    retire: Sender<Box<Graph>>,
    /// Crossfade length, ms, `f32` bits.
    crossfade_ms: Arc<AtomicU32>,
    /// The host's macro values last applied (0..1), given to every new graph.
    macros: [f32; MACRO_COUNT],
    /// The old graph's output during a fade.
    scratch: Box<[[f32; MAX_BLOCK_FRAMES]; 2]>,
}

/// Compiles `patch` at `sample_rate` and returns the two halves of a running engine with
/// the host's macros applied and every glide settled. Control thread (`activate()`).
///
/// # Errors
/// The patch is invalid or cannot run at this rate.
pub fn start(
    patch: &Patch,
    sample_rate: f32,
    crossfade_ms: f32,
    macros: [f32; MACRO_COUNT],
) -> Result<(EngineControl, EngineAudio), CompileError> {
    let graph = Box::new(compile::compile(patch, sample_rate)?);
    let (to_audio, incoming) = bounded(INSTALL_QUEUE);
    let (retire, retired) = bounded(RETIRE_QUEUE);
    let crossfade_ms = Arc::new(AtomicU32::new(crossfade_ms.to_bits()));
    let control = EngineControl {
        sample_rate,
        to_audio,
        stale: incoming.clone(),
        retired,
        crossfade_ms: crossfade_ms.clone(),
    };
    let mut audio = EngineAudio {
        graph,
        fading: None,
        fade_done: 0,
        fade_len: 0,
        incoming,
        retire,
        crossfade_ms,
        macros,
        scratch: Box::new([[0.0; MAX_BLOCK_FRAMES]; 2]),
    };
    audio.reset(macros);
    Ok((control, audio))
}

impl EngineAudio {
    /// Applies a note, pitch bend, CC or macro event now, to the playing graph and to
    /// one fading out. Audio thread.
    pub fn apply(&mut self, event: &Event) {
        if let Event::Macro { index, value } = *event
            && let Some(m) = self.macros.get_mut(index)
            && !value.is_nan()
        {
            *m = value.clamp(0.0, 1.0);
        }
        self.graph.apply(event);
        if let Some(old) = self.fading.as_mut() {
            old.apply(event);
        }
    }

    /// Releases every note (MIDI all-notes-off / all-sound-off). Audio thread.
    pub fn all_notes_off(&mut self) {
        self.graph.all_notes_off();
        if let Some(old) = self.fading.as_mut() {
            old.all_notes_off();
        }
    }

    /// The host's macro values as last applied.
    pub fn macros(&self) -> &[f32; MACRO_COUNT] {
        &self.macros
    }

    /// Renders `left.len()` frames (any number, 0 included). Switches to a new graph
    /// first if one is waiting. Audio thread: no allocation.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        if frames == 0 {
            return;
        }
        self.switch_if_ready();
        let (left, right) = (&mut left[..frames], &mut right[..frames]);
        self.graph.process([&[], &[]], [&mut *left, &mut *right]);
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

    /// Returns to a clean start (host reset): takes the newest waiting graph at once (no
    /// fade), ends any fade, applies the host's current `macros` without glide and resets
    /// the graph. Audio thread: no allocation.
    pub fn reset(&mut self, macros: [f32; MACRO_COUNT]) {
        self.macros = macros.map(|m| if m.is_nan() { 0.0 } else { m.clamp(0.0, 1.0) });
        if let Some(old) = self.fading.take() {
            self.send_back(old);
        }
        while self.room_to_retire(1) {
            let Ok(new) = self.incoming.try_recv() else {
                break;
            };
            let old = std::mem::replace(&mut self.graph, new);
            self.send_back(old);
        }
        for (index, &value) in self.macros.iter().enumerate() {
            self.graph.set_macro(index, value);
        }
        self.graph.reset();
    }

    /// Takes the newest waiting graph, if there is room to retire the ones it replaces,
    /// and starts the crossfade to it.
    fn switch_if_ready(&mut self) {
        // Room for the graph fading now, the one playing, and every superseded newcomer.
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
        new.copy_controls_from(&self.graph);
        let voice = *self.graph.voice();
        if voice.gate {
            new.note_on(voice.key, voice.velocity);
        }
        if let Some(older) = self.fading.take() {
            self.send_back(older);
        }
        let old = std::mem::replace(&mut self.graph, new);
        let ms = f32::from_bits(self.crossfade_ms.load(Ordering::Relaxed));
        self.fade_len = (ms.clamp(0.0, 1_000.0) * 0.001 * self.graph.sample_rate()) as u32;
        self.fade_done = 0;
        if self.fade_len == 0 {
            self.send_back(old);
        } else {
            self.fading = Some(old);
        }
    }

    /// Whether `n` more graphs fit in the return queue.
    fn room_to_retire(&self, n: usize) -> bool {
        self.retire.len() + n <= RETIRE_QUEUE
    }

    /// Hands a graph back to the control side to be dropped there. Callers check
    /// [`EngineAudio::room_to_retire`] first, so this never drops on the audio thread in
    /// practice; if the control half is gone (plugin shutting down) the graph is dropped
    /// here, which is then off the real-time path.
    fn send_back(&mut self, graph: Box<Graph>) {
        if let Err(e) = self.retire.try_send(graph) {
            debug_assert!(
                matches!(e, TrySendError::Disconnected(_)),
                "retire queue full: room_to_retire was not checked"
            );
            drop(e.into_inner());
        }
    }
}
