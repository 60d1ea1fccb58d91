//! The result of a diagnosis as plain data: what `--format json` prints, and what every
//! renderer reads.

use serde::Serialize;

use crate::nix::edit::TextEdit;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub category: &'static str,
    pub confidence: f32,
    pub summary: String,
    pub explanation: String,
    pub derivation: Option<String>,
    pub package: Option<String>,
    pub culprit: Option<Culprit>,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Fix>,
    pub secondary: Vec<Secondary>,
    /// The LLM's plain-language account of nfai's finding (quoted, never instead of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_explanation: Option<String>,
    /// Lines of the culprit file around the culprit line, for the human report.
    #[serde(skip)]
    pub snippet: Vec<(u32, String)>,
    /// The classifier's facts for the fixers (see `Verdict::facts`).
    #[serde(skip)]
    pub facts: Vec<(&'static str, String)>,
}

impl Finding {
    /// The value of a classifier fact.
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Culprit {
    /// The working tree's file (relative to the project root) when `local`, else the path as
    /// the log gives it.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub attribute: Option<String>,
    /// `file` is a file of the working tree, confirmed by its content (the line Nix or the
    /// compiler quoted, the text the message names) or named by the log as a path in the tree.
    pub local: bool,
    /// The path inside the source tree the file belongs to: `modules/common.nix` for
    /// `/nix/store/<hash>-source/modules/common.nix`, `src/foo.c` for a compiler's
    /// `/build/foo-1.2/src/foo.c`.
    pub source_path: Option<String>,
}

impl Culprit {
    /// The culprit file when it is in the working tree: the only one to read or edit.
    pub fn local_file(&self) -> Option<&str> {
        self.file.as_deref().filter(|_| self.local)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    pub line: u64,
    pub text: String,
    /// Where the line was read when it is not the analysed log itself: the full build log
    /// fetched from the store for a derivation (`nix log <drv>`).
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<TextEdit>,
    pub commands: Vec<String>,
    /// The unified diff of `edits`.
    pub diff: Option<String>,
    /// How far the proposed change was checked: none, parse, eval or build.
    pub validated: &'static str,
    /// Every candidate tried, in order.
    pub attempts: Vec<Attempt>,
    /// The LLM repair loop's rounds, when a model was asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<crate::llm::rounds::Round>,
}

/// One candidate fix and how far its checks got.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Attempt {
    pub description: String,
    pub diff: String,
    pub validated: &'static str,
    /// What stopped it below the wanted level.
    pub error: Option<String>,
    /// The check that reached `validated`, e.g. `nix build .#foo`.
    pub check: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Secondary {
    pub category: &'static str,
    pub summary: String,
    pub derivation: Option<String>,
}

impl Finding {
    /// The finding for a log in which nothing failed.
    pub fn no_failure(explanation: &str) -> Finding {
        Finding {
            category: "no_failure",
            confidence: 1.0,
            summary: "no failure found".to_owned(),
            explanation: explanation.to_owned(),
            derivation: None,
            package: None,
            culprit: None,
            evidence: Vec::new(),
            fix: None,
            secondary: Vec::new(),
            model_explanation: None,
            snippet: Vec::new(),
            facts: Vec::new(),
        }
    }
}
