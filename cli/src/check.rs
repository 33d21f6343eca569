//! `chronus check PATCH.json...`: reads, validates and compiles each patch (at 48 kHz,
//! so the delay-memory limit is enforced too) and prints every problem with its file and
//! location (`patch.json: connections[1].to: ...`). Exit status 1 if any file has a
//! problem. Main thread only.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::CliError;
use crate::patch_file;

/// The sample rate patches are compiled at to check them (the CLI's default rate).
pub const CHECK_SAMPLE_RATE: f32 = 48_000.0;

/// Checks every patch in `paths`, reporting on stdout (ok lines) and stderr (problems).
///
/// # Errors
/// None of its own: problems in patches are reported and turn into exit status 1.
pub fn run(paths: &[PathBuf]) -> Result<ExitCode, CliError> {
    let mut failed = 0;
    for path in paths {
        let outcome = patch_file::read(path).and_then(|patch| {
            patch_file::compile(path, &patch, CHECK_SAMPLE_RATE).map(|graph| (patch, graph))
        });
        match outcome {
            Ok((patch, graph)) => println!(
                "{}: ok ({} modules, {} connections)",
                path.display(),
                graph.module_count(),
                patch.connections.len()
            ),
            Err(e) => {
                failed += 1;
                for problem in e.problems() {
                    eprintln!("{}: {problem}", path.display());
                }
            }
        }
    }
    if failed == 0 {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{failed} of {} patches have problems", paths.len());
        Ok(ExitCode::FAILURE)
    }
}
