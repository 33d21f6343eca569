//! The patch model: what a patch file says, as plain serde data.
//!
//! A patch is JSON, versioned by its `format` field, human-readable and stable: modules
//! (id, kind, params), connections (`"from": "osc1.out"`, `"to": "env1.in"`, optional
//! `gain`). Unknown fields are errors. This file owns the data shape only; checking it
//! against the module library is [`validate`], editing it is [`edit`]. Control side only.

pub mod edit;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::PatchError;
use crate::macros::MacroMapping;

/// The patch format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// At most this many modules in one patch.
pub const MAX_MODULES: usize = 256;
/// At most this many connections in one patch.
pub const MAX_CONNECTIONS: usize = 1024;
/// At most this many bytes of sample memory (delay lines) in one compiled patch.
pub const MAX_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// At most this many bytes of patch JSON are read.
pub const MAX_PATCH_BYTES: usize = 4 * 1024 * 1024;
/// Longest accepted module id, in bytes.
pub const MAX_ID_LEN: usize = 64;

/// A whole patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Patch format version; see [`FORMAT_VERSION`].
    pub format: u32,
    /// A human name for the patch.
    #[serde(default)]
    pub name: String,
    /// The modules, in file order (order has no meaning for processing).
    pub modules: Vec<ModuleSpec>,
    /// The cables.
    #[serde(default)]
    pub connections: Vec<Connection>,
    /// Host macro and MIDI CC mappings onto module params (see [`crate::macros`]);
    /// omitted from the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macros: Vec<MacroMapping>,
    /// Where the editor draws each module (canvas units). Layout only: it has no effect
    /// on the sound, the compiler ignores it, and modules without an entry are placed
    /// automatically. Omitted from the JSON when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub layout: BTreeMap<ModuleId, Position>,
}

/// A module's place on the editor's canvas, in canvas units (1 unit = 1 point at zoom 1),
/// x to the right, y downwards.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
}

impl Default for Patch {
    fn default() -> Self {
        Self {
            format: FORMAT_VERSION,
            name: String::new(),
            modules: Vec::new(),
            connections: Vec::new(),
            layout: BTreeMap::new(),
            macros: Vec::new(),
        }
    }
}

/// A module's stable identity within a patch (`osc1`, `filt1`, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModuleId(pub String);

impl ModuleId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ModuleId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// One module instance in a patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Unique id.
    pub id: ModuleId,
    /// Kind name (or alias) from the module library.
    pub kind: String,
    /// Param values by name; missing params take their default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
}

/// A param value as written in a patch: a number, or an option name for choice params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A number in the param's unit.
    Number(f64),
    /// An option name, for choice params (`"lowpass"`, `"pink"`).
    Choice(String),
}

impl From<f32> for ParamValue {
    fn from(v: f32) -> Self {
        ParamValue::Number(f64::from(v))
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Number(n) => write!(f, "{n}"),
            ParamValue::Choice(c) => write!(f, "\"{c}\""),
        }
    }
}

/// A cable from an output port to an input port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// Source, `module.port`.
    pub from: PortRef,
    /// Destination, `module.port` (a signal input or a param's modulation port).
    pub to: PortRef,
    /// Scale applied to the signal on the way (default 1).
    #[serde(default = "unity", skip_serializing_if = "is_unity")]
    pub gain: f32,
}

fn unity() -> f32 {
    1.0
}

fn is_unity(g: &f32) -> bool {
    *g == 1.0
}

impl Connection {
    /// A unity-gain connection.
    pub fn new(from: PortRef, to: PortRef) -> Self {
        Self {
            from,
            to,
            gain: 1.0,
        }
    }
}

/// A port address, written `module.port` in JSON. A bare `module` means its main port
/// (`out` as a source, `in` as a destination), as the prototype's `connect osc1 env1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRef {
    /// The module.
    pub module: ModuleId,
    /// The port name; `None` means the main port.
    pub port: Option<String>,
}

impl PortRef {
    /// Parses `module.port` or `module`.
    pub fn parse(text: &str) -> Self {
        match text.split_once('.') {
            Some((m, p)) => Self {
                module: ModuleId(m.to_owned()),
                port: Some(p.to_owned()),
            },
            None => Self {
                module: ModuleId(text.to_owned()),
                port: None,
            },
        }
    }

    /// The port name, or `main` when unspecified.
    pub fn port_or<'a>(&'a self, main: &'a str) -> &'a str {
        self.port.as_deref().unwrap_or(main)
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.port {
            Some(p) => write!(f, "{}.{}", self.module, p),
            None => write!(f, "{}", self.module),
        }
    }
}

impl Serialize for PortRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(PortRef::parse(&text))
    }
}

impl Patch {
    /// Parses patch JSON. Checks only the JSON shape and the format version; see
    /// [`validate::validate`] for the rest.
    ///
    /// # Errors
    /// [`PatchError::TooLarge`], [`PatchError::Json`] (with line and column),
    /// [`PatchError::UnsupportedFormat`].
    pub fn from_json(text: &str) -> Result<Self, PatchError> {
        if text.len() > MAX_PATCH_BYTES {
            return Err(PatchError::TooLarge {
                bytes: text.len(),
                max: MAX_PATCH_BYTES,
            });
        }
        let patch: Patch = serde_json::from_str(text).map_err(|e| PatchError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if patch.format == 0 || patch.format > FORMAT_VERSION {
            return Err(PatchError::UnsupportedFormat {
                found: patch.format,
                supported: FORMAT_VERSION,
            });
        }
        Ok(patch)
    }

    /// Pretty JSON for this patch.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a patch always serializes")
    }

    /// The module with id `id`.
    pub fn module(&self, id: &str) -> Option<&ModuleSpec> {
        self.modules.iter().find(|m| m.id.as_str() == id)
    }

    /// The module with id `id`, mutably.
    pub fn module_mut(&mut self, id: &str) -> Option<&mut ModuleSpec> {
        self.modules.iter_mut().find(|m| m.id.as_str() == id)
    }
}
