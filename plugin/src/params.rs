//! The host-visible parameters: 16 macros (`macro1` .. `macro16`) and the master `gain`,
//! plus the persisted patch (see [`crate::state`]).
//!
//! DAWs need a fixed parameter list, so the patch is never exposed param by param: its
//! `macros` mappings (see `chronus_engine::macros`) say what each macro moves. The string
//! ids below are stored in DAW projects and automation lanes: never rename them.
//!
//! Threads: the values are atomics written by the host (any thread) and read by the audio
//! thread once per (sample-accurately split) block. Smoothing: macros are smoothed by the
//! engine (10 ms linear glide of every mapped param), the gain by nice-plug's smoother.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::gui::EditorSize;
use crate::state::PatchStore;

/// How many macros the host sees.
pub const MACRO_COUNT: usize = chronus_engine::module::MACRO_COUNT;

/// The `edits` counter wraps to 0 here.
pub const EDITS_WRAP: i32 = 1000;

/// Lowest master gain, dB.
pub const GAIN_MIN_DB: f32 = -60.0;
/// Highest master gain, dB.
pub const GAIN_MAX_DB: f32 = 12.0;
/// Glide of master gain changes, ms.
pub const GAIN_SMOOTHING_MS: f32 = 10.0;

/// Every parameter and persisted field of one plugin instance.
#[derive(Params)]
pub struct ChronusParams {
    /// The whole patch (modules, connections, macro mappings, crossfade), saved in the
    /// plugin state as JSON.
    #[persist = "chronus-patch"]
    pub patch: PatchStore,

    /// The editor window's size, saved with the project.
    #[persist = "editor-size"]
    pub editor_size: EditorSize,

    /// Master output level, dB.
    #[id = "gain"]
    pub gain: FloatParam,

    /// Macro 1.
    #[id = "macro1"]
    pub macro1: FloatParam,
    /// Macro 2.
    #[id = "macro2"]
    pub macro2: FloatParam,
    /// Macro 3.
    #[id = "macro3"]
    pub macro3: FloatParam,
    /// Macro 4.
    #[id = "macro4"]
    pub macro4: FloatParam,
    /// Macro 5.
    #[id = "macro5"]
    pub macro5: FloatParam,
    /// Macro 6.
    #[id = "macro6"]
    pub macro6: FloatParam,
    /// Macro 7.
    #[id = "macro7"]
    pub macro7: FloatParam,
    /// Macro 8.
    #[id = "macro8"]
    pub macro8: FloatParam,
    /// Macro 9.
    #[id = "macro9"]
    pub macro9: FloatParam,
    /// Macro 10.
    #[id = "macro10"]
    pub macro10: FloatParam,
    /// Macro 11.
    #[id = "macro11"]
    pub macro11: FloatParam,
    /// Macro 12.
    #[id = "macro12"]
    pub macro12: FloatParam,
    /// Macro 13.
    #[id = "macro13"]
    pub macro13: FloatParam,
    /// Macro 14.
    #[id = "macro14"]
    pub macro14: FloatParam,
    /// Macro 15.
    #[id = "macro15"]
    pub macro15: FloatParam,
    /// Macro 16.
    #[id = "macro16"]
    pub macro16: FloatParam,

    /// Counts patch edits made in the editor (modulo [`EDITS_WRAP`]). Hidden and not
    /// automatable, it has no effect on the sound: the editor moves it after each edit so
    /// the host marks the project as modified (nice-plug has no direct call for that).
    #[id = "edits"]
    pub edits: IntParam,
}

impl Default for ChronusParams {
    fn default() -> Self {
        Self {
            patch: PatchStore::default(),
            editor_size: EditorSize::default(),
            gain: gain_param(),
            macro1: macro_param(1),
            macro2: macro_param(2),
            macro3: macro_param(3),
            macro4: macro_param(4),
            macro5: macro_param(5),
            macro6: macro_param(6),
            macro7: macro_param(7),
            macro8: macro_param(8),
            macro9: macro_param(9),
            macro10: macro_param(10),
            macro11: macro_param(11),
            macro12: macro_param(12),
            macro13: macro_param(13),
            macro14: macro_param(14),
            macro15: macro_param(15),
            macro16: macro_param(16),
            edits: IntParam::new(
                "Patch edits",
                0,
                IntRange::Linear {
                    min: 0,
                    max: EDITS_WRAP - 1,
                },
            )
            .hide()
            .non_automatable(),
        }
    }
}

impl ChronusParams {
    /// The macro params in order (`macros()[0]` is `macro1`).
    pub fn macros(&self) -> [&FloatParam; MACRO_COUNT] {
        [
            &self.macro1,
            &self.macro2,
            &self.macro3,
            &self.macro4,
            &self.macro5,
            &self.macro6,
            &self.macro7,
            &self.macro8,
            &self.macro9,
            &self.macro10,
            &self.macro11,
            &self.macro12,
            &self.macro13,
            &self.macro14,
            &self.macro15,
            &self.macro16,
        ]
    }

    /// Every macro's current value, 0..1. Any thread (atomic loads).
    pub fn macro_values(&self) -> [f32; MACRO_COUNT] {
        self.macros().map(|p| p.value())
    }
}

/// Default value of every macro (the middle, so each can move both ways).
pub const MACRO_DEFAULT: f32 = 0.5;

/// Macro `number` (1-based): 0..1, shown as a percentage (`"42.0 %"`; typed text parses
/// with or without the `%`). Unsmoothed here: the engine glides the params it drives.
fn macro_param(number: usize) -> FloatParam {
    FloatParam::new(
        format!("Macro {number}"),
        MACRO_DEFAULT,
        FloatRange::Linear { min: 0.0, max: 1.0 },
    )
    .with_unit(" %")
    .with_value_to_string(formatters::v2s_f32_percentage(1))
    .with_string_to_value(formatters::s2v_f32_percentage())
}

/// Master gain: -60 .. +12 dB, default 0 dB, shown as `"-6.00 dB"`; typed text parses
/// with or without the unit, `-inf` meaning the minimum.
fn gain_param() -> FloatParam {
    FloatParam::new(
        "Gain",
        0.0,
        FloatRange::Linear {
            min: GAIN_MIN_DB,
            max: GAIN_MAX_DB,
        },
    )
    .with_unit(" dB")
    .with_smoother(SmoothingStyle::Linear(GAIN_SMOOTHING_MS))
    .with_value_to_string(Arc::new(db_to_string))
    .with_string_to_value(Arc::new(string_to_db))
}

/// `-6.00`, never `-0.00`.
fn db_to_string(db: f32) -> String {
    let rounded = (db * 100.0).round() / 100.0;
    if rounded == 0.0 {
        "0.00".to_owned()
    } else {
        format!("{rounded:.2}")
    }
}

/// Parses `-6`, `-6 dB`, `-6.00dB`, `+3 db`, `-inf`.
fn string_to_db(text: &str) -> Option<f32> {
    let text = text.trim();
    let number = text
        .strip_suffix("dB")
        .or_else(|| text.strip_suffix("db"))
        .or_else(|| text.strip_suffix("DB"))
        .unwrap_or(text)
        .trim();
    if number.eq_ignore_ascii_case("-inf") {
        return Some(GAIN_MIN_DB);
    }
    number
        .trim_start_matches('+')
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(GAIN_MIN_DB, GAIN_MAX_DB))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_complete() {
        let params = ChronusParams::default();
        let ids: Vec<String> = params.param_map().into_iter().map(|(id, ..)| id).collect();
        let mut expected: Vec<String> = (1..=16).map(|i| format!("macro{i}")).collect();
        expected.insert(0, "gain".to_owned());
        expected.push("edits".to_owned());
        assert_eq!(ids, expected);
        // The edit counter is neither shown nor automatable: it only tells the host the
        // project changed.
        let flags = params.edits.flags();
        assert!(flags.contains(ParamFlags::HIDDEN) && flags.contains(ParamFlags::NON_AUTOMATABLE));
        for (i, p) in params.macros().iter().enumerate() {
            assert_eq!(p.name(), format!("Macro {}", i + 1));
        }
    }

    #[test]
    fn values_show_units_and_typed_text_parses_back() {
        let params = ChronusParams::default();
        let gain = &params.gain;
        for db in [-60.0, -23.25, -6.0, 0.0, 0.004, 3.5, 12.0] {
            let text = gain.normalized_value_to_string(gain.preview_normalized(db), true);
            assert!(text.ends_with(" dB"), "{text}");
            let back = gain.string_to_normalized_value(&text).unwrap();
            let again = gain.normalized_value_to_string(back, true);
            assert_eq!(text, again, "round trip of {db} dB");
            assert!((gain.preview_plain(back) - db).abs() <= 0.005, "{text}");
        }
        assert_eq!(
            gain.normalized_value_to_string(gain.preview_normalized(-6.0), true),
            "-6.00 dB"
        );
        for typed in ["-6", "-6dB", " -6.0 dB ", "-6 db"] {
            let n = gain.string_to_normalized_value(typed).unwrap();
            assert!((gain.preview_plain(n) + 6.0).abs() < 1e-4, "{typed}");
        }
        let inf = gain.string_to_normalized_value("-inf dB").unwrap();
        assert_eq!(gain.preview_plain(inf), GAIN_MIN_DB);
        assert!(gain.string_to_normalized_value("loud").is_none());

        let m = &params.macro3;
        for v in [0.0, 0.125, 0.5, 0.999, 1.0] {
            let text = m.normalized_value_to_string(v, true);
            assert!(text.ends_with(" %"), "{text}");
            let back = m.string_to_normalized_value(&text).unwrap();
            assert_eq!(m.normalized_value_to_string(back, true), text);
            assert!((back - v).abs() <= 0.0005, "{text}");
        }
        assert_eq!(m.normalized_value_to_string(0.5, true), "50.0 %");
        assert_eq!(m.string_to_normalized_value("25"), Some(0.25));
        assert_eq!(m.string_to_normalized_value("25%"), Some(0.25));
    }
}
