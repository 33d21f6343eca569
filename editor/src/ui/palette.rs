//! The palette panel: every module kind, grouped by category with its colour and one-line
//! description; clicking one adds it to the patch. GUI thread.

use egui::{RichText, Ui};

use super::theme;
use crate::model::palette::{category_title, description, palette};

/// Shows the palette; returns the kind the user chose to add.
pub fn show(ui: &mut Ui) -> Option<&'static str> {
    let mut chosen = None;
    for group in palette() {
        let colour = theme::category_colour(group.category);
        egui::CollapsingHeader::new(
            RichText::new(category_title(group.category))
                .color(colour)
                .strong(),
        )
        .id_salt(("chronus-palette", category_title(group.category)))
        .default_open(true)
        .show(ui, |ui| {
            for kind in group.kinds {
                let button =
                    egui::Button::new(RichText::new(format!("+ {}", kind.name)).color(theme::TEXT))
                        .min_size(egui::vec2(ui.available_width(), 0.0));
                let r = ui.add(button).on_hover_text(format!(
                    "add a `{}`: {}",
                    kind.name,
                    description(kind)
                ));
                if r.clicked() {
                    chosen = Some(kind.name);
                }
                ui.label(
                    RichText::new(description(kind))
                        .small()
                        .color(theme::TEXT_DIM),
                );
                ui.add_space(2.0);
            }
        });
    }
    chosen
}
