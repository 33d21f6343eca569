//! [`ChronusApp`]: what the plugin window shows, kept for the life of the instance so
//! the editor's undo history, selection and view survive closing the window.
//!
//! It owns the [`PatchEditorUi`] (built from the saved patch when the window first
//! opens) and the [`EditorLink`] it talks through, shows a state load's fallback error
//! once, and records the window size for the project. GUI thread.

use std::sync::Arc;

use chronus_editor::PatchEditorUi;
use chronus_editor::ui::theme;
use nice_plug::context::gui::GuiContext;
use nice_plug_egui::Frame;

use super::link::EditorLink;
use super::size::SavedSize;
use crate::meters::MeterReader;
use crate::params::ChronusParams;

/// The editor and its link, for one plugin instance.
pub struct ChronusApp {
    /// Params, patch store, window size.
    params: Arc<ChronusParams>,
    /// The editor; `None` until the window first opens.
    editor: Option<PatchEditorUi>,
    /// The editor's way to the engine and the host.
    link: EditorLink,
    /// The state load error last shown (each is shown once).
    shown_error: Option<String>,
}

impl ChronusApp {
    /// An app for the instance owning `params`, reading meters from `meters`.
    pub fn new(params: Arc<ChronusParams>, meters: MeterReader) -> Self {
        Self {
            link: EditorLink::new(Arc::clone(&params), meters),
            params,
            editor: None,
            shown_error: None,
        }
    }

    /// The window opened (again): theme the new egui context, connect the host's GUI
    /// context, and build the editor from the saved patch the first time.
    pub fn open(&mut self, ctx: &egui::Context, gui: GuiContext, frame: &mut Frame) {
        theme::apply(ctx);
        frame.set_clear_color(theme::CANVAS_BG.into());
        self.link.connect(gui);
        if self.editor.is_none() {
            self.editor = Some(self.link.build_editor());
        }
    }

    /// The window closed: the host's GUI context goes with it.
    pub fn close(&mut self) {
        self.link.disconnect();
    }

    /// The user or the host resized the window: remember the size for the project.
    pub fn resized(&mut self, size: SavedSize) {
        self.params.editor_size.set(size);
    }

    /// Whether a commit waits for its outcome (the window should keep redrawing).
    pub fn is_committing(&self) -> bool {
        self.editor
            .as_ref()
            .is_some_and(|e| e.session().is_committing())
    }

    /// Draws one frame.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        let error = self.params.patch.error();
        if error != self.shown_error {
            if let Some(e) = &error {
                editor.session_mut().refuse(format!(
                    "the saved patch did not load ({e}); playing the default patch"
                ));
            }
            self.shown_error = error;
        }
        editor.ui(ui, &mut self.link);
    }
}
