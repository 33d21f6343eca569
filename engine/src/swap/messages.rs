//! Everything that travels between the three sides of an engine, and the queues that
//! carry it (named by direction, as Firewheel names its messages).
//!
//! What the audio thread sends or receives is `Copy` or a `Box` moved whole (never
//! built, never dropped there); human-readable text is made by the primer or control.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::prepared::Prepared;
use super::status::{Fault, Rejection};
use super::{CommitId, CommitOptions, JOB_QUEUE, LIVE_QUEUE, MAX_GRAPHS, REPORT_QUEUE};
use crate::module::KindSpec;
use crate::patch::{ModuleId, Patch};

/// A commit on its way to the primer.
pub(crate) struct Job {
    /// Its id.
    pub(crate) id: CommitId,
    /// The patch.
    pub(crate) patch: Patch,
    /// How to judge it.
    pub(crate) options: CommitOptions,
    /// Live param values set with `EngineControl::set` that this patch does not change:
    /// `(module, param index, value)`, applied before the warm-up.
    pub(crate) live_params: Vec<(ModuleId, usize, f32)>,
    /// Gates opened or closed with the gate verb.
    pub(crate) gates: Vec<(ModuleId, bool)>,
    /// When the commit was made.
    pub(crate) submitted: Instant,
}

/// A live change for the audio thread. `Copy`: no heap.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ControlToAudio {
    /// Set a param (smoothed), by module key, kind and param index.
    Param {
        /// Module key (see `prepared::module_key`).
        key: u64,
        /// The module's kind (a graph whose module of that id has another kind ignores it).
        kind: &'static KindSpec,
        /// Param index within the kind.
        param: u16,
        /// New value.
        value: f32,
        /// Frame offset within the next `process` call.
        offset: u32,
    },
    /// Open or close a module's own gate.
    Gate {
        /// Module key.
        key: u64,
        /// The module's kind.
        kind: &'static KindSpec,
        /// Open?
        on: bool,
        /// Frame offset within the next `process` call.
        offset: u32,
    },
    /// Move a host macro (0-based index).
    Macro {
        /// 0-based index.
        index: u8,
        /// 0..1.
        value: f32,
        /// Frame offset within the next `process` call.
        offset: u32,
    },
}

impl ControlToAudio {
    /// Frame offset within the next `process` call.
    pub(crate) fn offset(&self) -> u32 {
        match *self {
            ControlToAudio::Param { offset, .. }
            | ControlToAudio::Gate { offset, .. }
            | ControlToAudio::Macro { offset, .. } => offset,
        }
    }
}

/// What the audio thread tells control. `Copy`: no heap.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AudioToControl {
    /// A commit became active.
    Switched {
        /// The commit.
        id: CommitId,
        /// Frame counter at the switch (the crossfade starts here).
        frame: u64,
        /// Modules whose state was carried over.
        carried: u32,
        /// Modules in the new graph.
        modules: u32,
        /// Crossfade length, frames (0: a params-only commit, or a 0 ms setting).
        crossfade: u32,
        /// When the switch happened.
        at: Instant,
    },
    /// A primed commit was replaced by a newer one before it could switch.
    Superseded(CommitId),
    /// A primed commit was aborted before it could switch.
    Aborted(CommitId),
    /// The output guard reset a graph.
    Fault {
        /// The commit whose graph misbehaved.
        id: CommitId,
        /// What happened.
        fault: Fault,
        /// Frame counter at the fault.
        frame: u64,
    },
}

/// What the primer tells control.
pub(crate) enum PrimerToControl {
    /// The commit passed its checks and went to the audio thread.
    Primed {
        /// The commit.
        id: CommitId,
        /// Compile time.
        build: Duration,
        /// Warm-up and checks time.
        prime: Duration,
        /// Warm-up RMS, dBFS.
        rms_dbfs: f32,
        /// Warm-up peak, dBFS.
        peak_dbfs: f32,
        /// Whether it was exempt from the silence check, and why.
        silence_exempt: Option<&'static str>,
    },
    /// The commit failed a check (or did not compile).
    Rejected {
        /// The commit.
        id: CommitId,
        /// Why.
        reason: Rejection,
        /// Compile time.
        build: Duration,
        /// Warm-up time.
        prime: Duration,
        /// Warm-up RMS, dBFS (NaN when it did not compile).
        rms_dbfs: f32,
        /// Warm-up peak, dBFS (NaN when it did not compile).
        peak_dbfs: f32,
    },
    /// A newer commit passed first.
    Superseded(CommitId),
    /// Cancelled by `abort`.
    Aborted(CommitId),
}

/// The control side's ends.
pub(crate) struct ControlEnds {
    /// Commits to the primer.
    pub(crate) jobs: Sender<Job>,
    /// The same queue's receiving end, to drop the oldest commit when it is full.
    pub(crate) jobs_evict: Receiver<Job>,
    /// Live changes to the audio thread.
    pub(crate) live: rtrb::Producer<ControlToAudio>,
    /// Reports from the audio thread.
    pub(crate) from_audio: rtrb::Consumer<AudioToControl>,
    /// Reports from the primer.
    pub(crate) from_primer: Receiver<PrimerToControl>,
}

/// The primer's ends.
pub(crate) struct PrimerEnds {
    /// Commits from control.
    pub(crate) jobs: Receiver<Job>,
    /// Primed graphs to the audio thread.
    pub(crate) to_audio: rtrb::Producer<Box<Prepared>>,
    /// Retired graphs from the audio thread, to drop.
    pub(crate) retired: rtrb::Consumer<Box<Prepared>>,
    /// Reports to control.
    pub(crate) reports: Sender<PrimerToControl>,
}

/// The audio thread's ends.
pub(crate) struct AudioEnds {
    /// Primed graphs from the primer.
    pub(crate) primed: rtrb::Consumer<Box<Prepared>>,
    /// Retired graphs to the primer.
    pub(crate) retire: rtrb::Producer<Box<Prepared>>,
    /// Live changes from control.
    pub(crate) live: rtrb::Consumer<ControlToAudio>,
    /// Reports to control.
    pub(crate) reports: rtrb::Producer<AudioToControl>,
}

/// All queues of one engine, split by owner.
pub(crate) struct Queues {
    /// Control's ends.
    pub(crate) control: ControlEnds,
    /// Primer's ends.
    pub(crate) primer: PrimerEnds,
    /// Audio's ends.
    pub(crate) audio: AudioEnds,
}

impl Queues {
    /// Allocates every queue at its fixed capacity.
    pub(crate) fn new() -> Self {
        let (jobs_tx, jobs_rx) = crossbeam_channel::bounded(JOB_QUEUE);
        let (primer_tx, primer_rx) = crossbeam_channel::bounded(REPORT_QUEUE);
        let (to_audio, primed) = rtrb::RingBuffer::new(1);
        let (retire, retired) = rtrb::RingBuffer::new(MAX_GRAPHS);
        let (live_tx, live_rx) = rtrb::RingBuffer::new(LIVE_QUEUE);
        let (report_tx, report_rx) = rtrb::RingBuffer::new(REPORT_QUEUE);
        Self {
            control: ControlEnds {
                jobs: jobs_tx,
                jobs_evict: jobs_rx.clone(),
                live: live_tx,
                from_audio: report_rx,
                from_primer: primer_rx,
            },
            primer: PrimerEnds {
                jobs: jobs_rx,
                to_audio,
                retired,
                reports: primer_tx,
            },
            audio: AudioEnds {
                primed,
                retire,
                live: live_rx,
                reports: report_tx,
            },
        }
    }
}
