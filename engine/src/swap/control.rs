//! The control half of an engine: commits, aborts, live changes, settings and status.
//!
//! Runs on a control thread (GUI, CLI, the plugin's main thread). It may allocate, but it
//! never waits for the primer or the audio thread: commits go into a bounded channel
//! (dropping the oldest waiting commit when full), live changes into a wait-free ring,
//! and status is built from report queues and atomics.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::TrySendError;

use super::messages::{
    AudioToControl, ControlEnds, ControlToAudio, Job, PrimerEnds, PrimerToControl,
};
use super::prepared::module_key;
use super::shared::{R, Shared};
use super::status::{CommitRecord, Outcome, Status};
use super::{CommitId, CommitOptions, KEPT_RECORDS, primer};
use crate::error::SetError;
use crate::module::{KindSpec, MACRO_COUNT};
use crate::modules;
use crate::patch::validate::param_value;
use crate::patch::{ModuleId, ParamValue, Patch};

/// Commits whose patch control keeps until their outcome is known.
const IN_FLIGHT: usize = 64;

/// A param value set live, remembered for the warm-up of later commits.
#[derive(Debug, Clone, Copy)]
struct LiveParam {
    /// The module's kind when it was set.
    kind: &'static KindSpec,
    /// The value set.
    value: f32,
    /// The value the newest patch gave the param at the time: a later commit that
    /// still has this value leaves the live one in force; one that changes it wins.
    base: f32,
}

/// A commit whose outcome is not final yet.
struct InFlight {
    /// Its id.
    id: CommitId,
    /// Its patch (becomes [`EngineControl::active_patch`] when it swaps).
    patch: Patch,
    /// When it was committed.
    submitted: Instant,
}

/// The control thread's half of an engine.
pub struct EngineControl {
    /// Atomics shared with primer and audio.
    shared: Arc<Shared>,
    /// Queue ends.
    ends: ControlEnds,
    /// The primer thread.
    primer: Option<JoinHandle<()>>,
    /// Last commit id issued.
    last_id: u64,
    /// The status kept up to date by [`EngineControl::status`].
    status: Status,
    /// The newest committed patch (names in `set` resolve against it first).
    newest: Patch,
    /// The patch playing.
    active: Patch,
    /// Commits not yet decided, oldest first.
    in_flight: VecDeque<InFlight>,
    /// Live param values by (module, param index).
    live: BTreeMap<(ModuleId, usize), LiveParam>,
    /// Gate verb state by module.
    gates: BTreeMap<ModuleId, bool>,
}

impl EngineControl {
    /// Starts the primer and wraps the control ends. Called by `Engine::new`.
    pub(crate) fn start(
        patch: Patch,
        shared: Arc<Shared>,
        ends: ControlEnds,
        primer_ends: PrimerEnds,
    ) -> Self {
        let primer = primer::spawn(primer_ends, Arc::clone(&shared));
        Self {
            shared,
            ends,
            primer: Some(primer),
            last_id: 0,
            status: Status::default(),
            newest: patch.clone(),
            active: patch,
            in_flight: VecDeque::new(),
            live: BTreeMap::new(),
            gates: BTreeMap::new(),
        }
    }

    /// Commits `patch`: hands it to the primer and returns at once. Its outcome appears
    /// in [`EngineControl::status`].
    pub fn commit(&mut self, patch: Patch) -> CommitId {
        self.commit_with(patch, CommitOptions::default())
    }

    /// As [`EngineControl::commit`], with options (e.g. a patch declared silent).
    pub fn commit_with(&mut self, patch: Patch, options: CommitOptions) -> CommitId {
        self.last_id += 1;
        let id = CommitId(self.last_id);
        let commit_frame = self.shared.frames.load(R);
        let live_params = self.live_params_for(&patch);
        let job = Job {
            id,
            patch: patch.clone(),
            options,
            live_params,
            gates: self.gates.iter().map(|(m, on)| (m.clone(), *on)).collect(),
            submitted: Instant::now(),
        };
        self.push_record(CommitRecord::new(id, commit_frame));
        self.in_flight.push_back(InFlight {
            id,
            patch: patch.clone(),
            submitted: job.submitted,
        });
        while self.in_flight.len() > IN_FLIGHT {
            self.in_flight.pop_front();
        }
        self.shared.latest_commit.store(id.0, Ordering::Release);
        let mut job = job;
        loop {
            match self.ends.jobs.try_send(job) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    job = back;
                    if let Ok(oldest) = self.ends.jobs_evict.try_recv() {
                        self.shared.superseded.fetch_add(1, R);
                        self.set_outcome(oldest.id, Outcome::Superseded);
                    }
                }
                Err(TrySendError::Disconnected(_)) => {
                    let reason = super::Rejection::Invalid("the primer thread has stopped".into());
                    self.set_outcome(id, Outcome::Rejected(reason));
                    break;
                }
            }
        }
        self.newest = patch;
        id
    }

    /// Cancels every commit not yet switched in. The active patch plays on untouched.
    pub fn abort(&mut self) {
        self.shared
            .abort_upto
            .fetch_max(self.last_id, Ordering::Release);
        self.newest = self.active.clone();
    }

    /// Sets `module.param` on the playing patch now, smoothed (no commit). The value is
    /// clamped into the param's range and remembered for the warm-up of later commits.
    ///
    /// # Errors
    /// Unknown module or param, a value that is not finite, a full queue.
    pub fn set(&mut self, module: &str, param: &str, value: f32) -> Result<(), SetError> {
        self.set_at(module, param, value, 0)
    }

    /// As [`EngineControl::set`], applied `frame_offset` frames into the next
    /// `process` call (clamped into it), for sample-accurate automation.
    ///
    /// # Errors
    /// As [`EngineControl::set`].
    pub fn set_at(
        &mut self,
        module: &str,
        param: &str,
        value: f32,
        frame_offset: u32,
    ) -> Result<(), SetError> {
        let kind = self.kind_of(module)?;
        let Some(p) = kind.param_index(param) else {
            return Err(SetError::NoSuchParam {
                module: ModuleId::from(module),
                kind: kind.name,
                param: param.to_owned(),
                available: kind.param_names(),
            });
        };
        if !value.is_finite() {
            return Err(SetError::NotFinite(value, format!("{module}.{param}")));
        }
        let value = kind.params[p].clamp(value);
        self.ends
            .live
            .push(ControlToAudio::Param {
                key: module_key(module),
                kind,
                param: p as u16,
                value,
                offset: frame_offset,
            })
            .map_err(|_| SetError::QueueFull)?;
        let base = patch_value(&self.newest, module, kind, p).unwrap_or(value);
        self.live
            .insert((ModuleId::from(module), p), LiveParam { kind, value, base });
        Ok(())
    }

    /// Moves host macro `number` (1 ..= 16) to `value` (clamped to 0..1), smoothed.
    ///
    /// # Errors
    /// A macro number out of range, a value that is not finite, a full queue.
    pub fn set_macro(&mut self, number: usize, value: f32) -> Result<(), SetError> {
        if !(1..=MACRO_COUNT).contains(&number) {
            return Err(SetError::NoSuchMacro(number));
        }
        if !value.is_finite() {
            return Err(SetError::NotFinite(value, format!("macro {number}")));
        }
        self.ends
            .live
            .push(ControlToAudio::Macro {
                index: (number - 1) as u8,
                value: value.clamp(0.0, 1.0),
                offset: 0,
            })
            .map_err(|_| SetError::QueueFull)
    }

    /// Opens or closes `module`'s own gate (the `gate` verb) now, and remembers it for
    /// later commits. A module in neither the playing nor the newest patch (one being
    /// created in the pending patch) gets its gate when a patch containing it is primed.
    ///
    /// # Errors
    /// A full queue.
    pub fn gate(&mut self, module: &str, on: bool) -> Result<(), SetError> {
        if let Ok(kind) = self.kind_of(module) {
            self.ends
                .live
                .push(ControlToAudio::Gate {
                    key: module_key(module),
                    kind,
                    on,
                    offset: 0,
                })
                .map_err(|_| SetError::QueueFull)?;
        }
        self.gates.insert(ModuleId::from(module), on);
        Ok(())
    }

    /// Sets the crossfade length for later switches, clamped to 0..=100 ms.
    pub fn set_crossfade_ms(&self, ms: f32) {
        let ms = if ms.is_nan() {
            10.0
        } else {
            ms.clamp(0.0, 100.0)
        };
        self.shared.crossfade_ms.store(ms, R);
    }

    /// Sets the warm-up peak ceiling for later commits, dBFS.
    pub fn set_ceiling_dbfs(&self, dbfs: f32) {
        if dbfs.is_finite() {
            self.shared.ceiling_dbfs.store(dbfs, R);
        }
    }

    /// Sets the warm-up length for later commits, in blocks of 64 frames (at least 1).
    pub fn set_warmup_blocks(&self, blocks: u32) {
        self.shared.warmup_blocks.store(blocks.max(1), R);
    }

    /// Starts the process-time statistics afresh.
    pub fn reset_load(&self) {
        self.shared.load_ns.store(0, R);
        self.shared.load_frames.store(0, R);
        self.shared.load_max.store(0.0, R);
    }

    /// The patch playing (the last one swapped in, as of the last
    /// [`EngineControl::status`] call).
    pub fn active_patch(&self) -> &Patch {
        &self.active
    }

    /// The patch as it sounds: [`EngineControl::active_patch`] with the params set live
    /// (and not since overridden by a commit) written in, in canonical names (a choice
    /// param as its option name). This is what a host saves with the project.
    pub fn sounding_patch(&self) -> Patch {
        let mut patch = self.active.clone();
        for ((module, p), live) in &self.live {
            let in_force = patch_value(&patch, module.as_str(), live.kind, *p)
                .is_some_and(|v| v == live.base || v == live.value);
            let spec = &live.kind.params[*p];
            let Some(m) = patch.module_mut(module.as_str()).filter(|_| in_force) else {
                continue;
            };
            let value = match spec.choices.get(live.value.round().max(0.0) as usize) {
                Some(choice) => ParamValue::Choice((*choice).to_owned()),
                _ => ParamValue::Number(f64::from(live.value)),
            };
            m.params
                .retain(|name, _| live.kind.param_index(name) != Some(*p));
            m.params.insert(spec.name.to_owned(), value);
        }
        patch
    }

    /// The newest committed patch.
    pub fn newest_patch(&self) -> &Patch {
        &self.newest
    }

    /// Blocks until the primer has primed or decided every commit issued so far, or
    /// `timeout` passes. Returns whether it got there. For tests and offline tools;
    /// the audio thread still has to run to switch.
    pub fn wait_primer_idle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.primer_done.load(Ordering::Acquire) >= self.last_id {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    /// Brings the status up to date from the report queues and returns it.
    pub fn status(&mut self) -> &Status {
        while let Ok(report) = self.ends.from_primer.try_recv() {
            self.primer_report(report);
        }
        while let Ok(report) = self.ends.from_audio.pop() {
            self.audio_report(report);
        }
        let s = &self.shared;
        let st = &mut self.status;
        st.active_slot = s.active_slot.load(R);
        st.active_commit = CommitId(s.active_commit.load(R));
        st.fading = s.fading.load(R);
        st.latest_commit = CommitId(self.last_id);
        st.swaps = s.swaps.load(R);
        st.rejections = s.rejections.load(R);
        st.superseded = s.superseded.load(R);
        st.aborted = s.aborted.load(R);
        st.faults = s.faults.load(R);
        st.reports_lost = s.reports_lost.load(R);
        st.graphs_alive = s.graphs_alive.load(R);
        st.graphs_peak = s.graphs_peak.load(R);
        st.graphs_built = s.graphs_built.load(R);
        st.graphs_dropped = s.graphs_dropped.load(R);
        st.dropped_on_audio_thread = s.dropped_on_audio.load(R);
        st.frames = s.frames.load(R);
        let frames = s.load_frames.load(R);
        st.load_mean = if frames == 0 {
            0.0
        } else {
            (s.load_ns.load(R) as f64 / (frames as f64 * 1e9 / f64::from(s.sample_rate))) as f32
        };
        st.load_max = s.load_max.load(R);
        &self.status
    }

    fn primer_report(&mut self, report: PrimerToControl) {
        match report {
            PrimerToControl::Primed {
                id,
                build,
                prime,
                rms_dbfs,
                peak_dbfs,
                silence_exempt,
            } => {
                if let Some(r) = self.record(id) {
                    r.build = Some(build);
                    r.prime = Some(prime);
                    r.warmup_rms_dbfs = Some(rms_dbfs);
                    r.warmup_peak_dbfs = Some(peak_dbfs);
                    r.silence_exempt = silence_exempt;
                }
            }
            PrimerToControl::Rejected {
                id,
                reason,
                build,
                prime,
                rms_dbfs,
                peak_dbfs,
            } => {
                if let Some(r) = self.record(id) {
                    r.build = Some(build);
                    r.prime = Some(prime);
                    r.warmup_rms_dbfs = (!rms_dbfs.is_nan()).then_some(rms_dbfs);
                    r.warmup_peak_dbfs = (!peak_dbfs.is_nan()).then_some(peak_dbfs);
                }
                self.set_outcome(id, Outcome::Rejected(reason));
            }
            PrimerToControl::Superseded(id) => self.set_outcome(id, Outcome::Superseded),
            PrimerToControl::Aborted(id) => self.set_outcome(id, Outcome::Aborted),
        }
    }

    fn audio_report(&mut self, report: AudioToControl) {
        match report {
            AudioToControl::Switched {
                id,
                frame,
                carried,
                modules,
                crossfade,
                at,
            } => {
                let submitted = self
                    .in_flight
                    .iter()
                    .find(|f| f.id == id)
                    .map(|f| f.submitted);
                if let Some(r) = self.record(id) {
                    r.switch_frame = Some(frame);
                    r.carried = Some((carried, modules));
                    r.crossfade_frames = Some(crossfade);
                    r.switch_wall = submitted.map(|s| at.saturating_duration_since(s));
                }
                if let Some(f) = self.in_flight.iter().find(|f| f.id == id) {
                    self.active = f.patch.clone();
                }
                self.set_outcome(id, Outcome::Swapped);
            }
            AudioToControl::Superseded(id) => self.set_outcome(id, Outcome::Superseded),
            AudioToControl::Aborted(id) => self.set_outcome(id, Outcome::Aborted),
            AudioToControl::Fault { id, fault, frame } => {
                if let Some(r) = self.record(id) {
                    r.fault = Some((fault, frame));
                }
            }
        }
    }

    fn record(&mut self, id: CommitId) -> Option<&mut CommitRecord> {
        // Records are in id order: search from the newest end.
        self.status.commits.iter_mut().rev().find(|r| r.id == id)
    }

    fn push_record(&mut self, record: CommitRecord) {
        self.status.commits.push_back(record);
        while self.status.commits.len() > KEPT_RECORDS {
            self.status.commits.pop_front();
        }
    }

    /// Sets a commit's final outcome (the first one reported wins).
    fn set_outcome(&mut self, id: CommitId, outcome: Outcome) {
        if let Some(r) = self.record(id)
            && !r.outcome.is_final()
        {
            r.outcome = outcome;
        }
        if let Some(at) = self.in_flight.iter().position(|f| f.id == id) {
            self.in_flight.remove(at);
        }
    }

    /// The kind of `module` in the newest patch, else in the playing one.
    fn kind_of(&self, module: &str) -> Result<&'static KindSpec, SetError> {
        self.newest
            .module(module)
            .or_else(|| self.active.module(module))
            .and_then(|m| modules::find(&m.kind))
            .ok_or_else(|| SetError::NoSuchModule(ModuleId::from(module)))
    }

    /// The live values a new commit's warm-up should use: those whose param the patch
    /// leaves as it was when they were set. Others are forgotten (the commit wins).
    fn live_params_for(&mut self, patch: &Patch) -> Vec<(ModuleId, usize, f32)> {
        let mut keep = Vec::new();
        self.live.retain(|(module, p), live| {
            let same = patch_value(patch, module.as_str(), live.kind, *p) == Some(live.base);
            if same {
                keep.push((module.clone(), *p, live.value));
            }
            same
        });
        keep
    }
}

impl Drop for EngineControl {
    fn drop(&mut self) {
        // Closing the commit queue tells the primer to finish.
        let (closed, _) = crossbeam_channel::bounded(0);
        drop(std::mem::replace(&mut self.ends.jobs, closed));
        if let Some(primer) = self.primer.take() {
            let _ = primer.join();
        }
    }
}

/// The value `patch` gives `module`'s param `p` (its default when unset), when the
/// module exists with kind `kind`.
fn patch_value(patch: &Patch, module: &str, kind: &'static KindSpec, p: usize) -> Option<f32> {
    let spec = patch.module(module)?;
    if !modules::find(&spec.kind).is_some_and(|k| std::ptr::eq(k, kind)) {
        return None;
    }
    for (name, value) in &spec.params {
        if kind.param_index(name) == Some(p) {
            return param_value(kind, &spec.id, name, value, "")
                .ok()
                .map(|(_, v)| v);
        }
    }
    kind.params.get(p).map(|s| s.default)
}
