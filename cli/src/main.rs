//! `chronus`: the headless front end (placeholder until the CLI lands).
fn main() {}
