//! writable_home: gives the build a writable HOME (`export HOME=$TMPDIR`) in the hook of
//! the phase that needed it, else early enough for every later phase.

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;

pub struct HomeFix;

const LINE: &str = "export HOME=$TMPDIR";

impl Fixer for HomeFix {
    fn categories(&self) -> &'static [&'static str] {
        &["writable_home"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let Some(pname) = finding.package.as_deref() else {
            return Vec::new();
        };
        let Some((file, drv)) = project.derivation(pname) else {
            return Vec::new();
        };
        // The classifier names the hook of the phase that needed HOME, when the log shows it.
        let mut hooks: Vec<String> = finding
            .fact("hook")
            .map(str::to_owned)
            .into_iter()
            .collect();
        for h in ["preConfigure", "preBuild", "preInstall"] {
            if !hooks.iter().any(|x| x == h) {
                hooks.push(h.to_owned());
            }
        }
        hooks
            .into_iter()
            .filter_map(|hook| {
                let edit = file.add_hook_line(&drv, &hook, LINE)?;
                Some(Candidate {
                    description: format!(
                        "set a writable HOME in {hook} of {pname} ({})",
                        file.path.display()
                    ),
                    edits: vec![edit],
                    commands: Vec::new(),
                    nix_args: Vec::new(),
                })
            })
            .collect()
    }
}
