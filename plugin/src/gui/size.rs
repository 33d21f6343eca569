//! [`EditorSize`]: the editor window's size in logical pixels, saved with the project
//! (nice-plug `#[persist]`) so a reopened project opens the window as the user left it.
//! nice-plug-egui's own `EguiEditorState` cannot be serialised, so the size is kept
//! here and the window is opened from it.
//!
//! Two atomics: written by the GUI thread when the window is resized, read by the host's
//! main thread when it asks for the editor size or saves the state. Never touched by the
//! audio thread.

use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::params::persist::PersistentField;
use serde::{Deserialize, Serialize};

/// Window size of a new instance, logical pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1280, 800);
/// Smallest window, logical pixels (the panels still fit).
pub const MIN_SIZE: (u32, u32) = (820, 520);
/// Largest window a saved state may ask for, logical pixels.
pub const MAX_SIZE: (u32, u32) = (7680, 4320);

/// A window size as saved in the plugin state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSize {
    /// Width, logical pixels.
    pub width: u32,
    /// Height, logical pixels.
    pub height: u32,
}

impl SavedSize {
    /// The size clamped to [`MIN_SIZE`] ..= [`MAX_SIZE`].
    pub fn clamped(self) -> Self {
        Self {
            width: self.width.clamp(MIN_SIZE.0, MAX_SIZE.0),
            height: self.height.clamp(MIN_SIZE.1, MAX_SIZE.1),
        }
    }
}

/// The editor window size of one instance, persisted with the project.
#[derive(Debug)]
pub struct EditorSize {
    /// Width, logical pixels.
    width: AtomicU32,
    /// Height, logical pixels.
    height: AtomicU32,
}

impl Default for EditorSize {
    fn default() -> Self {
        Self {
            width: AtomicU32::new(DEFAULT_SIZE.0),
            height: AtomicU32::new(DEFAULT_SIZE.1),
        }
    }
}

impl EditorSize {
    /// The size now.
    pub fn get(&self) -> SavedSize {
        SavedSize {
            width: self.width.load(Ordering::Relaxed),
            height: self.height.load(Ordering::Relaxed),
        }
    }

    /// Stores a size (clamped to [`MIN_SIZE`] ..= [`MAX_SIZE`]).
    pub fn set(&self, size: SavedSize) {
        let size = size.clamped();
        self.width.store(size.width, Ordering::Relaxed);
        self.height.store(size.height, Ordering::Relaxed);
    }
}

impl<'a> PersistentField<'a, SavedSize> for EditorSize {
    fn set(&self, new_value: SavedSize) {
        EditorSize::set(self, new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SavedSize) -> R,
    {
        f(&self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_sizes_are_clamped() {
        let size = EditorSize::default();
        assert_eq!((size.get().width, size.get().height), DEFAULT_SIZE);
        EditorSize::set(
            &size,
            SavedSize {
                width: 3,
                height: 100_000,
            },
        );
        assert_eq!(
            size.get(),
            SavedSize {
                width: MIN_SIZE.0,
                height: MAX_SIZE.1
            }
        );
    }
}
