//! The canvas view: pan and zoom, mapping canvas units (where the layout lives) to
//! screen points and back, and fitting a patch into a rect. GUI thread.

use egui::{Pos2, Rect, Vec2};

use crate::model::document::Document;
use crate::model::layout::module_height;

/// Smallest zoom.
pub const MIN_ZOOM: f32 = 0.25;
/// Largest zoom.
pub const MAX_ZOOM: f32 = 2.5;

/// Pan and zoom: `screen = rect.min + offset + canvas * zoom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Screen offset of the canvas origin from the canvas rect's top-left.
    pub offset: Vec2,
    /// Screen points per canvas unit.
    pub zoom: f32,
}

impl Default for View {
    fn default() -> Self {
        Self {
            offset: Vec2::new(40.0, 40.0),
            zoom: 1.0,
        }
    }
}

impl View {
    /// Canvas point `p` on screen.
    pub fn to_screen(&self, rect: Rect, p: Pos2) -> Pos2 {
        rect.min + self.offset + p.to_vec2() * self.zoom
    }

    /// Screen point `s` in canvas units.
    pub fn to_canvas(&self, rect: Rect, s: Pos2) -> Pos2 {
        ((s - rect.min - self.offset) / self.zoom).to_pos2()
    }

    /// Zooms by `factor`, keeping the canvas point under screen point `at` in place.
    pub fn zoom_about(&mut self, rect: Rect, at: Pos2, factor: f32) {
        let fixed = self.to_canvas(rect, at);
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        self.offset = at - rect.min - fixed.to_vec2() * self.zoom;
    }

    /// A view showing every box of `doc` inside `rect` with a margin, no larger than 1:1.
    pub fn fit(rect: Rect, doc: &Document) -> Self {
        let mut bounds = Rect::NOTHING;
        for (id, p) in &doc.patch.layout {
            let size = Vec2::new(
                crate::model::layout::NODE_WIDTH,
                module_height(&doc.patch, id),
            );
            bounds = bounds.union(Rect::from_min_size(Pos2::new(p.x, p.y), size));
        }
        if !bounds.is_positive() {
            return Self::default();
        }
        let margin = 40.0;
        let zoom = ((rect.width() - 2.0 * margin) / bounds.width())
            .min((rect.height() - 2.0 * margin) / bounds.height())
            .clamp(MIN_ZOOM, 1.0);
        let offset = rect.size() * 0.5 - bounds.center().to_vec2() * zoom;
        Self { offset, zoom }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_canvas_round_trip_and_zoom_keeps_the_point() {
        let rect = Rect::from_min_size(Pos2::new(100.0, 50.0), Vec2::new(800.0, 600.0));
        let mut v = View::default();
        let p = Pos2::new(33.0, -12.0);
        let s = v.to_screen(rect, p);
        assert!((v.to_canvas(rect, s) - p).length() < 1e-4);
        let at = Pos2::new(400.0, 300.0);
        let under = v.to_canvas(rect, at);
        v.zoom_about(rect, at, 1.7);
        assert!((v.to_canvas(rect, at) - under).length() < 1e-3);
        v.zoom_about(rect, at, 100.0);
        assert_eq!(v.zoom, MAX_ZOOM);
    }

    #[test]
    fn fit_shows_every_box() {
        let doc = crate::model::presets::default_document();
        let rect = Rect::from_min_size(Pos2::ZERO, Vec2::new(600.0, 400.0));
        let v = View::fit(rect, &doc);
        for (id, p) in &doc.patch.layout {
            let h = module_height(&doc.patch, id);
            let a = v.to_screen(rect, Pos2::new(p.x, p.y));
            let b = v.to_screen(
                rect,
                Pos2::new(p.x + crate::model::layout::NODE_WIDTH, p.y + h),
            );
            assert!(rect.contains(a) && rect.contains(b), "{id} at {a:?}..{b:?}");
        }
    }
}
