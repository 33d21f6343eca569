//! The editing session: the pending document, the document that plays, commits in flight,
//! undo/redo, auto-commit, and every command sent to the host. The GUI calls these verbs;
//! tests call them directly with a fake host.
//!
//! Rules it keeps:
//! - Structural edits (modules, cables, mappings) collect in the pending document until
//!   [`Session::commit`] (or at once with auto-commit). A commit is checked here first with
//!   the engine's own validation, so an invalid patch is refused on the spot with the
//!   engine's message; a valid one goes to the host, and its outcome is read back from the
//!   engine status ([`Session::poll`]).
//! - Param changes on modules that play are sent live ([`EditorHost::set_param`]) and
//!   remembered in both documents; they never need a commit.
//! - Every edit is undoable. Undoing or redoing while nothing is pending commits the
//!   restored patch (the undo of a committed edit is itself a click-free commit); while
//!   edits are pending it only changes the pending document.
//! - Layout never needs a commit.
//! - A patch the host loaded behind the editor's back ([`Session::adopt_external`]) is
//!   adopted as what plays, without a commit.
//!
//! GUI thread only.

use std::collections::VecDeque;

use chronus_engine::macros::MacroMapping;
use chronus_engine::modules;
use chronus_engine::patch::{ModuleId, ModuleSpec, ParamValue, Position};

use super::diff::{Change, diff, is_structural};
use super::document::{Document, number_of};
use super::history::History;
use crate::host::{CommitOutcome, EditorHost, EngineStatus};

/// Commits remembered by revision, to know which document plays when the engine reports
/// its active revision.
const KEPT_COMMITS: usize = 16;

/// The undo label of a patch adopted from the host ([`Session::adopt_external`]).
pub const EXTERNAL_LOAD_LABEL: &str = "load project state";

/// A message for the user about the last action.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// An edit was refused (the engine's reason).
    Refused(String),
    /// Something worth saying that is not a problem.
    Info(String),
}

/// The outcome shown in the commit bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownOutcome {
    /// The commit's revision; `None` for a commit refused here before reaching the engine.
    pub revision: Option<u64>,
    /// What became of it.
    pub outcome: CommitOutcome,
}

/// The editing session. See the module docs.
#[derive(Debug, Clone)]
pub struct Session {
    /// What the user edits.
    doc: Document,
    /// What plays (as far as the engine has reported).
    active: Document,
    /// The engine revision of `active`; `None` until the first status read.
    active_revision: Option<u64>,
    /// Recent commits by revision, newest last.
    sent: VecDeque<(u64, Document)>,
    /// The newest commit whose outcome is not yet known.
    in_flight: Option<u64>,
    /// Undo and redo.
    history: History<Document>,
    /// Commit every edit as it is made.
    auto_commit: bool,
    /// The last message for the user.
    notice: Option<Notice>,
    /// The last commit outcome to show.
    outcome: Option<ShownOutcome>,
    /// Changes from the baseline to `doc` that still need a commit (cached).
    changes: Vec<Change>,
    /// Whether `doc` passes the commit checks, or why not (cached).
    validity: Result<(), String>,
    /// The saved patch changed since the host was last told.
    save_pending: bool,
    /// The last engine status read.
    status: EngineStatus,
}

impl Session {
    /// A session on `doc`, which the engine is assumed to play already.
    pub fn new(doc: Document) -> Self {
        let mut s = Self {
            active: doc.clone(),
            doc,
            active_revision: None,
            sent: VecDeque::new(),
            in_flight: None,
            history: History::default(),
            auto_commit: false,
            notice: None,
            outcome: None,
            changes: Vec::new(),
            validity: Ok(()),
            save_pending: false,
            status: EngineStatus::default(),
        };
        s.refresh();
        s
    }

    /// The pending document (what the user edits).
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The document that plays.
    pub fn active(&self) -> &Document {
        &self.active
    }

    /// What a commit is measured against: the newest commit in flight, else what plays.
    fn baseline(&self) -> &Document {
        self.in_flight
            .and_then(|r| self.sent.iter().find(|(rev, _)| *rev == r))
            .map_or(&self.active, |(_, d)| d)
    }

    /// Changes waiting for a commit.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Whether anything waits for a commit.
    pub fn is_pending(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Whether the pending document would pass the commit checks, or why not.
    pub fn validity(&self) -> Result<(), &str> {
        self.validity.as_ref().map(|_| ()).map_err(String::as_str)
    }

    /// Whether a commit was sent and its outcome is not known yet.
    pub fn is_committing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Whether edits are committed as they are made.
    pub fn auto_commit(&self) -> bool {
        self.auto_commit
    }

    /// Turns auto-commit on or off; turning it on commits what is pending (if valid).
    pub fn set_auto_commit(&mut self, host: &mut dyn EditorHost, on: bool) {
        self.auto_commit = on;
        if on && self.is_pending() && self.validity.is_ok() {
            self.commit(host);
        }
    }

    /// The last message for the user.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Forgets the message.
    pub fn clear_notice(&mut self) {
        self.notice = None;
    }

    /// Shows an informational message.
    pub fn inform(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice::Info(text.into()));
    }

    /// Shows a refusal.
    pub fn refuse(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice::Refused(text.into()));
    }

    /// The last commit outcome.
    pub fn outcome(&self) -> Option<&ShownOutcome> {
        self.outcome.as_ref()
    }

    /// The last engine status read by [`Session::poll`].
    pub fn status(&self) -> &EngineStatus {
        &self.status
    }

    /// What undo would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.history.undo_label()
    }

    /// What redo would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.history.redo_label()
    }

    /// Recomputes the cached diff and validity.
    fn refresh(&mut self) {
        let live = |id: &str| live_pair(&self.active, &self.doc, id).is_some();
        self.changes = diff(self.baseline(), &self.doc)
            .into_iter()
            .filter(|c| match c {
                Change::ParamChanged { param, .. } => {
                    !live(param.split('.').next().unwrap_or_default())
                }
                other => is_structural(other),
            })
            .collect();
        self.validity = self.doc.check();
    }

    /// Runs one edit: on success records undo, refreshes, sends live params, and commits
    /// when auto-commit is on; on failure shows the reason and changes nothing.
    fn edit<R>(
        &mut self,
        host: &mut dyn EditorHost,
        label: &str,
        key: Option<&str>,
        f: impl FnOnce(&mut Document) -> Result<R, String>,
    ) -> Option<R> {
        let before = self.doc.clone();
        match f(&mut self.doc) {
            Ok(r) => {
                if self.doc != before {
                    self.history.record(before, label, key);
                    self.after_change(host);
                }
                if matches!(self.notice, Some(Notice::Refused(_))) {
                    self.notice = None;
                }
                Some(r)
            }
            Err(e) => {
                self.doc = before;
                self.notice = Some(Notice::Refused(e));
                None
            }
        }
    }

    fn after_change(&mut self, host: &mut dyn EditorHost) {
        self.sync_live(host);
        self.refresh();
        self.save_pending = true;
        if self.auto_commit && self.is_pending() && self.validity.is_ok() {
            self.commit(host);
        }
    }

    /// Sends every param that differs between the pending and the playing document, on
    /// modules both have, live to the host, and records it as playing.
    fn sync_live(&mut self, host: &mut dyn EditorHost) {
        for module in &self.doc.patch.modules {
            let id = module.id.as_str();
            if live_pair(&self.active, &self.doc, id).is_none() {
                continue;
            }
            let Some(kind) = modules::find(&module.kind) else {
                continue;
            };
            let Some(playing) = self.active.patch.module_mut(id) else {
                continue;
            };
            for (i, spec) in kind.params.iter().enumerate() {
                let want = param_of(module, kind, i);
                let have = param_of(playing, kind, i);
                let number = |v: Option<&ParamValue>| {
                    v.map_or(Some(spec.default), |v| number_of(kind, i, v))
                };
                if number(want) == number(have) {
                    continue;
                }
                playing.params.retain(|k, _| kind.param_index(k) != Some(i));
                if let Some(v) = want {
                    playing.params.insert(spec.name.to_owned(), v.clone());
                }
                if let Some(n) = number(want) {
                    host.set_param(id, spec.name, n);
                }
            }
        }
    }

    /// Adds a module of `kind` near `at`; returns its id.
    pub fn add_module(
        &mut self,
        host: &mut dyn EditorHost,
        kind: &str,
        at: Position,
    ) -> Option<ModuleId> {
        self.edit(host, &format!("add {kind}"), None, |d| {
            d.add_module(kind, at).map_err(|e| e.to_string())
        })
    }

    /// Removes module `id` (its cables too).
    pub fn remove_module(&mut self, host: &mut dyn EditorHost, id: &str) -> bool {
        self.edit(host, &format!("remove {id}"), None, |d| {
            d.remove_module(id).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Renames module `id`.
    pub fn rename_module(&mut self, host: &mut dyn EditorHost, id: &str, new_id: &str) -> bool {
        self.edit(host, &format!("rename {id} to {new_id}"), None, |d| {
            d.rename_module(id, new_id).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Connects `from` (an output) to `to` (an input or param).
    pub fn connect(&mut self, host: &mut dyn EditorHost, from: &str, to: &str) -> bool {
        self.edit(host, &format!("connect {from} -> {to}"), None, |d| {
            d.connect(from, to).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Removes the cable `from` -> `to`.
    pub fn disconnect(&mut self, host: &mut dyn EditorHost, from: &str, to: &str) -> bool {
        self.edit(host, &format!("disconnect {from} -> {to}"), None, |d| {
            d.disconnect(from, to).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Moves the end of cable `from` -> `old_to` to `new_to`.
    pub fn reconnect(
        &mut self,
        host: &mut dyn EditorHost,
        from: &str,
        old_to: &str,
        new_to: &str,
    ) -> bool {
        self.edit(host, &format!("reconnect {from} -> {new_to}"), None, |d| {
            d.reconnect(from, old_to, new_to).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Sets a param: live on the playing patch when the module plays, and remembered.
    /// Successive sets of one param coalesce into one undo step until
    /// [`Session::end_gesture`].
    pub fn set_param(
        &mut self,
        host: &mut dyn EditorHost,
        id: &str,
        param: &str,
        value: ParamValue,
    ) -> bool {
        let key = format!("param {id}.{param}");
        self.edit(host, &format!("set {id}.{param}"), Some(&key), |d| {
            d.set_param(id, param, value).map_err(|e| e.to_string())
        })
        .is_some()
    }

    /// Moves module `id`'s box (layout only; successive moves of one box coalesce into
    /// one undo step until [`Session::end_gesture`]).
    pub fn move_module(&mut self, id: &ModuleId, at: Position) {
        let before = self.doc.clone();
        self.doc.move_module(id, at);
        if self.doc != before {
            self.history
                .record(before, &format!("move {id}"), Some(&format!("move {id}")));
            self.save_pending = true;
        }
    }

    /// Ends a drag (knob or box): the next edit starts a new undo step.
    pub fn end_gesture(&mut self) {
        self.history.seal();
    }

    /// Adds a macro mapping.
    pub fn add_mapping(&mut self, host: &mut dyn EditorHost, mapping: MacroMapping) -> bool {
        let label = format!("map {} -> {}", mapping.source_label(), mapping.target);
        self.edit(host, &label, None, |d| d.add_mapping(mapping))
            .is_some()
    }

    /// Removes macro mapping `index`.
    pub fn remove_mapping(&mut self, host: &mut dyn EditorHost, index: usize) -> bool {
        self.edit(host, "remove mapping", None, |d| {
            d.remove_mapping(index).map(|_| ())
        })
        .is_some()
    }

    /// Replaces the whole document (a preset or a pasted patch, already checked) and
    /// commits it at once. Undoable.
    pub fn load(&mut self, host: &mut dyn EditorHost, doc: Document, label: &str) {
        let before = std::mem::replace(&mut self.doc, doc);
        self.history.record(before, label, None);
        self.history.seal();
        self.sync_live(host);
        self.refresh();
        self.save_pending = true;
        if self.is_pending() {
            self.commit(host);
        }
    }

    /// The host loaded a project or preset state while the editor was open, so the engine
    /// now plays `json` (see [`EditorHost::take_external_patch`]). Adopts it as both the
    /// pending and the playing document *without* committing (nothing is sent to the
    /// host: not a commit, not an abort, which could cancel the host's own hand-over).
    /// Commits in flight and pending edits are forgotten; the change is one undo step,
    /// "load project state" (undoing it commits the document from before, pending edits
    /// included, as undoing a preset load does). The project is not marked dirty: the
    /// host has just loaded this state.
    ///
    /// Returns whether it was adopted. If the JSON does not load, the reason is shown as
    /// a refusal and the current documents are kept.
    pub fn adopt_external(&mut self, json: &str) -> bool {
        let doc = match Document::from_json(json) {
            Ok(doc) => doc,
            Err(e) => {
                self.refuse(format!(
                    "the host loaded a patch the editor cannot open (the editor keeps \
                     showing the previous one):\n{e}"
                ));
                return false;
            }
        };
        let had_pending = self.is_pending() || self.in_flight.is_some();
        let before = std::mem::replace(&mut self.doc, doc.clone());
        if before != self.doc {
            self.history.record(before, EXTERNAL_LOAD_LABEL, None);
        }
        self.history.seal();
        self.active = doc;
        // Whatever revision plays now is this patch: the next poll takes it as is.
        self.active_revision = None;
        self.sent.clear();
        self.in_flight = None;
        self.outcome = None;
        self.save_pending = false;
        self.refresh();
        let name = match self.doc.patch.name.as_str() {
            "" => "untitled patch".to_owned(),
            n => format!("\"{n}\""),
        };
        self.inform(if had_pending {
            format!(
                "the host loaded a project state: {name} now plays; uncommitted edits were \
                 dropped (Undo brings them back)"
            )
        } else {
            format!("the host loaded a project state: {name} now plays")
        });
        true
    }

    /// Commits the pending document: refused here with the engine's validation message
    /// if it is invalid (nothing is sent), else sent to the host.
    pub fn commit(&mut self, host: &mut dyn EditorHost) -> bool {
        self.history.seal();
        if let Err(reason) = self.doc.check() {
            self.outcome = Some(ShownOutcome {
                revision: None,
                outcome: CommitOutcome::Rejected { reason },
            });
            return false;
        }
        let sent = self.doc.clone();
        let revision = host.commit(&sent.patch);
        self.sent.push_back((revision, sent));
        while self.sent.len() > KEPT_COMMITS {
            self.sent.pop_front();
        }
        self.in_flight = Some(revision);
        self.outcome = Some(ShownOutcome {
            revision: Some(revision),
            outcome: CommitOutcome::Pending,
        });
        self.refresh();
        self.poll(host);
        true
    }

    /// Throws pending edits away (undoable) and cancels any commit in flight; what plays
    /// is untouched. Box positions are kept.
    pub fn abort(&mut self, host: &mut dyn EditorHost) {
        if self.in_flight.take().is_some() {
            host.abort();
            self.outcome = Some(ShownOutcome {
                revision: None,
                outcome: CommitOutcome::Aborted,
            });
        }
        let mut target = self.active.clone();
        for (id, p) in &mut target.patch.layout {
            if let Some(q) = self.doc.patch.layout.get(id) {
                *p = *q;
            }
        }
        if target != self.doc {
            let before = std::mem::replace(&mut self.doc, target);
            self.history.record(before, "abort pending edits", None);
            self.history.seal();
            self.save_pending = true;
        }
        self.refresh();
    }

    /// Undoes the last edit (see the module docs for when this commits).
    pub fn undo(&mut self, host: &mut dyn EditorHost) {
        if let Some(state) = self.history.undo(self.doc.clone()) {
            self.restore(host, state);
        }
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self, host: &mut dyn EditorHost) {
        if let Some(state) = self.history.redo(self.doc.clone()) {
            self.restore(host, state);
        }
    }

    fn restore(&mut self, host: &mut dyn EditorHost, state: Document) {
        let was_pending = self.is_pending();
        self.doc = state;
        self.sync_live(host);
        self.refresh();
        self.save_pending = true;
        if self.is_pending() && self.validity.is_ok() && (self.auto_commit || !was_pending) {
            self.commit(host);
        }
    }

    /// Reads the engine status and follows it: which commit plays now, and the outcome
    /// of the commit in flight. Call once per frame.
    pub fn poll(&mut self, host: &mut dyn EditorHost) {
        let status = host.status();
        if status == self.status && self.active_revision.is_some() {
            return;
        }
        self.status = status;
        let playing = self.status.active_revision;
        match self.active_revision {
            None => self.active_revision = Some(playing),
            Some(r) if r != playing => {
                if let Some((_, d)) = self.sent.iter().find(|(rev, _)| *rev == playing) {
                    self.active = d.clone();
                    self.active_revision = Some(playing);
                    // Params turned while it was priming are sent again now it plays.
                    self.sync_live(host);
                    self.save_pending = true;
                }
            }
            Some(_) => {}
        }
        if let (Some(flight), Some(report)) = (self.in_flight, &self.status.last_commit)
            && report.revision >= flight
            && (report.outcome.is_final() || report.revision > flight)
        {
            self.in_flight = None;
            if report.revision == flight {
                self.outcome = Some(ShownOutcome {
                    revision: Some(flight),
                    outcome: report.outcome.clone(),
                });
            }
        }
        self.refresh();
    }

    /// Tells the host the saved patch changed, if it did since the last call. Call when
    /// no drag is in progress (once per gesture, not per frame).
    pub fn flush_dirty(&mut self, host: &mut dyn EditorHost) {
        if self.save_pending {
            self.save_pending = false;
            host.mark_dirty(&self.saved_json());
        }
    }

    /// The patch to save with the project: what plays, with the current box positions.
    pub fn saved_json(&self) -> String {
        let mut saved = self.active.clone();
        for (id, p) in &self.doc.patch.layout {
            if saved.patch.module(id.as_str()).is_some() {
                saved.patch.layout.insert(id.clone(), *p);
            }
        }
        saved.to_json()
    }
}

/// The module `id` in both documents with the same kind (so it plays and can be set
/// live).
fn live_pair<'a>(
    active: &'a Document,
    doc: &'a Document,
    id: &str,
) -> Option<(&'a ModuleSpec, &'a ModuleSpec)> {
    let a = active.patch.module(id)?;
    let d = doc.patch.module(id)?;
    let ka = modules::find(&a.kind)?;
    let kd = modules::find(&d.kind)?;
    (ka.name == kd.name).then_some((a, d))
}

/// Param `index`'s stored value in `module`, under its name or an alias.
fn param_of<'a>(
    module: &'a ModuleSpec,
    kind: &chronus_engine::module::KindSpec,
    index: usize,
) -> Option<&'a ParamValue> {
    module
        .params
        .iter()
        .find(|(k, _)| kind.param_index(k) == Some(index))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Answer, FakeHost, HostCommand};
    use chronus_engine::macros::Curve;

    const CHAIN: &str = r#"{ "format": 1, "name": "chain", "modules": [
        { "id": "osc1", "kind": "sine", "params": { "freq": 220 } },
        { "id": "env1", "kind": "adsr" },
        { "id": "filt1", "kind": "biquad" },
        { "id": "out", "kind": "output" } ],
      "connections": [ { "from": "osc1.out", "to": "env1.in" },
                       { "from": "env1.out", "to": "filt1.in" },
                       { "from": "filt1.out", "to": "out.in" } ] }"#;

    fn session() -> (Session, FakeHost) {
        let mut s = Session::new(Document::from_json(CHAIN).unwrap());
        let mut host = FakeHost::default();
        s.poll(&mut host);
        (s, host)
    }

    fn at() -> Position {
        Position { x: 0.0, y: 400.0 }
    }

    #[test]
    fn structural_edits_wait_for_commit_and_list_what_changed() {
        let (mut s, mut host) = session();
        let osc2 = s.add_module(&mut host, "sine", at()).unwrap();
        assert_eq!(osc2.as_str(), "osc2");
        assert!(s.connect(&mut host, "osc2.out", "filt1.cutoff"));
        assert!(host.commands.is_empty(), "nothing sent before commit");
        let changes: Vec<String> = s.changes().iter().map(|c| c.to_string()).collect();
        assert_eq!(
            changes,
            ["+ osc2 (sine)", "+ cable osc2.out -> filt1.cutoff"]
        );
        assert!(s.validity().is_ok());
        assert!(s.commit(&mut host));
        let commits = host.commits();
        assert_eq!(commits.len(), 1);
        assert!(commits[0].contains("osc2"), "{}", commits[0]);
        assert!(!s.is_pending());
        assert!(matches!(
            s.outcome().unwrap().outcome,
            CommitOutcome::Swapped { .. }
        ));
        assert!(s.active().patch.module("osc2").is_some());
    }

    #[test]
    fn refused_connections_show_the_engine_reason() {
        let (mut s, mut host) = session();
        assert!(!s.connect(&mut host, "osc1.out", "env1.in"));
        match s.notice() {
            Some(Notice::Refused(why)) => assert!(why.contains("driven twice"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(!s.is_pending());
        assert!(s.undo_label().is_none(), "a refused edit is not undoable");
    }

    #[test]
    fn disconnect_then_commit_sends_the_patch_without_the_cable() {
        let (mut s, mut host) = session();
        assert!(s.disconnect(&mut host, "env1.out", "filt1.in"));
        assert!(!s.disconnect(&mut host, "env1.out", "filt1.in"));
        assert_eq!(s.changes().len(), 1);
        assert!(s.commit(&mut host));
        assert!(!host.commits()[0].contains("\"env1.out\""));
    }

    #[test]
    fn an_invalid_pending_patch_is_refused_without_reaching_the_engine() {
        let (mut s, mut host) = session();
        s.add_module(&mut host, "output", at()).unwrap();
        let why = s.validity().unwrap_err().to_owned();
        assert!(why.contains("more than one `output`"), "{why}");
        assert!(!s.commit(&mut host));
        assert!(host.commits().is_empty());
        match &s.outcome().unwrap().outcome {
            CommitOutcome::Rejected { reason } => assert_eq!(reason, &why),
            other => panic!("{other:?}"),
        }
        assert!(s.is_pending(), "edits kept for fixing");
    }

    #[test]
    fn an_engine_rejection_keeps_the_old_patch_playing_and_the_edits_pending() {
        let (mut s, mut host) = session();
        host.answer = Answer::Reject("filt1 produced NaN after 3 blocks".into());
        s.add_module(&mut host, "sine", at()).unwrap();
        s.commit(&mut host);
        match &s.outcome().unwrap().outcome {
            CommitOutcome::Rejected { reason } => assert!(reason.contains("NaN")),
            other => panic!("{other:?}"),
        }
        assert!(s.active().patch.module("osc2").is_none());
        assert!(s.is_pending());
        assert!(!s.is_committing());
    }

    #[test]
    fn outcomes_arrive_later_through_poll() {
        let (mut s, mut host) = session();
        host.answer = Answer::Hold;
        s.add_module(&mut host, "sine", at()).unwrap();
        s.commit(&mut host);
        assert!(s.is_committing());
        assert!(!s.is_pending(), "measured against the commit in flight");
        assert_eq!(s.outcome().unwrap().outcome, CommitOutcome::Pending);
        s.poll(&mut host);
        assert!(s.is_committing());
        let report = host.status.last_commit.as_mut().unwrap();
        report.outcome = CommitOutcome::Swapped {
            prime_ms: 0.4,
            latency_ms: 3.0,
            latency_samples: 192,
        };
        host.status.active_revision = report.revision;
        s.poll(&mut host);
        assert!(!s.is_committing());
        assert!(s.active().patch.module("osc2").is_some());
    }

    #[test]
    fn abort_cancels_the_commit_and_drops_pending_edits() {
        let (mut s, mut host) = session();
        host.answer = Answer::Hold;
        s.add_module(&mut host, "sine", at()).unwrap();
        s.commit(&mut host);
        s.add_module(&mut host, "adsr", at()).unwrap();
        s.abort(&mut host);
        assert!(host.commands.contains(&HostCommand::Abort));
        assert!(!s.is_committing());
        assert!(!s.is_pending());
        assert!(s.document().patch.module("osc2").is_none());
        assert!(s.document().patch.module("env2").is_none());
        // Abort is undoable: the pending edits come back.
        s.undo(&mut host);
        assert!(s.document().patch.module("env2").is_some());
    }

    #[test]
    fn params_are_set_live_remembered_and_coalesced_into_one_undo_step() {
        let (mut s, mut host) = session();
        for f in [300.0, 400.0, 500.0] {
            assert!(s.set_param(&mut host, "osc1", "freq", ParamValue::Number(f)));
        }
        s.end_gesture();
        assert_eq!(
            host.sets(),
            [
                ("osc1".into(), "freq".into(), 300.0),
                ("osc1".into(), "freq".into(), 400.0),
                ("osc1".into(), "freq".into(), 500.0)
            ]
        );
        assert!(!s.is_pending(), "live sets need no commit");
        assert_eq!(s.active().param_number("osc1", "freq"), Some(500.0));
        assert!(host.commits().is_empty());
        s.undo(&mut host);
        assert_eq!(s.document().param_number("osc1", "freq"), Some(220.0));
        assert_eq!(host.sets().last().unwrap().2, 220.0, "undo is live too");
        assert!(host.commits().is_empty(), "no commit for a param undo");
        assert!(!s.set_param(&mut host, "osc1", "freq", ParamValue::Number(-5.0)));
        assert!(matches!(s.notice(), Some(Notice::Refused(w)) if w.contains("out of range")));
    }

    #[test]
    fn params_of_modules_not_yet_playing_wait_for_the_commit() {
        let (mut s, mut host) = session();
        s.add_module(&mut host, "sine", at()).unwrap();
        s.set_param(&mut host, "osc2", "freq", ParamValue::Number(880.0));
        assert!(host.sets().is_empty());
        s.commit(&mut host);
        assert!(host.commits()[0].contains("880"));
    }

    #[test]
    fn undoing_a_committed_edit_commits_the_previous_patch() {
        let (mut s, mut host) = session();
        s.add_module(&mut host, "sine", at()).unwrap();
        s.commit(&mut host);
        s.undo(&mut host);
        let commits = host.commits();
        assert_eq!(commits.len(), 2);
        assert!(!commits[1].contains("osc2"));
        assert!(s.active().patch.module("osc2").is_none());
        s.redo(&mut host);
        assert_eq!(host.commits().len(), 3);
        assert!(s.active().patch.module("osc2").is_some());
    }

    #[test]
    fn undoing_a_pending_edit_only_changes_the_pending_patch() {
        let (mut s, mut host) = session();
        s.add_module(&mut host, "sine", at()).unwrap();
        s.add_module(&mut host, "saw", at()).unwrap();
        s.undo(&mut host);
        assert!(host.commits().is_empty());
        assert!(s.is_pending());
        assert_eq!(s.redo_label(), Some("add saw"));
        s.undo(&mut host);
        assert!(!s.is_pending());
        assert!(host.commits().is_empty());
    }

    #[test]
    fn auto_commit_commits_each_valid_edit() {
        let (mut s, mut host) = session();
        s.set_auto_commit(&mut host, true);
        s.add_module(&mut host, "sine", at()).unwrap();
        assert_eq!(host.commits().len(), 1);
        assert!(!s.is_pending());
        // A second output is invalid: it waits, with the reason shown.
        s.add_module(&mut host, "output", at()).unwrap();
        assert_eq!(host.commits().len(), 1);
        assert!(s.is_pending());
        assert!(s.validity().is_err());
        s.remove_module(&mut host, "out1");
        assert!(!s.is_pending());
        s.connect(&mut host, "osc2.out", "filt1.cutoff");
        assert_eq!(host.commits().len(), 2);
        s.undo(&mut host);
        assert_eq!(host.commits().len(), 3, "undo commits with auto-commit on");
        assert!(!host.commits()[2].contains("filt1.cutoff"));
    }

    #[test]
    fn macro_mappings_are_structural_edits() {
        let (mut s, mut host) = session();
        let m = MacroMapping::new(1, "filt1.cutoff", 200.0, 8000.0).with_curve(Curve::Exponential);
        assert!(s.add_mapping(&mut host, m.clone()));
        assert_eq!(s.changes().len(), 1);
        assert!(
            !s.add_mapping(
                &mut host,
                MacroMapping::new(1, "filt1.cutoff", 0.0, 8000.0).with_curve(Curve::Exponential)
            ),
            "exponential through zero"
        );
        assert!(
            !s.add_mapping(
                &mut host,
                MacroMapping::new(2, "filt1.mode", 0.0, 1.0).with_curve(Curve::Linear)
            ),
            "choice"
        );
        s.commit(&mut host);
        assert!(
            host.commits()[0].contains("\"macro\": 1"),
            "{}",
            host.commits()[0]
        );
        assert_eq!(s.active().patch.macros, [m]);
        assert!(s.remove_mapping(&mut host, 0));
        assert!(s.is_pending());
        assert!(!s.remove_mapping(&mut host, 5));
    }

    #[test]
    fn rename_keeps_mappings_and_layout() {
        let (mut s, mut host) = session();
        s.add_mapping(
            &mut host,
            MacroMapping::new(4, "env1.attack", 1.0, 200.0).with_curve(Curve::Linear),
        );
        assert!(s.rename_module(&mut host, "env1", "amp"));
        assert_eq!(
            s.document().patch.macros[0].target.to_string(),
            "amp.attack"
        );
        assert!(
            s.document()
                .patch
                .layout
                .contains_key(&ModuleId::from("amp"))
        );
        assert!(!s.rename_module(&mut host, "amp", "osc1"));
    }

    #[test]
    fn loading_a_patch_commits_it_and_is_undoable() {
        let (mut s, mut host) = session();
        let preset = crate::model::presets::PRESETS[0].load().unwrap();
        s.load(&mut host, preset, "load preset");
        assert_eq!(host.commits().len(), 1);
        assert_eq!(s.active().patch.modules.len(), 1);
        s.undo(&mut host);
        assert_eq!(host.commits().len(), 2);
        assert_eq!(s.active().patch.modules.len(), 4);
    }

    #[test]
    fn dirty_is_flagged_once_per_change_with_the_saved_patch() {
        let (mut s, mut host) = session();
        s.flush_dirty(&mut host);
        assert!(host.commands.is_empty());
        s.move_module(&ModuleId::from("osc1"), Position { x: 7.0, y: 9.0 });
        s.move_module(&ModuleId::from("osc1"), Position { x: 8.0, y: 9.0 });
        s.end_gesture();
        s.flush_dirty(&mut host);
        s.flush_dirty(&mut host);
        let dirty: Vec<&HostCommand> = host
            .commands
            .iter()
            .filter(|c| matches!(c, HostCommand::MarkDirty(_)))
            .collect();
        assert_eq!(dirty.len(), 1);
        let HostCommand::MarkDirty(json) = dirty[0] else {
            unreachable!()
        };
        let saved = Document::from_json(json).unwrap();
        assert_eq!(
            saved.patch.layout[&ModuleId::from("osc1")],
            Position { x: 8.0, y: 9.0 }
        );
        assert!(!s.is_pending(), "moving boxes needs no commit");
        s.undo(&mut host);
        assert_ne!(
            s.document().patch.layout[&ModuleId::from("osc1")],
            Position { x: 8.0, y: 9.0 }
        );
    }

    /// What the host loaded behind the editor's back: a different patch, with a mapping.
    const LOADED: &str = r#"{ "format": 1, "name": "from the project", "modules": [
        { "id": "lead", "kind": "saw", "params": { "freq": 110 } },
        { "id": "out", "kind": "output" } ],
      "connections": [ { "from": "lead.out", "to": "out.in" } ],
      "macros": [ { "macro": 2, "target": "lead.freq", "min": 55, "max": 220 } ] }"#;

    #[test]
    fn an_external_patch_is_adopted_without_a_commit_and_is_one_undo_step() {
        let (mut s, mut host) = session();
        host.answer = Answer::Hold;
        s.add_module(&mut host, "sine", at()).unwrap();
        s.commit(&mut host);
        s.add_module(&mut host, "saw", at()).unwrap();
        s.move_module(&ModuleId::from("osc1"), Position { x: 5.0, y: 5.0 });
        assert!(s.is_committing() && s.is_pending());
        let before = s.document().clone();
        host.take();

        assert!(s.adopt_external(LOADED));
        assert!(
            host.commands.is_empty(),
            "no commit, no abort: the engine plays it"
        );
        let loaded = Document::from_json(LOADED).unwrap();
        assert_eq!(s.document(), &loaded);
        assert_eq!(s.active(), &loaded);
        assert_eq!(s.active().patch.macros.len(), 1);
        assert!(!s.is_pending() && !s.is_committing());
        assert!(s.outcome().is_none(), "the old commit's outcome is gone");
        match s.notice() {
            Some(Notice::Info(text)) => assert!(
                text.contains("from the project") && text.contains("dropped"),
                "{text}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.undo_label(), Some(EXTERNAL_LOAD_LABEL));
        s.flush_dirty(&mut host);
        assert!(host.commands.is_empty(), "a state just loaded is not dirty");

        // The engine reports whatever revision it plays; the session follows it and a
        // later commit is measured against the adopted patch.
        host.status.active_revision = 40;
        host.status.last_commit = None;
        s.poll(&mut host);
        assert_eq!(s.active(), &loaded);
        assert!(!s.is_pending());
        host.answer = Answer::Swap;
        assert!(s.set_param(&mut host, "lead", "freq", ParamValue::Number(220.0)));
        assert_eq!(host.sets(), [("lead".into(), "freq".into(), 220.0)]);
        s.end_gesture();
        s.undo(&mut host);
        host.take();

        // Undoing the load commits what was there before, pending edits included.
        s.undo(&mut host);
        assert_eq!(s.document(), &before);
        let commits = host.commits();
        assert_eq!(commits.len(), 1);
        assert!(
            commits[0].contains("\"osc2\"") && commits[0].contains("\"osc3\""),
            "{}",
            commits[0]
        );
        assert_eq!(s.active().patch.module("lead"), None);
        s.redo(&mut host);
        assert_eq!(s.active(), &loaded, "redo commits the loaded patch again");
    }

    #[test]
    fn an_external_patch_that_does_not_load_is_refused_and_changes_nothing() {
        let (mut s, mut host) = session();
        s.add_module(&mut host, "sine", at()).unwrap();
        let (doc, active) = (s.document().clone(), s.active().clone());
        let label = s.undo_label().map(str::to_owned);
        for bad in [
            "{ \"format\": 1, ",
            r#"{ "format": 1, "modules": [ { "id": "o", "kind": "sinus" } ] }"#,
        ] {
            assert!(!s.adopt_external(bad));
            match s.notice() {
                Some(Notice::Refused(why)) => assert!(
                    why.contains("cannot open")
                        && (why.contains("line 1") || why.contains("sinus")),
                    "{why}"
                ),
                other => panic!("{other:?}"),
            }
            assert_eq!(s.document(), &doc);
            assert_eq!(s.active(), &active);
            assert!(s.is_pending(), "the pending edit is kept");
            assert_eq!(s.undo_label().map(str::to_owned), label);
        }
        assert!(host.commits().is_empty());
    }

    #[test]
    fn the_same_patch_loaded_again_adds_no_undo_step() {
        let (mut s, _host) = session();
        let json = s.document().to_json();
        assert!(s.adopt_external(&json));
        assert_eq!(s.undo_label(), None);
        assert!(matches!(s.notice(), Some(Notice::Info(_))));
    }

    #[test]
    fn a_param_turned_while_priming_is_sent_again_when_the_commit_plays() {
        let (mut s, mut host) = session();
        host.answer = Answer::Hold;
        s.add_module(&mut host, "sine", at()).unwrap();
        s.connect(&mut host, "osc2.out", "filt1.cutoff");
        s.commit(&mut host);
        s.set_param(&mut host, "osc1", "freq", ParamValue::Number(330.0));
        assert_eq!(host.sets().len(), 1);
        let rev = host.status.last_commit.as_ref().unwrap().revision;
        host.status.last_commit.as_mut().unwrap().outcome = CommitOutcome::Swapped {
            prime_ms: 1.0,
            latency_ms: 1.0,
            latency_samples: 64,
        };
        host.status.active_revision = rev;
        s.poll(&mut host);
        assert_eq!(host.sets().len(), 2, "re-sent on the new graph");
        assert_eq!(host.sets()[1], ("osc1".into(), "freq".into(), 330.0));
        assert_eq!(s.active().param_number("osc1", "freq"), Some(330.0));
    }
}
