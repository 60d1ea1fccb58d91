//! `.nfai.toml`: which rules run and how severe they are, paths to ignore, the
//! change-request pattern and default id, and the oldest acceptable nixpkgs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::Severity;

pub const FILE_NAME: &str = ".nfai.toml";
const DEFAULT_CHANGE_REQUEST: &str = "CRQ-[0-9]+";
const DEFAULT_NIXPKGS_MAX_AGE_DAYS: u64 = 60;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    /// When present, only these rules run.
    enable: Option<Vec<String>>,
    /// Rules that are off by default and should run too.
    #[serde(default)]
    extend_enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    /// gitignore-style patterns, relative to the reviewed root.
    #[serde(default)]
    ignore: Vec<String>,
    change_request_pattern: Option<String>,
    /// The id `--commit` uses when none is given.
    change_request_id: Option<String>,
    nixpkgs_max_age_days: Option<u64>,
    /// The LLM settings, read by `llm::config`.
    #[serde(default, rename = "llm")]
    _llm: Option<toml::Table>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{}: unknown rule code `{code}` (see `nfai review --list-rules`)", path.display())]
    UnknownRule { path: PathBuf, code: String },
    #[error("{}: invalid change-request-pattern: {source}", path.display())]
    Pattern {
        path: PathBuf,
        source: Box<regex::Error>,
    },
    #[error("{}: invalid ignore pattern: {source}", path.display())]
    Ignore {
        path: PathBuf,
        source: Box<ignore::Error>,
    },
}

#[derive(Debug)]
pub struct Config {
    enabled: Option<HashSet<String>>,
    extra: HashSet<String>,
    disabled: HashSet<String>,
    pub severity: BTreeMap<&'static str, Severity>,
    pub ignore: ignore::gitignore::Gitignore,
    pub change_request: Regex,
    pub change_request_id: Option<String>,
    pub nixpkgs_max_age_days: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_raw(Raw::default(), Path::new(FILE_NAME), Path::new("."))
            .expect("defaults are valid")
    }
}

impl Config {
    /// Reads `explicit`, else `<root>/.nfai.toml` when it exists, else the defaults.
    pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = explicit.map_or_else(|| root.join(FILE_NAME), Path::to_path_buf);
        if explicit.is_none() && !path.exists() {
            return Config::from_raw(Raw::default(), &path, root);
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::parse(&text, &path, root)
    }

    pub fn parse(text: &str, path: &Path, root: &Path) -> Result<Config, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(e),
        })?;
        Config::from_raw(raw, path, root)
    }

    fn from_raw(raw: Raw, path: &Path, root: &Path) -> Result<Config, ConfigError> {
        let known = |code: &String| -> Result<&'static str, ConfigError> {
            super::rule(code)
                .map(|r| r.code())
                .ok_or_else(|| ConfigError::UnknownRule {
                    path: path.to_owned(),
                    code: code.clone(),
                })
        };
        let mut severity = BTreeMap::new();
        for (code, s) in &raw.severity {
            severity.insert(known(code)?, *s);
        }
        for code in raw
            .enable
            .iter()
            .flatten()
            .chain(&raw.extend_enable)
            .chain(&raw.disable)
        {
            known(code)?;
        }
        let pattern = raw
            .change_request_pattern
            .as_deref()
            .unwrap_or(DEFAULT_CHANGE_REQUEST);
        let change_request = Regex::new(pattern).map_err(|e| ConfigError::Pattern {
            path: path.to_owned(),
            source: Box::new(e),
        })?;
        let mut ignore = ignore::gitignore::GitignoreBuilder::new(root);
        for line in &raw.ignore {
            ignore
                .add_line(None, line)
                .map_err(|e| ConfigError::Ignore {
                    path: path.to_owned(),
                    source: Box::new(e),
                })?;
        }
        let ignore = ignore.build().map_err(|e| ConfigError::Ignore {
            path: path.to_owned(),
            source: Box::new(e),
        })?;
        Ok(Config {
            enabled: raw.enable.map(|v| v.into_iter().collect()),
            extra: raw.extend_enable.into_iter().collect(),
            disabled: raw.disable.into_iter().collect(),
            severity,
            ignore,
            change_request,
            change_request_id: raw.change_request_id,
            nixpkgs_max_age_days: raw
                .nixpkgs_max_age_days
                .unwrap_or(DEFAULT_NIXPKGS_MAX_AGE_DAYS),
        })
    }

    /// Whether `rule` runs: listed in `enable` (or, without that list, on by default or
    /// listed in `extend-enable`), and not in `disable`.
    pub fn enabled(&self, rule: &dyn super::Rule) -> bool {
        let code = rule.code();
        let on = match &self.enabled {
            Some(only) => only.contains(code),
            None => rule.default_enabled() || self.extra.contains(code),
        };
        on && !self.disabled.contains(code)
    }

    /// Whether `path` (absolute, under the root) is ignored by the config.
    pub fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        self.ignore.matched(path, is_dir).is_ignore()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new(".nfai.toml"), Path::new("/r"))
    }

    #[test]
    fn reads_every_setting() {
        let c = parse(
            "disable = [\"NF004\"]\nignore = [\"fixtures/\"]\nchange-request-pattern = \"JIRA-[0-9]+\"\nnixpkgs-max-age-days = 30\n[severity]\nNF001 = \"error\"\n",
        )
        .unwrap();
        let on = |c: &Config, code: &str| c.enabled(super::super::rule(code).unwrap());
        assert!(!on(&c, "NF004") && on(&c, "NF001"));
        assert_eq!(c.severity.get("NF001"), Some(&Severity::Error));
        assert!(c.ignored(Path::new("/r/fixtures"), true) && !c.ignored(Path::new("/r/src"), true));
        assert!(c.change_request.is_match("JIRA-12 x") && c.nixpkgs_max_age_days == 30);
    }

    #[test]
    fn defaults_and_enable_lists() {
        let c = Config::default();
        assert!(c.change_request.is_match("CRQ-7: add") && c.nixpkgs_max_age_days == 60);
        assert_eq!(c.change_request_id, None);
        let on = |c: &Config, code: &str| c.enabled(super::super::rule(code).unwrap());
        let only = parse("enable = [\"NF003\"]").unwrap();
        assert!(on(&only, "NF003") && !on(&only, "NF001"));
        let off_by_default = super::super::RULES
            .iter()
            .find(|r| !r.default_enabled())
            .expect("a rule that is off by default")
            .code();
        assert!(!on(&c, off_by_default));
        let extra = parse(&format!(
            "extend-enable = [\"{off_by_default}\"]\nchange-request-id = \"CRQ-42\""
        ))
        .unwrap();
        assert!(on(&extra, off_by_default) && on(&extra, "NF001"));
        assert_eq!(extra.change_request_id.as_deref(), Some("CRQ-42"));
    }

    #[test]
    fn unknown_codes_and_keys_are_errors_naming_them() {
        let e = parse("disable = [\"NF999\"]").unwrap_err().to_string();
        assert!(e.contains("unknown rule code `NF999`"), "{e}");
        let e = parse("[severity]\nNF998 = \"info\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("NF998"), "{e}");
        assert!(parse("colour = 1").is_err());
    }
}
