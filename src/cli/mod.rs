//! The command-line interface: every subcommand and flag, as clap definitions.

pub mod check;
pub mod gen_flake;
pub mod llm;
pub mod repro;
pub mod review;

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
    /// Store (or with --delete remove) the API key of an LLM server in the system keyring;
    /// the key is read from standard input. Same as `nfai auth set|delete`.
    #[command(hide = true)]
    LlmKey(LlmKeyArgs),
    /// Keep, check or remove an LLM server's API key in the system keyring.
    Auth(AuthArgs),
    /// Show the effective LLM settings and where each comes from.
    Config(ConfigArgs),
    /// Print the documentation of a failure category, review rule or reproducibility cause.
    Explain(ExplainArgs),
    /// Audit a repository (or a change) for Nix-first policy compliance.
    Review(crate::cli::review::ReviewArgs),
    /// Rebuild outputs and check that they are bit-for-bit the same; say what differs and why.
    Repro(crate::cli::repro::ReproArgs),
    /// Write a pinned flake, validated with Nix, for shell scripts (each packaged with exactly
    /// the tools it runs), a project directory, or every component of a repository.
    GenFlake(crate::cli::gen_flake::GenFlakeArgs),
    /// Print the completion script for a shell, e.g. `nfai completions bash`.
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per command with --out-dir.
    Man(ManArgs),
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
    /// Write the validated fix to the working tree (and run its commands).
    #[arg(long, conflicts_with = "no_validate")]
    pub apply: bool,
    /// With --apply: make the applied fix one git commit whose message carries the
    /// change-request id ID (default: `change-request-id` in .nfai.toml) and says how the
    /// fix was validated. Refused when other changes are staged.
    #[arg(long, value_name = "ID", num_args = 0..=1, require_equals = true, default_missing_value = "", requires = "apply")]
    pub commit: Option<String>,
    #[command(flatten)]
    pub check: crate::cli::check::CheckArgs,
    #[command(flatten)]
    pub llm: crate::cli::llm::LlmArgs,
    /// How many candidate fixes to try at most.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_candidates: usize,
    /// The Nix command to run and explain, e.g. `-- nix build .#foo`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A category id (e.g. hash_mismatch), review rule code (e.g. NF001) or reproducibility
    /// cause (e.g. timestamp).
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// List every id with its title.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub action: AuthAction,
    /// The server's base URL (default: the configured `url`).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// The backend whose server is meant (default: the configured backend).
    #[arg(long, global = true, value_name = "BACKEND")]
    pub backend: Option<String>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum AuthAction {
    /// Store the key read from standard input.
    Set,
    /// Say where the key for the server comes from, without printing it.
    Status,
    /// Remove the stored key.
    Delete,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print every LLM setting, its value and where it came from.
    Show(crate::cli::llm::LlmArgs),
}

#[derive(Debug, Args)]
pub struct LlmKeyArgs {
    /// The server's base URL, as given to --llm-url.
    #[arg(long, env = "NFAI_LLM_URL", value_name = "URL")]
    pub url: String,
    /// Remove the stored key instead.
    #[arg(long)]
    pub delete: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write nfai.1 and nfai-COMMAND.1 into DIR (created if missing) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}
