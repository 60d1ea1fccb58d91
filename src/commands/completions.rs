//! `nfai completions SHELL`: the shell completion script, generated from the clap definitions.

use std::io::Write;

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "nfai", &mut script);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .context("writing the completion script")?;
    Ok(0)
}
