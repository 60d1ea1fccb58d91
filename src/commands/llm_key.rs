//! `nfai llm-key`: keeps an LLM server's API key in the system keyring rather than in a
//! file or the shell history.

use std::io::BufRead;

use anyhow::Context as _;

use crate::cli::LlmKeyArgs;
use crate::commands::InputError;
use crate::llm::backends::openai::KEYRING_SERVICE;

pub fn run(args: &LlmKeyArgs) -> anyhow::Result<i32> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, &args.url).context("opening the keyring")?;
    if args.delete {
        entry
            .delete_credential()
            .context("removing the key from the keyring")?;
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
        .context("storing the key in the keyring")?;
    eprintln!("nfai: stored the key for {}", args.url);
    Ok(0)
}
