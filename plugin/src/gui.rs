//! The plugin window: the Chronus patch editor (crate `chronus_editor`) in a nice-plug-egui
//! window the host parents.
//!
//! - [`window`]: [`ChronusEditor`], the nice-plug `Editor`: opens the egui window at the
//!   size saved with the project, resizable by the host and by the corner grip.
//! - [`app`]: what the window draws each frame (the editor, the resize grip) and how it
//!   follows state loads.
//! - [`link`]: [`link::EditorLink`], the editor's [`chronus_editor::EditorHost`] over the
//!   plugin: commits and live sets to the engine, macro gestures to the host, status,
//!   meters, and the saved patch.
//! - [`size`]: [`EditorSize`], the window size persisted with the project.
//!
//! Everything here runs on the host's GUI (main) thread. The audio thread only feeds the
//! meters ([`crate::meters`]) and raises the repaint flag, both wait-free.

pub mod app;
pub mod link;
pub mod size;
pub mod window;

pub use size::EditorSize;
pub use window::ChronusEditor;
