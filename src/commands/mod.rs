//! One file per subcommand: orchestration only. This layer is the only one that writes
//! user files and decides exit codes.

pub mod auth;
pub mod commit;
pub mod completions;
pub mod config;
pub mod explain;
pub mod explain_failure;
pub mod fix;
pub mod gen_derivation;
pub mod gen_flake;
pub mod man;
pub mod progress;
pub mod repro;
pub mod review;

use crate::cli::{Cli, Command};
use crate::render::style::Style;

/// An error in what the user gave nfai (arguments, input); exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// The user interrupted nfai (Ctrl-C); exits with 130 like a shell.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// A failure of nfai after the user's command ran: reported, but the exit code stays the
/// command's, so nfai never hides a success or changes a failure.
#[derive(Debug, thiserror::Error)]
#[error("{error:#}")]
pub struct AfterCommand {
    pub code: i32,
    pub error: anyhow::Error,
}

/// Runs the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let style = Style::new(cli.color);
    match cli.command {
        Command::ExplainFailure(args) => explain_failure::run(&args, style),
        Command::Explain(args) => explain::run(&args),
        Command::LlmKey(args) => auth::llm_key(&args),
        Command::Auth(args) => auth::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Review(args) => review::run(&args, style),
        Command::Repro(args) => repro::run(&args, style),
        Command::GenFlake(args) => gen_flake::run(&args, style),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}
