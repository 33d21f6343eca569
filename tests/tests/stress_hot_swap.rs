//! Hot swap under load: a storm of 10 000 random commits during one render, and a
//! real-time stress test (a paced audio thread and a committing control thread, with the
//! real primer thread between them). Every `process` call runs inside `assert_no_alloc`
//! with the `AllocDisabler` allocator in debug builds (assert_no_alloc disables itself in
//! release builds).
//!
//! The stress test measures timing, so it only runs in release builds:
//! `cargo test --release -p chronus-tests --test hot_swap_storm`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chronus_engine::swap::{CommitId, Engine, EngineOptions, FALLBACKS, MAX_GRAPHS, Outcome};
use chronus_tests::measure;
use chronus_tests::swap::{PRIMER_TIMEOUT, Rig, patch};

// assert_no_alloc's default `disable_release` feature turns the checks off in release
// builds (and removes the allocator), so the no-allocation proof is the debug run.
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48_000.0;

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random patch and whether it is valid (passes every check).
fn random_patch(rng: &mut Rng) -> (String, bool) {
    let freq = 110 + rng.below(800);
    let gain = 0.1 + rng.below(5) as f32 * 0.1;
    let cutoff = 200 + rng.below(5000);
    match rng.below(10) {
        // Valid: a sine, optionally through a filter, with a random extra module.
        0..=3 => {
            let filtered = rng.below(2) == 0;
            let to = if filtered { "filt1" } else { "out" };
            (
                format!(
                    r#"{{"format": 1, "modules": [
                    {{"id": "osc1", "kind": "sine", "params": {{"freq": {freq}, "gain": {gain}}}}},
                    {{"id": "filt1", "kind": "biquad", "params": {{"cutoff": {cutoff}}}}},
                    {{"id": "m{}", "kind": "macro"}},
                    {{"id": "out", "kind": "output"}}],
                  "connections": [{{"from": "osc1", "to": "{to}"}},
                                  {{"from": "filt1", "to": "out.left"}}]}}"#,
                    rng.below(4)
                ),
                true,
            )
        }
        // Invalid: does not validate.
        4 | 5 => (
            format!(
                r#"{{"format": 1, "modules": [{{"id": "osc1", "kind": "sine", "params": {{"freq": -{freq}}}}}]}}"#
            ),
            false,
        ),
        // NaN.
        6 => (
            r#"{"format": 1, "modules": [{"id": "bad", "kind": "test_nan"}]}"#.to_owned(),
            false,
        ),
        // Blow-up.
        7 => (
            r#"{"format": 1, "modules": [{"id": "bad", "kind": "test_explode"}]}"#.to_owned(),
            false,
        ),
        // Silent by mistake.
        _ => (
            format!(
                r#"{{"format": 1, "modules": [{{"id": "osc1", "kind": "sine", "params": {{"freq": {freq}, "gain": 0}}}}]}}"#
            ),
            false,
        ),
    }
}

#[test]
fn a_storm_of_10000_commits_ends_on_the_last_valid_one() {
    let mut rig = Rig::new(
        r#"{"format": 1, "modules": [{"id": "osc1", "kind": "sine"}]}"#,
        SR,
        64,
    );
    let mut rng = Rng(0x5eed_c0ff_ee15_600d);
    let mut valid = Vec::new();
    let mut last_id = CommitId(0);
    let mut alive_max = 0;
    for i in 0..10_000 {
        let (json, ok) = random_patch(&mut rng);
        last_id = rig.control.commit(patch(&json));
        if ok {
            valid.push(last_id);
        }
        // Commits come far faster than priming: one per 64-frame block, and bursts;
        // now and then the storm pauses until the primer has caught up, so many
        // commits are really primed, judged and switched.
        if i % 7 != 0 {
            rig.run(64);
        }
        if i % 25 == 0 {
            rig.control.wait_primer_idle(PRIMER_TIMEOUT);
        }
        if i % 64 == 0 {
            let st = rig.control.status();
            alive_max = alive_max.max(st.graphs_alive);
        }
    }
    let last_valid = *valid.last().unwrap();
    assert!(
        last_id.0 - last_valid.0 < FALLBACKS as u64,
        "test precondition: the last valid commit is among the newest {FALLBACKS}"
    );
    assert!(rig.control.wait_primer_idle(PRIMER_TIMEOUT));
    // Keep playing, paced like an audio thread, until the last primed graph has been
    // handed over and its crossfade is done (the primer offers it every 0.2 ms).
    for _ in 0..2000 {
        rig.run(256);
        std::thread::sleep(Duration::from_micros(500));
        let st = rig.control.status();
        if st.active_commit == last_valid && !st.fading {
            break;
        }
    }
    rig.run((0.1 * SR) as usize);
    std::thread::sleep(Duration::from_millis(50));
    let st = rig.control.status().clone();
    println!(
        "storm: {} swapped, {} rejected, {} superseded, peak {} graphs, load mean {:.2} % max {:.1} %",
        st.swaps,
        st.rejections,
        st.superseded,
        st.graphs_peak,
        st.load_mean * 100.0,
        st.load_max * 100.0
    );

    assert_eq!(
        st.active_commit, last_valid,
        "the last valid commit is active"
    );
    assert_eq!(st.latest_commit, last_id);
    assert_eq!(
        st.swaps + st.rejections + st.superseded + st.aborted,
        10_000,
        "every commit has exactly one outcome: {st:?}"
    );
    assert!(
        st.swaps >= 1 && st.rejections >= 1 && st.superseded >= 1,
        "{st:?}"
    );
    assert!(
        st.graphs_peak <= MAX_GRAPHS,
        "{} graphs at once",
        st.graphs_peak
    );
    assert!(alive_max <= MAX_GRAPHS);
    assert_eq!(st.graphs_alive, 1, "{st:?}");
    assert_eq!(st.graphs_built, st.graphs_dropped + 1);
    assert_eq!(st.dropped_on_audio_thread, 0);
    assert_eq!(st.faults, 0, "no bad graph reached the speakers");
    let out = &rig.out;
    assert!(measure::all_finite(&out.left) && measure::all_finite(&out.right));
    assert!(out.peak() < 1.0, "peak {}", out.peak());
    // The last patch plays at the end.
    let tail = &out.left[out.len() - 4800..];
    assert!(measure::rms(tail) > 0.01);
    let record = st.commit(last_valid).unwrap();
    assert_eq!(record.outcome, Outcome::Swapped);
}

/// Statistics of the paced audio thread.
#[derive(Debug, Default)]
struct AudioStats {
    blocks: u64,
    late: u64,
    worst_ns: u64,
    over_budget: u64,
    non_finite: u64,
}

#[test]
#[cfg_attr(debug_assertions, ignore = "timing test: run with --release")]
fn real_time_stress_with_a_background_primer() {
    const BLOCK: usize = 128;
    const SECONDS: f64 = 3.0;
    let start_patch = patch(r#"{"format": 1, "modules": [{"id": "osc1", "kind": "sine"}]}"#);
    let (mut control, mut audio) = Engine::new(&start_patch, SR, EngineOptions::default()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let period = Duration::from_secs_f64(BLOCK as f64 / f64::from(SR));

    let audio_stop = Arc::clone(&stop);
    let audio_thread = std::thread::spawn(move || {
        let mut stats = AudioStats::default();
        let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        let mut deadline = Instant::now() + period;
        while !audio_stop.load(Ordering::Relaxed) {
            let t0 = Instant::now();
            assert_no_alloc::assert_no_alloc(|| {
                audio.process([&[], &[]], [&mut l, &mut r]);
            });
            let ns = t0.elapsed().as_nanos() as u64;
            stats.worst_ns = stats.worst_ns.max(ns);
            if ns > period.as_nanos() as u64 {
                stats.over_budget += 1;
            }
            stats.blocks += 1;
            if !measure::all_finite(&l) || !measure::all_finite(&r) {
                stats.non_finite += 1;
            }
            let now = Instant::now();
            if now > deadline {
                stats.late += 1;
                deadline = now;
            }
            if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            deadline += period;
        }
        stats
    });

    let mut rng = Rng(0xdec0_de5e_ed00_0042);
    let mut last_id = CommitId(0);
    let begin = Instant::now();
    while begin.elapsed().as_secs_f64() < SECONDS {
        let burst = if rng.below(10) == 0 { 20 } else { 1 };
        for _ in 0..burst {
            let (json, _) = random_patch(&mut rng);
            last_id = control.commit(patch(&json));
        }
        let _ = control.set("osc1", "freq", 200.0 + rng.below(400) as f32);
        let _ = control.set_macro(1, rng.below(100) as f32 / 100.0);
        control.status();
        std::thread::sleep(Duration::from_millis(2 + rng.below(4)));
    }
    // End on a valid commit so the end state is known whatever the timing.
    let (json, _) = (0..)
        .map(|_| random_patch(&mut rng))
        .find(|(_, ok)| *ok)
        .unwrap();
    let last_valid = control.commit(patch(&json));
    assert!(control.wait_primer_idle(PRIMER_TIMEOUT));
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let stats = audio_thread.join().unwrap();
    let st = control.status().clone();
    let budget_ns = period.as_nanos() as u64;
    println!(
        "stress: {} blocks, {} late, {} over budget, worst process {:.1} us of {:.1} us budget, load mean \
         {:.2} % max {:.1} %, {} commits: {} swapped, {} rejected, {} superseded, peak {} graphs",
        stats.blocks,
        stats.late,
        stats.over_budget,
        stats.worst_ns as f64 / 1e3,
        budget_ns as f64 / 1e3,
        st.load_mean * 100.0,
        st.load_max * 100.0,
        st.latest_commit.0,
        st.swaps,
        st.rejections,
        st.superseded,
        st.graphs_peak
    );
    assert_eq!(stats.non_finite, 0);
    assert!(last_id < last_valid);
    assert_eq!(st.active_commit, last_valid, "{st:?}");
    assert_eq!(
        st.swaps + st.rejections + st.superseded + st.aborted,
        st.latest_commit.0
    );
    assert!(st.graphs_peak <= MAX_GRAPHS);
    assert_eq!(st.dropped_on_audio_thread, 0);
    // Process itself stays inside the budget. The machine is shared and the threads have
    // no real-time priority, so a preempted block can look slow: allow 0.5 % of blocks
    // over budget. Late wake-ups of the pacing loop measure the scheduler, not the
    // engine: printed above, not asserted.
    assert!(
        stats.over_budget * 200 <= stats.blocks,
        "{} of {} blocks over the {} ns budget (worst {} ns)",
        stats.over_budget,
        stats.blocks,
        budget_ns,
        stats.worst_ns
    );
}
