//! Loading a patch file: a bounded read (a hostile file cannot make us read gigabytes),
//! parsing, validation and compilation, with every problem tied to the file it came from.
//! Main thread only.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use chronus_engine::patch::MAX_PATCH_BYTES;
use chronus_engine::{CompileError, Graph, Patch, PatchError, compile};

/// Why a patch file could not be used.
#[derive(Debug)]
pub struct PatchFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: PatchFileProblem,
}

/// What is wrong with a patch file.
#[derive(Debug)]
pub enum PatchFileProblem {
    /// It could not be read.
    Read(std::io::Error),
    /// It is not a patch, or the patch is invalid; every problem found.
    Invalid(Vec<PatchError>),
    /// The engine cannot run at the requested sample rate.
    SampleRate(f32),
}

impl PatchFileError {
    fn new(path: &Path, kind: PatchFileProblem) -> Self {
        Self {
            path: path.to_owned(),
            kind,
        }
    }

    /// One line per problem, each naming its location within the file.
    pub fn problems(&self) -> Vec<String> {
        match &self.kind {
            PatchFileProblem::Read(e) => vec![format!("cannot read: {e}")],
            PatchFileProblem::Invalid(errors) => errors.iter().map(ToString::to_string).collect(),
            PatchFileProblem::SampleRate(sr) => {
                vec![CompileError::SampleRate(*sr).to_string()]
            }
        }
    }
}

impl fmt::Display for PatchFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems().iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{}: {problem}", self.path.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for PatchFileError {}

/// Reads and parses the patch at `path` (shape and format version only).
///
/// # Errors
/// [`PatchFileProblem::Read`] when the file cannot be read, [`PatchFileProblem::Invalid`]
/// when it is too large, not JSON, or not a patch.
pub fn read(path: &Path) -> Result<Patch, PatchFileError> {
    let fail = |kind| PatchFileError::new(path, kind);
    let file = std::fs::File::open(path).map_err(|e| fail(PatchFileProblem::Read(e)))?;
    let mut text = String::new();
    // One byte more than the limit, so an oversized file is reported as such.
    file.take(MAX_PATCH_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| fail(PatchFileProblem::Read(e)))?;
    if text.len() > MAX_PATCH_BYTES {
        let bytes = std::fs::metadata(path).map_or(text.len(), |m| m.len() as usize);
        return Err(fail(PatchFileProblem::Invalid(vec![
            PatchError::TooLarge {
                bytes,
                max: MAX_PATCH_BYTES,
            },
        ])));
    }
    Patch::from_json(&text).map_err(|e| fail(PatchFileProblem::Invalid(vec![e])))
}

/// Validates `patch` (read from `path`) and compiles it at `sample_rate`.
///
/// # Errors
/// Every validation problem, the memory limit, or an unsupported sample rate.
pub fn compile(path: &Path, patch: &Patch, sample_rate: f32) -> Result<Graph, PatchFileError> {
    compile::compile(patch, sample_rate).map_err(|e| {
        PatchFileError::new(
            path,
            match e {
                CompileError::Invalid(errors) => PatchFileProblem::Invalid(errors.0),
                CompileError::SampleRate(sr) => PatchFileProblem::SampleRate(sr),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chronus-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn oversized_file_is_refused_without_reading_it_all() {
        let path = temp_file("big.json", &vec![b' '; MAX_PATCH_BYTES + 10]);
        let e = read(&path).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&format!("{} bytes", MAX_PATCH_BYTES + 10)),
            "{text}"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn json_errors_carry_file_line_and_column() {
        let path = temp_file("bad.json", b"{ \"format\": 1,\n  \"modules\": [ oops ] }");
        let text = read(&path).unwrap_err().to_string();
        assert!(
            text.contains("bad.json: invalid patch JSON at line 2"),
            "{text}"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn every_validation_error_is_listed_with_its_location() {
        let path = temp_file(
            "two.json",
            br#"{ "format": 1, "modules": [
                { "id": "a", "kind": "sine" },
                { "id": "b", "kind": "no_such_kind" },
                { "id": "out", "kind": "output" } ],
              "connections": [ { "from": "a.out", "to": "nowhere.in" } ] }"#,
        );
        let patch = read(&path).unwrap();
        let Err(e) = compile(&path, &patch, 48_000.0) else {
            panic!("patch should not compile")
        };
        let problems = e.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("modules[1]"), "{problems:?}");
        assert!(problems[1].starts_with("connections[0].to"), "{problems:?}");
        std::fs::remove_file(path).unwrap();
    }
}
