//! The command line of `nfai repro`.

use clap::Args;

use crate::render::Format;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 all reproducible, 1 some output differs, 2 bad input or a build that fails outright.\n\nExamples:\n  nfai repro\n  nfai repro .#hello --rounds 3\n  nfai repro --compare ./result ./result-ci\n  nfai repro --format markdown >> \"$GITHUB_STEP_SUMMARY\""
)]
pub struct ReproArgs {
    /// What to check (e.g. `.#hello`); default: every package and check of the flake in
    /// the current directory for the current system.
    #[arg(value_name = "INSTALLABLE")]
    pub installables: Vec<String>,
    /// Compare two existing outputs (e.g. a CI build and a local one) instead of building:
    /// the same report, without Nix.
    #[arg(long, num_args = 2, value_names = ["FIRST", "SECOND"], conflicts_with = "installables")]
    pub compare: Option<Vec<std::path::PathBuf>>,
    /// How many times to rebuild each output (stops at the first difference); more rounds
    /// catch rarer nondeterminism.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also hand the two outputs to diffoscope (when it is installed); its report goes to
    /// standard error unless the format is human.
    #[arg(long)]
    pub diffoscope: bool,
    /// An extra argument for every Nix command (repeat it), e.g.
    /// `--nix-arg=--override-input --nix-arg=nixpkgs --nix-arg=path:../nixpkgs`.
    #[arg(long = "nix-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub nix_args: Vec<String>,
    /// When a build fails: do not fetch its full log from the Nix store for the diagnosis.
    #[arg(long)]
    pub no_fetch_log: bool,
}
