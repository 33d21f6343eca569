//! Band-limited mipmapped wavetables for `saw`, `square` and `triangle`.
//!
//! A [`Mipmap`] holds one single-cycle table per harmonic count ("level"), each built
//! additively, so level `K` holds exactly harmonics `1 ..= K` of the ideal wave. Phases
//! are `u32` accumulators that wrap once per cycle (exact, no drift; frequency resolution
//! `sample_rate / 2^32`, 11 µHz at 48 kHz). A phase increment picks its level from its
//! leading zeros and next three bits (8 levels per octave), and the level's `K` is the
//! largest count whose top harmonic stays below Nyquist for every increment in that
//! range: no harmonic ever folds. Switching levels only adds or removes harmonics above
//! `0.89 * Nyquist` (fewer at the very top, where counts are small integers).
//!
//! Reads are linear interpolation between stored points, each stored with its slope so
//! one load serves a read. Linear interpolation leaves images of harmonic `k` at about
//! `(k / N)^2` of its level; table lengths `N` are chosen so those images stay about
//! 100 dB below the fundamental (saw: `N >= sqrt(K * 10^5)`, `N >= 8K`, `N >= 2048`;
//! triangle: `N >= 4K`, `N >= 1024`). Measured worst inharmonic component of a saw at
//! 30 Hz .. 12 kHz: about -100 dB (-122 dB for 5 kHz at 48 kHz). Memory: 2.5 MiB of saw
//! tables, 0.6 MiB of triangle tables, shared by every instance.
//!
//! Threads: tables are built once per process by [`saw_tables`] / [`triangle_tables`]
//! (`OnceLock`) on the control thread that first builds such a module; the audio thread
//! only reads them (`&'static`, no locks, no reference counts).

use std::f64::consts::PI;
use std::sync::OnceLock;

use crate::module::ParamBlock;

/// Phase units per cycle: a `u32` phase wraps exactly once per cycle.
pub(crate) const PHASE_PER_CYCLE: f32 = 4_294_967_296.0;

/// Levels per octave of phase increment (as a power of two: 2^3 = 8).
const BUCKET_BITS: u32 = 3;
/// Buckets per octave.
const BUCKETS_PER_OCTAVE: usize = 1 << BUCKET_BITS;
/// One bucket per (leading zeros 0 ..= 32, next [`BUCKET_BITS`] bits) of an increment.
const BUCKETS: usize = 33 * BUCKETS_PER_OCTAVE;
/// Most harmonics any level holds. At 48 kHz every saw above 23.4 Hz is complete up to
/// Nyquist; lower ones keep harmonics up to `1024 * f` (above 20 kHz down to 19.5 Hz).
const MAX_HARMONICS: u32 = 1024;
/// Design level of linear-interpolation images, in dB below the fundamental (amplitude
/// ratio `10^(IMAGE_DB / 20)`).
const IMAGE_DB: f64 = 100.0;

/// Phase increment per sample for `freq_hz`; `hz_to_inc` is [`hz_to_inc`] of the sample
/// rate. Negative or NaN frequencies give 0 (a stopped phase); frequencies at or above
/// Nyquist pick the silent level.
#[inline]
pub(crate) fn phase_inc(freq_hz: f32, hz_to_inc: f32) -> u32 {
    (freq_hz * hz_to_inc) as u32
}

/// Phase units per Hz at `sample_rate`.
#[inline]
pub(crate) fn hz_to_inc(sample_rate: f32) -> f32 {
    PHASE_PER_CYCLE / sample_rate
}

/// Phase of a fraction of a cycle (`0.0 .. 1.0`, clamped).
#[inline]
pub(crate) fn phase_of(fraction: f32) -> u32 {
    (fraction.clamp(0.0, 1.0) * PHASE_PER_CYCLE) as u32
}

/// The waves a [`Mipmap`] can hold. Both follow the sine's phase convention: value 0 at
/// phase 0, rising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waveform {
    /// Rises from -1 to 1 over the cycle, centred: `2 * phase` on `0 .. 0.5`, then
    /// `2 * phase - 2`; the drop is at phase 0.5.
    Saw,
    /// 0 at phase 0, 1 at 0.25, -1 at 0.75.
    Triangle,
}

impl Waveform {
    /// Amplitude of `sin(2 pi k phase)` in the ideal wave.
    fn amplitude(self, k: u32) -> f64 {
        let k_f = f64::from(k);
        match self {
            Waveform::Saw => {
                let sign = if k.is_multiple_of(2) { -1.0 } else { 1.0 };
                sign * 2.0 / (PI * k_f)
            }
            Waveform::Triangle => {
                if k.is_multiple_of(2) {
                    0.0
                } else {
                    let sign = if (k / 2).is_multiple_of(2) { 1.0 } else { -1.0 };
                    sign * 8.0 / (PI * PI * k_f * k_f)
                }
            }
        }
    }

    /// The highest nonzero harmonic at or below `k` (tables for `k` and this are equal).
    fn effective(self, k: u32) -> u32 {
        match self {
            Waveform::Saw => k,
            Waveform::Triangle => k - u32::from(k > 0 && k.is_multiple_of(2)),
        }
    }

    /// Points in the table of a level holding harmonics `1 ..= k` (a power of two).
    fn table_len(self, k: u32) -> usize {
        if k == 0 {
            return 2;
        }
        let k_f = f64::from(k);
        let len = match self {
            // Images of harmonic k are ~ (1/k) (k/N)^2 = k / N^2 of the fundamental.
            Waveform::Saw => (k_f * 10f64.powf(IMAGE_DB / 20.0))
                .sqrt()
                .max(8.0 * k_f)
                .max(2048.0),
            // Images of harmonic k are ~ (1/k^2) (k/N)^2 = 1 / N^2: short tables suffice.
            Waveform::Triangle => (4.0 * k_f).max(1024.0),
        };
        (len.ceil() as usize).next_power_of_two()
    }
}

/// The harmonic count of a bucket: the most harmonics whose top one stays strictly below
/// Nyquist for every increment in the bucket.
fn harmonic_limit(bucket: usize) -> u32 {
    let lz = (bucket / BUCKETS_PER_OCTAVE) as u32;
    let m = (bucket % BUCKETS_PER_OCTAVE) as u64;
    if lz == 0 {
        return 0;
    }
    // Increments in the bucket are below 2^(31 - lz) * (8 + m + 1) / 8, and harmonic K
    // is below Nyquist when K * inc < 2^31.
    let steps = BUCKETS_PER_OCTAVE as u64;
    let k = (1u64 << lz) * steps / (steps + m + 1);
    k.min(u64::from(MAX_HARMONICS)) as u32
}

/// The bucket of a phase increment: its leading zeros and the bits after the leading one.
#[inline]
fn bucket(inc: u32) -> usize {
    let lz = inc.leading_zeros();
    let m = (inc.wrapping_shl(lz) >> (31 - BUCKET_BITS)) as usize & (BUCKETS_PER_OCTAVE - 1);
    lz as usize * BUCKETS_PER_OCTAVE + m
}

/// One band-limited single-cycle table.
pub(crate) struct Level {
    /// Right shift from a phase to a point index (32 - log2 of the length).
    shift: u32,
    /// The phase bits below the point index.
    frac_mask: u32,
    /// Scales those bits to `0.0 .. 1.0`.
    frac_scale: f32,
    /// Each point's value and the step to the next point (wrapping), so a read is one
    /// load and one multiply-add.
    points: Box<[[f32; 2]]>,
}

impl Level {
    /// Samples `cycle` (one cycle, length a multiple of `len`) down to `len` points.
    fn from_cycle(cycle: &[f64], len: usize) -> Self {
        debug_assert!(len.is_power_of_two() && len >= 2 && cycle.len().is_multiple_of(len));
        let stride = cycle.len() / len;
        let points = (0..len)
            .map(|n| {
                let y = cycle[n * stride];
                let next = cycle[((n + 1) % len) * stride];
                [y as f32, (next - y) as f32]
            })
            .collect();
        let shift = 32 - len.trailing_zeros();
        Self {
            shift,
            frac_mask: (1u32 << shift) - 1,
            frac_scale: 1.0 / (1u64 << shift) as f32,
            points,
        }
    }

    /// The wave at `phase`. Audio thread.
    #[inline]
    pub(crate) fn read(&self, phase: u32) -> f32 {
        let [y, step] = self.points[(phase >> self.shift) as usize];
        let frac = (phase & self.frac_mask) as f32 * self.frac_scale;
        y + step * frac
    }
}

/// A wave's levels and which level serves each phase-increment bucket.
pub(crate) struct Mipmap {
    /// Levels by ascending harmonic count; level 0 is silence (for increments at or above
    /// Nyquist).
    levels: Vec<Level>,
    /// Level index per bucket (see [`bucket`]).
    by_bucket: [u8; BUCKETS],
}

impl Mipmap {
    /// Builds every level of `wave` additively. Control thread; allocates (about 2.5 MiB
    /// for the saw) and takes tens of milliseconds.
    pub(crate) fn build(wave: Waveform) -> Self {
        let limits: [u32; BUCKETS] = std::array::from_fn(|b| wave.effective(harmonic_limit(b)));
        let mut counts = limits.to_vec();
        counts.sort_unstable();
        counts.dedup();
        assert!(counts.len() <= usize::from(u8::MAX), "too many levels");

        // Accumulate harmonics in f64 on the longest table's grid; sines come from one
        // exact table, since (k * n) mod len indexes it without recurrence error.
        let len_max = counts.iter().map(|&k| wave.table_len(k)).max().unwrap_or(2);
        let mask = len_max - 1;
        let sines: Vec<f64> = (0..len_max)
            .map(|n| (2.0 * PI * n as f64 / len_max as f64).sin())
            .collect();
        let mut cycle = vec![0.0f64; len_max];
        let mut levels = Vec::with_capacity(counts.len());
        let mut done = 0u32;
        for &count in &counts {
            while done < count {
                done += 1;
                let a = wave.amplitude(done);
                if a != 0.0 {
                    let k = done as usize;
                    for (n, y) in cycle.iter_mut().enumerate() {
                        *y += a * sines[(n * k) & mask];
                    }
                }
            }
            levels.push(Level::from_cycle(&cycle, wave.table_len(count)));
        }
        let by_bucket = std::array::from_fn(|b| {
            counts
                .iter()
                .position(|&c| c == limits[b])
                .expect("every limit has a level") as u8
        });
        Self { levels, by_bucket }
    }

    /// The level for phase increment `inc`. Audio thread.
    #[inline]
    pub(crate) fn level(&self, inc: u32) -> &Level {
        self.level_of_bucket(bucket(inc))
    }

    /// The level serving `bucket` (see [`bucket`]). Audio thread.
    #[inline]
    fn level_of_bucket(&self, bucket: usize) -> &Level {
        &self.levels[usize::from(self.by_bucket[bucket])]
    }

    /// The wave at `phase` for increment `inc`.
    #[cfg(test)]
    fn read(&self, phase: u32, inc: u32) -> f32 {
        self.level(inc).read(phase)
    }

    /// Bytes of table memory held.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|l| l.points.len() * std::mem::size_of::<[f32; 2]>())
            .sum()
    }
}

/// Looks levels up for a stream of changing increments, touching the bucket table only
/// when the bucket moves (rarely: 8 buckets per octave). Audio thread.
pub(crate) struct LevelCache<'a> {
    /// Where levels come from.
    tables: &'a Mipmap,
    /// The bucket of `level` (an impossible value before the first lookup).
    bucket: usize,
    /// The level last looked up.
    level: &'a Level,
}

impl<'a> LevelCache<'a> {
    /// A cache over `tables`.
    #[inline]
    pub(crate) fn new(tables: &'a Mipmap) -> Self {
        Self {
            tables,
            bucket: usize::MAX,
            level: &tables.levels[0],
        }
    }

    /// The level for increment `inc`.
    #[inline]
    pub(crate) fn level(&mut self, inc: u32) -> &'a Level {
        let b = bucket(inc);
        if b != self.bucket {
            self.bucket = b;
            self.level = self.tables.level_of_bucket(b);
        }
        self.level
    }
}

/// The saw's tables, built on first use. Control thread on first call (builds), any
/// thread afterwards.
pub(crate) fn saw_tables() -> &'static Mipmap {
    static TABLES: OnceLock<Mipmap> = OnceLock::new();
    TABLES.get_or_init(|| Mipmap::build(Waveform::Saw))
}

/// The triangle's tables, built on first use (see [`saw_tables`]).
pub(crate) fn triangle_tables() -> &'static Mipmap {
    static TABLES: OnceLock<Mipmap> = OnceLock::new();
    TABLES.get_or_init(|| Mipmap::build(Waveform::Triangle))
}

/// Renders `out.len()` samples of a table oscillator: `tables` at `freq` (Hz per frame)
/// times `gain`, advancing `phase`. A constant `freq` picks its level once. Audio thread.
#[inline]
pub(crate) fn render(
    tables: &Mipmap,
    phase: &mut u32,
    freq: &ParamBlock,
    gain: &ParamBlock,
    hz_to_inc: f32,
    out: &mut [f32],
) {
    let n = out.len();
    let mut p = *phase;
    if freq.constant {
        let inc = phase_inc(freq.first(), hz_to_inc);
        let level = tables.level(inc);
        for (o, &g) in out.iter_mut().zip(&gain.values[..n]) {
            *o = level.read(p) * g;
            p = p.wrapping_add(inc);
        }
    } else {
        let mut cache = LevelCache::new(tables);
        for ((o, &g), &f) in out.iter_mut().zip(&gain.values[..n]).zip(&freq.values[..n]) {
            let inc = phase_inc(f, hz_to_inc);
            *o = cache.level(inc).read(p) * g;
            p = p.wrapping_add(inc);
        }
    }
    *phase = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_level_holds_a_harmonic_at_or_above_nyquist() {
        // The largest increment of each bucket times its harmonic count stays below 2^31.
        for b in 0..BUCKETS {
            let lz = (b / BUCKETS_PER_OCTAVE) as u32;
            let m = (b % BUCKETS_PER_OCTAVE) as u64;
            // Below lz 1 is silence; above 28 increments are too small to split 8 ways.
            if lz == 0 || lz > 28 {
                continue;
            }
            let top = (1u64 << (31 - lz)) * (9 + m) / 8 - 1;
            assert_eq!(bucket(top as u32), b, "bucket edge of {b}");
            let k = u64::from(harmonic_limit(b));
            assert!(k * top < 1u64 << 31, "bucket {b}: {k} harmonics of {top}");
            // ... and harmonic K + 1 would be above 8/9 of Nyquist at the bucket's bottom.
            let bottom = (1u64 << (31 - lz)) * (8 + m) / 8;
            if k < u64::from(MAX_HARMONICS) {
                assert!(
                    (k + 1) * bottom * 9 >= 8 << 31,
                    "bucket {b} wastes harmonics"
                );
            }
        }
        assert_eq!(harmonic_limit(bucket(u32::MAX)), 0);
        assert_eq!(harmonic_limit(bucket(0)), MAX_HARMONICS);
    }

    #[test]
    fn levels_match_the_additive_sum() {
        for wave in [Waveform::Saw, Waveform::Triangle] {
            let tables = Mipmap::build(wave);
            for inc in [1u32 << 20, 3 << 24, 447_392_426, 1 << 30] {
                let k_max = wave.effective(harmonic_limit(bucket(inc)));
                let level = tables.level(inc);
                // At the stored points, reads are the additive sum (to f32 precision).
                for i in 0..97u32 {
                    let n = i.wrapping_mul(7919) % level.points.len() as u32;
                    let phase = n << level.shift;
                    let x = f64::from(phase) / f64::from(PHASE_PER_CYCLE);
                    let ideal: f64 = (1..=k_max)
                        .map(|k| wave.amplitude(k) * (2.0 * PI * f64::from(k) * x).sin())
                        .sum();
                    let got = f64::from(tables.read(phase, inc));
                    assert!(
                        (got - ideal).abs() < 1e-6,
                        "{wave:?} inc {inc} phase {x}: {got} vs {ideal}"
                    );
                }
                // Between points, linear interpolation stays close to it.
                let mut x = 0.0;
                while x < 1.0 {
                    let ideal: f64 = (1..=k_max)
                        .map(|k| wave.amplitude(k) * (2.0 * PI * f64::from(k) * x).sin())
                        .sum();
                    let got = f64::from(tables.read((x * 4_294_967_296.0) as u32, inc));
                    assert!(
                        (got - ideal).abs() < 0.02,
                        "{wave:?} inc {inc} phase {x}: {got} vs {ideal}"
                    );
                    x += 0.000_731;
                }
            }
        }
    }

    #[test]
    fn tables_stay_small() {
        let saw = Mipmap::build(Waveform::Saw);
        let tri = Mipmap::build(Waveform::Triangle);
        eprintln!(
            "saw: {} levels, {} KiB; triangle: {} levels, {} KiB",
            saw.levels.len(),
            saw.bytes() / 1024,
            tri.levels.len(),
            tri.bytes() / 1024
        );
        assert!(saw.bytes() < 3 << 20 && tri.bytes() < 1 << 20);
    }
}
