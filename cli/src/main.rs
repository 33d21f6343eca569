//! `chronus`: the headless front end over the engine. Parses the command line (clap) and
//! hands each subcommand to its own file: [`render`] (patch to WAV), [`check`] (validate
//! patches), [`modules`] (the module reference). Everything here runs on the main thread;
//! there is no audio thread, the engine is driven offline.
//!
//! Errors end the program with a message on stderr and a non-zero exit status: 1 for a
//! problem with the input (invalid patch, unreadable file), 2 for bad command-line use.

mod check;
mod modules;
mod patch_file;
mod render;
mod wav;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "chronus",
    version,
    about = "Render, check and list Chronus patches",
    long_about = "Render, check and list Chronus patches.\n\n\
        Chronus is a modular patch engine: a patch (JSON) wires modules (oscillators, \
        envelopes, filters, delays...) together. See README.md and docs/modules.md."
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Render a patch to a 32-bit float stereo WAV file.
    Render(render::RenderArgs),
    /// Validate patches and print every problem with its location.
    Check {
        /// Patch files to check.
        #[arg(required = true, value_name = "PATCH.json")]
        patches: Vec<PathBuf>,
    },
    /// List every module kind with its params and ports.
    Modules {
        /// Print the list as JSON (for tools).
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown module reference (docs/modules.md is generated from this).
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Check { patches } => check::run(&patches),
        Command::Modules { json, markdown } => modules::run(if json {
            modules::Format::Json
        } else if markdown {
            modules::Format::Markdown
        } else {
            modules::Format::Text
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Why a command failed. Every message names the file or argument at fault.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A patch file could not be read or is invalid.
    #[error(transparent)]
    Patch(#[from] patch_file::PatchFileError),
    /// A command-line value is unusable (out of range, unparsable notes).
    #[error("{0}")]
    Usage(String),
    /// The WAV file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Wav {
        /// The output path.
        path: PathBuf,
        /// What went wrong.
        source: hound::Error,
    },
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_and_markdown_conflict() {
        let r = Cli::try_parse_from(["chronus", "modules", "--json", "--markdown"]);
        assert!(r.is_err());
    }
}
