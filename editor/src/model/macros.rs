//! Macro mappings as the editor edits them: which of the host's 16 macros (or which MIDI
//! CC) drives which module param, over what range, along what curve.
//!
//! The mapping type is the engine's ([`MacroMapping`], stored in `Patch::macros`). The
//! editor document still keeps its list beside the [`Patch`] and splices it in and out
//! of the patch JSON here ([`split_json`], [`join_json`]); moving the document onto
//! `Patch::macros` directly is the remaining step.
//!
//! Control side (GUI thread) only.

use chronus_engine::Patch;
use chronus_engine::module::{KindSpec, MACRO_COUNT, Unit};
use chronus_engine::modules;

/// MIDI continuous controllers a mapping may use (0..=127).
pub const CC_COUNT: u32 = 128;

/// At most this many mappings in one patch (the engine's limit).
pub const MAX_MAPPINGS: usize = 256;

/// One mapping, as written in the patch JSON: the engine's type, so the editor and the
/// engine can never disagree on its shape.
pub use chronus_engine::macros::{Curve, MacroMapping};

/// Whether `mapping`'s target module is in `patch` (a mapping whose module is missing is
/// kept but inactive, and acts again when the module returns).
pub fn is_active(mapping: &MacroMapping, patch: &Patch) -> bool {
    patch.module(mapping.target.module.as_str()).is_some()
}

/// The kind and param index a mapping targets, if its module is in `patch` and has the
/// param.
pub fn target_param(mapping: &MacroMapping, patch: &Patch) -> Option<(&'static KindSpec, usize)> {
    let module = patch.module(mapping.target.module.as_str())?;
    let kind = modules::find(&module.kind)?;
    let index = kind.param_index(mapping.target.port.as_deref()?)?;
    Some((kind, index))
}

/// Checks one mapping against `patch`, as the engine will at commit.
///
/// # Errors
/// A person-readable reason naming the mapping: bad source, missing or unknown param,
/// a choice param, a range outside the param's, an exponential curve through zero.
pub fn check(mapping: &MacroMapping, patch: &Patch) -> Result<(), String> {
    let label = format!("mapping {} -> {}", mapping.source_label(), mapping.target);
    match (mapping.macro_number, mapping.cc) {
        (Some(n), None) if (1..=MACRO_COUNT as u32).contains(&n) => {}
        (None, Some(cc)) if cc < CC_COUNT => {}
        _ => {
            return Err(format!(
                "{label}: give either a macro 1..{MACRO_COUNT} or a CC 0..{}",
                CC_COUNT - 1
            ));
        }
    }
    let Some(param) = mapping.target.port.as_deref().filter(|p| !p.is_empty()) else {
        return Err(format!("{label}: the target must be `module.param`"));
    };
    let Some(module) = patch.module(mapping.target.module.as_str()) else {
        // Inactive, not wrong: kept until the module returns.
        return Ok(());
    };
    let Some(kind) = modules::find(&module.kind) else {
        return Err(format!("{label}: module kind `{}` is unknown", module.kind));
    };
    let Some(index) = kind.param_index(param) else {
        let names: Vec<&str> = kind.params.iter().map(|p| p.name).collect();
        return Err(format!(
            "{label}: `{}` ({}) has no param `{param}`; its params: {}",
            module.id,
            kind.name,
            names.join(", ")
        ));
    };
    let spec = &kind.params[index];
    if spec.unit == Unit::Choice {
        return Err(format!("{label}: a choice param cannot be mapped"));
    }
    let min = mapping.min.unwrap_or(spec.min);
    let max = mapping.max.unwrap_or(spec.max);
    for (name, v) in [("min", min), ("max", max)] {
        if !v.is_finite() || v < spec.min || v > spec.max {
            return Err(format!(
                "{label}: {name} {v} is outside the param's range {} .. {}{}",
                spec.min,
                spec.max,
                suffix(spec.unit)
            ));
        }
    }
    if mapping.curve == Curve::Exponential
        && (min == 0.0 || max == 0.0 || (min < 0.0) != (max < 0.0))
    {
        return Err(format!(
            "{label}: an exponential curve needs min and max non-zero and of the same sign"
        ));
    }
    Ok(())
}

fn suffix(unit: Unit) -> String {
    match unit.suffix() {
        "" => String::new(),
        s => format!(" {s}"),
    }
}

/// Checks every mapping and the count.
///
/// # Errors
/// Every problem found, one per line.
pub fn check_all(mappings: &[MacroMapping], patch: &Patch) -> Result<(), String> {
    let mut problems: Vec<String> = mappings
        .iter()
        .enumerate()
        .filter_map(|(i, m)| check(m, patch).err().map(|e| format!("macros[{i}]: {e}")))
        .collect();
    if mappings.len() > MAX_MAPPINGS {
        problems.push(format!(
            "too many macro mappings: {} (at most {MAX_MAPPINGS})",
            mappings.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Splits patch JSON into the engine's [`Patch`] and the macro list.
///
/// # Errors
/// The JSON or the patch shape is wrong (the engine's message, with line and column
/// where known), or the `macros` list is malformed.
pub fn split_json(text: &str) -> Result<(Patch, Vec<MacroMapping>), String> {
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "invalid patch JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let macros = match value.as_object_mut().and_then(|o| o.remove("macros")) {
        Some(list) => serde_json::from_value::<Vec<MacroMapping>>(list)
            .map_err(|e| format!("invalid `macros` list: {e}"))?,
        None => Vec::new(),
    };
    let rest = serde_json::to_string(&value).map_err(|e| e.to_string())?;
    let patch = Patch::from_json(&rest).map_err(|e| e.to_string())?;
    Ok((patch, macros))
}

/// Patch JSON with `macros` spliced in (omitted when empty), pretty-printed.
pub fn join_json(patch: &Patch, macros: &[MacroMapping]) -> String {
    if macros.is_empty() {
        return patch.to_json();
    }
    let mut value = serde_json::to_value(patch).expect("a patch always serializes");
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "macros".to_owned(),
            serde_json::to_value(macros).expect("mappings always serialize"),
        );
    }
    serde_json::to_string_pretty(&value).expect("a JSON value always serializes")
}
