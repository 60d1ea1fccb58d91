//! `nfai repro`: the model of a rebuild-and-compare, and how the differences between two
//! outputs of one derivation become a verdict with a likely cause. Running Nix is left to
//! `nix::runner`, printing to `render::repro`.

pub mod archive;
pub mod causes;
pub mod compare;
pub mod nix_output;
pub mod region;

use serde::Serialize;

/// How a path differs between the first output and the rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One path that differs, with the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    /// Relative to the output (`.` for an output that is a single file or symlink).
    pub path: String,
    pub change: Change,
    /// What differs: the first differing region with context, or the archive entries.
    pub detail: String,
    /// What the cause classifiers look at.
    #[serde(skip)]
    pub facts: Facts,
}

/// Machine-readable traits of a difference, for the cause classifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Lines of the first differing region only in the first output / only in the rebuild.
    pub removed: Vec<String>,
    pub added: Vec<String>,
    /// The same lines (or archive entries) in another order.
    pub reordered: bool,
    /// Metadata that differs, e.g. an archive entry's `mtime` or a gzip header's.
    pub fields: Vec<Field>,
}

impl Facts {
    pub fn merge(&mut self, other: Facts) {
        self.removed.extend(other.removed);
        self.added.extend(other.added);
        self.reordered |= other.reordered;
        self.fields.extend(other.fields);
    }

    /// The words of the rebuild's differing lines that the first output's lines lack (and
    /// the other way round): what actually changed inside the lines.
    pub fn changed_words(&self) -> Vec<&str> {
        fn words(lines: &[String]) -> Vec<&str> {
            lines
                .iter()
                .flat_map(|l| l.split(|c: char| c.is_whitespace() || "\"'`,;()[]{}<>=".contains(c)))
                .filter(|s| !s.is_empty())
                .collect()
        }
        let (before, after) = (words(&self.removed), words(&self.added));
        let mut out: Vec<&str> = after
            .iter()
            .filter(|w| !before.contains(w))
            .chain(before.iter().filter(|w| !after.contains(w)))
            .copied()
            .collect();
        out.dedup();
        out
    }
}

/// A metadata field that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `mtime`, `order`, `owner`, `mode`, `name`.
    pub name: &'static str,
    pub before: String,
    pub after: String,
}

/// The verdict about one installable.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub installable: String,
    pub derivation: String,
    pub reproducible: bool,
    /// Rebuilds done (the last one differed when not reproducible).
    pub rounds: u32,
    pub files: Vec<FileChange>,
    pub cause: Option<&'static str>,
    pub fix: Option<&'static str>,
    /// The output paths compared: the first build's and the kept rebuild's.
    #[serde(skip)]
    pub compared: Vec<(String, String)>,
}

impl Outcome {
    pub fn reproducible(installable: &str, derivation: &str, rounds: u32) -> Outcome {
        Outcome {
            installable: installable.to_owned(),
            derivation: derivation.to_owned(),
            reproducible: true,
            rounds,
            files: Vec::new(),
            cause: None,
            fix: None,
            compared: Vec::new(),
        }
    }

    /// Marks the outcome as differing with `files`, naming the likeliest cause.
    pub fn differs(&mut self, files: Vec<FileChange>, compared: Vec<(String, String)>) {
        let cause = causes::overall(&files);
        self.reproducible = false;
        self.cause = Some(cause.id());
        self.fix = Some(cause.fix());
        self.files = files;
        self.compared = compared;
    }
}

/// The report of a `nfai repro` run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub results: Vec<Outcome>,
}

impl Report {
    pub fn all_reproducible(&self) -> bool {
        self.results.iter().all(|r| r.reproducible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_words_are_the_words_that_differ() {
        let facts = Facts {
            removed: vec!["built at 12:00:01 on host".into()],
            added: vec!["built at 12:00:02 on host".into()],
            ..Facts::default()
        };
        assert_eq!(facts.changed_words(), ["12:00:02", "12:00:01"]);
    }
}
