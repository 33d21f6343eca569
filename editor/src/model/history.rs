//! Undo and redo: a bounded stack of whole-document snapshots. Snapshots are small (a
//! patch is a few kilobytes), so every edit simply records the state before it. A run of
//! edits with the same coalescing key (one knob drag, one box drag) records once, until
//! [`History::seal`] closes the run. GUI thread.

/// Snapshots kept for undo; older ones are forgotten.
pub const MAX_UNDO: usize = 200;

/// One recorded step: the state before an edit, and what the edit was.
#[derive(Debug, Clone)]
struct Step<T> {
    state: T,
    label: String,
}

/// The undo and redo stacks.
#[derive(Debug, Clone)]
pub struct History<T> {
    /// States to go back to, newest last.
    undo: Vec<Step<T>>,
    /// States undone, to go forward to, newest last.
    redo: Vec<Step<T>>,
    /// The coalescing key of the run of edits still open, if any.
    open: Option<String>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            undo: Vec::new(),
            redo: Vec::new(),
            open: None,
        }
    }
}

impl<T> History<T> {
    /// Records `before`, the state before an edit called `label`. With a `key` equal to
    /// the open run's, nothing is recorded (the run's first state stays the undo point).
    /// Any record clears the redo stack.
    pub fn record(&mut self, before: T, label: &str, key: Option<&str>) {
        self.redo.clear();
        if key.is_some() && key == self.open.as_deref() {
            return;
        }
        self.open = key.map(str::to_owned);
        self.undo.push(Step {
            state: before,
            label: label.to_owned(),
        });
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
    }

    /// Closes the open run: the next edit records even with the same key.
    pub fn seal(&mut self) {
        self.open = None;
    }

    /// Steps back: returns the state to restore, keeping `current` for redo.
    pub fn undo(&mut self, current: T) -> Option<T> {
        let step = self.undo.pop()?;
        self.open = None;
        self.redo.push(Step {
            state: current,
            label: step.label,
        });
        Some(step.state)
    }

    /// Steps forward again: returns the state to restore, keeping `current` for undo.
    pub fn redo(&mut self, current: T) -> Option<T> {
        let step = self.redo.pop()?;
        self.open = None;
        self.undo.push(Step {
            state: current,
            label: step.label,
        });
        Some(step.state)
    }

    /// What [`History::undo`] would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    /// What [`History::redo`] would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_walk_the_states() {
        let mut h = History::default();
        h.record(0, "a", None);
        h.record(1, "b", None);
        assert_eq!(h.undo_label(), Some("b"));
        assert_eq!(h.undo(2), Some(1));
        assert_eq!(h.undo(1), Some(0));
        assert_eq!(h.undo(0), None);
        assert_eq!(h.redo_label(), Some("a"));
        assert_eq!(h.redo(0), Some(1));
        assert_eq!(h.redo(1), Some(2));
        assert_eq!(h.redo(2), None);
    }

    #[test]
    fn a_run_with_one_key_records_once_until_sealed() {
        let mut h = History::default();
        h.record(10, "drag", Some("k"));
        h.record(11, "drag", Some("k"));
        h.record(12, "drag", Some("k"));
        assert_eq!(h.undo(13), Some(10));
        assert_eq!(h.undo(10), None);
        h.redo(10);
        h.seal();
        h.record(13, "drag", Some("k"));
        assert_eq!(h.undo(14), Some(13));
    }

    #[test]
    fn a_new_edit_clears_redo_and_the_stack_is_bounded() {
        let mut h = History::default();
        h.record(0, "a", None);
        h.undo(1);
        h.record(0, "b", None);
        assert_eq!(h.redo_label(), None);
        for i in 0..(MAX_UNDO + 50) {
            h.record(i, "x", None);
        }
        let mut n = 0;
        let mut cur = 0;
        while let Some(s) = h.undo(cur) {
            cur = s;
            n += 1;
        }
        assert_eq!(n, MAX_UNDO);
    }
}
