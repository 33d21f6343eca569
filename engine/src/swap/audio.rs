//! The audio half of an engine: two slots and the index of the active one, the switch,
//! the crossfade, live changes at their frame, and the output guard.
//!
//! Everything here runs on the host's audio thread and never allocates, frees, locks,
//! waits or does I/O: graphs arrive and leave as moved `Box`es through wait-free rings,
//! live changes and reports are `Copy` values, the per-call event list is a fixed array.

use std::sync::Arc;
use std::time::Instant;

use super::carry;
use super::crossfade::Crossfade;
use super::messages::{AudioEnds, AudioToControl, ControlToAudio};
use super::prepared::Prepared;
use super::retire::Retirer;
use super::shared::{AudioThreadMark, R, Shared};
use super::status::Fault;
use crate::module::MAX_BLOCK_FRAMES;
use crate::render::{Event, Player};

/// Live changes taken per `process` call; more wait for the next call.
const EVENTS_PER_CALL: usize = 256;

/// Length of the fade-in after the output guard reset a graph, ms.
const RECOVER_MS: f32 = 10.0;

/// The audio thread's half of an engine. Move it to the audio thread and call
/// [`EngineAudio::process`] (or drive it as a [`Player`]). Dropping it frees its graphs
/// on the dropping thread: drop it off the audio thread (as a plugin's deactivate does).
pub struct EngineAudio {
    /// Atomics shared with control and primer.
    shared: Arc<Shared>,
    /// The two slots: the active graph, and the standby one (the old graph while it
    /// fades out).
    slots: [Option<Box<Prepared>>; 2],
    /// Index of the active slot.
    active: usize,
    /// The crossfade in progress, if any (then the standby slot holds the old graph).
    fade: Option<Crossfade>,
    /// A primed graph waiting for the running crossfade to end.
    queued: Option<Box<Prepared>>,
    /// Primed graphs from the primer.
    primed: rtrb::Consumer<Box<Prepared>>,
    /// Old graphs back to the primer.
    retirer: Retirer,
    /// Live changes from control.
    live: rtrb::Consumer<ControlToAudio>,
    /// Reports to control.
    reports: rtrb::Producer<AudioToControl>,
    /// This call's live changes, sorted by frame offset.
    events: [Option<ControlToAudio>; EVENTS_PER_CALL],
    /// The old graph's output during a crossfade.
    scratch: [[f32; MAX_BLOCK_FRAMES]; 2],
    /// Frames rendered.
    frames: u64,
    /// Frames left in the fade-in after a guard reset.
    recover_left: u32,
    /// Length of that fade-in, frames.
    recover_len: u32,
}

impl EngineAudio {
    /// The audio half around the first graph. Control side (called by `Engine::new`).
    pub(crate) fn new(first: Box<Prepared>, shared: Arc<Shared>, ends: AudioEnds) -> Self {
        let recover_len = (RECOVER_MS * 0.001 * shared.sample_rate).round() as u32;
        shared.active_commit.store(first.id.0, R);
        Self {
            shared,
            slots: [Some(first), None],
            active: 0,
            fade: None,
            queued: None,
            primed: ends.primed,
            retirer: Retirer::new(ends.retire),
            live: ends.live,
            reports: ends.reports,
            events: [None; EVENTS_PER_CALL],
            scratch: [[0.0; MAX_BLOCK_FRAMES]; 2],
            frames: 0,
            recover_left: 0,
            recover_len: recover_len.max(1),
        }
    }

    /// The sample rate the engine runs at.
    pub fn sample_rate(&self) -> f32 {
        self.shared.sample_rate
    }

    /// Frames rendered so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Returns to a clean start (a plugin host's reset): a crossfade in progress ends at
    /// once (the old graph retires), and the active graph and a graph queued behind the
    /// fade are reset (phases, envelopes, filter memory and delay lines cleared, notes
    /// released, glides settled). Param values, macros and waiting commits are kept.
    /// Audio thread: no allocation.
    pub fn reset(&mut self) {
        let _mark = AudioThreadMark::set();
        if self.fade.take().is_some() {
            self.shared.fading.store(false, R);
            if let Some(old) = self.slots[1 - self.active].take() {
                self.retirer.retire(old);
            }
        }
        for p in self.slots.iter_mut().chain([&mut self.queued]).flatten() {
            p.graph.reset();
        }
        self.recover_left = 0;
        self.publish_voice();
    }

    /// Renders `out[0].len()` frames (any number) reading the host's input from
    /// `audio_in` (shorter slices read as silence). Live changes sent before this call
    /// apply at their frame offsets; a primed graph is switched in at the first block
    /// boundary (every 64 frames and at each live change). The output is always finite.
    /// Audio thread: no allocation, no lock, no wait.
    pub fn process(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]) {
        let _mark = AudioThreadMark::set();
        let started = self.shared.measure_load.load(R).then(Instant::now);
        let [out_l, out_r] = out;
        let frames = out_l.len().min(out_r.len());
        let count = self.take_live(frames);
        let mut next_event = 0;
        let mut pos = 0;
        while pos < frames {
            while let Some(e) = self.events[..count]
                .get(next_event)
                .and_then(|e| *e)
                .filter(|e| e.offset() as usize <= pos)
            {
                self.apply_live(e);
                next_event += 1;
            }
            let until = self.events[..count]
                .get(next_event)
                .and_then(|e| *e)
                .map_or(frames, |e| e.offset() as usize);
            let end = (pos + MAX_BLOCK_FRAMES).min(frames).min(until.max(pos + 1));
            self.boundary();
            let input = [
                input_slice(audio_in[0], pos, end),
                input_slice(audio_in[1], pos, end),
            ];
            self.render_chunk(input, &mut out_l[pos..end], &mut out_r[pos..end]);
            self.frames += (end - pos) as u64;
            pos = end;
        }
        for i in next_event..count {
            if let Some(e) = self.events[i] {
                self.apply_live(e);
            }
        }
        self.shared.frames.store(self.frames, R);
        if let Some(started) = started
            && frames > 0
        {
            let ns = started.elapsed().as_nanos() as u64;
            let budget_ns = frames as f64 * 1e9 / f64::from(self.shared.sample_rate);
            self.shared.load_ns.fetch_add(ns, R);
            self.shared.load_frames.fetch_add(frames as u64, R);
            self.shared
                .load_max
                .fetch_max((ns as f64 / budget_ns) as f32, R);
        }
    }

    /// Pops this call's live changes into `events`, offsets clamped into the call,
    /// sorted by offset (stable). Returns how many.
    fn take_live(&mut self, frames: usize) -> usize {
        let last = frames.saturating_sub(1) as u32;
        let mut count = 0;
        while count < EVENTS_PER_CALL {
            let Ok(mut e) = self.live.pop() else { break };
            match &mut e {
                ControlToAudio::Param { offset, .. }
                | ControlToAudio::Gate { offset, .. }
                | ControlToAudio::Macro { offset, .. } => *offset = (*offset).min(last),
            }
            // Insertion sort: bounded by EVENTS_PER_CALL, stable for equal offsets.
            let mut i = count;
            while i > 0 && self.events[i - 1].is_some_and(|p| p.offset() > e.offset()) {
                self.events[i] = self.events[i - 1];
                i -= 1;
            }
            self.events[i] = Some(e);
            count += 1;
        }
        count
    }

    /// The graphs that hear live changes: active, fading out, queued.
    fn for_each_graph(&mut self, mut f: impl FnMut(&mut Prepared)) {
        let fading = self.fade.is_some();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if let Some(p) = slot
                && (i == self.active || fading)
            {
                f(p);
            }
        }
        if let Some(q) = &mut self.queued {
            f(q);
        }
    }

    fn apply_live(&mut self, e: ControlToAudio) {
        match e {
            ControlToAudio::Param {
                key,
                kind,
                param,
                value,
                ..
            } => self.for_each_graph(|p| {
                if let Some(addr) = p
                    .module(key, kind)
                    .and_then(|m| p.param_addr(m, usize::from(param)))
                {
                    p.graph.set_param(addr, value);
                }
            }),
            ControlToAudio::Gate { key, kind, on, .. } => self.for_each_graph(|p| {
                if let Some(m) = p.module(key, kind) {
                    p.graph.set_gate(crate::graph::ModuleIndex(m as u32), on);
                }
            }),
            ControlToAudio::Macro { index, value, .. } => {
                self.for_each_graph(|p| p.graph.set_macro(usize::from(index), value));
                self.publish_macro(usize::from(index));
            }
        }
    }

    fn publish_macro(&self, index: usize) {
        if let (Some(active), Some(atomic)) = (self.active(), self.shared.macros.get(index)) {
            atomic.store(active.graph.macro_value(index), R);
        }
    }

    fn publish_voice(&self) {
        if let Some(active) = self.active() {
            let voice = active.graph.voice();
            self.shared.gate.store(voice.gate, R);
            self.shared.held_key.store(voice.key, R);
            self.shared.velocity.store(voice.velocity, R);
        }
    }

    fn active(&self) -> Option<&Prepared> {
        self.slots[self.active].as_deref()
    }

    fn report(&mut self, report: AudioToControl) {
        if self.reports.push(report).is_err() {
            self.shared.reports_lost.fetch_add(1, R);
        }
    }

    /// At a block boundary: take primed graphs, drop aborted ones, switch if possible.
    fn boundary(&mut self) {
        self.retirer.flush();
        while let Ok(p) = self.primed.pop() {
            if let Some(older) = self.queued.replace(p) {
                self.shared.superseded.fetch_add(1, R);
                self.report(AudioToControl::Superseded(older.id));
                self.retirer.retire(older);
            }
        }
        if let Some(q) = self.queued.take() {
            if self.shared.is_aborted(q.id.0) {
                self.shared.aborted.fetch_add(1, R);
                self.report(AudioToControl::Aborted(q.id));
                self.retirer.retire(q);
            } else if self.fade.is_some() {
                self.queued = Some(q);
            } else {
                self.switch(q);
            }
        }
    }

    /// Makes `next` active: carries the live state over, flips the slot index, starts
    /// the crossfade.
    fn switch(&mut self, mut next: Box<Prepared>) {
        let standby = 1 - self.active;
        if let Some(stale) = self.slots[standby].take() {
            self.retirer.retire(stale);
        }
        let carried = match self.slots[self.active].as_deref() {
            Some(old) => carry::transplant(old, &mut next),
            None => carry::Carried {
                modules: 0,
                params_only: false,
            },
        };
        let id = next.id;
        let modules = next.graph.module_count() as u32;
        self.slots[standby] = Some(next);
        let old = self.active;
        self.active = standby;
        let fade_len = if carried.params_only {
            0
        } else {
            (self.shared.crossfade_ms.load(R).clamp(0.0, 100.0) * 0.001 * self.shared.sample_rate)
                .round() as u32
        };
        if fade_len == 0 {
            if let Some(old) = self.slots[old].take() {
                self.retirer.retire(old);
            }
        } else if self.slots[old].is_some() {
            self.fade = Some(Crossfade::new(fade_len));
        }
        self.shared.swaps.fetch_add(1, R);
        self.shared.active_commit.store(id.0, R);
        self.shared.active_slot.store(self.active as u8, R);
        self.shared.fading.store(self.fade.is_some(), R);
        self.report(AudioToControl::Switched {
            id,
            frame: self.frames,
            carried: carried.modules,
            modules,
            crossfade: fade_len,
            at: Instant::now(),
        });
    }

    /// Renders one chunk (at most 64 frames) into `out_*`.
    fn render_chunk(&mut self, input: [&[f32]; 2], out_l: &mut [f32], out_r: &mut [f32]) {
        let n = out_l.len();
        let guard = self.shared.guard_level.load(R);
        let (first, second) = self.slots.split_at_mut(1);
        let (active, standby) = if self.active == 0 {
            (&mut first[0], &mut second[0])
        } else {
            (&mut second[0], &mut first[0])
        };
        let Some(active) = active.as_deref_mut() else {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        };
        active.graph.process(input, [&mut *out_l, &mut *out_r]);
        let mut faults = [None, None];
        if let Some(fault) = check_output(out_l, out_r, guard) {
            out_l.fill(0.0);
            out_r.fill(0.0);
            active.graph.reset();
            self.recover_left = self.recover_len;
            faults[0] = (!active.faulted).then_some((active.id, fault));
            active.faulted = true;
        }

        let mut fade_over = false;
        if let (Some(fade), Some(old)) = (&mut self.fade, standby.as_deref_mut()) {
            let [sl, sr] = &mut self.scratch;
            let (sl, sr) = (&mut sl[..n], &mut sr[..n]);
            old.graph.process(input, [&mut *sl, &mut *sr]);
            if let Some(fault) = check_output(sl, sr, guard) {
                faults[1] = (!old.faulted).then_some((old.id, fault));
                old.faulted = true;
                fade_over = true;
            } else {
                fade.mix(out_l, out_r, sl, sr);
                fade_over = fade.is_done();
            }
        } else if self.fade.is_some() {
            fade_over = true;
        }
        if fade_over {
            self.fade = None;
            self.shared.fading.store(false, R);
            if let Some(old) = standby.take() {
                self.retirer.retire(old);
            }
        }

        if self.recover_left > 0 {
            for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
                let g = 1.0 - self.recover_left as f32 / self.recover_len as f32;
                *l *= g;
                *r *= g;
                self.recover_left = self.recover_left.saturating_sub(1);
            }
        }
        for (id, fault) in faults.into_iter().flatten() {
            self.shared.faults.fetch_add(1, R);
            let frame = self.frames;
            self.report(AudioToControl::Fault { id, fault, frame });
        }
    }
}

/// `s[pos..end]`, cut to what `s` holds (a shorter input reads as silence).
fn input_slice(s: &[f32], pos: usize, end: usize) -> &[f32] {
    s.get(pos.min(s.len())..end.min(s.len())).unwrap_or(&[])
}

/// Whether a chunk is unfit for the speakers: non-finite, or above `limit`.
fn check_output(l: &[f32], r: &[f32], limit: f32) -> Option<Fault> {
    let mut worst = 0.0f32;
    for &s in l.iter().chain(r) {
        if !s.is_finite() {
            return Some(Fault::NonFinite);
        }
        worst = worst.max(s.abs());
    }
    (worst > limit).then_some(Fault::TooLoud)
}

impl Player for EngineAudio {
    /// Notes, pitch bend, macros and CCs go to every running graph; `Param` and `Gate` carry
    /// addresses of one graph and go to the active graph only (use
    /// [`super::EngineControl::set`] to address params by name across swaps).
    fn apply(&mut self, event: &Event) {
        let _mark = AudioThreadMark::set();
        match *event {
            Event::NoteOn { key, velocity } => {
                self.for_each_graph(|p| p.graph.note_on(key, velocity));
                self.publish_voice();
            }
            Event::NoteOff { key } => {
                self.for_each_graph(|p| p.graph.note_off(key));
                self.publish_voice();
            }
            Event::PitchBend { semitones } => {
                self.for_each_graph(|p| p.graph.set_pitch_bend(semitones));
            }
            Event::Macro { index, value } => {
                self.for_each_graph(|p| p.graph.set_macro(index, value));
                self.publish_macro(index);
            }
            Event::Cc { cc, value } => {
                self.for_each_graph(|p| p.graph.set_cc(cc, value));
            }
            Event::Param { addr, value } => {
                if let Some(p) = self.slots[self.active].as_deref_mut() {
                    p.graph.set_param(addr, value);
                }
            }
            Event::Gate { module, on } => {
                if let Some(p) = self.slots[self.active].as_deref_mut() {
                    p.graph.set_gate(module, on);
                }
            }
        }
    }

    fn render(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]) {
        self.process(audio_in, out);
    }
}
