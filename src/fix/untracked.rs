//! untracked_file: `git add --intent-to-add` the file the flake could not see.

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;

pub struct GitAddFix;

impl Fixer for GitAddFix {
    fn categories(&self) -> &'static [&'static str] {
        &["untracked_file"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let Some(path) = finding.fact("path") else {
            return Vec::new();
        };
        if !project.root.join(path).is_file() {
            return Vec::new();
        }
        vec![Candidate {
            description: format!("track {path} in git so the flake's source includes it"),
            edits: Vec::new(),
            commands: vec![["git", "add", "--intent-to-add", "--", path]
                .map(String::from)
                .to_vec()],
            nix_args: Vec::new(),
        }]
    }
}
