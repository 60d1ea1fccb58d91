//! The command-line interface: every subcommand and flag, as clap definitions.

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
    /// the key is read from standard input.
    LlmKey(LlmKeyArgs),
    /// Print the documentation of a failure category or review rule.
    Explain(ExplainArgs),
    /// Audit a repository (or a change) for Nix-first policy compliance.
    Review(crate::cli::review::ReviewArgs),
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
    #[arg(long)]
    pub apply: bool,
    /// The level a fix must reach to be shown as validated; default: build when nfai runs
    /// the command, else eval.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub validate: Option<crate::validate::Level>,
    /// Show fix proposals without checking them (clearly labelled unvalidated).
    #[arg(long, conflicts_with_all = ["validate", "apply"])]
    pub no_validate: bool,
    /// An extra argument for the Nix checks of a fix (repeat it), e.g.
    /// `--nix-arg=--override-input --nix-arg=nixpkgs --nix-arg=path:../nixpkgs`.
    #[arg(long = "nix-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub nix_args: Vec<String>,
    /// Seconds each check of a fix may take.
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pub step_timeout: u64,
    /// Where fix proposals come from when nfai's own fixers know none: `offline` (no LLM,
    /// the default) or `openai` (any OpenAI-compatible server). Proposals are validated
    /// like any other fix.
    #[arg(long, default_value = "offline", value_name = "BACKEND",
          value_parser = clap::builder::PossibleValuesParser::new(crate::llm::BACKENDS.iter().map(|b| b.id())))]
    pub llm: String,
    /// Base URL of the OpenAI-compatible API, e.g. `http://localhost:11434/v1` for Ollama.
    #[arg(long, env = "NFAI_LLM_URL", value_name = "URL")]
    pub llm_url: Option<String>,
    /// The model to ask.
    #[arg(long, env = "NFAI_LLM_MODEL", value_name = "NAME")]
    pub llm_model: Option<String>,
    /// How many candidate fixes to try at most.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_candidates: usize,
    /// The Nix command to run and explain, e.g. `-- nix build .#foo`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A category id (e.g. hash_mismatch) or review rule code (e.g. NF001).
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// List every id with its title.
    #[arg(long)]
    pub list: bool,
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
