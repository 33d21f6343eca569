//! Per-sample cost of two Chronus voices against the same patches built in fundsp.
//!
//! (a) the prototype's full chain: sine -> adsr -> biquad lowpass (2000 Hz, q 1), gate held.
//! (b) a voice: saw -> svf lowpass -> vca <- adsr, an lfo sweeping the svf cutoff.
//!
//! Both engines run at 48 kHz in 64-frame blocks, produce stereo (the same mono signal on
//! both sides, as Chronus' `output` module does) and every block's output goes through
//! `black_box`. Criterion measures each side in its own group; then a short interleaved
//! `Instant` run prints ns/sample for both and the ratio Chronus / fundsp (target <= 0.8),
//! plus both output levels from an untimed render (they must match).
//!
//! fundsp equivalents (fundsp 0.23, statically typed graphs, `AudioUnit::process`):
//! - sine: `sine_hz::<f64>` (f64 phase like Chronus' sine; fundsp's SIMD sine) times gain;
//! - adsr: `adsr_live` fed `var(&gate)`, a shared gate opened after the first block and
//!   held open (Chronus holds its gate open with `Graph::set_gate`);
//! - biquad lowpass: `Biquad::<f32>` with `BiquadCoefs::lowpass` (the RBJ cookbook lowpass,
//!   Chronus' design too; fundsp runs it in direct form I), fixed coefficients;
//! - saw: `saw_hz` (fundsp's band-limited wavetable saw), its level matched to Chronus'
//!   (fundsp normalises the table's peak, overshoot included, to 1);
//! - svf lowpass: `lowpass::<f32>()` (fundsp's TPT SVF, cutoff and Q as inputs; it
//!   recomputes its coefficients whenever the cutoff input moves, as Chronus' svf does);
//! - lfo: `lfo(|t| ...)` computing `1000 * 2^sin(2 pi 2 t)`, the curve Chronus makes from
//!   a 2 Hz sine lfo into the svf's V/oct cutoff port (fundsp evaluates it every ~2 ms and
//!   interpolates, Chronus every sample);
//! - vca: `*` (product of the filtered saw and the adsr).
//!
//! Runs only under `cargo bench -p chronus-engine --bench voice` (under 10 s once built);
//! CI only compiles it (clippy --all-targets). `cargo bench ... -- nothing` skips
//! criterion's groups and prints only the summary; `CHRONUS_BENCH_PROFILE` (see
//! [`profile_only`]) renders one side alone for a profiler. Single-threaded.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chronus_engine::{Graph, MAX_BLOCK_FRAMES, Patch, compile};
use criterion::{Criterion, Throughput};
use fundsp::prelude::*;

/// The sample rate both engines run at.
const SAMPLE_RATE: f32 = 48_000.0;
/// Frames per `process` call on both sides.
const BLOCK: usize = MAX_BLOCK_FRAMES;
/// Samples per criterion iteration (64 blocks).
const SAMPLES_PER_ITER: usize = BLOCK * 64;
/// Samples per timed round of the summary (one second of audio).
const SAMPLES_PER_ROUND: usize = 48_000 / BLOCK * BLOCK;
/// Timed rounds per side in the summary (interleaved; the fastest round counts).
const ROUNDS: usize = 25;
/// Samples rendered before timing, so envelopes sit in sustain and caches are warm.
const WARM_UP_SAMPLES: usize = 48_000 / BLOCK * BLOCK / 4;
/// Peak of a band-limited saw of amplitude 1 at 110 Hz (the Gibbs overshoot, 9 % of
/// its jump of 2), which fundsp's saw table is normalised to.
const FUNDSP_SAW_PEAK: f32 = 1.179;
/// The ratio the issue asks for.
const TARGET_RATIO: f64 = 0.8;

/// (a) The prototype's full chain, as in the issue's example patch.
const CHAIN_A: &str = include_str!("../../examples/patches/03_full_chain.json");

/// (b) A subtractive voice with an lfo on the filter cutoff (one octave each way, 2 Hz).
const VOICE_B: &str = r#"{ "format": 1, "name": "voice",
  "modules": [
    { "id": "osc", "kind": "saw", "params": { "freq": 110.0, "gain": 0.5 } },
    { "id": "lfo", "kind": "lfo", "params": { "rate": 2.0 } },
    { "id": "filt", "kind": "svf", "params": { "cutoff": 1000.0, "q": 2.0 } },
    { "id": "env", "kind": "adsr", "params": { "attack": 5, "decay": 100, "sustain": 0.6, "release": 300 } },
    { "id": "amp", "kind": "vca" },
    { "id": "out", "kind": "output" } ],
  "connections": [
    { "from": "osc.out", "to": "filt.in" },
    { "from": "lfo.out", "to": "filt.cutoff" },
    { "from": "filt.lp", "to": "amp.in" },
    { "from": "env.out", "to": "amp.cv" },
    { "from": "amp.out", "to": "out.in" } ] }"#;

/// Compiles patch JSON at the bench rate and holds the gate of `adsr` module `env` open.
fn chronus(json: &str, env: &str) -> Graph {
    let patch = Patch::from_json(json).unwrap_or_else(|e| panic!("patch JSON: {e}"));
    let mut graph =
        compile::compile(&patch, SAMPLE_RATE).unwrap_or_else(|e| panic!("compile: {e}"));
    let env = graph.module_index(env).expect("the patch has its adsr");
    graph.set_gate(env, true);
    graph
}

/// The Chronus side: a graph and its stereo output block.
struct ChronusVoice {
    graph: Graph,
    left: [f32; BLOCK],
    right: [f32; BLOCK],
}

impl ChronusVoice {
    fn new(json: &str, env: &str) -> Self {
        Self {
            graph: chronus(json, env),
            left: [0.0; BLOCK],
            right: [0.0; BLOCK],
        }
    }

    /// Renders `samples` (a multiple of [`BLOCK`]) in 64-frame calls.
    #[inline(never)]
    fn run(&mut self, samples: usize) {
        for _ in 0..samples / BLOCK {
            self.graph
                .process([&[], &[]], [&mut self.left, &mut self.right]);
            black_box((&self.left, &self.right));
        }
    }

    /// Renders `samples` the same way and returns the left side (untimed level check).
    fn render(&mut self, samples: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(samples);
        for _ in 0..samples / BLOCK {
            self.graph
                .process([&[], &[]], [&mut self.left, &mut self.right]);
            out.extend_from_slice(&self.left);
        }
        out
    }
}

/// The fundsp side: a statically typed unit (no dynamic dispatch inside) and its buffers.
struct FundspVoice<X: AudioNode<Inputs = U0, Outputs = U2>> {
    unit: An<X>,
    output: BufferArray<U2>,
}

impl<X: AudioNode<Inputs = U0, Outputs = U2>> FundspVoice<X> {
    /// Prepares `unit` at the bench rate and opens `gate` after one closed block (fundsp's
    /// `adsr_live` attacks on a rising edge of its gate input).
    fn new(mut unit: An<X>, gate: &Shared) -> Self {
        unit.set_sample_rate(f64::from(SAMPLE_RATE));
        unit.allocate();
        let mut voice = Self {
            unit,
            output: BufferArray::new(),
        };
        voice.run(BLOCK);
        gate.set_value(1.0);
        voice
    }

    /// Renders `samples` (a multiple of [`BLOCK`]) in 64-frame `process` calls, the
    /// fastest way fundsp offers (block processing, SIMD where its nodes have it).
    #[inline(never)]
    fn run(&mut self, samples: usize) {
        let input = BufferRef::empty();
        for _ in 0..samples / BLOCK {
            self.unit
                .process(BLOCK, &input, &mut self.output.buffer_mut());
            black_box((self.output.channel(0), self.output.channel(1)));
        }
    }

    /// Renders `samples` the same way and returns the left side (untimed level check).
    fn render(&mut self, samples: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(samples);
        let input = BufferRef::empty();
        for _ in 0..samples / BLOCK {
            self.unit
                .process(BLOCK, &input, &mut self.output.buffer_mut());
            out.extend_from_slice(&self.output.channel_f32(0)[..BLOCK]);
        }
        out
    }
}

/// (a) in fundsp.
fn fundsp_chain_a() -> FundspVoice<impl AudioNode<Inputs = U0, Outputs = U2>> {
    let lowpass = An(Biquad::with_coefs(BiquadCoefs::lowpass(
        SAMPLE_RATE,
        2000.0,
        1.0,
    )));
    let sine = sine_hz::<f64>(440.0) * 0.2;
    let gate = shared(0.0);
    let env = var(&gate) >> adsr_live(0.010, 0.050, 0.7, 0.200);
    FundspVoice::new((sine * env) >> lowpass >> split::<U2>(), &gate)
}

/// (b) in fundsp.
fn fundsp_voice_b() -> FundspVoice<impl AudioNode<Inputs = U0, Outputs = U2>> {
    // fundsp normalises its wavetable saw to peak 1 including the Gibbs overshoot;
    // undo that so both saws span -0.5 .. 0.5 before band-limiting (a constant factor
    // folded into the gain multiply that is there anyway: no extra work).
    let osc = saw_hz(110.0) * (0.5 * FUNDSP_SAW_PEAK);
    let cutoff = lfo(|t: f32| 1000.0 * exp2(sin_hz(2.0, t)));
    let filt = (osc | cutoff | dc(2.0)) >> lowpass::<f32>();
    let gate = shared(0.0);
    let env = var(&gate) >> adsr_live(0.005, 0.100, 0.6, 0.300);
    FundspVoice::new((filt * env) >> split::<U2>(), &gate)
}

/// Registers one criterion group: the same case in both engines.
fn bench_case<X: AudioNode<Inputs = U0, Outputs = U2>>(
    c: &mut Criterion,
    name: &str,
    chronus: &mut ChronusVoice,
    fundsp: &mut FundspVoice<X>,
) {
    let mut group = c.benchmark_group(name);
    group
        .throughput(Throughput::Elements(SAMPLES_PER_ITER as u64))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("chronus", |b| b.iter(|| chronus.run(SAMPLES_PER_ITER)));
    group.bench_function("fundsp", |b| b.iter(|| fundsp.run(SAMPLES_PER_ITER)));
    group.finish();
}

/// One side's figures from the summary run.
struct Timing {
    /// Fastest round, nanoseconds per sample.
    best_ns: f64,
    /// Median round, nanoseconds per sample.
    median_ns: f64,
}

/// Times `a` and `b` over [`ROUNDS`] rounds of [`SAMPLES_PER_ROUND`] each, interleaved so
/// both sides see the same machine load, after a warm-up.
fn interleaved(mut a: impl FnMut(usize), mut b: impl FnMut(usize)) -> (Timing, Timing) {
    a(WARM_UP_SAMPLES);
    b(WARM_UP_SAMPLES);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        a(SAMPLES_PER_ROUND);
        ta.push(start.elapsed().as_nanos() as f64 / SAMPLES_PER_ROUND as f64);
        let start = Instant::now();
        b(SAMPLES_PER_ROUND);
        tb.push(start.elapsed().as_nanos() as f64 / SAMPLES_PER_ROUND as f64);
    }
    let timing = |mut t: Vec<f64>| {
        t.sort_by(f64::total_cmp);
        Timing {
            best_ns: t[0],
            median_ns: t[t.len() / 2],
        }
    };
    (timing(ta), timing(tb))
}

/// RMS of the second half of a one-second render from a fresh instance of each side, so
/// the summary shows that both engines make a comparable sound (not silence, not a
/// blow-up). Untimed.
fn levels(
    chronus: &mut ChronusVoice,
    fundsp: &mut FundspVoice<impl AudioNode<Inputs = U0, Outputs = U2>>,
) -> (f64, f64) {
    let rms = |x: Vec<f32>| {
        let tail = &x[x.len() / 2..];
        (tail
            .iter()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum::<f64>()
            / tail.len() as f64)
            .sqrt()
    };
    (
        rms(chronus.render(SAMPLES_PER_ROUND)),
        rms(fundsp.render(SAMPLES_PER_ROUND)),
    )
}

/// Prints one case's lines of the summary.
fn report(label: &str, chronus: &Timing, fundsp: &Timing, (chronus_rms, fundsp_rms): (f64, f64)) {
    let ratio = chronus.best_ns / fundsp.best_ns;
    let verdict = if ratio <= TARGET_RATIO {
        "meets"
    } else {
        "misses"
    };
    println!(
        "{label}: chronus {:.2} ns/sample (median {:.2}), fundsp {:.2} ns/sample (median {:.2}); \
         output rms {chronus_rms:.4} vs {fundsp_rms:.4}",
        chronus.best_ns, chronus.median_ns, fundsp.best_ns, fundsp.median_ns,
    );
    println!("ratio {label}: {ratio:.2} ({verdict} the target <= {TARGET_RATIO})");
    if !(chronus_rms > 1e-3 && chronus_rms < 10.0) {
        println!("warning {label}: chronus output level {chronus_rms} is implausible");
    }
}

/// With `CHRONUS_BENCH_PROFILE=a|b|fundsp-a|fundsp-b` set, the bench only renders that
/// one side for a while (for `perf record` / `valgrind --tool=callgrind`) and exits.
fn profile_only(
    which: &str,
    a: (
        &mut ChronusVoice,
        &mut FundspVoice<impl AudioNode<Inputs = U0, Outputs = U2>>,
    ),
    b: (
        &mut ChronusVoice,
        &mut FundspVoice<impl AudioNode<Inputs = U0, Outputs = U2>>,
    ),
) {
    let samples: usize = std::env::var("CHRONUS_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SAMPLES_PER_ROUND * 10)
        / BLOCK
        * BLOCK;
    match which {
        "a" => a.0.run(samples),
        "b" => b.0.run(samples),
        "fundsp-a" => a.1.run(samples),
        "fundsp-b" => b.1.run(samples),
        other => panic!("CHRONUS_BENCH_PROFILE={other}: expected a, b, fundsp-a or fundsp-b"),
    }
    println!("profiled {which}: {samples} samples");
}

fn main() {
    let mut a_chronus = ChronusVoice::new(CHAIN_A, "env1");
    let mut a_fundsp = fundsp_chain_a();
    let mut b_chronus = ChronusVoice::new(VOICE_B, "env");
    let mut b_fundsp = fundsp_voice_b();
    if let Ok(which) = std::env::var("CHRONUS_BENCH_PROFILE") {
        profile_only(
            &which,
            (&mut a_chronus, &mut a_fundsp),
            (&mut b_chronus, &mut b_fundsp),
        );
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();

    bench_case(
        &mut criterion,
        "a_sine_adsr_biquad",
        &mut a_chronus,
        &mut a_fundsp,
    );
    bench_case(
        &mut criterion,
        "b_saw_svf_vca_adsr_lfo",
        &mut b_chronus,
        &mut b_fundsp,
    );
    criterion.final_summary();

    println!(
        "\nsummary: {ROUNDS} interleaved rounds of {SAMPLES_PER_ROUND} samples, 48 kHz, {BLOCK}-frame blocks, fastest round"
    );
    let (c, f) = interleaved(|n| a_chronus.run(n), |n| a_fundsp.run(n));
    let level = levels(
        &mut ChronusVoice::new(CHAIN_A, "env1"),
        &mut fundsp_chain_a(),
    );
    report("(a)", &c, &f, level);
    let (c, f) = interleaved(|n| b_chronus.run(n), |n| b_fundsp.run(n));
    let level = levels(
        &mut ChronusVoice::new(VOICE_B, "env"),
        &mut fundsp_voice_b(),
    );
    report("(b)", &c, &f, level);
}
