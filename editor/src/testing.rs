//! A stand-in host for tests (and for anyone driving the editor without an engine): it
//! records every command the editor sends and answers commits as told. GUI thread.

use chronus_engine::Patch;

use crate::host::{CommitOutcome, CommitReport, EditorHost, EngineStatus, Meters};

/// One command the editor sent.
#[derive(Debug, Clone, PartialEq)]
pub enum HostCommand {
    /// [`EditorHost::commit`]; the patch JSON as committed (mappings included).
    Commit {
        /// The revision given back.
        revision: u64,
        /// The committed patch, as JSON with its mappings.
        json: String,
    },
    /// [`EditorHost::abort`].
    Abort,
    /// [`EditorHost::set_param`].
    SetParam {
        /// Module id.
        module: String,
        /// Param name.
        param: String,
        /// Value.
        value: f32,
    },
    /// [`EditorHost::macro_begin`].
    MacroBegin(usize),
    /// [`EditorHost::macro_set`].
    MacroSet(usize, f32),
    /// [`EditorHost::macro_end`].
    MacroEnd(usize),
    /// [`EditorHost::mark_dirty`], with the JSON to save.
    MarkDirty(String),
    /// [`EditorHost::copy_to_clipboard`].
    Copy(String),
}

/// How [`FakeHost`] answers commits.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Answer {
    /// Swap every commit at once (prime 1.5 ms, latency 2.0 ms / 128 samples).
    #[default]
    Swap,
    /// Reject every commit with this reason.
    Reject(String),
    /// Leave commits pending until the test sets the status itself.
    Hold,
}

/// A host that records commands and answers commits as [`FakeHost::answer`] says.
#[derive(Debug, Clone, Default)]
pub struct FakeHost {
    /// Everything the editor sent, oldest first.
    pub commands: Vec<HostCommand>,
    /// How commits are answered.
    pub answer: Answer,
    /// The status [`EditorHost::status`] returns.
    pub status: EngineStatus,
    /// Macro values [`EditorHost::macro_value`] returns (host automation).
    pub macros: [f32; 16],
    /// What [`EditorHost::meters`] copies out.
    pub meters: Meters,
    /// What [`EditorHost::paste_from_clipboard`] returns.
    pub clipboard: Option<String>,
    /// Revisions handed out so far.
    pub revisions: u64,
    /// What [`EditorHost::take_external_patch`] hands out (once): set it to simulate the
    /// host loading a project state while the editor is open.
    pub external: Option<String>,
}

impl FakeHost {
    /// Commands sent since the last call, removing them.
    pub fn take(&mut self) -> Vec<HostCommand> {
        std::mem::take(&mut self.commands)
    }

    /// The commits sent so far (their JSON), oldest first.
    pub fn commits(&self) -> Vec<&str> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                HostCommand::Commit { json, .. } => Some(json.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The live param sets sent so far.
    pub fn sets(&self) -> Vec<(String, String, f32)> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                HostCommand::SetParam {
                    module,
                    param,
                    value,
                } => Some((module.clone(), param.clone(), *value)),
                _ => None,
            })
            .collect()
    }
}

impl EditorHost for FakeHost {
    fn commit(&mut self, patch: &Patch) -> u64 {
        self.revisions += 1;
        let revision = self.revisions;
        self.commands.push(HostCommand::Commit {
            revision,
            json: patch.to_json(),
        });
        let outcome = match &self.answer {
            Answer::Swap => {
                self.status.swaps += 1;
                self.status.active_slot ^= 1;
                self.status.active_revision = revision;
                CommitOutcome::Swapped {
                    prime_ms: 1.5,
                    latency_ms: 2.0,
                    latency_samples: 128,
                }
            }
            Answer::Reject(reason) => {
                self.status.rejections += 1;
                CommitOutcome::Rejected {
                    reason: reason.clone(),
                }
            }
            Answer::Hold => CommitOutcome::Pending,
        };
        self.status.last_commit = Some(CommitReport { revision, outcome });
        revision
    }

    fn abort(&mut self) {
        self.commands.push(HostCommand::Abort);
        if let Some(last) = &mut self.status.last_commit
            && !last.outcome.is_final()
        {
            last.outcome = CommitOutcome::Aborted;
        }
    }

    fn set_param(&mut self, module: &str, param: &str, value: f32) {
        self.commands.push(HostCommand::SetParam {
            module: module.to_owned(),
            param: param.to_owned(),
            value,
        });
    }

    fn macro_begin(&mut self, index: usize) {
        self.commands.push(HostCommand::MacroBegin(index));
    }

    fn macro_set(&mut self, index: usize, value: f32) {
        self.commands.push(HostCommand::MacroSet(index, value));
        if let Some(m) = self.macros.get_mut(index) {
            *m = value;
        }
    }

    fn macro_end(&mut self, index: usize) {
        self.commands.push(HostCommand::MacroEnd(index));
    }

    fn macro_value(&self, index: usize) -> f32 {
        self.macros.get(index).copied().unwrap_or(0.0)
    }

    fn status(&mut self) -> EngineStatus {
        self.status.clone()
    }

    fn meters(&mut self, meters: &mut Meters) {
        meters.peak = self.meters.peak;
        meters.rms = self.meters.rms;
        meters.scope.clear();
        meters.scope.extend_from_slice(&self.meters.scope);
    }

    fn mark_dirty(&mut self, saved_json: &str) {
        self.commands
            .push(HostCommand::MarkDirty(saved_json.to_owned()));
    }

    fn copy_to_clipboard(&mut self, text: &str) {
        self.commands.push(HostCommand::Copy(text.to_owned()));
    }

    fn paste_from_clipboard(&mut self) -> Option<String> {
        self.clipboard.clone()
    }

    fn take_external_patch(&mut self) -> Option<String> {
        self.external.take()
    }
}
