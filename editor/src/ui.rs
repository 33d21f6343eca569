//! The editor's drawing: the node-graph canvas and the panels around it, each turning the
//! user's gestures into actions that [`crate::PatchEditorUi`] applies through the
//! [`crate::model::session::Session`]. Nothing here edits a patch directly. GUI thread.

pub mod browser;
pub mod canvas;
pub mod commit_bar;
pub mod inspector;
pub mod knob;
pub mod macros_panel;
pub mod meters;
pub mod palette;
pub mod theme;
