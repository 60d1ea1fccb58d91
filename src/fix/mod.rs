//! Deterministic fixers: for a diagnosed failure, the candidate changes (rnix text edits and
//! commands) that may fix it. Candidates are untrusted until `validate` has checked them.

pub mod hash;
pub mod import_path;
pub mod inputs;
pub mod meta;
pub mod nix_conf;
pub mod project;
pub mod rewrite;
pub mod shell_home;
pub mod untracked;
pub mod variable;

use serde::Serialize;

use crate::diagnose::Finding;
use crate::nix::edit::TextEdit;
pub use project::Project;

/// One proposed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub description: String,
    pub edits: Vec<TextEdit>,
    /// Commands to run in the project root (argv), e.g. `git add --intent-to-add -- x.nix`.
    pub commands: Vec<Vec<String>>,
    /// Nix settings the fix consists of (`--extra-experimental-features ...`): the checks
    /// run with them; making them permanent is the user's nix.conf, outside the project.
    pub nix_args: Vec<String>,
}

/// A family of fixes for one or more categories.
pub trait Fixer: Sync {
    fn categories(&self) -> &'static [&'static str];
    /// The candidates, most likely first.
    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate>;
}

/// Every fixer; a category may have several.
pub static FIXERS: &[&dyn Fixer] = &[
    &hash::HashFix,
    &inputs::InputsFix,
    &variable::FormalFix,
    &shell_home::HomeFix,
    &untracked::GitAddFix,
    &import_path::ImportPathFix,
    &meta::ConfigFix,
    &nix_conf::FeaturesFix,
];

/// The candidates of every fixer for `finding`, without duplicates, at most `limit`.
pub fn candidates(finding: &Finding, project: &Project, limit: usize) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for fixer in FIXERS
        .iter()
        .filter(|f| f.categories().contains(&finding.category))
    {
        for c in fixer.candidates(finding, project) {
            if !out
                .iter()
                .any(|o| o.edits == c.edits && o.commands == c.commands)
            {
                out.push(c);
            }
        }
    }
    out.truncate(limit);
    out
}
