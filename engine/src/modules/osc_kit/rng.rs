//! A small deterministic PRNG (PCG32: a 64-bit LCG with a permuted 32-bit output) for
//! `noise` and the `lfo`'s sample-and-hold. Seeded explicitly so renders are reproducible:
//! the same seed always gives the same sequence. Plain `Copy` state; every method is
//! realtime-safe (no allocation, no branches that depend on unbounded loops).

/// LCG multiplier (Knuth's MMIX constant, as PCG uses).
const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
/// LCG increment (must be odd); fixes the stream.
const INCREMENT: u64 = 1_442_695_040_888_963_407;

/// PCG32 generator state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rng {
    /// The LCG state; the output is a permutation of it.
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed` (any value, including 0).
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Self { state: 0 };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(seed);
        rng.next_u32();
        rng
    }

    /// The next 32 random bits.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// A uniform value in `-1.0 .. 1.0` (24 random bits; mean zero to within 2^-24).
    #[inline]
    pub(crate) fn bipolar(&mut self) -> f32 {
        const SCALE: f32 = 1.0 / (1u32 << 23) as f32;
        (self.next_u32() >> 8) as f32 * SCALE - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let (mut a, mut b, mut c) = (Rng::new(7), Rng::new(7), Rng::new(8));
        let xa: Vec<u32> = (0..100).map(|_| a.next_u32()).collect();
        let xb: Vec<u32> = (0..100).map(|_| b.next_u32()).collect();
        let xc: Vec<u32> = (0..100).map(|_| c.next_u32()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn bipolar_is_uniform_in_range() {
        let mut rng = Rng::new(1);
        let n = 100_000;
        let (mut sum, mut sq, mut lo, mut hi) = (0.0f64, 0.0f64, 0.0f32, 0.0f32);
        for _ in 0..n {
            let x = rng.bipolar();
            assert!((-1.0..1.0).contains(&x));
            sum += f64::from(x);
            sq += f64::from(x * x);
            lo = lo.min(x);
            hi = hi.max(x);
        }
        assert!((sum / n as f64).abs() < 0.01);
        // Uniform on -1..1 has variance 1/3.
        assert!((sq / n as f64 - 1.0 / 3.0).abs() < 0.01);
        assert!(lo < -0.999 && hi > 0.999);
    }
}
