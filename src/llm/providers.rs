//! Known OpenAI-compatible providers as data: the host each one serves, and the environment
//! variable its users keep their key in. A provider's variable is sent to its own host only.

pub struct Provider {
    pub name: &'static str,
    /// The API's host; a key variable is only ever sent to `https://<host>`.
    pub host: &'static str,
    pub key_var: &'static str,
}

pub static PROVIDERS: &[Provider] = &[
    Provider {
        name: "OpenAI",
        host: "api.openai.com",
        key_var: "OPENAI_API_KEY",
    },
    Provider {
        name: "OpenRouter",
        host: "openrouter.ai",
        key_var: "OPENROUTER_API_KEY",
    },
    Provider {
        name: "Groq",
        host: "api.groq.com",
        key_var: "GROQ_API_KEY",
    },
    Provider {
        name: "Mistral",
        host: "api.mistral.ai",
        key_var: "MISTRAL_API_KEY",
    },
    Provider {
        name: "DeepSeek",
        host: "api.deepseek.com",
        key_var: "DEEPSEEK_API_KEY",
    },
    Provider {
        name: "Together",
        host: "api.together.xyz",
        key_var: "TOGETHER_API_KEY",
    },
];

/// The provider whose API `url` is: https, and exactly its host.
pub fn for_url(url: &str) -> Option<&'static Provider> {
    let url = reqwest::Url::parse(url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?;
    PROVIDERS.iter().find(|p| p.host == host)
}

#[cfg(test)]
mod tests {
    use super::for_url;

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
    }
}
