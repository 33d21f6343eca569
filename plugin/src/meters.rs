//! Output meters and oscilloscope data, from the audio thread to the editor.
//!
//! [`MeterTap`] runs on the audio thread, inside `process()`: it looks at every output
//! sample (after the master gain), keeps the newest [`SCOPE_LEN`] of them in a ring, and
//! every [`WINDOW_FRAMES`] frames publishes the window's RMS and the ring, oldest first,
//! through a triple buffer (wait-free, no allocation after construction), then asks the
//! editor window to repaint. Peaks go through one atomic per side with `fetch_max` on the
//! float bits (for non-negative floats the bit order is the numeric order), so no peak is
//! lost between two editor frames; the reader takes and clears them.
//!
//! [`MeterReader`] runs on the GUI thread and copies the newest data into the editor's
//! [`chronus_editor::Meters`] (reusing its buffer).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chronus_editor::Meters;
use nice_plug_egui::RepaintNotifier;

/// Output samples the oscilloscope shows (mono sum, oldest first).
pub const SCOPE_LEN: usize = 1024;
/// Frames per published window (RMS window and publish rate: 47 per second at 48 kHz).
pub const WINDOW_FRAMES: u32 = 1024;

/// One published window.
#[derive(Debug, Clone)]
struct Window {
    /// RMS per side over the window, linear.
    rms: [f32; 2],
    /// The newest output samples (mono sum), oldest first.
    scope: Box<[f32; SCOPE_LEN]>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            rms: [0.0; 2],
            scope: Box::new([0.0; SCOPE_LEN]),
        }
    }
}

/// Peak per side since the reader last took it, as `f32` bits.
type Peaks = [AtomicU32; 2];

/// The audio thread's end. Audio thread only: no allocation, no lock, no wait.
pub struct MeterTap {
    /// Where windows are published.
    input: triple_buffer::Input<Window>,
    /// Peaks since the last read, shared with the reader.
    peaks: Arc<Peaks>,
    /// The newest samples, a ring.
    ring: Box<[f32; SCOPE_LEN]>,
    /// Next ring slot to write.
    ring_pos: usize,
    /// Sums of squares over the current window, per side.
    squares: [f64; 2],
    /// Frames in the current window.
    frames: u32,
    /// Asks the editor window (if open) to redraw.
    repaint: RepaintNotifier,
}

/// The GUI's end. GUI thread.
pub struct MeterReader {
    /// Published windows.
    output: triple_buffer::Output<Window>,
    /// Peaks since the last read, shared with the tap.
    peaks: Arc<Peaks>,
}

/// A connected tap and reader; `repaint` is raised at every published window.
pub fn meter_pair(repaint: RepaintNotifier) -> (MeterTap, MeterReader) {
    let (input, output) = triple_buffer::triple_buffer(&Window::default());
    let peaks = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let tap = MeterTap {
        input,
        peaks: Arc::clone(&peaks),
        ring: Box::new([0.0; SCOPE_LEN]),
        ring_pos: 0,
        squares: [0.0; 2],
        frames: 0,
        repaint,
    };
    (tap, MeterReader { output, peaks })
}

impl MeterTap {
    /// Takes in one rendered stereo stretch (any length). Audio thread: no allocation.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let mut peak = [0.0_f32; 2];
        for (&l, &r) in left.iter().zip(right) {
            peak[0] = peak[0].max(l.abs());
            peak[1] = peak[1].max(r.abs());
            self.squares[0] += f64::from(l * l);
            self.squares[1] += f64::from(r * r);
            self.ring[self.ring_pos] = 0.5 * (l + r);
            self.ring_pos = (self.ring_pos + 1) % SCOPE_LEN;
            self.frames += 1;
            if self.frames == WINDOW_FRAMES {
                self.publish();
            }
        }
        for (atomic, p) in self.peaks.iter().zip(peak) {
            // NaN never gets here (the output is sanitised); `max` would drop it anyway.
            atomic.fetch_max(p.to_bits(), Ordering::Relaxed);
        }
    }

    /// Publishes the window that just ended and starts the next.
    fn publish(&mut self) {
        let n = f64::from(self.frames);
        let window = self.input.input_buffer_mut();
        for (rms, sum) in window.rms.iter_mut().zip(self.squares) {
            *rms = (sum / n).sqrt() as f32;
        }
        let (older, newer) = self.ring.split_at(self.ring_pos);
        window.scope[..newer.len()].copy_from_slice(newer);
        window.scope[newer.len()..].copy_from_slice(older);
        self.input.publish();
        self.squares = [0.0; 2];
        self.frames = 0;
        self.repaint.request_repaint();
    }
}

impl MeterReader {
    /// Copies the newest window into `meters` and takes the peaks since the last call.
    /// GUI thread.
    pub fn read_into(&mut self, meters: &mut Meters) {
        let window = self.output.read();
        meters.rms = window.rms;
        meters.scope.clear();
        meters.scope.extend_from_slice(&window.scope[..]);
        for (peak, atomic) in meters.peak.iter_mut().zip(self.peaks.iter()) {
            *peak = f32::from_bits(atomic.swap(0, Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(frames: usize, amplitude: f32) -> Vec<f32> {
        (0..frames)
            .map(|i| amplitude * (i as f32 * 0.05).sin())
            .collect()
    }

    #[test]
    fn reports_peak_rms_and_the_newest_samples_in_order() {
        let (mut tap, mut reader) = meter_pair(RepaintNotifier::new());
        let left = sine(3000, 0.5);
        let right: Vec<f32> = left.iter().map(|x| x * 0.25).collect();
        // Uneven host blocks.
        for (l, r) in left.chunks(333).zip(right.chunks(333)) {
            tap.push(l, r);
        }
        let mut meters = Meters::default();
        reader.read_into(&mut meters);
        assert!((meters.peak[0] - 0.5).abs() < 1e-3, "{:?}", meters.peak);
        assert!((meters.peak[1] - 0.125).abs() < 1e-3, "{:?}", meters.peak);
        // RMS of the second full window (frames 1024..2048) of a sine: amplitude / sqrt 2.
        let expected = 0.5 / 2.0_f32.sqrt();
        assert!((meters.rms[0] - expected).abs() < 0.01, "{:?}", meters.rms);
        assert!(
            (meters.rms[1] - expected * 0.25).abs() < 0.01,
            "{:?}",
            meters.rms
        );
        // The scope ends with the last sample of the second window (frame 2047).
        assert_eq!(meters.scope.len(), SCOPE_LEN);
        let mono = |i: usize| 0.5 * (left[i] + right[i]);
        assert_eq!(*meters.scope.last().unwrap(), mono(2047));
        assert_eq!(meters.scope[0], mono(2048 - SCOPE_LEN));
        // Peaks are taken: silence afterwards reads zero.
        tap.push(&[0.0; 64], &[0.0; 64]);
        reader.read_into(&mut meters);
        assert_eq!(meters.peak, [0.0, 0.0]);
    }

    #[test]
    fn pushing_allocates_nothing() {
        let (mut tap, _reader) = meter_pair(RepaintNotifier::new());
        let block = sine(4096, 0.3);
        nice_assert_no_alloc::reset_violation_count();
        nice_assert_no_alloc::assert_no_alloc(|| {
            for _ in 0..4 {
                tap.push(&block, &block);
            }
        });
        assert_eq!(nice_assert_no_alloc::violation_count(), 0);
    }
}
