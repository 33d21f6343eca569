//! Patches in and out: the preset browser over the bundled example patches, copying the
//! patch JSON to the clipboard, and a paste box that checks a pasted patch and shows why
//! it does not load. Drawing only: it returns [`BrowserAction`]s. GUI thread.

use egui::{RichText, Ui};

use super::theme;
use crate::model::document::Document;
use crate::model::presets::PRESETS;

/// What the user did.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowserAction {
    /// Load this (checked) document, described by the label.
    Load(Box<Document>, String),
    /// Copy the patch JSON.
    Copy,
    /// Open the paste box (filled from the host clipboard when it can).
    OpenPaste,
}

/// The browser's state between frames.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    /// Whether the paste box is open.
    pub paste_open: bool,
    /// The paste box's text.
    pub paste_text: String,
    /// Why the pasted text does not load.
    pub paste_error: Option<String>,
}

impl Browser {
    /// The preset list (inside the Presets menu); a preset that does not load is shown
    /// disabled with the reason on hover.
    pub fn presets(&mut self, ui: &mut Ui) -> Vec<BrowserAction> {
        let mut actions = Vec::new();
        for p in PRESETS {
            let loaded = p.load();
            let title = p.title();
            let r = ui.add_enabled(
                loaded.is_ok(),
                egui::Button::new(&title).min_size(egui::vec2(220.0, 0.0)),
            );
            let r = match &loaded {
                Ok(_) => r.on_hover_text(format!("{}\n{}", p.file, p.description())),
                Err(why) => r.on_disabled_hover_text(format!("{} does not load: {why}", p.file)),
            };
            if r.clicked()
                && let Ok(doc) = loaded
            {
                actions.push(BrowserAction::Load(
                    Box::new(doc),
                    format!("load preset {title}"),
                ));
            }
        }
        actions
    }

    /// The copy and paste buttons.
    pub fn clipboard_buttons(&mut self, ui: &mut Ui) -> Vec<BrowserAction> {
        let mut actions = Vec::new();
        if ui
            .button("Copy JSON")
            .on_hover_text("copy the pending patch as JSON")
            .clicked()
        {
            actions.push(BrowserAction::Copy);
        }
        if ui
            .button("Paste JSON")
            .on_hover_text("load a patch from JSON text")
            .clicked()
        {
            actions.push(BrowserAction::OpenPaste);
        }
        actions
    }

    /// The paste box, when open.
    pub fn paste_window(&mut self, ctx: &egui::Context) -> Vec<BrowserAction> {
        let mut actions = Vec::new();
        if !self.paste_open {
            return actions;
        }
        let mut open = true;
        egui::Window::new("Paste patch JSON")
            .open(&mut open)
            .collapsible(false)
            .default_size([520.0, 380.0])
            .show(ctx, |ui| {
                ui.label(
                    RichText::new("Paste (Ctrl+V) or type a patch, then Load.")
                        .color(theme::TEXT_DIM),
                );
                egui::ScrollArea::vertical()
                    .max_height(260.0)
                    .show(ui, |ui| {
                        ui.add(
                            egui::TextEdit::multiline(&mut self.paste_text)
                                .code_editor()
                                .desired_rows(14)
                                .desired_width(f32::INFINITY)
                                .hint_text("{ \"format\": 1, \"modules\": [ ... ] }"),
                        );
                    });
                if let Some(why) = &self.paste_error {
                    ui.label(RichText::new(why).color(theme::BAD));
                }
                ui.horizontal(|ui| {
                    if ui.button("Load").clicked() {
                        match Document::from_json(&self.paste_text) {
                            Ok(doc) => {
                                actions.push(BrowserAction::Load(
                                    Box::new(doc),
                                    "paste patch".to_owned(),
                                ));
                                self.paste_open = false;
                                self.paste_error = None;
                            }
                            Err(why) => self.paste_error = Some(why),
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        self.paste_open = false;
                    }
                });
            });
        if !open {
            self.paste_open = false;
        }
        actions
    }
}
