//! Chronus engine: the patch model, the module library, the graph compiler and the
//! realtime graph. Knows nothing of any plugin framework.
//!
//! Control side: [`patch`] (JSON model, validation, editing verbs), [`compile`] (patch to
//! [`graph::Graph`]). Audio side: [`graph::Graph::process`] and the setters, which never
//! allocate, lock or wait. [`render`] drives a graph offline with timed events.

pub mod compile;
pub mod error;
pub mod graph;
pub mod macros;
pub mod module;
pub mod modules;
pub mod patch;
pub mod render;
pub mod script;
pub mod smooth;
pub mod swap;

pub use error::{CompileError, EditError, PatchError, PatchErrors, ScriptError, SetError};
pub use graph::{Graph, ModuleIndex, ParamAddr};
pub use module::{Block, MAX_BLOCK_FRAMES};
pub use patch::Patch;
