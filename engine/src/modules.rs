//! The module library: every kind a patch may use, looked up by name or alias.
//!
//! One file per kind under `modules/`, each exporting `pub static KIND: KindSpec`. This
//! file only lists them. Control side only (lookups compare strings).

use crate::module::KindSpec;

pub mod adsr;
pub mod attenuverter;
pub mod audio_in;
pub mod biquad;
pub mod delay;
pub mod drive;
pub mod host_macro;
pub mod lfo;
pub mod mixer;
pub mod noise;
pub mod note;
pub mod offset;
pub(crate) mod osc_kit;
pub mod output;
pub mod sample_hold;
pub mod saw;
pub mod sine;
pub mod slew;
pub mod square;
pub mod svf;
pub mod triangle;
pub mod vca;

#[cfg(any(test, feature = "test-kinds"))]
pub mod misbehave;

/// Every kind, in palette order (sources, shapers, filters, time, I/O).
static KINDS: &[&KindSpec] = &[
    &sine::KIND,
    &saw::KIND,
    &square::KIND,
    &triangle::KIND,
    &noise::KIND,
    &lfo::KIND,
    &adsr::KIND,
    &vca::KIND,
    &mixer::KIND,
    &attenuverter::KIND,
    &offset::KIND,
    &slew::KIND,
    &sample_hold::KIND,
    &drive::KIND,
    &biquad::KIND,
    &svf::KIND,
    &delay::KIND,
    &note::KIND,
    &host_macro::KIND,
    &audio_in::KIND,
    &output::KIND,
];

/// Every kind available to patches (test-only kinds included when built for tests).
pub fn all() -> impl Iterator<Item = &'static KindSpec> {
    let base = KINDS.iter().copied();
    #[cfg(any(test, feature = "test-kinds"))]
    let base = base.chain(misbehave::KINDS.iter().copied());
    base
}

/// The kind called `name` (or one of its aliases).
pub fn find(name: &str) -> Option<&'static KindSpec> {
    all().find(|k| k.answers_to(name))
}

/// The kind name closest to `name`, if one is close enough to suggest.
pub fn suggest(name: &str) -> Option<&'static str> {
    all()
        .flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied()))
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(d, candidate)| *d <= 2.max(candidate.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}
