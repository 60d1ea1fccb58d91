//! `nfai config show`: the effective LLM settings of the project in the current directory,
//! each with where it came from (default, a config file, the environment, a flag).

use std::io::Write;

use anyhow::Context as _;

use crate::cli::{ConfigAction, ConfigArgs};
use crate::commands::InputError;
use crate::llm::config;

pub fn run(args: &ConfigArgs) -> anyhow::Result<i32> {
    let ConfigAction::Show(flags) = &args.action;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = config::resolve(flags, &cwd).map_err(|e| InputError(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    for s in &config.settings {
        let value = s.value.as_deref().unwrap_or("(not set)");
        writeln!(out, "{:<15} {:<40} {}", s.name, value, s.source)?;
    }
    let url = config
        .url()
        .map_err(|e| InputError(e.to_string()))?
        .unwrap_or_default();
    let from = match (config.get("url"), config.get("server")) {
        (None, Some(server)) => format!("known server {server}"),
        _ => "url".to_owned(),
    };
    writeln!(out, "{:<15} {:<40} {from}", "api url", url)?;
    let key = crate::llm::keys::api_key(&url, config.get("key-command"))
        .map_or("none".to_owned(), |(_, source)| source.to_string());
    writeln!(out, "{:<15} {:<40} {}", "api key", "(not shown)", key)?;
    Ok(0)
}
