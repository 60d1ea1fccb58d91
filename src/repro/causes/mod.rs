//! The registry of causes of unreproducible outputs: one file per cause, one line here per
//! cause. Each has a stable id, a doc page (`nfai explain <id>`) and a concrete fix.

use super::FileChange;

mod build_path;
mod host_identity;
mod ordering;
mod random;
mod timestamp;
mod unknown;

/// One cause of nondeterminism.
pub trait Cause: Sync {
    /// The stable id used in `--format json` and `nfai explain`.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// Markdown: what it is, how nfai recognises it, and how to fix it.
    fn doc(&self) -> &'static str;
    /// The fix, in one or two sentences, for reports.
    fn fix(&self) -> &'static str;
    /// Whether this cause explains `change`.
    fn explains(&self, change: &FileChange) -> bool;
}

/// Every cause, most specific first: the first that explains a change is its cause.
pub static CAUSES: &[&dyn Cause] = &[
    &ordering::Ordering,
    &timestamp::Timestamp,
    &build_path::BuildPath,
    &host_identity::HostIdentity,
    &random::Random,
    &unknown::Unknown,
];

pub fn cause(id: &str) -> Option<&'static dyn Cause> {
    CAUSES.iter().copied().find(|c| c.id() == id)
}

/// The cause of one changed path.
pub fn of(change: &FileChange) -> &'static dyn Cause {
    CAUSES
        .iter()
        .copied()
        .find(|c| c.explains(change))
        .unwrap_or(&unknown::Unknown)
}

/// The cause of a whole difference: the most specific cause of any changed path, so a
/// known cause is not hidden by files nfai cannot explain.
pub fn overall(files: &[FileChange]) -> &'static dyn Cause {
    files
        .iter()
        .map(|f| {
            CAUSES
                .iter()
                .position(|c| c.id() == of(f).id())
                .unwrap_or(CAUSES.len() - 1)
        })
        .min()
        .map_or(&unknown::Unknown, |i| CAUSES[i])
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::repro::{Change, Facts, FileChange};

    /// A changed file whose first differing lines are `before` and `after`.
    pub fn lines(before: &str, after: &str) -> FileChange {
        with(Facts {
            removed: vec![before.to_owned()],
            added: vec![after.to_owned()],
            ..Facts::default()
        })
    }

    pub fn with(facts: Facts) -> FileChange {
        FileChange {
            path: "x".into(),
            change: Change::Changed,
            detail: String::new(),
            facts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::lines;
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        for (i, c) in CAUSES.iter().enumerate() {
            assert!(CAUSES[..i].iter().all(|d| d.id() != c.id()), "{}", c.id());
            assert!(
                crate::diagnose::category(c.id()).is_none(),
                "{} is a category id",
                c.id()
            );
            assert!(
                c.doc().contains("Fix:") && !c.fix().is_empty(),
                "{}",
                c.id()
            );
        }
    }

    #[test]
    fn the_most_specific_cause_wins() {
        let files = [
            lines("a", "b"),
            lines("id 4711", "id 1234"),
            lines("at 10:00:01", "at 10:00:02"),
        ];
        assert_eq!(overall(&files).id(), "timestamp");
        assert_eq!(overall(&files[..1]).id(), "unknown");
        assert_eq!(overall(&[]).id(), "unknown");
    }
}
