//! A rotary knob widget (drawn with the painter): drag up/down to turn, double-click to
//! reset, scroll for fine steps. Reports itself to accessibility as a slider with its
//! label, so tests and screen readers find it. GUI thread.

use std::f32::consts::PI;

use egui::{Color32, Pos2, Response, Sense, Shape, Stroke, Ui, Vec2, Widget, WidgetInfo};

use super::theme;

/// Sweep of the knob from 0 to 1, radians.
const SWEEP: f32 = 1.5 * PI;
/// Pixels of vertical drag for the whole range.
const DRAG_RANGE_PX: f32 = 160.0;

/// A knob over `value` in 0..1.
pub struct Knob<'a> {
    value: &'a mut f32,
    label: &'a str,
    colour: Color32,
    diameter: f32,
    default: f32,
}

impl<'a> Knob<'a> {
    /// A knob for `value` (0..1), labelled `label` for accessibility and tooltips.
    pub fn new(value: &'a mut f32, label: &'a str) -> Self {
        Self {
            value,
            label,
            colour: theme::ACCENT,
            diameter: 38.0,
            default: 0.0,
        }
    }

    /// The arc colour.
    pub fn colour(mut self, colour: Color32) -> Self {
        self.colour = colour;
        self
    }

    /// The knob's diameter in points.
    pub fn diameter(mut self, diameter: f32) -> Self {
        self.diameter = diameter;
        self
    }

    /// The value a double-click restores.
    pub fn default_value(mut self, default: f32) -> Self {
        self.default = default;
        self
    }
}

impl Widget for Knob<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let size = Vec2::splat(self.diameter);
        let (rect, mut response) = ui.allocate_exact_size(size, Sense::click_and_drag());
        let before = *self.value;
        if response.dragged() {
            let delta = -response.drag_delta().y / DRAG_RANGE_PX;
            let fine = if ui.input(|i| i.modifiers.shift) {
                0.1
            } else {
                1.0
            };
            *self.value = (*self.value + delta * fine).clamp(0.0, 1.0);
        }
        if response.double_clicked() {
            *self.value = self.default;
        }
        if response.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                *self.value = (*self.value + scroll / 2000.0).clamp(0.0, 1.0);
            }
        }
        if *self.value != before {
            response.mark_changed();
        }
        let value = f64::from(*self.value);
        let label = self.label.to_owned();
        response.widget_info(|| WidgetInfo::slider(true, value, label.clone()));

        if ui.is_rect_visible(rect) {
            let painter = ui.painter();
            let c = rect.center();
            let r = self.diameter * 0.5 - 2.0;
            let start = 0.75 * PI;
            let at = |t: f32, radius: f32| {
                let a = start + t * SWEEP;
                Pos2::new(c.x + radius * a.cos(), c.y + radius * a.sin())
            };
            let arc = |t0: f32, t1: f32, radius: f32| -> Vec<Pos2> {
                let n = 40;
                (0..=n)
                    .map(|i| at(t0 + (t1 - t0) * i as f32 / n as f32, radius))
                    .collect()
            };
            painter.add(Shape::line(
                arc(0.0, 1.0, r),
                Stroke::new(3.0, Color32::from_rgb(0x33, 0x38, 0x44)),
            ));
            if *self.value > 0.001 {
                painter.add(Shape::line(
                    arc(0.0, *self.value, r),
                    Stroke::new(3.0, self.colour),
                ));
            }
            let body = if response.hovered() || response.dragged() {
                Color32::from_rgb(0x3a, 0x40, 0x4d)
            } else {
                Color32::from_rgb(0x2e, 0x33, 0x3e)
            };
            painter.circle_filled(c, r - 5.0, body);
            painter.line_segment(
                [at(*self.value, r * 0.15), at(*self.value, r - 6.0)],
                Stroke::new(2.0, theme::TEXT),
            );
        }
        response.on_hover_text(format!("{}: {:.0} %", self.label, *self.value * 100.0))
    }
}
