//! Output meters (peak and RMS per side, with a falling peak hold), the oscilloscope, and
//! the engine status line (active slot, revision, swaps, rejections, CPU share). The data
//! comes from the host, which reads it lock-free from the audio thread. GUI thread.

use egui::{
    Align2, Color32, CornerRadius, FontId, Pos2, Rect, RichText, Sense, Shape, Stroke, Ui, Vec2,
};

use super::theme;
use crate::host::{EngineStatus, Meters};

/// Lowest level the meters show, dBFS.
const FLOOR_DB: f32 = -60.0;
/// Highest level the meters show, dBFS.
const CEIL_DB: f32 = 6.0;
/// How fast the peak hold falls, dB per second.
const HOLD_FALL_DB_PER_S: f32 = 12.0;

/// Meter state between frames (peak hold).
#[derive(Debug, Clone)]
pub struct MetersPanel {
    /// Held peak per side, dBFS.
    hold_db: [f32; 2],
    /// Time of the last frame, seconds.
    last_time: f64,
}

impl Default for MetersPanel {
    /// No peak held yet: the hold marks rest at the floor (a window opened on silence
    /// shows none).
    fn default() -> Self {
        Self {
            hold_db: [FLOOR_DB; 2],
            last_time: 0.0,
        }
    }
}

/// A linear level in dBFS (floored).
pub fn to_db(level: f32) -> f32 {
    if level > 0.0 && level.is_finite() {
        (20.0 * level.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

impl MetersPanel {
    /// Shows the meters and scope for `meters`, and the status line for `status`.
    pub fn show(&mut self, ui: &mut Ui, meters: &Meters, status: &EngineStatus) {
        let now = ui.input(|i| i.time);
        let dt = (now - self.last_time).clamp(0.0, 1.0) as f32;
        self.last_time = now;
        for side in 0..2 {
            let peak = to_db(meters.peak[side]);
            self.hold_db[side] = (self.hold_db[side] - HOLD_FALL_DB_PER_S * dt)
                .max(peak)
                .max(FLOOR_DB);
        }
        ui.label(
            RichText::new("OUTPUT")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        ui.horizontal(|ui| {
            self.meter_pair(ui, meters);
            scope(ui, &meters.scope);
        });
        ui.add_space(4.0);
        status_line(ui, status);
    }

    fn meter_pair(&self, ui: &mut Ui, meters: &Meters) {
        let (rect, resp) = ui.allocate_exact_size(Vec2::new(64.0, 120.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(4), theme::SUNKEN);
        let y_of = |db: f32| {
            let t = (db - FLOOR_DB) / (CEIL_DB - FLOOR_DB);
            rect.bottom() - 4.0 - t.clamp(0.0, 1.0) * (rect.height() - 8.0)
        };
        for mark in [0.0, -12.0, -24.0, -48.0] {
            let y = y_of(mark);
            painter.line_segment(
                [
                    Pos2::new(rect.left() + 30.0, y),
                    Pos2::new(rect.right() - 4.0, y),
                ],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                Pos2::new(rect.left() + 26.0, y),
                Align2::RIGHT_CENTER,
                format!("{mark:.0}"),
                FontId::proportional(9.0),
                theme::TEXT_DIM,
            );
        }
        for side in 0..2 {
            let x0 = rect.left() + 33.0 + side as f32 * 14.0;
            let bar = |db: f32| {
                Rect::from_min_max(
                    Pos2::new(x0, y_of(db)),
                    Pos2::new(x0 + 10.0, y_of(FLOOR_DB)),
                )
            };
            let rms = to_db(meters.rms[side]);
            let peak = to_db(meters.peak[side]);
            painter.rect_filled(
                bar(peak),
                CornerRadius::same(2),
                level_colour(peak).gamma_multiply(0.35),
            );
            painter.rect_filled(bar(rms), CornerRadius::same(2), level_colour(rms));
            let hy = y_of(self.hold_db[side]);
            painter.line_segment(
                [Pos2::new(x0, hy), Pos2::new(x0 + 10.0, hy)],
                Stroke::new(2.0, level_colour(self.hold_db[side])),
            );
        }
        resp.on_hover_text(format!(
            "peak L {:.1} / R {:.1} dBFS, RMS L {:.1} / R {:.1} dBFS",
            to_db(meters.peak[0]),
            to_db(meters.peak[1]),
            to_db(meters.rms[0]),
            to_db(meters.rms[1])
        ));
    }
}

fn level_colour(db: f32) -> Color32 {
    if db > -1.0 {
        theme::BAD
    } else if db > -6.0 {
        theme::ACCENT
    } else {
        theme::OK
    }
}

fn scope(ui: &mut Ui, samples: &[f32]) {
    let width = ui.available_width().clamp(120.0, 420.0);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, 120.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(4), theme::SUNKEN);
    let mid = rect.center().y;
    painter.line_segment(
        [Pos2::new(rect.left(), mid), Pos2::new(rect.right(), mid)],
        Stroke::new(1.0, theme::GRID),
    );
    if samples.len() < 2 {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "no signal",
            FontId::proportional(11.0),
            theme::TEXT_DIM,
        );
        return;
    }
    let n = samples.len();
    let points: Vec<Pos2> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            };
            Pos2::new(
                rect.left() + 2.0 + (rect.width() - 4.0) * i as f32 / (n - 1) as f32,
                mid - s * (rect.height() * 0.5 - 4.0),
            )
        })
        .collect();
    painter.add(Shape::line(
        points,
        Stroke::new(
            1.5,
            theme::category_colour(chronus_engine::module::Category::Shaper),
        ),
    ));
}

/// Names slot 0 and 1 as a musician would (A/B).
fn slot_name(slot: u8) -> &'static str {
    if slot == 0 { "A" } else { "B" }
}

fn status_line(ui: &mut Ui, status: &EngineStatus) {
    let text = format!(
        "slot {} · revision {} · {} swap{} · {} rejected · CPU {:.1} % (max {:.1} %)",
        slot_name(status.active_slot),
        status.active_revision,
        status.swaps,
        if status.swaps == 1 { "" } else { "s" },
        status.rejections,
        status.cpu_mean * 100.0,
        status.cpu_max * 100.0
    );
    let colour = if status.cpu_max > 0.8 {
        theme::BAD
    } else {
        theme::TEXT_DIM
    };
    ui.label(RichText::new(text).small().color(colour));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_in_db() {
        assert_eq!(to_db(1.0), 0.0);
        assert!((to_db(0.5) + 6.0206).abs() < 1e-3);
        assert_eq!(to_db(0.0), FLOOR_DB);
        assert_eq!(to_db(f32::NAN), FLOOR_DB);
    }
}
