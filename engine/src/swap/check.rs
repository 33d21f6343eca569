//! The warm-up and the checks a primed graph must pass before it may reach the
//! speakers. Runs on the primer thread (allocates a little; never on the audio thread).
//!
//! # The checks
//! The graph renders `warmup_blocks` blocks of 64 frames with live macros, gates and
//! param values applied and a probe note held (the live note if one is held, else
//! `probe_key`), with silence on its audio input. Then:
//! 1. **Finite**: every output sample is finite. A failure names the first module, in
//!    processing order, whose output was not finite ("filt1 produced NaN after 3 blocks").
//! 2. **Ceiling**: the peak stays at or below the ceiling (default +12 dBFS); a blow-up
//!    is rejected as soon as it crosses it.
//! 3. **Not silent**, unless silent by construction. The rule ([`silence_rule`]):
//!    - a commit that declares itself silent ([`super::CommitOptions::expect_silent`]) is
//!      exempt;
//!    - otherwise, if a *sound source* (a kind of category `Source`: oscillators, noise,
//!      LFO; or a test kind) reaches the output through any chain of connections (signal
//!      or modulation), the patch must sound: the loudest RMS over any window of
//!      `warmup_blocks` blocks must reach the threshold (default -60 dBFS). A patch that
//!      is silent during the warm-up is listened to for up to `silence_probe_ms` more
//!      (slow attacks, pre-delays) and, if it reads host macros, once more with every
//!      macro at 1 and once at 0 (a volume macro turned down is silent by current
//!      setting, not by mistake). Only then is it rejected as silent by mistake;
//!    - otherwise, if `audio_in` reaches the output, the patch is an effect whose input
//!      may be silent: exempt;
//!    - otherwise no source reaches the output (an empty patch, an output alone, a
//!      patch still being wired): silent by construction, exempt.
//!
//! The prototype's "max RMS > 0.001 with whatever was playing" test rejected patches
//! that were silent by design; this rule never does, and still rejects a source wired
//! through a vca at gain 0.

use crate::graph::Graph;
use crate::module::{Category, MACRO_COUNT, MAX_BLOCK_FRAMES};
use crate::patch::validate::{Resolved, Sink};

use super::shared::{amp_to_db, db_to_amp};
use super::status::Rejection;

/// Whether a patch must sound during its warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceRule {
    /// A sound source reaches the output: silence would be a mistake.
    MustSound,
    /// Silent by construction or by declaration; the text says why.
    Exempt(&'static str),
}

/// Decides the silence rule for a validated patch (see the module docs).
pub fn silence_rule(resolved: &Resolved, declared_silent: bool) -> SilenceRule {
    if declared_silent {
        return SilenceRule::Exempt("declared silent");
    }
    let n = resolved.modules.len();
    let start = match resolved.sink {
        Sink::Output(m) => m,
        Sink::Module { module, .. } => module,
    };
    let mut reached = vec![false; n];
    let mut stack = vec![start];
    reached[start] = true;
    while let Some(m) = stack.pop() {
        for c in resolved.connections.iter().filter(|c| c.to_module == m) {
            if !reached[c.from_module] {
                reached[c.from_module] = true;
                stack.push(c.from_module);
            }
        }
    }
    let reached_kinds = || {
        resolved
            .modules
            .iter()
            .zip(&reached)
            .filter(|(_, r)| **r)
            .map(|(m, _)| m.kind)
    };
    if reached_kinds().any(|k| matches!(k.category, Category::Source | Category::Test)) {
        SilenceRule::MustSound
    } else if reached_kinds().any(|k| std::ptr::eq(k, &crate::modules::audio_in::KIND)) {
        SilenceRule::Exempt("the output depends on the audio input")
    } else {
        SilenceRule::Exempt("no sound source reaches the output")
    }
}

/// Warm-up settings, read from the shared atomics when a commit is primed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Warmup {
    /// Standard warm-up length in blocks.
    pub(crate) blocks: u32,
    /// Peak ceiling, dBFS.
    pub(crate) ceiling_dbfs: f32,
    /// Silence threshold, dBFS.
    pub(crate) silence_dbfs: f32,
    /// Extra listening for silent patches, ms.
    pub(crate) probe_ms: f32,
    /// Probe note key.
    pub(crate) key: u8,
    /// Probe note velocity.
    pub(crate) velocity: f32,
}

/// The warm-up's findings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    /// RMS over the standard warm-up, dBFS.
    pub(crate) rms_dbfs: f32,
    /// Peak over everything rendered, dBFS.
    pub(crate) peak_dbfs: f32,
    /// Pass, or why not.
    pub(crate) result: Result<(), Rejection>,
}

/// The warm-up was cancelled (the commit was aborted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cancelled;

/// Renders the warm-up of `graph` and judges it. `cancelled` is polled between blocks.
/// Leaves the graph in whatever state the warm-up ended in (the caller resets it).
pub(crate) fn warm_up(
    graph: &mut Graph,
    rule: SilenceRule,
    settings: &Warmup,
    cancelled: &dyn Fn() -> bool,
) -> Result<Verdict, Cancelled> {
    let std_blocks = settings.blocks.max(1) as usize;
    let ceiling = db_to_amp(settings.ceiling_dbfs);
    let threshold = db_to_amp(settings.silence_dbfs);
    let extra_blocks = (settings.probe_ms.max(0.0) * 0.001 * graph.sample_rate()
        / MAX_BLOCK_FRAMES as f32)
        .ceil() as usize;
    let max_blocks = match rule {
        SilenceRule::MustSound => std_blocks + extra_blocks,
        SilenceRule::Exempt(_) => std_blocks,
    };

    graph.note_on(settings.key, settings.velocity);
    let mut run = Listen::new(std_blocks);
    let mut std_sum = 0.0f64;
    for b in 0..max_blocks {
        if cancelled() {
            return Err(Cancelled);
        }
        let sq = match run.block(graph, b as u32, ceiling) {
            Ok(sq) => sq,
            Err(reason) => return Ok(run.verdict(std_sum, b.min(std_blocks), Err(reason))),
        };
        if b < std_blocks {
            std_sum += sq;
        }
        if b + 1 >= std_blocks && (rule != SilenceRule::MustSound || run.loudest >= threshold) {
            return Ok(run.verdict(std_sum, std_blocks, Ok(())));
        }
    }

    // Silent with a source on the path. If macros can change that, try them at both ends.
    let reads_macros = graph
        .module_kinds()
        .iter()
        .any(|k| std::ptr::eq(*k, &crate::modules::host_macro::KIND));
    if reads_macros {
        for value in [1.0, 0.0] {
            graph.reset();
            for i in 0..MACRO_COUNT {
                graph.set_macro(i, value);
            }
            graph.reset(); // settles the macro glides at once
            graph.note_on(settings.key, settings.velocity);
            let mut alt = Listen::new(std_blocks);
            for b in 0..std_blocks {
                if cancelled() {
                    return Err(Cancelled);
                }
                if alt.block(graph, b as u32, ceiling).is_err() {
                    break;
                }
            }
            if alt.loudest >= threshold {
                return Ok(run.verdict(std_sum, std_blocks, Ok(())));
            }
        }
    }
    let listened_ms = max_blocks as f32 * MAX_BLOCK_FRAMES as f32 * 1000.0 / graph.sample_rate();
    let reason = Rejection::Silent {
        rms_dbfs: amp_to_db(run.loudest),
        threshold_dbfs: settings.silence_dbfs,
        probe_key: settings.key,
        listened_ms,
    };
    Ok(run.verdict(std_sum, std_blocks, Err(reason)))
}

/// Running measurements of one listening pass.
struct Listen {
    /// Sum of squares per block, for the sliding window.
    window: Vec<f64>,
    /// Blocks rendered.
    blocks: usize,
    /// Largest absolute sample.
    peak: f32,
    /// Loudest window RMS so far (amplitude).
    loudest: f32,
    /// Output buffers.
    left: [f32; MAX_BLOCK_FRAMES],
    /// Output buffers.
    right: [f32; MAX_BLOCK_FRAMES],
}

impl Listen {
    fn new(window: usize) -> Self {
        Self {
            window: vec![0.0; window],
            blocks: 0,
            peak: 0.0,
            loudest: 0.0,
            left: [0.0; MAX_BLOCK_FRAMES],
            right: [0.0; MAX_BLOCK_FRAMES],
        }
    }

    /// Renders block `b`, checks it, returns its sum of squares.
    fn block(&mut self, graph: &mut Graph, b: u32, ceiling: f32) -> Result<f64, Rejection> {
        graph.process([&[], &[]], [&mut self.left, &mut self.right]);
        let mut sq = 0.0f64;
        for &s in self.left.iter().chain(&self.right) {
            if !s.is_finite() {
                let (module, nan) = first_non_finite(graph);
                return Err(Rejection::NonFinite {
                    module,
                    nan: nan.unwrap_or(s.is_nan()),
                    clean_blocks: b,
                });
            }
            self.peak = self.peak.max(s.abs());
            sq += f64::from(s) * f64::from(s);
        }
        if self.peak > ceiling {
            return Err(Rejection::TooLoud {
                peak_dbfs: amp_to_db(self.peak),
                ceiling_dbfs: amp_to_db(ceiling),
            });
        }
        let len = self.window.len();
        self.window[self.blocks % len] = sq;
        self.blocks += 1;
        if self.blocks >= len {
            let frames = (len * MAX_BLOCK_FRAMES * 2) as f64;
            let rms = (self.window.iter().sum::<f64>() / frames).sqrt() as f32;
            self.loudest = self.loudest.max(rms);
        }
        Ok(sq)
    }

    fn verdict(&self, std_sum: f64, std_blocks: usize, result: Result<(), Rejection>) -> Verdict {
        let frames = (std_blocks.max(1) * MAX_BLOCK_FRAMES * 2) as f64;
        Verdict {
            rms_dbfs: amp_to_db((std_sum / frames).sqrt() as f32),
            peak_dbfs: amp_to_db(self.peak),
            result,
        }
    }
}

/// The first module, in processing order, with a non-finite sample in its outputs of
/// the last block, and whether that sample was NaN.
fn first_non_finite(graph: &Graph) -> (Option<crate::patch::ModuleId>, Option<bool>) {
    for step in graph.steps() {
        let m = step.module();
        let node = &graph.nodes[m];
        for block in &graph.outputs[node.outputs.clone()] {
            if let Some(s) = block.iter().find(|s| !s.is_finite()) {
                return (Some(graph.ids[m].clone()), Some(s.is_nan()));
            }
        }
    }
    (None, None)
}
