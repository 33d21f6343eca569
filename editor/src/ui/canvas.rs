//! The node-graph canvas: module boxes with their ports, cables as bezier curves, and the
//! gestures on them (drag boxes, pan, zoom, drag from an output to an input to connect,
//! pick a cable up by its input end to move or drop it, click a cable to remove it).
//!
//! Drawing only: the canvas never edits the document. It reads it, and returns what the
//! user asked for as [`CanvasAction`]s, which the editor applies through the session (so
//! refusals come back with the engine's reason). Geometry in canvas units comes from
//! [`crate::model::layout`]; [`view`] maps it to the screen. GUI thread.

pub mod view;

use chronus_engine::module::Category;
use chronus_engine::modules;
use chronus_engine::patch::{ModuleId, Position};
use egui::epaint::CubicBezierShape;
use egui::{
    Align2, Color32, CornerRadius, FontId, Pos2, Rect, Role, Sense, Shape, Stroke, StrokeKind, Ui,
    Vec2, WidgetInfo,
};

use self::view::View;
use super::theme;
use crate::model::document::Document;
use crate::model::layout::NodeShape;

/// What the user did on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub enum CanvasAction {
    /// Select a module (or nothing).
    Select(Option<ModuleId>),
    /// Move a module's box.
    Move(ModuleId, Position),
    /// A box drag ended.
    EndMove,
    /// Connect output `from` to input `to`.
    Connect {
        /// `module.port` of the output.
        from: String,
        /// `module.port` of the input.
        to: String,
    },
    /// Remove the cable `from` -> `to`.
    Disconnect {
        /// `module.port` of the output.
        from: String,
        /// `module.port` of the input.
        to: String,
    },
    /// Move the input end of cable `from` -> `old_to` to `new_to`.
    Reconnect {
        /// `module.port` of the output.
        from: String,
        /// The input it left.
        old_to: String,
        /// The input it goes to.
        new_to: String,
    },
    /// Remove a module (Delete key on the selection).
    Remove(ModuleId),
}

/// A cable being drawn by the user.
#[derive(Debug, Clone)]
struct Wire {
    /// The end held fixed: `module.port`.
    fixed: String,
    /// Whether `fixed` is an output (the loose end looks for inputs) or an input.
    fixed_is_output: bool,
    /// The input end this cable was picked up from, if it was an existing cable.
    detached: Option<String>,
}

/// A message bubble shown on the canvas for a moment (a refused connection).
#[derive(Debug, Clone)]
struct Flash {
    text: String,
    at: Pos2,
    until: f64,
}

/// The canvas's own state between frames (view, gestures in progress).
#[derive(Debug, Clone, Default)]
pub struct Canvas {
    /// Pan and zoom.
    view: View,
    /// Whether the user panned or zoomed since the last fit. Until then the view
    /// follows the canvas size, refitting the whole patch when it changes (the panels
    /// settle over the first frames, and the host may resize the window).
    manual_view: bool,
    /// The canvas size the view was last fitted to.
    fitted_size: Option<Vec2>,
    /// A cable being drawn.
    wire: Option<Wire>,
    /// The box being dragged, where it was when grabbed (canvas units), and the press
    /// point (screen), so it follows the pointer exactly.
    dragging: Option<(ModuleId, Position, Pos2)>,
    /// A background pan in progress: the view offset when it began and the press point.
    panning: Option<(Vec2, Pos2)>,
    /// A message bubble.
    flash: Option<Flash>,
    /// The last pointer position over the canvas.
    last_pointer: Option<Pos2>,
    /// The screen rect of the last frame.
    rect: Option<Rect>,
}

/// One module box as laid out this frame.
struct NodeView<'a> {
    id: &'a ModuleId,
    kind_name: &'static str,
    category: Category,
    shape: NodeShape,
    /// Screen rect.
    rect: Rect,
}

impl NodeView<'_> {
    fn input_pos(&self, view: &View, i: usize) -> Pos2 {
        let a = self.shape.input_anchor(i);
        self.rect.min + Vec2::new(a.x, a.y) * view.zoom
    }

    fn output_pos(&self, view: &View, i: usize) -> Pos2 {
        let a = self.shape.output_anchor(i);
        self.rect.min + Vec2::new(a.x, a.y) * view.zoom
    }
}

/// Radius of a port circle at zoom 1.
const PORT_RADIUS: f32 = 5.0;
/// How close (screen points) the pointer must be to a port to snap a cable to it.
const SNAP_PX: f32 = 16.0;
/// How close the pointer must be to a cable to pick it.
const CABLE_PICK_PX: f32 = 6.0;
/// How long a refusal bubble stays, seconds.
const FLASH_SECONDS: f64 = 4.0;

impl Canvas {
    /// Fits the whole patch into view on the next frame.
    pub fn refit(&mut self) {
        self.manual_view = false;
        self.fitted_size = None;
    }

    /// The canvas point at the centre of the view (where palette additions go).
    pub fn centre(&self) -> Position {
        let rect = self
            .rect
            .unwrap_or(Rect::from_min_size(Pos2::ZERO, Vec2::splat(400.0)));
        let p = self.view.to_canvas(rect, rect.center());
        Position {
            x: p.x - crate::model::layout::NODE_WIDTH * 0.5,
            y: p.y - 40.0,
        }
    }

    /// Shows `text` in a red bubble where the last gesture ended.
    pub fn flash(&mut self, ui: &Ui, text: &str) {
        let at = self
            .last_pointer
            .or_else(|| self.rect.map(|r| r.center()))
            .unwrap_or_default();
        self.flash = Some(Flash {
            text: text.to_owned(),
            at,
            until: ui.input(|i| i.time) + FLASH_SECONDS,
        });
    }

    /// Draws `doc` (modules not in `playing` marked as not yet committed) and returns
    /// what the user did.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        playing: &Document,
        selected: Option<&ModuleId>,
    ) -> Vec<CanvasAction> {
        let mut actions = Vec::new();
        let (rect, bg) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        bg.widget_info(|| WidgetInfo::labeled(Role::Canvas, true, "patch canvas"));
        self.rect = Some(rect);
        let painter = ui.painter_at(rect);
        if !self.manual_view && rect.width() > 10.0 && self.fitted_size != Some(rect.size()) {
            self.view = View::fit(rect, doc);
            self.fitted_size = Some(rect.size());
        }
        let pointer = ui.input(|i| i.pointer.interact_pos().or(i.pointer.hover_pos()));
        if let Some(p) = pointer.filter(|p| rect.contains(*p)) {
            self.last_pointer = Some(p);
        }

        // Pan (following the pointer from where it was pressed) and zoom.
        let press = ui.input(|i| i.pointer.press_origin());
        if bg.drag_started()
            && let Some(origin) = press
        {
            self.panning = Some((self.view.offset, origin));
        }
        if bg.dragged()
            && self.wire.is_none()
            && let (Some((start, origin)), Some(p)) = (self.panning, pointer)
        {
            self.view.offset = start + (p - origin);
            self.manual_view = true;
        }
        if bg.drag_stopped() {
            self.panning = None;
        }
        if let Some(p) = pointer.filter(|p| rect.contains(*p)) {
            let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = pinch * (scroll * 0.0015).exp();
            if factor != 1.0 {
                self.view.zoom_about(rect, p, factor);
                self.manual_view = true;
            }
        }

        painter.rect_filled(rect, CornerRadius::ZERO, theme::CANVAS_BG);
        self.draw_grid(&painter, rect);

        let nodes = self.layout_nodes(doc, rect);

        // Cables, under the boxes.
        let hovered_cable = if bg.hovered() && self.wire.is_none() && self.dragging.is_none() {
            pointer.and_then(|p| self.pick_cable(doc, &nodes, p))
        } else {
            None
        };
        for (i, c) in doc.patch.connections.iter().enumerate() {
            let Some((a, b, colour)) = self.cable_ends(&nodes, c) else {
                continue;
            };
            let picked_up = self
                .wire
                .as_ref()
                .is_some_and(|w| w.detached.as_deref() == Some(&c.to.to_string()));
            if picked_up {
                continue;
            }
            let new = !playing.patch.connections.contains(c);
            let hovered = hovered_cable == Some(i);
            let width = if hovered { 4.0 } else { 2.5 } * self.view.zoom.sqrt();
            let colour = if hovered { theme::BAD } else { colour };
            draw_cable(&painter, a, b, colour, width, new);
        }
        if let Some(i) = hovered_cable {
            let c = &doc.patch.connections[i];
            bg.clone()
                .on_hover_text(format!("{} -> {}\nclick to disconnect", c.from, c.to));
        }
        if bg.clicked() {
            match hovered_cable {
                Some(i) => {
                    let c = &doc.patch.connections[i];
                    actions.push(CanvasAction::Disconnect {
                        from: c.from.to_string(),
                        to: c.to.to_string(),
                    });
                }
                None => actions.push(CanvasAction::Select(None)),
            }
        }

        // Boxes: interaction first (so ports, added after, take the pointer), then paint.
        for node in &nodes {
            let resp = ui.interact(
                node.rect,
                ui.scope_id().with(("chronus-node", node.id.as_str())),
                Sense::click_and_drag(),
            );
            let label = format!("{} ({})", node.id, node.kind_name);
            resp.widget_info(|| WidgetInfo::labeled(Role::Group, true, &label));
            if resp.clicked() || resp.drag_started() {
                actions.push(CanvasAction::Select(Some(node.id.clone())));
            }
            if resp.drag_started()
                && let Some(origin) = press
            {
                let at = doc.patch.layout.get(node.id).copied().unwrap_or_default();
                self.dragging = Some((node.id.clone(), at, origin));
            }
            if resp.dragged()
                && let (Some((id, start, origin)), Some(p)) = (&self.dragging, pointer)
                && id == node.id
            {
                let d = (p - *origin) / self.view.zoom;
                let at = Position {
                    x: start.x + d.x,
                    y: start.y + d.y,
                };
                actions.push(CanvasAction::Move(id.clone(), snap(at)));
            }
            if resp.drag_stopped() {
                self.dragging = None;
                actions.push(CanvasAction::EndMove);
            }
        }
        let mut hovered_port: Option<(String, bool)> = None;
        for node in &nodes {
            for (i, port) in node.shape.outputs.iter().enumerate() {
                let name = format!("{}.{}", node.id, port.name);
                let resp = self.port_widget(ui, node.output_pos(&self.view, i), &name);
                if resp.hovered() {
                    hovered_port = Some((name.clone(), true));
                }
                if resp.drag_started() {
                    self.wire = Some(Wire {
                        fixed: name,
                        fixed_is_output: true,
                        detached: None,
                    });
                }
            }
            for (i, port) in node.shape.inputs.iter().enumerate() {
                let name = format!("{}.{}", node.id, port.name);
                let resp = self.port_widget(ui, node.input_pos(&self.view, i), &name);
                if resp.hovered() {
                    hovered_port = Some((name.clone(), false));
                }
                if resp.drag_started() {
                    let cable = doc
                        .patch
                        .connections
                        .iter()
                        .find(|c| c.to.to_string() == name);
                    self.wire = Some(match cable {
                        Some(c) => Wire {
                            fixed: c.from.to_string(),
                            fixed_is_output: true,
                            detached: Some(name),
                        },
                        None => Wire {
                            fixed: name,
                            fixed_is_output: false,
                            detached: None,
                        },
                    });
                }
            }
        }

        for node in &nodes {
            let is_new = playing
                .patch
                .module(node.id.as_str())
                .is_none_or(|m| modules::find(&m.kind).map(|k| k.name) != Some(node.kind_name));
            self.draw_node(&painter, node, doc, selected == Some(node.id), is_new);
        }

        // The cable being drawn, and where it would land (the last known pointer position:
        // on release some backends report the pointer gone in the same frame).
        if let Some(wire) = self.wire.clone() {
            let pointer = pointer.or_else(|| ui.input(|i| i.pointer.latest_pos()));
            let target = pointer.and_then(|p| self.snap_port(&nodes, p, wire.fixed_is_output));
            let fixed_pos = port_pos(&nodes, &self.view, &wire.fixed, wire.fixed_is_output);
            if let (Some(fixed), Some(p)) = (fixed_pos, pointer) {
                let loose = target.as_ref().map_or(p, |(_, at)| *at);
                let colour = wire_colour(&nodes, &wire.fixed).unwrap_or(theme::ACCENT);
                let (a, b) = if wire.fixed_is_output {
                    (fixed, loose)
                } else {
                    (loose, fixed)
                };
                draw_cable(&painter, a, b, colour, 2.5 * self.view.zoom.sqrt(), false);
                if let Some((_, at)) = &target {
                    painter.circle_stroke(*at, 9.0, Stroke::new(2.0, theme::ACCENT));
                }
            }
            if !ui.input(|i| i.pointer.any_down()) {
                self.wire = None;
                let target = target.map(|(name, _)| name);
                actions.extend(finish_wire(wire, target));
            }
        }

        if let Some((name, output)) = &hovered_port
            && self.wire.is_none()
        {
            let doc_line = port_doc(&nodes, name, *output);
            let hint = if *output {
                "drag to an input to connect"
            } else {
                "drag from an output to here; drag the cable end away to disconnect"
            };
            ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
            egui::Tooltip::always_open(
                ui.ctx().clone(),
                ui.layer_id(),
                ui.scope_id().with("chronus-port-tip"),
                egui::PopupAnchor::Pointer,
            )
            .show(|ui| {
                ui.strong(name);
                if !doc_line.is_empty() {
                    ui.label(doc_line);
                }
                ui.weak(hint);
            });
        }

        // Delete removes the selected module.
        if let Some(id) = selected
            && !ui.ctx().egui_wants_keyboard_input()
            && ui.input(|i| i.key_pressed(egui::Key::Delete))
        {
            actions.push(CanvasAction::Remove(id.clone()));
        }

        self.draw_flash(ui, &painter);
        if doc.patch.modules.is_empty() {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "Empty patch: add modules from the palette",
                FontId::proportional(16.0),
                theme::TEXT_DIM,
            );
        }
        actions
    }

    fn port_widget(&self, ui: &Ui, at: Pos2, name: &str) -> egui::Response {
        let size = (PORT_RADIUS * 2.0 * self.view.zoom).max(12.0) + 4.0;
        let resp = ui.interact(
            Rect::from_center_size(at, Vec2::splat(size)),
            ui.scope_id().with(("chronus-port", name)),
            Sense::drag(),
        );
        resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, name));
        resp
    }

    fn layout_nodes<'a>(&self, doc: &'a Document, rect: Rect) -> Vec<NodeView<'a>> {
        doc.patch
            .modules
            .iter()
            .filter_map(|m| {
                let kind = modules::find(&m.kind)?;
                let shape = NodeShape::of(kind);
                let at = doc.patch.layout.get(&m.id).copied().unwrap_or_default();
                let (w, h) = shape.size();
                let min = self.view.to_screen(rect, Pos2::new(at.x, at.y));
                Some(NodeView {
                    id: &m.id,
                    kind_name: kind.name,
                    category: kind.category,
                    shape,
                    rect: Rect::from_min_size(min, Vec2::new(w, h) * self.view.zoom),
                })
            })
            .collect()
    }

    fn cable_ends(
        &self,
        nodes: &[NodeView],
        c: &chronus_engine::patch::Connection,
    ) -> Option<(Pos2, Pos2, Color32)> {
        let a = port_pos(nodes, &self.view, &c.from.to_string(), true)?;
        let b = port_pos(nodes, &self.view, &c.to.to_string(), false)?;
        let colour = wire_colour(nodes, &c.from.to_string())?;
        Some((a, b, colour))
    }

    fn pick_cable(&self, doc: &Document, nodes: &[NodeView], p: Pos2) -> Option<usize> {
        let mut best: Option<(usize, f32)> = None;
        for (i, c) in doc.patch.connections.iter().enumerate() {
            let Some((a, b, _)) = self.cable_ends(nodes, c) else {
                continue;
            };
            let points = bezier(a, b).flatten(Some(0.5));
            let d = points
                .windows(2)
                .map(|w| distance_to_segment(p, w[0], w[1]))
                .fold(f32::MAX, f32::min);
            if d <= CABLE_PICK_PX && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The port nearest `p` within snapping distance: inputs if `inputs`, else outputs.
    fn snap_port(&self, nodes: &[NodeView], p: Pos2, inputs: bool) -> Option<(String, Pos2)> {
        let mut best: Option<(String, Pos2, f32)> = None;
        for n in nodes {
            let ports = if inputs {
                &n.shape.inputs
            } else {
                &n.shape.outputs
            };
            for (i, port) in ports.iter().enumerate() {
                let at = if inputs {
                    n.input_pos(&self.view, i)
                } else {
                    n.output_pos(&self.view, i)
                };
                let d = at.distance(p);
                if d <= SNAP_PX && best.as_ref().is_none_or(|(_, _, bd)| d < *bd) {
                    best = Some((format!("{}.{}", n.id, port.name), at, d));
                }
            }
        }
        best.map(|(name, at, _)| (name, at))
    }

    fn draw_grid(&self, painter: &egui::Painter, rect: Rect) {
        let step = 40.0 * self.view.zoom;
        if step < 8.0 {
            return;
        }
        let origin = self.view.to_screen(rect, Pos2::ZERO);
        let mut x = rect.left() + (origin.x - rect.left()).rem_euclid(step);
        while x < rect.right() {
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                Stroke::new(1.0, theme::GRID),
            );
            x += step;
        }
        let mut y = rect.top() + (origin.y - rect.top()).rem_euclid(step);
        while y < rect.bottom() {
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                Stroke::new(1.0, theme::GRID),
            );
            y += step;
        }
    }

    fn draw_node(
        &self,
        painter: &egui::Painter,
        node: &NodeView,
        doc: &Document,
        selected: bool,
        is_new: bool,
    ) {
        let z = self.view.zoom;
        let r = node.rect;
        let radius = (7.0 * z).round().clamp(2.0, 255.0) as u8;
        let colour = theme::category_colour(node.category);
        painter.rect_filled(
            r.translate(Vec2::new(0.0, 4.0 * z)).expand(2.0 * z),
            CornerRadius::same(radius),
            Color32::from_black_alpha(90),
        );
        painter.rect_filled(r, CornerRadius::same(radius), theme::NODE_BODY);
        let header = Rect::from_min_size(
            r.min,
            Vec2::new(r.width(), crate::model::layout::HEADER_HEIGHT * z),
        );
        painter.rect_filled(
            header,
            CornerRadius {
                nw: radius,
                ne: radius,
                sw: 0,
                se: 0,
            },
            colour,
        );
        let (edge, width) = if selected {
            (theme::ACCENT, 2.0)
        } else if is_new {
            (theme::PENDING, 1.5)
        } else {
            (theme::NODE_EDGE, 1.0)
        };
        painter.rect_stroke(
            r,
            CornerRadius::same(radius),
            Stroke::new(width, edge),
            StrokeKind::Outside,
        );
        let pad = 8.0 * z;
        painter.text(
            header.left_center() + Vec2::new(pad, 0.0),
            Align2::LEFT_CENTER,
            node.id.as_str(),
            FontId::proportional(14.0 * z),
            theme::TITLE_TEXT,
        );
        let tag = if is_new {
            format!("{} · new", node.kind_name)
        } else {
            node.kind_name.to_owned()
        };
        painter.text(
            header.right_center() - Vec2::new(pad, 0.0),
            Align2::RIGHT_CENTER,
            tag,
            FontId::proportional(11.0 * z),
            Color32::from_black_alpha(170),
        );
        let show_labels = z >= 0.55;
        let font = FontId::proportional(11.5 * z);
        for (i, port) in node.shape.inputs.iter().enumerate() {
            let at = node.input_pos(&self.view, i);
            let name = format!("{}.{}", node.id, port.name);
            let driven = doc
                .patch
                .connections
                .iter()
                .any(|c| c.to.to_string() == name);
            let pr = if port.modulation { 3.8 } else { PORT_RADIUS } * z;
            let fill = if driven {
                colour_of_source(doc, &name)
            } else {
                theme::SUNKEN
            };
            painter.circle_filled(at, pr, fill);
            painter.circle_stroke(at, pr, Stroke::new(1.2, theme::TEXT_DIM));
            if show_labels {
                let text_colour = if port.modulation {
                    theme::TEXT_DIM
                } else {
                    theme::TEXT
                };
                let label = if port.modulation {
                    format!("~ {}", port.name)
                } else {
                    port.name.to_owned()
                };
                painter.text(
                    at + Vec2::new(pad + 2.0 * z, 0.0),
                    Align2::LEFT_CENTER,
                    label,
                    font.clone(),
                    text_colour,
                );
            }
        }
        for (i, port) in node.shape.outputs.iter().enumerate() {
            let at = node.output_pos(&self.view, i);
            painter.circle_filled(at, PORT_RADIUS * z, colour);
            painter.circle_stroke(at, PORT_RADIUS * z, Stroke::new(1.2, theme::TEXT));
            if show_labels {
                painter.text(
                    at - Vec2::new(pad + 2.0 * z, 0.0),
                    Align2::RIGHT_CENTER,
                    port.name,
                    font.clone(),
                    theme::TEXT,
                );
            }
        }
    }

    fn draw_flash(&mut self, ui: &Ui, painter: &egui::Painter) {
        let now = ui.input(|i| i.time);
        let Some(flash) = &self.flash else {
            return;
        };
        if now > flash.until {
            self.flash = None;
            return;
        }
        let galley = painter.layout(
            flash.text.clone(),
            FontId::proportional(13.0),
            Color32::WHITE,
            360.0,
        );
        let rect = Rect::from_min_size(
            flash.at + Vec2::new(14.0, 14.0),
            galley.size() + Vec2::splat(16.0),
        );
        let alpha = ((flash.until - now).min(0.5) / 0.5) as f32;
        painter.rect_filled(
            rect,
            CornerRadius::same(6),
            theme::BAD.gamma_multiply(0.92 * alpha),
        );
        painter.galley(rect.min + Vec2::splat(8.0), galley, Color32::WHITE);
        ui.ctx().request_repaint_after_secs(0.05);
    }
}

/// What releasing a wire on `target` (or on nothing) means.
fn finish_wire(wire: Wire, target: Option<String>) -> Vec<CanvasAction> {
    match (wire.fixed_is_output, wire.detached, target) {
        (true, Some(old), Some(new)) if old == new => Vec::new(),
        (true, Some(old), Some(new)) => vec![CanvasAction::Reconnect {
            from: wire.fixed,
            old_to: old,
            new_to: new,
        }],
        (true, Some(old), None) => vec![CanvasAction::Disconnect {
            from: wire.fixed,
            to: old,
        }],
        (true, None, Some(to)) => vec![CanvasAction::Connect {
            from: wire.fixed,
            to,
        }],
        (false, _, Some(from)) => vec![CanvasAction::Connect {
            from,
            to: wire.fixed,
        }],
        (_, _, None) => Vec::new(),
    }
}

/// Snaps a box position to a 4-unit grid so boxes line up.
fn snap(p: Position) -> Position {
    Position {
        x: (p.x / 4.0).round() * 4.0,
        y: (p.y / 4.0).round() * 4.0,
    }
}

fn port_pos(nodes: &[NodeView], view: &View, name: &str, output: bool) -> Option<Pos2> {
    let (module, port) = name.split_once('.')?;
    let n = nodes.iter().find(|n| n.id.as_str() == module)?;
    if output {
        n.shape.output_index(port).map(|i| n.output_pos(view, i))
    } else {
        n.shape.input_index(port).map(|i| n.input_pos(view, i))
    }
}

fn port_doc(nodes: &[NodeView], name: &str, output: bool) -> &'static str {
    let Some((module, port)) = name.split_once('.') else {
        return "";
    };
    let Some(n) = nodes.iter().find(|n| n.id.as_str() == module) else {
        return "";
    };
    let ports = if output {
        &n.shape.outputs
    } else {
        &n.shape.inputs
    };
    ports.iter().find(|p| p.name == port).map_or("", |p| p.doc)
}

fn wire_colour(nodes: &[NodeView], source: &str) -> Option<Color32> {
    let module = source.split('.').next()?;
    nodes
        .iter()
        .find(|n| n.id.as_str() == module)
        .map(|n| theme::category_colour(n.category))
}

fn colour_of_source(doc: &Document, input: &str) -> Color32 {
    doc.patch
        .connections
        .iter()
        .find(|c| c.to.to_string() == input)
        .and_then(|c| doc.patch.module(c.from.module.as_str()))
        .and_then(|m| modules::find(&m.kind))
        .map_or(theme::TEXT_DIM, |k| theme::category_colour(k.category))
}

fn bezier(a: Pos2, b: Pos2) -> CubicBezierShape {
    let dx = ((b.x - a.x).abs() * 0.5).max(40.0);
    CubicBezierShape::from_points_stroke(
        [a, a + Vec2::new(dx, 0.0), b - Vec2::new(dx, 0.0), b],
        false,
        Color32::TRANSPARENT,
        Stroke::NONE,
    )
}

fn draw_cable(
    painter: &egui::Painter,
    a: Pos2,
    b: Pos2,
    colour: Color32,
    width: f32,
    dashed: bool,
) {
    let curve = bezier(a, b);
    if dashed {
        let points = curve.flatten(Some(0.5));
        painter.extend(Shape::dashed_line(
            &points,
            Stroke::new(width, colour),
            8.0,
            5.0,
        ));
    } else {
        painter.add(Shape::line(
            curve.flatten(Some(0.3)),
            Stroke::new(width + 2.5, Color32::from_black_alpha(80)),
        ));
        painter.add(Shape::line(
            curve.flatten(Some(0.3)),
            Stroke::new(width, colour),
        ));
    }
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let len2 = ab.length_sq();
    if len2 == 0.0 {
        return p.distance(a);
    }
    let t = ((p - a).dot(ab) / len2).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(fixed: &str, out: bool, detached: Option<&str>) -> Wire {
        Wire {
            fixed: fixed.into(),
            fixed_is_output: out,
            detached: detached.map(str::to_owned),
        }
    }

    #[test]
    fn releasing_a_wire_means_connect_reconnect_disconnect_or_nothing() {
        assert_eq!(
            finish_wire(wire("a.out", true, None), Some("b.in".into())),
            [CanvasAction::Connect {
                from: "a.out".into(),
                to: "b.in".into()
            }]
        );
        assert_eq!(
            finish_wire(wire("b.in", false, None), Some("a.out".into())),
            [CanvasAction::Connect {
                from: "a.out".into(),
                to: "b.in".into()
            }]
        );
        assert_eq!(
            finish_wire(wire("a.out", true, Some("b.in")), None),
            [CanvasAction::Disconnect {
                from: "a.out".into(),
                to: "b.in".into()
            }]
        );
        assert_eq!(
            finish_wire(wire("a.out", true, Some("b.in")), Some("c.in".into())),
            [CanvasAction::Reconnect {
                from: "a.out".into(),
                old_to: "b.in".into(),
                new_to: "c.in".into()
            }]
        );
        assert!(finish_wire(wire("a.out", true, Some("b.in")), Some("b.in".into())).is_empty());
        assert!(finish_wire(wire("a.out", true, None), None).is_empty());
    }

    #[test]
    fn segment_distance() {
        let d = distance_to_segment(
            Pos2::new(5.0, 3.0),
            Pos2::new(0.0, 0.0),
            Pos2::new(10.0, 0.0),
        );
        assert!((d - 3.0).abs() < 1e-6);
        let d = distance_to_segment(
            Pos2::new(-4.0, 3.0),
            Pos2::new(0.0, 0.0),
            Pos2::new(10.0, 0.0),
        );
        assert!((d - 5.0).abs() < 1e-6);
    }
}
