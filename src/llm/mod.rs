//! LLM backends: proposals for failures the deterministic fixers cannot fix. Every answer is
//! untrusted: it becomes candidate edits only if it names project files and applies cleanly,
//! and then goes through the same validation as any other fix.

pub mod backends;
pub mod prompt;
pub mod redact;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use serde::Deserialize;

use crate::fix::{Candidate, Project};
use crate::nix::edit::TextEdit;

/// What the backend is told about the failure (nfai's own types, not a vendor's).
#[derive(Debug, Clone)]
pub struct Request {
    pub category: String,
    pub summary: String,
    pub explanation: String,
    pub evidence: Vec<String>,
    /// Project files, relative path and (redacted) text.
    pub files: Vec<(String, String)>,
}

/// One proposed change, as the backend answered it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Proposal {
    pub description: String,
    pub edits: Vec<Replace>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Replace {
    pub file: String,
    pub find: String,
    pub replace: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM backend needs {0}")]
    Config(String),
    #[error("the LLM request failed: {0}")]
    Request(String),
    #[error("the LLM answer is not the JSON nfai asked for: {0}")]
    Answer(String),
}

pub type Proposals<'a> = Pin<Box<dyn Future<Output = Result<Vec<Proposal>, LlmError>> + 'a>>;

/// A source of fix proposals.
pub trait Backend: Sync {
    fn id(&self) -> &'static str;
    fn propose<'a>(&'a self, settings: &'a Settings, request: &'a Request) -> Proposals<'a>;
}

/// Where and how to reach a backend.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Base URL of an OpenAI-compatible API (`…/v1`).
    pub url: Option<String>,
    pub model: Option<String>,
}

/// Every backend; `offline` is the default.
pub static BACKENDS: &[&dyn Backend] = &[&backends::offline::Offline, &backends::openai::OpenAi];

pub fn backend(id: &str) -> Option<&'static dyn Backend> {
    BACKENDS.iter().copied().find(|b| b.id() == id)
}

/// Parses a backend's answer: the JSON object of `prompts/fix.md`, also when wrapped in a
/// Markdown code fence or surrounded by prose.
pub fn parse_answer(text: &str) -> Result<Vec<Proposal>, LlmError> {
    #[derive(Deserialize)]
    struct Answer {
        proposals: Vec<Proposal>,
    }
    let start = text
        .find('{')
        .ok_or_else(|| LlmError::Answer("no JSON object".into()))?;
    let end = text
        .rfind('}')
        .ok_or_else(|| LlmError::Answer("no JSON object".into()))?;
    let answer: Answer = serde_json::from_str(text.get(start..=end).unwrap_or_default())
        .map_err(|e| LlmError::Answer(e.to_string()))?;
    Ok(answer.proposals)
}

/// The proposals that can become candidates: every edit names a project file (inside the
/// root) whose `find` text occurs exactly once. The others are returned with the reason.
pub fn candidates(project: &Project, proposals: &[Proposal]) -> (Vec<Candidate>, Vec<String>) {
    let mut good = Vec::new();
    let mut rejected = Vec::new();
    for p in proposals {
        match edits(project, p) {
            Ok(edits) => good.push(Candidate {
                description: format!("{} (proposed by the LLM)", p.description),
                edits,
                commands: Vec::new(),
                nix_args: Vec::new(),
            }),
            Err(why) => rejected.push(format!("{}: {why}", p.description)),
        }
    }
    (good, rejected)
}

fn edits(project: &Project, p: &Proposal) -> Result<Vec<TextEdit>, String> {
    if p.edits.is_empty() {
        return Err("no edits".into());
    }
    p.edits
        .iter()
        .map(|e| {
            let rel = Path::new(&e.file);
            crate::validate::check_inside(&project.root, rel).map_err(|e| e.to_string())?;
            let text = std::fs::read_to_string(project.root.join(rel))
                .map_err(|err| format!("{}: {err}", e.file))?;
            let mut found = text.match_indices(&e.find);
            match (found.next(), found.next()) {
                (Some((at, _)), None) if !e.find.is_empty() => Ok(TextEdit::replace(
                    rel,
                    at..at + e.find.len(),
                    e.replace.clone(),
                )),
                (None, _) => Err(format!("{}: the text to replace is not there", e.file)),
                _ => Err(format!("{}: the text to replace is not unique", e.file)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_fences_and_prose_parse() {
        let text = "Sure!\n```json\n{\"proposals\": [{\"description\": \"d\", \"edits\": [{\"file\": \"a.nix\", \"find\": \"x\", \"replace\": \"y\"}]}]}\n```";
        let p = parse_answer(text).unwrap();
        assert_eq!(p[0].edits[0].replace, "y");
        assert!(parse_answer("I cannot help").is_err());
        assert!(parse_answer("{\"other\": 1}").is_err());
    }

    #[test]
    fn only_unique_finds_in_project_files_become_candidates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flake.nix"), "{ a = x; b = x; c = y; }\n").unwrap();
        let project = Project::load(dir.path());
        let edit = |file: &str, find: &str| Proposal {
            description: find.into(),
            edits: vec![Replace {
                file: file.into(),
                find: find.into(),
                replace: "z".into(),
            }],
        };
        let (good, bad) = candidates(
            &project,
            &[
                edit("flake.nix", "c = y"),
                edit("flake.nix", "x"),
                edit("flake.nix", "q"),
                edit("../etc/passwd", "r"),
            ],
        );
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].edits[0].range, 16..21);
        assert_eq!(bad.len(), 3);
    }
}
