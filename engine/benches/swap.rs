//! Hot-swap benchmarks (issue 3):
//! - `prime/N_modules`: the primer's work for one commit (validate, compile, prime,
//!   8-block warm-up, checks), for patches of 4, 32 and 128 modules. Target: < 1 ms for 32.
//! - `commit_to_switch/N_modules`: wall time from `commit` to the audio thread playing the
//!   new graph, with a render loop running (and yielding) meanwhile: the above plus
//!   waking the primer thread and the hand-over at the next block boundary (on a loaded
//!   machine this adds scheduler latency).
//! - `process_block/*`: one 64-frame `process` call of a 32-module patch: steady; the
//!   block that switches a params-only commit (carry-over, no crossfade); the block that
//!   switches a structural commit (carry-over plus the first crossfade block, two
//!   graphs); a block in mid-crossfade (two graphs); and blocks while another thread
//!   commits every 0.5 ms, three params-only commits for each structural one (criterion
//!   means). Target: worst case within 1.5x of steady. A plain loop's
//!   99.9th percentile and worst block are printed too (they include preemption).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chronus_engine::Patch;
use chronus_engine::swap::{
    CommitOptions, Engine, EngineAudio, EngineControl, EngineOptions, try_prime,
};
use criterion::{Criterion, criterion_group, criterion_main};

const SR: f32 = 48_000.0;
const BLOCK: usize = 64;

/// A patch of `n` modules (n >= 4): the keyboard into a sine, through `n - 3` lowpass
/// biquads in series, to the output. `variant` changes the last cutoff, so successive
/// commits differ while every module's state carries over.
fn chain(n: usize, variant: u32) -> Patch {
    let mut modules = vec![
        r#"{"id": "kb", "kind": "note"}"#.to_owned(),
        r#"{"id": "osc", "kind": "sine", "params": {"freq": 440, "gain": 0.5}}"#.to_owned(),
    ];
    let mut connections = vec![r#"{"from": "kb.pitch", "to": "osc.freq"}"#.to_owned()];
    let mut prev = "osc".to_owned();
    for i in 0..n - 3 {
        let cutoff = if i == n - 4 {
            6000 + variant * 10
        } else {
            8000
        };
        modules.push(format!(
            r#"{{"id": "f{i}", "kind": "biquad", "params": {{"cutoff": {cutoff}}}}}"#
        ));
        connections.push(format!(r#"{{"from": "{prev}", "to": "f{i}"}}"#));
        prev = format!("f{i}");
    }
    modules.push(r#"{"id": "out", "kind": "output"}"#.to_owned());
    connections.push(format!(r#"{{"from": "{prev}", "to": "out"}}"#));
    let json = format!(
        r#"{{"format": 1, "modules": [{}], "connections": [{}]}}"#,
        modules.join(","),
        connections.join(",")
    );
    Patch::from_json(&json).expect("bench patch")
}

/// [`chain`] plus an unconnected `note` module whose id depends on `variant`: a
/// structural change, so switching between variants crossfades two graphs.
fn chain_structural(n: usize, variant: u32) -> Patch {
    let mut patch = chain(n, 0);
    patch.modules.push(chronus_engine::patch::ModuleSpec {
        id: chronus_engine::patch::ModuleId(format!("tag{variant}")),
        kind: "note".into(),
        params: Default::default(),
    });
    patch
}

fn engine(n: usize) -> (EngineControl, EngineAudio) {
    Engine::new(&chain(n, 0), SR, EngineOptions::default()).expect("bench engine")
}

fn process(audio: &mut EngineAudio, l: &mut [f32; BLOCK], r: &mut [f32; BLOCK]) {
    audio.process([&[], &[]], [l, r]);
    black_box((&l, &r));
}

fn prime(c: &mut Criterion) {
    let mut group = c.benchmark_group("prime");
    for n in [4, 32, 128] {
        let patch = chain(n, 1);
        let options = EngineOptions::default();
        group.bench_function(format!("{n}_modules"), |b| {
            b.iter(|| {
                let report = try_prime(&patch, SR, &options, CommitOptions::default()).unwrap();
                assert!(report.result.is_ok());
                black_box(report)
            })
        });
    }
    group.finish();
}

fn commit_to_switch(c: &mut Criterion) {
    let mut group = c.benchmark_group("commit_to_switch");
    for n in [4, 32, 128] {
        let (mut control, mut audio) = engine(n);
        let patches = [chain(n, 1), chain(n, 2)];
        let (mut l, mut r) = ([0.0; BLOCK], [0.0; BLOCK]);
        let mut k = 0;
        group.bench_function(format!("{n}_modules"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    k += 1;
                    let start = Instant::now();
                    let id = control.commit(patches[k % 2].clone());
                    while control.status().active_commit != id {
                        process(&mut audio, &mut l, &mut r);
                        // A real audio thread sleeps between callbacks; yielding leaves
                        // the primer a core on a loaded machine.
                        std::thread::yield_now();
                    }
                    total += start.elapsed();
                    // Let the crossfade finish so the next commit switches at once.
                    while control.status().fading {
                        process(&mut audio, &mut l, &mut r);
                    }
                }
                total
            });
        });
        let st = control.status();
        let recent: Vec<_> = st.commits.iter().rev().take(100).collect();
        let mean = |f: &dyn Fn(&chronus_engine::swap::CommitRecord) -> Option<Duration>| {
            let v: Vec<f64> = recent
                .iter()
                .filter_map(|r| f(r))
                .map(|d| d.as_secs_f64() * 1e3)
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        println!(
            "commit_to_switch/{n}_modules: primer build {:.3} ms, prime (warm-up + checks) {:.3} ms (mean of last {})",
            mean(&|r| r.build),
            mean(&|r| r.prime),
            recent.len()
        );
    }
    group.finish();
}

/// Median, 99th percentile and worst of a list of times, µs.
fn stats(mut ns: Vec<u128>) -> (f64, f64, f64) {
    ns.sort_unstable();
    let us = |i: usize| ns[i.min(ns.len() - 1)] as f64 / 1e3;
    (us(ns.len() / 2), us(ns.len() * 99 / 100), us(ns.len() - 1))
}

/// Times single blocks in a plain loop: steady blocks, the switch block and the blocks
/// of the crossfade after each of `switches` commits. Returns (steady, switch, fade) as
/// (median, p99, worst) in µs.
fn block_kinds(
    control: &mut EngineControl,
    audio: &mut EngineAudio,
    switches: usize,
) -> [(f64, f64, f64); 3] {
    let (mut l, mut r) = ([0.0; BLOCK], [0.0; BLOCK]);
    let patches = [chain_structural(32, 1), chain_structural(32, 2)];
    let (mut steady, mut switch, mut fade) = (Vec::new(), Vec::new(), Vec::new());
    let mut timed = |audio: &mut EngineAudio, into: &mut Vec<u128>| {
        let t = Instant::now();
        process(audio, &mut l, &mut r);
        into.push(t.elapsed().as_nanos());
    };
    for k in 0..switches {
        for _ in 0..20 {
            timed(audio, &mut steady);
        }
        control.commit(patches[k % 2].clone());
        control.wait_primer_idle(Duration::from_secs(5));
        timed(audio, &mut switch);
        while control.status().fading {
            timed(audio, &mut fade);
        }
    }
    [stats(steady), stats(switch), stats(fade)]
}

/// Times `blocks` plain process calls: (median, p99, worst) in µs.
fn block_times(audio: &mut EngineAudio, blocks: usize) -> (f64, f64, f64) {
    let (mut l, mut r) = ([0.0; BLOCK], [0.0; BLOCK]);
    stats(
        (0..blocks)
            .map(|_| {
                let t = Instant::now();
                process(audio, &mut l, &mut r);
                t.elapsed().as_nanos()
            })
            .collect(),
    )
}

/// Starts a thread committing a new 32-module patch every 0.5 ms until `stop`: params-only
/// edits (the common case: a value changed in the patch) with every fourth commit a
/// structural one (crossfaded).
fn storm(mut control: EngineControl, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let patches = [
            chain(32, 1),
            chain(32, 2),
            chain(32, 3),
            chain_structural(32, 4),
        ];
        let mut k = 0;
        while !stop.load(Ordering::Relaxed) {
            k += 1;
            control.commit(patches[k % 4].clone());
            control.status();
            std::thread::sleep(Duration::from_micros(500));
        }
        control.status().swaps
    })
}

fn process_block(c: &mut Criterion) {
    let budget_us = BLOCK as f64 / f64::from(SR) * 1e6;
    let mut group = c.benchmark_group("process_block");
    let (mut control, mut audio) = engine(32);
    let (mut l, mut r) = ([0.0; BLOCK], [0.0; BLOCK]);
    group.bench_function("steady_32_modules", |b| {
        b.iter(|| process(&mut audio, &mut l, &mut r))
    });

    // The switch block (params-only: one graph; structural: carry-over plus the first
    // crossfade block) and a mid-crossfade block, timed one at a time.
    let params_only = [chain(32, 1), chain(32, 2)];
    let structural = [chain_structural(32, 1), chain_structural(32, 2)];
    let mut k = 0;
    for (name, patches, skip) in [
        ("switch_params_only_32_modules", &params_only, 0),
        ("switch_crossfade_32_modules", &structural, 0),
        ("crossfade_32_modules", &structural, 3),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    k += 1;
                    control.commit(patches[k % 2].clone());
                    control.wait_primer_idle(Duration::from_secs(5));
                    for _ in 0..skip {
                        process(&mut audio, &mut l, &mut r);
                    }
                    let t = Instant::now();
                    process(&mut audio, &mut l, &mut r);
                    total += t.elapsed();
                    while control.status().fading {
                        process(&mut audio, &mut l, &mut r);
                    }
                }
                total
            })
        });
    }
    let kinds = block_kinds(&mut control, &mut audio, 300);

    let stop = Arc::new(AtomicBool::new(false));
    let committer = storm(control, Arc::clone(&stop));
    group.bench_function("storm_32_modules", |b| {
        b.iter(|| process(&mut audio, &mut l, &mut r))
    });
    let stormy = block_times(&mut audio, 50_000);
    stop.store(true, Ordering::Relaxed);
    let swaps = committer.join().expect("committer");
    group.finish();

    let [steady, switch, fade] = kinds;
    for (name, (median, p99, worst)) in [
        ("steady", steady),
        ("switch (structural)", switch),
        ("crossfade", fade),
        ("storm (all blocks)", stormy),
    ] {
        println!(
            "process_block/{name}: median {median:.2} us ({:.2}x steady), p99 {p99:.2} us, \
             worst {worst:.2} us; budget {budget_us:.0} us",
            median / steady.0
        );
    }
    println!("process_block: {swaps} swaps during the storm loop");
}

criterion_group!(benches, prime, commit_to_switch, process_block);
criterion_main!(benches);
