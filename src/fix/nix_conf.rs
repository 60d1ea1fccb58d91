//! flakes_disabled: the experimental features the command needs. The check runs the command
//! with `--extra-experimental-features`; the lasting fix is a line of the user's nix.conf,
//! which lies outside the project, so nfai shows it rather than writing it.

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;

pub struct FeaturesFix;

impl Fixer for FeaturesFix {
    fn categories(&self) -> &'static [&'static str] {
        &["flakes_disabled"]
    }

    fn candidates(&self, finding: &Finding, _project: &Project) -> Vec<Candidate> {
        let Some(features) = finding.fact("features") else {
            return Vec::new();
        };
        vec![Candidate {
            description: format!(
                "enable the experimental features: add `extra-experimental-features = {features}` \
                 to ~/.config/nix/nix.conf (on NixOS: `nix.settings.experimental-features`)"
            ),
            edits: Vec::new(),
            commands: Vec::new(),
            nix_args: vec!["--extra-experimental-features".into(), features.to_owned()],
        }]
    }
}
