//! A compiled patch: one voice's instance of the flat schedule, with every buffer
//! allocated when it was built.
//!
//! Built by [`crate::compile`] on a control thread; afterwards [`Graph::process`] and
//! every setter run on the audio thread and never allocate, free, lock, wait or hash.
//! Name lookups ([`Graph::param_addr`], [`Graph::module_index`]) compare strings and are
//! for the control side, which resolves names once and sends indices.

use std::ops::Range;

use crate::compile::order::Step;
use crate::macros::{CC_COUNT, MacroMap, Source};
use crate::module::{
    Block, KindSpec, MACRO_COUNT, MAX_BLOCK_FRAMES, Modulation, ParamBlock, ProcContext, ProcIo,
    Processor, SILENT_BLOCK, VoiceState,
};
use crate::patch::ModuleId;
use crate::smooth::{DEFAULT_RAMP_MS, Smoother};

/// Address of one param in one graph: resolve once with [`Graph::param_addr`], then set
/// it from the audio thread with [`Graph::set_param`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamAddr(pub(crate) u32);

/// Index of a module in a graph (patch order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleIndex(pub u32);

/// How many notes the voice remembers for last-note priority.
const HELD_NOTES: usize = 16;

/// One module instance in the graph.
pub(crate) struct Node {
    /// Its realtime half.
    pub(crate) processor: Box<dyn Processor>,
    /// Its signal inputs in the input pool.
    pub(crate) inputs: Range<usize>,
    /// Its params in the param pools.
    pub(crate) params: Range<usize>,
    /// Its outputs in the output pool.
    pub(crate) outputs: Range<usize>,
    /// Its input copies in the gather list.
    pub(crate) gathers: Range<usize>,
    /// Whether it has delayed outputs (its params are computed in its emit step).
    pub(crate) delayed: bool,
}

/// One param's live state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamSlot {
    /// Base value, smoothed.
    pub(crate) smoother: Smoother,
    /// How a connection modulates it.
    pub(crate) modulation: Modulation,
    /// Range the final value is clamped to.
    pub(crate) min: f32,
    /// Range the final value is clamped to.
    pub(crate) max: f32,
    /// Choice/index params jump instead of gliding.
    pub(crate) stepped: bool,
    /// Modulation source: (output pool index, gain).
    pub(crate) source: Option<(usize, f32)>,
}

/// One connection into a signal input: copy (and scale) a source block into an input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gather {
    /// Output pool index.
    pub(crate) from: usize,
    /// Input pool index.
    pub(crate) to: usize,
    /// Scale.
    pub(crate) gain: f32,
}

/// Where the sound leaves the graph.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tap {
    /// An `output` module: its `in`, `left`, `right` inputs (input pool indices) and its
    /// `level` param (param pool index).
    Output {
        /// `in`, `left`, `right`.
        inputs: [usize; 3],
        /// `level`.
        level: usize,
    },
    /// A sink module's output (output pool index) on both sides.
    Module(usize),
}

/// Notes held on the voice, for last-note priority (legato).
#[derive(Debug, Clone, Copy, Default)]
struct HeldNotes {
    keys: [u8; HELD_NOTES],
    len: usize,
}

impl HeldNotes {
    fn push(&mut self, key: u8) {
        self.remove(key);
        if self.len == HELD_NOTES {
            self.keys.copy_within(1.., 0);
            self.len -= 1;
        }
        self.keys[self.len] = key;
        self.len += 1;
    }

    fn remove(&mut self, key: u8) {
        if let Some(i) = self.keys[..self.len].iter().position(|&k| k == key) {
            self.keys.copy_within(i + 1..self.len, i);
            self.len -= 1;
        }
    }

    fn last(&self) -> Option<u8> {
        self.len.checked_sub(1).map(|i| self.keys[i])
    }
}

/// A compiled, runnable patch (one voice).
pub struct Graph {
    /// Sample rate it was built for.
    pub(crate) sample_rate: f32,
    /// Frames processed since build or reset.
    pub(crate) clock: u64,
    /// Module ids, in patch order (control-side lookups).
    pub(crate) ids: Vec<ModuleId>,
    /// Module kinds, in patch order.
    pub(crate) kinds: Vec<&'static KindSpec>,
    /// Modules, in patch order.
    pub(crate) nodes: Vec<Node>,
    /// The schedule.
    pub(crate) steps: Vec<Step>,
    /// Every output port's block.
    pub(crate) outputs: Vec<Block>,
    /// Every signal input's block (silence when unconnected).
    pub(crate) inputs: Vec<Block>,
    /// Whether each signal input is connected.
    pub(crate) connected: Vec<bool>,
    /// Every param's block of values.
    pub(crate) params: Vec<ParamBlock>,
    /// Every param's live state.
    pub(crate) param_slots: Vec<ParamSlot>,
    /// Input copies, grouped by destination node.
    pub(crate) gathers: Vec<Gather>,
    /// Where sound leaves.
    pub(crate) tap: Tap,
    /// The voice's note state.
    voice: VoiceState,
    /// Held keys.
    held: HeldNotes,
    /// Pitch bend in volts per octave.
    bend: f32,
    /// Host macro values, smoothed.
    macros: [Smoother; MACRO_COUNT],
    /// Host macro values per frame for the current block.
    macro_blocks: Box<[Block; MACRO_COUNT]>,
    /// Whether each macro block holds one value throughout.
    macro_constant: [bool; MACRO_COUNT],
    /// Glide time for param and macro changes.
    ramp_samples: u32,
    /// The patch's active macro/CC mappings (see [`crate::macros`]).
    macro_map: MacroMap,
    /// Last value of every MIDI CC, 0..1 (mapping sources).
    cc: [f32; CC_COUNT],
    /// Which macros have been set since build: a mapping drives its param only once
    /// its source has been set; until then the patch's own value stands.
    macro_touched: [bool; MACRO_COUNT],
    /// Which CCs have been received since build (as `macro_touched`).
    cc_touched: [bool; CC_COUNT],
    /// Per node: whether any of its params has a modulation source, so its param blocks
    /// must be computed every block.
    node_modulated: Vec<bool>,
    /// Whether every unmodulated param block already holds its smoother's settled value
    /// (no glide under way, nothing set since): then the param fill of nodes without
    /// modulation is skipped. Cleared by every setter and by [`Graph::adopt_runtime`];
    /// code that writes `param_slots` directly must clear it too.
    params_idle: bool,
    /// Whether every macro block holds its settled value (the macro fill is skipped).
    macros_idle: bool,
    /// The host's audio input for the current block (frames past the input read 0).
    audio_in: [Block; 2],
    /// Whether each `audio_in` block is all zeros (no copy or clear needed).
    audio_in_silent: [bool; 2],
}

impl Graph {
    /// Assembles a graph from compiled parts. Control side (called by the compiler).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        sample_rate: f32,
        ids: Vec<ModuleId>,
        kinds: Vec<&'static KindSpec>,
        nodes: Vec<Node>,
        steps: Vec<Step>,
        outputs: usize,
        connected: Vec<bool>,
        param_slots: Vec<ParamSlot>,
        gathers: Vec<Gather>,
        tap: Tap,
    ) -> Self {
        let node_modulated = nodes
            .iter()
            .map(|n| {
                param_slots[n.params.clone()]
                    .iter()
                    .any(|p| p.source.is_some())
            })
            .collect();
        let mut graph = Self {
            sample_rate,
            clock: 0,
            ids,
            kinds,
            nodes,
            steps,
            outputs: vec![SILENT_BLOCK; outputs],
            inputs: vec![SILENT_BLOCK; connected.len()],
            connected,
            params: vec![ParamBlock::default(); param_slots.len()],
            param_slots,
            gathers,
            tap,
            voice: VoiceState::default(),
            held: HeldNotes::default(),
            bend: 0.0,
            macros: [Smoother::new(0.0); MACRO_COUNT],
            macro_blocks: Box::new([SILENT_BLOCK; MACRO_COUNT]),
            macro_constant: [true; MACRO_COUNT],
            ramp_samples: (DEFAULT_RAMP_MS * 0.001 * sample_rate).round() as u32,
            macro_map: MacroMap::default(),
            cc: [0.0; CC_COUNT],
            macro_touched: [false; MACRO_COUNT],
            cc_touched: [false; CC_COUNT],
            node_modulated,
            params_idle: false,
            macros_idle: false,
            audio_in: [SILENT_BLOCK; 2],
            audio_in_silent: [true; 2],
        };
        graph.fill_constant_params();
        graph
    }

    /// The sample rate this graph was built for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Frames processed since build or the last [`Graph::reset`].
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Number of modules.
    pub fn module_count(&self) -> usize {
        self.nodes.len()
    }

    /// Module ids in patch order.
    pub fn module_ids(&self) -> &[ModuleId] {
        &self.ids
    }

    /// Module kinds in patch order.
    pub fn module_kinds(&self) -> &[&'static KindSpec] {
        &self.kinds
    }

    /// The schedule, for inspection and tests.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The index of module `id`. Control side.
    pub fn module_index(&self, id: &str) -> Option<ModuleIndex> {
        self.ids
            .iter()
            .position(|m| m.as_str() == id)
            .map(|i| ModuleIndex(i as u32))
    }

    /// The address of `module.param` (param name or alias). Control side.
    pub fn param_addr(&self, module: &str, param: &str) -> Option<ParamAddr> {
        let m = self.module_index(module)?.0 as usize;
        let p = self.kinds[m].param_index(param)?;
        Some(ParamAddr((self.nodes[m].params.start + p) as u32))
    }

    /// The range of values `addr` accepts.
    pub fn param_range(&self, addr: ParamAddr) -> Option<(f32, f32)> {
        self.param_slots
            .get(addr.0 as usize)
            .map(|slot| (slot.min, slot.max))
    }

    /// The value `addr` is set to (the target of any glide).
    pub fn param_value(&self, addr: ParamAddr) -> Option<f32> {
        self.param_slots
            .get(addr.0 as usize)
            .map(|slot| slot.smoother.target())
    }

    /// Sets a param; it glides there over the smoothing time (choices jump). Values
    /// outside the range are clamped; NaN is ignored. Audio thread safe.
    pub fn set_param(&mut self, addr: ParamAddr, value: f32) {
        set_slot(&mut self.param_slots, addr, value, self.ramp_samples);
        self.params_idle = false;
    }

    /// Sets a param with no glide. Audio thread safe.
    pub fn set_param_immediate(&mut self, addr: ParamAddr, value: f32) {
        if let Some(slot) = self.param_slots.get_mut(addr.0 as usize)
            && !value.is_nan()
        {
            slot.smoother.set_immediate(value.clamp(slot.min, slot.max));
            self.params_idle = false;
        }
    }

    /// Opens or closes a module's own gate (the `gate` verb). Audio thread safe.
    pub fn set_gate(&mut self, module: ModuleIndex, on: bool) {
        if let Some(node) = self.nodes.get_mut(module.0 as usize) {
            node.processor.set_gate(on);
        }
    }

    /// Sets host macro `index` (0-based) to `value` (clamped to 0..1), smoothed.
    /// Audio thread safe.
    /// The params it is mapped to (see [`crate::macros`]) glide to their mapped values.
    pub fn set_macro(&mut self, index: usize, value: f32) {
        let ramp = self.ramp_samples;
        if let Some(m) = self.macros.get_mut(index)
            && !value.is_nan()
        {
            m.set_target(value.clamp(0.0, 1.0), ramp);
            self.macro_touched[index] = true;
            self.apply_mappings(Source::Macro(index), ramp);
            self.macros_idle = false;
        }
    }

    /// Sets MIDI CC `cc` to `value` (clamped to 0..1); the params it is mapped to glide
    /// to their mapped values. Audio thread safe.
    pub fn set_cc(&mut self, cc: u8, value: f32) {
        if let Some(v) = self.cc.get_mut(usize::from(cc))
            && !value.is_nan()
        {
            *v = value.clamp(0.0, 1.0);
            self.cc_touched[usize::from(cc)] = true;
            self.apply_mappings(Source::Cc(cc), self.ramp_samples);
        }
    }

    /// The last value of MIDI CC `cc` (0 until set).
    pub fn cc_value(&self, cc: u8) -> f32 {
        self.cc.get(usize::from(cc)).copied().unwrap_or(0.0)
    }

    /// The active macro/CC mappings.
    pub fn macro_map(&self) -> &MacroMap {
        &self.macro_map
    }

    /// Takes over `other`'s live controls without a glide: macro values, CC values and
    /// pitch bend, with the params they are mapped to. For a graph about to replace
    /// `other` (state restore, hot swap priming), so mapped params start where the old
    /// graph's are. Audio thread safe (no allocation).
    pub fn copy_controls_from(&mut self, other: &Graph) {
        for (mine, theirs) in self.macros.iter_mut().zip(&other.macros) {
            mine.set_immediate(theirs.target());
        }
        self.macros_idle = false;
        self.macro_touched = other.macro_touched;
        self.cc = other.cc;
        self.cc_touched = other.cc_touched;
        self.bend = other.bend;
        self.update_pitch();
        self.apply_all_mappings(0);
    }

    /// Installs the patch's mappings (their params move once a source is set). Control
    /// side (called by the compiler).
    pub(crate) fn install_macro_map(&mut self, map: MacroMap) {
        self.macro_map = map;
        self.apply_all_mappings(0);
        self.fill_constant_params();
    }

    /// Sets every mapped param from its source (if set since build), gliding over `ramp`
    /// samples (0: at once). Audio thread safe (bounded, no allocation).
    pub(crate) fn apply_all_mappings(&mut self, ramp: u32) {
        for index in 0..MACRO_COUNT {
            self.apply_mappings(Source::Macro(index), ramp);
        }
        for cc in 0..CC_COUNT as u8 {
            self.apply_mappings(Source::Cc(cc), ramp);
        }
    }

    /// Sets the params mapped to `source` from its current value, if it has been set.
    fn apply_mappings(&mut self, source: Source, ramp: u32) {
        let (touched, value) = match source {
            Source::Macro(i) => (
                self.macro_touched.get(i).copied().unwrap_or(false),
                self.macros.get(i).map_or(0.0, Smoother::target),
            ),
            Source::Cc(cc) => (
                self.cc_touched
                    .get(usize::from(cc))
                    .copied()
                    .unwrap_or(false),
                self.cc_value(cc),
            ),
        };
        if !touched {
            return;
        }
        self.params_idle = false;
        let Graph {
            macro_map,
            param_slots,
            ..
        } = self;
        macro_map.apply(source, value, |addr, v| {
            set_slot(param_slots, addr, v, ramp)
        });
    }

    /// The current (smoothed target) value of host macro `index`.
    pub fn macro_value(&self, index: usize) -> f32 {
        self.macros.get(index).map_or(0.0, Smoother::target)
    }

    /// Starts a note on this voice (last-note priority). Audio thread safe.
    pub fn note_on(&mut self, key: u8, velocity: f32) {
        self.held.push(key);
        self.voice.key = key;
        self.voice.velocity = velocity.clamp(0.0, 1.0);
        self.voice.gate = true;
        self.voice.trigger = true;
        self.update_pitch();
    }

    /// Ends a note; if others are still held the voice returns to the last of them
    /// (legato, no retrigger). Audio thread safe.
    pub fn note_off(&mut self, key: u8) {
        self.held.remove(key);
        if key != self.voice.key {
            return;
        }
        match self.held.last() {
            Some(previous) => {
                self.voice.key = previous;
                self.update_pitch();
            }
            None => self.voice.gate = false,
        }
    }

    /// Releases every note. Audio thread safe.
    pub fn all_notes_off(&mut self) {
        self.held = HeldNotes::default();
        self.voice.gate = false;
    }

    /// Sets pitch bend in semitones. Audio thread safe.
    pub fn set_pitch_bend(&mut self, semitones: f32) {
        if semitones.is_finite() {
            self.bend = semitones / 12.0;
            self.update_pitch();
        }
    }

    /// The voice's note state.
    pub fn voice(&self) -> &VoiceState {
        &self.voice
    }

    fn update_pitch(&mut self) {
        self.voice.pitch = (f32::from(self.voice.key) - 69.0) / 12.0 + self.bend;
    }

    /// Returns to the state right after building: clock 0, every module reset, glides
    /// finished, notes released. Param values and macro values stay. Audio thread safe.
    pub fn reset(&mut self) {
        self.clock = 0;
        for node in &mut self.nodes {
            node.processor.reset();
        }
        for slot in &mut self.param_slots {
            slot.smoother.settle();
        }
        for m in &mut self.macros {
            m.settle();
        }
        for block in &mut self.outputs {
            *block = SILENT_BLOCK;
        }
        for block in &mut self.inputs {
            *block = SILENT_BLOCK;
        }
        self.voice = VoiceState::default();
        self.held = HeldNotes::default();
        self.bend = 0.0;
        self.fill_constant_params();
        self.params_idle = false;
        self.macros_idle = false;
        self.audio_in = [SILENT_BLOCK; 2];
        self.audio_in_silent = [true; 2];
    }

    /// Takes over the clock, the voice (held notes, pitch bend), the host macros and the
    /// MIDI CC values of `old`, the graph this one replaces, so control-rate ticks, notes
    /// and macro glides continue exactly. Used by the hot swap at the switch, which then
    /// re-applies the mappings (see [`Graph::apply_all_mappings`]) and writes param
    /// smoothers directly: so the next block refills every macro and param block.
    /// Audio thread: plain copies.
    pub(crate) fn adopt_runtime(&mut self, old: &Graph) {
        self.clock = old.clock;
        self.voice = old.voice;
        self.held = old.held;
        self.bend = old.bend;
        self.macros = old.macros;
        *self.macro_blocks = *old.macro_blocks;
        self.macro_constant = old.macro_constant;
        self.macros_idle = false;
        self.params_idle = false;
        self.cc = old.cc;
        self.macro_touched = old.macro_touched;
        self.cc_touched = old.cc_touched;
    }

    /// Writes every param block from its current value, so processors see valid params
    /// even in a delayed emit before the first process.
    fn fill_constant_params(&mut self) {
        for (slot, block) in self.param_slots.iter().zip(self.params.iter_mut()) {
            block.values = [slot.smoother.current(); MAX_BLOCK_FRAMES];
            block.constant = true;
        }
    }

    /// Renders `out[0].len()` frames (any number) into `out`, reading the host's audio
    /// input from `audio_in` (shorter slices read as silence). Cuts the work into
    /// internal blocks of at most [`MAX_BLOCK_FRAMES`]. Audio thread: no allocation.
    pub fn process(&mut self, audio_in: [&[f32]; 2], out: [&mut [f32]; 2]) {
        let [out_l, out_r] = out;
        let frames = out_l.len().min(out_r.len());
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(MAX_BLOCK_FRAMES);
            for ((block, silent), input) in self
                .audio_in
                .iter_mut()
                .zip(&mut self.audio_in_silent)
                .zip(audio_in)
            {
                let src = input.get(start..).unwrap_or(&[]);
                let m = src.len().min(n);
                if m > 0 {
                    block[..m].copy_from_slice(&src[..m]);
                    block[m..n].fill(0.0);
                    *silent = false;
                } else if !*silent {
                    *block = SILENT_BLOCK;
                    *silent = true;
                }
            }
            self.process_block(
                n,
                &mut out_l[start..start + n],
                &mut out_r[start..start + n],
            );
            start += n;
        }
    }

    /// Renders one internal block of `frames` (1..=64) frames.
    fn process_block(&mut self, frames: usize, out_l: &mut [f32], out_r: &mut [f32]) {
        debug_assert!(frames > 0 && frames <= MAX_BLOCK_FRAMES);
        if !self.macros_idle {
            let mut idle = true;
            for ((smoother, block), constant) in self
                .macros
                .iter_mut()
                .zip(self.macro_blocks.iter_mut())
                .zip(self.macro_constant.iter_mut())
            {
                fill_smoothed(smoother, block, frames, constant);
                idle &= *constant;
            }
            self.macros_idle = idle;
        }

        let Graph {
            sample_rate,
            clock,
            nodes,
            steps,
            outputs,
            inputs,
            connected,
            params,
            param_slots,
            gathers,
            voice,
            macro_blocks,
            node_modulated,
            params_idle,
            audio_in,
            ..
        } = self;
        let fill_all = !*params_idle;
        let ctx = ProcContext {
            frames,
            sample_rate: *sample_rate,
            clock: *clock,
            voice,
            macros: macro_blocks,
            audio_in: [&audio_in[0], &audio_in[1]],
        };
        for step in steps.iter() {
            match *step {
                Step::Emit(n) => {
                    let node = &mut nodes[n];
                    if fill_all || node_modulated[n] {
                        fill_params(
                            &mut param_slots[node.params.clone()],
                            &mut params[node.params.clone()],
                            outputs,
                            frames,
                        );
                    }
                    node.processor.emit_delayed(
                        &ctx,
                        &params[node.params.clone()],
                        &mut outputs[node.outputs.clone()],
                    );
                }
                Step::Process(n) => {
                    let node = &mut nodes[n];
                    if !node.delayed && (fill_all || node_modulated[n]) {
                        fill_params(
                            &mut param_slots[node.params.clone()],
                            &mut params[node.params.clone()],
                            outputs,
                            frames,
                        );
                    }
                    for g in &gathers[node.gathers.clone()] {
                        let (src, dst) = (&outputs[g.from], &mut inputs[g.to]);
                        if g.gain == 1.0 {
                            dst[..frames].copy_from_slice(&src[..frames]);
                        } else {
                            for (d, s) in dst[..frames].iter_mut().zip(&src[..frames]) {
                                *d = s * g.gain;
                            }
                        }
                    }
                    let mut io = ProcIo {
                        inputs: &inputs[node.inputs.clone()],
                        connected: &connected[node.inputs.clone()],
                        params: &params[node.params.clone()],
                        outputs: &mut outputs[node.outputs.clone()],
                    };
                    node.processor.process(&ctx, &mut io);
                }
            }
        }

        match self.tap {
            Tap::Output {
                inputs: [mono, left, right],
                level,
            } => {
                let level = &self.params[level];
                let sides_unconnected = !self.connected[left] && !self.connected[right];
                let mono = &self.inputs[mono][..frames];
                if sides_unconnected && level.constant {
                    // The usual mono patch: one scaled copy (unconnected sides are silent).
                    let g = level.first();
                    for (o, &m) in out_l.iter_mut().zip(mono) {
                        *o = m * g;
                    }
                    out_r.copy_from_slice(out_l);
                } else {
                    let (left, right) =
                        (&self.inputs[left][..frames], &self.inputs[right][..frames]);
                    for ((((l, r), &m), (&a, &b)), &g) in out_l
                        .iter_mut()
                        .zip(out_r.iter_mut())
                        .zip(mono)
                        .zip(left.iter().zip(right))
                        .zip(&level.values[..frames])
                    {
                        *l = (m + a) * g;
                        *r = (m + b) * g;
                    }
                }
            }
            Tap::Module(o) => {
                out_l[..frames].copy_from_slice(&self.outputs[o][..frames]);
                out_r[..frames].copy_from_slice(&self.outputs[o][..frames]);
            }
        }
        if !self.params_idle {
            // Idle once every unmodulated block holds its settled value.
            self.params_idle = self
                .param_slots
                .iter()
                .zip(&self.params)
                .all(|(slot, block)| {
                    slot.source.is_some() || (slot.smoother.is_settled() && block.constant)
                });
        }
        self.clock += frames as u64;
        self.voice.trigger = false;
    }
}

/// Sets one param slot's target (clamped; NaN ignored), gliding over `ramp` samples
/// unless the param is stepped or `ramp` is 0.
#[inline]
fn set_slot(slots: &mut [ParamSlot], addr: ParamAddr, value: f32, ramp: u32) {
    if let Some(slot) = slots.get_mut(addr.0 as usize)
        && !value.is_nan()
    {
        let v = value.clamp(slot.min, slot.max);
        if ramp == 0 {
            slot.smoother.set_immediate(v);
        } else {
            slot.smoother
                .set_target(v, if slot.stepped { 0 } else { ramp });
        }
    }
}

/// Fills one block from a smoother: a cheap constant fill once it has settled.
/// `constant` says whether the whole block already holds one value; it is updated.
#[inline]
fn fill_smoothed(smoother: &mut Smoother, block: &mut Block, frames: usize, constant: &mut bool) {
    if smoother.is_settled() {
        let v = smoother.current();
        if !*constant || block[0] != v {
            *block = [v; MAX_BLOCK_FRAMES];
        }
        *constant = true;
    } else {
        for v in &mut block[..frames] {
            *v = smoother.advance();
        }
        *constant = false;
    }
}

/// Computes one node's param blocks: smoothed base value, plus modulation, clamped.
#[inline]
fn fill_params(
    slots: &mut [ParamSlot],
    blocks: &mut [ParamBlock],
    outputs: &[Block],
    frames: usize,
) {
    for (slot, block) in slots.iter_mut().zip(blocks.iter_mut()) {
        match slot.source {
            None => fill_smoothed(
                &mut slot.smoother,
                &mut block.values,
                frames,
                &mut block.constant,
            ),
            Some((src, gain)) => {
                let m = &outputs[src];
                let (min, max) = (slot.min, slot.max);
                let values = &mut block.values[..frames];
                let cvs = &m[..frames];
                // A settled base is one value for the block: then the loops carry no
                // smoother state from frame to frame and vectorise.
                let settled = slot.smoother.is_settled();
                let base = slot.smoother.current();
                match slot.modulation {
                    Modulation::VoltPerOctave if settled => {
                        for (value, &cv) in values.iter_mut().zip(cvs) {
                            *value = (base * exp2(cv * gain)).clamp(min, max);
                        }
                    }
                    Modulation::VoltPerOctave => {
                        for (value, &cv) in values.iter_mut().zip(cvs) {
                            *value = (slot.smoother.advance() * exp2(cv * gain)).clamp(min, max);
                        }
                    }
                    Modulation::Additive | Modulation::None if settled => {
                        for (value, &cv) in values.iter_mut().zip(cvs) {
                            *value = (base + cv * gain).clamp(min, max);
                        }
                    }
                    Modulation::Additive | Modulation::None => {
                        for (value, &cv) in values.iter_mut().zip(cvs) {
                            *value = (slot.smoother.advance() + cv * gain).clamp(min, max);
                        }
                    }
                }
                // A NaN modulation source must not leak NaN into a param: clamp passes
                // NaN through, so replace it with the base value.
                for v in &mut block.values[..frames] {
                    if v.is_nan() {
                        *v = slot.smoother.current();
                    }
                }
                block.constant = false;
            }
        }
    }
}

/// `2^x` for V/oct modulation, without a libm call so the fill loops vectorise:
/// relative error about 1e-7 (f32 rounding; 0.0002 cent), exact powers of two at integer
/// `x`. `x` is limited to -126..126 (the param clamp follows anyway); NaN stays NaN.
#[inline]
fn exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 126.0);
    // floor(x): adding and removing 1.5 * 2^23 rounds to an integer; step down if it
    // rounded up.
    const ROUND: f32 = 12_582_912.0;
    let r = (x + ROUND) - ROUND;
    let floor = if r > x { r - 1.0 } else { r };
    let f = x - floor;
    // 2^f on 0..1: degree-6 minimax polynomial (relative error 2e-9 before rounding).
    let p = EXP2_POLY[5] + f * EXP2_POLY[6];
    let p = EXP2_POLY[4] + f * p;
    let p = EXP2_POLY[3] + f * p;
    let p = EXP2_POLY[2] + f * p;
    let p = EXP2_POLY[1] + f * p;
    let p = EXP2_POLY[0] + f * p;
    // Scale by 2^floor by adding it to the exponent field (p is in 1..2, so the result
    // stays normal for floor in -126..126). NaN: `floor as i32` is 0, p stays NaN.
    f32::from_bits(p.to_bits().wrapping_add((floor as i32 as u32) << 23))
}

/// Coefficients of `f^0 .. f^6` approximating `2^f` on 0..1 (relative minimax, fitted
/// with the Remez exchange for this file).
#[allow(clippy::approx_constant)] // fitted coefficients; the second is not exactly ln 2
const EXP2_POLY: [f32; 7] = [
    1.0,
    0.693147,
    0.24022983,
    0.05548334,
    0.009678841,
    0.0012439687,
    0.00021702255,
];

#[cfg(test)]
mod tests {
    use super::{Graph, Smoother, exp2};
    use crate::compile::compile;
    use crate::patch::Patch;

    fn sine(gain: f32) -> Graph {
        let json = format!(
            r#"{{ "format": 1, "modules": [
                {{ "id": "osc", "kind": "sine", "params": {{ "freq": 440, "gain": {gain} }} }} ] }}"#
        );
        compile(&Patch::from_json(&json).unwrap(), 48_000.0).unwrap()
    }

    fn peak(g: &mut Graph) -> f32 {
        let (mut l, mut r) = ([0.0; 256], [0.0; 256]);
        g.process([&[], &[]], [&mut l, &mut r]);
        l.iter().fold(0.0, |m, s| m.max(s.abs()))
    }

    /// The hot swap's carry writes param smoothers directly after `adopt_runtime`; the
    /// skipped fills of an idle graph must not hide that.
    #[test]
    fn smoothers_written_after_adopt_runtime_reach_the_param_blocks() {
        let old = sine(0.5);
        let mut new = sine(0.0);
        assert_eq!(peak(&mut new), 0.0);
        assert!(new.params_idle, "a settled graph skips its param fills");
        new.adopt_runtime(&old);
        let gain = new.param_addr("osc", "gain").unwrap().0 as usize;
        new.param_slots[gain].smoother = Smoother::new(0.5);
        assert!((peak(&mut new) - 0.5).abs() < 1e-3);
    }

    #[test]
    fn set_param_on_an_idle_graph_glides_to_the_new_value() {
        let mut g = sine(0.0);
        assert_eq!(peak(&mut g), 0.0);
        let gain = g.param_addr("osc", "gain").unwrap();
        g.set_param(gain, 0.25);
        for _ in 0..4 {
            peak(&mut g);
        }
        assert!((peak(&mut g) - 0.25).abs() < 1e-3);
    }

    #[test]
    fn exp2_matches_std_to_f32_precision() {
        let mut worst = 0.0f64;
        for i in -120_000..=120_000 {
            let x = i as f32 / 1000.0;
            let exact = 2f64.powf(f64::from(x));
            worst = worst.max((f64::from(exp2(x)) / exact - 1.0).abs());
        }
        assert!(worst < 3e-7, "worst relative error {worst:e}");
        for k in -126..=126 {
            assert_eq!(exp2(k as f32), 2f32.powi(k), "2^{k}");
        }
        assert!(exp2(f32::NAN).is_nan());
        assert_eq!(exp2(1000.0), 2f32.powi(126));
        assert_eq!(exp2(-1000.0), 2f32.powi(-126));
    }
}
