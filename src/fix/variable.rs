//! undefined_variable: when the undefined name is a package used inside a package function,
//! adds it to the function's arguments so callPackage passes it.

use std::path::Path;

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::knowledge as packages;

pub struct FormalFix;

impl Fixer for FormalFix {
    fn categories(&self) -> &'static [&'static str] {
        &["undefined_variable"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let Some(name) = finding.fact("name") else {
            return Vec::new();
        };
        if packages::for_command(name) != Some(name) && packages::for_library(name) != Some(name) {
            return Vec::new();
        }
        let Some(file) = finding
            .culprit
            .as_ref()
            .and_then(|c| c.local_file())
            .and_then(|f| project.file(Path::new(f)))
        else {
            return Vec::new();
        };
        file.add_formal(name)
            .map(|edit| Candidate {
                description: format!(
                    "add `{name}` to the arguments of the function in {}",
                    file.path.display()
                ),
                edits: vec![edit],
                commands: Vec::new(),
                nix_args: Vec::new(),
            })
            .into_iter()
            .collect()
    }
}
