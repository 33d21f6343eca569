//! `chronus render PATCH.json --out OUT.wav`: compiles a patch, plays it offline with the
//! notes from `--notes` through the engine's [`render`](chronus_engine::render) driver,
//! streams the result to a 32-bit float stereo WAV and prints a one-line summary (length,
//! peak and RMS in dBFS, render speed as a multiple of real time).
//!
//! The render runs in chunks of whole host blocks (about 1/8 s), so the output is
//! sample-identical to one `render::render` call over the whole length, memory stays
//! bounded however long the render, and a progress bar can follow along. Main thread only:
//! the graph is driven here exactly as a host's audio thread would drive it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chronus_engine::Patch;
use chronus_engine::compile::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use chronus_engine::render::{self, NoteSpec, Player, TimedEvent};
use chronus_engine::script::{self, Script};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::CliError;
use crate::patch_file;
use crate::wav::{Levels, WavOut, dbfs};

/// Longest render accepted, in seconds (the WAV is streamed, so this bounds time and
/// disk use, not memory).
pub const MAX_SECONDS: f64 = 600.0;
/// Largest host block accepted, in frames.
pub const MAX_HOST_BLOCK: u32 = 8192;
/// Renders of more audio than this many seconds show a progress bar (on a terminal).
pub const PROGRESS_MIN_SECONDS: f64 = 5.0;

/// `chronus render` arguments.
#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    /// The patch to render.
    #[arg(value_name = "PATCH.json")]
    pub patch: PathBuf,
    /// Where to write the WAV file (32-bit float, stereo).
    #[arg(short, long, value_name = "OUT.wav")]
    pub out: PathBuf,
    /// Length of the render in seconds (up to 600).
    #[arg(long, default_value_t = 4.0, value_parser = parse_seconds)]
    pub seconds: f64,
    /// Sample rate in Hz (8000 .. 384000).
    #[arg(long, default_value_t = 48_000, value_parser = parse_sample_rate)]
    pub sample_rate: u32,
    /// Host block size in frames (1 .. 8192): how a host would cut its buffers. The output
    /// does not depend on it.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_HOST_BLOCK)))]
    pub block: u32,
    /// Notes to play: KEY@START:END in seconds, optional vVELOCITY (1..127), comma
    /// separated, e.g. "60@0:1,64@0.5:1.5v100". The voice is mono, last note wins.
    #[arg(long, value_name = "NOTES")]
    pub notes: Option<String>,
    /// A script of timed actions applied while rendering (commits, live sets, aborts and
    /// the editing verbs), played through the engine's hot-swap slots with the real
    /// background primer, paced to real time. Prints one line per commit and a summary.
    #[arg(long, value_name = "SCRIPT.json")]
    pub script: Option<PathBuf>,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let s: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if s.is_finite() && s > 0.0 && s <= MAX_SECONDS {
        Ok(s)
    } else {
        Err(format!("must be more than 0 and at most {MAX_SECONDS}"))
    }
}

fn parse_sample_rate(text: &str) -> Result<u32, String> {
    let sr: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of Hz"))?;
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&(sr as f32)) {
        Ok(sr)
    } else {
        Err(format!(
            "must be within {MIN_SAMPLE_RATE} .. {MAX_SAMPLE_RATE} Hz"
        ))
    }
}

/// Runs `chronus render`.
///
/// # Errors
/// Bad notes ([`CliError::Usage`]), an unreadable or invalid patch
/// ([`CliError::Patch`]), an unwritable output ([`CliError::Wav`]).
pub fn run(args: &RenderArgs) -> Result<ExitCode, CliError> {
    let sample_rate = args.sample_rate as f32;
    let frames = (args.seconds * f64::from(args.sample_rate))
        .round()
        .max(1.0) as usize;
    let notes = match &args.notes {
        Some(text) => {
            NoteSpec::parse_list(text).map_err(|e| CliError::Usage(format!("--notes: {e}")))?
        }
        None => Vec::new(),
    };
    for n in notes.iter().filter(|n| n.start >= args.seconds) {
        eprintln!(
            "warning: note {}@{} starts after the render ends ({} s)",
            n.key, n.start, args.seconds
        );
    }
    let events = NoteSpec::events(&notes, sample_rate);

    let patch = patch_file::read(&args.patch)?;
    if let Some(script) = &args.script {
        return run_script(args, &patch, script, sample_rate, &notes);
    }
    let mut graph = patch_file::compile(&args.patch, &patch, sample_rate)?;
    // Created before rendering, so an unwritable path fails at once.
    let mut wav = WavOut::create(&args.out, args.sample_rate)?;

    let progress = if args.seconds > PROGRESS_MIN_SECONDS {
        let bar = ProgressBar::new(frames as u64);
        bar.set_style(
            ProgressStyle::with_template("rendering [{bar:40}] {percent:>3}% eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut levels = Levels::default();
    let mut write_result = Ok(());
    let elapsed = render_chunks(
        &mut graph,
        &events,
        frames,
        args.block as usize,
        |left, right| {
            levels.add(left);
            levels.add(right);
            progress.inc(left.len() as u64);
            if write_result.is_ok() {
                write_result = write_finite(&mut wav, left, right);
            }
        },
    );
    progress.finish_and_clear();
    if let Err(e) = write_result.and_then(|()| wav.finalize()) {
        let _ = std::fs::remove_file(&args.out);
        return Err(e);
    }

    println!("{}", summary(args, frames, &levels, elapsed));
    warnings(args, &levels);
    Ok(ExitCode::SUCCESS)
}

/// `chronus render --script`: the whole render through the hot-swap engine, paced to real
/// time so commits meet the background primer as they would in a host.
fn run_script(
    args: &RenderArgs,
    patch: &Patch,
    script_path: &Path,
    sample_rate: f32,
    notes: &[NoteSpec],
) -> Result<ExitCode, CliError> {
    let script =
        Script::load(script_path).map_err(|e| CliError::Usage(format!("--script: {e}")))?;
    let base_dir = script_path.parent().unwrap_or(Path::new("."));
    let mut wav = WavOut::create(&args.out, args.sample_rate)?;
    let start = Instant::now();
    let (out, report) = script::render_script(
        patch,
        &script,
        base_dir,
        sample_rate,
        args.seconds,
        args.block as usize,
        notes,
    )
    .map_err(|e| CliError::Usage(format!("--script {}: {e}", script_path.display())))?;
    let elapsed = start.elapsed();
    let mut levels = Levels::default();
    levels.add(&out.left);
    levels.add(&out.right);
    if let Err(e) = write_finite(&mut wav, &out.left, &out.right).and_then(|()| wav.finalize()) {
        let _ = std::fs::remove_file(&args.out);
        return Err(e);
    }
    println!("{report}");
    println!("{}", summary(args, out.len(), &levels, elapsed));
    warnings(args, &levels);
    Ok(ExitCode::SUCCESS)
}

/// Writes a chunk, non-finite samples replaced by 0 (they are counted and reported).
fn write_finite(wav: &mut WavOut, left: &[f32], right: &[f32]) -> Result<(), CliError> {
    let clean = |x: &[f32]| -> Vec<f32> {
        x.iter()
            .map(|&s| if s.is_finite() { s } else { 0.0 })
            .collect()
    };
    wav.write(&clean(left), &clean(right))
}

/// Renders `frames` frames from `player` with `events` (sorted by frame; those at or
/// after `frames` are ignored), in host blocks of `host_block` frames, handing each
/// chunk of output to `sink`. Returns the time spent rendering (not in `sink`).
///
/// Chunks are whole multiples of `host_block`, so host blocks fall exactly where one
/// `render::render` call over all `frames` would put them: the output is identical.
///
/// Issue 3's `--script` belongs here: `player` becomes the engine's hot-swap slots
/// (anything implementing [`Player`]), and script actions (commit, set, abort, ...) are
/// applied between chunks cut at each action's frame, while rendering goes on in
/// simulated real time without waiting for the primer.
pub fn render_chunks(
    player: &mut impl Player,
    events: &[TimedEvent],
    frames: usize,
    host_block: usize,
    mut sink: impl FnMut(&[f32], &[f32]),
) -> Duration {
    let host_block = host_block.max(1);
    let chunk = host_block * (8192 / host_block).max(1);
    let mut rendering = Duration::ZERO;
    let mut next_event = 0;
    let mut start = 0;
    while start < frames {
        let end = (start + chunk).min(frames);
        let first = next_event;
        while events.get(next_event).is_some_and(|e| e.frame < end as u64) {
            next_event += 1;
        }
        let chunk_events: Vec<TimedEvent> = events[first..next_event]
            .iter()
            .map(|e| TimedEvent {
                frame: e.frame - start as u64,
                event: e.event,
            })
            .collect();
        let t0 = Instant::now();
        let out = render::render(player, &chunk_events, end - start, host_block);
        rendering += t0.elapsed();
        sink(&out.left, &out.right);
        start = end;
    }
    rendering
}

/// The one-line summary.
fn summary(args: &RenderArgs, frames: usize, levels: &Levels, elapsed: Duration) -> String {
    let audio_seconds = frames as f64 / f64::from(args.sample_rate);
    let wall = elapsed.as_secs_f64();
    let speed = if wall > 0.0 {
        format!("{:.0}x real time", audio_seconds / wall)
    } else {
        "instant".to_owned()
    };
    format!(
        "{}: {audio_seconds:.3} s, {frames} frames at {} Hz, peak {} dBFS, RMS {} dBFS, rendered in {:.3} s ({speed})",
        args.out.display(),
        args.sample_rate,
        dbfs(f64::from(levels.peak)),
        dbfs(levels.rms()),
        wall,
    )
}

/// Warnings about what was rendered, on stderr.
fn warnings(args: &RenderArgs, levels: &Levels) {
    if levels.non_finite > 0 {
        eprintln!(
            "warning: {} samples were NaN or infinite (written as 0)",
            levels.non_finite
        );
    }
    if levels.peak == 0.0 {
        let hint = if args.notes.is_none() {
            " (no --notes given: a patch that uses `note` or an `adsr` sounds only while a note is held)"
        } else {
            ""
        };
        eprintln!("warning: the render is silent{hint}");
    } else if levels.peak > 1.0 {
        eprintln!("warning: peak is above 0 dBFS; the float WAV keeps it, but playback will clip");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronus_engine::{Patch, compile};

    const SINE: &str = r#"{ "format": 1, "modules": [
        { "id": "osc1", "kind": "sine", "params": { "freq": 440.0, "gain": 0.2 } } ] }"#;

    #[test]
    fn chunked_render_equals_one_render_call() {
        let patch = Patch::from_json(SINE).unwrap();
        let events = NoteSpec::events(&NoteSpec::parse_list("60@0.1:0.3").unwrap(), 48_000.0);
        let frames = 30_011;
        for block in [1, 17, 64, 4096] {
            let mut g = compile::compile(&patch, 48_000.0).unwrap();
            let whole = render::render(&mut g, &events, frames, block);
            let mut g = compile::compile(&patch, 48_000.0).unwrap();
            let (mut left, mut right) = (Vec::new(), Vec::new());
            render_chunks(&mut g, &events, frames, block, |l, r| {
                left.extend_from_slice(l);
                right.extend_from_slice(r);
            });
            assert_eq!(left, whole.left, "block {block}");
            assert_eq!(right, whole.right, "block {block}");
            assert!(whole.peak() > 0.1);
        }
    }

    #[test]
    fn argument_ranges() {
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("nan").is_err());
        assert!(parse_seconds("601").is_err());
        assert_eq!(parse_seconds("2.5"), Ok(2.5));
        assert!(parse_sample_rate("7999").is_err());
        assert!(parse_sample_rate("384001").is_err());
        assert!(parse_sample_rate("44100.5").is_err());
        assert_eq!(parse_sample_rate("96000"), Ok(96_000));
    }
}
