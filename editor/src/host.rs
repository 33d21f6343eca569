//! What the editor needs from whoever embeds it: the [`EditorHost`] trait (the plugin
//! implements it over the hot-swap engine's control half, its parameters and its
//! lock-free meters), and the plain data it reads back ([`EngineStatus`], [`Meters`]).
//!
//! Every method is called on the GUI thread, from inside [`crate::PatchEditorUi::ui`];
//! none may block on the audio thread (the engine's control calls return at once).

use chronus_engine::Patch;

/// The editor's link to the engine and the plugin host. GUI thread.
pub trait EditorHost {
    /// Commits `patch` to the engine (its macro mappings travel inside it, in
    /// [`Patch::macros`]): it is primed in the background and swapped in if it passes.
    /// Returns the commit's revision number, by which [`EngineStatus::last_commit`]
    /// reports its outcome.
    fn commit(&mut self, patch: &Patch) -> u64;

    /// Cancels every commit not yet swapped in; the playing patch is untouched.
    fn abort(&mut self);

    /// Sets a param of the playing patch live (no commit), in the param's unit (a
    /// choice's option index). Only called for modules the playing patch has.
    fn set_param(&mut self, module: &str, param: &str, value: f32);

    /// The user grabbed macro knob `index` (0-based): begin a host automation gesture.
    fn macro_begin(&mut self, index: usize);

    /// The user moved macro knob `index` to `value` (0..1) during a gesture.
    fn macro_set(&mut self, index: usize, value: f32);

    /// The user let go of macro knob `index`: end the gesture.
    fn macro_end(&mut self, index: usize);

    /// Macro `index`'s current value (0..1), following host automation.
    fn macro_value(&self, index: usize) -> f32;

    /// The engine's status now.
    fn status(&mut self) -> EngineStatus;

    /// Copies the newest output levels and scope samples into `meters` (reusing its
    /// buffer).
    fn meters(&mut self, meters: &mut Meters);

    /// The patch to save with the project changed: `saved_json` is the playing patch with
    /// the current layout and macro mappings. Store it in the plugin state and tell the
    /// host the project is dirty (so the DAW asks to save).
    fn mark_dirty(&mut self, saved_json: &str);

    /// Puts `text` on the system clipboard, if the host can (the editor also hands it to
    /// egui's own clipboard output).
    fn copy_to_clipboard(&mut self, text: &str) {
        let _ = text;
    }

    /// Text on the system clipboard, if the host can read it (the paste box can always be
    /// filled by typing or Ctrl+V).
    fn paste_from_clipboard(&mut self) -> Option<String> {
        None
    }

    /// The patch the plugin plays changed behind the editor's back: the host loaded a
    /// project or preset state while the editor was open. Returns that patch's JSON once
    /// (the next call returns `None` until the next state load); the editor adopts it
    /// without committing (the engine already plays it). Polled once per frame.
    ///
    /// Default: never (a host whose state cannot change under an open editor).
    fn take_external_patch(&mut self) -> Option<String> {
        None
    }
}

/// How one commit ended, as far as the engine knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CommitOutcome {
    /// Still priming, or primed and waiting for a block boundary.
    #[default]
    Pending,
    /// Swapped in.
    Swapped {
        /// Compile plus warm-up time, ms.
        prime_ms: f32,
        /// Wall time from commit to switch, ms.
        latency_ms: f32,
        /// Audio frames from commit to switch.
        latency_samples: u64,
    },
    /// Failed a check; never reached the speakers; the old patch plays on.
    Rejected {
        /// Why, as the engine words it.
        reason: String,
    },
    /// A newer commit passed first.
    Superseded,
    /// Cancelled by an abort.
    Aborted,
}

impl CommitOutcome {
    /// Whether the outcome is final.
    pub fn is_final(&self) -> bool {
        !matches!(self, CommitOutcome::Pending)
    }
}

/// The outcome of one commit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommitReport {
    /// The revision [`EditorHost::commit`] returned.
    pub revision: u64,
    /// What became of it.
    pub outcome: CommitOutcome,
}

/// A snapshot of the engine, for the status line and the commit bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EngineStatus {
    /// Index (0 or 1) of the slot playing.
    pub active_slot: u8,
    /// Revision of the patch playing (0: the one the engine started with).
    pub active_revision: u64,
    /// The newest commit and its outcome so far.
    pub last_commit: Option<CommitReport>,
    /// Swaps made.
    pub swaps: u64,
    /// Commits rejected.
    pub rejections: u64,
    /// Mean audio processing time as a share of the real-time budget (0.05 = 5 %).
    pub cpu_mean: f32,
    /// Largest share of one call.
    pub cpu_max: f32,
}

/// Output levels and a stretch of the output waveform, published by the audio thread
/// (lock-free) and copied out by [`EditorHost::meters`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meters {
    /// Peak level per side (left, right) since the last read, linear.
    pub peak: [f32; 2],
    /// RMS level per side over the last read window, linear.
    pub rms: [f32; 2],
    /// The newest output samples (mono sum), oldest first, for the oscilloscope.
    pub scope: Vec<f32>,
}
