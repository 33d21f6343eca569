//! Macro mappings: how the host's 16 automatable macros (and MIDI CCs such as the mod
//! wheel) drive module params.
//!
//! A patch may carry a `macros` list; each mapping names a source (`"macro": 1..16` or
//! `"cc": 0..127`), a target param (`"target": "filt1.cutoff"`), the param value at source 0
//! and at source 1 (`min`, `max`, in the param's unit; default: the param's whole range)
//! and a `curve` (`linear`, or `exponential` for frequencies and times: equal source steps
//! give equal ratios, so `min` and `max` must be non-zero and of the same sign):
//!
//! ```json
//! "macros": [
//!   { "macro": 1, "target": "filt1.cutoff", "min": 200, "max": 8000, "curve": "exponential" },
//!   { "cc": 1, "target": "lfo1.depth", "min": 0, "max": 0.5 } ]
//! ```
//!
//! Mappings refer to a module by id, so they survive edits. A mapping whose target module
//! is not in the patch is kept, *inactive* (see [`inactive`]), and acts again as soon as a
//! module of that id returns. Other mistakes (bad source number, unknown param, range
//! outside the param's) are [`PatchError`]s with their JSON location.
//!
//! A mapped param keeps the patch's own value until its source is first set (a host
//! macro moved, a CC received); from then on the source drives it. (The plugin sets all
//! 16 macros when it starts, so there every macro mapping acts from the first sample.)
//!
//! Several mappings may share a source (one macro moves several params). When several
//! mappings drive the same param, the source that moved last sets it.
//!
//! Threads: the data types, validation and [`inactive`] are control side (they allocate);
//! [`MacroMap::apply`] runs on the audio thread inside [`crate::Graph::set_macro`] and
//! [`crate::Graph::set_cc`], and never allocates.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::PatchError;
use crate::graph::ParamAddr;
use crate::module::{KindSpec, MACRO_COUNT};
use crate::patch::validate::ResolvedModule;
use crate::patch::{Patch, PortRef};

/// How many MIDI continuous controllers a mapping may use as its source (0..=127).
pub const CC_COUNT: usize = 128;

/// At most this many mappings in one patch.
pub const MAX_MAPPINGS: usize = 256;

/// One mapping as written in a patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacroMapping {
    /// Host macro number, 1..=16 (give this or `cc`).
    #[serde(rename = "macro", default, skip_serializing_if = "Option::is_none")]
    pub macro_number: Option<u32>,
    /// MIDI CC number, 0..=127 (give this or `macro`); CC 1 is the mod wheel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<u32>,
    /// The param driven, `module.param`.
    pub target: PortRef,
    /// Param value when the source is 0 (default: the param's minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f32>,
    /// Param value when the source is 1 (default: the param's maximum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f32>,
    /// How the source moves between `min` and `max`.
    #[serde(default, skip_serializing_if = "Curve::is_linear")]
    pub curve: Curve,
}

impl MacroMapping {
    /// A linear mapping from host macro `number` (1..=16) to `target` (`module.param`),
    /// from `min` to `max`.
    pub fn new(number: u32, target: &str, min: f32, max: f32) -> Self {
        Self {
            macro_number: Some(number),
            cc: None,
            target: PortRef::parse(target),
            min: Some(min),
            max: Some(max),
            curve: Curve::Linear,
        }
    }

    /// The same mapping with `curve`.
    pub fn with_curve(mut self, curve: Curve) -> Self {
        self.curve = curve;
        self
    }

    /// The 0-based macro index, for mappings driven by a host macro.
    pub fn macro_index(&self) -> Option<usize> {
        self.macro_number
            .filter(|n| (1..=MACRO_COUNT as u32).contains(n))
            .map(|n| n as usize - 1)
    }

    /// The source as shown to a person (`M3`, `CC 1`).
    pub fn source_label(&self) -> String {
        match (self.macro_number, self.cc) {
            (Some(n), _) => format!("M{n}"),
            (None, Some(cc)) => format!("CC {cc}"),
            (None, None) => "?".to_owned(),
        }
    }

    /// The param value this mapping gives for source value `x` (0..1), `min` and `max`
    /// defaulting to `param_min` and `param_max`.
    pub fn value_at(&self, x: f32, param_min: f32, param_max: f32) -> f32 {
        shape(
            self.curve,
            self.min.unwrap_or(param_min),
            self.max.unwrap_or(param_max),
            x,
        )
    }
}

/// The shape of a mapping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// `min + x * (max - min)`.
    #[default]
    Linear,
    /// `min * (max / min)^x`: equal steps give equal ratios (frequencies, times).
    Exponential,
}

impl Curve {
    fn is_linear(&self) -> bool {
        *self == Curve::Linear
    }

    /// Short name for lists (`lin`, `exp`).
    pub fn short(self) -> &'static str {
        match self {
            Curve::Linear => "lin",
            Curve::Exponential => "exp",
        }
    }
}

/// What drives a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Host macro, 0-based (`macro1` is 0).
    Macro(usize),
    /// MIDI CC number.
    Cc(u8),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Macro(i) => write!(f, "macro {}", i + 1),
            Source::Cc(cc) => write!(f, "CC {cc}"),
        }
    }
}

/// A validated mapping, its names resolved to indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedMapping {
    /// What drives it.
    pub source: Source,
    /// Target module index and param index within its kind; `None` while the target
    /// module is absent (inactive mapping).
    pub target: Option<(usize, usize)>,
    /// Param value at source 0.
    pub min: f32,
    /// Param value at source 1.
    pub max: f32,
    /// Shape.
    pub curve: Curve,
}

/// The param value for source value `x` (clamped to 0..1; NaN reads as 0).
#[inline]
fn shape(curve: Curve, min: f32, max: f32, x: f32) -> f32 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    match curve {
        Curve::Linear => min + x * (max - min),
        Curve::Exponential => min * (max / min).powf(x),
    }
}

impl ResolvedMapping {
    /// The param value for source value `x` (0..1).
    pub fn value(&self, x: f32) -> f32 {
        shape(self.curve, self.min, self.max, x)
    }
}

/// Checks the patch's mappings against its resolved modules. Control side.
///
/// `index_of` maps module ids to indices in `modules`; `broken[i]` marks modules that
/// failed to resolve (their mappings are not checked further, the module error suffices).
pub(crate) fn resolve(
    patch: &Patch,
    index_of: &HashMap<&str, usize>,
    modules: &[ResolvedModule],
    broken: &[bool],
    errors: &mut Vec<PatchError>,
) -> Vec<ResolvedMapping> {
    if patch.macros.len() > MAX_MAPPINGS {
        errors.push(PatchError::TooManyMappings {
            count: patch.macros.len(),
            max: MAX_MAPPINGS,
        });
        return Vec::new();
    }
    let mut out = Vec::with_capacity(patch.macros.len());
    for (i, m) in patch.macros.iter().enumerate() {
        let at = format!("macros[{i}]");
        let source = match (m.macro_number, m.cc) {
            (Some(n), None) if (1..=MACRO_COUNT as u32).contains(&n) => {
                Source::Macro(n as usize - 1)
            }
            (None, Some(cc)) if (cc as usize) < CC_COUNT => Source::Cc(cc as u8),
            (macro_number, cc) => {
                errors.push(PatchError::BadMappingSource {
                    at,
                    macro_number,
                    cc,
                });
                continue;
            }
        };
        let Some(param) = m.target.port.as_deref().filter(|p| !p.is_empty()) else {
            errors.push(PatchError::BadMappingTarget {
                at: format!("{at}.target"),
                target: m.target.to_string(),
            });
            continue;
        };
        for (name, v) in [("min", m.min), ("max", m.max)] {
            if v.is_some_and(|v| !v.is_finite()) {
                errors.push(PatchError::BadMappingRange {
                    at: format!("{at}.{name}"),
                    reason: "must be a finite number".to_owned(),
                });
            }
        }
        let target_module = index_of.get(m.target.module.as_str()).copied();
        let Some(module) = target_module else {
            // Inactive: keep it with its own bounds (or placeholders) until the module returns.
            out.push(ResolvedMapping {
                source,
                target: None,
                min: m.min.unwrap_or(0.0),
                max: m.max.unwrap_or(1.0),
                curve: m.curve,
            });
            continue;
        };
        if broken[module] {
            continue;
        }
        let kind: &'static KindSpec = modules[module].kind;
        let Some(p) = kind.param_index(param) else {
            errors.push(PatchError::UnknownParam {
                at: format!("{at}.target"),
                module: m.target.module.clone(),
                kind: kind.name,
                param: param.to_owned(),
                available: kind.param_names(),
            });
            continue;
        };
        let spec = &kind.params[p];
        let mut ok = true;
        let mut bound = |name: &str, v: Option<f32>, default: f32| -> f32 {
            let v = v.unwrap_or(default);
            if v.is_finite() && !(spec.min..=spec.max).contains(&v) {
                errors.push(PatchError::OutOfRange {
                    at: format!("{at}.{name}"),
                    module: m.target.module.clone(),
                    param: spec.name.to_owned(),
                    value: f64::from(v),
                    min: spec.min,
                    max: spec.max,
                    unit: match spec.unit.suffix() {
                        "" => String::new(),
                        s => format!(" {s}"),
                    },
                });
                ok = false;
            }
            v
        };
        let min = bound("min", m.min, spec.min);
        let max = bound("max", m.max, spec.max);
        let same_sign = min * max > 0.0;
        if m.curve == Curve::Exponential && !same_sign {
            errors.push(PatchError::BadMappingRange {
                at: at.clone(),
                reason: format!(
                    "an exponential curve needs min and max of the same sign and non-zero \
                     (got {min} .. {max})"
                ),
            });
            ok = false;
        }
        if ok && min.is_finite() && max.is_finite() {
            out.push(ResolvedMapping {
                source,
                target: Some((module, p)),
                min,
                max,
                curve: m.curve,
            });
        }
    }
    out
}

/// A mapping that does nothing for now because its target module is not in the patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InactiveMapping {
    /// JSON location (`macros[2]`).
    pub at: String,
    /// What drives it (`macro 3`, `CC 1`).
    pub source: String,
    /// Its target, `module.param`.
    pub target: String,
}

impl fmt::Display for InactiveMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = self.target.split('.').next().unwrap_or_default();
        write!(
            f,
            "{}: {} -> `{}` is inactive: no module `{module}` in the patch (kept; it acts \
             again when `{module}` returns)",
            self.at, self.source, self.target
        )
    }
}

/// The mappings of `patch` whose target module is missing, for reports (GUI, CLI, logs).
/// Control side.
pub fn inactive(patch: &Patch) -> Vec<InactiveMapping> {
    patch
        .macros
        .iter()
        .enumerate()
        .filter(|(_, m)| patch.module(m.target.module.as_str()).is_none())
        .map(|(i, m)| InactiveMapping {
            at: format!("macros[{i}]"),
            source: match (m.macro_number, m.cc) {
                (Some(n), _) => format!("macro {n}"),
                (None, Some(cc)) => format!("CC {cc}"),
                (None, None) => "nothing".to_owned(),
            },
            target: m.target.to_string(),
        })
        .collect()
}

/// One active mapping inside a graph: source, param address and shape.
#[derive(Debug, Clone, Copy)]
struct GraphMapping {
    source: Source,
    addr: ParamAddr,
    min: f32,
    max: f32,
    curve: Curve,
}

/// A graph's active mappings, addresses resolved when it was compiled.
#[derive(Debug, Clone, Default)]
pub struct MacroMap {
    mappings: Vec<GraphMapping>,
}

impl MacroMap {
    /// Resolves `mappings` to param addresses; `param_start[m]` is module `m`'s first
    /// param slot. Inactive mappings are left out. Control side (allocates).
    pub(crate) fn build(mappings: &[ResolvedMapping], param_start: &[usize]) -> Self {
        Self {
            mappings: mappings
                .iter()
                .filter_map(|m| {
                    let (module, param) = m.target?;
                    Some(GraphMapping {
                        source: m.source,
                        addr: ParamAddr((param_start[module] + param) as u32),
                        min: m.min,
                        max: m.max,
                        curve: m.curve,
                    })
                })
                .collect(),
        }
    }

    /// Number of active mappings.
    pub fn len(&self) -> usize {
        self.mappings.len()
    }

    /// Whether there are no active mappings.
    pub fn is_empty(&self) -> bool {
        self.mappings.is_empty()
    }

    /// Calls `set(addr, value)` for every mapping driven by `source`, with the param value
    /// for source value `x`. Audio thread: bounded by [`MAX_MAPPINGS`], no allocation.
    #[inline]
    pub fn apply(&self, source: Source, x: f32, mut set: impl FnMut(ParamAddr, f32)) {
        for m in self.mappings.iter().filter(|m| m.source == source) {
            set(m.addr, shape(m.curve, m.min, m.max, x));
        }
    }

    /// Every source used by an active mapping (with repeats).
    pub fn sources(&self) -> impl Iterator<Item = Source> + '_ {
        self.mappings.iter().map(|m| m.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use crate::error::CompileError;
    use crate::patch::edit::PatchEditor;

    /// ```text
    /// sine osc1 ──> output out        macro 1 -> osc1.freq (220..880, exponential)
    ///                                 CC 1    -> osc1.gain (0..0.5)
    ///                                 macro 2 -> gone.level (inactive)
    /// ```
    const PATCH: &str = r#"{ "format": 1, "name": "mapped",
        "modules": [
            { "id": "osc1", "kind": "sine", "params": { "freq": 440, "gain": 0.3 } },
            { "id": "out", "kind": "output" } ],
        "connections": [ { "from": "osc1.out", "to": "out.in" } ],
        "macros": [
            { "macro": 1, "target": "osc1.freq", "min": 220, "max": 880, "curve": "exponential" },
            { "cc": 1, "target": "osc1.gain", "min": 0, "max": 0.5 },
            { "macro": 2, "target": "gone.level", "min": 0, "max": 1 } ] }"#;

    fn patch(json: &str) -> Patch {
        Patch::from_json(json).expect("patch parses")
    }

    fn errors(json: &str) -> Vec<PatchError> {
        match compile(&patch(json), 48_000.0) {
            Err(CompileError::Invalid(e)) => e.0,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("patch should be invalid"),
        }
    }

    fn with_mapping(mapping: &str) -> String {
        format!(
            r#"{{ "format": 1, "modules": [
                {{ "id": "osc1", "kind": "sine" }}, {{ "id": "out", "kind": "output" }} ],
                "connections": [ {{ "from": "osc1", "to": "out" }} ],
                "macros": [ {mapping} ] }}"#
        )
    }

    #[test]
    fn json_round_trip_keeps_mappings_and_omits_an_empty_list() {
        let p = patch(PATCH);
        assert_eq!(p.macros.len(), 3);
        assert_eq!(p.macros[0].curve, Curve::Exponential);
        assert_eq!(p.macros[1].cc, Some(1));
        let again = patch(&p.to_json());
        assert_eq!(again, p);
        let plain = Patch::default().to_json();
        assert!(!plain.contains("macros"), "{plain}");
    }

    #[test]
    fn shapes_are_linear_and_exponential() {
        let lin = ResolvedMapping {
            source: Source::Macro(0),
            target: None,
            min: 10.0,
            max: 20.0,
            curve: Curve::Linear,
        };
        assert_eq!(lin.value(0.0), 10.0);
        assert_eq!(lin.value(0.25), 12.5);
        assert_eq!(lin.value(7.0), 20.0, "source clamped to 1");
        assert_eq!(lin.value(f32::NAN), 10.0, "NaN reads as 0");
        let exp = ResolvedMapping {
            min: 220.0,
            max: 880.0,
            curve: Curve::Exponential,
            ..lin
        };
        assert!((exp.value(0.5) - 440.0).abs() < 1e-3);
        assert!((exp.value(1.0) - 880.0).abs() < 1e-3);
    }

    #[test]
    fn macro_and_cc_set_the_mapped_params() {
        let mut g = compile(&patch(PATCH), 48_000.0).unwrap();
        assert_eq!(g.macro_map().len(), 2, "the inactive mapping is left out");
        let freq = g.param_addr("osc1", "freq").unwrap();
        let gain = g.param_addr("osc1", "gain").unwrap();
        // No source set yet: the patch's own values stand.
        assert_eq!(g.param_value(freq), Some(440.0));
        assert_eq!(g.param_value(gain), Some(0.3));
        g.set_macro(0, 0.5);
        assert!((g.param_value(freq).unwrap() - 440.0).abs() < 1e-3);
        g.set_cc(1, 1.0);
        assert_eq!(g.param_value(gain), Some(0.5));
        g.set_macro(1, 0.7); // the inactive mapping's macro: nothing to do, no panic
        g.set_cc(1, f32::NAN);
        assert_eq!(g.param_value(gain), Some(0.5), "NaN ignored");
    }

    #[test]
    fn copy_controls_carries_sources_and_mapped_params() {
        let mut old = compile(&patch(PATCH), 48_000.0).unwrap();
        old.set_macro(0, 1.0);
        old.set_cc(1, 0.5);
        let mut new = compile(&patch(PATCH), 48_000.0).unwrap();
        new.copy_controls_from(&old);
        let freq = new.param_addr("osc1", "freq").unwrap();
        let gain = new.param_addr("osc1", "gain").unwrap();
        assert!((new.param_value(freq).unwrap() - 880.0).abs() < 1e-3);
        assert_eq!(new.param_value(gain), Some(0.25));
        assert_eq!(new.macro_value(0), 1.0);
        assert_eq!(new.cc_value(1), 0.5);
    }

    #[test]
    fn a_missing_target_is_inactive_and_returns_with_its_module() {
        let p = patch(PATCH);
        let report = inactive(&p);
        assert_eq!(report.len(), 1);
        let text = report[0].to_string();
        assert!(
            text.contains("macros[2]") && text.contains("gone.level"),
            "{text}"
        );
        assert!(text.contains("macro 2"), "{text}");

        // Remove the target of macro 1: the mapping stays in the patch, inactive.
        let mut editor = PatchEditor::new(p);
        editor.remove("osc1").unwrap();
        editor.create("osc2", "sine").unwrap();
        editor.connect("osc2", "out").unwrap();
        assert_eq!(editor.pending().macros.len(), 3);
        let g = compile(editor.pending(), 48_000.0).unwrap();
        assert_eq!(g.macro_map().len(), 0);
        assert_eq!(inactive(editor.pending()).len(), 3);

        // The target returns: the mapping acts again.
        editor.rename("osc2", "osc1").unwrap();
        let mut g = compile(editor.pending(), 48_000.0).unwrap();
        assert_eq!(g.macro_map().len(), 2);
        g.set_macro(0, 1.0);
        let freq = g.param_addr("osc1", "freq").unwrap();
        assert!((g.param_value(freq).unwrap() - 880.0).abs() < 1e-3);
    }

    #[test]
    fn rename_rewrites_mapping_targets() {
        let mut editor = PatchEditor::new(patch(PATCH));
        editor.rename("osc1", "lead").unwrap();
        assert_eq!(editor.pending().macros[0].target.to_string(), "lead.freq");
        assert_eq!(editor.pending().macros[2].target.to_string(), "gone.level");
    }

    #[test]
    fn bad_sources_are_errors_naming_the_mapping() {
        for (mapping, expect) in [
            (r#"{ "macro": 17, "target": "osc1.freq" }"#, "macro 17"),
            (r#"{ "macro": 0, "target": "osc1.freq" }"#, "macro 0"),
            (r#"{ "cc": 128, "target": "osc1.freq" }"#, "cc 128"),
            (
                r#"{ "macro": 1, "cc": 1, "target": "osc1.freq" }"#,
                "macro 1, cc 1",
            ),
            (r#"{ "target": "osc1.freq" }"#, "macro none, cc none"),
        ] {
            let e = errors(&with_mapping(mapping));
            assert_eq!(e.len(), 1, "{mapping}: {e:?}");
            assert!(matches!(e[0], PatchError::BadMappingSource { .. }));
            let text = e[0].to_string();
            assert!(
                text.starts_with("macros[0]") && text.contains(expect),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_targets_and_ranges_are_errors_naming_the_culprit() {
        let e = errors(&with_mapping(r#"{ "macro": 1, "target": "osc1" }"#));
        assert!(matches!(e[0], PatchError::BadMappingTarget { .. }));
        assert!(e[0].to_string().contains("macros[0].target"), "{}", e[0]);

        let e = errors(&with_mapping(r#"{ "macro": 1, "target": "osc1.cutof" }"#));
        let text = e[0].to_string();
        assert!(matches!(e[0], PatchError::UnknownParam { .. }));
        assert!(
            text.contains("macros[0].target") && text.contains("cutof"),
            "{text}"
        );
        assert!(text.contains("freq, gain"), "lists the params: {text}");

        let e = errors(&with_mapping(
            r#"{ "macro": 1, "target": "osc1.freq", "min": 100, "max": 30000 }"#,
        ));
        let text = e[0].to_string();
        assert!(matches!(e[0], PatchError::OutOfRange { .. }));
        assert!(
            text.contains("macros[0].max") && text.contains("20000 Hz"),
            "{text}"
        );

        let e = errors(&with_mapping(
            r#"{ "macro": 1, "target": "osc1.gain", "curve": "exponential" }"#,
        ));
        let text = e[0].to_string();
        assert!(matches!(e[0], PatchError::BadMappingRange { .. }));
        assert!(
            text.contains("macros[0]") && text.contains("exponential"),
            "{text}"
        );

        let unknown_field = Patch::from_json(&with_mapping(
            r#"{ "macro": 1, "target": "osc1.freq", "depth": 2 }"#,
        ))
        .unwrap_err();
        assert!(
            unknown_field.to_string().contains("depth"),
            "{unknown_field}"
        );
    }

    #[test]
    fn default_bounds_are_the_param_range() {
        let g = compile(
            &patch(&with_mapping(r#"{ "macro": 3, "target": "osc1.gain" }"#)),
            48_000.0,
        )
        .unwrap();
        let gain = g.param_addr("osc1", "gain").unwrap();
        let mut g = g;
        g.set_macro(2, 0.0);
        assert_eq!(g.param_value(gain), Some(0.0));
        g.set_macro(2, 1.0);
        assert_eq!(g.param_value(gain), Some(1.0));
    }

    #[test]
    fn too_many_mappings_is_an_error() {
        let one = r#"{ "macro": 1, "target": "osc1.gain" }"#;
        let many = vec![one; MAX_MAPPINGS + 1].join(",");
        let e = errors(&with_mapping(&many));
        assert!(matches!(e[0], PatchError::TooManyMappings { .. }), "{e:?}");
    }
}
