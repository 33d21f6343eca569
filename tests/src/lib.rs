//! Shared tools for Chronus integration tests: render a patch, and measure what came out
//! (level, steps, frequency, spectrum). Every test that asserts on sound measures it with
//! these, so there is one way to estimate a frequency or a magnitude.

pub mod measure;
pub mod swap;

use chronus_engine::render::{self, NoteSpec, Stereo, TimedEvent};
use chronus_engine::{Graph, Patch, compile};

/// Compiles patch JSON at `sample_rate`, panicking with the engine's message on error.
pub fn graph(json: &str, sample_rate: f32) -> Graph {
    let patch = Patch::from_json(json).unwrap_or_else(|e| panic!("patch JSON: {e}"));
    compile::compile(&patch, sample_rate).unwrap_or_else(|e| panic!("compile: {e}"))
}

/// Renders `seconds` of patch JSON with `notes` (CLI syntax, e.g. `"60@0:1"`), host blocks
/// of `block` frames.
pub fn render_patch(
    json: &str,
    sample_rate: f32,
    seconds: f64,
    notes: &str,
    block: usize,
) -> Stereo {
    let mut g = graph(json, sample_rate);
    let events = note_events(notes, sample_rate);
    render::render(&mut g, &events, frames(seconds, sample_rate), block)
}

/// Note events from CLI note syntax.
pub fn note_events(notes: &str, sample_rate: f32) -> Vec<TimedEvent> {
    NoteSpec::events(
        &NoteSpec::parse_list(notes).expect("valid note list"),
        sample_rate,
    )
}

/// Frames in `seconds` at `sample_rate`.
pub fn frames(seconds: f64, sample_rate: f32) -> usize {
    (seconds * f64::from(sample_rate)).round() as usize
}
