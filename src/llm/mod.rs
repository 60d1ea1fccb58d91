//! LLM backends: proposals for failures the deterministic fixers cannot fix. Every answer is
//! untrusted: it crosses `trust` (which files, what text) before it becomes a candidate, and
//! its checks are confined (see `nix::confine`).

pub mod attributes;
pub mod backends;
pub mod client;
pub mod config;
pub mod context;
pub mod derivation;
pub mod keys;
pub mod prompt;
pub mod providers;
pub mod redact;
pub mod rounds;
pub mod transcript;
pub mod trust;

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What is sent to a backend: nfai's own message shape, the same for every backend (and what
/// transcripts record and the cache is keyed by). The user message is already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// Which prompt template (`prompt::Task::name`).
    pub task: String,
    pub system: String,
    pub user: String,
    /// The JSON schema the answer must follow (for servers that enforce one).
    pub schema: Value,
}

impl Prompt {
    /// The prompt of `task` with the user message `user` (already redacted by `context`).
    pub fn new(task: prompt::Task, user: String) -> Prompt {
        Prompt {
            task: task.name().to_owned(),
            system: task.system(),
            user,
            schema: task.schema(),
        }
    }
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
    #[error("replay: {0}")]
    Replay(String),
}

pub type Completion<'a> = Pin<Box<dyn Future<Output = Result<String, LlmError>> + 'a>>;

/// A source of answers: given nfai's prompt, the model's raw text.
pub trait Backend: Sync {
    fn id(&self) -> &'static str;
    /// One line for `--help` and `nfai config show`.
    fn about(&self) -> &'static str;
    fn complete<'a>(&'a self, settings: &'a Settings, prompt: &'a Prompt) -> Completion<'a>;
}

/// Where and how to reach a backend.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Base URL of an OpenAI-compatible API (`…/v1`).
    pub url: Option<String>,
    pub model: Option<String>,
    /// How long one request may take.
    pub timeout: std::time::Duration,
    /// The program of the `command` backend, as a shell-like word list.
    pub command: Option<String>,
    /// The transcript the `replay` backend answers from.
    pub replay: Option<std::path::PathBuf>,
    /// A program that prints the API key (a password manager's CLI), from the user's config.
    pub key_command: Option<String>,
}

/// Every backend; `offline` is the default.
pub static BACKENDS: &[&dyn Backend] = &[
    &backends::offline::Offline,
    &backends::openai::OpenAi,
    &backends::command::CommandBackend,
    &backends::replay::Replay,
];

pub fn backend(id: &str) -> Option<&'static dyn Backend> {
    BACKENDS.iter().copied().find(|b| b.id() == id)
}

/// The longest answer nfai reads; a fix proposal is a few kilobytes.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Parses a backend's answer: the JSON object of `prompts/fix.md`, also when wrapped in a
/// Markdown code fence or surrounded by prose.
pub fn parse_answer(text: &str) -> Result<Vec<Proposal>, LlmError> {
    let object = json_object(text)?;
    #[derive(Deserialize)]
    struct Answer {
        proposals: Vec<Proposal>,
    }
    let answer: Answer = serde_json::from_value(object)
        // serde's message quotes the model's text: say only what was wrong.
        .map_err(|_| LlmError::Answer("not in the shape {\"proposals\": [...]}".into()))?;
    Ok(answer.proposals)
}

/// The JSON object in an answer (the whole text, a fenced block, or the outermost braces).
pub fn json_object(text: &str) -> Result<Value, LlmError> {
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
    serde_json::from_str(text.get(start..=end).unwrap_or_default()).map_err(|e| {
        LlmError::Answer(format!(
            "invalid JSON at line {} column {}",
            e.line(),
            e.column()
        ))
    })
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
