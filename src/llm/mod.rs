//! LLM backends: proposals for failures the deterministic fixers cannot fix. Every answer is
//! untrusted: it crosses `trust` (which files, what text) before it becomes a candidate, and
//! its checks are confined (see `nix::confine`).

pub mod backends;
pub mod keys;
pub mod prompt;
pub mod providers;
pub mod redact;
pub mod trust;

use std::future::Future;
use std::pin::Pin;

use serde::Deserialize;

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
    /// How long one request may take.
    pub timeout: std::time::Duration,
}

/// Every backend; `offline` is the default.
pub static BACKENDS: &[&dyn Backend] = &[&backends::offline::Offline, &backends::openai::OpenAi];

pub fn backend(id: &str) -> Option<&'static dyn Backend> {
    BACKENDS.iter().copied().find(|b| b.id() == id)
}

/// The longest answer nfai reads; a fix proposal is a few kilobytes.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Parses a backend's answer: the JSON object of `prompts/fix.md`, also when wrapped in a
/// Markdown code fence or surrounded by prose.
pub fn parse_answer(text: &str) -> Result<Vec<Proposal>, LlmError> {
    #[derive(Deserialize)]
    struct Answer {
        proposals: Vec<Proposal>,
    }
    if text.len() > MAX_ANSWER_BYTES {
        return Err(LlmError::Answer(format!(
            "it is {} bytes long, more than the {MAX_ANSWER_BYTES} nfai reads",
            text.len()
        )));
    }
    let start = text
        .find('{')
        .ok_or_else(|| LlmError::Answer("no JSON object".into()))?;
    let end = text
        .rfind('}')
        .ok_or_else(|| LlmError::Answer("no JSON object".into()))?;
    let answer: Answer = serde_json::from_str(text.get(start..=end).unwrap_or_default())
        // serde's message quotes the model's text: keep only where it failed.
        .map_err(|e| {
            LlmError::Answer(format!(
                "invalid JSON at line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
    Ok(answer.proposals)
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
}
