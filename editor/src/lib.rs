//! Chronus patch editor: an egui node-graph editor for Chronus patches that rewires the
//! sound live. It knows nothing of the plugin framework: the plugin embeds
//! [`PatchEditorUi`] in its nice-plug-egui window and implements [`EditorHost`] over the
//! engine's control half.
//!
//! - [`model`]: the editing logic (document, verbs, undo/redo, commit/abort, diff,
//!   palette, macro mappings, presets), headless and unit-tested.
//! - [`ui`]: the drawing (canvas, panels, theme), which turns gestures into model verbs.
//! - [`host`]: the trait the embedder implements and the status/meter data it returns.
//! - [`testing`]: a recording fake host.
//!
//! Everything runs on the GUI thread; nothing here touches the audio thread.

pub mod editor;
pub mod host;
pub mod model;
pub mod testing;
pub mod ui;

pub use editor::PatchEditorUi;
pub use host::{CommitOutcome, CommitReport, EditorHost, EngineStatus, Meters};
pub use model::document::Document;
pub use model::macros::{Curve, MacroMapping};
pub use model::session::Session;
