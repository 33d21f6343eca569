//! [`ChronusEditor`]: the plugin's nice-plug `Editor`. Each time the host opens the
//! window it builds a fresh nice-plug-egui window at the size saved with the project
//! ([`super::EditorSize`]) around the one [`ChronusApp`] the instance keeps, so the
//! editor's undo history and view survive closing and reopening the window.
//!
//! Host main thread (the host calls `spawn`, `size`, `resize_hint` there).

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{HostMethods, SpawnedEditor};
use nice_plug::prelude::{Editor, ParentWindowHandle, ResizeHint};
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    EguiEditorHandle, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier,
    baseview, create_egui_editor,
};

use super::app::ChronusApp;
use super::size::{MIN_SIZE, SavedSize};
use crate::meters::MeterReader;
use crate::params::ChronusParams;

/// The plugin's editor (one per instance).
pub struct ChronusEditor {
    /// Params, patch store and the saved window size.
    params: Arc<ChronusParams>,
    /// What the window draws; outlives each window.
    app: Arc<Mutex<ChronusApp>>,
    /// Raised by the audio thread when new meter data is out.
    repaint: RepaintNotifier,
    /// The open (or last) window's egui state: its scale factor.
    state: Mutex<Option<Arc<EguiEditorState>>>,
}

impl ChronusEditor {
    /// An editor for the instance owning `params`, reading meters from `meters`;
    /// `repaint` is the notifier the audio thread raises.
    pub fn new(params: Arc<ChronusParams>, meters: MeterReader, repaint: RepaintNotifier) -> Self {
        let app = ChronusApp::new(Arc::clone(&params), meters);
        Self {
            params,
            app: Arc::new(Mutex::new(app)),
            repaint,
            state: Mutex::new(None),
        }
    }

    /// The window's scale factor (physical pixels per logical pixel), 1 before the
    /// first window.
    fn scale_factor(&self) -> f64 {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.as_ref().map_or(1.0, |s| {
            let logical = s.logical_size();
            let physical = s.physical_size();
            if logical.width > 0.0 {
                f64::from(physical.width) / f64::from(logical.width)
            } else {
                1.0
            }
        })
    }
}

/// How the host may resize the window.
fn resize_hint() -> ResizeHint {
    ResizeHint::resizable()
        .with_min_logical_size(LogicalSize::new(MIN_SIZE.0 as f32, MIN_SIZE.1 as f32))
}

/// Logical size of a saved size.
fn logical(size: SavedSize) -> Size {
    Size::Logical(LogicalSize::new(
        f64::from(size.width),
        f64::from(size.height),
    ))
}

impl Editor for ChronusEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let state = EguiEditorState::from_size(logical(self.params.editor_size.get()), 1.0);
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&state));
        let settings = EguiNiceSettings::new()
            .with_tile("Chronus")
            .with_resize_hint(resize_hint());
        let window = SharedApp(Arc::clone(&self.app), self.repaint.clone());
        let editor = create_egui_editor(state, self.repaint.clone(), settings, window)
            .ok_or("nice-plug-egui could not create the editor")?;
        editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )
    }

    fn size(&self) -> NativeSize<u32> {
        NativeSize::from_size(logical(self.params.editor_size.get()), self.scale_factor())
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }
}

/// The instance's [`ChronusApp`] as one window's app, and the window's repaint flag.
struct SharedApp(Arc<Mutex<ChronusApp>>, RepaintNotifier);

impl SharedApp {
    fn app(&self) -> std::sync::MutexGuard<'_, ChronusApp> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl NiceEguiApp for SharedApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        frame: &mut Frame,
    ) -> Result<(), baseview::HandlerError> {
        self.app().open(&egui_ctx, nice_gui_ctx, frame);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
        let mut app = self.app();
        ResizableWindow::new("chronus-window")
            .min_size(egui::vec2(MIN_SIZE.0 as f32, MIN_SIZE.1 as f32))
            .show(ui, |ui| app.ui(ui));
        // A commit in flight: keep drawing until its outcome shows, audio or not.
        if app.is_committing() {
            self.1.request_repaint();
        }
    }

    fn resized(&mut self, new_size: baseview::WindowSize) {
        self.app().resized(SavedSize {
            width: new_size.logical.width.round() as u32,
            height: new_size.logical.height.round() as u32,
        });
    }

    fn editor_closed(&mut self) {
        self.app().close();
    }
}
