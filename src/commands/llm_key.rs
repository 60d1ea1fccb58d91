//! `nfai llm-key`: keeps an LLM server's API key in the system keyring rather than in a
//! file or the shell history.

use std::io::BufRead;

use anyhow::Context as _;

use crate::cli::LlmKeyArgs;
use crate::commands::InputError;
use crate::llm::keys;

pub fn run(args: &LlmKeyArgs) -> anyhow::Result<i32> {
    let entry = keys::entry(&args.url).map_err(|e| InputError(e.to_string()))?;
    if args.delete {
        entry
            .delete_credential()
            .map_err(|e| InputError(format!("removing the key: {e}")))?;
        eprintln!("nfai: removed the key for {}", args.url);
        return Ok(0);
    }
    let mut key = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut key)
        .context("reading the key")?;
    let key = key.trim();
    if key.is_empty() {
        return Err(InputError("no key on standard input".into()).into());
    }
    entry
        .set_password(key)
        .map_err(|e| InputError(format!("storing the key: {e}")))?;
    eprintln!("nfai: stored the key for {}", args.url);
    Ok(0)
}
