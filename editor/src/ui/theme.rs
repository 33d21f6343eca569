//! The editor's look: one dark palette for every panel, category colours for module boxes
//! and cables, and the egui style built from them. GUI thread.

use chronus_engine::module::Category;
use egui::{Color32, CornerRadius, FontId, Stroke, Visuals};

/// Window background behind the canvas grid.
pub const CANVAS_BG: Color32 = Color32::from_rgb(0x14, 0x16, 0x1b);
/// Canvas grid lines.
pub const GRID: Color32 = Color32::from_rgb(0x1d, 0x20, 0x27);
/// Side panels.
pub const PANEL_BG: Color32 = Color32::from_rgb(0x1b, 0x1e, 0x24);
/// Sunken fields (meters, scope, text boxes).
pub const SUNKEN: Color32 = Color32::from_rgb(0x10, 0x12, 0x16);
/// Module box body.
pub const NODE_BODY: Color32 = Color32::from_rgb(0x26, 0x2a, 0x33);
/// Module box outline.
pub const NODE_EDGE: Color32 = Color32::from_rgb(0x38, 0x3e, 0x4a);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xdc, 0xdf, 0xe6);
/// Secondary text.
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x8a, 0x91, 0x9e);
/// Selection and focus.
pub const ACCENT: Color32 = Color32::from_rgb(0xf2, 0xc1, 0x4e);
/// Good news (swapped, valid).
pub const OK: Color32 = Color32::from_rgb(0x5c, 0xcf, 0x7c);
/// Bad news (rejected, refused).
pub const BAD: Color32 = Color32::from_rgb(0xf0, 0x5d, 0x5e);
/// Something waits (pending edits, priming).
pub const PENDING: Color32 = Color32::from_rgb(0xf2, 0x9b, 0x38);

/// The colour of a module category (box title bars, cables from its outputs).
pub fn category_colour(category: Category) -> Color32 {
    match category {
        Category::Source => Color32::from_rgb(0xe8, 0x8a, 0x3d),
        Category::Shaper => Color32::from_rgb(0x3d, 0xbf, 0xa8),
        Category::Filter => Color32::from_rgb(0xa0, 0x7a, 0xf0),
        Category::Time => Color32::from_rgb(0x4d, 0x9d, 0xe8),
        Category::Io => Color32::from_rgb(0x9a, 0xa8, 0xb8),
        Category::Test => Color32::from_rgb(0xe0, 0x50, 0x50),
    }
}

/// Text on a category-coloured title bar.
pub const TITLE_TEXT: Color32 = Color32::from_rgb(0x12, 0x14, 0x18);

/// A small heading font.
pub fn heading() -> FontId {
    FontId::proportional(15.0)
}

/// A section label font.
pub fn small() -> FontId {
    FontId::proportional(11.5)
}

/// Installs the editor's dark style on `ctx` (both egui themes, so a host preferring
/// light still gets the editor's look).
pub fn apply(ctx: &egui::Context) {
    ctx.set_visuals_of(egui::Theme::Dark, visuals());
    ctx.set_visuals_of(egui::Theme::Light, visuals());
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
        style.spacing.slider_width = 150.0;
        style.spacing.interact_size.y = 22.0;
    });
}

fn visuals() -> Visuals {
    let mut v = Visuals::dark();
    let radius = CornerRadius::same(5);
    v.panel_fill = PANEL_BG;
    v.window_fill = PANEL_BG;
    v.extreme_bg_color = SUNKEN;
    v.faint_bg_color = Color32::from_rgb(0x21, 0x24, 0x2b);
    v.window_stroke = Stroke::new(1.0, NODE_EDGE);
    v.window_corner_radius = CornerRadius::same(8);
    v.hyperlink_color = ACCENT;
    v.warn_fg_color = PENDING;
    v.error_fg_color = BAD;
    v.selection.bg_fill = Color32::from_rgb(0x6b, 0x55, 0x1f);
    v.selection.stroke = Stroke::new(1.0, ACCENT);
    v.slider_trailing_fill = true;
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = PANEL_BG;
    w.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0x2c, 0x31, 0x3a));
    w.noninteractive.fg_stroke = Stroke::new(1.0, TEXT);
    w.inactive.bg_fill = Color32::from_rgb(0x2b, 0x30, 0x3a);
    w.inactive.weak_bg_fill = Color32::from_rgb(0x2b, 0x30, 0x3a);
    w.inactive.fg_stroke = Stroke::new(1.0, TEXT);
    w.hovered.bg_fill = Color32::from_rgb(0x36, 0x3c, 0x48);
    w.hovered.weak_bg_fill = Color32::from_rgb(0x36, 0x3c, 0x48);
    w.hovered.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0x5a, 0x62, 0x72));
    w.active.bg_fill = Color32::from_rgb(0x44, 0x4b, 0x5a);
    w.active.weak_bg_fill = Color32::from_rgb(0x44, 0x4b, 0x5a);
    w.active.bg_stroke = Stroke::new(1.0, ACCENT);
    for wv in [
        &mut w.noninteractive,
        &mut w.inactive,
        &mut w.hovered,
        &mut w.active,
        &mut w.open,
    ] {
        wv.corner_radius = radius;
    }
    v
}
