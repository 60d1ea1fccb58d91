//! The LLM options every job shares (backend, server, budget, rounds, record and replay).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
pub struct LlmArgs {
    /// Where proposals and explanations come from: `offline` (no LLM, the default), `openai`
    /// (any OpenAI-compatible server), `command` (a program of yours) or `replay`. Also
    /// NFAI_LLM or `[llm] backend` in the config. Everything a model proposes is validated.
    #[arg(long, value_name = "BACKEND",
          value_parser = clap::builder::PossibleValuesParser::new(crate::llm::BACKENDS.iter().map(|b| b.id())))]
    pub llm: Option<String>,
    /// A known server: openai, openrouter, groq, mistral, deepseek, together, ollama,
    /// llama.cpp, vllm, lm-studio (its usual base URL; --llm-url overrides it).
    #[arg(long, value_name = "NAME")]
    pub llm_server: Option<String>,
    /// Base URL of the OpenAI-compatible API, e.g. `http://localhost:11434/v1` for Ollama.
    #[arg(long, value_name = "URL")]
    pub llm_url: Option<String>,
    /// The model to ask.
    #[arg(long, value_name = "NAME")]
    pub llm_model: Option<String>,
    /// The program of the `command` backend: nfai's prompt as JSON on its stdin, the answer
    /// on its stdout, e.g. `--llm-command "my-agent --json"`.
    #[arg(long, value_name = "COMMAND")]
    pub llm_command: Option<String>,
    /// Seconds one LLM request may take (default 120).
    #[arg(long, value_name = "SECS")]
    pub llm_timeout: Option<u64>,
    /// The most tokens of context sent per request (default 6000).
    #[arg(long, value_name = "N")]
    pub context_tokens: Option<usize>,
    /// The most rounds of ask, check and feed back the new failure (default 3).
    #[arg(long, value_name = "N")]
    pub max_rounds: Option<usize>,
    /// Print exactly what would be sent to the model, and send nothing.
    #[arg(long)]
    pub show_prompt: bool,
    /// Record every exchange to `.nfai/transcripts/<time>-<job>.json` (redacted).
    #[arg(long)]
    pub record: bool,
    /// Answer from a recorded transcript instead of a model (selects the replay backend).
    #[arg(long, value_name = "FILE", conflicts_with = "record")]
    pub replay: Option<PathBuf>,
    /// Do not answer identical requests from the local cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Allow checking a model's proposal even where that reaches the network (a new URL,
    /// fetcher or fixed-output derivation); without it such proposals are shown, not built.
    #[arg(long)]
    pub yes: bool,
}

impl LlmArgs {
    /// The value a flag gives a setting of `llm::config`.
    pub fn flag(&self, name: &str) -> Option<String> {
        match name {
            "backend" => self
                .llm
                .clone()
                .or_else(|| self.replay.as_ref().map(|_| "replay".to_owned())),
            "server" => self.llm_server.clone(),
            "url" => self.llm_url.clone(),
            "model" => self.llm_model.clone(),
            "command" => self.llm_command.clone(),
            "timeout" => self.llm_timeout.map(|n| n.to_string()),
            "context-tokens" => self.context_tokens.map(|n| n.to_string()),
            "max-rounds" => self.max_rounds.map(|n| n.to_string()),
            _ => None,
        }
    }
}
