//! Typed errors, one enum per control-side operation: [`PatchError`] for reading and
//! validating a patch, [`EditError`] for the editing verbs, [`CompileError`] for turning a
//! patch into a graph. Every message names the module, port, param or JSON location at
//! fault. Nothing here is used on the audio thread (errors carry `String`s).

use std::fmt;

use crate::patch::ModuleId;

/// Something wrong with a patch: its JSON, or what it asks of the module library.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatchError {
    /// The text is larger than any patch may be.
    #[error("patch is {bytes} bytes; at most {max} bytes are read")]
    TooLarge {
        /// Size of the text.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not patch JSON.
    #[error("invalid patch JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// The patch says it was written by a newer Chronus.
    #[error("patch format {found} is not supported (this Chronus reads format 1 to {supported})")]
    UnsupportedFormat {
        /// The file's `format`.
        found: u32,
        /// The newest format read.
        supported: u32,
    },
    /// A module's kind is not in the library.
    #[error("{at} `{id}`: unknown module kind `{kind}`{hint}")]
    UnknownKind {
        /// JSON location (`modules[3]`).
        at: String,
        /// The module.
        id: ModuleId,
        /// The kind asked for.
        kind: String,
        /// ", did you mean `saw`?" or empty.
        hint: String,
    },
    /// Two modules share an id.
    #[error("{at}: duplicate module id `{id}`")]
    DuplicateId {
        /// JSON location of the second one.
        at: String,
        /// The id.
        id: ModuleId,
    },
    /// An id that cannot be used (empty, too long, or with characters other than
    /// letters, digits, `_` and `-`).
    #[error("{at}: invalid module id `{id}` (use 1 to {max} letters, digits, `_` or `-`)")]
    InvalidId {
        /// JSON location.
        at: String,
        /// The id.
        id: ModuleId,
        /// Longest id.
        max: usize,
    },
    /// A connection names a module that does not exist.
    #[error("{at}: unknown module `{module}` in `{port}`")]
    UnknownModule {
        /// JSON location (`connections[2].to`).
        at: String,
        /// The missing module.
        module: ModuleId,
        /// The whole port reference.
        port: String,
    },
    /// A connection's source port is not an output of its module.
    #[error("{at}: `{module}` ({kind}) has no output `{port}`; its outputs: {available}")]
    UnknownOutput {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// Its kind.
        kind: &'static str,
        /// The port asked for.
        port: String,
        /// Comma-separated list of its outputs.
        available: String,
    },
    /// A connection's destination is neither a signal input nor a param of its module.
    #[error("{at}: `{module}` ({kind}) has no input `{port}`; its inputs: {available}")]
    UnknownInput {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// Its kind.
        kind: &'static str,
        /// The port asked for.
        port: String,
        /// Comma-separated list of its inputs and modulatable params.
        available: String,
    },
    /// A connection targets a param that cannot be modulated.
    #[error("{at}: param `{module}.{param}` cannot be modulated by a connection")]
    NotModulatable {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// The param.
        param: String,
    },
    /// A module sets a param its kind does not have.
    #[error("{at}: `{module}` ({kind}) has no param `{param}`; its params: {available}")]
    UnknownParam {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// Its kind.
        kind: &'static str,
        /// The param asked for.
        param: String,
        /// Comma-separated list of its params.
        available: String,
    },
    /// A param value outside its range.
    #[error("{at}: `{module}.{param}` = {value} is out of range {min} .. {max}{unit}")]
    OutOfRange {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// The param.
        param: String,
        /// The value given.
        value: f64,
        /// Smallest accepted.
        min: f32,
        /// Largest accepted.
        max: f32,
        /// " Hz", " ms" or empty.
        unit: String,
    },
    /// A choice param given something that is not one of its options.
    #[error("{at}: `{module}.{param}` = {value} is not one of: {choices}")]
    BadChoice {
        /// JSON location.
        at: String,
        /// The module.
        module: ModuleId,
        /// The param.
        param: String,
        /// What was given.
        value: String,
        /// Comma-separated options.
        choices: String,
    },
    /// A connection gain that is not a finite number in range.
    #[error("{at}: connection gain {gain} must be finite and within -{max} .. {max}")]
    BadGain {
        /// JSON location.
        at: String,
        /// The gain.
        gain: f32,
        /// Largest magnitude.
        max: f32,
    },
    /// Two connections drive the same input.
    #[error("{at}: input `{to}` is driven twice, by `{first}` and by `{second}` (use a mixer)")]
    InputDrivenTwice {
        /// JSON location of the second connection.
        at: String,
        /// The input.
        to: String,
        /// The first source.
        first: String,
        /// The second source.
        second: String,
    },
    /// A feedback cycle that passes through no delayed output.
    #[error(
        "cycle without a delay: {} (a feedback loop must pass through a delayed output such as `delay.wet`)",
        cycle_text(.modules)
    )]
    Cycle {
        /// The modules in the cycle, in signal order.
        modules: Vec<ModuleId>,
    },
    /// Nothing to play.
    #[error("no output: add a module of kind `output` (the patch has no modules that could play)")]
    OutputMissing,
    /// More than one `output` module.
    #[error("more than one `output` module: {}", id_list(.ids))]
    SeveralOutputs {
        /// Their ids.
        ids: Vec<ModuleId>,
    },
    /// No `output` module and more than one module that nothing reads from.
    #[error(
        "no `output` module and several sinks ({}): add an `output` module or connect them",
        id_list(.ids)
    )]
    SeveralSinks {
        /// The sinks.
        ids: Vec<ModuleId>,
    },
    /// Too many modules.
    #[error("too many modules: {count} (at most {max})")]
    TooManyModules {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Too many connections.
    #[error("too many connections: {count} (at most {max})")]
    TooManyConnections {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Too many macro mappings.
    #[error("too many macro mappings: {count} (at most {max})")]
    TooManyMappings {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A macro mapping without exactly one valid source.
    #[error(
        "{at}: a mapping needs exactly one source, `\"macro\": 1..16` or `\"cc\": 0..127` \
         (got macro {}, cc {})",
        opt_text(.macro_number),
        opt_text(.cc)
    )]
    BadMappingSource {
        /// JSON location (`macros[2]`).
        at: String,
        /// The `macro` given, if any.
        macro_number: Option<u32>,
        /// The `cc` given, if any.
        cc: Option<u32>,
    },
    /// A macro mapping's target is not written `module.param`.
    #[error("{at}: mapping target `{target}` must be written `module.param`")]
    BadMappingTarget {
        /// JSON location (`macros[2].target`).
        at: String,
        /// What was given.
        target: String,
    },
    /// A macro mapping's `min`/`max` cannot be used.
    #[error("{at}: {reason}")]
    BadMappingRange {
        /// JSON location (`macros[2].min`).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// Delay memory over the limit.
    #[error("delay memory {bytes} bytes at {sample_rate} Hz exceeds the limit of {max} bytes")]
    MemoryLimit {
        /// What the patch needs.
        bytes: usize,
        /// At this rate.
        sample_rate: f32,
        /// The limit.
        max: usize,
    },
}

fn opt_text(v: &Option<u32>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn id_list(ids: &[ModuleId]) -> String {
    ids.iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cycle_text(ids: &[ModuleId]) -> String {
    let mut text = ids
        .iter()
        .map(|id| id.as_str())
        .collect::<Vec<_>>()
        .join(" -> ");
    if let Some(first) = ids.first() {
        text.push_str(" -> ");
        text.push_str(first.as_str());
    }
    text
}

/// Every problem found in one patch (validation does not stop at the first).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct PatchErrors(pub Vec<PatchError>);

impl fmt::Display for PatchErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl From<PatchError> for PatchErrors {
    fn from(e: PatchError) -> Self {
        PatchErrors(vec![e])
    }
}

/// Why an editing verb was refused. The pending patch is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The edit would make the patch invalid in a way caught immediately.
    #[error(transparent)]
    Patch(#[from] PatchError),
    /// The verb names a module that does not exist.
    #[error("no module `{0}` in the patch")]
    NoSuchModule(ModuleId),
    /// `disconnect` of a cable that does not exist.
    #[error("no connection from `{from}` to `{to}`")]
    NoSuchConnection {
        /// Source.
        from: String,
        /// Destination.
        to: String,
    },
}

/// Why a patch could not be compiled into a graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    /// The patch is invalid.
    #[error(transparent)]
    Invalid(#[from] PatchErrors),
    /// The sample rate is not one the engine runs at.
    #[error("sample rate {0} Hz is not supported (8000 .. 384000)")]
    SampleRate(f32),
}

impl From<PatchError> for CompileError {
    fn from(e: PatchError) -> Self {
        CompileError::Invalid(e.into())
    }
}

/// Why a live change ([`crate::swap::EngineControl::set`], `gate`, `set_macro`) was
/// refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetError {
    /// No module of that id in the newest committed patch.
    #[error("no module `{0}` in the patch")]
    NoSuchModule(ModuleId),
    /// The module's kind has no such param.
    #[error("`{module}` ({kind}) has no param `{param}`; its params: {available}")]
    NoSuchParam {
        /// The module.
        module: ModuleId,
        /// Its kind.
        kind: &'static str,
        /// The param asked for.
        param: String,
        /// Comma-separated list of its params.
        available: String,
    },
    /// The value is NaN or infinite.
    #[error("value {0} for `{1}` is not a finite number")]
    NotFinite(f32, String),
    /// Macro index outside 1 ..= 16.
    #[error("macro {0} does not exist (macros are 1 .. 16)")]
    NoSuchMacro(usize),
    /// The queue to the audio thread is full (the audio thread is not running, or more
    /// than its capacity of changes were sent between two blocks).
    #[error("the audio thread's queue is full; change not applied")]
    QueueFull,
}

/// Why a `--script` could not be read or started.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptError {
    /// The script file could not be read.
    #[error("cannot read script `{path}`: {message}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The text is not JSON.
    #[error("script: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// An action is malformed.
    #[error("script[{index}]: {message}")]
    Action {
        /// Position of the action in the script.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A patch file a `commit` names could not be read.
    #[error("script[{index}]: cannot read patch `{path}`: {message}")]
    PatchFile {
        /// Position of the action in the script.
        index: usize,
        /// The file, as resolved.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A patch a `commit` names or holds is not patch JSON.
    #[error("script[{index}]: patch `{path}`: {error}")]
    Patch {
        /// Position of the action in the script.
        index: usize,
        /// The file, or `inline`.
        path: String,
        /// The problem (boxed: it is large and rare).
        error: Box<PatchError>,
    },
    /// The starting patch could not be compiled.
    #[error(transparent)]
    Engine(#[from] CompileError),
}
