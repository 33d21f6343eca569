//! Validation: checks a [`Patch`] against the module library and resolves every name to
//! an index, producing a [`Resolved`] patch that the compiler builds from.
//!
//! Reports every problem it finds (not just the first), each naming the JSON location
//! and the module, port or param at fault. Control side only; allocates freely.

use std::collections::{BTreeMap, HashMap};

use super::{MAX_CONNECTIONS, MAX_ID_LEN, MAX_MODULES, ModuleId, ModuleSpec, ParamValue, Patch};
use crate::compile::order::{self, Step};
use crate::error::{PatchError, PatchErrors};
use crate::macros::{self, ResolvedMapping};
use crate::module::{KindSpec, Modulation, Unit, name_list};
use crate::modules;

/// Largest magnitude of a connection's gain.
pub const MAX_CONNECTION_GAIN: f32 = 1000.0;

/// A patch whose every name has been resolved against the module library.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Modules, in patch order.
    pub modules: Vec<ResolvedModule>,
    /// Connections, in patch order.
    pub connections: Vec<ResolvedConnection>,
    /// Where the sound leaves.
    pub sink: Sink,
    /// Processing order.
    pub order: Vec<Step>,
    /// Macro and CC mappings, in patch order (inactive ones included, see
    /// [`crate::macros`]).
    pub macros: Vec<ResolvedMapping>,
}

/// One module, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedModule {
    /// Its id.
    pub id: ModuleId,
    /// Its kind.
    pub kind: &'static KindSpec,
    /// Param values in kind order, defaults filled in.
    pub params: Vec<f32>,
}

/// One connection, resolved to indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedConnection {
    /// Source module index.
    pub from_module: usize,
    /// Source output index.
    pub from_output: usize,
    /// Destination module index.
    pub to_module: usize,
    /// Destination port.
    pub to: Dest,
    /// Scale on the way.
    pub gain: f32,
}

/// A connection's destination port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dest {
    /// A signal input, by index.
    Input(usize),
    /// A param's modulation port, by param index.
    Param(usize),
}

/// Where the patch's sound leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// The `output` module at this index.
    Output(usize),
    /// No `output` module: this module's output plays on both sides.
    Module {
        /// Module index.
        module: usize,
        /// Its output index.
        output: usize,
    },
}

/// Checks `patch` and resolves it.
///
/// # Errors
/// Every [`PatchError`] found, in patch order.
pub fn validate(patch: &Patch) -> Result<Resolved, PatchErrors> {
    let mut errors = Vec::new();
    if patch.modules.len() > MAX_MODULES {
        errors.push(PatchError::TooManyModules {
            count: patch.modules.len(),
            max: MAX_MODULES,
        });
    }
    if patch.connections.len() > MAX_CONNECTIONS {
        errors.push(PatchError::TooManyConnections {
            count: patch.connections.len(),
            max: MAX_CONNECTIONS,
        });
    }
    if !errors.is_empty() {
        return Err(PatchErrors(errors));
    }

    let mut modules = Vec::with_capacity(patch.modules.len());
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    // Modules that failed to resolve still occupy an index, so connections to them are
    // not reported a second time as "unknown module".
    let mut broken = vec![false; patch.modules.len()];
    for (i, spec) in patch.modules.iter().enumerate() {
        let at = format!("modules[{i}]");
        if let Err(e) = check_id(&spec.id, &at) {
            errors.push(e);
        }
        if index_of.insert(spec.id.as_str(), i).is_some() {
            errors.push(PatchError::DuplicateId {
                at: at.clone(),
                id: spec.id.clone(),
            });
        }
        match resolve_module(spec, &at, &mut errors) {
            Some(m) => modules.push(m),
            None => {
                broken[i] = true;
                modules.push(ResolvedModule {
                    id: spec.id.clone(),
                    kind: &crate::modules::output::KIND,
                    params: Vec::new(),
                });
            }
        }
    }

    let mappings = macros::resolve(patch, &index_of, &modules, &broken, &mut errors);

    let mut connections = Vec::with_capacity(patch.connections.len());
    let mut driven: BTreeMap<(usize, Dest), usize> = BTreeMap::new();
    for (c_idx, c) in patch.connections.iter().enumerate() {
        let at = format!("connections[{c_idx}]");
        let from = index_of.get(c.from.module.as_str()).copied();
        let to = index_of.get(c.to.module.as_str()).copied();
        if from.is_none() {
            errors.push(PatchError::UnknownModule {
                at: format!("{at}.from"),
                module: c.from.module.clone(),
                port: c.from.to_string(),
            });
        }
        if to.is_none() {
            errors.push(PatchError::UnknownModule {
                at: format!("{at}.to"),
                module: c.to.module.clone(),
                port: c.to.to_string(),
            });
        }
        if !c.gain.is_finite() || c.gain.abs() > MAX_CONNECTION_GAIN {
            errors.push(PatchError::BadGain {
                at: format!("{at}.gain"),
                gain: c.gain,
                max: MAX_CONNECTION_GAIN,
            });
        }
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        if broken[from] || broken[to] {
            continue;
        }
        let from_kind = modules[from].kind;
        let to_kind = modules[to].kind;
        let from_port = c
            .from
            .port
            .as_deref()
            .unwrap_or_else(|| main_output(from_kind));
        let Some(from_output) = from_kind.output_index(from_port) else {
            errors.push(PatchError::UnknownOutput {
                at: format!("{at}.from"),
                module: c.from.module.clone(),
                kind: from_kind.name,
                port: from_port.to_owned(),
                available: from_kind.output_names(),
            });
            continue;
        };
        let to_port = c.to.port.as_deref().unwrap_or_else(|| main_input(to_kind));
        let dest = if let Some(i) = to_kind.input_index(to_port) {
            Dest::Input(i)
        } else if let Some(p) = to_kind.param_index(to_port) {
            if to_kind.params[p].modulation == Modulation::None {
                errors.push(PatchError::NotModulatable {
                    at: format!("{at}.to"),
                    module: c.to.module.clone(),
                    param: to_kind.params[p].name.to_owned(),
                });
                continue;
            }
            Dest::Param(p)
        } else {
            errors.push(PatchError::UnknownInput {
                at: format!("{at}.to"),
                module: c.to.module.clone(),
                kind: to_kind.name,
                port: to_port.to_owned(),
                available: to_kind.destination_names(),
            });
            continue;
        };
        if let Some(&first) = driven.get(&(to, dest)) {
            errors.push(PatchError::InputDrivenTwice {
                at,
                to: c.to.to_string(),
                first: patch.connections[first].from.to_string(),
                second: c.from.to_string(),
            });
            continue;
        }
        driven.insert((to, dest), c_idx);
        connections.push(ResolvedConnection {
            from_module: from,
            from_output,
            to_module: to,
            to: dest,
            gain: c.gain,
        });
    }

    if !errors.is_empty() {
        return Err(PatchErrors(errors));
    }

    let sink = find_sink(&modules, &connections)?;
    let order = order::schedule(&modules, &connections).map_err(|cycle| PatchError::Cycle {
        modules: cycle.into_iter().map(|m| modules[m].id.clone()).collect(),
    })?;
    Ok(Resolved {
        modules,
        connections,
        sink,
        order,
        macros: mappings,
    })
}

/// The output a bare `module` refers to as a source: `out`, else the first output.
pub fn main_output(kind: &KindSpec) -> &'static str {
    if kind.output_index("out").is_some() {
        "out"
    } else {
        kind.outputs.first().map_or("out", |o| o.name)
    }
}

/// The input a bare `module` refers to as a destination: `in`, else the first input.
pub fn main_input(kind: &KindSpec) -> &'static str {
    if kind.input_index("in").is_some() {
        "in"
    } else {
        kind.inputs.first().map_or("in", |i| i.name)
    }
}

fn check_id(id: &ModuleId, at: &str) -> Result<(), PatchError> {
    let s = id.as_str();
    let ok = !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(PatchError::InvalidId {
            at: at.to_owned(),
            id: id.clone(),
            max: MAX_ID_LEN,
        })
    }
}

fn resolve_module(
    spec: &ModuleSpec,
    at: &str,
    errors: &mut Vec<PatchError>,
) -> Option<ResolvedModule> {
    let Some(kind) = modules::find(&spec.kind) else {
        errors.push(PatchError::UnknownKind {
            at: at.to_owned(),
            id: spec.id.clone(),
            kind: spec.kind.clone(),
            hint: modules::suggest(&spec.kind)
                .map(|s| format!(", did you mean `{s}`?"))
                .unwrap_or_default(),
        });
        return None;
    };
    let mut params: Vec<f32> = kind.params.iter().map(|p| p.default).collect();
    let mut ok = true;
    for (name, value) in &spec.params {
        let at = format!("{at}.params.{name}");
        match param_value(kind, &spec.id, name, value, &at) {
            Ok((p, v)) => params[p] = v,
            Err(e) => {
                errors.push(e);
                ok = false;
            }
        }
    }
    ok.then(|| ResolvedModule {
        id: spec.id.clone(),
        kind,
        params,
    })
}

/// Resolves one param assignment of a module of `kind` to (param index, value).
///
/// # Errors
/// [`PatchError::UnknownParam`], [`PatchError::OutOfRange`], [`PatchError::BadChoice`].
pub fn param_value(
    kind: &'static KindSpec,
    module: &ModuleId,
    name: &str,
    value: &ParamValue,
    at: &str,
) -> Result<(usize, f32), PatchError> {
    let Some(p) = kind.param_index(name) else {
        return Err(PatchError::UnknownParam {
            at: at.to_owned(),
            module: module.clone(),
            kind: kind.name,
            param: name.to_owned(),
            available: kind.param_names(),
        });
    };
    let spec = &kind.params[p];
    let bad_choice = |v: String| PatchError::BadChoice {
        at: at.to_owned(),
        module: module.clone(),
        param: spec.name.to_owned(),
        value: v,
        choices: name_list(spec.choices.iter().copied()),
    };
    let v = match value {
        ParamValue::Choice(c) => match spec.choices.iter().position(|o| o == c) {
            Some(i) => i as f32,
            None => return Err(bad_choice(format!("\"{c}\""))),
        },
        ParamValue::Number(n) => {
            // Compare in f32, the precision params live in, so a bound written in JSON
            // (e.g. 0.1) is accepted although 0.1f64 > 0.1f32.
            let v = *n as f32;
            let in_range = v.is_finite() && v >= spec.min && v <= spec.max;
            if spec.unit == Unit::Choice && (!in_range || n.fract() != 0.0) {
                return Err(bad_choice(n.to_string()));
            }
            if !in_range {
                return Err(PatchError::OutOfRange {
                    at: at.to_owned(),
                    module: module.clone(),
                    param: spec.name.to_owned(),
                    value: *n,
                    min: spec.min,
                    max: spec.max,
                    unit: match spec.unit.suffix() {
                        "" => String::new(),
                        s => format!(" {s}"),
                    },
                });
            }
            *n as f32
        }
    };
    Ok((p, v))
}

fn find_sink(
    modules: &[ResolvedModule],
    connections: &[ResolvedConnection],
) -> Result<Sink, PatchError> {
    let outputs: Vec<usize> = (0..modules.len())
        .filter(|&m| std::ptr::eq(modules[m].kind, &crate::modules::output::KIND))
        .collect();
    match outputs.as_slice() {
        [one] => return Ok(Sink::Output(*one)),
        [] => {}
        many => {
            return Err(PatchError::SeveralOutputs {
                ids: many.iter().map(|&m| modules[m].id.clone()).collect(),
            });
        }
    }
    let mut read = vec![false; modules.len()];
    for c in connections {
        read[c.from_module] = true;
    }
    let sinks: Vec<usize> = (0..modules.len())
        .filter(|&m| !read[m] && !modules[m].kind.outputs.is_empty())
        .collect();
    match sinks.as_slice() {
        [] => Err(PatchError::OutputMissing),
        [one] => {
            let kind = modules[*one].kind;
            Ok(Sink::Module {
                module: *one,
                output: kind.output_index(main_output(kind)).unwrap_or(0),
            })
        }
        many => Err(PatchError::SeveralSinks {
            ids: many.iter().map(|&m| modules[m].id.clone()).collect(),
        }),
    }
}
