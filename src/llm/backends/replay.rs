//! Answers from a recorded transcript (`--replay FILE`), with no network: the same request
//! gets the recorded answer; a request that differs fails, saying where.

use crate::llm::transcript::Transcript;
use crate::llm::{Backend, Completion, LlmError, Prompt, Settings};

pub struct Replay;

impl Backend for Replay {
    fn id(&self) -> &'static str {
        "replay"
    }

    fn about(&self) -> &'static str {
        "answers from a transcript recorded with --record (--replay FILE)"
    }

    fn complete<'a>(&'a self, settings: &'a Settings, prompt: &'a Prompt) -> Completion<'a> {
        Box::pin(async move {
            let path = settings
                .replay
                .as_deref()
                .ok_or_else(|| LlmError::Config("a transcript (--replay FILE)".into()))?;
            Transcript::load(path)?.answer(prompt)
        })
    }
}
