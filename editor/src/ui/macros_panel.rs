//! The macro panel: the 16 host macros as knobs (each following host automation, and
//! moving the host parameter with a begin/set/end gesture when turned here), the mappings
//! of the selected macro (module.param, range, curve; inactive ones marked) with remove
//! buttons, a form to add one, and the patch's MIDI CC mappings. Drawing only: it returns
//! [`MacroAction`]s. GUI thread.

use chronus_engine::macros::{Curve, InactiveMapping, MacroMapping, inactive};
use chronus_engine::module::{MACRO_COUNT, Unit};
use chronus_engine::modules;
use egui::{RichText, Ui};

use super::knob::Knob;
use super::theme;
use crate::model::diff::trim;
use crate::model::document::Document;

/// What the user did in the macro panel.
#[derive(Debug, Clone, PartialEq)]
pub enum MacroAction {
    /// A macro knob was grabbed.
    Begin(usize),
    /// A grabbed macro knob moved.
    Set(usize, f32),
    /// A macro knob was let go.
    End(usize),
    /// Add a mapping.
    Add(MacroMapping),
    /// Remove mapping `index` (into the document's list).
    Remove(usize),
}

/// The macro panel's state between frames.
#[derive(Debug, Clone)]
pub struct MacrosPanel {
    /// The macro whose mappings are listed (0-based).
    selected: usize,
    /// The knob being turned here, and its value (shown instead of the host's).
    turning: Option<(usize, f32)>,
    /// The add-mapping form: target `module.param`.
    target: String,
    /// The form's value at macro 0.
    min: f32,
    /// The form's value at macro 1.
    max: f32,
    /// The form's curve.
    curve: Curve,
}

impl Default for MacrosPanel {
    fn default() -> Self {
        Self {
            selected: 0,
            turning: None,
            target: String::new(),
            min: 0.0,
            max: 1.0,
            curve: Curve::Linear,
        }
    }
}

impl MacrosPanel {
    /// Shows the panel. `value(i)` is macro `i`'s host value (0..1).
    pub fn show(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        value: impl Fn(usize) -> f32,
    ) -> Vec<MacroAction> {
        let mut actions = Vec::new();
        ui.label(
            RichText::new("MACROS")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        for row in 0..2 {
            ui.horizontal(|ui| {
                for i in row * 8..(row + 1) * 8 {
                    self.knob_cell(ui, doc, i, &value, &mut actions);
                }
            });
        }
        ui.add_space(4.0);
        ui.separator();
        self.mappings(ui, doc, &mut actions);
        actions
    }

    fn knob_cell(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        i: usize,
        value: &impl Fn(usize) -> f32,
        actions: &mut Vec<MacroAction>,
    ) {
        let mapped = doc.patch.macros.iter().any(|m| m.macro_index() == Some(i));
        let mut v = match self.turning {
            Some((j, v)) if j == i => v,
            _ => value(i),
        };
        ui.vertical(|ui| {
            ui.set_width(44.0);
            let colour = if mapped {
                theme::ACCENT
            } else {
                theme::TEXT_DIM
            };
            let label = format!("macro {}", i + 1);
            let r = ui.add(Knob::new(&mut v, &label).colour(colour).diameter(36.0));
            if r.drag_started() {
                self.turning = Some((i, v));
                actions.push(MacroAction::Begin(i));
            }
            if r.changed() {
                if r.dragged() || r.drag_started() {
                    self.turning = Some((i, v));
                    actions.push(MacroAction::Set(i, v));
                } else {
                    // Double-click reset or scroll: a whole gesture at once.
                    actions.push(MacroAction::Begin(i));
                    actions.push(MacroAction::Set(i, v));
                    actions.push(MacroAction::End(i));
                }
            }
            if r.drag_stopped() {
                self.turning = None;
                actions.push(MacroAction::End(i));
            }
            if r.clicked() || r.drag_started() {
                self.selected = i;
            }
            let name = RichText::new(format!("M{}", i + 1))
                .small()
                .color(if self.selected == i {
                    theme::ACCENT
                } else {
                    theme::TEXT
                });
            ui.label(name);
            ui.label(
                RichText::new(format!("{:.0}%", v * 100.0))
                    .small()
                    .color(theme::TEXT_DIM),
            );
        });
    }

    fn mappings(&mut self, ui: &mut Ui, doc: &Document, actions: &mut Vec<MacroAction>) {
        let number = self.selected + 1;
        ui.horizontal(|ui| {
            let label = ui.label(RichText::new(format!("Macro {number} drives")).strong());
            egui::ComboBox::from_id_salt("chronus-macro-select")
                .selected_text(format!("M{number}"))
                .width(60.0)
                .show_ui(ui, |ui| {
                    for i in 0..MACRO_COUNT {
                        ui.selectable_value(&mut self.selected, i, format!("M{}", i + 1));
                    }
                })
                .response
                .labelled_by(label.id);
        });
        let mut any = false;
        let inactive = inactive(&doc.patch);
        for (index, m) in doc.patch.macros.iter().enumerate() {
            if m.macro_index() != Some(self.selected) {
                continue;
            }
            any = true;
            mapping_row(ui, doc, index, m, &inactive, actions);
        }
        if !any {
            ui.weak("nothing yet: add a mapping below");
        }
        ui.add_space(4.0);
        self.add_form(ui, doc, actions);

        let ccs: Vec<(usize, &MacroMapping)> = doc
            .patch
            .macros
            .iter()
            .enumerate()
            .filter(|(_, m)| m.cc.is_some())
            .collect();
        if !ccs.is_empty() {
            ui.add_space(4.0);
            ui.label(
                RichText::new("MIDI CC")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            for (index, m) in ccs {
                mapping_row(ui, doc, index, m, &inactive, actions);
            }
        }
    }

    fn add_form(&mut self, ui: &mut Ui, doc: &Document, actions: &mut Vec<MacroAction>) {
        let targets = mappable_params(doc);
        ui.horizontal(|ui| {
            let before = self.target.clone();
            let label = ui.label("map to");
            egui::ComboBox::from_id_salt("chronus-map-target")
                .selected_text(if self.target.is_empty() {
                    "choose a param"
                } else {
                    self.target.as_str()
                })
                .width(150.0)
                .show_ui(ui, |ui| {
                    for (t, _, _) in &targets {
                        ui.selectable_value(&mut self.target, t.clone(), t);
                    }
                })
                .response
                .labelled_by(label.id);
            if self.target != before
                && let Some((_, lo, hi)) = targets.iter().find(|(t, _, _)| *t == self.target)
            {
                self.min = *lo;
                self.max = *hi;
            }
            let unit = targets
                .iter()
                .find(|(t, _, _)| *t == self.target)
                .and_then(|(t, _, _)| unit_of(doc, t))
                .unwrap_or("");
            let suffix = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            let speed = 0.01 * (self.max - self.min).abs().max(1.0);
            let label = ui.label("from");
            ui.add(
                egui::DragValue::new(&mut self.min)
                    .speed(speed)
                    .suffix(suffix.clone()),
            )
            .labelled_by(label.id);
            let label = ui.label("to");
            ui.add(
                egui::DragValue::new(&mut self.max)
                    .speed(speed)
                    .suffix(suffix),
            )
            .labelled_by(label.id);
            let label = ui.label("curve");
            egui::ComboBox::from_id_salt("chronus-map-curve")
                .selected_text(self.curve.short())
                .width(50.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.curve, Curve::Linear, "lin");
                    ui.selectable_value(&mut self.curve, Curve::Exponential, "exp");
                })
                .response
                .labelled_by(label.id);
            let ready = !self.target.is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Add mapping"))
                .on_hover_text("map this macro onto the param (needs a commit)")
                .clicked()
            {
                actions.push(MacroAction::Add(
                    MacroMapping::new(self.selected as u32 + 1, &self.target, self.min, self.max)
                        .with_curve(self.curve),
                ));
            }
        });
    }
}

fn mapping_row(
    ui: &mut Ui,
    doc: &Document,
    index: usize,
    m: &MacroMapping,
    inactive: &[InactiveMapping],
    actions: &mut Vec<MacroAction>,
) {
    ui.horizontal(|ui| {
        let at = format!("macros[{index}]");
        let why_inactive = inactive.iter().find(|i| i.at == at);
        let active = why_inactive.is_none();
        let unit = unit_of(doc, &m.target.to_string()).unwrap_or("");
        let range = match (m.min, m.max) {
            (Some(lo), Some(hi)) => format!("{} .. {} {unit}", trim(lo), trim(hi)),
            _ => "full range".to_owned(),
        };
        let text = format!(
            "{} -> {}  {range}  {}",
            m.source_label(),
            m.target,
            m.curve.short()
        );
        ui.label(RichText::new(text).color(if active { theme::TEXT } else { theme::TEXT_DIM }));
        if let Some(why) = why_inactive {
            ui.label(
                RichText::new(format!("inactive: no `{}`", m.target.module))
                    .small()
                    .color(theme::PENDING),
            )
            .on_hover_text(why.to_string());
        }
        if ui
            .small_button("Remove")
            .on_hover_text("remove this mapping (needs a commit)")
            .clicked()
        {
            actions.push(MacroAction::Remove(index));
        }
    });
}

/// Every numeric param of `doc` as `module.param`, with its range.
fn mappable_params(doc: &Document) -> Vec<(String, f32, f32)> {
    doc.patch
        .modules
        .iter()
        .filter_map(|m| modules::find(&m.kind).map(|k| (m, k)))
        .flat_map(|(m, k)| {
            k.params
                .iter()
                .filter(|p| p.unit != Unit::Choice)
                .map(move |p| (format!("{}.{}", m.id, p.name), p.min, p.max))
        })
        .collect()
}

fn unit_of(doc: &Document, target: &str) -> Option<&'static str> {
    let (module, param) = target.split_once('.')?;
    let kind = modules::find(&doc.patch.module(module)?.kind)?;
    let p = kind.param_index(param)?;
    Some(kind.params[p].unit.suffix())
}
