//! The editor's document: a patch (modules, cables, params, macro mappings, layout) with
//! the editing verbs. Every verb that touches the sound goes through the engine's own
//! [`PatchEditor`] verbs, and every check is the engine's [`validate`], so a refused edit
//! carries the engine's message and leaves the document unchanged. The macro mappings are
//! the patch's own ([`Patch::macros`]); the JSON is the engine's. Pure data: no host, no
//! history (see [`super::session`]). GUI thread.

use chronus_engine::macros::MacroMapping;
use chronus_engine::module::{KindSpec, Unit};
use chronus_engine::modules;
use chronus_engine::patch::edit::PatchEditor;
use chronus_engine::patch::validate::{main_input, main_output, validate};
use chronus_engine::patch::{ModuleId, ParamValue, Position};
use chronus_engine::{EditError, Patch, PatchError};

use super::ids::unique_id;
use super::layout::{NodeShape, complete_layout, free_spot};

/// A patch being edited.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Modules, cables, params, macro mappings and layout.
    pub patch: Patch,
}

impl Document {
    /// A document for `patch`, every module given a position and every cable end spelled
    /// out (`osc1` becomes `osc1.out`, an alias param its name), so cables compare and
    /// disconnect by what they are, not how they were written.
    pub fn new(mut patch: Patch) -> Self {
        complete_layout(&mut patch);
        spell_out_ports(&mut patch);
        Self { patch }
    }

    /// Reads patch JSON ([`Patch::from_json`]) and checks it with the engine's
    /// validation (mappings included).
    ///
    /// # Errors
    /// Every problem found, one per line, as the engine words them.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let patch = Patch::from_json(text).map_err(|e| e.to_string())?;
        let doc = Self::new(patch);
        doc.check()?;
        Ok(doc)
    }

    /// The document as patch JSON ([`Patch::to_json`]: layout and mappings included).
    pub fn to_json(&self) -> String {
        self.patch.to_json()
    }

    /// Checks the whole document as a commit would: the engine's validation.
    ///
    /// # Errors
    /// Every problem found, one per line.
    pub fn check(&self) -> Result<(), String> {
        validate(&self.patch).map(|_| ()).map_err(|e| e.to_string())
    }

    /// Runs engine editing verbs on a copy and keeps the result if they all succeed.
    fn with_engine(
        &mut self,
        verbs: impl FnOnce(&mut PatchEditor) -> Result<(), EditError>,
    ) -> Result<(), EditError> {
        let mut editor = PatchEditor::new(self.patch.clone());
        verbs(&mut editor)?;
        self.patch = editor.pending().clone();
        Ok(())
    }

    /// Adds a module of `kind` with a fresh id (`osc1`, `osc2`, ...) at `at` (or the
    /// nearest free spot). Returns its id.
    ///
    /// # Errors
    /// Unknown kind, too many modules (the engine's messages).
    pub fn add_module(&mut self, kind: &str, at: Position) -> Result<ModuleId, EditError> {
        let canonical = modules::find(kind).map_or(kind, |k| k.name);
        let id = unique_id(&self.patch, canonical);
        self.with_engine(|e| e.create(id.as_str(), kind))?;
        let height = NodeShape::of_name(kind).map_or(0.0, |s| s.size().1);
        let spot = free_spot(&self.patch, at, height);
        self.patch.layout.insert(id.clone(), spot);
        Ok(id)
    }

    /// Removes module `id`, its cables and its position. Its macro mappings are kept
    /// (inactive) so they act again if a module of that id returns.
    ///
    /// # Errors
    /// No such module.
    pub fn remove_module(&mut self, id: &str) -> Result<(), EditError> {
        self.with_engine(|e| e.remove(id))?;
        self.patch.layout.remove(&ModuleId::from(id));
        Ok(())
    }

    /// Renames module `id` to `new_id`, rewriting its cables and mappings (the engine's
    /// `rename`) and its position.
    ///
    /// # Errors
    /// No such module; the new id is taken or invalid.
    pub fn rename_module(&mut self, id: &str, new_id: &str) -> Result<(), EditError> {
        self.with_engine(|e| e.rename(id, new_id))?;
        let new = ModuleId::from(new_id);
        if let Some(p) = self.patch.layout.remove(&ModuleId::from(id)) {
            self.patch.layout.insert(new, p);
        }
        Ok(())
    }

    /// Connects output `from` (`osc1.out`) to input `to` (`env1.in`, `filt1.cutoff`).
    ///
    /// # Errors
    /// The engine's reason: unknown port, input already driven, not modulatable, ...
    pub fn connect(&mut self, from: &str, to: &str) -> Result<(), EditError> {
        self.with_engine(|e| e.connect(from, to))
    }

    /// Removes the cable `from` -> `to`.
    ///
    /// # Errors
    /// No such cable.
    pub fn disconnect(&mut self, from: &str, to: &str) -> Result<(), EditError> {
        self.with_engine(|e| e.disconnect(from, to))
    }

    /// Moves the cable `from` -> `old_to` so it ends at `new_to`, in one step.
    ///
    /// # Errors
    /// No such cable, or the new connection is refused (nothing changes).
    pub fn reconnect(&mut self, from: &str, old_to: &str, new_to: &str) -> Result<(), EditError> {
        self.with_engine(|e| {
            e.disconnect(from, old_to)?;
            e.connect(from, new_to)
        })
    }

    /// Sets a param.
    ///
    /// # Errors
    /// Unknown module or param, value out of range or not an option.
    pub fn set_param(&mut self, id: &str, param: &str, value: ParamValue) -> Result<(), EditError> {
        self.with_engine(|e| e.set(id, param, value))
    }

    /// Moves module `id`'s box to `at` (layout only).
    pub fn move_module(&mut self, id: &ModuleId, at: Position) {
        if self.patch.module(id.as_str()).is_some() {
            self.patch.layout.insert(id.clone(), at);
        }
    }

    /// Adds a mapping, checked by the engine's validation as a commit would check it (an
    /// inactive mapping, whose module is missing, is accepted). The editor also refuses
    /// to map a choice param (the engine would accept it, but a macro sweeping a mode
    /// switch through fractional values is not something the panel offers).
    ///
    /// # Errors
    /// The engine's messages about the new mapping, prefixed with the mapping; nothing
    /// changes.
    pub fn add_mapping(&mut self, mapping: MacroMapping) -> Result<(), String> {
        let label = format!("mapping {} -> {}", mapping.source_label(), mapping.target);
        if let Some((kind, param)) = target_param(&mapping, &self.patch)
            && kind.params[param].unit == Unit::Choice
        {
            return Err(format!("{label}: a choice param cannot be mapped"));
        }
        let at = format!("macros[{}]", self.patch.macros.len());
        let mut patch = self.patch.clone();
        patch.macros.push(mapping);
        if let Err(errors) = validate(&patch) {
            let problems: Vec<String> = errors
                .0
                .iter()
                .filter(|e| is_about_mapping(e, &at))
                .map(|e| format!("{label}: {e}"))
                .collect();
            if !problems.is_empty() {
                return Err(problems.join("\n"));
            }
        }
        self.patch = patch;
        Ok(())
    }

    /// Removes mapping `index`.
    ///
    /// # Errors
    /// No such mapping.
    pub fn remove_mapping(&mut self, index: usize) -> Result<MacroMapping, String> {
        if index < self.patch.macros.len() {
            Ok(self.patch.macros.remove(index))
        } else {
            Err(format!("no macro mapping #{index}"))
        }
    }

    /// Param `param` of module `id` as a number in the param's unit (a choice's option
    /// index), the default when unset.
    pub fn param_number(&self, id: &str, param: &str) -> Option<f32> {
        let module = self.patch.module(id)?;
        let kind = modules::find(&module.kind)?;
        let index = kind.param_index(param)?;
        let spec = &kind.params[index];
        let value = module
            .params
            .iter()
            .find(|(k, _)| kind.param_index(k) == Some(index))
            .map(|(_, v)| v);
        Some(match value {
            None => spec.default,
            Some(v) => number_of(kind, index, v).unwrap_or(spec.default),
        })
    }
}

/// The kind and param index `mapping` targets, if its module is in `patch` and has the
/// param.
fn target_param(mapping: &MacroMapping, patch: &Patch) -> Option<(&'static KindSpec, usize)> {
    let module = patch.module(mapping.target.module.as_str())?;
    let kind = modules::find(&module.kind)?;
    let index = kind.param_index(mapping.target.port.as_deref()?)?;
    Some((kind, index))
}

/// Whether `error` is about the mapping at JSON location `at` (`macros[3]`, or a field of
/// it), or about the number of mappings.
fn is_about_mapping(error: &PatchError, at: &str) -> bool {
    let location = match error {
        PatchError::TooManyMappings { .. } => return true,
        PatchError::BadMappingSource { at, .. }
        | PatchError::BadMappingTarget { at, .. }
        | PatchError::BadMappingRange { at, .. }
        | PatchError::UnknownParam { at, .. }
        | PatchError::OutOfRange { at, .. } => at,
        _ => return false,
    };
    location
        .strip_prefix(at)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Rewrites bare and alias cable ends to canonical port names (unknown modules and ports
/// are left for validation to report).
fn spell_out_ports(patch: &mut Patch) {
    let kinds: Vec<(ModuleId, &'static KindSpec)> = patch
        .modules
        .iter()
        .filter_map(|m| modules::find(&m.kind).map(|k| (m.id.clone(), k)))
        .collect();
    let kind_of = |id: &ModuleId| kinds.iter().find(|(m, _)| m == id).map(|(_, k)| *k);
    for c in &mut patch.connections {
        if let Some(kind) = kind_of(&c.from.module)
            && c.from.port.is_none()
        {
            c.from.port = Some(main_output(kind).to_owned());
        }
        if let Some(kind) = kind_of(&c.to.module) {
            match c.to.port.as_deref() {
                None => c.to.port = Some(main_input(kind).to_owned()),
                Some(p) if kind.input_index(p).is_none() => {
                    if let Some(i) = kind.param_index(p) {
                        c.to.port = Some(kind.params[i].name.to_owned());
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// A patch value as the number the engine's live `set` takes: the value itself, or a
/// choice's option index.
pub fn number_of(kind: &KindSpec, param: usize, value: &ParamValue) -> Option<f32> {
    let spec = &kind.params[param];
    match value {
        ParamValue::Number(n) => Some(*n as f32),
        ParamValue::Choice(name) if spec.unit == Unit::Choice => spec
            .choices
            .iter()
            .position(|c| c == name)
            .map(|i| i as f32),
        ParamValue::Choice(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronus_engine::macros::{Curve, inactive};

    fn doc() -> Document {
        Document::from_json(
            r#"{ "format": 1, "name": "t", "modules": [
                { "id": "osc1", "kind": "sine", "params": { "freq": 220 } },
                { "id": "env1", "kind": "adsr" },
                { "id": "out", "kind": "output" } ],
              "connections": [ { "from": "osc1.out", "to": "env1.in" },
                               { "from": "env1.out", "to": "out.in" } ] }"#,
        )
        .unwrap()
    }

    #[test]
    fn adding_gives_fresh_ids_and_positions() {
        let mut d = doc();
        let a = d.add_module("sine", Position::default()).unwrap();
        let b = d.add_module("sine", Position::default()).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("osc2", "osc3"));
        assert_ne!(
            d.patch.layout[&a], d.patch.layout[&b],
            "not on top of each other"
        );
        let err = d.add_module("sinus", Position::default()).unwrap_err();
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn refused_connections_carry_the_engine_reason_and_change_nothing() {
        let mut d = doc();
        d.add_module("sine", Position::default()).unwrap();
        let before = d.clone();
        let err = d.connect("osc2.out", "env1.in").unwrap_err().to_string();
        assert!(err.contains("driven twice"), "{err}");
        let err = d.connect("osc2.out", "env1.nope").unwrap_err().to_string();
        assert!(err.contains("has no input `nope`"), "{err}");
        assert_eq!(d, before);
        d.connect("osc2.out", "env1.gate").unwrap();
        assert_eq!(d.patch.connections.len(), 3);
    }

    #[test]
    fn rename_moves_layout_cables_and_mappings() {
        let mut d = doc();
        d.add_mapping(
            MacroMapping::new(1, "osc1.freq", 100.0, 1000.0).with_curve(Curve::Exponential),
        )
        .unwrap();
        d.rename_module("osc1", "lead").unwrap();
        assert!(d.patch.layout.contains_key(&ModuleId::from("lead")));
        assert!(!d.patch.layout.contains_key(&ModuleId::from("osc1")));
        assert_eq!(d.patch.connections[0].from.to_string(), "lead.out");
        assert_eq!(d.patch.macros[0].target.to_string(), "lead.freq");
        assert!(d.rename_module("lead", "env1").is_err(), "taken");
    }

    #[test]
    fn removing_keeps_mappings_inactive() {
        let mut d = doc();
        d.add_mapping(
            MacroMapping::new(2, "osc1.freq", 100.0, 200.0).with_curve(Default::default()),
        )
        .unwrap();
        d.remove_module("osc1").unwrap();
        assert_eq!(d.patch.connections.len(), 1);
        assert_eq!(d.patch.macros.len(), 1);
        assert_eq!(inactive(&d.patch).len(), 1, "kept, inactive");
        assert_eq!(d.check(), Ok(()), "an inactive mapping is not an error");
    }

    #[test]
    fn mappings_are_checked_by_the_engine_and_refusals_change_nothing() {
        let mut d = doc();
        let before = d.clone();
        for (mapping, expect) in [
            (
                MacroMapping::new(1, "osc1.freq", 100.0, 30_000.0),
                "macros[0].max",
            ),
            (MacroMapping::new(1, "osc1.fre", 100.0, 200.0), "fre"),
            (MacroMapping::new(17, "osc1.freq", 100.0, 200.0), "1..16"),
            (
                MacroMapping::new(1, "osc1.gain", 0.0, 1.0).with_curve(Curve::Exponential),
                "exponential",
            ),
            (MacroMapping::new(1, "osc1", 0.0, 1.0), "module.param"),
        ] {
            let err = d.add_mapping(mapping).unwrap_err();
            assert!(
                err.starts_with("mapping M") && err.contains(expect),
                "{expect}: {err}"
            );
            assert_eq!(d, before);
        }
        // Checked against the patch as it stands, whatever else is wrong with it.
        d.add_module("output", Position::default()).unwrap();
        assert!(d.check().is_err(), "two outputs");
        d.add_mapping(MacroMapping::new(2, "osc1.freq", 100.0, 200.0))
            .unwrap();
        d.add_mapping(MacroMapping::new(3, "gone.level", 0.0, 1.0))
            .expect("an inactive mapping is accepted");
        assert_eq!(d.patch.macros.len(), 2);
        assert_eq!(
            d.remove_mapping(1).unwrap().target.to_string(),
            "gone.level"
        );
        assert!(d.remove_mapping(1).is_err());
    }

    #[test]
    fn a_choice_param_is_not_mapped_from_the_editor() {
        let mut d = doc();
        d.add_module("biquad", Position::default()).unwrap();
        let err = d
            .add_mapping(MacroMapping::new(1, "filt1.mode", 0.0, 1.0))
            .unwrap_err();
        assert!(err.contains("choice"), "{err}");
        assert!(d.patch.macros.is_empty());
    }

    #[test]
    fn params_read_back_with_defaults_and_choices() {
        let mut d = doc();
        assert_eq!(d.param_number("osc1", "freq"), Some(220.0));
        let gain_default = modules::find("sine").unwrap().params[1].default;
        assert_eq!(d.param_number("osc1", "gain"), Some(gain_default));
        d.add_module("biquad", Position::default()).unwrap();
        d.set_param("filt1", "mode", ParamValue::Choice("highpass".into()))
            .unwrap();
        let kind = modules::find("biquad").unwrap();
        let mode = kind.param_index("mode").unwrap();
        let expect = kind.params[mode]
            .choices
            .iter()
            .position(|c| *c == "highpass")
            .unwrap() as f32;
        assert_eq!(d.param_number("filt1", "mode"), Some(expect));
        let err = d
            .set_param("osc1", "freq", ParamValue::Number(1e9))
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn json_round_trip_keeps_layout_and_mappings() {
        let mut d = doc();
        d.add_mapping(
            MacroMapping::new(3, "env1.attack", 1.0, 500.0).with_curve(Default::default()),
        )
        .unwrap();
        d.move_module(&ModuleId::from("osc1"), Position { x: -40.0, y: 12.5 });
        let text = d.to_json();
        assert!(text.contains("\"layout\""), "{text}");
        assert!(text.contains("\"macros\""), "{text}");
        let back = Document::from_json(&text).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn bare_and_alias_cable_ends_are_spelled_out() {
        let mut d = Document::from_json(
            r#"{ "format": 1, "modules": [
                { "id": "osc1", "kind": "sine" }, { "id": "filt1", "kind": "biquad" },
                { "id": "lfo", "kind": "sine" }, { "id": "out", "kind": "output" } ],
              "connections": [ { "from": "osc1", "to": "filt1" },
                               { "from": "lfo", "to": "filt1.freq" },
                               { "from": "filt1", "to": "out" } ] }"#,
        )
        .unwrap();
        let cables: Vec<String> = d
            .patch
            .connections
            .iter()
            .map(|c| format!("{} {}", c.from, c.to))
            .collect();
        assert_eq!(
            cables,
            [
                "osc1.out filt1.in",
                "lfo.out filt1.cutoff",
                "filt1.out out.in"
            ]
        );
        d.disconnect("lfo.out", "filt1.cutoff").unwrap();
    }

    #[test]
    fn bad_json_and_invalid_patches_are_explained() {
        let err = Document::from_json("{ \"format\": 1, ").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        let err = Document::from_json(r#"{ "format": 1, "modules": [] }"#).unwrap_err();
        assert!(err.contains("no output"), "{err}");
        let err = Document::from_json(
            r#"{ "format": 1, "modules": [ { "id": "out", "kind": "output" } ],
                 "macros": [ { "macro": 17, "target": "out.level" } ] }"#,
        )
        .unwrap_err();
        assert!(err.contains("macros[0]") && err.contains("1..16"), "{err}");
    }
}
