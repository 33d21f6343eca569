//! Placeholder until the voice benchmark lands.
fn main() {}
