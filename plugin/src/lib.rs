//! Chronus as a VST3 + CLAP instrument: thin glue between a plugin host and the engine.
//! It owns no DSP: MIDI in ([`midi`]), 16 macros and a master gain ([`params`]), the saved
//! patch ([`state`]), the engine behind one file ([`voice_engine`]), the editor window
//! ([`gui`]) and the output meters it shows ([`meters`]).
//!
//! Threads: the host's main thread creates the plugin, loads and saves state and calls
//! `activate()` (which compiles the patch at the host's sample rate: nothing is built on
//! the audio thread). The audio thread calls `process()` and `reset()`, which only drain
//! lock-free queues, run the engine and write the output: no allocation (debug builds
//! abort on one, `assert_process_allocs`), no locks, denormals flushed, every output sample
//! finite and normal.
//!
//! The host buffer is cut at every MIDI event so each lands on its exact sample; with
//! `SAMPLE_ACCURATE_AUTOMATION` nice-plug also cuts it at every param change, so macro
//! and gain automation is sample-accurate too (and smoothed: the engine glides mapped
//! params over 10 ms, the gain glides over [`params::GAIN_SMOOTHING_MS`]).

pub mod gui;
pub mod meters;
pub mod midi;
pub mod params;
pub mod safety;
pub mod state;
pub mod voice_engine;

use std::num::NonZeroU32;
use std::sync::Arc;

use chronus_engine::render::Event;
use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;

use crate::gui::ChronusEditor;
use crate::meters::{MeterReader, MeterTap};
use crate::midi::MidiAction;
use crate::params::ChronusParams;
use crate::safety::{DenormalGuard, sanitize};
use crate::voice_engine::EngineAudio;

/// One Chronus instance.
pub struct Chronus {
    /// Host params and the saved patch, shared with the host wrapper (and the GUI).
    params: Arc<ChronusParams>,
    /// The running engine's audio half; `None` until the first `activate()`.
    engine: Option<EngineAudio>,
    /// Feeds the editor's meters and scope from the output. Audio thread.
    meter_tap: MeterTap,
    /// The meters' reading end and the editor's repaint flag, until the host asks for
    /// the editor (once, right after creating the instance).
    editor_parts: Option<(MeterReader, RepaintNotifier)>,
}

impl Default for Chronus {
    fn default() -> Self {
        let repaint = RepaintNotifier::new();
        let (meter_tap, meter_reader) = meters::meter_pair(repaint.clone());
        Self {
            params: Arc::new(ChronusParams::default()),
            engine: None,
            meter_tap,
            editor_parts: Some((meter_reader, repaint)),
        }
    }
}

impl Chronus {
    /// The instance's params and saved patch.
    pub fn chronus_params(&self) -> &Arc<ChronusParams> {
        &self.params
    }

    /// The editor's link to this instance without a window, for driving the editor
    /// headless (tests, tools). Takes the meters' reading end, so afterwards the host
    /// gets no editor: call it instead of opening one, never besides. GUI thread.
    pub fn editor_link(&mut self) -> Option<gui::link::EditorLink> {
        let (meters, _repaint) = self.editor_parts.take()?;
        Some(gui::link::EditorLink::new(Arc::clone(&self.params), meters))
    }

    /// Builds the engine for `sample_rate` from the stored patch, replacing any running
    /// one, with the host's current macro values applied and all glides settled. If the
    /// stored patch cannot run at this rate, falls back to the default patch (and records
    /// why); if not even that runs, to silence. Control thread (`activate()`); allocates.
    /// Returns whether a patch (the stored or the default one) is playing.
    pub fn prepare(&mut self, sample_rate: f32) -> bool {
        let store = &self.params.patch;
        store.detach();
        let doc = store.doc();
        let macros = self.params.macro_values();
        let start = |patch: &chronus_engine::Patch| {
            voice_engine::start(patch, sample_rate, doc.crossfade_ms, macros)
        };
        let mut playing = true;
        let started = start(&doc.patch)
            .or_else(|e| {
                store
                    .fall_back_to_default(format!("the patch cannot run at {sample_rate} Hz: {e}"));
                start(&store.patch())
            })
            .or_else(|e| {
                nice_error!("Chronus: not even the default patch runs: {e}; playing silence");
                playing = false;
                start(&state::silent_patch())
            });
        match started {
            Ok((control, audio)) => {
                // The previous audio half (if any) is dropped here, on this control thread.
                self.engine = Some(audio);
                store.attach(control);
            }
            Err(e) => {
                nice_error!("Chronus: cannot start the engine: {e}");
                self.engine = None;
                playing = false;
            }
        }
        playing
    }

    /// Renders one host buffer (any length, 0 included) into `left` and `right`,
    /// applying the events `next_event` yields (sorted by `timing`, frames from the start
    /// of this buffer) at their exact frames, then the master gain and the output
    /// sanitizer. Audio thread: no allocation.
    pub fn render<S>(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        mut next_event: impl FnMut() -> Option<NoteEvent<S>>,
    ) {
        let _denormals = DenormalGuard::new();
        let frames = left.len().min(right.len());
        let (left, right) = (&mut left[..frames], &mut right[..frames]);
        let Some(engine) = self.engine.as_mut() else {
            left.fill(0.0);
            right.fill(0.0);
            while next_event().is_some() {}
            return;
        };

        // Host macros: only moves reach the engine (each moves its mapped params).
        let values = self.params.macro_values();
        for (index, &value) in values.iter().enumerate() {
            if value != engine.macros()[index] {
                engine.apply(&Event::Macro { index, value });
            }
        }

        // Cut the buffer at every event so it lands on its frame.
        let mut pending = next_event();
        let mut pos = 0;
        loop {
            while let Some(event) = pending.as_ref().filter(|e| e.timing() as usize <= pos) {
                match midi::translate(event) {
                    Some(MidiAction::Event(e)) => engine.apply(&e),
                    Some(MidiAction::AllNotesOff) => engine.all_notes_off(),
                    None => {}
                }
                pending = next_event();
            }
            if pos >= frames {
                break;
            }
            let until = pending
                .as_ref()
                .map_or(frames, |e| (e.timing() as usize).clamp(pos + 1, frames));
            engine.render(&mut left[pos..until], &mut right[pos..until]);
            pos = until;
        }
        // Events stamped past the end (hosts should not send them): applied now.
        while let Some(event) = pending {
            match midi::translate(&event) {
                Some(MidiAction::Event(e)) => engine.apply(&e),
                Some(MidiAction::AllNotesOff) => engine.all_notes_off(),
                None => {}
            }
            pending = next_event();
        }

        let gain = &self.params.gain.smoothed;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let g = util::db_to_gain(gain.next());
            *l = sanitize(*l * g);
            *r = sanitize(*r * g);
        }
        self.meter_tap.push(left, right);
    }

    /// Returns to a clean start (host reset): takes a restored patch at once, sets the
    /// host's current macro values without glide, clears every module's state and
    /// releases notes. Audio thread.
    pub fn reset_engine(&mut self) {
        let macros = self.params.macro_values();
        if let Some(engine) = self.engine.as_mut() {
            engine.reset(macros);
        }
    }
}

impl Plugin for Chronus {
    const NAME: &'static str = "Chronus";
    const VENDOR: &'static str = "Chronus developers";
    const URL: &'static str = "https://example.invalid/chronus";
    const EMAIL: &'static str = "chronus@example.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    /// An instrument: no audio input, stereo out.
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];

    /// Notes, pitch bend and every CC (mapping sources).
    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = ChronusEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let (meters, repaint) = self.editor_parts.take()?;
        Some(ChronusEditor::new(
            Arc::clone(&self.params),
            meters,
            repaint,
        ))
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        // Always succeed: a host may go on calling process() after a failed activation
        // (nice-plug then has no buffers set up), and silence is better than a crash.
        self.prepare(buffer_config.sample_rate);
        true
    }

    fn reset(&mut self) {
        self.reset_engine();
    }

    fn deactivate(&mut self) {
        self.params.patch.detach();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        match buffer.as_slice() {
            [left, right, ..] => self.render(left, right, || context.next_event()),
            channels => {
                for channel in channels.iter_mut() {
                    channel.fill(0.0);
                }
                while context.next_event().is_some() {}
            }
        }
        ProcessStatus::KeepAlive
    }
}

impl ClapPlugin for Chronus {
    const CLAP_ID: &'static str = "invalid.example.chronus";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Modular synthesizer whose patch can be rebuilt while it plays");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::Instrument,
        ClapFeature::Synthesizer,
        ClapFeature::Stereo,
    ];
}

impl Vst3Plugin for Chronus {
    const VST3_CLASS_ID: [u8; 16] = *b"ChronusModSynth1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Instrument, Vst3SubCategory::Synth];
}

nice_export_clap!(Chronus);
nice_export_vst3!(Chronus);
