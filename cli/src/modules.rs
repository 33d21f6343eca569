//! `chronus modules [--json] [--markdown]`: the module reference, generated from the
//! engine's [`KindSpec`]s so it can never disagree with the code. Plain text for people
//! at a terminal, JSON for tools, Markdown for `docs/modules.md` (a test in
//! `cli/tests/docs.rs` keeps that file equal to this output). Main thread only.
//!
//! Kinds of the `test` category (built only for engine tests) are never listed, so the
//! output does not depend on which features the engine was built with.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use chronus_engine::module::{Category, KindSpec, Modulation, ParamSpec, Unit};
use chronus_engine::modules;

use crate::CliError;

/// How to print the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text.
    Text,
    /// A JSON array of kinds.
    Json,
    /// The Markdown module reference.
    Markdown,
}

/// Prints the module reference in `format` to stdout.
///
/// # Errors
/// [`CliError::Io`] when stdout cannot be written (a closed pipe is not an error).
pub fn run(format: Format) -> Result<ExitCode, CliError> {
    let kinds = user_kinds();
    let text = match format {
        Format::Text => text(&kinds),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&kinds).expect("kind specs serialize");
            json.push('\n');
            json
        }
        Format::Markdown => markdown(&kinds),
    };
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Every kind a patch may use, in palette order (test-only kinds left out).
pub fn user_kinds() -> Vec<&'static KindSpec> {
    modules::all()
        .filter(|k| k.category != Category::Test)
        .collect()
}

/// The palette order of categories, with their headings.
const CATEGORIES: [(Category, &str); 5] = [
    (Category::Source, "Sources"),
    (Category::Shaper, "Shapers"),
    (Category::Filter, "Filters"),
    (Category::Time, "Time"),
    (Category::Io, "Input and output"),
];

fn category_name(c: Category) -> &'static str {
    match c {
        Category::Source => "source",
        Category::Shaper => "shaper",
        Category::Filter => "filter",
        Category::Time => "time",
        Category::Io => "io",
        Category::Test => "test",
    }
}

fn modulation_name(m: Modulation) -> &'static str {
    match m {
        Modulation::VoltPerOctave => "V/oct",
        Modulation::Additive => "additive",
        Modulation::None => "none",
    }
}

/// The range of a param as shown to people: `0.01 .. 20000 Hz`, or its options.
fn range(p: &ParamSpec) -> String {
    if p.unit == Unit::Choice {
        p.choices.join(" | ")
    } else {
        with_unit(&format!("{} .. {}", p.min, p.max), p.unit)
    }
}

/// The default of a param as shown to people: `440 Hz`, or an option name.
fn default(p: &ParamSpec) -> String {
    if p.unit == Unit::Choice {
        let i = p.default as usize;
        p.choices
            .get(i)
            .map_or_else(|| i.to_string(), |c| c.to_string())
    } else {
        with_unit(&p.default.to_string(), p.unit)
    }
}

fn with_unit(value: &str, unit: Unit) -> String {
    match unit.suffix() {
        "" => value.to_owned(),
        s => format!("{value} {s}"),
    }
}

fn aliases(names: &[&str]) -> String {
    names
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plain-text listing.
pub fn text(kinds: &[&KindSpec]) -> String {
    let mut s = String::new();
    for k in kinds {
        let _ = write!(s, "{} [{}]", k.name, category_name(k.category));
        if !k.aliases.is_empty() {
            let _ = write!(s, " (alias {})", k.aliases.join(", "));
        }
        let _ = writeln!(s, ": {}", k.summary);
        if !k.params.is_empty() {
            let _ = writeln!(s, "  params:");
            let width = k.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
            for p in k.params {
                let _ = write!(
                    s,
                    "    {:width$}  {}, default {}, modulation {}",
                    p.name,
                    range(p),
                    default(p),
                    modulation_name(p.modulation),
                );
                if !p.aliases.is_empty() {
                    let _ = write!(s, ", alias {}", p.aliases.join(", "));
                }
                if !p.doc.is_empty() {
                    let _ = write!(s, ": {}", p.doc);
                }
                s.push('\n');
            }
        }
        let ports = |s: &mut String, title: &str, ports: Vec<(&str, &str, bool)>| {
            if ports.is_empty() {
                return;
            }
            let _ = writeln!(s, "  {title}:");
            let width = ports.iter().map(|p| p.0.len()).max().unwrap_or(0);
            for (name, doc, delayed) in ports {
                let delayed = if delayed {
                    "  (delayed: may close a feedback loop)"
                } else {
                    ""
                };
                let line = format!("    {name:width$}{delayed}  {doc}");
                let _ = writeln!(s, "{}", line.trim_end());
            }
        };
        ports(
            &mut s,
            "inputs",
            k.inputs.iter().map(|i| (i.name, i.doc, false)).collect(),
        );
        ports(
            &mut s,
            "outputs",
            k.outputs
                .iter()
                .map(|o| (o.name, o.doc, o.delayed))
                .collect(),
        );
        s.push('\n');
    }
    s
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown module reference (the contents of `docs/modules.md`).
pub fn markdown(kinds: &[&KindSpec]) -> String {
    let mut s = String::new();
    s.push_str(
        "# Chronus module reference\n\n\
         <!-- Generated by `chronus modules --markdown`; do not edit by hand. Regenerate with\n     \
         `CHRONUS_UPDATE_DOCS=1 cargo test -p chronus-cli --test docs`. -->\n\n\
         Every kind a patch may use, with its params, inputs and outputs, as the engine\n\
         declares them.\n\n\
         - Write a param in a module's `params` (`\"cutoff\": 800`); a value outside the\n  \
         range is an error naming the range. Choice params take an option name or its index.\n\
         - Every param whose modulation is not `none` is also an input port of the same name:\n  \
         a connection to it modulates the param. `V/oct` multiplies the value by `2^signal`\n  \
         (frequencies: connect `note.pitch` to track the keyboard); `additive` adds the\n  \
         signal, in the param's own units. The result is clamped to the range.\n\
         - Pitch: 0 V = A4 = MIDI note 69 = 440 Hz; one volt per octave.\n\
         - A bare module name in a connection means its main port: `out` as a source, `in`\n  \
         as a destination.\n\
         - A feedback loop is only allowed through a *delayed* output (such as `delay.wet`).\n\n",
    );
    s.push_str("| Kind | Category | Summary |\n|---|---|---|\n");
    for k in kinds {
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | {} | {} |",
            k.name,
            k.name,
            category_name(k.category),
            cell(k.summary)
        );
    }
    for (category, heading) in CATEGORIES {
        let in_category: Vec<_> = kinds.iter().filter(|k| k.category == category).collect();
        if in_category.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n## {heading}");
        for k in in_category {
            kind_markdown(&mut s, k);
        }
    }
    s
}

fn kind_markdown(s: &mut String, k: &KindSpec) {
    let _ = writeln!(s, "\n### {}\n", k.name);
    s.push_str(k.summary);
    if !k.summary.ends_with('.') {
        s.push('.');
    }
    if !k.aliases.is_empty() {
        let _ = write!(s, " Also accepted as {}.", aliases(k.aliases));
    }
    s.push('\n');
    if !k.params.is_empty() {
        s.push_str(
            "\n| Param | Range | Default | Modulation | Description |\n|---|---|---|---|---|\n",
        );
        for p in k.params {
            let mut name = format!("`{}`", p.name);
            if !p.aliases.is_empty() {
                let _ = write!(name, " (alias {})", aliases(p.aliases));
            }
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} |",
                cell(&range(p)),
                cell(&default(p)),
                modulation_name(p.modulation),
                cell(p.doc)
            );
        }
    }
    if !k.inputs.is_empty() {
        s.push_str("\n| Input | Description |\n|---|---|\n");
        for i in k.inputs {
            let _ = writeln!(s, "| `{}` | {} |", i.name, cell(i.doc));
        }
    }
    if !k.outputs.is_empty() {
        s.push_str("\n| Output | Description |\n|---|---|\n");
        for o in k.outputs {
            let delayed = if o.delayed {
                " *Delayed: a feedback loop may pass through it.*"
            } else {
                ""
            };
            let _ = writeln!(s, "| `{}` | {}{delayed} |", o.name, cell(o.doc));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_kind_is_listed_and_test_kinds_are_not() {
        let kinds = user_kinds();
        let md = markdown(&kinds);
        let txt = text(&kinds);
        for k in &kinds {
            assert!(md.contains(&format!("\n### {}\n", k.name)), "{}", k.name);
            assert!(txt.contains(&format!("{} [", k.name)), "{}", k.name);
        }
        assert!(kinds.iter().any(|k| k.name == "output"));
        assert!(!md.contains("test_nan") && !txt.contains("test_nan"));
    }

    #[test]
    fn param_rows_show_range_default_unit_and_modulation() {
        let md = markdown(&[&modules::sine::KIND]);
        assert!(
            md.contains("| `freq` (alias `frequency`) | 0.01 .. 20000 Hz | 440 Hz | V/oct |"),
            "{md}"
        );
        assert!(md.contains("Also accepted as `simple_sine`."), "{md}");
    }

    #[test]
    fn json_lists_kinds_with_params_and_ports() {
        let json = serde_json::to_value(user_kinds()).unwrap();
        let sine = json
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "sine")
            .unwrap();
        assert_eq!(sine["params"][0]["name"], "freq");
        assert_eq!(sine["params"][0]["unit"], "hz");
        assert_eq!(sine["params"][0]["modulation"], "volt_per_octave");
        assert_eq!(sine["outputs"][0]["name"], "out");
    }
}
