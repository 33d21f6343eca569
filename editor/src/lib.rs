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
//!
//! # Embedding (nice-plug-egui 0.6)
//! The plugin keeps one [`PatchEditorUi`] (built with [`PatchEditorUi::from_json`] from
//! the patch it plays) and a struct implementing [`EditorHost`] over its engine control
//! half, its macro params and its meter buffer, and draws the editor from its
//! `NiceEguiApp::ui`:
//!
//! ```ignore
//! impl NiceEguiApp for ChronusGui {
//!     fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
//!         self.editor.ui(ui, &mut self.host);
//!     }
//! }
//!
//! impl EditorHost for PluginHost {
//!     fn commit(&mut self, patch: &Patch) -> u64 {
//!         self.control.commit(patch.clone()).0 // swap::CommitId; mappings in patch.macros
//!     }
//!     fn abort(&mut self) { self.control.abort() }
//!     fn set_param(&mut self, m: &str, p: &str, v: f32) { let _ = self.control.set(m, p, v); }
//!     fn macro_begin(&mut self, i: usize) { self.setter.begin_set_parameter(&self.params.macros[i]) }
//!     fn macro_set(&mut self, i: usize, v: f32) {
//!         self.setter.set_parameter_normalized(&self.params.macros[i], v)
//!     }
//!     fn macro_end(&mut self, i: usize) { self.setter.end_set_parameter(&self.params.macros[i]) }
//!     fn macro_value(&self, i: usize) -> f32 { self.params.macros[i].modulated_normalized_value() }
//!     fn status(&mut self) -> EngineStatus { to_editor_status(self.control.status()) }
//!     fn meters(&mut self, m: &mut Meters) { self.meter_reader.read_into(m) }
//!     fn mark_dirty(&mut self, json: &str) { *self.saved_patch.lock() = json.to_owned(); }
//!     // Set by the plugin's state load (e.g. in `Plugin::initialize` after the host
//!     // restored the state) while the editor window may be open.
//!     fn take_external_patch(&mut self) -> Option<String> { self.loaded_patch.lock().take() }
//! }
//! ```
//!
//! `to_editor_status` maps the engine's `swap::Status`: `active_slot`, `active_commit` as
//! the revision, the newest `CommitRecord` as [`CommitReport`] (`Swapped` with `build +
//! prime` as `prime_ms`, `switch_wall` as `latency_ms`, `latency_frames()` as
//! `latency_samples`; `Rejected` with the rejection's text), `swaps`, `rejections`,
//! `load_mean` / `load_max`.

pub mod editor;
pub mod host;
pub mod model;
pub mod testing;
pub mod ui;

pub use chronus_engine::macros::{Curve, MacroMapping};
pub use editor::PatchEditorUi;
pub use host::{CommitOutcome, CommitReport, EditorHost, EngineStatus, Meters};
pub use model::document::Document;
pub use model::session::Session;
