//! The default backend: no LLM at all. nfai's deterministic classifiers and fixers are the
//! offline answer; this backend proposes nothing and never touches the network.

use crate::llm::{Backend, Completion, Prompt, Settings};

pub struct Offline;

impl Backend for Offline {
    fn id(&self) -> &'static str {
        "offline"
    }

    fn about(&self) -> &'static str {
        "no LLM: nfai's deterministic rules only (the default)"
    }

    fn complete<'a>(&'a self, _settings: &'a Settings, _prompt: &'a Prompt) -> Completion<'a> {
        Box::pin(async { Ok("{\"proposals\": [], \"explanation\": \"\"}".to_owned()) })
    }
}
