//! The inspector: the selected module's name, kind and params. Params show as sliders
//! with their unit and a typed-entry value box (choices as a drop-down); moving one sets
//! it live at once. Drawing only: it returns [`InspectorAction`]s. GUI thread.

use chronus_engine::module::{Modulation, ParamSpec, Unit};
use chronus_engine::modules;
use chronus_engine::patch::{ModuleId, ParamValue};
use egui::{RichText, Ui};

use super::theme;
use crate::model::document::Document;
use crate::model::palette;

/// What the user did in the inspector.
#[derive(Debug, Clone, PartialEq)]
pub enum InspectorAction {
    /// Set a param (live when the module plays).
    SetParam {
        /// Module id.
        id: String,
        /// Param name.
        param: String,
        /// New value.
        value: ParamValue,
    },
    /// A slider drag or typed entry ended.
    EndGesture,
    /// Rename a module.
    Rename {
        /// Current id.
        id: String,
        /// New id.
        new_id: String,
    },
    /// Remove a module.
    Remove(String),
}

/// The inspector's state between frames.
#[derive(Debug, Clone, Default)]
pub struct Inspector {
    /// The module the rename box was filled for.
    rename_for: Option<ModuleId>,
    /// The rename box's text.
    rename_text: String,
}

impl Inspector {
    /// Shows module `id` of `doc`; `playing` says whether it plays (so changes are heard
    /// at once) or waits for a commit.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        id: &ModuleId,
        playing: bool,
    ) -> Vec<InspectorAction> {
        let mut actions = Vec::new();
        let Some(module) = doc.patch.module(id.as_str()) else {
            return actions;
        };
        let Some(kind) = modules::find(&module.kind) else {
            ui.colored_label(theme::BAD, format!("unknown kind `{}`", module.kind));
            return actions;
        };
        if self.rename_for.as_ref() != Some(id) {
            self.rename_for = Some(id.clone());
            self.rename_text = id.to_string();
        }
        ui.horizontal(|ui| {
            let (chip, _) = ui.allocate_exact_size(egui::vec2(10.0, 22.0), egui::Sense::hover());
            ui.painter().rect_filled(
                chip,
                egui::CornerRadius::same(3),
                theme::category_colour(kind.category),
            );
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.rename_text)
                    .desired_width(130.0)
                    .font(egui::TextStyle::Heading),
            );
            let edit = edit.on_hover_text("module id: type a new name and press Enter");
            if edit.lost_focus() && self.rename_text != id.as_str() {
                if self.rename_text.trim().is_empty() {
                    self.rename_text = id.to_string();
                } else {
                    actions.push(InspectorAction::Rename {
                        id: id.to_string(),
                        new_id: self.rename_text.trim().to_owned(),
                    });
                }
            }
            ui.label(RichText::new(kind.name).color(theme::TEXT_DIM));
        });
        ui.label(
            RichText::new(palette::description(kind))
                .color(theme::TEXT_DIM)
                .small(),
        );
        if !playing {
            ui.label(
                RichText::new("not playing yet: commit to hear it")
                    .color(theme::PENDING)
                    .small(),
            );
        }
        ui.add_space(6.0);
        if kind.params.is_empty() {
            ui.weak("no params");
        }
        egui::Grid::new(("chronus-params", id.as_str()))
            .num_columns(2)
            .spacing([10.0, 8.0])
            .show(ui, |ui| {
                for spec in kind.params {
                    let current = doc
                        .param_number(id.as_str(), spec.name)
                        .unwrap_or(spec.default);
                    let label = ui.label(spec.name);
                    let label_id = label.id;
                    if !spec.doc.is_empty() {
                        label.on_hover_text(spec.doc);
                    }
                    let modulated = modulation_source(doc, id, spec);
                    ui.vertical(|ui| {
                        if let Some(a) = param_widget(ui, id, spec, current, label_id) {
                            actions.push(a);
                        }
                        if let Some(src) = modulated {
                            ui.label(
                                RichText::new(format!("~ modulated by {src}"))
                                    .small()
                                    .color(theme::TEXT_DIM),
                            );
                        }
                    });
                    ui.end_row();
                }
            });
        ui.add_space(10.0);
        let remove = egui::Button::new(RichText::new("Remove module").color(theme::BAD));
        if ui
            .add(remove)
            .on_hover_text("remove it and its cables (Delete key on the canvas)")
            .clicked()
        {
            actions.push(InspectorAction::Remove(id.to_string()));
        }
        actions
    }
}

/// The cable source driving `spec`'s modulation port on module `id`, if any.
fn modulation_source(doc: &Document, id: &ModuleId, spec: &ParamSpec) -> Option<String> {
    if spec.modulation == Modulation::None {
        return None;
    }
    doc.patch
        .connections
        .iter()
        .find(|c| c.to.module == *id && c.to.port.as_deref() == Some(spec.name))
        .map(|c| c.from.to_string())
}

/// One param's control, labelled (for accessibility) by the grid label `label`; returns
/// an action when the user changes it.
fn param_widget(
    ui: &mut Ui,
    id: &ModuleId,
    spec: &ParamSpec,
    current: f32,
    label: egui::Id,
) -> Option<InspectorAction> {
    let set = |value: ParamValue| InspectorAction::SetParam {
        id: id.to_string(),
        param: spec.name.to_owned(),
        value,
    };
    match spec.unit {
        Unit::Choice => {
            let mut index = current.round().max(0.0) as usize;
            let before = index;
            egui::ComboBox::from_id_salt(("chronus-choice", id.as_str(), spec.name))
                .selected_text(spec.choices.get(index).copied().unwrap_or("?"))
                .width(160.0)
                .show_ui(ui, |ui| {
                    for (i, c) in spec.choices.iter().enumerate() {
                        ui.selectable_value(&mut index, i, *c);
                    }
                })
                .response
                .labelled_by(label);
            (index != before).then(|| {
                set(ParamValue::Choice(
                    spec.choices
                        .get(index)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                ))
            })
        }
        Unit::Index => {
            let mut v = current.round() as i64;
            let r = ui.add(
                egui::DragValue::new(&mut v)
                    .range(spec.min as i64..=spec.max as i64)
                    .speed(0.05),
            );
            let r = r.labelled_by(label).on_hover_text(spec.doc);
            if r.changed() {
                Some(set(ParamValue::Number(v as f64)))
            } else if r.drag_stopped() || r.lost_focus() {
                Some(InspectorAction::EndGesture)
            } else {
                None
            }
        }
        Unit::Hz | Unit::Ms | Unit::Ratio => {
            let mut v = current;
            let log = matches!(spec.unit, Unit::Hz | Unit::Ms)
                && spec.min >= 0.0
                && spec.max / spec.min.max(0.01) > 50.0;
            let mut slider = egui::Slider::new(&mut v, spec.min..=spec.max)
                .logarithmic(log)
                .max_decimals(decimals(spec));
            if log {
                slider = slider.smallest_positive(if spec.unit == Unit::Hz { 0.01 } else { 0.1 });
            }
            let suffix = spec.unit.suffix();
            if !suffix.is_empty() {
                slider = slider.suffix(format!(" {suffix}"));
            }
            let r = ui.add(slider).labelled_by(label).on_hover_text(spec.doc);
            if r.changed() && v.is_finite() {
                Some(set(ParamValue::Number(f64::from(v))))
            } else if r.drag_stopped() || r.lost_focus() {
                Some(InspectorAction::EndGesture)
            } else {
                None
            }
        }
    }
}

fn decimals(spec: &ParamSpec) -> usize {
    let span = spec.max - spec.min;
    if span >= 1000.0 {
        1
    } else if span >= 10.0 {
        2
    } else {
        3
    }
}
