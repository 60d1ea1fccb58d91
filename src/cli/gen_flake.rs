//! The command line of `nfai gen-flake`.

use std::path::PathBuf;

use clap::Args;

use crate::render::Format;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 written (or shown) and validated with every command resolved, 1 written but \
something is missing (unresolved commands, a syntax error, a failed check; for a model's derivation, none that \
validated: then nothing is written), 2 usage or input error.\n\n\
Examples:\n  nfai gen-flake scripts/deploy.sh scripts/backup.sh\n  nfai gen-flake deploy.sh --dry-run --format json\n  \
nfai gen-flake deploy.sh --nixpkgs github:NixOS/nixpkgs/nixos-24.05 --force\n  nfai gen-flake services/api\n  nfai gen-flake --workspace\n  \
nfai gen-flake tools/zig-app --llm openai   # a model's derivation, validated"
)]
pub struct GenFlakeArgs {
    /// The shell scripts (flake.nix and flake.lock are written in their common directory), or
    /// one project directory, or with --workspace the repository root (default: .).
    #[arg(required_unless_present = "workspace", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Give every component of the repository (project or directory of scripts) a flake and
    /// compose them in a root flake (path inputs following its nixpkgs, devShell with
    /// inputsFrom).
    #[arg(long)]
    pub workspace: bool,
    /// The nixpkgs flake reference to pin; default: the pin of another flake.lock in the
    /// repository, else nixos-unstable.
    #[arg(long, value_name = "FLAKEREF")]
    pub nixpkgs: Option<String>,
    /// Replace an existing flake.nix / flake.lock (the diff is shown first).
    #[arg(long)]
    pub force: bool,
    /// Print the files (or the diff) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub check: crate::cli::check::CheckArgs,
    /// With an LLM backend, the model chooses packages for the commands nfai could not
    /// resolve, among candidates from the project's nixpkgs, and writes the derivation of a
    /// project directory no detector recognises; the flake's checks (confined for the
    /// model's code) confirm them, and nothing is written unless they pass.
    #[command(flatten)]
    pub llm: crate::cli::llm::LlmArgs,
}
