//! Where modules sit on the canvas and what their boxes look like in canvas units: the
//! ports of a kind in drawing order ([`NodeShape`]), box sizes, port anchor points, and an
//! automatic layout for patches without positions (columns by signal depth, left to
//! right). Pure geometry, no drawing: the canvas scales these by its zoom. GUI thread.

use std::collections::BTreeMap;

use chronus_engine::Patch;
use chronus_engine::module::{KindSpec, Modulation};
use chronus_engine::modules;
use chronus_engine::patch::{ModuleId, Position};

/// Width of every module box.
pub const NODE_WIDTH: f32 = 172.0;
/// Height of a box's title bar.
pub const HEADER_HEIGHT: f32 = 30.0;
/// Height of one port row.
pub const ROW_HEIGHT: f32 = 19.0;
/// Space below the last port row.
pub const FOOTER_HEIGHT: f32 = 8.0;
/// Horizontal space between auto-layout columns.
pub const COLUMN_GAP: f32 = 80.0;
/// Vertical space between boxes in an auto-layout column.
pub const ROW_GAP: f32 = 26.0;

/// One port of a module box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortInfo {
    /// Port name as used in `module.port`.
    pub name: &'static str,
    /// Whether this input is a param's modulation port rather than a signal input.
    pub modulation: bool,
    /// One line for tooltips.
    pub doc: &'static str,
}

/// The ports of a kind, in drawing order: signal inputs then modulatable params on the
/// left, outputs on the right.
#[derive(Debug, Clone)]
pub struct NodeShape {
    /// The kind.
    pub kind: &'static KindSpec,
    /// Left-hand ports.
    pub inputs: Vec<PortInfo>,
    /// Right-hand ports.
    pub outputs: Vec<PortInfo>,
}

impl NodeShape {
    /// The box of a module of `kind`.
    pub fn of(kind: &'static KindSpec) -> Self {
        let inputs = kind
            .inputs
            .iter()
            .map(|i| PortInfo {
                name: i.name,
                modulation: false,
                doc: i.doc,
            })
            .chain(
                kind.params
                    .iter()
                    .filter(|p| p.modulation != Modulation::None)
                    .map(|p| PortInfo {
                        name: p.name,
                        modulation: true,
                        doc: p.doc,
                    }),
            )
            .collect();
        let outputs = kind
            .outputs
            .iter()
            .map(|o| PortInfo {
                name: o.name,
                modulation: false,
                doc: o.doc,
            })
            .collect();
        Self {
            kind,
            inputs,
            outputs,
        }
    }

    /// The box of module kind `kind_name` (name or alias), if the library has it.
    pub fn of_name(kind_name: &str) -> Option<Self> {
        modules::find(kind_name).map(Self::of)
    }

    /// Box width and height.
    pub fn size(&self) -> (f32, f32) {
        let rows = self.inputs.len().max(self.outputs.len()).max(1);
        (
            NODE_WIDTH,
            HEADER_HEIGHT + rows as f32 * ROW_HEIGHT + FOOTER_HEIGHT,
        )
    }

    /// Offset of input `i`'s anchor from the box's top-left corner.
    pub fn input_anchor(&self, i: usize) -> Position {
        Position {
            x: 0.0,
            y: row_centre(i),
        }
    }

    /// Offset of output `i`'s anchor from the box's top-left corner.
    pub fn output_anchor(&self, i: usize) -> Position {
        Position {
            x: NODE_WIDTH,
            y: row_centre(i),
        }
    }

    /// Index of the input port called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        let canonical = self
            .kind
            .param_index(name)
            .map(|p| self.kind.params[p].name)
            .unwrap_or(name);
        self.inputs.iter().position(|p| p.name == canonical)
    }

    /// Index of the output port called `name`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.name == name)
    }
}

fn row_centre(i: usize) -> f32 {
    HEADER_HEIGHT + (i as f32 + 0.5) * ROW_HEIGHT
}

/// Positions for every module of `patch`, in columns by signal depth (a module sits one
/// column right of the deepest module feeding it, feedback through delayed outputs
/// ignored), stacked in file order within a column.
pub fn auto_layout(patch: &Patch) -> BTreeMap<ModuleId, Position> {
    let n = patch.modules.len();
    let index = |id: &ModuleId| patch.modules.iter().position(|m| &m.id == id);
    let mut depth = vec![0usize; n];
    // Longest-path relaxation, bounded: n rounds reach every acyclic path; cycles
    // (through delays, or invalid ones) simply stop growing at the bound.
    for _ in 0..n {
        let mut changed = false;
        for c in &patch.connections {
            let (Some(from), Some(to)) = (index(&c.from.module), index(&c.to.module)) else {
                continue;
            };
            let delayed = modules::find(&patch.modules[from].kind).is_some_and(|k| {
                let port = c.from.port.as_deref().unwrap_or("out");
                k.outputs.iter().any(|o| o.name == port && o.delayed)
            });
            if from == to || delayed {
                continue;
            }
            if depth[to] < depth[from] + 1 && depth[from] + 1 < n.max(1) {
                depth[to] = depth[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut next_y: BTreeMap<usize, f32> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (i, m) in patch.modules.iter().enumerate() {
        let height = NodeShape::of_name(&m.kind).map_or(HEADER_HEIGHT, |s| s.size().1);
        let y = next_y.entry(depth[i]).or_insert(0.0);
        out.insert(
            m.id.clone(),
            Position {
                x: depth[i] as f32 * (NODE_WIDTH + COLUMN_GAP),
                y: *y,
            },
        );
        *y += height + ROW_GAP;
    }
    out
}

/// Gives every module of `patch` without a position one, keeping the positions it has;
/// drops positions of modules that are not in the patch. Returns whether anything
/// changed.
pub fn complete_layout(patch: &mut Patch) -> bool {
    let before = patch.layout.clone();
    let ids: Vec<ModuleId> = patch.modules.iter().map(|m| m.id.clone()).collect();
    patch.layout.retain(|id, _| ids.contains(id));
    let missing: Vec<&ModuleId> = ids
        .iter()
        .filter(|id| !patch.layout.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        let auto = auto_layout(patch);
        if patch.layout.is_empty() {
            patch.layout = auto;
        } else {
            // Place the newcomers in their auto columns, below everything already placed.
            let below = patch
                .layout
                .iter()
                .map(|(id, p)| p.y + module_height(patch, id))
                .fold(f32::MIN, f32::max)
                + ROW_GAP * 2.0;
            let top = missing
                .iter()
                .map(|id| auto[*id].y)
                .fold(f32::MAX, f32::min);
            let placed: Vec<(ModuleId, Position)> = missing
                .iter()
                .map(|id| {
                    let p = auto[*id];
                    (
                        (*id).clone(),
                        Position {
                            x: p.x,
                            y: p.y - top + below,
                        },
                    )
                })
                .collect();
            patch.layout.extend(placed);
        }
    }
    patch.layout != before
}

/// The height of module `id`'s box (a title bar alone when its kind is unknown).
pub fn module_height(patch: &Patch, id: &ModuleId) -> f32 {
    patch
        .module(id.as_str())
        .and_then(|m| NodeShape::of_name(&m.kind))
        .map_or(HEADER_HEIGHT, |s| s.size().1)
}

/// A spot near `near` where a new box of `height` overlaps no box of `patch`: `near`
/// itself, or stepped down and right until free (bounded).
pub fn free_spot(patch: &Patch, near: Position, height: f32) -> Position {
    let overlaps = |p: Position| {
        patch.layout.iter().any(|(id, q)| {
            let h = module_height(patch, id);
            p.x < q.x + NODE_WIDTH && q.x < p.x + NODE_WIDTH && p.y < q.y + h && q.y < p.y + height
        })
    };
    let mut p = near;
    for _ in 0..64 {
        if !overlaps(p) {
            return p;
        }
        p.x += 24.0;
        p.y += 24.0;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(json: &str) -> Patch {
        Patch::from_json(json).unwrap()
    }

    const CHAIN: &str = r#"{ "format": 1, "modules": [
        { "id": "out", "kind": "output" },
        { "id": "filt1", "kind": "biquad" },
        { "id": "env1", "kind": "adsr" },
        { "id": "osc1", "kind": "sine" } ],
      "connections": [
        { "from": "osc1.out", "to": "env1.in" }, { "from": "env1.out", "to": "filt1.in" },
        { "from": "filt1.out", "to": "out.in" } ] }"#;

    #[test]
    fn auto_layout_puts_the_chain_left_to_right() {
        let p = patch(CHAIN);
        let at = auto_layout(&p);
        let x = |id: &str| at[&ModuleId::from(id)].x;
        assert!(x("osc1") < x("env1"));
        assert!(x("env1") < x("filt1"));
        assert!(x("filt1") < x("out"));
    }

    #[test]
    fn feedback_through_a_delay_keeps_the_layout_finite() {
        let p = patch(
            r#"{ "format": 1, "modules": [
                { "id": "osc1", "kind": "sine" }, { "id": "mix", "kind": "mixer" },
                { "id": "echo", "kind": "delay" }, { "id": "out", "kind": "output" } ],
              "connections": [
                { "from": "osc1", "to": "mix.in1" }, { "from": "mix", "to": "echo.in" },
                { "from": "echo.wet", "to": "mix.in2" }, { "from": "mix", "to": "out" } ] }"#,
        );
        let at = auto_layout(&p);
        assert!(at.values().all(|p| p.x.is_finite() && p.y.is_finite()));
        assert!(at[&ModuleId::from("echo")].x > at[&ModuleId::from("mix")].x);
    }

    #[test]
    fn completing_keeps_given_positions_and_places_newcomers_below() {
        let mut p = patch(CHAIN);
        p.layout
            .insert(ModuleId::from("osc1"), Position { x: 500.0, y: 40.0 });
        assert!(complete_layout(&mut p));
        assert_eq!(
            p.layout[&ModuleId::from("osc1")],
            Position { x: 500.0, y: 40.0 }
        );
        assert_eq!(p.layout.len(), 4);
        let osc_bottom = 40.0 + module_height(&p, &ModuleId::from("osc1"));
        for id in ["env1", "filt1", "out"] {
            assert!(p.layout[&ModuleId::from(id)].y > osc_bottom, "{id}");
        }
        assert!(!complete_layout(&mut p), "already complete");
    }

    #[test]
    fn shapes_list_modulation_ports_after_signal_inputs() {
        let shape = NodeShape::of_name("biquad").unwrap();
        assert_eq!(shape.inputs[0].name, "in");
        assert!(!shape.inputs[0].modulation);
        let cutoff = shape.input_index("cutoff").unwrap();
        assert!(shape.inputs[cutoff].modulation);
        assert_eq!(shape.output_index("out"), Some(0));
        assert!(shape.input_anchor(1).y > shape.input_anchor(0).y);
        assert_eq!(shape.output_anchor(0).x, NODE_WIDTH);
    }

    #[test]
    fn free_spot_avoids_overlap() {
        let mut p = patch(CHAIN);
        complete_layout(&mut p);
        let taken = p.layout[&ModuleId::from("osc1")];
        let spot = free_spot(&p, taken, 80.0);
        assert_ne!(spot, taken);
    }
}
