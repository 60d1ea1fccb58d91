//! The result of a diagnosis as plain data: what `--format json` prints, and what every
//! renderer reads.

use serde::Serialize;

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
    /// Lines of the culprit file around the culprit line, for the human report.
    #[serde(skip)]
    pub snippet: Vec<(u32, String)>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Culprit {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub attribute: Option<String>,
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
    pub edits: Vec<serde_json::Value>,
    pub commands: Vec<String>,
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
            snippet: Vec::new(),
        }
    }
}
