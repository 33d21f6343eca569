//! State carry-over at a switch: the new graph takes over the running state of the old
//! one wherever the patch did not change, so unchanged parts continue seamlessly.
//!
//! Runs on the audio thread at the switch instant, so what is carried is exact: bounded
//! copies into what the new graph already owns, no allocation.
//!
//! What is carried:
//! - the graph clock (control-rate ticks stay on the same samples), the voice (held
//!   notes, pitch bend) and the host macros with their glides;
//! - for every module whose id and kind match (found by merging the two graphs' key
//!   lists, sorted on the primer side: O(old + new) steps): its processor state
//!   ([`crate::module::Processor::adopt_state`]: phases, envelope stage and level, filter
//!   memory, delay lines), and each param's smoother, so live `set` values and glides in
//!   progress continue. When the commit changed a param's value, the param glides from
//!   its live value to the new one over the usual smoothing time instead of jumping.
//!
//! Modules new in the patch keep the fresh state the primer left them in.
//!
//! When the new graph is the old one with only continuous param values changed (same
//! structure, every module carried, no choice param changed), the carried graph's output
//! continues the old one exactly with the changes gliding in, so the switch needs no
//! crossfade and the old graph retires at once.

use super::prepared::Prepared;
use crate::smooth::DEFAULT_RAMP_MS;

/// What a transplant found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Carried {
    /// Modules whose state was carried.
    pub(crate) modules: u32,
    /// The new graph is the old one with only continuous param values changed: every
    /// module carried, same structure, no stepped (choice) param changed. Its output
    /// continues the old one exactly, changed params gliding as a live `set` would, so
    /// no crossfade is needed.
    pub(crate) params_only: bool,
}

/// Carries the state of `old` into `new`. Audio thread: no allocation.
pub(crate) fn transplant(old: &Prepared, new: &mut Prepared) -> Carried {
    let ramp = (DEFAULT_RAMP_MS * 0.001 * new.graph.sample_rate()).round() as u32;
    new.graph.adopt_runtime(&old.graph);
    let (mut i, mut j) = (0, 0);
    let mut carried = 0;
    let mut stepped_changed = false;
    while i < old.by_key.len() && j < new.by_key.len() {
        let (ko, mo) = old.by_key[i];
        let (kn, mn) = new.by_key[j];
        if ko < kn {
            i += 1;
            continue;
        }
        if kn < ko {
            j += 1;
            continue;
        }
        i += 1;
        j += 1;
        let (mo, mn) = (mo as usize, mn as usize);
        let kind = new.graph.kinds[mn];
        if !std::ptr::eq(old.graph.kinds[mo], kind) || old.graph.ids[mo] != new.graph.ids[mn] {
            continue;
        }
        carried += 1;
        let old_node = &old.graph.nodes[mo];
        let new_node = &mut new.graph.nodes[mn];
        new_node.processor.adopt_state(old_node.processor.as_ref());
        for (po, pn) in old_node.params.clone().zip(new_node.params.clone()) {
            let mut smoother = old.graph.param_slots[po].smoother;
            let committed = new.base[pn];
            if committed != old.base[po] {
                let stepped = new.graph.param_slots[pn].stepped;
                stepped_changed |= stepped;
                smoother.set_target(committed, if stepped { 0 } else { ramp });
            }
            new.graph.param_slots[pn].smoother = smoother;
        }
    }
    // Mapped params follow the new patch's mappings from the carried sources (a commit
    // may have changed a mapping; unchanged ones land where they already are).
    new.graph.apply_all_mappings(ramp);
    let all = carried as usize == old.graph.module_count()
        && carried as usize == new.graph.module_count();
    Carried {
        modules: carried,
        params_only: all && old.structure == new.structure && !stepped_changed,
    }
}
