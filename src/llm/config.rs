//! The LLM settings and where each comes from, lowest first: the user's
//! `$XDG_CONFIG_HOME/nfai/config.toml`, the project's `.nfai.toml` (which must never hold a
//! key), the environment, the command line. `nfai config show` prints the result.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::llm::LlmArgs;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Env(v) => write!(f, "environment {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// One setting: its name in config files, its variable and flag, and its value.
#[derive(Debug, Clone)]
pub struct Setting {
    pub name: &'static str,
    pub value: Option<String>,
    pub source: Source,
}

/// Every LLM setting: (config name, environment variable, flag, default).
const SETTINGS: &[(&str, &str, &str, Option<&str>)] = &[
    ("backend", "NFAI_LLM", "--llm", Some("offline")),
    ("server", "NFAI_LLM_SERVER", "--llm-server", None),
    ("url", "NFAI_LLM_URL", "--llm-url", None),
    ("model", "NFAI_LLM_MODEL", "--llm-model", None),
    ("command", "NFAI_LLM_COMMAND", "--llm-command", None),
    ("timeout", "NFAI_LLM_TIMEOUT", "--llm-timeout", Some("120")),
    (
        "context-tokens",
        "NFAI_CONTEXT_TOKENS",
        "--context-tokens",
        Some("6000"),
    ),
    ("max-rounds", "NFAI_MAX_ROUNDS", "--max-rounds", Some("3")),
    ("key-command", "NFAI_KEY_COMMAND", "", None),
];

/// Names a project file must not set: keys belong in the keyring or the environment.
const SECRET_NAMES: &[&str] = &[
    "key", "api-key", "api_key", "apikey", "token", "password", "secret",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {why}", path.display())]
    File { path: PathBuf, why: String },
    #[error("{}: `{name}` must not be kept in a project's file (it is committed and shared); use `nfai llm-key` or NFAI_API_KEY", path.display())]
    KeyInProject { path: PathBuf, name: String },
    #[error("{0} `{1}` is not a number")]
    Number(String, String),
    #[error("unknown LLM server `{0}` (known: {1}; --llm-url names any other)")]
    UnknownServer(String, String),
}

/// The effective LLM settings.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub settings: Vec<Setting>,
}

impl LlmConfig {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.value.as_deref())
    }

    pub fn backend(&self) -> &str {
        self.get("backend").unwrap_or("offline")
    }

    fn number(&self, name: &str) -> Result<u64, ConfigError> {
        let v = self.get(name).unwrap_or("0");
        v.parse()
            .map_err(|_| ConfigError::Number(name.to_owned(), v.to_owned()))
    }

    pub fn timeout(&self) -> Result<Duration, ConfigError> {
        self.number("timeout").map(Duration::from_secs)
    }

    pub fn context_tokens(&self) -> Result<usize, ConfigError> {
        self.number("context-tokens").map(|n| n as usize)
    }

    pub fn max_rounds(&self) -> Result<usize, ConfigError> {
        self.number("max-rounds").map(|n| (n as usize).max(1))
    }

    /// The server's URL: the one given, else the known server's (`--llm-server ollama`).
    pub fn url(&self) -> Result<Option<String>, ConfigError> {
        if let Some(url) = self.get("url") {
            return Ok(Some(url.to_owned()));
        }
        match self.get("server") {
            None => Ok(None),
            Some(name) => super::providers::by_name(name)
                .map(|p| Some(p.base_url.to_owned()))
                .ok_or_else(|| {
                    let known: Vec<_> =
                        super::providers::PROVIDERS.iter().map(|p| p.name).collect();
                    ConfigError::UnknownServer(name.to_owned(), known.join(", "))
                }),
        }
    }

    /// The settings a backend is called with.
    pub fn backend_settings(&self, replay: Option<&Path>) -> Result<super::Settings, ConfigError> {
        Ok(super::Settings {
            url: self.url()?,
            model: self.get("model").map(str::to_owned),
            timeout: self.timeout()?,
            command: self.get("command").map(str::to_owned),
            replay: replay.map(Path::to_owned),
            key_command: self.get("key-command").map(str::to_owned),
        })
    }
}

/// `$XDG_CONFIG_HOME/nfai` (or `~/.config/nfai`).
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("nfai"))
}

/// Resolves every setting for a project at `root`.
pub fn resolve(args: &LlmArgs, root: &Path) -> Result<LlmConfig, ConfigError> {
    let user = config_dir().map(|d| d.join("config.toml"));
    let user = user
        .filter(|p| p.is_file())
        .map(|p| read_table(&p, false))
        .transpose()?;
    let project = root.join(".nfai.toml");
    let project = project
        .is_file()
        .then(|| read_table(&project, true))
        .transpose()?;
    let settings = SETTINGS
        .iter()
        .map(|&(name, var, flag, default)| {
            let mut setting = Setting {
                name,
                value: default.map(str::to_owned),
                source: Source::Default,
            };
            for (path, table) in user.iter().chain(project.iter()) {
                if let Some(v) = table.get(name) {
                    let v = match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    setting.value = Some(v);
                    setting.source = Source::File(path.clone());
                }
            }
            if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
                setting.value = Some(v);
                setting.source = Source::Env(var);
            }
            if let Some(v) = args.flag(name) {
                setting.value = Some(v);
                setting.source = Source::Flag(flag);
            }
            setting
        })
        .collect();
    Ok(LlmConfig { settings })
}

/// The `[llm]` table of a config file; a project's file may hold no key.
fn read_table(path: &Path, project: bool) -> Result<(PathBuf, toml::Table), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let mut doc: toml::Table = toml::from_str(&text).map_err(|e| file_error(path, e))?;
    let table = match doc.remove("llm") {
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(file_error(path, "`llm` must be a table")),
        None => toml::Table::new(),
    };
    if project {
        if let Some(bad) = table.keys().find(|k| {
            SECRET_NAMES.contains(&k.to_ascii_lowercase().as_str()) || *k == "key-command"
        }) {
            return Err(ConfigError::KeyInProject {
                path: path.to_owned(),
                name: bad.clone(),
            });
        }
    }
    if let Some(unknown) = table
        .keys()
        .find(|k| !SETTINGS.iter().any(|s| s.0 == k.as_str()))
    {
        return Err(file_error(
            path,
            format!("unknown [llm] setting `{unknown}`"),
        ));
    }
    Ok((path.to_owned(), table))
}

fn file_error(path: &Path, why: impl std::fmt::Display) -> ConfigError {
    ConfigError::File {
        path: path.to_owned(),
        why: why.to_string(),
    }
}
