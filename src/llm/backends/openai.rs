//! Any OpenAI-compatible chat-completions server (OpenAI, Ollama, llama.cpp, vLLM, ...),
//! through async-openai. Nothing is read from async-openai's environment defaults: the URL
//! is the one given, and the key is the one `llm::keys` allows for that URL.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::Client;
use serde_json::{json, Value};

use crate::llm::{keys, parse_answer, prompt, Backend, LlmError, Proposals, Request, Settings};

pub struct OpenAi;

/// How long connecting to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Backend for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn propose<'a>(&'a self, settings: &'a Settings, request: &'a Request) -> Proposals<'a> {
        Box::pin(async move {
            let url = settings.url.clone().ok_or_else(|| {
                LlmError::Config("a server URL (--llm-url or NFAI_LLM_URL)".into())
            })?;
            check_url(&url)?;
            let model = settings.model.clone().ok_or_else(|| {
                LlmError::Config("a model (--llm-model or NFAI_LLM_MODEL)".into())
            })?;
            let key = keys::api_key(&url);
            // Explicit values everywhere: async-openai's defaults read OPENAI_API_KEY,
            // OPENAI_ORG_ID and OPENAI_PROJECT_ID, which must not go to any other server.
            let config = OpenAIConfig::new()
                .with_api_base(url.trim_end_matches('/'))
                .with_api_key(key.as_ref().map_or("", |(k, _)| k.as_str()))
                .with_org_id("")
                .with_project_id("");
            let http = reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(settings.timeout)
                .build()
                .map_err(|e| LlmError::Request(e.to_string()))?;
            let body = json!({
                "model": model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": prompt::SYSTEM},
                    {"role": "user", "content": prompt::user(request)},
                ],
            });
            let answer: Value = Client::with_config(config)
                .with_http_client(http)
                .chat()
                .create_byot(body)
                .await
                .map_err(|e| {
                    let source = key
                        .as_ref()
                        .map_or("no key".into(), |(_, s)| format!("the key from {s}"));
                    LlmError::Request(format!("{e} (sent {source})"))
                })?;
            let content = answer["choices"][0]["message"]["content"]
                .as_str()
                .ok_or_else(|| LlmError::Answer("no choices[0].message.content".into()))?;
            parse_answer(content)
        })
    }
}

/// An http(s) URL with a host, or a message that names what was given.
fn check_url(url: &str) -> Result<(), LlmError> {
    let bad = |why: &str| LlmError::Config(format!("a valid --llm-url: `{url}` {why}"));
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("is not http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("names no host"));
    }
    Ok(())
}
