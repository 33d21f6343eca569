//! [`EditorLink`]: the editor's [`EditorHost`] inside the plugin.
//!
//! - Commits and aborts go to the running engine through the [`PatchStore`] (validated,
//!   primed in the background, switched in click-free); live param sets go straight to
//!   the engine's wait-free queue. Before activation a commit is simply stored.
//! - Revisions: the engine numbers commits from 1 in each engine it builds (a state
//!   load or re-activation builds a new one), while the editor needs one increasing
//!   sequence, so the link hands out its own revision numbers and maps them to the
//!   engine's ids per engine generation.
//! - Macro knobs move the host parameters with begin/set/end gestures (so they record
//!   as automation) and show the host's values.
//! - Saving: the saved patch is what sounds (see [`PatchStore::doc`]); the editor's box
//!   positions are handed to the store, and the host is told the project changed by a
//!   gesture on the hidden `edits` parameter (nice-plug exposes no "dirty" call; hosts
//!   mark a project modified when a plugin changes a parameter).
//!
//! GUI thread only. Every call returns at once: the store's locks are only ever held by
//! control threads for short copies, never by the audio thread.
//!
//! [`PatchStore`]: crate::state::PatchStore
//! [`PatchStore::doc`]: crate::state::PatchStore::doc

use std::collections::VecDeque;
use std::sync::Arc;

use chronus_editor::{
    CommitOutcome, CommitReport, EditorHost, EngineStatus, Meters, PatchEditorUi,
};
use chronus_engine::Patch;
use chronus_engine::swap::{CommitId, CommitRecord, Outcome, Status};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Param;

use crate::meters::MeterReader;
use crate::params::ChronusParams;

/// Engine commits whose revision the link remembers.
const KEPT_COMMITS: usize = 64;

/// What became of the newest commit, as far as the link is concerned.
#[derive(Debug, Clone)]
enum Sent {
    /// Handed to the engine of generation `generation` as commit `id`.
    Engine {
        /// The engine generation.
        generation: u64,
        /// The engine's id.
        id: CommitId,
    },
    /// Stored without an engine (the plugin was not active): it plays from activation.
    Stored,
    /// Refused by the store's validation.
    Refused(String),
}

/// The plugin side of the editor. GUI thread.
pub struct EditorLink {
    /// Params and the patch store.
    params: Arc<ChronusParams>,
    /// The host's GUI context while the window is open.
    gui: Option<GuiContext>,
    /// Meter data from the audio thread.
    meters: MeterReader,
    /// Last revision handed out.
    revision: u64,
    /// Engine generation the commit map belongs to.
    generation: u64,
    /// The revision standing for the patch the current engine started with.
    base_revision: u64,
    /// (revision, engine commit id) of this generation's commits, oldest first.
    commits: VecDeque<(u64, CommitId)>,
    /// The newest commit.
    newest: Option<(u64, Sent)>,
    /// Revision playing while no engine runs.
    stored_revision: u64,
    /// The store's load counter last seen (a change means a state load).
    loads: u64,
}

impl EditorLink {
    /// A link for the instance owning `params`.
    pub fn new(params: Arc<ChronusParams>, meters: MeterReader) -> Self {
        let loads = params.patch.loads();
        Self {
            params,
            gui: None,
            meters,
            revision: 0,
            generation: 0,
            base_revision: 0,
            commits: VecDeque::new(),
            newest: None,
            stored_revision: 0,
            loads,
        }
    }

    /// Connects the host's GUI context of a newly opened window.
    pub fn connect(&mut self, gui: GuiContext) {
        self.gui = Some(gui);
    }

    /// Drops the GUI context of a closed window.
    pub fn disconnect(&mut self) {
        self.gui = None;
    }

    /// An editor on the patch saved now (what sounds, with its layout).
    pub fn build_editor(&mut self) -> PatchEditorUi {
        self.loads = self.params.patch.loads();
        let json = self.params.patch.patch().to_json();
        PatchEditorUi::from_json(&json).unwrap_or_else(|e| {
            // Cannot happen for a patch the store accepted; never leave the user stuck.
            let mut editor = PatchEditorUi::with_default_patch();
            editor
                .session_mut()
                .refuse(format!("the playing patch could not be opened: {e}"));
            editor
        })
    }

    fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    /// Follows a change of engine: its commit ids start again.
    fn follow_generation(&mut self, generation: u64) {
        if generation != self.generation {
            self.generation = generation;
            self.base_revision = self.next_revision();
            self.commits.clear();
        }
    }

    /// The link's revision of engine commit `id` in the current generation.
    fn revision_of(&self, id: CommitId) -> Option<u64> {
        if id.0 == 0 {
            return Some(self.base_revision);
        }
        self.commits
            .iter()
            .find(|(_, c)| *c == id)
            .map(|(revision, _)| *revision)
    }

    /// The editor's view of an engine status.
    fn engine_status(&self, status: &Status) -> EngineStatus {
        let last_commit = match &self.newest {
            Some((revision, Sent::Engine { generation, id })) if *generation == self.generation => {
                Some(CommitReport {
                    revision: *revision,
                    outcome: status
                        .commit(*id)
                        .map_or(CommitOutcome::Superseded, outcome),
                })
            }
            // The commit went to an engine a state load replaced.
            Some((_, Sent::Engine { .. })) => Some(CommitReport {
                revision: self.base_revision,
                outcome: CommitOutcome::Superseded,
            }),
            Some((revision, sent)) => Some(stored_report(*revision, sent)),
            None => None,
        };
        EngineStatus {
            active_slot: status.active_slot,
            active_revision: self
                .revision_of(status.active_commit)
                .unwrap_or(self.base_revision),
            last_commit,
            swaps: status.swaps,
            rejections: status.rejections,
            cpu_mean: status.load_mean,
            cpu_max: status.load_max,
        }
    }
}

/// The editor's outcome of an engine commit record.
fn outcome(record: &CommitRecord) -> CommitOutcome {
    let ms = |d: Option<std::time::Duration>| d.map_or(0.0, |d| d.as_secs_f32() * 1000.0);
    match &record.outcome {
        Outcome::Pending => CommitOutcome::Pending,
        Outcome::Swapped => CommitOutcome::Swapped {
            prime_ms: ms(record.build) + ms(record.prime),
            latency_ms: ms(record.switch_wall),
            latency_samples: record.latency_frames().unwrap_or(0),
        },
        Outcome::Rejected(why) => CommitOutcome::Rejected {
            reason: why.to_string(),
        },
        Outcome::Superseded => CommitOutcome::Superseded,
        Outcome::Aborted => CommitOutcome::Aborted,
    }
}

/// The report of a commit that never reached an engine.
fn stored_report(revision: u64, sent: &Sent) -> CommitReport {
    let outcome = match sent {
        Sent::Refused(reason) => CommitOutcome::Rejected {
            reason: reason.clone(),
        },
        _ => CommitOutcome::Swapped {
            prime_ms: 0.0,
            latency_ms: 0.0,
            latency_samples: 0,
        },
    };
    CommitReport { revision, outcome }
}

impl EditorHost for EditorLink {
    fn commit(&mut self, patch: &Patch) -> u64 {
        let revision = self.next_revision();
        let generation = self.params.patch.with_engine(|e| e.generation());
        if let Some(generation) = generation {
            self.follow_generation(generation);
        }
        let sent = match self.params.patch.commit(patch.clone()) {
            Ok(Some(id)) => {
                self.commits.push_back((revision, id));
                if self.commits.len() > KEPT_COMMITS {
                    self.commits.pop_front();
                }
                Sent::Engine {
                    generation: self.generation,
                    id,
                }
            }
            Ok(None) => {
                self.stored_revision = revision;
                Sent::Stored
            }
            Err(e) => Sent::Refused(e.to_string()),
        };
        self.newest = Some((revision, sent));
        revision
    }

    fn abort(&mut self) {
        self.params.patch.with_engine(|e| e.swap().abort());
    }

    fn set_param(&mut self, module: &str, param: &str, value: f32) {
        // A full queue or a module the engine does not know yet only loses this live
        // value; the editor keeps it in the document, and the next commit carries it.
        let _ = self
            .params
            .patch
            .with_engine(|e| e.swap().set(module, param, value));
    }

    fn macro_begin(&mut self, index: usize) {
        if let (Some(gui), Some(param)) = (&self.gui, self.params.macros().get(index)) {
            gui.param_setter().begin_set_parameter(*param);
        }
    }

    fn macro_set(&mut self, index: usize, value: f32) {
        if let (Some(gui), Some(param)) = (&self.gui, self.params.macros().get(index)) {
            gui.param_setter()
                .set_parameter_normalized(*param, value.clamp(0.0, 1.0));
        }
    }

    fn macro_end(&mut self, index: usize) {
        if let (Some(gui), Some(param)) = (&self.gui, self.params.macros().get(index)) {
            gui.param_setter().end_set_parameter(*param);
        }
    }

    fn macro_value(&self, index: usize) -> f32 {
        self.params
            .macros()
            .get(index)
            .map_or(0.0, |p| p.modulated_normalized_value())
    }

    fn status(&mut self) -> EngineStatus {
        let params = Arc::clone(&self.params);
        let status = params.patch.with_engine(|e| {
            self.follow_generation(e.generation());
            self.engine_status(e.status())
        });
        match status {
            Some(status) => status,
            None => EngineStatus {
                active_revision: self.stored_revision,
                last_commit: self
                    .newest
                    .as_ref()
                    .map(|(revision, sent)| stored_report(*revision, sent)),
                ..EngineStatus::default()
            },
        }
    }

    fn meters(&mut self, meters: &mut Meters) {
        self.meters.read_into(meters);
    }

    fn mark_dirty(&mut self, saved_json: &str) {
        if let Ok(patch) = Patch::from_json(saved_json) {
            self.params.patch.remember(&patch);
        }
        if let Some(gui) = &self.gui {
            let edits = &self.params.edits;
            let setter = gui.param_setter();
            setter.begin_set_parameter(edits);
            setter.set_parameter(edits, (edits.value() + 1) % crate::params::EDITS_WRAP);
            setter.end_set_parameter(edits);
        }
    }

    fn take_external_patch(&mut self) -> Option<String> {
        let loads = self.params.patch.loads();
        (loads != self.loads).then(|| {
            self.loads = loads;
            self.params.patch.patch().to_json()
        })
    }
}
