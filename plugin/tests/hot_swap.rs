//! Patch edits committed into a running plugin instance while a note sounds, through the
//! plugin's own API (`PatchStore::commit`, what the editor calls): each commit is primed
//! on the engine's background thread while the host keeps rendering, switches in, and the
//! switch is click-free by the hot-swap criterion: around the switch no sample-to-sample
//! step exceeds the largest step either patch makes when it plays the same note alone,
//! in steady state (after its envelopes have settled, measured over 2.25 s: many
//! periods, so the bound is the waveform's true largest step).

use chronus::Chronus;
use chronus::state::DEFAULT_PATCH_JSON;
use chronus_engine::patch::edit::PatchEditor;
use chronus_engine::patch::{ParamValue, Patch};
use chronus_engine::swap::{CommitId, Outcome};
use chronus_tests::measure;
use nice_plug::midi::{Channel, Key, NoteEvent, VoiceID};

const SR: f32 = 48_000.0;
const BLOCK: usize = 256;

/// The default voice with its LFO still and no macro mappings, so steady state is
/// steady: the step criterion compares like with like.
fn base_patch() -> Patch {
    let mut patch = Patch::from_json(DEFAULT_PATCH_JSON).unwrap();
    patch.macros.clear();
    let lfo = patch.module_mut("cutmod").unwrap();
    lfo.params.insert("level1".into(), ParamValue::Number(0.0));
    patch
}

/// Renders `frames` frames in host blocks, first applying `events`.
fn render(p: &mut Chronus, out: &mut Vec<f32>, frames: usize, events: Vec<NoteEvent<()>>) {
    let mut events = events.into_iter();
    let mut done = 0;
    while done < frames {
        let n = BLOCK.min(frames - done);
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        p.render(&mut l, &mut r, || events.next());
        out.extend_from_slice(&l);
        done += n;
    }
}

fn note_on() -> NoteEvent<()> {
    NoteEvent::NoteOn {
        timing: 0,
        voice_id: VoiceID::Wildcard,
        channel: Channel::Number(0),
        key: Key::Number(57),
        velocity: 1.0,
    }
}

/// The largest step `patch` makes playing the test's note alone, from 0.75 s (envelopes
/// settled) to 3 s.
fn steady_step(patch: &Patch) -> f64 {
    let mut p = Chronus::default();
    p.chronus_params().patch.set_patch(patch.clone()).unwrap();
    assert!(p.prepare(SR));
    let mut out = Vec::new();
    render(&mut p, &mut out, 3 * SR as usize, vec![note_on()]);
    measure::max_step(&out[36_000..])
}

/// The record of commit `id`, once it has an outcome other than pending.
fn outcome(p: &Chronus, id: CommitId) -> Option<(Outcome, Option<u64>, Option<u32>)> {
    p.chronus_params()
        .patch
        .with_engine(|e| {
            e.status()
                .commits
                .iter()
                .find(|c| c.id == id)
                .map(|c| (c.outcome.clone(), c.switch_frame, c.crossfade_frames))
        })
        .flatten()
}

#[test]
fn commits_while_a_note_sounds_switch_without_a_click() {
    let mut p = Chronus::default();
    p.chronus_params().patch.set_patch(base_patch()).unwrap();
    assert!(p.prepare(SR));
    let mut out = Vec::new();
    render(&mut p, &mut out, 24_000, vec![note_on()]);

    type Edit = fn(&mut PatchEditor);
    let edits: [(&str, Edit); 4] = [
        ("insert a unity vca before the output", |e| {
            e.create("mon", "vca").unwrap();
            e.disconnect("amp.out", "out.in").unwrap();
            e.connect("amp.out", "mon.in").unwrap();
            e.connect("mon.out", "out.in").unwrap();
        }),
        ("filter cutoff 1000 -> 2500 Hz (params only)", |e| {
            e.set("filt1", "cutoff", ParamValue::Number(2500.0))
                .unwrap();
        }),
        ("saw replaced by a square", |e| {
            e.remove("osc1").unwrap();
            e.create("osc1", "square").unwrap();
            e.set("osc1", "gain", ParamValue::Number(0.5)).unwrap();
            e.connect("pitch.out", "osc1.freq").unwrap();
            e.connect("osc1.out", "oscmix.in1").unwrap();
        }),
        ("a delay after the amp", |e| {
            e.create("echo", "delay").unwrap();
            e.disconnect("mon.out", "out.in").unwrap();
            e.connect("mon.out", "echo.in").unwrap();
            e.connect("echo.out", "out.in").unwrap();
        }),
    ];

    let mut editor = PatchEditor::new(p.chronus_params().patch.patch());
    let mut report = Vec::new();
    for (label, edit) in edits {
        edit(&mut editor);
        let patch = editor.pending().clone();
        let id = p
            .chronus_params()
            .patch
            .commit(patch.clone())
            .unwrap()
            .expect("the plugin is active");
        // The host keeps rendering while the primer works; bounded wait.
        let started = std::time::Instant::now();
        let (switch, fade) = loop {
            render(&mut p, &mut out, BLOCK, Vec::new());
            if let Some((o, switch, fade)) = outcome(&p, id)
                && o != Outcome::Pending
            {
                assert_eq!(o, Outcome::Swapped, "{label}: {o:?}");
                break (switch.unwrap() as usize, fade.unwrap_or(0) as usize);
            }
            assert!(
                started.elapsed().as_secs() < 10,
                "{label}: no switch after 10 s"
            );
        };
        render(&mut p, &mut out, fade + 2_048, Vec::new());
        let (before, after) = (steady_step(editor.active()), steady_step(&patch));
        let around = measure::max_step(&out[switch - 64..switch + fade + 2_048]);
        let limit = before.max(after) * (1.0 + 1e-4);
        report.push(format!(
            "{label}: switch at {switch}, fade {fade}, step {around:.4} <= {limit:.4}"
        ));
        assert!(
            around <= limit,
            "{label}: step {around} around the switch at {switch} (fade {fade}) exceeds \
             the steps of the old patch alone ({before}) and the new one ({after})"
        );
        assert!(measure::all_finite(&out));
        editor = PatchEditor::new(patch);
    }
    // The saved patch is the last one switched in.
    assert_eq!(p.chronus_params().patch.patch(), *editor.active());
    let dropped_on_audio = p
        .chronus_params()
        .patch
        .with_engine(|e| e.status().dropped_on_audio_thread)
        .unwrap();
    assert_eq!(dropped_on_audio, 0, "old graphs freed off the audio thread");
    eprintln!("{}", report.join("\n"));
}
