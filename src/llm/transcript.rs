//! Record, replay and cache of LLM exchanges. A transcript holds every exchange of one run
//! (backend, model, the redacted prompt, the answer, the round) with nfai's and the prompts'
//! versions; replaying it gives the same output with no network. Identical prompts are
//! answered from a cache under the XDG cache directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{LlmError, Prompt};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub nfai: String,
    pub prompt_version: String,
    pub job: String,
    pub exchanges: Vec<Exchange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub backend: String,
    pub model: Option<String>,
    pub round: usize,
    pub request: Prompt,
    pub answer: String,
}

impl Transcript {
    pub fn new(job: &str) -> Transcript {
        Transcript {
            nfai: env!("CARGO_PKG_VERSION").to_owned(),
            prompt_version: super::prompt::VERSION.to_owned(),
            job: job.to_owned(),
            exchanges: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> Result<Transcript, LlmError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LlmError::Replay(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| LlmError::Replay(format!("{} is no nfai transcript: {e}", path.display())))
    }

    /// The recorded answer to `prompt`; an error that says where the request differs when
    /// none was recorded for it.
    pub fn answer(&self, prompt: &Prompt) -> Result<String, LlmError> {
        if let Some(e) = self.exchanges.iter().find(|e| e.request == *prompt) {
            return Ok(e.answer.clone());
        }
        let Some(nearest) = self
            .exchanges
            .iter()
            .find(|e| e.request.task == prompt.task)
        else {
            return Err(LlmError::Replay(format!(
                "the transcript has no `{}` exchange",
                prompt.task
            )));
        };
        let line = first_difference(&nearest.request.user, &prompt.user);
        Err(LlmError::Replay(format!(
            "the request differs from the recorded one (prompt version {} recorded, {} now; first difference in line {line} of the message)",
            self.prompt_version,
            super::prompt::VERSION
        )))
    }
}

fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

/// Where `.nfai/transcripts/<time>-<job>.json` goes in `root`.
pub fn record_path(root: &Path, job: &str) -> PathBuf {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    root.join(".nfai/transcripts")
        .join(format!("{time}-{job}.json"))
}

/// The answer cache: one file per prompt, keyed by a hash of the backend, model, URL and
/// the prompt (which carries the prompt template and its version).
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache under `$XDG_CACHE_HOME/nfai/llm` (or `~/.cache/nfai/llm`); `None` when there
    /// is no home to put it in.
    pub fn open() -> Option<Cache> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(Cache {
            dir: base.join("nfai").join("llm"),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        serde_json::from_str::<String>(&text).ok()
    }

    /// Best effort: a cache that cannot be written costs nothing but the next request.
    pub fn put(&self, key: &str, answer: &str) {
        if std::fs::create_dir_all(&self.dir).is_ok() {
            let tmp = self.dir.join(format!(".{key}.{}", std::process::id()));
            if std::fs::write(&tmp, serde_json::to_string(answer).unwrap_or_default()).is_ok() {
                let _ = std::fs::rename(&tmp, self.path(key));
            }
        }
    }
}

/// The cache key of a request: FNV-1a over what makes two requests the same.
pub fn cache_key(backend: &str, model: Option<&str>, url: Option<&str>, prompt: &Prompt) -> String {
    let text = serde_json::to_string(&(backend, model, url, super::prompt::VERSION, prompt))
        .unwrap_or_default();
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in text.bytes() {
        a = (a ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x2000);
    }
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(user: &str) -> Prompt {
        Prompt {
            task: "fix".into(),
            system: "s".into(),
            user: user.into(),
            schema: serde_json::Value::Null,
        }
    }

    #[test]
    fn replay_answers_the_same_request_and_names_a_difference() {
        let mut t = Transcript::new("explain-failure");
        t.exchanges.push(Exchange {
            backend: "openai".into(),
            model: Some("m".into()),
            round: 1,
            request: prompt("a\nb\nc"),
            answer: "{}".into(),
        });
        assert_eq!(t.answer(&prompt("a\nb\nc")).unwrap(), "{}");
        let err = t.answer(&prompt("a\nX\nc")).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn cache_keys_differ_by_what_matters() {
        let p = prompt("x");
        let k = cache_key("openai", Some("m"), Some("u"), &p);
        assert_eq!(k, cache_key("openai", Some("m"), Some("u"), &p));
        assert_ne!(k, cache_key("openai", Some("m2"), Some("u"), &p));
        assert_ne!(k, cache_key("openai", Some("m"), Some("u"), &prompt("y")));
    }
}
