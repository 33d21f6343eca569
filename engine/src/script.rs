//! Scripted renders (`chronus render --script SCRIPT.json`): a timed list of actions
//! applied while a hot-swap engine renders, with every commit going through the real
//! background primer while rendering continues in simulated real time.
//!
//! Control side: the render loop plays both the control thread (actions, status) and
//! the audio thread (`process` on host blocks); it never waits for the primer, so the
//! report shows genuine commit-to-switch latencies.
//!
//! # Script format
//! A JSON array of actions, each with `at` (seconds from the start) and one verb:
//! ```json
//! [
//!   {"at": 0.5, "create": ["osc1", "sine"]},
//!   {"at": 0.5, "connect": ["osc1", "out"]},
//!   {"at": 0.5, "commit": true},
//!   {"at": 1.0, "commit": "patches/b.json"},
//!   {"at": 1.5, "set": "filt1.cutoff", "value": 800},
//!   {"at": 2.0, "commit": {"format": 1, "modules": [{"id": "osc1", "kind": "saw"}]}},
//!   {"at": 2.1, "abort": true}
//! ]
//! ```
//! Verbs: `commit` (`true`: the pending edits; a path relative to the script's folder; an
//! inline patch; optional `"silent": true` declares the patch silent), `abort`, the
//! editing verbs `create` (`[id, kind]`), `remove` (`id`), `connect` (`[from, to]` or
//! `[from, to, gain]`), `disconnect` (`[from, to]`), `gate` (`id`, optional `"on": false`),
//! live changes `set` (`"module.param"` with `value`, a number or an option name) and
//! `macro` (1..16 with `value` 0..1), and notes `note_on` (key, optional `velocity`
//! 1..127) and `note_off` (key). Editing verbs change the pending patch; `commit: true`
//! commits it. Actions at the same time apply in file order.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::error::{PatchError, ScriptError};
use crate::patch::edit::PatchEditor;
use crate::patch::validate::param_value;
use crate::patch::{ModuleId, ParamValue, Patch};
use crate::render::{Event, NoteSpec, Player, Stereo};
use crate::swap::{
    CommitId, CommitOptions, CommitRecord, Dbfs, Engine, EngineOptions, Outcome, Status,
};

/// Where a commit's patch comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitSource {
    /// The pending patch, as the editing verbs left it.
    Pending,
    /// A patch file, relative to the script's folder.
    File(PathBuf),
    /// A patch written in the script.
    Inline(Box<Patch>),
}

/// One verb.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Commit a patch through the primer.
    Commit {
        /// Which patch.
        source: CommitSource,
        /// The patch declares itself silent.
        silent: bool,
    },
    /// Cancel commits not yet switched in; pending edits return to the playing patch.
    Abort,
    /// Set a param live (and in the pending patch).
    Set {
        /// Module id.
        module: String,
        /// Param name.
        param: String,
        /// Value.
        value: ParamValue,
    },
    /// Move a host macro.
    Macro {
        /// 1..=16.
        number: usize,
        /// 0..1.
        value: f32,
    },
    /// Add a module to the pending patch.
    Create {
        /// Id.
        id: String,
        /// Kind.
        kind: String,
    },
    /// Remove a module from the pending patch.
    Remove {
        /// Id.
        id: String,
    },
    /// Connect two ports in the pending patch.
    Connect {
        /// Source port.
        from: String,
        /// Destination port.
        to: String,
        /// Scale.
        gain: f32,
    },
    /// Remove a cable from the pending patch.
    Disconnect {
        /// Source port.
        from: String,
        /// Destination port.
        to: String,
    },
    /// Open or close a module's own gate.
    Gate {
        /// Module id.
        id: String,
        /// Open?
        on: bool,
    },
    /// Start a note.
    NoteOn {
        /// MIDI key.
        key: u8,
        /// 1..127.
        velocity: u8,
    },
    /// End a note.
    NoteOff {
        /// MIDI key.
        key: u8,
    },
}

/// An action and when it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptAction {
    /// Seconds from the start of the render.
    pub at: f64,
    /// What happens.
    pub action: Action,
    /// Position in the script file (for messages).
    pub index: usize,
}

/// A parsed script, actions sorted by time (file order kept at equal times).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    /// The actions.
    pub actions: Vec<ScriptAction>,
}

const VERBS: &[&str] = &[
    "commit",
    "abort",
    "set",
    "macro",
    "create",
    "remove",
    "connect",
    "disconnect",
    "gate",
    "note_on",
    "note_off",
];

impl Script {
    /// Reads a script file.
    ///
    /// # Errors
    /// [`ScriptError::Read`], or as [`Script::from_json`].
    pub fn load(path: &Path) -> Result<Script, ScriptError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScriptError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Script::from_json(&text)
    }

    /// Parses script JSON.
    ///
    /// # Errors
    /// [`ScriptError::Json`], or [`ScriptError::Action`] naming the first malformed
    /// action and what is wrong with it.
    ///
    /// # Examples
    /// ```
    /// use chronus_engine::script::{Action, Script};
    /// let s = Script::from_json(r#"[{"at": 1.5, "set": "filt1.cutoff", "value": 800},
    ///                              {"at": 1.0, "abort": true}]"#).unwrap();
    /// assert_eq!(s.actions[0].action, Action::Abort);
    /// ```
    pub fn from_json(text: &str) -> Result<Script, ScriptError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ScriptError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let Value::Array(items) = value else {
            return Err(ScriptError::Action {
                index: 0,
                message: "a script is a JSON array of actions".into(),
            });
        };
        let mut actions = items
            .iter()
            .enumerate()
            .map(|(index, item)| parse_action(index, item))
            .collect::<Result<Vec<_>, _>>()?;
        actions.sort_by(|a, b| a.at.total_cmp(&b.at));
        Ok(Script { actions })
    }
}

fn parse_action(index: usize, item: &Value) -> Result<ScriptAction, ScriptError> {
    let err = |message: String| ScriptError::Action { index, message };
    let Value::Object(obj) = item else {
        return Err(err(
            "an action is an object like {\"at\": 1.0, \"commit\": true}".into(),
        ));
    };
    let at = obj
        .get("at")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t >= 0.0)
        .ok_or_else(|| err("`at` must be a time in seconds, 0 or more".into()))?;
    let verbs: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| VERBS.contains(k))
        .collect();
    let [verb] = verbs.as_slice() else {
        return Err(err(format!(
            "an action needs exactly one verb ({}), found {}",
            VERBS.join(", "),
            if verbs.is_empty() {
                "none".to_owned()
            } else {
                verbs.join(", ")
            }
        )));
    };
    let allowed: &[&str] = match *verb {
        "commit" => &["silent"],
        "set" | "macro" => &["value"],
        "gate" => &["on"],
        "note_on" => &["velocity"],
        _ => &[],
    };
    if let Some(extra) = obj
        .keys()
        .find(|k| *k != "at" && *k != verb && !allowed.contains(&k.as_str()))
    {
        return Err(err(format!("`{extra}` does not go with `{verb}`")));
    }
    let arg = &obj[*verb];
    let action = parse_verb(verb, arg, obj).map_err(err)?;
    Ok(ScriptAction { at, action, index })
}

fn parse_verb(verb: &str, arg: &Value, obj: &Map<String, Value>) -> Result<Action, String> {
    let strings = |n: usize| -> Result<Vec<String>, String> {
        match arg {
            Value::Array(a) if a.len() >= n && a[..n].iter().all(Value::is_string) => Ok(a[..n]
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()),
            _ => Err(format!("`{verb}` takes an array of {n} strings")),
        }
    };
    let key = |v: &Value| -> Result<u8, String> {
        v.as_u64()
            .filter(|k| *k < 128)
            .map(|k| k as u8)
            .ok_or_else(|| format!("`{verb}` takes a MIDI key 0..127"))
    };
    Ok(match verb {
        "commit" => {
            let source = match arg {
                Value::Bool(true) => CommitSource::Pending,
                Value::String(path) => CommitSource::File(PathBuf::from(path)),
                Value::Object(_) => {
                    let patch = Patch::from_json(&arg.to_string())
                        .map_err(|e| format!("inline patch: {e}"))?;
                    CommitSource::Inline(Box::new(patch))
                }
                _ => return Err("`commit` takes true, a patch file path or a patch".into()),
            };
            let silent = match obj.get("silent") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err("`silent` is true or false".into()),
            };
            Action::Commit { source, silent }
        }
        "abort" => match arg {
            Value::Bool(true) => Action::Abort,
            _ => return Err("`abort` takes true".into()),
        },
        "set" => {
            let target = arg.as_str().ok_or("`set` takes \"module.param\"")?;
            let (module, param) = target
                .split_once('.')
                .ok_or("`set` takes \"module.param\"")?;
            let value = match obj.get("value") {
                Some(Value::Number(n)) => ParamValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                Some(Value::String(s)) => ParamValue::Choice(s.clone()),
                _ => return Err("`set` needs a `value` (a number or an option name)".into()),
            };
            Action::Set {
                module: module.to_owned(),
                param: param.to_owned(),
                value,
            }
        }
        "macro" => {
            let number = arg
                .as_u64()
                .filter(|n| (1..=16).contains(n))
                .ok_or("`macro` takes a macro number 1..16")? as usize;
            let value = obj
                .get("value")
                .and_then(Value::as_f64)
                .filter(|v| (0.0..=1.0).contains(v))
                .ok_or("`macro` needs a `value` 0..1")? as f32;
            Action::Macro { number, value }
        }
        "create" => {
            let [id, kind] = <[String; 2]>::try_from(strings(2)?).unwrap_or_default();
            Action::Create { id, kind }
        }
        "remove" => Action::Remove {
            id: arg.as_str().ok_or("`remove` takes a module id")?.to_owned(),
        },
        "connect" => {
            let [from, to] = <[String; 2]>::try_from(strings(2)?).unwrap_or_default();
            let gain = match arg.as_array().and_then(|a| a.get(2)) {
                None => 1.0,
                Some(g) => g.as_f64().ok_or("`connect`'s third element is a gain")? as f32,
            };
            Action::Connect { from, to, gain }
        }
        "disconnect" => {
            let [from, to] = <[String; 2]>::try_from(strings(2)?).unwrap_or_default();
            Action::Disconnect { from, to }
        }
        "gate" => Action::Gate {
            id: arg.as_str().ok_or("`gate` takes a module id")?.to_owned(),
            on: match obj.get("on") {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err("`on` is true or false".into()),
            },
        },
        "note_on" => Action::NoteOn {
            key: key(arg)?,
            velocity: match obj.get("velocity") {
                None => 100,
                Some(v) => v
                    .as_u64()
                    .filter(|v| (1..=127).contains(v))
                    .ok_or("`velocity` is 1..127")? as u8,
            },
        },
        "note_off" => Action::NoteOff { key: key(arg)? },
        _ => unreachable!("verbs are checked against VERBS"),
    })
}

/// How fast the scripted render runs against the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// One second of audio per second (the primer competes as it would live).
    RealTime,
    /// `n` seconds of audio per second (still never waits for the primer; latencies in
    /// blocks grow by the factor).
    Speed(f64),
    /// As fast as possible.
    Free,
}

/// Settings of a scripted render.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptRender {
    /// Sample rate.
    pub sample_rate: f32,
    /// Length, seconds.
    pub seconds: f64,
    /// Host block size, frames.
    pub host_block: usize,
    /// Notes to play (besides the script's `note_on`/`note_off`).
    pub notes: Vec<NoteSpec>,
    /// Wall-clock pacing.
    pub pacing: Pacing,
    /// Engine settings.
    pub options: EngineOptions,
}

/// One commit of the script and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptCommit {
    /// When the script committed it, seconds.
    pub at: f64,
    /// The engine's record.
    pub record: CommitRecord,
}

/// What happened during a scripted render.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptReport {
    /// Sample rate (to print times).
    pub sample_rate: f32,
    /// Every commit, in order.
    pub commits: Vec<ScriptCommit>,
    /// One line per action applied (and per refused verb, with the reason).
    pub log: Vec<String>,
    /// The engine's status at the end.
    pub status: Status,
    /// Output peak, dBFS.
    pub peak_dbfs: f32,
}

impl ScriptReport {
    /// How many commits ended with outcome `name` (`swapped`, `rejected`, ...).
    pub fn count(&self, name: &str) -> usize {
        self.commits
            .iter()
            .filter(|c| c.record.outcome.name() == name)
            .count()
    }
}

impl fmt::Display for ScriptReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.log {
            writeln!(f, "{line}")?;
        }
        for c in &self.commits {
            write!(f, "{:8.3} s  {}", c.at, c.record)?;
            if let Some(s) = c.record.switch_frame {
                write!(f, " [{:.4} s]", s as f64 / f64::from(self.sample_rate))?;
            }
            writeln!(f)?;
        }
        let st = &self.status;
        write!(
            f,
            "summary: {} commits: {} swapped, {} rejected, {} superseded, {} aborted, {} pending; \
             {} faults; process load mean {:.2} % max {:.1} % of real time; output peak {}",
            self.commits.len(),
            self.count("swapped"),
            self.count("rejected"),
            self.count("superseded"),
            self.count("aborted"),
            self.count("pending"),
            st.faults,
            st.load_mean * 100.0,
            st.load_max * 100.0,
            Dbfs(self.peak_dbfs)
        )?;
        let lat: Vec<u64> = self
            .commits
            .iter()
            .filter_map(|c| c.record.latency_blocks())
            .collect();
        if let (Some(min), Some(max)) = (lat.iter().min(), lat.iter().max()) {
            write!(f, "; commit-to-switch {min} .. {max} blocks")?;
        }
        Ok(())
    }
}

/// Renders `seconds` of `patch` at `sample_rate` in host blocks of `host_block` frames,
/// playing `notes` and applying `script` (patch files relative to `base_dir`), paced in
/// real time.
///
/// # Errors
/// [`ScriptError`] when the starting patch does not compile or a patch file named by a
/// commit cannot be read or parsed (all are loaded before rendering starts). Verbs
/// refused while rendering (unknown module, bad port) are logged in the report.
pub fn render_script(
    patch: &Patch,
    script: &Script,
    base_dir: &Path,
    sample_rate: f32,
    seconds: f64,
    host_block: usize,
    notes: &[NoteSpec],
) -> Result<(Stereo, ScriptReport), ScriptError> {
    render_script_with(
        patch,
        script,
        base_dir,
        &ScriptRender {
            sample_rate,
            seconds,
            host_block,
            notes: notes.to_vec(),
            pacing: Pacing::RealTime,
            options: EngineOptions::default(),
        },
    )
}

/// A commit of the script still waiting for its outcome.
struct Tracked {
    /// Its id.
    id: CommitId,
    /// Its patch.
    patch: Patch,
    /// Script time.
    at: f64,
}

/// As [`render_script`], with every setting explicit.
///
/// # Errors
/// As [`render_script`].
pub fn render_script_with(
    patch: &Patch,
    script: &Script,
    base_dir: &Path,
    settings: &ScriptRender,
) -> Result<(Stereo, ScriptReport), ScriptError> {
    let sr = settings.sample_rate;
    let files = load_patches(script, base_dir)?;
    let (mut control, mut audio) = Engine::new(patch, sr, settings.options)?;
    let mut editor = PatchEditor::new(patch.clone());
    let mut playing = patch.clone();
    let mut tracked: Vec<Tracked> = Vec::new();
    let mut commits: Vec<ScriptCommit> = Vec::new();
    let mut log = Vec::new();

    let total = (settings.seconds.max(0.0) * f64::from(sr)).round() as usize;
    let host_block = settings.host_block.max(1);
    let frame_of = |t: f64| (t * f64::from(sr)).round() as usize;
    let notes = NoteSpec::events(&settings.notes, sr);
    let mut out = Stereo::silence(total);
    let (mut next_action, mut next_note) = (0, 0);
    let started = Instant::now();
    let mut pos = 0;
    while pos < total {
        while let Some(a) = script
            .actions
            .get(next_action)
            .filter(|a| frame_of(a.at) <= pos)
        {
            next_action += 1;
            let t = a.at;
            let line = match &a.action {
                Action::Commit { source, silent } => {
                    let patch = match source {
                        CommitSource::Pending => editor.pending().clone(),
                        CommitSource::File(_) => files[a.index].clone().unwrap_or_default(),
                        CommitSource::Inline(p) => (**p).clone(),
                    };
                    editor.replace_pending(patch.clone());
                    let _ = editor.commit();
                    let options = CommitOptions {
                        expect_silent: *silent,
                    };
                    let id = control.commit_with(patch.clone(), options);
                    tracked.push(Tracked { id, patch, at: t });
                    format!("commit {id}")
                }
                Action::Abort => {
                    update(&mut control, &mut tracked, &mut commits, &mut playing);
                    control.abort();
                    editor.replace_pending(playing.clone());
                    "abort: pending commits cancelled, pending edits reset".to_owned()
                }
                Action::Set {
                    module,
                    param,
                    value,
                } => set_live(&mut editor, &playing, &mut control, module, param, value),
                Action::Macro { number, value } => match control.set_macro(*number, *value) {
                    Ok(()) => format!("macro {number} = {value}"),
                    Err(e) => format!("macro {number}: {e}"),
                },
                Action::Create { id, kind } => verb(editor.create(id, kind), "create", id),
                Action::Remove { id } => verb(editor.remove(id), "remove", id),
                Action::Connect { from, to, gain } => verb(
                    editor.connect_with_gain(from, to, *gain),
                    "connect",
                    &format!("{from} {to}"),
                ),
                Action::Disconnect { from, to } => verb(
                    editor.disconnect(from, to),
                    "disconnect",
                    &format!("{from} {to}"),
                ),
                Action::Gate { id, on } => {
                    let text = verb(editor.gate(id, *on), "gate", id);
                    if editor.pending().module(id).is_some() {
                        let _ = control.gate(id, *on);
                    }
                    text
                }
                Action::NoteOn { key, velocity } => {
                    audio.apply(&Event::NoteOn {
                        key: *key,
                        velocity: f32::from(*velocity) / 127.0,
                    });
                    format!("note on {key}")
                }
                Action::NoteOff { key } => {
                    audio.apply(&Event::NoteOff { key: *key });
                    format!("note off {key}")
                }
            };
            log.push(format!("{t:8.3} s  {line}"));
        }
        while let Some(e) = notes.get(next_note).filter(|e| e.frame as usize <= pos) {
            audio.apply(&e.event);
            next_note += 1;
        }
        let block_end = (pos + host_block - pos % host_block).min(total);
        let next_action_frame = script
            .actions
            .get(next_action)
            .map_or(usize::MAX, |a| frame_of(a.at));
        let next_note_frame = notes
            .get(next_note)
            .map_or(usize::MAX, |e| e.frame as usize);
        let until = block_end
            .min(next_action_frame.max(pos + 1))
            .min(next_note_frame.max(pos + 1));
        audio.process(
            [&[], &[]],
            [&mut out.left[pos..until], &mut out.right[pos..until]],
        );
        pos = until;
        if pos == block_end {
            update(&mut control, &mut tracked, &mut commits, &mut playing);
            pace(settings.pacing, started, pos, sr);
        }
    }
    for a in &script.actions[next_action..] {
        log.push(format!(
            "{:8.3} s  (after the end of the render: not applied)",
            a.at
        ));
    }
    update(&mut control, &mut tracked, &mut commits, &mut playing);
    for t in tracked {
        let record = control
            .status()
            .commit(t.id)
            .cloned()
            .unwrap_or_else(|| pending_record(t.id));
        commits.push(ScriptCommit { at: t.at, record });
    }
    commits.sort_by_key(|c| c.record.id);
    let status = control.status().clone();
    let peak = out.peak();
    Ok((
        out,
        ScriptReport {
            sample_rate: sr,
            commits,
            log,
            status,
            peak_dbfs: 20.0 * peak.log10(),
        },
    ))
}

/// A record for a commit whose record the engine no longer keeps.
fn pending_record(id: CommitId) -> CommitRecord {
    let mut r = CommitRecord::new(id, 0);
    r.outcome = Outcome::Pending;
    r
}

/// Drains the engine's reports; moves decided commits to `commits`, and tracks which
/// patch is playing.
fn update(
    control: &mut crate::swap::EngineControl,
    tracked: &mut Vec<Tracked>,
    commits: &mut Vec<ScriptCommit>,
    playing: &mut Patch,
) {
    let status = control.status();
    tracked.retain(|t| match status.commit(t.id) {
        Some(record) if record.outcome.is_final() => {
            if record.outcome == Outcome::Swapped {
                *playing = t.patch.clone();
            }
            commits.push(ScriptCommit {
                at: t.at,
                record: record.clone(),
            });
            false
        }
        _ => true,
    });
}

fn verb(result: Result<(), crate::error::EditError>, name: &str, what: &str) -> String {
    match result {
        Ok(()) => format!("{name} {what}"),
        Err(e) => format!("{name} {what}: refused: {e}"),
    }
}

/// `set`: in the pending patch (so later commits keep it) and live on the engine.
/// A live `set`: remembered in the pending patch when the module is there, and sent to
/// the playing graph when it is there (after a rejected commit the pending patch may
/// lack a module that still plays).
fn set_live(
    editor: &mut PatchEditor,
    playing: &Patch,
    control: &mut crate::swap::EngineControl,
    module: &str,
    param: &str,
    value: &ParamValue,
) -> String {
    let target = format!("{module}.{param} = {value}");
    let in_pending = editor.pending().module(module).is_some();
    let kind = editor
        .pending()
        .module(module)
        .or_else(|| playing.module(module))
        .and_then(|m| crate::modules::find(&m.kind));
    let Some(kind) = kind else {
        return format!("set {target}: refused: no module `{module}` in the patch");
    };
    let number = match param_value(kind, &ModuleId::from(module), param, value, "set") {
        Ok((_, v)) => v,
        Err(e) => return format!("set {target}: refused: {e}"),
    };
    if in_pending && let Err(e) = editor.set(module, param, value.clone()) {
        return format!("set {target}: refused: {e}");
    }
    match (control.set(module, param, number), in_pending) {
        (Ok(()), true) => format!("set {target}"),
        (Ok(()), false) => format!("set {target}: live only (not in the pending patch)"),
        (Err(e), _) => format!("set {target}: pending patch only: {e}"),
    }
}

/// Sleeps until the wall clock reaches the audio time `frames` (scaled by the pacing).
fn pace(pacing: Pacing, started: Instant, frames: usize, sample_rate: f32) {
    let speed = match pacing {
        Pacing::RealTime => 1.0,
        Pacing::Speed(s) if s > 0.0 && s.is_finite() => s,
        Pacing::Speed(_) | Pacing::Free => return,
    };
    let target = Duration::from_secs_f64(frames as f64 / f64::from(sample_rate) / speed);
    if let Some(wait) = target.checked_sub(started.elapsed()) {
        std::thread::sleep(wait);
    }
}

/// Loads every patch file the script commits, indexed by action position.
fn load_patches(script: &Script, base_dir: &Path) -> Result<Vec<Option<Patch>>, ScriptError> {
    let len = script
        .actions
        .iter()
        .map(|a| a.index + 1)
        .max()
        .unwrap_or(0);
    let mut files = vec![None; len];
    for a in &script.actions {
        if let Action::Commit {
            source: CommitSource::File(path),
            ..
        } = &a.action
        {
            let full = base_dir.join(path);
            let shown = full.display().to_string();
            let text = std::fs::read_to_string(&full).map_err(|e| ScriptError::PatchFile {
                index: a.index,
                path: shown.clone(),
                message: e.to_string(),
            })?;
            let patch =
                Patch::from_json(&text).map_err(|error: PatchError| ScriptError::Patch {
                    index: a.index,
                    path: shown,
                    error: Box::new(error),
                })?;
            files[a.index] = Some(patch);
        }
    }
    Ok(files)
}
