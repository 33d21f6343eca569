//! Hot swap: two graph slots, background priming, a checked switch, a crossfade and
//! state carry-over, so a patch can be replaced mid-performance without anything the
//! listener hears breaking.
//!
//! # Threads and what they own
//! - **Control** ([`EngineControl`], any non-audio thread): [`EngineControl::commit`] hands
//!   a patch to the primer over a bounded channel and returns at once with a
//!   [`CommitId`]; live changes ([`EngineControl::set`], macros, gates) go to the audio
//!   thread over a wait-free ring; [`EngineControl::status`] drains the report queues into
//!   a [`Status`] snapshot. Never waits for the primer or the audio thread.
//! - **Primer** (one background thread per engine, `primer.rs`): compiles the newest
//!   commit, primes it (live macros, gates and param values, a probe note held), renders
//!   its warm-up and judges it (`check.rs`: every sample finite, peak under the ceiling,
//!   not silent unless silent by construction). A graph that passes is reset and handed
//!   to the audio thread; one that fails is dropped right there and never reaches the
//!   speakers. The primer also drops every graph the audio thread retires (`retire.rs`).
//! - **Audio** ([`EngineAudio`], the host's realtime thread): plays the active slot; at a
//!   block boundary takes a primed graph into the standby slot, transplants the live
//!   state into it (`carry.rs`: clock, voice, macros, and the state and param glides of
//!   every module whose id and kind match), flips the active index and runs both graphs
//!   through a crossfade whose shape follows their measured correlation
//!   (`crossfade.rs`), then retires the old graph to the primer. It never allocates,
//!   frees, locks, waits or does I/O; its reports are `Copy` values.
//!
//! # Queues and bounds
//! | from -> to | queue | capacity | when full |
//! | --- | --- | --- | --- |
//! | control -> primer | crossbeam bounded channel of commits | [`JOB_QUEUE`] | control drops the oldest queued commit (reported superseded) |
//! | primer -> audio | rtrb ring of primed graphs | 1 | primer keeps the graph ready and offers it again while it primes newer commits; a newer graph that passes supersedes it |
//! | audio -> primer | rtrb ring of retired graphs | [`MAX_GRAPHS`] | cannot happen: at most [`MAX_GRAPHS`] graphs exist |
//! | control -> audio | rtrb ring of live changes | [`LIVE_QUEUE`] | `set` returns an error, the value is not applied |
//! | audio -> control | rtrb ring of `Copy` reports | [`REPORT_QUEUE`] | the report is counted as lost (counters stay exact) |
//! | primer -> control | crossbeam bounded channel of reports | [`REPORT_QUEUE`] | the report is counted as lost |
//!
//! At most [`MAX_GRAPHS`] compiled graphs exist at once (the primer compiles only below
//! that count), so a storm of commits cannot grow memory. The newest commit wins;
//! older waiting ones are superseded only once a newer one has passed its checks, so
//! a storm ends exactly where committing one at a time would have ended.

mod audio;
mod carry;
mod check;
mod control;
mod crossfade;
mod messages;
mod prepared;
mod primer;
mod retire;
mod shared;
mod status;

use std::sync::Arc;

pub use audio::EngineAudio;
pub use check::{SilenceRule, silence_rule};
pub use control::EngineControl;
pub use primer::{PrimeReport, try_prime};
pub use status::{CommitRecord, Dbfs, Fault, Outcome, Rejection, Status};

use crate::compile;
use crate::error::CompileError;
use crate::patch::Patch;
use crate::patch::validate::validate;

/// Most compiled graphs that exist at once: active, fading out, queued behind a
/// crossfade, one in the hand-over ring, one ready in the primer waiting for room in that
/// ring, and one being primed. Graphs on their way back to be dropped count too: the
/// primer compiles only while fewer exist.
pub const MAX_GRAPHS: usize = 6;
/// Commits waiting for the primer before the oldest is dropped as superseded.
pub const JOB_QUEUE: usize = 16;
/// Live changes (`set`, macros, gates) waiting for the audio thread.
pub const LIVE_QUEUE: usize = 1024;
/// Reports waiting for [`EngineControl::status`] on each report queue.
pub const REPORT_QUEUE: usize = 1024;
/// Older commits the primer keeps as fallbacks while it tries the newest one.
pub const FALLBACKS: usize = 16;
/// Most recent commits whose records [`Status::commits`] keeps.
pub const KEPT_RECORDS: usize = 256;

/// Identifies one commit. Ids grow from 1; 0 is the patch the engine was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CommitId(pub u64);

impl std::fmt::Display for CommitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Settings of an engine. Every field has a sensible default ([`EngineOptions::default`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineOptions {
    /// Crossfade length at a switch, 0..=100 ms (default 10). Changeable later with
    /// [`EngineControl::set_crossfade_ms`].
    pub crossfade_ms: f32,
    /// Warm-up length, in blocks of 64 frames (default 8).
    pub warmup_blocks: u32,
    /// A warm-up peak above this many dBFS rejects the commit (default +12).
    pub ceiling_dbfs: f32,
    /// A warm-up RMS below this many dBFS counts as silence (default -60).
    pub silence_dbfs: f32,
    /// How long, in ms, the primer keeps listening to a patch that was silent during its
    /// warm-up before calling it silent (slow attacks, pre-delays). Default 250.
    pub silence_probe_ms: f32,
    /// MIDI key of the probe note held during warm-up when no note is held live
    /// (default 60).
    pub probe_key: u8,
    /// The output guard resets the active graph when its output is not finite or
    /// exceeds this many dBFS (default +24).
    pub guard_dbfs: f32,
    /// Measure process time per block (two clock reads per `process` call).
    pub measure_load: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            crossfade_ms: 10.0,
            warmup_blocks: 8,
            ceiling_dbfs: 12.0,
            silence_dbfs: -60.0,
            silence_probe_ms: 250.0,
            probe_key: 60,
            guard_dbfs: 24.0,
            measure_load: true,
        }
    }
}

/// How one commit is to be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitOptions {
    /// The patch declares itself silent: skip the silence check (the finite and peak
    /// checks still apply).
    pub expect_silent: bool,
}

/// Builds hot-swap engines.
#[derive(Debug, Clone, Copy)]
pub struct Engine;

impl Engine {
    /// Compiles `patch` as the first active graph (revision 0, not warm-up checked), starts
    /// the primer thread and returns the two halves: [`EngineControl`] for a control
    /// thread, [`EngineAudio`] for the audio thread.
    ///
    /// # Errors
    /// [`CompileError`] when `patch` is invalid or `sample_rate` unsupported.
    ///
    /// # Panics
    /// If the operating system cannot start the primer thread.
    ///
    /// # Examples
    /// ```
    /// use chronus_engine::patch::Patch;
    /// use chronus_engine::swap::{Engine, EngineOptions};
    /// let silent = Patch::from_json(r#"{"format": 1, "modules": [{"id": "out", "kind": "output"}]}"#).unwrap();
    /// let (mut control, mut audio) = Engine::new(&silent, 48_000.0, EngineOptions::default()).unwrap();
    /// let tone = Patch::from_json(r#"{"format": 1, "modules": [{"id": "osc1", "kind": "sine"}]}"#).unwrap();
    /// let id = control.commit(tone);
    /// control.wait_primer_idle(std::time::Duration::from_secs(5));
    /// let (mut l, mut r) = (vec![0.0; 1024], vec![0.0; 1024]);
    /// audio.process([&[], &[]], [&mut l, &mut r]);
    /// assert_eq!(control.status().active_commit, id);
    /// assert!(l[1000].abs() > 0.0);
    /// ```
    // Returns the two halves rather than `Self`: each goes to its own thread.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        patch: &Patch,
        sample_rate: f32,
        options: EngineOptions,
    ) -> Result<(EngineControl, EngineAudio), CompileError> {
        compile::check_sample_rate(sample_rate)?;
        let resolved = validate(patch)?;
        let shared = Arc::new(shared::Shared::new(sample_rate, &options));
        let graph = compile::compile_resolved(&resolved, sample_rate)?;
        let first = prepared::Prepared::new(CommitId(0), graph, &resolved, &shared);
        let queues = messages::Queues::new();
        let audio = EngineAudio::new(Box::new(first), Arc::clone(&shared), queues.audio);
        let control = EngineControl::start(patch.clone(), shared, queues.control, queues.primer);
        Ok((control, audio))
    }
}
