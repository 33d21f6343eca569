//! The module contract: what a module kind declares (its [`KindSpec`], read by the
//! control side) and what its realtime half does (the [`Processor`] trait, run by the
//! audio thread).
//!
//! Two halves per module, as in Firewheel: the static description may be inspected,
//! validated and documented anywhere; a `Processor` is built from it on a control thread
//! (where it may allocate) and afterwards only ever touched by the audio thread, where it
//! must not allocate, free, lock, wait or panic.

use std::any::Any;

/// The largest number of frames a [`Processor`] is ever asked to process at once.
/// Host buffers of any size are cut into internal blocks of at most this many frames.
pub const MAX_BLOCK_FRAMES: usize = 64;

/// One internal block of one signal.
pub type Block = [f32; MAX_BLOCK_FRAMES];

/// A block of silence, for unconnected inputs.
pub const SILENT_BLOCK: Block = [0.0; MAX_BLOCK_FRAMES];

/// Coefficient updates (filters, anything costly derived from params) happen at most once
/// every this many samples, at absolute sample positions that are multiples of it, so
/// output never depends on where a host cuts its blocks.
pub const CONTROL_INTERVAL: u64 = 16;

/// How many host macros a patch can read (`macro1` .. `macro16`).
pub const MACRO_COUNT: usize = 16;

/// What family a module kind belongs to (for the palette and the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Oscillators and noise.
    Source,
    /// Envelopes, amplifiers, mixers and other signal shapers.
    Shaper,
    /// Filters.
    Filter,
    /// Delays and other time-based effects.
    Time,
    /// Notes, macros, audio input and the output.
    Io,
    /// Kinds that exist only to test the engine.
    Test,
}

/// The unit a param is expressed in (shown to users, used to format values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Hertz.
    Hz,
    /// Milliseconds.
    Ms,
    /// A plain number (gain, ratio, level, amount).
    Ratio,
    /// A choice among named options; the value is the option's index.
    Choice,
    /// An index (e.g. macro number).
    Index,
}

impl Unit {
    /// The unit's suffix as shown after a value ("Hz", "ms", or nothing).
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Hz => "Hz",
            Unit::Ms => "ms",
            Unit::Ratio | Unit::Choice | Unit::Index => "",
        }
    }
}

/// How a connection into a param's modulation port changes the param.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modulation {
    /// Volts per octave: the value is multiplied by `2^cv` (frequencies).
    VoltPerOctave,
    /// The signal is added to the value, in the param's own units.
    Additive,
    /// The param cannot be modulated (choices, indices).
    None,
}

/// The description of one param of a module kind.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ParamSpec {
    /// The name used in patches and as the name of its modulation input port.
    pub name: &'static str,
    /// Other names accepted for this param (the prototype's names).
    pub aliases: &'static [&'static str],
    /// The unit.
    pub unit: Unit,
    /// Smallest accepted value.
    pub min: f32,
    /// Largest accepted value.
    pub max: f32,
    /// Value when the patch does not set it.
    pub default: f32,
    /// How a connection into this param's port modulates it.
    pub modulation: Modulation,
    /// For [`Unit::Choice`] params, the option names, in index order.
    pub choices: &'static [&'static str],
    /// One line for the module reference.
    pub doc: &'static str,
}

impl ParamSpec {
    /// A continuous param with additive modulation.
    pub const fn new(name: &'static str, unit: Unit, min: f32, max: f32, default: f32) -> Self {
        Self {
            name,
            aliases: &[],
            unit,
            min,
            max,
            default,
            modulation: Modulation::Additive,
            choices: &[],
            doc: "",
        }
    }

    /// A choice param: the value is an index into `choices`; not modulatable.
    pub const fn choice(
        name: &'static str,
        choices: &'static [&'static str],
        default: usize,
    ) -> Self {
        Self {
            name,
            aliases: &[],
            unit: Unit::Choice,
            min: 0.0,
            max: (choices.len() - 1) as f32,
            default: default as f32,
            modulation: Modulation::None,
            choices,
            doc: "",
        }
    }

    /// The same param with its modulation mode set.
    pub const fn modulation(mut self, modulation: Modulation) -> Self {
        self.modulation = modulation;
        self
    }

    /// The same param with alias names.
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// The same param with its reference doc line.
    pub const fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// Whether `name` names this param (its name or an alias).
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// Whether value changes jump rather than glide (choices and indices).
    pub fn is_stepped(&self) -> bool {
        matches!(self.unit, Unit::Choice | Unit::Index)
    }

    /// `value` clamped into the param's range (NaN becomes the default).
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            self.default
        } else {
            value.clamp(self.min, self.max)
        }
    }
}

/// The description of one signal input port (not counting param modulation ports).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct InputSpec {
    /// Port name (`in`, `gate`, `left`, ...).
    pub name: &'static str,
    /// One line for the module reference.
    pub doc: &'static str,
}

/// The description of one output port.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct OutputSpec {
    /// Port name (`out`, `lp`, `wet`, ...).
    pub name: &'static str,
    /// One line for the module reference.
    pub doc: &'static str,
    /// A delayed output depends only on input from at least [`MAX_BLOCK_FRAMES`] samples
    /// ago, so a feedback cycle may pass through it. Its samples are written by
    /// [`Processor::emit_delayed`] before the module's inputs for the block exist.
    pub delayed: bool,
}

impl OutputSpec {
    /// An ordinary (undelayed) output.
    pub const fn new(name: &'static str, doc: &'static str) -> Self {
        Self {
            name,
            doc,
            delayed: false,
        }
    }
}

/// What a module kind is: its name, ports, params and how to build its processor.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct KindSpec {
    /// The kind's name in patches.
    pub name: &'static str,
    /// Other names accepted (the prototype's names).
    pub aliases: &'static [&'static str],
    /// Palette group.
    pub category: Category,
    /// One line describing what it does.
    pub summary: &'static str,
    /// Params, in index order.
    pub params: &'static [ParamSpec],
    /// Signal inputs, in index order (param modulation ports come after these).
    pub inputs: &'static [InputSpec],
    /// Outputs, in index order.
    pub outputs: &'static [OutputSpec],
    /// Builds the realtime half. Called on a control thread; may allocate.
    #[serde(skip)]
    pub build: fn(&BuildContext) -> Box<dyn Processor>,
    /// Samples of memory the processor allocates at this sample rate (delay lines), used
    /// to enforce the patch memory limit before building.
    #[serde(skip)]
    pub memory_samples: fn(sample_rate: f32) -> usize,
}

impl KindSpec {
    /// Whether `name` names this kind.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// Index of the param called `name` (or one of its aliases).
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.answers_to(name))
    }

    /// Index of the signal input called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|p| p.name == name)
    }

    /// Index of the output called `name`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.name == name)
    }

    /// Its param names, comma-separated (for error messages).
    pub fn param_names(&self) -> String {
        name_list(self.params.iter().map(|p| p.name))
    }

    /// Its output names, comma-separated (for error messages).
    pub fn output_names(&self) -> String {
        name_list(self.outputs.iter().map(|o| o.name))
    }

    /// Every port a connection may drive: signal inputs, then modulatable params,
    /// comma-separated (for error messages).
    pub fn destination_names(&self) -> String {
        name_list(
            self.inputs.iter().map(|i| i.name).chain(
                self.params
                    .iter()
                    .filter(|p| p.modulation != Modulation::None)
                    .map(|p| p.name),
            ),
        )
    }

    /// Whether any output is delayed (the module can close a feedback cycle).
    pub fn has_delayed_output(&self) -> bool {
        self.outputs.iter().any(|o| o.delayed)
    }
}

/// Names joined with ", " (or "none"), as error messages list what exists.
pub fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// A `memory_samples` for kinds that allocate no sample memory.
pub fn no_memory(_sample_rate: f32) -> usize {
    0
}

/// Everything a kind needs to build its processor. Control thread only.
#[derive(Debug, Clone)]
pub struct BuildContext<'a> {
    /// The sample rate the graph runs at.
    pub sample_rate: f32,
    /// Initial param values, in [`KindSpec::params`] order, already clamped.
    pub params: &'a [f32],
}

/// The state of the voice a graph instance plays. Written by the graph between blocks,
/// read by modules (`note`, and `adsr` when its gate is unconnected).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceState {
    /// Pitch in volts per octave relative to A4 (MIDI note 69 = 0 V, 440 Hz), including
    /// pitch bend.
    pub pitch: f32,
    /// Whether a note is held.
    pub gate: bool,
    /// Velocity of the last note-on, 0..1.
    pub velocity: f32,
    /// True during the first block after a note-on (the note starts at frame 0 of it).
    pub trigger: bool,
    /// MIDI note number of the held or last note.
    pub key: u8,
}

impl Default for VoiceState {
    fn default() -> Self {
        Self {
            pitch: 0.0,
            gate: false,
            velocity: 0.0,
            trigger: false,
            key: 69,
        }
    }
}

/// One param's values for the current block, after smoothing, modulation and clamping.
#[derive(Debug, Clone, Copy)]
pub struct ParamBlock {
    /// Per-frame values (only the first `frames` are meaningful).
    pub values: Block,
    /// True when every value in this block is the same (no glide, no modulation), so a
    /// processor may take a fast path and skip per-sample recomputation.
    pub constant: bool,
}

impl Default for ParamBlock {
    fn default() -> Self {
        Self {
            values: SILENT_BLOCK,
            constant: true,
        }
    }
}

impl ParamBlock {
    /// The value at frame 0 (the value for the whole block when `constant`).
    #[inline]
    pub fn first(&self) -> f32 {
        self.values[0]
    }
}

/// What a processor sees of the world for one block. Audio thread only.
#[derive(Debug, Clone, Copy)]
pub struct ProcContext<'a> {
    /// Frames to process, 1..=[`MAX_BLOCK_FRAMES`].
    pub frames: usize,
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// Absolute index of frame 0 since the graph was built or reset; anchors
    /// control-rate work (see [`CONTROL_INTERVAL`]).
    pub clock: u64,
    /// The voice this graph plays.
    pub voice: &'a VoiceState,
    /// Smoothed host macro values, 0..1, per frame.
    pub macros: &'a [Block; MACRO_COUNT],
    /// The host's audio input (left, right).
    pub audio_in: [&'a Block; 2],
}

impl ProcContext<'_> {
    /// Whether absolute frame `frame` of this block falls on a control-rate tick.
    #[inline]
    pub fn is_control_tick(&self, frame: usize) -> bool {
        (self.clock + frame as u64).is_multiple_of(CONTROL_INTERVAL)
    }
}

/// The buffers a processor reads and writes for one block.
pub struct ProcIo<'a> {
    /// One block per signal input, in [`KindSpec::inputs`] order (silence if unconnected).
    pub inputs: &'a [Block],
    /// Which signal inputs are connected.
    pub connected: &'a [bool],
    /// One block per param, in [`KindSpec::params`] order.
    pub params: &'a [ParamBlock],
    /// One block per output, in [`KindSpec::outputs`] order. Delayed outputs already hold
    /// what [`Processor::emit_delayed`] wrote for this block.
    pub outputs: &'a mut [Block],
}

/// The realtime half of a module. Built on a control thread, then moved to and run by
/// the audio thread: no method may allocate, free, lock, wait, do I/O or panic.
pub trait Processor: Send + Any {
    /// Processes `ctx.frames` frames: reads `io.inputs` and `io.params`, writes every
    /// undelayed output's first `ctx.frames` samples.
    fn process(&mut self, ctx: &ProcContext, io: &mut ProcIo);

    /// For kinds with delayed outputs: writes those outputs for the coming block from
    /// internal state alone, before any input for the block exists. `params` holds the
    /// block's param values, computed before this call (a delayed kind's param
    /// modulation sources are scheduled ahead of it). Default: nothing.
    fn emit_delayed(&mut self, ctx: &ProcContext, params: &[ParamBlock], outputs: &mut [Block]) {
        let _ = (ctx, params, outputs);
    }

    /// Returns to the state right after building (phases, envelopes, filter memory and
    /// delay lines cleared; the param values stay). Audio thread; no allocation.
    fn reset(&mut self);

    /// Opens or closes this module's own gate (the `gate` verb). Kinds without a gate
    /// ignore it.
    fn set_gate(&mut self, on: bool) {
        let _ = on;
    }

    /// Takes over the running state of `old`, a processor of the same kind from the graph
    /// being replaced, so the sound continues seamlessly. Called on the audio thread at
    /// the moment of a swap: must be bounded, no allocation (copy into what `self`
    /// already owns). Default: keep own state.
    fn adopt_state(&mut self, old: &dyn Processor) {
        let _ = old;
    }

    /// `self` as [`Any`], so [`Processor::adopt_state`] can downcast its argument.
    fn as_any(&self) -> &dyn Any;
}

/// Implements [`Processor::as_any`] and an [`Processor::adopt_state`] that copies the
/// whole processor (for processors that are `Copy`-sized plain state with no heap).
#[macro_export]
macro_rules! adopt_by_copy {
    () => {
        fn as_any(&self) -> &dyn ::std::any::Any {
            self
        }

        fn adopt_state(&mut self, old: &dyn $crate::module::Processor) {
            if let Some(old) = old.as_any().downcast_ref::<Self>() {
                *self = old.clone();
            }
        }
    };
}
