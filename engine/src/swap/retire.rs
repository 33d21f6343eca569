//! Returning graphs to a non-realtime thread to be freed, and proving it.
//!
//! The audio thread never drops a graph: a graph leaving a slot (faded out, superseded,
//! aborted) is pushed into the retire ring, and the primer thread drops it. The ring
//! holds [`MAX_GRAPHS`] and at most that many graphs exist, so the push cannot fail;
//! should it ever, the graph is parked in a fixed holder and pushed again at the next
//! block rather than dropped. Every [`Prepared`]'s `Drop` counts itself and whether it
//! ran on the audio thread, so tests (and the status) can show it never did.

use std::sync::atomic::Ordering;

use super::MAX_GRAPHS;
use super::prepared::Prepared;
use super::shared::{R, on_audio_thread};

impl Drop for Prepared {
    fn drop(&mut self) {
        self.shared.graphs_dropped.fetch_add(1, R);
        if on_audio_thread() {
            self.shared.dropped_on_audio.fetch_add(1, R);
        }
        self.shared.graphs_alive.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The audio thread's end of the retire ring, with a holder for the impossible overflow.
pub(crate) struct Retirer {
    /// The ring to the primer.
    ring: rtrb::Producer<Box<Prepared>>,
    /// Graphs that did not fit (never expected; kept rather than dropped here).
    parked: [Option<Box<Prepared>>; MAX_GRAPHS],
}

impl Retirer {
    /// Wraps the ring.
    pub(crate) fn new(ring: rtrb::Producer<Box<Prepared>>) -> Self {
        Self {
            ring,
            parked: std::array::from_fn(|_| None),
        }
    }

    /// Sends `graph` to be dropped off the audio thread. Audio thread: no allocation,
    /// no free.
    pub(crate) fn retire(&mut self, graph: Box<Prepared>) {
        self.flush();
        if let Err(rtrb::PushError::Full(graph)) = self.ring.push(graph) {
            self.park(graph);
        }
    }

    /// Pushes parked graphs again. Audio thread.
    pub(crate) fn flush(&mut self) {
        for slot in &mut self.parked {
            if let Some(graph) = slot.take()
                && let Err(rtrb::PushError::Full(graph)) = self.ring.push(graph)
            {
                *slot = Some(graph);
                return;
            }
        }
    }

    fn park(&mut self, graph: Box<Prepared>) {
        debug_assert!(false, "retire ring full: more than MAX_GRAPHS graphs exist");
        if let Some(slot) = self.parked.iter_mut().find(|s| s.is_none()) {
            *slot = Some(graph);
        } else {
            // More graphs than can exist: keep it alive forever rather than free it on
            // the audio thread (unreachable while MAX_GRAPHS holds).
            std::mem::forget(graph);
        }
    }
}
