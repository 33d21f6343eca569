//! Fresh module ids for modules added from the palette: a short prefix per kind (`osc`,
//! `env`, `filt`, ...) and the first number not taken (`osc1`, `osc2`, ...). Control side.

use chronus_engine::Patch;
use chronus_engine::patch::ModuleId;

/// The id prefix for modules of `kind` (a canonical kind name).
pub fn prefix(kind: &str) -> &str {
    match kind {
        "sine" | "saw" | "square" | "triangle" => "osc",
        "adsr" => "env",
        "biquad" | "svf" => "filt",
        "mixer" => "mix",
        "attenuverter" => "att",
        "sample_hold" => "sh",
        "audio_in" => "input",
        "output" => "out",
        "note" => "key",
        other => other,
    }
}

/// The first id `prefixN` (N = 1, 2, ...) that no module of `patch` uses.
pub fn unique_id(patch: &Patch, kind: &str) -> ModuleId {
    let prefix = prefix(kind);
    (1..)
        .map(|n| format!("{prefix}{n}"))
        .find(|id| patch.module(id).is_none())
        .map(ModuleId)
        .expect("some number is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fill_from_one_and_skip_taken_ids() {
        let mut patch = Patch::default();
        assert_eq!(unique_id(&patch, "sine").as_str(), "osc1");
        for id in ["osc1", "osc3"] {
            patch.modules.push(chronus_engine::patch::ModuleSpec {
                id: ModuleId::from(id),
                kind: "saw".into(),
                params: Default::default(),
            });
        }
        assert_eq!(unique_id(&patch, "saw").as_str(), "osc2");
        assert_eq!(unique_id(&patch, "adsr").as_str(), "env1");
        assert_eq!(unique_id(&patch, "delay").as_str(), "delay1");
    }
}
