//! [`PatchEditorUi`]: the whole editor window. It lays out the panels around the canvas,
//! adopts a patch the host loaded behind its back, reads the engine status once per
//! frame, applies what the panels report through the [`Session`] (which talks to the
//! [`EditorHost`]), and handles the undo/redo shortcuts. GUI thread.

use chronus_engine::module::MACRO_COUNT;
use chronus_engine::patch::ModuleId;
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use crate::host::{EditorHost, Meters};
use crate::model::document::Document;
use crate::model::presets;
use crate::model::session::{Notice, Session};
use crate::ui::browser::{Browser, BrowserAction};
use crate::ui::canvas::{Canvas, CanvasAction};
use crate::ui::commit_bar::{self, BarAction};
use crate::ui::inspector::{Inspector, InspectorAction};
use crate::ui::macros_panel::{MacroAction, MacrosPanel};
use crate::ui::meters::MetersPanel;
use crate::ui::{palette, theme};

/// Redraw at least this often while open, for the meters and engine status (seconds).
const METER_REFRESH_S: f32 = 1.0 / 30.0;

/// The patch editor. Create it with the patch the engine plays, then call
/// [`PatchEditorUi::ui`] every frame with the host.
///
/// # Examples
/// ```
/// use chronus_editor::PatchEditorUi;
/// use chronus_editor::testing::FakeHost;
///
/// let mut editor = PatchEditorUi::with_default_patch();
/// let mut host = FakeHost::default();
/// let ctx = egui::Context::default();
/// let mut output = ctx.run_ui(Default::default(), |ui| editor.ui(ui, &mut host));
/// output.textures_delta.clear(); // a real backend uploads these
/// assert!(!editor.session().is_pending());
/// ```
#[derive(Debug)]
pub struct PatchEditorUi {
    /// Documents, commits, undo.
    session: Session,
    /// Canvas view and gestures.
    canvas: Canvas,
    /// The selected module.
    selected: Option<ModuleId>,
    /// Inspector state.
    inspector: Inspector,
    /// Macro panel state.
    macros: MacrosPanel,
    /// Meter state.
    meters_panel: MetersPanel,
    /// Presets and clipboard.
    browser: Browser,
    /// The latest meter data (buffer reused every frame).
    meters: Meters,
    /// Whether the theme has been installed on the context.
    themed: bool,
    /// The notice last flashed on the canvas (to flash each refusal once).
    flashed: Option<Notice>,
}

impl PatchEditorUi {
    /// An editor on `doc`, which the engine is assumed to play.
    pub fn new(doc: Document) -> Self {
        Self {
            session: Session::new(doc),
            canvas: Canvas::default(),
            selected: None,
            inspector: Inspector::default(),
            macros: MacrosPanel::default(),
            meters_panel: MetersPanel::default(),
            browser: Browser::default(),
            meters: Meters::default(),
            themed: false,
            flashed: None,
        }
    }

    /// An editor on saved patch JSON (as [`EditorHost::mark_dirty`] handed it out).
    ///
    /// # Errors
    /// Why the JSON does not load (the engine's messages).
    pub fn from_json(text: &str) -> Result<Self, String> {
        Document::from_json(text).map(Self::new)
    }

    /// An editor on the bundled full-chain patch (oscillator, envelope, filter, output).
    pub fn with_default_patch() -> Self {
        Self::new(presets::default_document())
    }

    /// The editing session (documents, pending changes, outcome).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The editing session, mutably (for driving it without the GUI).
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The selected module.
    pub fn selected(&self) -> Option<&ModuleId> {
        self.selected.as_ref()
    }

    /// Selects a module (its params show in the inspector), or nothing.
    pub fn select(&mut self, id: Option<ModuleId>) {
        self.selected = id;
    }

    /// The patch to save with the project (what plays, with the current layout).
    pub fn saved_json(&self) -> String {
        self.session.saved_json()
    }

    /// Draws the editor into `ui` (the plugin window's root) and handles input. Each frame
    /// it first asks [`EditorHost::take_external_patch`] whether the host loaded another
    /// state, and if so adopts it ([`Session::adopt_external`]) and fits the view to it.
    pub fn ui(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        if !self.themed {
            theme::apply(ui.ctx());
            self.themed = true;
        }
        if let Some(json) = host.take_external_patch()
            && self.session.adopt_external(&json)
        {
            self.selected = None;
            self.canvas.refit();
        }
        self.session.poll(host);
        host.meters(&mut self.meters);
        self.shortcuts(ui, host);

        egui::Panel::top("chronus-top")
            .frame(panel_frame(ui))
            .show(ui, |ui| self.top(ui, host));
        // The bottom panel (macros, meters) spans the whole width, under the side panels.
        egui::Panel::bottom("chronus-bottom")
            .resizable(false)
            .frame(panel_frame(ui))
            .show(ui, |ui| self.bottom(ui, host));
        egui::Panel::left("chronus-left")
            .resizable(true)
            .default_size(190.0)
            .frame(panel_frame(ui))
            .show(ui, |ui| self.left(ui, host));
        egui::Panel::right("chronus-right")
            .resizable(true)
            .default_size(290.0)
            .frame(panel_frame(ui))
            .show(ui, |ui| self.right(ui, host));
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| self.centre(ui, host));

        for a in self.browser.paste_window(ui.ctx()) {
            self.browser_action(ui, host, a);
        }
        self.flash_refusal(ui);
        if !ui.input(|i| i.pointer.any_down()) {
            self.session.flush_dirty(host);
        }
        ui.ctx().request_repaint_after_secs(METER_REFRESH_S);
    }

    fn shortcuts(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let redo_shift = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let redo_y = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        if ui.input_mut(|i| i.consume_shortcut(&redo_shift) || i.consume_shortcut(&redo_y)) {
            self.session.redo(host);
        } else if ui.input_mut(|i| i.consume_shortcut(&undo)) {
            self.session.undo(host);
        }
    }

    fn top(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("CHRONUS")
                    .font(theme::heading())
                    .strong()
                    .color(theme::ACCENT),
            );
            let name = &self.session.document().patch.name;
            let name = if name.is_empty() {
                "untitled patch"
            } else {
                name
            };
            ui.label(RichText::new(name).color(theme::TEXT_DIM));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Fit view")
                    .on_hover_text("show the whole patch")
                    .clicked()
                {
                    self.canvas.refit();
                }
                let mut actions = self.browser.clipboard_buttons(ui);
                let presets = ui
                    .menu_button("Presets", |ui| self.browser.presets(ui))
                    .inner;
                actions.extend(presets.unwrap_or_default());
                for a in actions {
                    self.browser_action(ui, host, a);
                }
            });
        });
        ui.add_space(2.0);
        for a in commit_bar::show(ui, &self.session) {
            match a {
                BarAction::Undo => self.session.undo(host),
                BarAction::Redo => self.session.redo(host),
                BarAction::Commit => {
                    self.session.commit(host);
                }
                BarAction::Abort => self.session.abort(host),
                BarAction::AutoCommit(on) => self.session.set_auto_commit(host, on),
                BarAction::DismissNotice => self.session.clear_notice(),
            }
        }
    }

    fn left(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.label(
                RichText::new("ADD MODULE")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            if let Some(kind) = palette::show(ui) {
                let at = self.canvas.centre();
                if let Some(id) = self.session.add_module(host, kind, at) {
                    self.selected = Some(id);
                }
            }
        });
    }

    fn right(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        ui.label(
            RichText::new("MODULE")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        let Some(id) = self
            .selected
            .clone()
            .filter(|id| self.session.document().patch.module(id.as_str()).is_some())
        else {
            self.selected = None;
            ui.weak("Select a module on the canvas to see its params.");
            ui.add_space(6.0);
            ui.weak("Drag from an output port to an input port to connect; drag a cable's input end away, or click the cable, to disconnect. Scroll to zoom, drag the background to pan.");
            return;
        };
        let playing = self.session.active().patch.module(id.as_str()).is_some();
        let actions = egui::ScrollArea::vertical()
            .show(ui, |ui| {
                self.inspector
                    .show(ui, self.session.document(), &id, playing)
            })
            .inner;
        for a in actions {
            match a {
                InspectorAction::SetParam { id, param, value } => {
                    self.session.set_param(host, &id, &param, value);
                }
                InspectorAction::EndGesture => self.session.end_gesture(),
                InspectorAction::Rename { id, new_id } => {
                    if self.session.rename_module(host, &id, &new_id) {
                        self.selected = Some(ModuleId::from(new_id.as_str()));
                    }
                }
                InspectorAction::Remove(id) => {
                    if self.session.remove_module(host, &id) {
                        self.selected = None;
                    }
                }
            }
        }
    }

    fn bottom(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        ui.horizontal_top(|ui| {
            let values: [f32; MACRO_COUNT] = std::array::from_fn(|i| host.macro_value(i));
            let actions = ui
                .vertical(|ui| {
                    ui.set_width(480.0);
                    self.macros.show(ui, self.session.document(), |i| values[i])
                })
                .inner;
            for a in actions {
                match a {
                    MacroAction::Begin(i) => host.macro_begin(i),
                    MacroAction::Set(i, v) => host.macro_set(i, v),
                    MacroAction::End(i) => host.macro_end(i),
                    MacroAction::Add(m) => {
                        self.session.add_mapping(host, m);
                    }
                    MacroAction::Remove(i) => {
                        self.session.remove_mapping(host, i);
                    }
                }
            }
            ui.separator();
            ui.vertical(|ui| {
                self.meters_panel
                    .show(ui, &self.meters, self.session.status());
            });
        });
    }

    fn centre(&mut self, ui: &mut Ui, host: &mut dyn EditorHost) {
        let actions = self.canvas.show(
            ui,
            self.session.document(),
            self.session.active(),
            self.selected.as_ref(),
        );
        for a in actions {
            match a {
                CanvasAction::Select(id) => self.selected = id,
                CanvasAction::Move(id, at) => self.session.move_module(&id, at),
                CanvasAction::EndMove => self.session.end_gesture(),
                CanvasAction::Connect { from, to } => {
                    self.session.connect(host, &from, &to);
                }
                CanvasAction::Disconnect { from, to } => {
                    self.session.disconnect(host, &from, &to);
                }
                CanvasAction::Reconnect {
                    from,
                    old_to,
                    new_to,
                } => {
                    self.session.reconnect(host, &from, &old_to, &new_to);
                }
                CanvasAction::Remove(id) => {
                    if self.session.remove_module(host, id.as_str()) {
                        self.selected = None;
                    }
                }
            }
        }
    }

    fn browser_action(&mut self, ui: &Ui, host: &mut dyn EditorHost, action: BrowserAction) {
        match action {
            BrowserAction::Load(doc, label) => {
                self.session.load(host, *doc, &label);
                self.selected = None;
                self.canvas.refit();
            }
            BrowserAction::Copy => {
                let json = self.session.document().to_json();
                host.copy_to_clipboard(&json);
                ui.ctx().copy_text(json.clone());
                self.session
                    .inform(format!("patch JSON copied ({} bytes)", json.len()));
            }
            BrowserAction::OpenPaste => {
                self.browser.paste_open = true;
                self.browser.paste_error = None;
                if let Some(text) = host.paste_from_clipboard() {
                    self.browser.paste_text = text;
                }
            }
        }
    }

    /// Shows each new refusal as a bubble on the canvas too.
    fn flash_refusal(&mut self, ui: &Ui) {
        let notice = self.session.notice().cloned();
        if notice != self.flashed {
            if let Some(Notice::Refused(why)) = &notice {
                self.canvas.flash(ui, why);
            }
            self.flashed = notice;
        }
    }
}

/// A side panel's frame: the panel colour with comfortable margins.
fn panel_frame(ui: &Ui) -> egui::Frame {
    egui::Frame::new()
        .fill(ui.visuals().panel_fill)
        .inner_margin(egui::Margin::same(10))
        .stroke(egui::Stroke::new(1.0, theme::GRID))
}
