//! Processing order: a topological sort of the patch's modules, with modules that have
//! delayed outputs split into two steps so feedback through them is legal.
//!
//! The rule: a cycle is allowed only if it passes through a *delayed output* (such as
//! `delay.wet`), because such an output is written by [`Step::Emit`] from the module's
//! memory before the block's inputs exist. Any other cycle is an error that names its
//! modules. Ties are broken by patch order, so the schedule is deterministic.
//! Control side only.

use std::collections::BTreeSet;

use crate::patch::validate::{Dest, ResolvedConnection, ResolvedModule};

/// One step of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Compute the module's params and write its delayed outputs (only for kinds that
    /// have them).
    Emit(usize),
    /// Gather the module's inputs and process it.
    Process(usize),
}

impl Step {
    /// The module this step runs.
    pub fn module(self) -> usize {
        match self {
            Step::Emit(m) | Step::Process(m) => m,
        }
    }
}

/// Orders the steps of `modules` so that every connection's source step runs before its
/// destination step.
///
/// # Errors
/// The module indices of one cycle that passes through no delayed output, in signal
/// order.
pub fn schedule(
    modules: &[ResolvedModule],
    connections: &[ResolvedConnection],
) -> Result<Vec<Step>, Vec<usize>> {
    // Node numbering: 2m = Emit(m), 2m + 1 = Process(m); Emit exists only for kinds
    // with a delayed output.
    let n = modules.len() * 2;
    let exists = |node: usize| node % 2 == 1 || modules[node / 2].kind.has_delayed_output();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut add = |from: usize, to: usize| {
        preds[to].push(from);
        succs[from].push(to);
    };
    for m in 0..modules.len() {
        if exists(2 * m) {
            add(2 * m, 2 * m + 1);
        }
    }
    for c in connections {
        let from_kind = modules[c.from_module].kind;
        let producer = if from_kind.outputs[c.from_output].delayed {
            2 * c.from_module
        } else {
            2 * c.from_module + 1
        };
        let consumer = match c.to {
            Dest::Param(_) if modules[c.to_module].kind.has_delayed_output() => 2 * c.to_module,
            _ => 2 * c.to_module + 1,
        };
        add(producer, consumer);
    }

    let mut remaining: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: BTreeSet<usize> = (0..n).filter(|&v| exists(v) && remaining[v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop_first() {
        order.push(if v % 2 == 0 {
            Step::Emit(v / 2)
        } else {
            Step::Process(v / 2)
        });
        for &s in &succs[v] {
            remaining[s] -= 1;
            if remaining[s] == 0 {
                ready.insert(s);
            }
        }
    }
    if order.len() == (0..n).filter(|&v| exists(v)).count() {
        return Ok(order);
    }
    Err(find_cycle(&preds, &remaining))
}

/// Walks backwards from an unscheduled node until a node repeats; the loop found is a
/// cycle. Returns its modules in signal order, without consecutive repeats.
fn find_cycle(preds: &[Vec<usize>], remaining: &[usize]) -> Vec<usize> {
    let start = (0..preds.len())
        .find(|&v| remaining[v] > 0)
        .expect("an unscheduled node exists when the sort is incomplete");
    let mut path = vec![start];
    let mut seen = vec![usize::MAX; preds.len()];
    seen[start] = 0;
    let mut v = start;
    loop {
        // Every unscheduled node has an unscheduled predecessor.
        v = *preds[v]
            .iter()
            .find(|&&p| remaining[p] > 0)
            .expect("an unscheduled node has an unscheduled predecessor");
        if seen[v] != usize::MAX {
            let mut cycle: Vec<usize> = path[seen[v]..].iter().rev().map(|&n| n / 2).collect();
            cycle.dedup();
            if cycle.len() > 1 && cycle.first() == cycle.last() {
                cycle.pop();
            }
            // Start the report at the earliest module in patch order, for stable text.
            let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
            cycle.rotate_left(first);
            return cycle;
        }
        seen[v] = path.len();
        path.push(v);
    }
}
