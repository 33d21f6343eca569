//! The graph compiler: turns a validated patch into a [`Graph`], a flat schedule whose
//! every buffer is allocated here, so processing never allocates, looks up or hashes.
//!
//! Runs on a control or background thread, never on the audio thread (it allocates).

pub mod order;

use crate::error::{CompileError, PatchError};
use crate::graph::{Gather, Graph, Node, ParamSlot, Tap};
use crate::macros::MacroMap;
use crate::module::BuildContext;
use crate::modules::output;
use crate::patch::validate::{Dest, Resolved, Sink, validate};
use crate::patch::{MAX_MEMORY_BYTES, Patch};
use crate::smooth::Smoother;

/// Lowest sample rate a graph runs at.
pub const MIN_SAMPLE_RATE: f32 = 8_000.0;
/// Highest sample rate a graph runs at.
pub const MAX_SAMPLE_RATE: f32 = 384_000.0;

/// Validates `patch` and compiles it for `sample_rate`.
///
/// # Errors
/// [`CompileError::Invalid`] with every problem found, or [`CompileError::SampleRate`].
///
/// # Examples
/// ```
/// use chronus_engine::{compile, patch::Patch};
/// let patch = Patch::from_json(r#"{ "format": 1, "modules": [
///     { "id": "osc1", "kind": "sine", "params": { "freq": 440, "gain": 0.2 } } ] }"#).unwrap();
/// let mut graph = compile::compile(&patch, 48_000.0).unwrap();
/// let (mut l, mut r) = (vec![0.0; 128], vec![0.0; 128]);
/// graph.process([&[], &[]], [&mut l, &mut r]);
/// assert!(l.iter().any(|s| s.abs() > 0.1));
/// ```
pub fn compile(patch: &Patch, sample_rate: f32) -> Result<Graph, CompileError> {
    check_sample_rate(sample_rate)?;
    let resolved = validate(patch)?;
    compile_resolved(&resolved, sample_rate)
}

/// Checks that the engine runs at `sample_rate`.
///
/// # Errors
/// [`CompileError::SampleRate`] when it is not finite or outside
/// [`MIN_SAMPLE_RATE`] ..= [`MAX_SAMPLE_RATE`].
pub fn check_sample_rate(sample_rate: f32) -> Result<(), CompileError> {
    if sample_rate.is_finite() && (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        Ok(())
    } else {
        Err(CompileError::SampleRate(sample_rate))
    }
}

/// Compiles an already validated patch.
///
/// # Errors
/// [`PatchError::MemoryLimit`] when its delay lines need too much memory at this rate.
pub fn compile_resolved(resolved: &Resolved, sample_rate: f32) -> Result<Graph, CompileError> {
    check_sample_rate(sample_rate)?;
    let memory_bytes: usize = resolved
        .modules
        .iter()
        .map(|m| (m.kind.memory_samples)(sample_rate) * std::mem::size_of::<f32>())
        .sum();
    if memory_bytes > MAX_MEMORY_BYTES {
        return Err(PatchError::MemoryLimit {
            bytes: memory_bytes,
            sample_rate,
            max: MAX_MEMORY_BYTES,
        }
        .into());
    }

    // Pool layout: each module's inputs, params and outputs are contiguous ranges.
    let mut nodes = Vec::with_capacity(resolved.modules.len());
    let (mut n_inputs, mut n_params, mut n_outputs) = (0, 0, 0);
    let mut param_slots = Vec::new();
    for m in &resolved.modules {
        let kind = m.kind;
        let processor = (kind.build)(&BuildContext {
            sample_rate,
            params: &m.params,
        });
        for (spec, &value) in kind.params.iter().zip(&m.params) {
            param_slots.push(ParamSlot {
                smoother: Smoother::new(spec.clamp(value)),
                modulation: spec.modulation,
                min: spec.min,
                max: spec.max,
                stepped: spec.is_stepped(),
                source: None,
            });
        }
        nodes.push(Node {
            processor,
            inputs: n_inputs..n_inputs + kind.inputs.len(),
            params: n_params..n_params + kind.params.len(),
            outputs: n_outputs..n_outputs + kind.outputs.len(),
            gathers: 0..0,
            delayed: kind.has_delayed_output(),
        });
        n_inputs += kind.inputs.len();
        n_params += kind.params.len();
        n_outputs += kind.outputs.len();
    }

    let mut connected = vec![false; n_inputs];
    let mut gathers = Vec::new();
    let output_start: Vec<usize> = nodes.iter().map(|n| n.outputs.start).collect();
    for (m, node) in nodes.iter_mut().enumerate() {
        let start = gathers.len();
        for c in resolved.connections.iter().filter(|c| c.to_module == m) {
            let from = output_start[c.from_module] + c.from_output;
            match c.to {
                Dest::Input(i) => {
                    let to = node.inputs.start + i;
                    connected[to] = true;
                    gathers.push(Gather {
                        from,
                        to,
                        gain: c.gain,
                    });
                }
                Dest::Param(p) => param_slots[node.params.start + p].source = Some((from, c.gain)),
            }
        }
        node.gathers = start..gathers.len();
    }

    let tap = match resolved.sink {
        Sink::Output(m) => {
            let node = &nodes[m];
            Tap::Output {
                inputs: [
                    node.inputs.start + output::IN,
                    node.inputs.start + output::LEFT,
                    node.inputs.start + output::RIGHT,
                ],
                level: node.params.start + output::LEVEL,
            }
        }
        Sink::Module { module, output } => Tap::Module(nodes[module].outputs.start + output),
    };

    let param_start: Vec<usize> = nodes.iter().map(|n| n.params.start).collect();
    let macro_map = MacroMap::build(&resolved.macros, &param_start);
    let mut graph = Graph::assemble(
        sample_rate,
        resolved.modules.iter().map(|m| m.id.clone()).collect(),
        resolved.modules.iter().map(|m| m.kind).collect(),
        nodes,
        resolved.order.clone(),
        n_outputs,
        connected,
        param_slots,
        gathers,
        tap,
    );
    graph.install_macro_map(macro_map);
    Ok(graph)
}
