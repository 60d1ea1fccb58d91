//! The command-line interface: every subcommand and flag, as clap definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::render::style::ColorChoice;
use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "nfai",
    version,
    about = "Explains failing Nix builds, offline first"
)]
pub struct Cli {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the root cause of a failed nix build / develop / flake check / nix-build.
    ExplainFailure(ExplainFailureArgs),
    /// Print the documentation of a failure category or review rule.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  nfai explain-failure -- nix build .#foo\n  nix build .#foo 2>&1 | nfai explain-failure\n  nfai explain-failure --log build.log --format json"
)]
pub struct ExplainFailureArgs {
    /// Read the log from FILE ('-' for standard input) instead of running a command.
    #[arg(long, value_name = "FILE", conflicts_with = "command")]
    pub log: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The directory the log's paths refer to (the flake or project); default: the
    /// command's flake directory, else the current directory.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Do not fetch full build logs from the Nix store when the log shows only their tail.
    #[arg(long)]
    pub no_fetch_log: bool,
    /// The Nix command to run and explain, e.g. `-- nix build .#foo`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A category id (e.g. hash_mismatch).
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// List every id with its title.
    #[arg(long)]
    pub list: bool,
}
