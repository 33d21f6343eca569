//! A graph ready for a slot: the compiled [`Graph`] plus what the audio thread needs to
//! address it without strings (module keys, sorted for the carry-over merge) and what the
//! carry-over compares (each param's committed value).
//!
//! Built on the primer thread (or by `Engine::new`); moved to the audio thread by queue;
//! dropped only off the audio thread (its `Drop`, in `retire.rs`, counts where).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::CommitId;
use super::shared::{R, Shared};
use crate::graph::{Graph, ParamAddr};
use crate::module::KindSpec;
use crate::patch::validate::Resolved;

/// A stable 64-bit key for a module id (FNV-1a), so the audio thread can match modules
/// across graphs and address live changes without comparing strings.
pub(crate) fn module_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A compiled graph with its addressing tables.
pub(crate) struct Prepared {
    /// The commit it was built from.
    pub(crate) id: CommitId,
    /// The graph.
    pub(crate) graph: Graph,
    /// `(module key, module index)`, sorted by key: matched across graphs by a merge.
    pub(crate) by_key: Vec<(u64, u32)>,
    /// Per param slot, the value the patch gave it (before any live change), to tell at
    /// a switch whether a commit changed a param (glide to it) or not (keep live value).
    pub(crate) base: Vec<f32>,
    /// Fingerprint of the graph's structure (modules in order, cables, modulation
    /// routes, schedule, tap): two graphs with the same fingerprint differ at most in
    /// param values.
    pub(crate) structure: u64,
    /// Whether the output guard already reported this graph (one report per graph).
    pub(crate) faulted: bool,
    /// Counters, for drop accounting.
    pub(crate) shared: Arc<Shared>,
}

impl Prepared {
    /// Wraps `graph`, compiled from `resolved`. Control or primer thread (allocates).
    pub(crate) fn new(
        id: CommitId,
        graph: Graph,
        resolved: &Resolved,
        shared: &Arc<Shared>,
    ) -> Self {
        let mut by_key: Vec<(u64, u32)> = resolved
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (module_key(m.id.as_str()), i as u32))
            .collect();
        by_key.sort_unstable();
        let base = graph
            .param_slots
            .iter()
            .map(|s| s.smoother.target())
            .collect();
        let structure = fingerprint(&graph);
        shared.graphs_built.fetch_add(1, R);
        let alive = shared.graphs_alive.fetch_add(1, Ordering::AcqRel) + 1;
        shared.graphs_peak.fetch_max(alive, R);
        Self {
            id,
            graph,
            by_key,
            base,
            structure,
            faulted: false,
            shared: Arc::clone(shared),
        }
    }

    /// The index of the module with key `key` whose kind is `kind`. Audio thread:
    /// binary search, no allocation.
    pub(crate) fn module(&self, key: u64, kind: &'static KindSpec) -> Option<usize> {
        let at = self.by_key.partition_point(|&(k, _)| k < key);
        let &(k, m) = self.by_key.get(at)?;
        let m = m as usize;
        (k == key && std::ptr::eq(self.graph.kinds[m], kind)).then_some(m)
    }

    /// The address of param `param` of module index `m`.
    pub(crate) fn param_addr(&self, m: usize, param: usize) -> Option<ParamAddr> {
        let node = self.graph.nodes.get(m)?;
        (param < node.params.len()).then(|| ParamAddr((node.params.start + param) as u32))
    }
}

/// Hashes everything about a graph's structure except param values. Control side.
fn fingerprint(graph: &Graph) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    graph.ids.hash(&mut h);
    for kind in &graph.kinds {
        kind.name.hash(&mut h);
    }
    graph.steps.hash(&mut h);
    for g in &graph.gathers {
        (g.from, g.to, g.gain.to_bits()).hash(&mut h);
    }
    for slot in &graph.param_slots {
        slot.source
            .map(|(o, gain)| (o, gain.to_bits()))
            .hash(&mut h);
    }
    match graph.tap {
        crate::graph::Tap::Output { inputs, level } => (0u8, inputs, level).hash(&mut h),
        crate::graph::Tap::Module(o) => (1u8, o).hash(&mut h),
    }
    h.finish()
}
