//! The options of the Nix checks every job runs on what it proposes or writes (explain-failure's
//! fixes, gen-flake's flakes): how far to check, extra Nix arguments, how long a step may take.

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The level a result must reach to be shown as validated: parse, eval or build (default:
    /// build; eval when explain-failure reads a log rather than running the command).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub validate: Option<crate::validate::Level>,
    /// Show (or write, for gen-flake) the result without checking it, labelled unvalidated.
    #[arg(long, conflicts_with = "validate")]
    pub no_validate: bool,
    /// An extra argument for the Nix checks (repeat it), e.g.
    /// `--nix-arg=--override-input --nix-arg=nixpkgs --nix-arg=path:../nixpkgs`.
    #[arg(long = "nix-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub nix_args: Vec<String>,
    /// Seconds each check may take.
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pub step_timeout: u64,
}
