//! Any OpenAI-compatible chat-completions server (OpenAI, OpenRouter, Ollama, llama.cpp,
//! vLLM, LM Studio, ...), through async-openai. Nothing is read from async-openai's
//! environment defaults: the URL is the one given, and the key is the one `llm::keys` allows
//! for that URL. Structured output (a JSON schema) where the server takes it. Rate limits,
//! server errors and refused connections are retried by async-openai's own retry layer (three
//! times, with backoff, honouring Retry-After), within the request's timeout.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::Client;
use serde_json::{json, Value};

use crate::llm::{keys, Backend, Completion, LlmError, Prompt, Settings};

pub struct OpenAi;

/// How long connecting to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Backend for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn about(&self) -> &'static str {
        "any OpenAI-compatible chat-completions server (--llm-url, --llm-model)"
    }

    fn complete<'a>(&'a self, settings: &'a Settings, prompt: &'a Prompt) -> Completion<'a> {
        Box::pin(async move {
            let url = settings.url.clone().ok_or_else(|| {
                LlmError::Config("a server URL (--llm-url or NFAI_LLM_URL)".into())
            })?;
            check_url(&url)?;
            let model = settings.model.clone().ok_or_else(|| {
                LlmError::Config("a model (--llm-model or NFAI_LLM_MODEL)".into())
            })?;
            let key = keys::api_key(&url, settings.key_command.as_deref());
            if let (None, Some(p)) = (&key, crate::llm::providers::for_url(&url)) {
                return Err(LlmError::Config(format!(
                    "a key for {} ({} or NFAI_API_KEY, or `nfai auth set --url {url}`)",
                    p.name, p.key_var
                )));
            }
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
            let client = Client::with_config(config).with_http_client(http);
            let mut body = json!({
                "model": model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": format!("nfai_{}", prompt.task), "schema": prompt.schema, "strict": true}},
            });
            let source = key
                .as_ref()
                .map_or("no key".to_owned(), |(_, s)| format!("the key from {s}"));
            let answer: Value = loop {
                match client.chat().create_byot(body.clone()).await {
                    Ok(v) => break v,
                    Err(OpenAIError::ApiError(e)) => {
                        let status = e.status_code.as_u16();
                        if status == 400 && body.get("response_format").is_some() {
                            // A server without structured output: the prompt asks for JSON too.
                            body.as_object_mut().map(|b| b.remove("response_format"));
                            continue;
                        }
                        return Err(LlmError::Request(match status {
                            401 | 403 => {
                                format!("the server refused the key ({status}; sent {source})")
                            }
                            404 => not_found(&client, &model).await,
                            _ => format!("the server answered {status}: {}", e.api_error.message),
                        }));
                    }
                    Err(e) => {
                        return Err(LlmError::Request(format!("{} (sent {source})", causes(&e))))
                    }
                }
            };
            answer["choices"][0]["message"]["content"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| LlmError::Answer("no choices[0].message.content".into()))
        })
    }
}

/// A 404: most often an unknown model; the server's models when it lists them.
async fn not_found(client: &Client<OpenAIConfig>, model: &str) -> String {
    let listed: Result<Value, _> = client.models().list_byot().await;
    let names: Vec<String> = listed
        .ok()
        .and_then(|v| v["data"].as_array().cloned())
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .take(20)
        .collect();
    if names.is_empty() {
        format!(
            "the server answered 404 (is `{model}` a model it serves, and the URL its API base?)"
        )
    } else {
        format!(
            "the server has no model `{model}`; it offers: {}",
            names.join(", ")
        )
    }
}

/// An error with its causes (`error sending request: dns error: …`), which say what failed.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = s.source();
    }
    text
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
