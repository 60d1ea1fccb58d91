//! Any OpenAI-compatible chat-completions server (OpenAI, Ollama, llama.cpp, vLLM, ...),
//! through async-openai. The API key comes from NFAI_LLM_API_KEY, else from the system
//! keyring (service `nfai`, user = the server URL), else none (local servers need none).

use async_openai::config::OpenAIConfig;
use async_openai::Client;
use serde_json::{json, Value};

use crate::llm::{parse_answer, prompt, Backend, LlmError, Proposals, Request, Settings};

pub struct OpenAi;

/// The keyring service the API keys are stored under.
pub const KEYRING_SERVICE: &str = "nfai";

impl Backend for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn propose<'a>(&'a self, settings: &'a Settings, request: &'a Request) -> Proposals<'a> {
        Box::pin(async move {
            let url = settings.url.clone().ok_or_else(|| {
                LlmError::Config("a server URL (--llm-url or NFAI_LLM_URL)".into())
            })?;
            let model = settings.model.clone().ok_or_else(|| {
                LlmError::Config("a model (--llm-model or NFAI_LLM_MODEL)".into())
            })?;
            let mut config = OpenAIConfig::new().with_api_base(url.trim_end_matches('/'));
            if let Some(key) = api_key(&url) {
                config = config.with_api_key(key);
            }
            let body = json!({
                "model": model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": prompt::SYSTEM},
                    {"role": "user", "content": prompt::user(request)},
                ],
            });
            let answer: Value = Client::with_config(config)
                .chat()
                .create_byot(body)
                .await
                .map_err(|e| LlmError::Request(e.to_string()))?;
            let content = answer["choices"][0]["message"]["content"]
                .as_str()
                .ok_or_else(|| LlmError::Answer("no choices[0].message.content".into()))?;
            parse_answer(content)
        })
    }
}

fn api_key(url: &str) -> Option<String> {
    if let Ok(key) = std::env::var("NFAI_LLM_API_KEY") {
        return Some(key);
    }
    keyring::Entry::new(KEYRING_SERVICE, url)
        .and_then(|e| e.get_password())
        .ok()
}
