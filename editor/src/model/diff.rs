//! "What changed": the difference between the patch that plays and the pending one, as
//! the commit bar lists it: modules added and removed, cables added and removed, params
//! changed, macro mappings added and removed. Layout (box positions) never counts: it
//! does not change the sound. GUI thread.

use std::fmt;

use chronus_engine::macros::MacroMapping;
use chronus_engine::modules;
use chronus_engine::patch::{Connection, ModuleSpec, ParamValue};

use super::document::{Document, number_of};

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A module that is new (or whose kind changed).
    ModuleAdded {
        /// Its id.
        id: String,
        /// Its kind.
        kind: String,
    },
    /// A module that is gone.
    ModuleRemoved {
        /// Its id.
        id: String,
        /// Its kind.
        kind: String,
    },
    /// A new cable (`from -> to`, with its gain when not 1).
    CableAdded(String),
    /// A cable that is gone.
    CableRemoved(String),
    /// A param of a module present in both.
    ParamChanged {
        /// `module.param`.
        param: String,
        /// Value before.
        from: String,
        /// Value after.
        to: String,
    },
    /// A new macro mapping.
    MappingAdded(String),
    /// A mapping that is gone.
    MappingRemoved(String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::ModuleAdded { id, kind } => write!(f, "+ {id} ({kind})"),
            Change::ModuleRemoved { id, kind } => write!(f, "- {id} ({kind})"),
            Change::CableAdded(c) => write!(f, "+ cable {c}"),
            Change::CableRemoved(c) => write!(f, "- cable {c}"),
            Change::ParamChanged { param, from, to } => write!(f, "{param}: {from} -> {to}"),
            Change::MappingAdded(m) => write!(f, "+ mapping {m}"),
            Change::MappingRemoved(m) => write!(f, "- mapping {m}"),
        }
    }
}

/// Every change from `before` to `after`, in a stable order (modules, cables, params,
/// mappings).
pub fn diff(before: &Document, after: &Document) -> Vec<Change> {
    let mut out = Vec::new();
    let kind_of = |m: &ModuleSpec| modules::find(&m.kind).map_or(m.kind.clone(), |k| k.name.into());
    let same = |a: &ModuleSpec, b: &ModuleSpec| a.id == b.id && kind_of(a) == kind_of(b);
    for m in &after.patch.modules {
        if !before.patch.modules.iter().any(|b| same(b, m)) {
            out.push(Change::ModuleAdded {
                id: m.id.to_string(),
                kind: kind_of(m),
            });
        }
    }
    for m in &before.patch.modules {
        if !after.patch.modules.iter().any(|a| same(a, m)) {
            out.push(Change::ModuleRemoved {
                id: m.id.to_string(),
                kind: kind_of(m),
            });
        }
    }
    let cables = |d: &Document| -> Vec<String> {
        d.patch
            .connections
            .iter()
            .map(|c| cable_text(d, c))
            .collect()
    };
    let (was, now) = (cables(before), cables(after));
    out.extend(
        now.iter()
            .filter(|c| !was.contains(c))
            .map(|c| Change::CableAdded(c.clone())),
    );
    out.extend(
        was.iter()
            .filter(|c| !now.contains(c))
            .map(|c| Change::CableRemoved(c.clone())),
    );
    for a in &after.patch.modules {
        let Some(b) = before.patch.modules.iter().find(|b| same(b, a)) else {
            continue;
        };
        let Some(kind) = modules::find(&a.kind) else {
            continue;
        };
        for (i, spec) in kind.params.iter().enumerate() {
            let value = |m: &ModuleSpec| -> Option<f32> {
                m.params
                    .iter()
                    .find(|(k, _)| kind.param_index(k) == Some(i))
                    .map_or(Some(spec.default), |(_, v)| number_of(kind, i, v))
            };
            let (old, new) = (value(b), value(a));
            if old != new {
                let show = |v: Option<f32>| match v {
                    Some(v) if !spec.choices.is_empty() => spec
                        .choices
                        .get(v as usize)
                        .map_or(v.to_string(), |c| (*c).to_owned()),
                    Some(v) => format!("{}{}", trim(v), unit(spec.unit.suffix())),
                    None => "?".to_owned(),
                };
                out.push(Change::ParamChanged {
                    param: format!("{}.{}", a.id, spec.name),
                    from: show(old),
                    to: show(new),
                });
            }
        }
    }
    let mapping_text = |m: &MacroMapping| {
        let range = match (m.min, m.max) {
            (Some(lo), Some(hi)) => format!(" {}..{}", trim(lo), trim(hi)),
            _ => String::new(),
        };
        format!(
            "{} -> {}{range} {}",
            m.source_label(),
            m.target,
            m.curve.short()
        )
    };
    for m in &after.patch.macros {
        if !before.patch.macros.contains(m) {
            out.push(Change::MappingAdded(mapping_text(m)));
        }
    }
    for m in &before.patch.macros {
        if !after.patch.macros.contains(m) {
            out.push(Change::MappingRemoved(mapping_text(m)));
        }
    }
    out
}

/// Whether `change` needs a commit to be heard (everything but a param change on a
/// module that plays: those are set live).
pub fn is_structural(change: &Change) -> bool {
    !matches!(change, Change::ParamChanged { .. })
}

/// A cable as text, ports spelled out (`osc1.out -> env1.in`, ` x0.5` for a gain).
fn cable_text(doc: &Document, c: &Connection) -> String {
    let port = |r: &chronus_engine::patch::PortRef, output: bool| {
        if r.port.is_some() {
            return r.to_string();
        }
        let main = doc
            .patch
            .module(r.module.as_str())
            .and_then(|m| modules::find(&m.kind))
            .and_then(|k| {
                if output {
                    k.outputs.first().map(|o| o.name)
                } else {
                    k.inputs.first().map(|i| i.name)
                }
            })
            .unwrap_or(if output { "out" } else { "in" });
        format!("{}.{main}", r.module)
    };
    let gain = if c.gain == 1.0 {
        String::new()
    } else {
        format!(" x{}", trim(c.gain))
    };
    format!("{} -> {}{gain}", port(&c.from, true), port(&c.to, false))
}

fn unit(suffix: &str) -> String {
    if suffix.is_empty() {
        String::new()
    } else {
        format!(" {suffix}")
    }
}

/// A number without needless digits (`440`, `0.7`, `1234.5`).
pub fn trim(v: f32) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// `ParamValue` as shown in lists.
pub fn value_text(v: &ParamValue) -> String {
    match v {
        ParamValue::Number(n) => trim(*n as f32),
        ParamValue::Choice(c) => c.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronus_engine::patch::Position;

    fn doc() -> Document {
        Document::from_json(
            r#"{ "format": 1, "modules": [
                { "id": "osc1", "kind": "simple_sine", "params": { "freq": 220 } },
                { "id": "out", "kind": "output" } ],
              "connections": [ { "from": "osc1", "to": "out" } ] }"#,
        )
        .unwrap()
    }

    #[test]
    fn nothing_changed_means_no_changes_even_after_moving_boxes() {
        let a = doc();
        let mut b = a.clone();
        b.move_module(&"osc1".into(), Position { x: 999.0, y: 1.0 });
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn lists_modules_cables_params_and_mappings() {
        let a = doc();
        let mut b = a.clone();
        b.add_module("adsr", Position::default()).unwrap();
        b.disconnect("osc1.out", "out.in").unwrap();
        b.connect("osc1.out", "env1.in").unwrap();
        b.connect("env1.out", "out.in").unwrap();
        b.set_param("osc1", "freq", ParamValue::Number(330.0))
            .unwrap();
        b.add_mapping(
            MacroMapping::new(1, "env1.attack", 1.0, 100.0).with_curve(Default::default()),
        )
        .unwrap();
        let text: Vec<String> = diff(&a, &b).iter().map(|c| c.to_string()).collect();
        assert_eq!(
            text,
            [
                "+ env1 (adsr)",
                "+ cable osc1.out -> env1.in",
                "+ cable env1.out -> out.in",
                "- cable osc1.out -> out.in",
                "osc1.freq: 220 Hz -> 330 Hz",
                "+ mapping M1 -> env1.attack 1..100 lin",
            ]
        );
        assert_eq!(diff(&a, &b).iter().filter(|c| is_structural(c)).count(), 5);
    }

    #[test]
    fn a_kind_change_under_one_id_is_a_remove_and_an_add() {
        let a = doc();
        let mut b = a.clone();
        b.patch.modules[0].kind = "saw".into();
        b.patch.modules[0].params.clear();
        let text: Vec<String> = diff(&a, &b).iter().map(|c| c.to_string()).collect();
        assert_eq!(text, ["+ osc1 (saw)", "- osc1 (sine)"]);
    }

    #[test]
    fn numbers_are_trimmed() {
        assert_eq!(trim(440.0), "440");
        assert_eq!(trim(0.70001), "0.7");
        assert_eq!(trim(-0.0001), "0");
    }
}
