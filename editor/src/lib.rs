//! Chronus patch editor.
