//! A rig for hot-swap tests: an engine, a render loop that plays host blocks with note
//! events at their exact frames (every `process` call wrapped in
//! `assert_no_alloc::assert_no_alloc`, so a test binary with the `AllocDisabler` global
//! allocator aborts on any allocation or free on the audio path), and commits that wait
//! for the primer so switches land deterministically at the next block boundary.

use std::time::Duration;

use chronus_engine::Patch;
use chronus_engine::render::{Player, Stereo, TimedEvent};
use chronus_engine::swap::{
    CommitId, CommitOptions, CommitRecord, Engine, EngineAudio, EngineControl, EngineOptions,
};

use crate::measure;

/// How long a test waits for the primer before failing.
pub const PRIMER_TIMEOUT: Duration = Duration::from_secs(10);

/// An engine being rendered.
pub struct Rig {
    /// Control half.
    pub control: EngineControl,
    /// Audio half.
    pub audio: EngineAudio,
    /// Everything rendered so far.
    pub out: Stereo,
    /// Host block size.
    pub block: usize,
    /// Note events (absolute frames), sorted.
    events: Vec<TimedEvent>,
    /// Next event to apply.
    next_event: usize,
}

/// Parses patch JSON, panicking with the engine's message.
pub fn patch(json: &str) -> Patch {
    Patch::from_json(json).unwrap_or_else(|e| panic!("patch JSON: {e}"))
}

impl Rig {
    /// An engine playing `json` at `sample_rate`, host blocks of `block` frames, default
    /// options.
    pub fn new(json: &str, sample_rate: f32, block: usize) -> Self {
        Self::with_options(json, sample_rate, block, EngineOptions::default())
    }

    /// As [`Rig::new`] with options.
    pub fn with_options(
        json: &str,
        sample_rate: f32,
        block: usize,
        options: EngineOptions,
    ) -> Self {
        let (control, audio) = Engine::new(&patch(json), sample_rate, options)
            .unwrap_or_else(|e| panic!("engine: {e}"));
        Self {
            control,
            audio,
            out: Stereo::default(),
            block: block.max(1),
            events: Vec::new(),
            next_event: 0,
        }
    }

    /// Adds note events (absolute frames from the start of the render).
    pub fn with_events(mut self, events: Vec<TimedEvent>) -> Self {
        self.events = events;
        self
    }

    /// Frames rendered so far.
    pub fn frames(&self) -> usize {
        self.out.len()
    }

    /// Renders `frames` more frames in host blocks (cut at note events), asserting that
    /// the audio path neither allocates nor frees.
    pub fn run(&mut self, frames: usize) {
        let start = self.out.len();
        let end = start + frames;
        self.out.left.resize(end, 0.0);
        self.out.right.resize(end, 0.0);
        let mut pos = start;
        while pos < end {
            while let Some(e) = self
                .events
                .get(self.next_event)
                .filter(|e| e.frame <= pos as u64)
            {
                let event = e.event;
                let audio = &mut self.audio;
                assert_no_alloc::assert_no_alloc(|| audio.apply(&event));
                self.next_event += 1;
            }
            let block_end = (pos + self.block - (pos - start) % self.block).min(end);
            let until = self
                .events
                .get(self.next_event)
                .map_or(block_end, |e| (e.frame as usize).clamp(pos + 1, block_end));
            let (l, r) = (
                &mut self.out.left[pos..until],
                &mut self.out.right[pos..until],
            );
            let audio = &mut self.audio;
            assert_no_alloc::assert_no_alloc(|| audio.process([&[], &[]], [l, r]));
            pos = until;
        }
    }

    /// Renders until `seconds` of audio exist.
    pub fn run_to(&mut self, seconds: f64) {
        let target = (seconds * f64::from(self.audio.sample_rate())).round() as usize;
        if target > self.out.len() {
            self.run(target - self.out.len());
        }
    }

    /// Commits patch JSON and waits until the primer has decided it (the switch then
    /// happens at the next block boundary rendered).
    pub fn commit(&mut self, json: &str) -> CommitId {
        self.commit_with(json, CommitOptions::default())
    }

    /// As [`Rig::commit`] with options.
    pub fn commit_with(&mut self, json: &str, options: CommitOptions) -> CommitId {
        self.commit_patch(patch(json), options)
    }

    /// Commits a patch and waits for the primer.
    pub fn commit_patch(&mut self, patch: Patch, options: CommitOptions) -> CommitId {
        let id = self.control.commit_with(patch, options);
        assert!(
            self.control.wait_primer_idle(PRIMER_TIMEOUT),
            "primer did not finish commit {id}"
        );
        id
    }

    /// The record of commit `id` (after refreshing the status).
    pub fn record(&mut self, id: CommitId) -> CommitRecord {
        self.control
            .status()
            .commit(id)
            .unwrap_or_else(|| panic!("no record of commit {id}"))
            .clone()
    }

    /// Frame at which commit `id` switched, panicking (with its record) if it did not.
    pub fn switch_frame(&mut self, id: CommitId) -> usize {
        let record = self.record(id);
        record
            .switch_frame
            .unwrap_or_else(|| panic!("commit {id} did not switch: {record}")) as usize
    }
}

/// Largest sample-to-sample step of either channel of `s[from..to]`.
pub fn max_step(s: &Stereo, from: usize, to: usize) -> f64 {
    let to = to.min(s.len());
    let from = from.min(to);
    measure::max_step(&s.left[from..to]).max(measure::max_step(&s.right[from..to]))
}

/// Smallest RMS (left channel) over consecutive windows of `window` frames in
/// `s[from..to]`: a gap of silence shows as a very low value.
pub fn min_window_rms(s: &Stereo, from: usize, to: usize, window: usize) -> f64 {
    s.left[from..to.min(s.len())]
        .chunks_exact(window)
        .map(measure::rms)
        .fold(f64::INFINITY, f64::min)
}
