//! The primer thread: compiles commits, primes them with the live state, renders their
//! warm-up, judges them, and hands the ones that pass to the audio thread. It also drops
//! every graph the audio thread retires, so no graph is ever freed on the audio thread.
//!
//! Runs on its own background thread (allocates, may sleep). Never touches a graph the
//! audio thread owns.
//!
//! # Newest wins, without losing the last good patch
//! The primer tries the newest waiting commit first. If it passes, every older waiting
//! commit is superseded. If it is rejected, the next newest waiting commit is tried, and
//! so on (at most [`FALLBACKS`] are kept). So a storm of commits ends on the newest
//! commit that passes, exactly as if they had been committed one at a time.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, TryRecvError};

use super::check::{self, Warmup};
use super::messages::{Job, PrimerEnds, PrimerToControl};
use super::prepared::Prepared;
use super::shared::{R, Shared};
use super::{FALLBACKS, MAX_GRAPHS};
use crate::compile;
use crate::module::MACRO_COUNT;
use crate::patch::validate::validate;

/// How long the primer sleeps between polls while it waits for the audio thread.
const POLL: Duration = Duration::from_micros(200);

/// Starts the primer thread.
pub(crate) fn spawn(ends: PrimerEnds, shared: Arc<Shared>) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("chronus-primer".into())
        .spawn(move || {
            Primer {
                ends,
                shared,
                waiting: Vec::with_capacity(FALLBACKS + super::JOB_QUEUE + 1),
                ready: None,
                newest_seen: 0,
            }
            .run();
        })
        .expect("the primer thread starts")
}

/// The primer's state.
struct Primer {
    /// Its queue ends.
    ends: PrimerEnds,
    /// The engine's atomics.
    shared: Arc<Shared>,
    /// Commits received and not yet decided, oldest first.
    waiting: Vec<Job>,
    /// A primed graph the hand-over ring had no room for yet.
    ready: Option<Box<Prepared>>,
    /// Newest commit id received.
    newest_seen: u64,
}

/// What priming one commit came to.
enum Primed {
    /// Passed: the graph, ready for a slot.
    Pass(Box<Prepared>),
    /// Rejected (already reported).
    Reject,
    /// Aborted during priming (already reported).
    Abort,
}

impl Primer {
    fn run(mut self) {
        loop {
            self.drop_retired();
            self.offer_ready();
            if self.waiting.is_empty() {
                // Poll quickly while a primed graph waits for room in the ring.
                let timeout = if self.ready.is_some() {
                    POLL
                } else {
                    Duration::from_millis(2)
                };
                match self.ends.jobs.recv_timeout(timeout) {
                    Ok(job) => self.receive(job),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            loop {
                match self.ends.jobs.try_recv() {
                    Ok(job) => self.receive(job),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.drop_retired();
                        return;
                    }
                }
            }
            self.drop_aborted();
            while self.waiting.len() > FALLBACKS + 1 {
                let old = self.waiting.remove(0);
                self.report_superseded(old.id.0);
            }
            let Some(job) = self.waiting.pop() else {
                self.mark_done();
                continue;
            };
            self.wait_for_room();
            if let Primed::Pass(prepared) = self.prime(job) {
                for old in std::mem::take(&mut self.waiting) {
                    self.report_superseded(old.id.0);
                }
                if let Some(older) = self.ready.replace(prepared) {
                    self.report_superseded(older.id.0);
                }
                self.offer_ready();
            }
            if self.waiting.is_empty() {
                self.mark_done();
            }
        }
        self.drop_retired();
    }

    /// Offers the primed graph to the audio thread. Never waits: if the ring is full
    /// (the audio thread has not reached a block boundary since the last one), the
    /// graph stays ready and is offered again on the next round, while newer commits
    /// are primed meanwhile.
    fn offer_ready(&mut self) {
        let Some(prepared) = self.ready.take() else {
            return;
        };
        if self.shared.is_aborted(prepared.id.0) {
            let id = prepared.id;
            drop(prepared);
            self.shared.aborted.fetch_add(1, R);
            self.report(PrimerToControl::Aborted(id));
            return;
        }
        if let Err(rtrb::PushError::Full(back)) = self.ends.to_audio.push(prepared) {
            self.ready = Some(back);
        }
    }

    fn receive(&mut self, job: Job) {
        self.newest_seen = self.newest_seen.max(job.id.0);
        self.waiting.push(job);
    }

    /// Records that every commit received so far is decided or primed (a primed graph
    /// may still wait in `ready` for the audio thread).
    fn mark_done(&self) {
        self.shared
            .primer_done
            .fetch_max(self.newest_seen, Ordering::Release);
    }

    /// Drops every graph the audio thread has retired. Here, off the audio thread.
    fn drop_retired(&mut self) {
        while let Ok(graph) = self.ends.retired.pop() {
            drop(graph);
        }
    }

    fn drop_aborted(&mut self) {
        let shared = &self.shared;
        let mut aborted = Vec::new();
        self.waiting.retain(|job| {
            let keep = !shared.is_aborted(job.id.0);
            if !keep {
                aborted.push(job.id.0);
            }
            keep
        });
        for id in aborted {
            self.report(PrimerToControl::Aborted(super::CommitId(id)));
            self.shared.aborted.fetch_add(1, R);
        }
    }

    /// Waits until building one more graph stays within [`MAX_GRAPHS`].
    fn wait_for_room(&mut self) {
        while self.shared.graphs_alive.load(Ordering::Acquire) >= MAX_GRAPHS {
            self.drop_retired();
            self.offer_ready();
            std::thread::sleep(POLL);
        }
    }

    fn report(&self, report: PrimerToControl) {
        if self.ends.reports.try_send(report).is_err() {
            self.shared.reports_lost.fetch_add(1, R);
        }
    }

    fn report_superseded(&self, id: u64) {
        self.shared.superseded.fetch_add(1, R);
        self.report(PrimerToControl::Superseded(super::CommitId(id)));
    }

    /// Primes one commit and reports the outcome.
    fn prime(&mut self, job: Job) -> Primed {
        let id = job.id;
        match prime_job(&job, &self.shared) {
            Priming::Pass { prepared, report } => {
                self.report(PrimerToControl::Primed {
                    id,
                    build: report.build,
                    prime: report.prime,
                    rms_dbfs: report.rms_dbfs,
                    peak_dbfs: report.peak_dbfs,
                    silence_exempt: report.silence_exempt,
                });
                Primed::Pass(prepared)
            }
            Priming::Fail(report) => {
                self.shared.rejections.fetch_add(1, R);
                let reason = match report.result {
                    Err(reason) => reason,
                    Ok(()) => unreachable!("a failed priming has a reason"),
                };
                self.report(PrimerToControl::Rejected {
                    id,
                    reason,
                    build: report.build,
                    prime: report.prime,
                    rms_dbfs: report.rms_dbfs,
                    peak_dbfs: report.peak_dbfs,
                });
                Primed::Reject
            }
            Priming::Abort => {
                self.shared.aborted.fetch_add(1, R);
                self.report(PrimerToControl::Aborted(id));
                Primed::Abort
            }
        }
    }
}

/// Applies the gate verb's state to the modules of `graph` that have it.
fn apply_gates(graph: &mut crate::graph::Graph, job: &Job) {
    for (module, on) in &job.gates {
        if let Some(m) = graph.module_index(module.as_str()) {
            graph.set_gate(m, *on);
        }
    }
}

/// What priming one commit found: timings, warm-up levels, verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimeReport {
    /// Validation and compile time.
    pub build: Duration,
    /// Priming, warm-up and checks time.
    pub prime: Duration,
    /// Warm-up RMS, dBFS (NaN when the patch did not compile).
    pub rms_dbfs: f32,
    /// Warm-up peak, dBFS (NaN when the patch did not compile).
    pub peak_dbfs: f32,
    /// Why the silence check did not apply, when it did not.
    pub silence_exempt: Option<&'static str>,
    /// Pass, or the rejection.
    pub result: Result<(), super::Rejection>,
}

/// The outcome of [`prime_job`].
enum Priming {
    /// Passed: the graph, reset and ready for a slot.
    Pass {
        /// The graph.
        prepared: Box<Prepared>,
        /// Timings and levels.
        report: PrimeReport,
    },
    /// Rejected (`report.result` says why); the graph is already dropped.
    Fail(PrimeReport),
    /// Aborted during the warm-up.
    Abort,
}

/// Compiles, primes with the live state, warms up and judges one commit, on the calling
/// thread (the primer's). Allocates.
fn prime_job(job: &Job, shared: &Arc<Shared>) -> Priming {
    let id = job.id;
    let start = Instant::now();
    let compiled = validate(&job.patch)
        .map_err(crate::error::CompileError::from)
        .and_then(|resolved| {
            compile::compile_resolved(&resolved, shared.sample_rate).map(|g| (resolved, g))
        });
    let (resolved, graph) = match compiled {
        Ok(ok) => ok,
        Err(e) => {
            return Priming::Fail(PrimeReport {
                build: start.elapsed(),
                prime: Duration::ZERO,
                rms_dbfs: f32::NAN,
                peak_dbfs: f32::NAN,
                silence_exempt: None,
                result: Err(super::Rejection::Invalid(e.to_string())),
            });
        }
    };
    let build = start.elapsed();
    let mut prepared = Box::new(Prepared::new(id, graph, &resolved, shared));
    let rule = check::silence_rule(&resolved, job.options.expect_silent);

    // Live state: macros and live param values (settled at once), then gates.
    let graph = &mut prepared.graph;
    for (i, m) in shared.macros.iter().enumerate().take(MACRO_COUNT) {
        graph.set_macro(i, m.load(R));
    }
    for (module, param, value) in &job.live_params {
        if let Some(m) = graph.module_index(module.as_str()) {
            let node = &graph.nodes[m.0 as usize];
            if *param < node.params.len() {
                let addr = crate::graph::ParamAddr((node.params.start + param) as u32);
                graph.set_param_immediate(addr, *value);
            }
        }
    }
    graph.reset();
    apply_gates(graph, job);

    let held = shared.gate.load(R);
    let settings = Warmup {
        blocks: shared.warmup_blocks.load(R),
        ceiling_dbfs: shared.ceiling_dbfs.load(R),
        silence_dbfs: shared.silence_dbfs.load(R),
        probe_ms: shared.silence_probe_ms.load(R),
        key: if held {
            shared.held_key.load(R)
        } else {
            shared.probe_key.load(R)
        },
        velocity: if held {
            shared.velocity.load(R)
        } else {
            100.0 / 127.0
        },
    };
    let Ok(verdict) = check::warm_up(graph, rule, &settings, &|| shared.is_aborted(id.0)) else {
        return Priming::Abort;
    };
    let report = PrimeReport {
        build,
        prime: start.elapsed().saturating_sub(build),
        rms_dbfs: verdict.rms_dbfs,
        peak_dbfs: verdict.peak_dbfs,
        silence_exempt: match rule {
            check::SilenceRule::Exempt(why) => Some(why),
            check::SilenceRule::MustSound => None,
        },
        result: verdict.result,
    };
    if report.result.is_err() {
        return Priming::Fail(report);
    }
    // Back to the state right after building (param and macro values stay), so modules
    // new in this patch start fresh at the switch.
    graph.reset();
    apply_gates(graph, job);
    Priming::Pass { prepared, report }
}

/// Runs the primer's work for `patch` on the calling thread, without an engine: compile,
/// warm-up with the probe note (macros at 0, no live state) and the checks. For a
/// "check patch" button, and to measure priming cost.
///
/// # Errors
/// [`crate::error::CompileError::SampleRate`] for an unsupported sample rate (an invalid
/// patch is a rejection in the report, as it would be for a commit).
pub fn try_prime(
    patch: &crate::patch::Patch,
    sample_rate: f32,
    options: &super::EngineOptions,
    commit: super::CommitOptions,
) -> Result<PrimeReport, crate::error::CompileError> {
    compile::check_sample_rate(sample_rate)?;
    let shared = Arc::new(Shared::new(sample_rate, options));
    let job = Job {
        id: super::CommitId(1),
        patch: patch.clone(),
        options: commit,
        live_params: Vec::new(),
        gates: Vec::new(),
        submitted: Instant::now(),
    };
    Ok(match prime_job(&job, &shared) {
        Priming::Pass { report, .. } | Priming::Fail(report) => report,
        Priming::Abort => unreachable!("nothing aborts a lone priming"),
    })
}
