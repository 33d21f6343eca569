//! `delay`: a feedback delay line (echo) whose delayed signal may close feedback loops in
//! the patch.
//!
//! Signal flow, per sample:
//! ```text
//!            +----------------------------- (1 - mix) ------------+
//!            |                                                     v
//!   in ---->(+)--> [ line: time ms ] --+--> wet ------- mix ----> (+)--> out
//!            ^                         |
//!            +---- feedback x ---------+   (or feedback x `return`, when connected)
//! ```
//! `wet` is a *delayed output*: it is computed in [`Processor::emit_delayed`] from the
//! line alone, before the block's input exists, so patches may route it back into `in`
//! (through filters, shapers...) and the compiler accepts the cycle. `out` depends on
//! the current input and so can close no cycle. An external chain can also sit *inside*
//! the feedback path: route `wet -> chain -> return`; the line is then fed
//! `in + feedback * return` instead of `in + feedback * wet`.
//!
//! **Minimum delay**: because other modules read `wet` before this module's input for
//! the block exists, a read may only reach samples at least [`MIN_DELAY_FRAMES`] (=
//! [`MAX_BLOCK_FRAMES`], 64) old; `time` is clamped to at least that (1.33 ms at 48 kHz),
//! whatever the param says. The clamp is anchored to each output sample, not to block
//! starts, so output never depends on host block cuts.
//!
//! Reads are fractional, per sample (the `time` param is smoothed by the graph and may be
//! modulated), with 4-point Catmull-Rom (cubic Hermite) interpolation; integer delays are
//! exact. For times within 2 samples of the minimum the stencil's newest points would
//! reach the future and are clamped to the newest allowed sample.
//!
//! Memory: the ring holds [`MAX_TIME_MS`] at the sample rate plus 4 samples, allocated in
//! `build` and declared by `memory_samples` (so the patch memory limit counts it); nothing
//! is allocated afterwards. Non-finite values are never written to the line (they become
//! 0), so a NaN input or a runaway external loop cannot poison it for good.
//!
//! The processor runs on the audio thread: no allocation, no panics.

use crate::module::{
    Block, BuildContext, Category, InputSpec, KindSpec, MAX_BLOCK_FRAMES, OutputSpec, ParamBlock,
    ParamSpec, ProcContext, ProcIo, Processor, Unit,
};

const TIME: usize = 0;
const FEEDBACK: usize = 1;
const MIX: usize = 2;

const IN: usize = 0;
const RETURN: usize = 1;

const WET: usize = 1;

/// Longest delay time, in ms (the `time` param's maximum).
pub const MAX_TIME_MS: f32 = 2_000.0;

/// Shortest delay actually applied, in frames: `wet` is read before the block's input
/// exists, so it can only depend on samples at least one whole block old.
pub const MIN_DELAY_FRAMES: usize = MAX_BLOCK_FRAMES;

/// Samples of the ring beyond the longest delay (the interpolation stencil's oldest
/// point and a safety margin).
const RING_MARGIN: usize = 4;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec::new("time", Unit::Ms, 1.0, MAX_TIME_MS, 250.0).doc(
        "delay time, 1..2000 ms, default 250; never less than 64 samples (1.33 ms at 48 kHz); \
         a connection adds ms, read per sample with cubic interpolation",
    ),
    ParamSpec::new("feedback", Unit::Ratio, -0.99, 0.99, 0.3).doc(
        "part of the delayed signal (or of `return`, when connected) fed back into the line, \
         -0.99..0.99, default 0.3; negative inverts each repeat; a connection adds to it",
    ),
    ParamSpec::new("mix", Unit::Ratio, 0.0, 1.0, 0.5).doc(
        "balance of `out`: 0 = dry input only, 1 = delayed signal only, default 0.5; \
         a connection adds to it",
    ),
];

/// The `delay` kind.
pub static KIND: KindSpec = KindSpec {
    name: "delay",
    aliases: &["echo"],
    category: Category::Time,
    summary: "feedback delay (up to 2 s); its `wet` output may close feedback loops",
    params: &PARAMS,
    inputs: &[
        InputSpec {
            name: "in",
            doc: "the signal to delay",
        },
        InputSpec {
            name: "return",
            doc: "feedback return: when connected, the line is fed in + feedback x return \
                  instead of in + feedback x wet (put a chain between `wet` and `return`)",
        },
    ],
    outputs: &[
        OutputSpec::new(
            "out",
            "in x (1 - mix) + wet x mix (not delayed: cannot close a cycle)",
        ),
        OutputSpec {
            name: "wet",
            doc: "the delayed signal alone; a delayed output, so it may feed back into `in`",
            delayed: true,
        },
    ],
    build,
    memory_samples: ring_len,
};

/// Longest delay in frames at `sample_rate`.
fn max_delay_frames(sample_rate: f32) -> usize {
    let frames = (f64::from(MAX_TIME_MS) * 0.001 * f64::from(sample_rate)).ceil();
    // Sample rates are bounded by the compiler; the max keeps odd rates workable.
    (frames as usize).max(MIN_DELAY_FRAMES)
}

/// Length of the ring at `sample_rate` (also the kind's `memory_samples`).
fn ring_len(sample_rate: f32) -> usize {
    max_delay_frames(sample_rate) + RING_MARGIN
}

fn build(ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(DelayProcessor {
        line: vec![0.0; ring_len(ctx.sample_rate)].into_boxed_slice(),
        write: 0,
        sample_rate: f64::from(ctx.sample_rate),
        max_delay: max_delay_frames(ctx.sample_rate) as f64,
    })
}

/// Realtime half of `delay`.
struct DelayProcessor {
    /// The ring; `line[write]` holds the oldest sample and is the next to be overwritten.
    line: Box<[f32]>,
    /// Ring index where the sample at the current block's first frame will be written.
    write: usize,
    /// Sample rate in Hz, to turn ms into frames.
    sample_rate: f64,
    /// Longest delay in frames.
    max_delay: f64,
}

impl DelayProcessor {
    /// The sample written `back` frames before frame `frame` of the current block
    /// (`back` in `1 ..= max_delay + 2`, so it is still in the ring).
    #[inline]
    fn at(&self, frame: usize, back: usize) -> f32 {
        let len = self.line.len();
        // write < len, frame < 64, len - back >= RING_MARGIN - 2: fits in 0 .. 2 * len.
        let mut idx = self.write + frame + len - back;
        if idx >= len {
            idx -= len;
        }
        self.line.get(idx).copied().unwrap_or(0.0)
    }

    /// Delay time in frames for a `time` value in ms, clamped to the legal range
    /// (NaN lands on the minimum).
    #[inline]
    fn delay_frames(&self, time_ms: f32) -> f64 {
        // Multiply, then divide: whole ms at whole-kHz-free rates (44.1 kHz) stay exact.
        (f64::from(time_ms) * self.sample_rate / 1000.0)
            .max(MIN_DELAY_FRAMES as f64)
            .min(self.max_delay)
    }

    /// The line read `delay` frames (fractional) before frame `frame` of the block.
    #[inline]
    fn read(&self, frame: usize, delay: f64) -> f32 {
        // Position p = T - delay; x0 = sample at floor(p) = T - ceil(delay), and
        // t = p - floor(p) = ceil(delay) - delay.
        let whole = delay.ceil();
        let t = (whole - delay) as f32;
        let j0 = whole as usize;
        let xm1 = self.at(frame, j0 + 1);
        let x0 = self.at(frame, j0);
        if t == 0.0 {
            return x0;
        }
        // Newer points may not come closer than MIN_DELAY_FRAMES to the output sample.
        let x1 = self.at(frame, j0.saturating_sub(1).max(MIN_DELAY_FRAMES));
        let x2 = self.at(frame, j0.saturating_sub(2).max(MIN_DELAY_FRAMES));
        let c1 = 0.5 * (x1 - xm1);
        let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
        let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
        ((c3 * t + c2) * t + c1) * t + x0
    }
}

impl Processor for DelayProcessor {
    fn emit_delayed(&mut self, ctx: &ProcContext, params: &[ParamBlock], outputs: &mut [Block]) {
        let n = ctx.frames;
        let time = &params[TIME];
        let wet = &mut outputs[WET];
        if time.constant {
            let d = self.delay_frames(time.first());
            for (i, w) in wet[..n].iter_mut().enumerate() {
                *w = self.read(i, d);
            }
        } else {
            for (i, w) in wet[..n].iter_mut().enumerate() {
                *w = self.read(i, self.delay_frames(time.values[i]));
            }
        }
    }

    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let n = ctx.frames;
        let len = self.line.len();
        let input = &io.inputs[IN];
        let feedback = &io.params[FEEDBACK].values;
        let mix = &io.params[MIX].values;
        let [out, wet] = io.outputs else {
            return;
        };
        let back = if io.connected[RETURN] {
            &io.inputs[RETURN]
        } else {
            &*wet
        };
        for i in 0..n {
            let x = if input[i].is_finite() { input[i] } else { 0.0 };
            let fed = x + feedback[i] * back[i];
            let mut idx = self.write + i;
            if idx >= len {
                idx -= len;
            }
            if let Some(slot) = self.line.get_mut(idx) {
                *slot = if fed.is_finite() { fed } else { 0.0 };
            }
            out[i] = x * (1.0 - mix[i]) + wet[i] * mix[i];
        }
        self.write = (self.write + n) % len;
    }

    fn reset(&mut self) {
        self.line.fill(0.0);
        self.write = 0;
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    /// Takes over the old line's contents so echoes already in flight keep sounding.
    /// Bounded: copies at most one ring (2 s of samples) into the ring `self` already
    /// owns, no allocation. When both rings have the same length (same sample rate) this
    /// is one copy plus the write index; otherwise the newest samples that fit are
    /// copied, newest last, and the rest cleared.
    fn adopt_state(&mut self, old: &dyn Processor) {
        let Some(old) = old.as_any().downcast_ref::<Self>() else {
            return;
        };
        if old.line.len() == self.line.len() {
            self.line.copy_from_slice(&old.line);
            self.write = old.write;
            return;
        }
        // Copy the newest `keep` samples, newest to our last slot; our write index 0 then
        // holds the oldest, as in a ring written up to its end.
        let (old_len, len) = (old.line.len(), self.line.len());
        let keep = old_len.min(len);
        let mut src = old.write;
        for j in 1..=keep {
            src = if src == 0 { old_len - 1 } else { src - 1 };
            self.line[len - j] = old.line[src];
        }
        let start = len - keep;
        self.line[..start].fill(0.0);
        self.write = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sample_rate: f32) -> DelayProcessor {
        DelayProcessor {
            line: vec![0.0; ring_len(sample_rate)].into_boxed_slice(),
            write: 0,
            sample_rate: f64::from(sample_rate),
            max_delay: max_delay_frames(sample_rate) as f64,
        }
    }

    /// A ring full of distinct values, its write index mid-way.
    fn filled(sample_rate: f32, write: usize) -> DelayProcessor {
        let mut d = line(sample_rate);
        for (i, v) in d.line.iter_mut().enumerate() {
            *v = i as f32;
        }
        d.write = write;
        d
    }

    #[test]
    fn adopting_a_ring_of_the_same_length_keeps_every_echo() {
        let old = filled(48_000.0, 12_345);
        let mut new = line(48_000.0);
        new.adopt_state(&old);
        for delay in [64.0, 100.5, 12_000.0, 95_999.25] {
            assert_eq!(new.read(7, delay), old.read(7, delay), "{delay}");
        }
    }

    #[test]
    fn adopting_a_ring_of_another_length_keeps_the_newest_samples() {
        let old = filled(48_000.0, 777);
        // Longer ring: everything old fits; the rest is silence.
        let mut longer = filled(96_000.0, 5);
        longer.adopt_state(&old);
        for back in [1, 64, 777, 778, 50_000, old.line.len()] {
            assert_eq!(longer.at(0, back), old.at(0, back), "{back}");
        }
        assert_eq!(longer.at(0, old.line.len() + 1), 0.0);
        // Shorter ring: the newest samples that fit.
        let mut shorter = line(8_000.0);
        shorter.adopt_state(&old);
        for back in [1, 64, 777, 778, shorter.line.len()] {
            assert_eq!(shorter.at(0, back), old.at(0, back), "{back}");
        }
    }
}
