//! Known OpenAI-compatible servers as data: where their API is, the environment variable
//! their users keep a key in, and whether one is needed. A provider's variable is sent to its
//! own host only; `--llm-url` covers any server not listed.

pub struct Provider {
    /// The name `--llm-server` takes.
    pub name: &'static str,
    pub base_url: &'static str,
    /// The environment variable of its key; empty for local servers.
    pub key_var: &'static str,
    pub needs_key: bool,
}

pub static PROVIDERS: &[Provider] = &[
    Provider {
        name: "openai",
        base_url: "https://api.openai.com/v1",
        key_var: "OPENAI_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "openrouter",
        base_url: "https://openrouter.ai/api/v1",
        key_var: "OPENROUTER_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "groq",
        base_url: "https://api.groq.com/openai/v1",
        key_var: "GROQ_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "mistral",
        base_url: "https://api.mistral.ai/v1",
        key_var: "MISTRAL_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "deepseek",
        base_url: "https://api.deepseek.com/v1",
        key_var: "DEEPSEEK_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "together",
        base_url: "https://api.together.xyz/v1",
        key_var: "TOGETHER_API_KEY",
        needs_key: true,
    },
    Provider {
        name: "ollama",
        base_url: "http://localhost:11434/v1",
        key_var: "",
        needs_key: false,
    },
    Provider {
        name: "llama.cpp",
        base_url: "http://localhost:8080/v1",
        key_var: "",
        needs_key: false,
    },
    Provider {
        name: "vllm",
        base_url: "http://localhost:8000/v1",
        key_var: "",
        needs_key: false,
    },
    Provider {
        name: "lm-studio",
        base_url: "http://localhost:1234/v1",
        key_var: "",
        needs_key: false,
    },
];

/// A known server by the name `--llm-server` takes.
pub fn by_name(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The hosted provider whose API `url` is: https, and exactly its host.
pub fn for_url(url: &str) -> Option<&'static Provider> {
    let url = reqwest::Url::parse(url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?;
    PROVIDERS.iter().filter(|p| p.needs_key).find(|p| {
        reqwest::Url::parse(p.base_url)
            .ok()
            .is_some_and(|b| b.host_str() == Some(host))
    })
}

#[cfg(test)]
mod tests {
    use super::{by_name, for_url};

    #[test]
    fn provider_by_exact_https_host() {
        assert_eq!(
            for_url("https://api.openai.com/v1").unwrap().key_var,
            "OPENAI_API_KEY"
        );
        assert!(for_url("http://api.openai.com/v1").is_none());
        assert!(for_url("https://api.openai.com.evil.org/v1").is_none());
        assert!(for_url("https://evil.org/api.openai.com/v1").is_none());
        assert!(for_url("http://127.0.0.1:9/v1").is_none());
        assert_eq!(
            by_name("Ollama").unwrap().base_url,
            "http://localhost:11434/v1"
        );
    }
}
