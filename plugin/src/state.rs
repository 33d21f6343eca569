//! The plugin's saved state: the whole patch (modules, connections, macro mappings) and
//! the crossfade setting, stored as JSON in the plugin state under `chronus-patch`
//! (nice-plug `#[persist]`), next to the host params (macros, gain) nice-plug saves itself.
//!
//! Saved document (format [`STATE_FORMAT`]):
//! ```json
//! { "format": 1, "crossfade_ms": 10.0, "patch": { "format": 1, "modules": [...], ... } }
//! ```
//!
//! Loading never fails and never panics: a document from a newer Chronus, a patch that
//! does not parse or validate, or anything else that is not a Chronus state loads the
//! default patch, logs the reason (nice-plug's logger) and keeps it as [`PatchStore::error`]
//! for the GUI. (Bytes that are not JSON at all are refused by nice-plug before they reach
//! the plugin: the host is told the load failed and the current patch, the default one in a
//! fresh instance, keeps playing.)
//!
//! Threads: everything here runs on control threads (the host's main thread for state
//! save/load, activation, and the GUI); it allocates and locks freely. The audio thread
//! never touches this file: patches reach it through [`crate::voice_engine`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use chronus_engine::CompileError;
use chronus_engine::macros;
use chronus_engine::patch::{ModuleId, Patch, Position};
use chronus_engine::swap::CommitId;
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::{nice_error, nice_log, nice_warn};
use serde::{Deserialize, Serialize};

use crate::voice_engine::EngineControl;

/// The state document format this build writes and the newest it reads.
pub const STATE_FORMAT: u32 = 1;

/// Crossfade between an old and a new patch, default, ms.
pub const DEFAULT_CROSSFADE_MS: f32 = 10.0;
/// Longest crossfade, ms.
pub const MAX_CROSSFADE_MS: f32 = 100.0;

/// The patch a new instance plays (and what a broken state falls back to).
pub const DEFAULT_PATCH_JSON: &str = include_str!("default_patch.json");

/// The default patch, parsed.
///
/// # Panics
/// Never in a tested build: a unit test checks the embedded JSON parses and compiles.
pub fn default_patch() -> Patch {
    Patch::from_json(DEFAULT_PATCH_JSON).expect("the embedded default patch parses")
}

/// A patch that plays silence: the last resort when not even the default patch runs.
pub fn silent_patch() -> Patch {
    Patch {
        name: "silence".to_owned(),
        modules: vec![chronus_engine::patch::ModuleSpec {
            id: "out".into(),
            kind: "output".to_owned(),
            params: Default::default(),
        }],
        ..Patch::default()
    }
}

/// What is saved: the patch and the settings that go with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedDoc {
    /// State document format, [`STATE_FORMAT`].
    pub format: u32,
    /// Crossfade between patches when one replaces another, 0 ..= [`MAX_CROSSFADE_MS`] ms.
    #[serde(default = "default_crossfade")]
    pub crossfade_ms: f32,
    /// The whole patch.
    pub patch: Patch,
}

fn default_crossfade() -> f32 {
    DEFAULT_CROSSFADE_MS
}

impl SavedDoc {
    /// A document for `patch` with the default crossfade.
    pub fn new(patch: Patch) -> Self {
        Self {
            format: STATE_FORMAT,
            crossfade_ms: DEFAULT_CROSSFADE_MS,
            patch,
        }
    }

    /// Reads a saved document, checking it completely: format, patch JSON, patch
    /// validity, crossfade range.
    ///
    /// # Errors
    /// A sentence saying what is wrong, for the log and the GUI.
    pub fn decode(value: &serde_json::Value) -> Result<Self, String> {
        let object = value.as_object().ok_or_else(|| {
            "the saved state is not a Chronus patch state (not an object)".to_owned()
        })?;
        let format = object
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| {
                "the saved state has no `format`: not a Chronus patch state".to_owned()
            })?;
        if format == 0 || format > u64::from(STATE_FORMAT) {
            return Err(format!(
                "the saved state has format {format}, written by a newer Chronus \
                 (this one reads format 1 to {STATE_FORMAT})"
            ));
        }
        let patch_value = object
            .get("patch")
            .ok_or_else(|| "the saved state has no `patch`".to_owned())?;
        let patch = Patch::from_json(&patch_value.to_string())
            .map_err(|e| format!("the saved patch cannot be read: {e}"))?;
        chronus_engine::patch::validate::validate(&patch)
            .map_err(|e| format!("the saved patch is invalid: {e}"))?;
        let mut rest = object.clone();
        rest.insert(
            "patch".to_owned(),
            serde_json::to_value(&patch).unwrap_or_default(),
        );
        let doc: SavedDoc = serde_json::from_value(serde_json::Value::Object(rest))
            .map_err(|e| format!("the saved state cannot be read: {e}"))?;
        if !(0.0..=MAX_CROSSFADE_MS).contains(&doc.crossfade_ms) {
            return Err(format!(
                "the saved crossfade {} ms is out of range 0 .. {MAX_CROSSFADE_MS} ms",
                doc.crossfade_ms
            ));
        }
        Ok(doc)
    }
}

/// The persisted value as nice-plug sees it: any JSON. Decoding (and its errors) is ours,
/// so a bad document is reported instead of silently ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SavedState(pub serde_json::Value);

/// What the store holds behind its lock.
#[derive(Debug)]
struct Stored {
    /// The current document (what is playing, or will play at activation).
    doc: SavedDoc,
    /// Why the last state load fell back to the default patch, if it did.
    error: Option<String>,
    /// Incremented by every state load and patch change, so observers can tell.
    revision: u64,
    /// Incremented when the patch is replaced from outside the editor (a state load, a
    /// preset, a fallback to the default patch), so an open editor reloads it.
    loads: u64,
    /// Box positions the editor last reported ([`PatchStore::remember_layout`]): moving
    /// a box is not a commit, so the playing patch does not have them.
    layout: BTreeMap<ModuleId, Position>,
}

/// The patch of one plugin instance: what gets saved, what a state load restores, and
/// the control half of the running engine (while the plugin is active), so a restored or
/// edited patch reaches the audio thread. Control threads only.
pub struct PatchStore {
    /// The document and the last load error.
    stored: Mutex<Stored>,
    /// The running engine's control half, set by `activate()` and cleared by
    /// `deactivate()`.
    engine: Mutex<Option<EngineControl>>,
}

impl Default for PatchStore {
    fn default() -> Self {
        Self {
            stored: Mutex::new(Stored {
                doc: SavedDoc::new(default_patch()),
                error: None,
                revision: 0,
                loads: 0,
                layout: BTreeMap::new(),
            }),
            engine: Mutex::new(None),
        }
    }
}

impl PatchStore {
    fn stored(&self) -> std::sync::MutexGuard<'_, Stored> {
        self.stored
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn engine(&self) -> std::sync::MutexGuard<'_, Option<EngineControl>> {
        self.engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current document: what is saved. While the engine runs, its patch is the one
    /// sounding: the last commit switched in (a commit still priming or rejected is not
    /// saved) with the params the editor set live. Box positions the editor reported
    /// are written in.
    pub fn doc(&self) -> SavedDoc {
        let sounding = self.engine().as_mut().map(|engine| {
            engine.status();
            engine.swap().sounding_patch()
        });
        let mut stored = self.stored();
        if let Some(patch) = sounding {
            stored.doc.patch = patch;
        }
        let Stored { doc, layout, .. } = &mut *stored;
        for (id, at) in layout.iter() {
            if doc.patch.module(id.as_str()).is_some() {
                doc.patch.layout.insert(id.clone(), *at);
            }
        }
        stored.doc.clone()
    }

    /// Keeps what the editor saved that no commit carries: the box positions of `patch`
    /// (moving a box changes no sound, so it is never committed) and, while no engine
    /// runs, the whole patch (its live-set params). Invalid patches are ignored.
    pub fn remember(&self, patch: &Patch) {
        let inactive = self.engine().is_none();
        let mut stored = self.stored();
        stored.layout = patch.layout.clone();
        if inactive && chronus_engine::patch::validate::validate(patch).is_ok() {
            stored.doc.patch = patch.clone();
        }
    }

    /// Counter of patch replacements from outside the editor: state loads, presets
    /// ([`PatchStore::set_patch`]) and fallbacks to the default patch.
    pub fn loads(&self) -> u64 {
        self.stored().loads
    }

    /// The current patch (see [`PatchStore::doc`]).
    pub fn patch(&self) -> Patch {
        self.doc().patch
    }

    /// Why the last state load fell back to the default patch (`None` if it did not).
    pub fn error(&self) -> Option<String> {
        self.stored().error.clone()
    }

    /// Changes counter: incremented by every state load and [`PatchStore::set_patch`].
    pub fn revision(&self) -> u64 {
        self.stored().revision
    }

    /// Macro mappings of the current patch that are inactive (target module missing),
    /// one sentence each.
    pub fn inactive_mappings(&self) -> Vec<String> {
        macros::inactive(&self.stored().doc.patch)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Connects the running engine (called by `activate()`); patches set from now on
    /// go to it.
    pub fn attach(&self, engine: EngineControl) {
        *self.engine() = Some(engine);
    }

    /// Disconnects the engine (called by `deactivate()` and before re-activation).
    pub fn detach(&self) {
        *self.engine() = None;
    }

    /// Replaces the whole patch (a preset load): validates it, keeps it for saving and
    /// hands it to the running engine as a fresh engine, which it crossfades to. For
    /// edits of the playing patch use [`PatchStore::commit`].
    ///
    /// # Errors
    /// The validation or compile error; the current patch then stays.
    pub fn set_patch(&self, patch: Patch) -> Result<(), CompileError> {
        chronus_engine::patch::validate::validate(&patch).map_err(CompileError::from)?;
        if let Some(engine) = self.engine().as_mut() {
            engine.load(&patch)?;
        }
        let mut stored = self.stored();
        stored.doc.patch = patch;
        stored.error = None;
        stored.revision += 1;
        stored.loads += 1;
        stored.layout.clear();
        Ok(())
    }

    /// Commits an edit of the playing patch (the GUI's commit): validated here, then
    /// primed on the engine's background thread and switched in click-free with the live
    /// state carried over (see `chronus_engine::swap`). Returns the commit's id; its
    /// outcome (swapped, or rejected with a reason) shows in [`PatchStore::with_engine`]'s
    /// status. Before activation the patch is simply stored.
    ///
    /// # Errors
    /// The patch is invalid; nothing changes.
    pub fn commit(&self, patch: Patch) -> Result<Option<CommitId>, CompileError> {
        chronus_engine::patch::validate::validate(&patch).map_err(CompileError::from)?;
        let id = match self.engine().as_mut() {
            Some(engine) => Some(engine.commit(patch)),
            None => {
                let mut stored = self.stored();
                stored.doc.patch = patch;
                stored.error = None;
                None
            }
        };
        self.stored().revision += 1;
        Ok(id)
    }

    /// Runs `f` with the running engine's control half (status, live sets, aborts), or
    /// returns `None` when the plugin is not active. Control thread. `f` must not call
    /// back into this store (the engine is locked while it runs).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut EngineControl) -> R) -> Option<R> {
        self.engine().as_mut().map(f)
    }

    /// Sets the crossfade used when a patch replaces another (clamped to
    /// 0 ..= [`MAX_CROSSFADE_MS`]).
    pub fn set_crossfade_ms(&self, ms: f32) {
        let ms = if ms.is_nan() {
            DEFAULT_CROSSFADE_MS
        } else {
            ms.clamp(0.0, MAX_CROSSFADE_MS)
        };
        if let Some(engine) = self.engine().as_mut() {
            engine.set_crossfade_ms(ms);
        }
        self.stored().doc.crossfade_ms = ms;
    }

    /// Replaces the patch with the default one and records `error` (a patch that cannot
    /// run at the host's sample rate). Control thread.
    pub fn fall_back_to_default(&self, error: String) {
        nice_error!("Chronus: {error}; loading the default patch instead");
        let mut stored = self.stored();
        let crossfade_ms = stored.doc.crossfade_ms;
        stored.doc = SavedDoc {
            crossfade_ms,
            ..SavedDoc::new(default_patch())
        };
        stored.error = Some(error);
        stored.revision += 1;
        stored.loads += 1;
        stored.layout.clear();
    }

    /// Restores a saved document (a state load). On any problem: the default patch and
    /// an error kept for [`PatchStore::error`]. Never panics.
    pub fn restore(&self, saved: &serde_json::Value) {
        let (doc, error) = match SavedDoc::decode(saved) {
            Ok(doc) => (doc, None),
            Err(e) => {
                nice_error!("Chronus: {e}; loading the default patch instead");
                (SavedDoc::new(default_patch()), Some(e))
            }
        };
        // Bound first: the engine lock must be released before the fallback takes it.
        let loaded = self.engine().as_mut().map(|engine| {
            engine.set_crossfade_ms(doc.crossfade_ms);
            engine.load(&doc.patch)
        });
        let (doc, error) = match loaded {
            Some(Err(e)) => {
                // Valid but cannot run here (e.g. delay memory at this sample rate).
                let e = format!("the saved patch cannot run: {e}");
                nice_error!("Chronus: {e}; loading the default patch instead");
                if let Some(engine) = self.engine().as_mut()
                    && let Err(e) = engine.load(&default_patch())
                {
                    nice_error!("Chronus: the default patch cannot run either: {e}");
                }
                (SavedDoc::new(default_patch()), Some(e))
            }
            _ => (doc, error),
        };
        for inactive in macros::inactive(&doc.patch) {
            nice_warn!("Chronus: {inactive}");
        }
        if error.is_none() {
            nice_log!("Chronus: restored patch `{}`", doc.patch.name);
        }
        let mut stored = self.stored();
        stored.doc = doc;
        stored.error = error;
        stored.revision += 1;
        stored.loads += 1;
        stored.layout.clear();
    }
}

impl<'a> PersistentField<'a, SavedState> for PatchStore {
    fn set(&self, new_value: SavedState) {
        self.restore(&new_value.0);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SavedState) -> R,
    {
        let value = serde_json::to_value(self.doc()).unwrap_or_default();
        f(&SavedState(value))
    }
}
