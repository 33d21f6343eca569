//! Shared machinery of the source modules (`saw`, `square`, `triangle`, `noise`, `lfo`):
//! band-limited mipmapped wavetables ([`wavetable`]) and a small seeded PRNG ([`rng`]).
//!
//! Tables are built once per process on a control thread (the first `build()` of a kind
//! that needs them) and only read afterwards; the PRNG is plain `Copy` state. Nothing here
//! allocates on the audio thread.

pub(crate) mod rng;
pub(crate) mod wavetable;
