//! Kinds that misbehave on purpose, so the hot-swap checks can be tested: `test_nan`
//! turns to NaN after a while, `test_explode` grows without bound. Only built for tests
//! (`cfg(test)` or the `test-kinds` feature); never offered to users.
//!
//! Audio thread: no allocation.

use crate::module::{
    BuildContext, Category, KindSpec, OutputSpec, ParamSpec, ProcContext, ProcIo, Processor, Unit,
    no_memory,
};

/// The test-only kinds.
pub static KINDS: &[&KindSpec] = &[&NAN, &EXPLODE];

static AFTER: [ParamSpec; 1] = [ParamSpec::new("after", Unit::Ms, 0.0, 10_000.0, 0.0)
    .doc("how long it behaves before it misbehaves")];

/// `test_nan`: a quiet sine that turns into NaN after `after` ms.
pub static NAN: KindSpec = KindSpec {
    name: "test_nan",
    aliases: &[],
    category: Category::Test,
    summary: "test only: becomes NaN after `after` ms",
    params: &AFTER,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "a sine, then NaN")],
    build: build_nan,
    memory_samples: no_memory,
};

/// `test_explode`: a sine whose amplitude doubles every millisecond.
pub static EXPLODE: KindSpec = KindSpec {
    name: "test_explode",
    aliases: &[],
    category: Category::Test,
    summary: "test only: grows without bound",
    params: &AFTER,
    inputs: &[],
    outputs: &[OutputSpec::new("out", "a sine that grows")],
    build: build_explode,
    memory_samples: no_memory,
};

fn build_nan(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(Misbehaving {
        explode: false,
        elapsed: 0,
    })
}

fn build_explode(_ctx: &BuildContext) -> Box<dyn Processor> {
    Box::new(Misbehaving {
        explode: true,
        elapsed: 0,
    })
}

/// Realtime half of both test kinds.
#[derive(Clone)]
struct Misbehaving {
    /// Grow instead of turning to NaN.
    explode: bool,
    /// Samples since built.
    elapsed: u64,
}

impl Processor for Misbehaving {
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo) {
        let after = (io.params[0].first() * 0.001 * ctx.sample_rate) as u64;
        let out = &mut io.outputs[0];
        for sample in out.iter_mut().take(ctx.frames) {
            let t = self.elapsed as f32 / ctx.sample_rate;
            let tone = 0.1 * (t * 440.0 * std::f32::consts::TAU).sin();
            *sample = if self.elapsed < after {
                tone
            } else if self.explode {
                let ms = (self.elapsed - after) as f32 * 1000.0 / ctx.sample_rate;
                tone * 2f32.powf(ms.min(200.0))
            } else {
                f32::NAN
            };
            self.elapsed += 1;
        }
    }

    fn reset(&mut self) {
        self.elapsed = 0;
    }

    crate::adopt_by_copy!();
}
