//! The crossfade at a switch: old and new graph run together and their outputs are mixed
//! with gains whose shape follows how alike the two outputs are.
//!
//! Audio thread: no allocation; a few multiply-adds, one `sin`/`cos` pair and one square
//! root per frame, only while a fade runs.
//!
//! # Shape
//! With `t` going from 0 to 1 over the fade, the raw gains are `cos(pi t / 2)` (old) and
//! `sin(pi t / 2)` (new). The level of `g_a a + g_b b` is steady when
//! `g_a^2 + g_b^2 + 2 rho g_a g_b = 1`, where `rho` is the correlation of `a` and `b`;
//! both gains are divided by `sqrt(1 + 2 rho cos sin)`. For unrelated outputs
//! (`rho = 0`) that is the equal-power fade (no dip); for identical outputs (`rho = 1`,
//! state carried over) it is the linear fade whose gains sum to one (no bump, output
//! unchanged to rounding). `rho` is measured from the fade's own samples as it runs
//! (running sums over both channels, clamped to 0..1): early in the fade the new
//! gain is near 0 and `rho` barely matters, and by mid-fade it rests on hundreds of
//! samples.

/// A running crossfade.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crossfade {
    /// Fade length, frames (at least 1).
    len: u32,
    /// Frames done.
    pos: u32,
    /// Running sum of old x new.
    sab: f64,
    /// Running sum of old x old.
    saa: f64,
    /// Running sum of new x new.
    sbb: f64,
}

impl Crossfade {
    /// A fade over `len` frames (at least 1).
    pub(crate) fn new(len: u32) -> Self {
        Self {
            len: len.max(1),
            pos: 0,
            sab: 0.0,
            saa: 0.0,
            sbb: 0.0,
        }
    }

    /// Whether the fade has reached the new graph alone.
    pub(crate) fn is_done(&self) -> bool {
        self.pos >= self.len
    }

    /// The correlation measured so far, clamped to 0..1.
    pub(crate) fn correlation(&self) -> f64 {
        let energy = self.saa * self.sbb;
        if energy <= 1e-30 {
            0.0
        } else {
            (self.sab / energy.sqrt()).clamp(0.0, 1.0)
        }
    }

    /// Mixes one chunk in place: `new_*` holds the new graph's output and receives the
    /// mix; `old_*` holds the old graph's. Frames past the fade's end keep the new output.
    pub(crate) fn mix(
        &mut self,
        new_l: &mut [f32],
        new_r: &mut [f32],
        old_l: &[f32],
        old_r: &[f32],
    ) {
        let n = new_l
            .len()
            .min(new_r.len())
            .min(old_l.len())
            .min(old_r.len());
        let inv_len = 1.0 / self.len as f32;
        for i in 0..n {
            if self.pos >= self.len {
                return;
            }
            let (al, ar, bl, br) = (old_l[i], old_r[i], new_l[i], new_r[i]);
            self.sab += f64::from(al) * f64::from(bl) + f64::from(ar) * f64::from(br);
            self.saa += f64::from(al) * f64::from(al) + f64::from(ar) * f64::from(ar);
            self.sbb += f64::from(bl) * f64::from(bl) + f64::from(br) * f64::from(br);
            self.pos += 1;
            let t = self.pos as f32 * inv_len;
            let (sb, sa) = (t * std::f32::consts::FRAC_PI_2).sin_cos();
            let rho = self.correlation();
            let norm = (1.0 / (1.0 + 2.0 * rho * f64::from(sa) * f64::from(sb)).sqrt()) as f32;
            let (ga, gb) = (sa * norm, sb * norm);
            new_l[i] = al * ga + bl * gb;
            new_r[i] = ar * ga + br * gb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, f: f32, phase: f32) -> Vec<f32> {
        (0..n)
            .map(|i| (i as f32 * f * std::f32::consts::TAU / 48_000.0 + phase).sin() * 0.5)
            .collect()
    }

    #[test]
    fn identical_outputs_pass_through_unchanged() {
        let a = sine(480, 440.0, 0.3);
        let mut l = a.clone();
        let mut r = a.clone();
        let mut fade = Crossfade::new(480);
        fade.mix(&mut l, &mut r, &a, &a);
        assert!(fade.is_done());
        let worst = l
            .iter()
            .zip(&a)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-6, "identical outputs changed by {worst}");
    }

    #[test]
    fn unrelated_outputs_keep_their_power() {
        // Two sines an octave and a fifth apart: uncorrelated over the fade.
        let n = 4800;
        let a = sine(n, 440.0, 0.0);
        let b = sine(n, 1320.0, 1.0);
        let (mut l, mut r) = (b.clone(), b.clone());
        let mut fade = Crossfade::new(n as u32);
        fade.mix(&mut l, &mut r, &a, &a);
        assert!(fade.correlation() < 0.05);
        // Mid-fade RMS over one 440 Hz period stays at the sines' RMS (0.354), no dip.
        let mid = &l[n / 2 - 55..n / 2 + 54];
        let rms = (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt();
        assert!((rms / 0.3536 - 1.0).abs() < 0.08, "mid-fade RMS {rms}");
    }
}
