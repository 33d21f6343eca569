"""Measurements on audio rendered by real hosts (numpy). The Python counterpart of
tests/src/measure.rs, kept to what the host checks need: level, steps, pitch, spectral
centroid."""

import numpy as np


def rms(x):
    """Root mean square of a 1-D signal."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def db(ratio):
    """Amplitude ratio in decibels (-inf for 0)."""
    return 20.0 * np.log10(ratio) if ratio > 0 else float("-inf")


def max_step(x):
    """Largest absolute difference between neighbouring samples (the click detector)."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.max(np.abs(np.diff(x)))) if x.size > 1 else 0.0


def cents(measured, expected):
    """Difference between two frequencies in cents."""
    return 1200.0 * np.log2(measured / expected)


def pitch(x, sample_rate, min_hz=30.0):
    """Frequency of the strongest spectral peak above `min_hz`: Hann window, 8x zero
    padding, parabolic interpolation of the log magnitude. About 0.1 cent on a steady
    half-second tone."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    spectrum = np.abs(np.fft.rfft(x * np.hanning(n), 8 * n))
    freqs = np.fft.rfftfreq(8 * n, 1.0 / sample_rate)
    lo = int(np.searchsorted(freqs, min_hz))
    k = lo + int(np.argmax(spectrum[lo:-1]))
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-300)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return float((k + offset) * sample_rate / (8 * n))


def centroid(x, sample_rate):
    """Spectral centroid in Hz (magnitude-weighted mean frequency, Hann window)."""
    x = np.asarray(x, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1.0 / sample_rate)
    return float(np.sum(freqs * spectrum) / max(np.sum(spectrum), 1e-300))


def first_difference(a, b, tolerance=1e-7):
    """Index of the first sample where two signals differ by more than `tolerance`
    (None if they never do)."""
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    where = np.nonzero(diff > tolerance)[0]
    return int(where[0]) if where.size else None
