//! `nfai auth set|status|delete`: an LLM server's API key in the system keyring (read from
//! standard input, never from the command line or a file), and where the key nfai would send
//! comes from.

use std::io::BufRead;

use anyhow::Context as _;

use crate::cli::{AuthAction, AuthArgs, LlmKeyArgs};
use crate::commands::InputError;
use crate::llm::{config, keys};

pub fn run(args: &AuthArgs) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let flags = crate::cli::llm::LlmArgs {
        llm: args.backend.clone(),
        llm_url: args.url.clone(),
        ..Default::default()
    };
    let config = config::resolve(&flags, &cwd).map_err(|e| InputError(e.to_string()))?;
    let url = config
        .url()
        .map_err(|e| InputError(e.to_string()))?
        .ok_or_else(|| {
            InputError("which server? give --url (or set `url` in the config)".into())
        })?;
    match args.action {
        AuthAction::Set => set(&url),
        AuthAction::Delete => delete(&url),
        AuthAction::Status => {
            match keys::api_key(&url, config.get("key-command")) {
                Some((_, source)) => println!("{url}: the key comes from {source}"),
                None => println!("{url}: no key (none is needed by local servers)"),
            }
            Ok(0)
        }
    }
}

/// The older `nfai llm-key [--delete]`.
pub fn llm_key(args: &LlmKeyArgs) -> anyhow::Result<i32> {
    if args.delete {
        delete(&args.url)
    } else {
        set(&args.url)
    }
}

fn set(url: &str) -> anyhow::Result<i32> {
    let mut key = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut key)
        .context("reading the key")?;
    let key = key.trim();
    if key.is_empty() {
        return Err(InputError("no key on standard input".into()).into());
    }
    keys::entry(url)
        .and_then(|e| e.set_password(key))
        .map_err(|e| InputError(format!("storing the key: {e}")))?;
    eprintln!("nfai: stored the key for {url}");
    Ok(0)
}

fn delete(url: &str) -> anyhow::Result<i32> {
    keys::entry(url)
        .and_then(|e| e.delete_credential())
        .map_err(|e| InputError(format!("removing the key: {e}")))?;
    eprintln!("nfai: removed the key for {url}");
    Ok(0)
}
