//! The command line of `nfai review`.

use std::path::PathBuf;

use clap::Args;

use crate::render::review::ReviewFormat;

/// The lowest severity that makes `review` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Always exit 0 when the review ran.
    Never,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.\n\nExamples:\n  nfai review\n  nfai review --diff origin/main --format github\n  nfai review --fix --dry-run\n  nfai review --list-rules"
)]
pub struct ReviewArgs {
    /// The repository or directory to review.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Report only findings in files changed since the merge base with BASE (plus
    /// repo-level findings those changes cause), and check the commits BASE..HEAD.
    #[arg(long, value_name = "BASE")]
    pub diff: Option<String>,
    /// Check the messages of the commits in RANGE (e.g. `main..HEAD`) for change-request ids.
    #[arg(long, value_name = "RANGE")]
    pub commits: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Human)]
    pub format: ReviewFormat,
    /// Apply the safe fixes (the diff is shown first), then review again.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: only show the diff, change nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// With --fix: make the fixes one git commit whose message carries the change-request
    /// id ID (default: `change-request-id` in .nfai.toml). Refused when other changes are
    /// staged.
    #[arg(long, value_name = "ID", num_args = 0..=1, require_equals = true, default_missing_value = "", requires = "fix", conflicts_with = "dry_run")]
    pub commit: Option<String>,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// List the rules: codes, names, default severities.
    #[arg(long)]
    pub list_rules: bool,
    /// Read the configuration from FILE instead of PATH/.nfai.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With --fix: an extra argument for the Nix checks of what it writes (repeat it), e.g.
    /// `--nix-arg=--override-input --nix-arg=nixpkgs --nix-arg=path:../nixpkgs`.
    #[arg(
        long = "nix-arg",
        value_name = "ARG",
        allow_hyphen_values = true,
        requires = "fix"
    )]
    pub nix_args: Vec<String>,
    /// With --fix: a model proposes fixes for the findings no rule can fix; only the ones
    /// Nix evaluates are applied.
    #[command(flatten)]
    pub llm: crate::cli::llm::LlmArgs,
}
