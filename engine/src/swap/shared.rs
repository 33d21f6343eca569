//! State shared by the three sides of an engine as plain atomics: settings the control
//! side changes, live state the audio thread publishes (for priming and for status),
//! counters, and the marker telling whether the current thread is inside
//! [`super::EngineAudio::process`].
//!
//! Every access is a single atomic load or store: no locks, safe on the audio thread.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use atomic_float::AtomicF32;

use super::EngineOptions;
use crate::module::MACRO_COUNT;

/// Relaxed ordering: these are independent values; the queues carry the data that
/// must arrive together.
pub(crate) const R: Ordering = Ordering::Relaxed;

thread_local! {
    /// Whether this thread is inside `EngineAudio::process` right now.
    static IN_AUDIO: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the audio thread until dropped.
pub(crate) struct AudioThreadMark {
    /// What the flag was before (process may be re-entered from a Player wrapper).
    before: bool,
}

impl AudioThreadMark {
    /// Sets the marker. No allocation (const-initialised thread local).
    pub(crate) fn set() -> Self {
        Self {
            before: IN_AUDIO.with(|f| f.replace(true)),
        }
    }
}

impl Drop for AudioThreadMark {
    fn drop(&mut self) {
        IN_AUDIO.with(|f| f.set(self.before));
    }
}

/// Whether the current thread is inside `EngineAudio::process`.
pub(crate) fn on_audio_thread() -> bool {
    IN_AUDIO.with(Cell::get)
}

/// The atomics.
pub(crate) struct Shared {
    /// Sample rate of every graph of this engine.
    pub(crate) sample_rate: f32,

    // Settings: control writes, primer and audio read.
    /// Crossfade length, ms.
    pub(crate) crossfade_ms: AtomicF32,
    /// Warm-up peak ceiling, dBFS.
    pub(crate) ceiling_dbfs: AtomicF32,
    /// Warm-up silence threshold, dBFS.
    pub(crate) silence_dbfs: AtomicF32,
    /// Extended silence probe, ms.
    pub(crate) silence_probe_ms: AtomicF32,
    /// Warm-up blocks.
    pub(crate) warmup_blocks: AtomicU32,
    /// Probe key.
    pub(crate) probe_key: AtomicU8,
    /// Output guard trip level, as linear amplitude.
    pub(crate) guard_level: AtomicF32,
    /// Whether process time is measured.
    pub(crate) measure_load: AtomicBool,

    // Commit bookkeeping.
    /// Newest commit id issued (control writes).
    pub(crate) latest_commit: AtomicU64,
    /// Commits with an id at or below this are aborted (control writes).
    pub(crate) abort_upto: AtomicU64,
    /// Newest commit id the primer has finished with (handed over or decided).
    pub(crate) primer_done: AtomicU64,

    // Live state: audio writes.
    /// Frames rendered since the engine started.
    pub(crate) frames: AtomicU64,
    /// Commit id of the active graph.
    pub(crate) active_commit: AtomicU64,
    /// Index of the active slot (0 or 1).
    pub(crate) active_slot: AtomicU8,
    /// Whether a crossfade is running.
    pub(crate) fading: AtomicBool,
    /// Key of the held note (valid when `gate`).
    pub(crate) held_key: AtomicU8,
    /// Whether a note is held.
    pub(crate) gate: AtomicBool,
    /// Velocity of the held note.
    pub(crate) velocity: AtomicF32,
    /// Host macro values.
    pub(crate) macros: [AtomicF32; MACRO_COUNT],

    // Counters.
    /// Switches made.
    pub(crate) swaps: AtomicU64,
    /// Commits rejected.
    pub(crate) rejections: AtomicU64,
    /// Commits superseded.
    pub(crate) superseded: AtomicU64,
    /// Commits aborted.
    pub(crate) aborted: AtomicU64,
    /// Output guard trips.
    pub(crate) faults: AtomicU64,
    /// Reports that did not fit their queue.
    pub(crate) reports_lost: AtomicU64,
    /// Compiled graphs alive now.
    pub(crate) graphs_alive: AtomicUsize,
    /// Largest `graphs_alive` seen.
    pub(crate) graphs_peak: AtomicUsize,
    /// Graphs ever built.
    pub(crate) graphs_built: AtomicU64,
    /// Graphs dropped.
    pub(crate) graphs_dropped: AtomicU64,
    /// Graphs dropped on the audio thread (must stay 0).
    pub(crate) dropped_on_audio: AtomicU64,

    // Load.
    /// Nanoseconds spent in process since the last load reset.
    pub(crate) load_ns: AtomicU64,
    /// Frames processed since the last load reset.
    pub(crate) load_frames: AtomicU64,
    /// Largest share of the real-time budget one process call used.
    pub(crate) load_max: AtomicF32,
}

impl Shared {
    /// Fresh state with `options` as settings.
    pub(crate) fn new(sample_rate: f32, options: &EngineOptions) -> Self {
        Self {
            sample_rate,
            crossfade_ms: AtomicF32::new(options.crossfade_ms.clamp(0.0, 100.0)),
            ceiling_dbfs: AtomicF32::new(options.ceiling_dbfs),
            silence_dbfs: AtomicF32::new(options.silence_dbfs),
            silence_probe_ms: AtomicF32::new(options.silence_probe_ms.max(0.0)),
            warmup_blocks: AtomicU32::new(options.warmup_blocks.max(1)),
            probe_key: AtomicU8::new(options.probe_key.min(127)),
            guard_level: AtomicF32::new(db_to_amp(options.guard_dbfs)),
            measure_load: AtomicBool::new(options.measure_load),
            latest_commit: AtomicU64::new(0),
            abort_upto: AtomicU64::new(0),
            primer_done: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            active_commit: AtomicU64::new(0),
            active_slot: AtomicU8::new(0),
            fading: AtomicBool::new(false),
            held_key: AtomicU8::new(69),
            gate: AtomicBool::new(false),
            velocity: AtomicF32::new(0.0),
            macros: std::array::from_fn(|_| AtomicF32::new(0.0)),
            swaps: AtomicU64::new(0),
            rejections: AtomicU64::new(0),
            superseded: AtomicU64::new(0),
            aborted: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            reports_lost: AtomicU64::new(0),
            graphs_alive: AtomicUsize::new(0),
            graphs_peak: AtomicUsize::new(0),
            graphs_built: AtomicU64::new(0),
            graphs_dropped: AtomicU64::new(0),
            dropped_on_audio: AtomicU64::new(0),
            load_ns: AtomicU64::new(0),
            load_frames: AtomicU64::new(0),
            load_max: AtomicF32::new(0.0),
        }
    }

    /// Whether commit `id` has been aborted.
    pub(crate) fn is_aborted(&self, id: u64) -> bool {
        id <= self.abort_upto.load(R)
    }
}

/// Decibels to linear amplitude.
pub(crate) fn db_to_amp(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Linear amplitude to decibels (`-inf` for 0).
pub(crate) fn amp_to_db(amp: f32) -> f32 {
    20.0 * amp.log10()
}
