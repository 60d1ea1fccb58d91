//! Renders findings for people and machines. Renderers return text; the command layer
//! decides where it goes.

pub mod diff;
pub mod human;
pub mod inert;
pub mod json;
pub mod markdown;
pub mod repro;
pub mod review;
pub mod style;

use crate::diagnose::{Attempt, Fix};

/// Output formats of `explain-failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

/// How far a proposed fix was checked, as every report format states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation<'a> {
    /// Nothing was proposed that could be checked (advice only).
    Silent,
    /// A change is proposed, unchecked (`--no-validate`).
    Skipped,
    /// Candidates were tried and none reached the wanted level.
    Failed,
    /// The proposed change reached `level`, shown by `check` when there is one.
    Reached {
        level: &'a str,
        check: Option<&'a str>,
    },
}

pub fn validation(fix: &Fix) -> Validation<'_> {
    match fix.validated {
        "none" if fix.attempts.is_empty() && fix.diff.is_none() => Validation::Silent,
        "none" if fix.attempts.is_empty() => Validation::Skipped,
        "none" => Validation::Failed,
        level => Validation::Reached {
            level,
            check: fix
                .attempts
                .iter()
                .find(|a| a.validated == level && a.error.is_none())
                .and_then(|a| a.check.as_deref()),
        },
    }
}

/// The candidates that failed and why, listed when no candidate validated.
pub fn failed_attempts(fix: &Fix) -> impl Iterator<Item = (&Attempt, &str)> {
    fix.attempts
        .iter()
        .filter(|_| fix.validated == "none")
        .filter_map(|a| Some((a, a.error.as_deref()?)))
}
