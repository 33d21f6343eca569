//! What the engine tells the GUI and the CLI: per commit its outcome and timings
//! ([`CommitRecord`]), and engine-wide counters and load ([`Status`]).
//!
//! Built on the control thread by [`super::EngineControl::status`] from the report queues
//! and the shared atomics; reading it never blocks the primer or the audio thread.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use super::CommitId;
use crate::module::MAX_BLOCK_FRAMES;
use crate::patch::ModuleId;

/// How a commit ended (or that it has not yet).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Waiting for the primer, or primed and waiting for the next block boundary.
    Pending,
    /// Passed its checks; the audio thread switched to it.
    Swapped,
    /// Failed a check; never reached the speakers.
    Rejected(Rejection),
    /// A newer commit passed first.
    Superseded,
    /// Cancelled by [`super::EngineControl::abort`].
    Aborted,
}

impl Outcome {
    /// Short name: `pending`, `swapped`, `rejected`, `superseded`, `aborted`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Swapped => "swapped",
            Outcome::Rejected(_) => "rejected",
            Outcome::Superseded => "superseded",
            Outcome::Aborted => "aborted",
        }
    }

    /// Whether the outcome is final.
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Pending)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Rejected(why) => write!(f, "rejected: {why}"),
            other => f.write_str(other.name()),
        }
    }
}

/// Why a commit was rejected.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The patch did not validate or compile (the compiler's messages).
    Invalid(String),
    /// A warm-up sample was not finite.
    NonFinite {
        /// The first module (in processing order) whose output was not finite, when one
        /// could be named.
        module: Option<ModuleId>,
        /// `true` for NaN, `false` for infinity.
        nan: bool,
        /// Warm-up blocks that were clean before it.
        clean_blocks: u32,
    },
    /// The warm-up peak exceeded the ceiling.
    TooLoud {
        /// Peak, dBFS.
        peak_dbfs: f32,
        /// The ceiling, dBFS.
        ceiling_dbfs: f32,
    },
    /// Silent although a sound source reaches the output (silent by mistake).
    Silent {
        /// Loudest RMS over any warm-up window, dBFS.
        rms_dbfs: f32,
        /// The threshold, dBFS.
        threshold_dbfs: f32,
        /// The probe note held.
        probe_key: u8,
        /// How long it was listened to, ms.
        listened_ms: f32,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Invalid(text) => write!(f, "invalid patch: {text}"),
            Rejection::NonFinite {
                module,
                nan,
                clean_blocks,
            } => {
                let what = if *nan { "NaN" } else { "infinity" };
                let blocks = if *clean_blocks == 1 {
                    "block"
                } else {
                    "blocks"
                };
                match module {
                    Some(m) => write!(f, "{m} produced {what} after {clean_blocks} {blocks}"),
                    None => write!(f, "output was {what} after {clean_blocks} {blocks}"),
                }
            }
            Rejection::TooLoud {
                peak_dbfs,
                ceiling_dbfs,
            } => write!(
                f,
                "peak {} exceeds the {} ceiling",
                Dbfs(*peak_dbfs),
                Dbfs(*ceiling_dbfs)
            ),
            Rejection::Silent {
                rms_dbfs,
                threshold_dbfs,
                probe_key,
                listened_ms,
            } => write!(
                f,
                "silent: RMS {} (below {}) over {listened_ms:.0} ms with probe note {probe_key} \
                 held, although a sound source reaches the output (commit it as silent if \
                 that is intended)",
                Dbfs(*rms_dbfs),
                Dbfs(*threshold_dbfs)
            ),
        }
    }
}

/// What the output guard caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The active graph's output was NaN or infinite.
    NonFinite,
    /// The active graph's output exceeded the guard level.
    TooLoud,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::NonFinite => "output not finite: graph muted and reset",
            Fault::TooLoud => "output above the guard level: graph muted and reset",
        })
    }
}

/// A level in dBFS, formatted with sign and one decimal (`+31.0 dBFS`, `-inf dBFS`).
#[derive(Debug, Clone, Copy)]
pub struct Dbfs(pub f32);

impl fmt::Display for Dbfs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_nan() {
            f.write_str("n/a")
        } else if self.0 == f32::NEG_INFINITY {
            f.write_str("-inf dBFS")
        } else {
            write!(f, "{:+.1} dBFS", self.0)
        }
    }
}

/// Everything known about one commit.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRecord {
    /// The commit.
    pub id: CommitId,
    /// Its outcome so far.
    pub outcome: Outcome,
    /// Compile time.
    pub build: Option<Duration>,
    /// Warm-up and checks time.
    pub prime: Option<Duration>,
    /// Warm-up RMS, dBFS.
    pub warmup_rms_dbfs: Option<f32>,
    /// Warm-up peak, dBFS.
    pub warmup_peak_dbfs: Option<f32>,
    /// Why the silence check did not apply, when it did not.
    pub silence_exempt: Option<&'static str>,
    /// Audio frame counter when the commit was made.
    pub commit_frame: u64,
    /// Audio frame counter at the switch.
    pub switch_frame: Option<u64>,
    /// Wall time from commit to switch.
    pub switch_wall: Option<Duration>,
    /// Modules whose state was carried over at the switch, of how many.
    pub carried: Option<(u32, u32)>,
    /// Crossfade length at the switch, frames: 0 for a params-only commit (state carried
    /// in full, changed params glide) or a 0 ms crossfade setting.
    pub crossfade_frames: Option<u32>,
    /// A fault the output guard caught on this commit's graph, and the frame counter
    /// when it did.
    pub fault: Option<(Fault, u64)>,
}

impl CommitRecord {
    /// A fresh record.
    pub(crate) fn new(id: CommitId, commit_frame: u64) -> Self {
        Self {
            id,
            outcome: Outcome::Pending,
            build: None,
            prime: None,
            warmup_rms_dbfs: None,
            warmup_peak_dbfs: None,
            silence_exempt: None,
            commit_frame,
            switch_frame: None,
            switch_wall: None,
            carried: None,
            crossfade_frames: None,
            fault: None,
        }
    }

    /// Frames from commit to switch.
    pub fn latency_frames(&self) -> Option<u64> {
        self.switch_frame
            .map(|s| s.saturating_sub(self.commit_frame))
    }

    /// Internal blocks of 64 frames from commit to switch (rounded up).
    pub fn latency_blocks(&self) -> Option<u64> {
        self.latency_frames()
            .map(|f| f.div_ceil(MAX_BLOCK_FRAMES as u64))
    }
}

impl fmt::Display for CommitRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "commit {}: {}", self.id, self.outcome)?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        if let Some(b) = self.build {
            write!(f, "; build {:.2} ms", ms(b))?;
        }
        if let Some(p) = self.prime {
            write!(f, ", prime {:.2} ms", ms(p))?;
        }
        if let (Some(r), Some(p)) = (self.warmup_rms_dbfs, self.warmup_peak_dbfs) {
            write!(f, ", warm-up RMS {} peak {}", Dbfs(r), Dbfs(p))?;
        }
        if let Some(why) = self.silence_exempt {
            write!(f, " (silence check skipped: {why})")?;
        }
        if let (Some(s), Some(l), Some(b)) = (
            self.switch_frame,
            self.latency_frames(),
            self.latency_blocks(),
        ) {
            let blocks = if b == 1 { "block" } else { "blocks" };
            write!(
                f,
                "; switch at sample {s}, latency {l} samples ({b} {blocks})"
            )?;
        }
        if let Some((c, n)) = self.carried {
            write!(f, ", state carried for {c} of {n} modules")?;
        }
        match self.crossfade_frames {
            Some(0) => write!(f, ", no crossfade")?,
            Some(x) => write!(f, ", crossfade {x} samples")?,
            None => {}
        }
        if let Some((fault, frame)) = self.fault {
            write!(f, "; fault at sample {frame}: {fault}")?;
        }
        Ok(())
    }
}

/// A snapshot of the engine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    /// Index (0 or 1) of the active slot.
    pub active_slot: u8,
    /// The commit playing (the patch revision); 0 is the engine's first patch.
    pub active_commit: CommitId,
    /// Whether a crossfade is running.
    pub fading: bool,
    /// The newest commit issued.
    pub latest_commit: CommitId,
    /// The most recent commits, oldest first (at most [`super::KEPT_RECORDS`]).
    pub commits: VecDeque<CommitRecord>,
    /// Switches made.
    pub swaps: u64,
    /// Commits rejected.
    pub rejections: u64,
    /// Commits superseded.
    pub superseded: u64,
    /// Commits aborted.
    pub aborted: u64,
    /// Output guard trips.
    pub faults: u64,
    /// Reports lost because a report queue was full (counters stay exact).
    pub reports_lost: u64,
    /// Compiled graphs alive now.
    pub graphs_alive: usize,
    /// Most graphs alive at once so far.
    pub graphs_peak: usize,
    /// Graphs built so far.
    pub graphs_built: u64,
    /// Graphs dropped so far.
    pub graphs_dropped: u64,
    /// Graphs dropped on the audio thread (always 0; counted to prove it).
    pub dropped_on_audio_thread: u64,
    /// Frames rendered.
    pub frames: u64,
    /// Mean process time as a share of the real-time budget (0.05 = 5 %).
    pub load_mean: f32,
    /// Largest process time of one call as a share of its real-time budget.
    pub load_max: f32,
}

impl Status {
    /// The record of commit `id`, if still kept.
    pub fn commit(&self, id: CommitId) -> Option<&CommitRecord> {
        self.commits.iter().find(|r| r.id == id)
    }

    /// Whether every kept commit has a final outcome.
    pub fn all_decided(&self) -> bool {
        self.commits.iter().all(|r| r.outcome.is_final())
    }
}
