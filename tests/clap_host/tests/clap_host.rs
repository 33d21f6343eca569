//! Chronus.clap in a real CLAP host (clack-host): the bundle is loaded as a DAW loads it,
//! its params enumerated, then it is activated at two sample rates and played with note
//! and param events inside host blocks of 1, 17, 64 and 512 frames; the sound is measured
//! (pitch, level, finiteness, block-size invariance, sample-accurate param events), the
//! state saved and loaded, and the plugin deactivated and reactivated.
//!
//! Needs the release bundle: `cargo xtask bundle chronus --release` (with the same
//! `CARGO_TARGET_DIR`); `CHRONUS_CLAP=/path/to/Chronus.clap` overrides the path. Without a
//! bundle the test says so and passes (CI builds the bundle first).

use std::ffi::CString;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use chronus_tests::measure;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::{MidiEvent, NoteOffEvent, NoteOnEvent, ParamValueEvent};
use clack_host::prelude::*;

/// Host callbacks shared across threads: where the plugin's extensions are kept.
struct Shared {
    /// The plugin's params extension.
    params: OnceLock<Option<PluginParams>>,
    /// The plugin's state extension.
    state: OnceLock<Option<PluginState>>,
    /// Set when the plugin asks for a main-thread callback.
    callback: AtomicBool,
}

impl<'a> SharedHandler<'a> for Shared {
    fn initializing(&self, instance: InitializingPluginHandle<'a>) {
        let _ = self.params.set(instance.get_extension());
        let _ = self.state.set(instance.get_extension());
    }

    fn request_restart(&self) {}

    fn request_process(&self) {}

    fn request_callback(&self) {
        self.callback.store(true, Ordering::SeqCst);
    }
}

/// The test host.
struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();
}

/// The bundle, if built.
fn bundle() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHRONUS_CLAP") {
        return Some(PathBuf::from(path));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../..")
                    .join(t)
            }
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join("bundled/Chronus.clap");
    path.exists().then_some(path)
}

/// A loaded entry and one instance of Chronus in it.
struct Loaded {
    entry: PluginEntry,
    instance: PluginInstance<TestHost>,
}

fn load(path: &PathBuf) -> Loaded {
    // SAFETY: loading a dynamic library runs its initialisers; Chronus.clap is our own
    // plugin, built from this workspace.
    let entry = unsafe { PluginEntry::load(path) }.expect("Chronus.clap loads");
    let instance = instantiate(&entry);
    Loaded { entry, instance }
}

fn instantiate(entry: &PluginEntry) -> PluginInstance<TestHost> {
    let factory = entry.get_plugin_factory().expect("a plugin factory");
    let descriptor = factory
        .plugin_descriptors()
        .find(|d| {
            d.id()
                .is_some_and(|id| id.to_bytes() == b"invalid.example.chronus")
        })
        .expect("the Chronus descriptor");
    assert_eq!(descriptor.name().unwrap().to_bytes(), b"Chronus");
    let id = CString::from(descriptor.id().unwrap());
    let host = HostInfo::new(
        "chronus-clap-test",
        "Chronus",
        "https://example.invalid",
        "0.1",
    )
    .unwrap();
    PluginInstance::<TestHost>::new(
        |_| Shared {
            params: OnceLock::new(),
            state: OnceLock::new(),
            callback: AtomicBool::new(false),
        },
        |_| (),
        entry,
        &id,
        &host,
    )
    .expect("instantiates")
}

fn params_ext(instance: &PluginInstance<TestHost>) -> PluginParams {
    instance
        .access_shared_handler(|h| *h.params.get().unwrap())
        .expect("params extension")
}

fn state_ext(instance: &PluginInstance<TestHost>) -> PluginState {
    instance
        .access_shared_handler(|h| *h.state.get().unwrap())
        .expect("state extension")
}

/// Runs any main-thread callback the plugin asked for.
fn pump(instance: &mut PluginInstance<TestHost>) {
    if instance.access_shared_handler(|h| h.callback.swap(false, Ordering::SeqCst)) {
        instance.call_on_main_thread_callback();
    }
}

/// One param as the host sees it.
#[derive(Debug, Clone)]
struct Param {
    id: ClapId,
    name: String,
    min: f64,
    max: f64,
    default: f64,
    hidden: bool,
}

fn enumerate(instance: &mut PluginInstance<TestHost>) -> Vec<Param> {
    let ext = params_ext(instance);
    let handle = instance.plugin_handle();
    (0..ext.count(&handle))
        .map(|i| {
            let mut buffer = ParamInfoBuffer::new();
            let info = ext.get_info(&handle, i, &mut buffer).expect("param info");
            Param {
                id: info.id,
                name: String::from_utf8_lossy(info.name).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
                hidden: info.flags.contains(ParamInfoFlags::IS_HIDDEN),
            }
        })
        .collect()
}

fn text(instance: &mut PluginInstance<TestHost>, id: ClapId, value: f64) -> String {
    let ext = params_ext(instance);
    let handle = instance.plugin_handle();
    let mut buffer = [0u8; 128];
    let bytes = ext
        .value_to_text(&handle, id, value, &mut buffer)
        .expect("value_to_text");
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_owned()
}

/// Something the test host sends at an absolute frame.
#[derive(Debug, Clone, Copy)]
enum Ev {
    On(u8, f64),
    Off(u8),
    Param(ClapId, f64),
    Bend(u16),
}

/// Renders `frames` frames in host blocks cycling through `blocks`, with `events` (sorted,
/// absolute frames) placed in their block at their offset.
fn render(
    processor: &mut StartedPluginAudioProcessor<TestHost>,
    frames: usize,
    blocks: &[usize],
    events: &[(usize, Ev)],
) -> (Vec<f32>, Vec<f32>) {
    let (mut left, mut right) = (vec![0.0f32; frames], vec![0.0f32; frames]);
    let mut output_ports = AudioPorts::with_capacity(2, 1);
    let input_audio = InputAudioBuffers::empty();
    let mut in_events = EventBuffer::with_capacity(64);
    let mut out_events = EventBuffer::with_capacity(64);
    let (mut pos, mut next) = (0, 0);
    let mut sizes = blocks.iter().cycle();
    while pos < frames {
        let end = (pos + sizes.next().unwrap()).min(frames);
        in_events.clear();
        out_events.clear();
        while next < events.len() && events[next].0 < end {
            let t = (events[next].0 - pos) as u32;
            match events[next].1 {
                Ev::On(key, vel) => in_events.push(&NoteOnEvent::new(
                    t,
                    Pckn::new(0u16, 0u16, u16::from(key), 0u32),
                    vel,
                )),
                Ev::Off(key) => in_events.push(&NoteOffEvent::new(
                    t,
                    Pckn::new(0u16, 0u16, u16::from(key), 0u32),
                    0.0,
                )),
                Ev::Param(id, value) => {
                    in_events.push(&ParamValueEvent::new(t, id, Pckn::match_all(), value))
                }
                Ev::Bend(value) => in_events.push(&MidiEvent::new(
                    t,
                    0,
                    [0xE0, (value & 0x7f) as u8, (value >> 7) as u8],
                )),
            }
            next += 1;
        }
        let (l, r) = (&mut left[pos..end], &mut right[pos..end]);
        let mut output_audio = output_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only([l, r].into_iter()),
        }]);
        processor
            .process(
                &input_audio,
                &mut output_audio,
                &InputEvents::from_buffer(&in_events),
                &mut OutputEvents::from_buffer(&mut out_events),
                Some(pos as u64),
                None,
            )
            .expect("process");
        pos = end;
    }
    (left, right)
}

/// Sets params (as events in a one-frame block) and resets: the next render starts clean
/// with these values, no glide.
fn prime(processor: &mut StartedPluginAudioProcessor<TestHost>, values: &[(ClapId, f64)]) {
    let events: Vec<(usize, Ev)> = values
        .iter()
        .map(|&(id, v)| (0, Ev::Param(id, v)))
        .collect();
    render(processor, 1, &[1], &events);
    processor.reset();
}

fn activate(
    instance: &mut PluginInstance<TestHost>,
    sample_rate: f64,
) -> StartedPluginAudioProcessor<TestHost> {
    let config = PluginAudioConfiguration {
        sample_rate,
        min_frames_count: 1,
        max_frames_count: 512,
    };
    instance
        .activate(|_, _| (), config)
        .expect("activates")
        .start_processing()
        .expect("starts processing")
}

#[test]
fn chronus_clap_in_a_clap_host() {
    let Some(path) = bundle() else {
        assert!(
            std::env::var_os("CHRONUS_REQUIRE_BUNDLES").is_none(),
            "CHRONUS_REQUIRE_BUNDLES is set but there is no Chronus.clap bundle"
        );
        eprintln!(
            "SKIPPED: no Chronus.clap bundle (build it with `cargo xtask bundle chronus --release`, \
             or set CHRONUS_CLAP)"
        );
        return;
    };
    let Loaded {
        entry,
        mut instance,
    } = load(&path);

    // Params: gain + 16 macros, named, with readable text; one hidden edit counter (it
    // tells the host the patch changed).
    let params = enumerate(&mut instance);
    let hidden: Vec<&str> = params
        .iter()
        .filter(|p| p.hidden)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(hidden, ["Patch edits"], "hidden params");
    let named: Vec<&str> = params
        .iter()
        .filter(|p| !p.hidden)
        .map(|p| p.name.as_str())
        .collect();
    let mut expected = vec!["Gain".to_owned()];
    expected.extend((1..=16).map(|i| format!("Macro {i}")));
    assert_eq!(named, expected, "params");
    let find = |name: &str| params.iter().find(|p| p.name == name).unwrap().clone();
    let (gain, cutoff, level) = (find("Gain"), find("Macro 1"), find("Macro 16"));
    assert_eq!(text(&mut instance, gain.id, gain.default), "0.00 dB");
    let half = cutoff.min + 0.5 * (cutoff.max - cutoff.min);
    assert_eq!(text(&mut instance, cutoff.id, half), "50.0 %");
    let value = |p: &Param, x: f64| p.min + x * (p.max - p.min);

    // Activate at 48 kHz; the same events in blocks of 1, 17, 64 and 512 frames. The sub
    // oscillator is off (Macro 10 at 0) so the saw's fundamental is the strongest partial.
    let sr = 48_000.0;
    let sub = find("Macro 10");
    let start = [(sub.id, value(&sub, 0.0)), (level.id, value(&level, 0.5))];
    let events = vec![
        (100, Ev::On(69, 0.8)),
        (30_000, Ev::Param(level.id, value(&level, 0.25))),
        (60_000, Ev::Off(69)),
    ];
    let mut processor = activate(&mut instance, sr);
    let mut renders = Vec::new();
    for blocks in [&[1][..], &[17], &[64], &[512], &[1, 17, 512, 3, 64]] {
        prime(&mut processor, &start);
        let (l, r) = render(&mut processor, 72_000, blocks, &events);
        assert!(
            measure::all_finite(&l) && measure::all_finite(&r),
            "{blocks:?}"
        );
        assert_eq!(l, r, "mono patch");
        renders.push((blocks, l));
    }
    let reference = renders[3].1.clone();
    for (blocks, l) in &renders {
        let diff = measure::max_diff(l, &reference);
        assert!(diff < 1e-6, "blocks {blocks:?} differ by {diff}");
    }
    // Silent before the note, then A4 at the right pitch and level.
    assert!(reference[..100].iter().all(|&s| s == 0.0));
    assert!(
        reference[100..110].iter().any(|&s| s != 0.0),
        "the note starts at frame 100"
    );
    let held = &reference[9_600..29_000];
    let f = measure::frequency(held, sr, 50.0);
    assert!(measure::cents(f, 440.0).abs() < 1.0, "{f} Hz");
    let loud = measure::rms(held);
    assert!(
        (-30.0..-6.0).contains(&measure::db(loud)),
        "{} dBFS",
        measure::db(loud)
    );
    // The param event at frame 30 000 (Macro 16 -> output level 0.5 -> 0.25): its glide
    // starts exactly there (inside a 512-frame block), and the level halves.
    prime(&mut processor, &start);
    let unchanged = render(&mut processor, 72_000, &[512], &[events[0], events[2]]).0;
    let first = (0..reference.len())
        .find(|&i| reference[i] != unchanged[i])
        .unwrap();
    assert!(
        (30_000..=30_001).contains(&first),
        "param event lands at {first}"
    );
    let quiet = measure::rms(&reference[31_000..59_000]) / measure::rms(&unchanged[31_000..59_000]);
    assert!((quiet - 0.5).abs() < 0.01, "level ratio {quiet}");
    // Released.
    assert!(measure::rms(&reference[70_000..]) < 1e-3 * loud);
    eprintln!(
        "CLAP: {} params; A4 at {f:.3} Hz, {:.1} dBFS; blocks 1/17/64/512/mixed identical; \
         param event at frame 30000 lands at {first}, level x{quiet:.3}",
        params.len(),
        measure::db(loud)
    );

    // Pitch bend (MIDI) +2 semitones.
    prime(&mut processor, &start);
    let bent = render(
        &mut processor,
        48_000,
        &[512],
        &[(0, Ev::Bend(16_383)), (0, Ev::On(69, 1.0))],
    )
    .0;
    let f = measure::frequency(&bent[9_600..], sr, 50.0);
    assert!(
        measure::cents(f, 440.0 * 2f64.powf(2.0 / 12.0)).abs() < 1.0,
        "bent: {f} Hz"
    );

    // State: save, change a param, load: the same sound again.
    prime(&mut processor, &start);
    let state = state_ext(&instance);
    let mut saved = Vec::new();
    state
        .save(&instance.plugin_handle(), &mut saved)
        .expect("state saves");
    let text_state = String::from_utf8_lossy(&saved);
    assert!(text_state.contains("chronus-patch") && text_state.contains("macro16"));
    let before = render(&mut processor, 24_000, &[256], &[(10, Ev::On(57, 1.0))]).0;
    prime(&mut processor, &[(cutoff.id, value(&cutoff, 0.95))]);
    let changed = render(&mut processor, 24_000, &[256], &[(10, Ev::On(57, 1.0))]).0;
    assert!(
        measure::max_diff(&before, &changed) > 0.01,
        "cutoff moved the sound"
    );
    state
        .load(&instance.plugin_handle(), &mut Cursor::new(&saved))
        .expect("state loads");
    pump(&mut instance);
    processor.reset();
    let restored = render(&mut processor, 24_000, &[256], &[(10, Ev::On(57, 1.0))]).0;
    assert_eq!(restored, before, "restored state renders the same samples");

    // Deactivate, reactivate at another rate: clean start, right pitch.
    let stopped = processor.stop_processing();
    instance.deactivate(stopped);
    let mut processor = activate(&mut instance, 96_000.0);
    let silent = render(&mut processor, 9_600, &[480], &[]).0;
    assert!(
        silent.iter().all(|&s| s == 0.0),
        "no stale note after reactivation"
    );
    prime(&mut processor, &start);
    let note = render(&mut processor, 96_000, &[480], &[(0, Ev::On(81, 1.0))]).0;
    let f = measure::frequency(&note[19_200..], 96_000.0, 50.0);
    assert!(measure::cents(f, 880.0).abs() < 1.0, "{f} Hz at 96 kHz");
    let stopped = processor.stop_processing();
    instance.deactivate(stopped);

    // A second instance from the same entry is independent.
    let mut other = instantiate(&entry);
    assert_eq!(enumerate(&mut other).len(), params.len());
    drop(other);
    drop(instance);
    drop(entry);
}
