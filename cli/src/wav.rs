//! WAV output and level measurement for `chronus render`: a streaming 32-bit float
//! stereo writer (hound), so a long render never holds the whole file in memory, and
//! [`Levels`], the running peak / RMS / non-finite count printed in the summary.
//! Main thread only.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::CliError;

/// A WAV file being written.
pub struct WavOut {
    /// hound's writer; `None` once finalized.
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    /// Where it goes, for error messages.
    path: PathBuf,
}

impl WavOut {
    /// Creates (or truncates) `path` as a 32-bit float stereo WAV at `sample_rate`.
    ///
    /// # Errors
    /// [`CliError::Wav`] when the file cannot be created.
    pub fn create(path: &Path, sample_rate: u32) -> Result<Self, CliError> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|source| CliError::Wav {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            writer: Some(writer),
            path: path.to_owned(),
        })
    }

    /// Appends frames (`left` and `right` have equal length).
    ///
    /// # Errors
    /// [`CliError::Wav`] when writing fails (disk full, ...).
    pub fn write(&mut self, left: &[f32], right: &[f32]) -> Result<(), CliError> {
        let writer = self.writer.as_mut().expect("not finalized");
        for (&l, &r) in left.iter().zip(right) {
            writer
                .write_sample(l)
                .and_then(|()| writer.write_sample(r))
                .map_err(|source| CliError::Wav {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Writes the header's final sizes and closes the file.
    ///
    /// # Errors
    /// [`CliError::Wav`] when the final write fails.
    pub fn finalize(mut self) -> Result<(), CliError> {
        let writer = self.writer.take().expect("finalized once");
        writer.finalize().map_err(|source| CliError::Wav {
            path: self.path.clone(),
            source,
        })
    }
}

/// Running level statistics over every sample of both channels.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Levels {
    /// Largest absolute finite sample.
    pub peak: f32,
    /// Sum of squares of the finite samples.
    sum_squares: f64,
    /// Samples seen (finite or not).
    pub samples: u64,
    /// Samples that were NaN or infinite.
    pub non_finite: u64,
}

impl Levels {
    /// Accounts for `samples`.
    pub fn add(&mut self, samples: &[f32]) {
        for &s in samples {
            self.samples += 1;
            if s.is_finite() {
                self.peak = self.peak.max(s.abs());
                self.sum_squares += f64::from(s) * f64::from(s);
            } else {
                self.non_finite += 1;
            }
        }
    }

    /// Root mean square over every sample seen (non-finite ones count as 0).
    pub fn rms(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            (self.sum_squares / self.samples as f64).sqrt()
        }
    }
}

/// An amplitude in dBFS, formatted with one decimal (`-inf` for silence).
pub fn dbfs(amplitude: f64) -> String {
    if amplitude > 0.0 {
        format!("{:.1}", 20.0 * amplitude.log10())
    } else {
        "-inf".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_a_full_scale_square() {
        let mut l = Levels::default();
        l.add(&[1.0, -1.0, 1.0, -1.0]);
        assert_eq!(l.peak, 1.0);
        assert!((l.rms() - 1.0).abs() < 1e-12);
        assert_eq!(dbfs(l.rms()), "0.0");
    }

    #[test]
    fn levels_count_non_finite_samples_and_ignore_them() {
        let mut l = Levels::default();
        l.add(&[0.5, f32::NAN, f32::INFINITY, -0.5]);
        assert_eq!(l.non_finite, 2);
        assert_eq!(l.peak, 0.5);
        assert_eq!(dbfs(0.5), "-6.0");
        assert_eq!(dbfs(0.0), "-inf");
    }

    #[test]
    fn written_file_reads_back_as_float_stereo() {
        let dir = std::env::temp_dir().join(format!("chronus-wav-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.wav");
        let mut w = WavOut::create(&path, 44_100).unwrap();
        w.write(&[0.25, 0.5], &[-0.25, -0.5]).unwrap();
        w.finalize().unwrap();
        let mut r = hound::WavReader::open(&path).unwrap();
        let spec = r.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 44_100, 32)
        );
        assert_eq!(spec.sample_format, hound::SampleFormat::Float);
        let samples: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
        assert_eq!(samples, [0.25, -0.25, 0.5, -0.5]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
