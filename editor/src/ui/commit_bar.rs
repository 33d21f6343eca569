//! The commit bar: undo/redo, auto-commit, what is pending (with the list of changes),
//! Commit and Abort, the last commit's outcome (green when swapped, with prime time and
//! latency; red with the engine's reason when rejected, while the old patch plays on),
//! and the last refused edit. Drawing only: it returns [`BarAction`]s. GUI thread.

use egui::{Button, RichText, Ui};

use super::theme;
use crate::host::CommitOutcome;
use crate::model::diff::Change;
use crate::model::session::{Notice, Session};

/// What the user did in the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarAction {
    /// Undo.
    Undo,
    /// Redo.
    Redo,
    /// Commit the pending patch.
    Commit,
    /// Throw pending edits away.
    Abort,
    /// Turn auto-commit on or off.
    AutoCommit(bool),
    /// Dismiss the notice.
    DismissNotice,
}

/// Shows the bar for `session`.
pub fn show(ui: &mut Ui, session: &Session) -> Vec<BarAction> {
    let mut actions = Vec::new();
    ui.horizontal(|ui| {
        let undo = ui.add_enabled(session.undo_label().is_some(), Button::new("Undo"));
        let undo = match session.undo_label() {
            Some(l) => undo.on_hover_text(format!("undo {l} (Ctrl+Z)")),
            None => undo,
        };
        if undo.clicked() {
            actions.push(BarAction::Undo);
        }
        let redo = ui.add_enabled(session.redo_label().is_some(), Button::new("Redo"));
        let redo = match session.redo_label() {
            Some(l) => redo.on_hover_text(format!("redo {l} (Ctrl+Shift+Z)")),
            None => redo,
        };
        if redo.clicked() {
            actions.push(BarAction::Redo);
        }
        ui.separator();
        let mut auto = session.auto_commit();
        if ui
            .checkbox(&mut auto, "Auto-commit")
            .on_hover_text("commit every edit as it is made")
            .changed()
        {
            actions.push(BarAction::AutoCommit(auto));
        }
        ui.separator();

        let pending = session.is_pending();
        let valid = session.validity();
        let commit = Button::new(RichText::new("Commit").strong().color(if pending {
            theme::TITLE_TEXT
        } else {
            theme::TEXT_DIM
        }))
        .fill(if pending && valid.is_ok() {
            theme::OK
        } else {
            ui.visuals().widgets.inactive.bg_fill
        });
        let commit = ui.add_enabled(pending, commit);
        let commit = match valid {
            Err(why) => commit.on_disabled_hover_text(why).on_hover_text(why),
            Ok(()) => commit.on_hover_text("swap the pending patch in (click-free)"),
        };
        if commit.clicked() {
            actions.push(BarAction::Commit);
        }
        let abort = ui.add_enabled(pending || session.is_committing(), Button::new("Abort"));
        if abort
            .on_hover_text("throw pending edits away; the playing patch is untouched")
            .clicked()
        {
            actions.push(BarAction::Abort);
        }

        if pending {
            let n = session.changes().len();
            let text = format!("{n} change{} pending", if n == 1 { "" } else { "s" });
            dot(ui, theme::PENDING);
            ui.label(RichText::new(text).color(theme::PENDING).strong());
        } else if session.is_committing() {
            dot(ui, theme::PENDING);
            ui.label(RichText::new("commit sent, waiting for the engine").color(theme::PENDING));
        } else {
            dot(ui, theme::OK);
            ui.label(RichText::new("in sync: what you see plays").color(theme::TEXT_DIM));
        }
    });

    if session.is_pending() {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing = egui::vec2(6.0, 4.0);
            for change in session.changes().iter().take(12) {
                chip(ui, change);
            }
            if session.changes().len() > 12 {
                ui.label(
                    RichText::new(format!("and {} more", session.changes().len() - 12))
                        .color(theme::TEXT_DIM),
                );
            }
        });
        if let Err(why) = session.validity() {
            ui.label(
                RichText::new(format!("cannot commit: {why}"))
                    .color(theme::BAD)
                    .small(),
            );
        }
    }

    if let Some(shown) = session.outcome() {
        let rev = shown
            .revision
            .map_or_else(String::new, |r| format!(" (revision {r})"));
        let (colour, text) = match &shown.outcome {
            CommitOutcome::Pending => (theme::PENDING, format!("priming commit{rev}…")),
            CommitOutcome::Swapped {
                prime_ms,
                latency_ms,
                latency_samples,
            } => (
                theme::OK,
                format!(
                    "swapped{rev}: primed in {prime_ms:.2} ms, playing {latency_ms:.1} ms \
                     ({latency_samples} samples) after commit"
                ),
            ),
            CommitOutcome::Rejected { reason } => (
                theme::BAD,
                format!("rejected{rev}: {reason} (the previous patch plays on)"),
            ),
            CommitOutcome::Superseded => (
                theme::TEXT_DIM,
                format!("commit{rev} superseded by a newer one"),
            ),
            CommitOutcome::Aborted => (theme::TEXT_DIM, format!("commit{rev} aborted")),
        };
        ui.horizontal(|ui| {
            dot(ui, colour);
            ui.label(RichText::new(text).color(colour));
        });
    }

    if let Some(notice) = session.notice() {
        ui.horizontal(|ui| {
            let (colour, text) = match notice {
                Notice::Refused(why) => (theme::BAD, format!("refused: {why}")),
                Notice::Info(text) => (theme::TEXT_DIM, text.clone()),
            };
            ui.label(RichText::new(text).color(colour));
            if ui
                .small_button("Dismiss")
                .on_hover_text("hide this message")
                .clicked()
            {
                actions.push(BarAction::DismissNotice);
            }
        });
    }
    actions
}

/// One pending change as a chip: additions green, removals red, param changes plain.
fn chip(ui: &mut Ui, change: &Change) {
    let colour = match change {
        Change::ModuleAdded { .. } | Change::CableAdded(_) | Change::MappingAdded(_) => theme::OK,
        Change::ModuleRemoved { .. } | Change::CableRemoved(_) | Change::MappingRemoved(_) => {
            theme::BAD
        }
        Change::ParamChanged { .. } => theme::TEXT,
    };
    egui::Frame::new()
        .fill(theme::SUNKEN)
        .corner_radius(egui::CornerRadius::same(4))
        .inner_margin(egui::Margin::symmetric(7, 2))
        .stroke(egui::Stroke::new(1.0, colour.gamma_multiply(0.4)))
        .show(ui, |ui| {
            ui.label(RichText::new(change.to_string()).color(colour));
        });
}

/// A small coloured status dot.
fn dot(ui: &mut Ui, colour: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.5, colour);
}
