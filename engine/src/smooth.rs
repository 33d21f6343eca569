//! Per-sample parameter smoothing: a linear ramp that reaches its target in a fixed
//! number of samples and then reports itself settled, so constant params cost nothing.
//!
//! Runs on the audio thread: no allocation, bounded work per sample.

/// Default glide time for param changes, in milliseconds.
pub const DEFAULT_RAMP_MS: f32 = 10.0;

/// A linear ramp towards a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoother {
    /// The value at the next sample.
    current: f32,
    /// Where the ramp ends.
    target: f32,
    /// Increment per sample while ramping.
    step: f32,
    /// Samples left in the ramp; 0 when settled.
    remaining: u32,
}

impl Smoother {
    /// A settled smoother at `value`.
    pub const fn new(value: f32) -> Self {
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Starts a ramp from the current value to `target` over `ramp_samples` samples
    /// (0 jumps).
    #[inline]
    pub fn set_target(&mut self, target: f32, ramp_samples: u32) {
        if ramp_samples == 0 || target == self.current {
            *self = Self::new(target);
            return;
        }
        self.target = target;
        self.remaining = ramp_samples;
        self.step = (target - self.current) / ramp_samples as f32;
    }

    /// Jumps to `value` at once.
    #[inline]
    pub fn set_immediate(&mut self, value: f32) {
        *self = Self::new(value);
    }

    /// Jumps to the target at once.
    #[inline]
    pub fn settle(&mut self) {
        *self = Self::new(self.target);
    }

    /// The value for this sample; advances the ramp.
    #[inline]
    pub fn advance(&mut self) -> f32 {
        let v = self.current;
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 {
                self.target
            } else {
                self.current + self.step
            };
        }
        v
    }

    /// Whether the ramp has ended (every `next` returns the same value).
    #[inline]
    pub fn is_settled(&self) -> bool {
        self.remaining == 0
    }

    /// The value the next sample will have.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// Where the ramp ends.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_and_settles_exactly() {
        let mut s = Smoother::new(0.0);
        s.set_target(1.0, 4);
        let v: Vec<f32> = (0..6).map(|_| s.advance()).collect();
        assert_eq!(v, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
        assert!(s.is_settled());
    }

    #[test]
    fn retarget_mid_ramp_starts_from_current_value() {
        let mut s = Smoother::new(0.0);
        s.set_target(1.0, 4);
        s.advance();
        s.advance();
        s.set_target(0.0, 2);
        assert_eq!(s.advance(), 0.5);
        assert_eq!(s.advance(), 0.25);
        assert_eq!(s.advance(), 0.0);
    }
}
