//! The editing verbs of the prototype (`create`, `remove`, `connect`, `disconnect`, `set`,
//! `gate`) working on a *pending* copy of the patch, which the caller then commits or
//! aborts. Each verb checks what it can at once (unknown kind, duplicate id, unknown
//! port or param, value out of range) and leaves the pending patch unchanged on error;
//! whole-patch checks (cycles, outputs) happen at commit. Control side only.

use std::collections::BTreeMap;

use super::validate::{Resolved, main_input, main_output, param_value, validate};
use super::{Connection, ModuleId, ModuleSpec, ParamValue, Patch, PortRef};
use crate::error::{EditError, PatchError, PatchErrors};
use crate::module::Modulation;
use crate::modules;

/// An active patch and a pending copy being edited.
#[derive(Debug, Clone, Default)]
pub struct PatchEditor {
    /// What is playing (last commit).
    active: Patch,
    /// What is being edited.
    pending: Patch,
    /// Module gates opened or closed by the `gate` verb (runtime state, not saved in the
    /// patch), applied to the graph at each commit.
    gates: BTreeMap<ModuleId, bool>,
}

impl PatchEditor {
    /// An editor whose active and pending patch are `patch`.
    pub fn new(patch: Patch) -> Self {
        Self {
            active: patch.clone(),
            pending: patch,
            gates: BTreeMap::new(),
        }
    }

    /// The last committed patch.
    pub fn active(&self) -> &Patch {
        &self.active
    }

    /// The patch being edited.
    pub fn pending(&self) -> &Patch {
        &self.pending
    }

    /// Whether the pending patch differs from the active one.
    pub fn is_dirty(&self) -> bool {
        self.pending != self.active
    }

    /// Gates set with [`PatchEditor::gate`], by module.
    pub fn gates(&self) -> &BTreeMap<ModuleId, bool> {
        &self.gates
    }

    fn kind_of(&self, id: &str) -> Result<&'static crate::module::KindSpec, EditError> {
        let module = self
            .pending
            .module(id)
            .ok_or_else(|| EditError::NoSuchModule(ModuleId::from(id)))?;
        modules::find(&module.kind).ok_or_else(|| EditError::NoSuchModule(ModuleId::from(id)))
    }

    /// Adds a module of `kind` with default params.
    ///
    /// # Errors
    /// Unknown kind, duplicate or invalid id, too many modules.
    pub fn create(&mut self, id: &str, kind: &str) -> Result<(), EditError> {
        let at = format!("create {id}");
        let module_id = ModuleId::from(id);
        let Some(spec) = modules::find(kind) else {
            return Err(PatchError::UnknownKind {
                at,
                id: module_id,
                kind: kind.to_owned(),
                hint: modules::suggest(kind)
                    .map(|s| format!(", did you mean `{s}`?"))
                    .unwrap_or_default(),
            }
            .into());
        };
        if self.pending.module(id).is_some() {
            return Err(PatchError::DuplicateId { at, id: module_id }.into());
        }
        let valid_id = !id.is_empty()
            && id.len() <= super::MAX_ID_LEN
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_id {
            return Err(PatchError::InvalidId {
                at,
                id: module_id,
                max: super::MAX_ID_LEN,
            }
            .into());
        }
        if self.pending.modules.len() >= super::MAX_MODULES {
            return Err(PatchError::TooManyModules {
                count: self.pending.modules.len() + 1,
                max: super::MAX_MODULES,
            }
            .into());
        }
        self.pending.modules.push(ModuleSpec {
            id: module_id,
            kind: spec.name.to_owned(),
            params: BTreeMap::new(),
        });
        Ok(())
    }

    /// Removes a module and every connection to or from it.
    ///
    /// # Errors
    /// [`EditError::NoSuchModule`].
    pub fn remove(&mut self, id: &str) -> Result<(), EditError> {
        let before = self.pending.modules.len();
        self.pending.modules.retain(|m| m.id.as_str() != id);
        if self.pending.modules.len() == before {
            return Err(EditError::NoSuchModule(ModuleId::from(id)));
        }
        self.pending
            .connections
            .retain(|c| c.from.module.as_str() != id && c.to.module.as_str() != id);
        self.gates.remove(&ModuleId::from(id));
        Ok(())
    }

    /// Renames a module, rewriting every connection to and from it and every macro
    /// mapping that targets it.
    ///
    /// # Errors
    /// [`EditError::NoSuchModule`], or the new id is taken or invalid.
    pub fn rename(&mut self, id: &str, new_id: &str) -> Result<(), EditError> {
        let kind = self.kind_of(id)?;
        if id == new_id {
            return Ok(());
        }
        let mut probe = self.clone();
        probe.create(new_id, kind.name)?;
        let new = ModuleId::from(new_id);
        if let Some(m) = self.pending.module_mut(id) {
            m.id = new.clone();
        }
        for c in &mut self.pending.connections {
            for end in [&mut c.from, &mut c.to] {
                if end.module.as_str() == id {
                    end.module = new.clone();
                }
            }
        }
        for m in &mut self.pending.macros {
            if m.target.module.as_str() == id {
                m.target.module = new.clone();
            }
        }
        if let Some(g) = self.gates.remove(&ModuleId::from(id)) {
            self.gates.insert(new, g);
        }
        Ok(())
    }

    /// Connects an output (`osc1.out`, or `osc1` for its main output) to an input or a
    /// param's modulation port (`env1.in`, `filt1.cutoff`, or `env1` for its main input).
    ///
    /// # Errors
    /// Unknown module, port or param; input already driven; too many connections.
    pub fn connect(&mut self, from: &str, to: &str) -> Result<(), EditError> {
        self.connect_with_gain(from, to, 1.0)
    }

    /// As [`PatchEditor::connect`], scaling the signal by `gain`.
    ///
    /// # Errors
    /// As [`PatchEditor::connect`], and a gain that is not finite.
    pub fn connect_with_gain(&mut self, from: &str, to: &str, gain: f32) -> Result<(), EditError> {
        let from = self.canonical_source(from)?;
        let to = self.canonical_dest(to)?;
        let at = format!("connect {from} {to}");
        if !gain.is_finite() || gain.abs() > super::validate::MAX_CONNECTION_GAIN {
            return Err(PatchError::BadGain {
                at,
                gain,
                max: super::validate::MAX_CONNECTION_GAIN,
            }
            .into());
        }
        if let Some(existing) = self
            .pending
            .connections
            .iter()
            .find(|c| self.same_dest(&c.to, &to))
        {
            return Err(PatchError::InputDrivenTwice {
                at,
                to: to.to_string(),
                first: existing.from.to_string(),
                second: from.to_string(),
            }
            .into());
        }
        if self.pending.connections.len() >= super::MAX_CONNECTIONS {
            return Err(PatchError::TooManyConnections {
                count: self.pending.connections.len() + 1,
                max: super::MAX_CONNECTIONS,
            }
            .into());
        }
        self.pending.connections.push(Connection { from, to, gain });
        Ok(())
    }

    /// Removes the cable from `from` to `to`.
    ///
    /// # Errors
    /// [`EditError::NoSuchConnection`].
    pub fn disconnect(&mut self, from: &str, to: &str) -> Result<(), EditError> {
        let missing = || EditError::NoSuchConnection {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        let from = self.canonical_source(from).map_err(|_| missing())?;
        let to = self.canonical_dest(to).map_err(|_| missing())?;
        let before = self.pending.connections.len();
        let cables = std::mem::take(&mut self.pending.connections);
        self.pending.connections = cables
            .into_iter()
            .filter(|c| !(self.same_source(&c.from, &from) && self.same_dest(&c.to, &to)))
            .collect();
        if self.pending.connections.len() == before {
            return Err(missing());
        }
        Ok(())
    }

    /// Sets a param of a module in the pending patch.
    ///
    /// # Errors
    /// Unknown module or param, value out of range or not an option.
    pub fn set(&mut self, id: &str, param: &str, value: ParamValue) -> Result<(), EditError> {
        let kind = self.kind_of(id)?;
        let module_id = ModuleId::from(id);
        let (p, _) = param_value(
            kind,
            &module_id,
            param,
            &value,
            &format!("set {id}.{param}"),
        )?;
        let name = kind.params[p].name;
        if let Some(m) = self.pending.module_mut(id) {
            // Store under the canonical name, dropping any alias spelling.
            m.params.retain(|k, _| kind.param_index(k) != Some(p));
            m.params.insert(name.to_owned(), value);
        }
        Ok(())
    }

    /// Opens or closes a module's own gate (held open without a note, as the
    /// prototype's prime step did for `adsr`).
    ///
    /// # Errors
    /// [`EditError::NoSuchModule`].
    pub fn gate(&mut self, id: &str, on: bool) -> Result<(), EditError> {
        self.kind_of(id)?;
        self.gates.insert(ModuleId::from(id), on);
        Ok(())
    }

    /// Replaces the pending patch wholesale (a pasted or loaded patch).
    pub fn replace_pending(&mut self, patch: Patch) {
        self.pending = patch;
    }

    /// Validates the pending patch; if it is valid it becomes the active one.
    ///
    /// # Errors
    /// Every problem found; the active patch is unchanged and the pending one kept for
    /// fixing.
    pub fn commit(&mut self) -> Result<Resolved, PatchErrors> {
        let resolved = validate(&self.pending)?;
        self.active = self.pending.clone();
        Ok(resolved)
    }

    /// Throws away pending edits.
    pub fn abort(&mut self) {
        self.pending = self.active.clone();
    }

    /// Whether a cable's written source (maybe the short `osc1` form) is `canonical`.
    fn same_source(&self, written: &PortRef, canonical: &PortRef) -> bool {
        written == canonical
            || (written.port.is_none()
                && self
                    .canonical_source(&written.to_string())
                    .is_ok_and(|c| &c == canonical))
    }

    /// Whether a cable's written destination (maybe the short `env1` form) is `canonical`.
    fn same_dest(&self, written: &PortRef, canonical: &PortRef) -> bool {
        written == canonical
            || self
                .canonical_dest(&written.to_string())
                .is_ok_and(|c| &c == canonical)
    }

    fn canonical_source(&self, text: &str) -> Result<PortRef, EditError> {
        let mut port = PortRef::parse(text);
        let kind = self.kind_of(port.module.as_str())?;
        let name = port.port_or(main_output(kind)).to_owned();
        if kind.output_index(&name).is_none() {
            return Err(PatchError::UnknownOutput {
                at: format!("connect {text}"),
                module: port.module,
                kind: kind.name,
                port: name,
                available: kind.output_names(),
            }
            .into());
        }
        port.port = Some(name);
        Ok(port)
    }

    fn canonical_dest(&self, text: &str) -> Result<PortRef, EditError> {
        let mut port = PortRef::parse(text);
        let kind = self.kind_of(port.module.as_str())?;
        let name = port.port_or(main_input(kind)).to_owned();
        let canonical = if kind.input_index(&name).is_some() {
            name
        } else if let Some(p) = kind.param_index(&name) {
            if kind.params[p].modulation == Modulation::None {
                return Err(PatchError::NotModulatable {
                    at: format!("connect {text}"),
                    module: port.module,
                    param: name,
                }
                .into());
            }
            kind.params[p].name.to_owned()
        } else {
            return Err(PatchError::UnknownInput {
                at: format!("connect {text}"),
                module: port.module,
                kind: kind.name,
                port: name,
                available: kind.destination_names(),
            }
            .into());
        };
        port.port = Some(canonical);
        Ok(port)
    }
}
