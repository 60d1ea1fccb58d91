//! The repair loop's judgement of each round, the way vibenix tracks it: a new, later error
//! is progress (its attempt is shown to the model next round); the same error again is
//! stagnation (the loop ends early); an earlier error is regress (the attempt is dropped).

use serde::Serialize;

use crate::validate::Level;

/// How a round's best attempt compares with the best so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// An attempt reached the wanted level.
    Validated,
    Progress,
    Stagnation,
    Regress,
    /// No proposal survived the trust gate (or the model proposed none).
    NoProposals,
    /// The backend failed; the loop ends.
    Failed,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Validated => "validated",
            Verdict::Progress => "progress",
            Verdict::Stagnation => "stagnation",
            Verdict::Regress => "regress",
            Verdict::NoProposals => "no usable proposal",
            Verdict::Failed => "backend failed",
        }
    }
}

/// Where a check stopped: the level reached and the failure as nfai diagnosed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub level: Level,
    pub failure: String,
}

impl Stop {
    /// Where a check that failed with `error` stopped, without the command that found it, so
    /// that the same failure of two attempts compares equal.
    pub fn new(level: Level, error: &str) -> Stop {
        Stop {
            level,
            failure: error
                .rsplit_once(" failed: ")
                .map_or(error, |(_, w)| w)
                .to_owned(),
        }
    }
}

/// One round, for the JSON report and the live progress line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    pub round: usize,
    pub proposals: usize,
    pub dropped: usize,
    pub verdict: Verdict,
    /// The best attempt's failure, when none validated.
    pub failure: Option<String>,
}

impl Round {
    /// The live progress line of this round of `of` (the failure is Nix's or the model's
    /// words: made inert).
    pub fn line(&self, of: usize) -> String {
        let what = self.failure.as_deref().map_or(String::new(), |f| {
            format!(": {}", crate::render::inert::inert(f))
        });
        format!("round {}/{of}: {}{what}", self.round, self.verdict.name())
    }
}

/// Compares a round's best stop with the best so far (at first, the original failure).
pub fn judge(best: &Stop, new: &Stop) -> Verdict {
    if new.level < best.level {
        Verdict::Regress
    } else if new.level == best.level && new.failure == best.failure {
        Verdict::Stagnation
    } else {
        Verdict::Progress
    }
}

/// The best of a round's stops: the furthest level, first among equals.
pub fn best(stops: &[Stop]) -> Option<&Stop> {
    stops.iter().rev().max_by_key(|s| s.level)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(level: Level, failure: &str) -> Stop {
        Stop {
            level,
            failure: failure.into(),
        }
    }

    #[test]
    fn later_errors_progress_same_stagnate_earlier_regress() {
        let original = stop(Level::Parse, "undefined_variable: undefined variable 'x'");
        assert_eq!(
            judge(&original, &stop(Level::Eval, "compile_error: x")),
            Verdict::Progress
        );
        assert_eq!(
            judge(&original, &stop(Level::Parse, "missing_attribute: y")),
            Verdict::Progress,
            "a new error at the same stage"
        );
        assert_eq!(judge(&original, &original.clone()), Verdict::Stagnation);
        assert_eq!(
            judge(&stop(Level::Eval, "a"), &stop(Level::Parse, "b")),
            Verdict::Regress
        );
        let stops = [
            stop(Level::None, "a"),
            stop(Level::Eval, "b"),
            stop(Level::Eval, "c"),
        ];
        assert_eq!(best(&stops).unwrap().failure, "b");
    }
}
