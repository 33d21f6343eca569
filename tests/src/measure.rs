//! Measurements on rendered samples: level (RMS, peak, dB), discontinuities (largest
//! sample-to-sample step), finiteness, frequency (to well under a cent), the magnitude
//! of one frequency, and spectra for alias measurements.

use std::f64::consts::PI;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Root mean square.
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Largest absolute sample.
pub fn peak(x: &[f32]) -> f64 {
    x.iter().fold(0.0f64, |m, &s| m.max(f64::from(s).abs()))
}

/// Amplitude ratio in decibels (`-inf` for 0).
pub fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// Largest absolute difference between neighbouring samples: the click detector.
pub fn max_step(x: &[f32]) -> f64 {
    x.windows(2)
        .map(|w| f64::from(w[1] - w[0]).abs())
        .fold(0.0, f64::max)
}

/// Index and size of the largest step.
pub fn max_step_at(x: &[f32]) -> (usize, f64) {
    x.windows(2)
        .enumerate()
        .map(|(i, w)| (i + 1, f64::from(w[1] - w[0]).abs()))
        .fold(
            (0, 0.0),
            |best, cur| if cur.1 > best.1 { cur } else { best },
        )
}

/// Index of the first sample at or after `from` for which `pred` holds (`None` if none):
/// times an event in a render, such as an envelope reaching its peak or a glide arriving.
pub fn first_index(x: &[f32], from: usize, pred: impl Fn(f32) -> bool) -> Option<usize> {
    x.get(from..)?
        .iter()
        .position(|&s| pred(s))
        .map(|i| i + from)
}

/// Whether every sample is finite.
pub fn all_finite(x: &[f32]) -> bool {
    x.iter().all(|s| s.is_finite())
}

/// Largest absolute difference between two equally long signals.
pub fn max_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "signals differ in length");
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x - y).abs())
        .fold(0.0, f64::max)
}

/// Difference between two frequencies in cents.
pub fn cents(measured: f64, expected: f64) -> f64 {
    1200.0 * (measured / expected).log2()
}

/// Hann window value `i` of `n`.
fn hann(i: usize, n: usize) -> f64 {
    0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()
}

/// Complex amplitude of `freq` in `x` (Hann-windowed DFT at one frequency), scaled so a
/// sine of amplitude A measures A. Phase is relative to the first sample.
pub fn tone(x: &[f32], sample_rate: f64, freq: f64) -> Complex<f64> {
    let n = x.len();
    let w = 2.0 * PI * freq / sample_rate;
    let mut acc = Complex::new(0.0, 0.0);
    let mut norm = 0.0;
    for (i, &s) in x.iter().enumerate() {
        let h = hann(i, n);
        norm += h;
        acc += Complex::from_polar(f64::from(s) * h, -w * i as f64);
    }
    acc * (2.0 / norm)
}

/// Amplitude of `freq` in `x` (see [`tone`]).
pub fn magnitude_at(x: &[f32], sample_rate: f64, freq: f64) -> f64 {
    tone(x, sample_rate, freq).norm()
}

/// Frequency response at `freq` of a system whose impulse response is `h`: the plain
/// (unwindowed) DFT `sum h[n] e^(-j w n)`. Exact for a response that has died away within
/// `h`, so filters can be checked against their design to a tiny fraction of a dB.
pub fn response_at(h: &[f32], sample_rate: f64, freq: f64) -> Complex<f64> {
    let w = 2.0 * PI * freq / sample_rate;
    h.iter()
        .enumerate()
        .map(|(n, &s)| Complex::from_polar(f64::from(s), -w * n as f64))
        .sum()
}

/// Index of the first sample whose magnitude exceeds `threshold` (onset detection).
pub fn first_above(x: &[f32], threshold: f32) -> Option<usize> {
    x.iter().position(|s| s.abs() > threshold)
}

/// One-sided magnitude spectrum with a 4-term Blackman-Harris window (sidelobes below
/// -92 dB), normalised so a sine of amplitude A peaks near A. Bin `k` is at
/// `k * sample_rate / x.len()`.
pub fn spectrum(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    let (a0, a1, a2, a3) = (0.35875, 0.48829, 0.14128, 0.01168);
    let mut buf: Vec<Complex<f64>> = x
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let t = 2.0 * PI * i as f64 / n as f64;
            let w = a0 - a1 * t.cos() + a2 * (2.0 * t).cos() - a3 * (3.0 * t).cos();
            Complex::new(f64::from(s) * w, 0.0)
        })
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    let scale = 2.0 / (a0 * n as f64);
    buf[..n / 2].iter().map(|c| c.norm() * scale).collect()
}

/// Mean power per bin of a [`spectrum`] between `lo_hz` and `hi_hz`, in dB: a spectral
/// density for noise. `sample_rate` is the analysed signal's. A flat (white) spectrum
/// gives the same value in every band; pink falls 3 dB per octave.
pub fn band_density_db(spectrum: &[f64], sample_rate: f64, lo_hz: f64, hi_hz: f64) -> f64 {
    let bin_hz = sample_rate / (2 * spectrum.len()) as f64;
    let lo = ((lo_hz / bin_hz).ceil() as usize).min(spectrum.len() - 1);
    let hi = ((hi_hz / bin_hz).ceil() as usize).clamp(lo + 1, spectrum.len());
    let power: f64 = spectrum[lo..hi].iter().map(|m| m * m).sum();
    10.0 * (power / (hi - lo) as f64).log10()
}

/// Frequency of the strongest spectral peak above `min_hz`, refined to a small fraction
/// of a cent: a coarse FFT peak, then the phase advance of that tone between the two
/// halves of the signal. Meant for steady tones of at least ~0.5 s.
pub fn frequency(x: &[f32], sample_rate: f64, min_hz: f64) -> f64 {
    let spec = spectrum(x);
    let bin_hz = sample_rate / x.len() as f64;
    let first = ((min_hz / bin_hz).ceil() as usize).max(1);
    let k = (first..spec.len() - 1)
        .max_by(|&a, &b| spec[a].total_cmp(&spec[b]))
        .expect("signal long enough for a spectrum");
    // Parabolic interpolation on log magnitude.
    let (l, c, r) = (spec[k - 1].ln(), spec[k].ln(), spec[k + 1].ln());
    let offset = 0.5 * (l - r) / (l - 2.0 * c + r);
    let mut f = (k as f64 + offset) * bin_hz;
    // Refine twice by phase advance between the two halves.
    let half = x.len() / 2;
    let dt = half as f64 / sample_rate;
    for _ in 0..2 {
        let a = tone(&x[..half], sample_rate, f);
        let b = tone(&x[half..2 * half], sample_rate, f);
        // Tone b's phase is measured from its own start; a steady tone at f advances by
        // 2*pi*f*dt, so what remains is the error.
        let residual = (b * a.conj() * Complex::from_polar(1.0, -2.0 * PI * f * dt)).arg();
        f += residual / (2.0 * PI * dt);
    }
    f
}

/// Level, in dB relative to the fundamental, of the strongest spectral component that is
/// not within `guard_hz` of a harmonic of `f0` (aliases and other junk), searched from
/// `min_hz` up to Nyquist.
pub fn worst_inharmonic_db(
    x: &[f32],
    sample_rate: f64,
    f0: f64,
    guard_hz: f64,
    min_hz: f64,
) -> f64 {
    let spec = spectrum(x);
    let bin_hz = sample_rate / x.len() as f64;
    let fundamental = magnitude_at(x, sample_rate, f0);
    let mut worst = 0.0f64;
    for (k, &m) in spec.iter().enumerate() {
        let f = k as f64 * bin_hz;
        if f < min_hz {
            continue;
        }
        let nearest_harmonic = (f / f0).round().max(1.0) * f0;
        if (f - nearest_harmonic).abs() > guard_hz {
            worst = worst.max(m);
        }
    }
    db(worst / fundamental)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, sr: f64, n: usize, amp: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (amp * (2.0 * PI * freq * i as f64 / sr).sin()) as f32)
            .collect()
    }

    #[test]
    fn frequency_is_accurate_to_a_hundredth_of_a_cent() {
        for f in [55.0, 440.0, 4000.0, 1234.567] {
            let x = sine(f, 48_000.0, 48_000, 0.5);
            let m = frequency(&x, 48_000.0, 20.0);
            assert!(cents(m, f).abs() < 0.01, "{f} Hz measured {m}");
        }
    }

    #[test]
    fn magnitude_of_a_sine_is_its_amplitude() {
        let x = sine(1000.0, 48_000.0, 48_000, 0.25);
        assert!((magnitude_at(&x, 48_000.0, 1000.0) - 0.25).abs() < 1e-3);
        assert!(magnitude_at(&x, 48_000.0, 3000.0) < 1e-4);
    }

    #[test]
    fn steps_find_a_click() {
        let mut x = sine(100.0, 48_000.0, 4800, 0.1);
        x[2000] += 0.5;
        let (at, size) = max_step_at(&x);
        assert!(size > 0.45 && (at == 2000 || at == 2001));
    }
}
