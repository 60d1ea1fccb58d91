//! `nfai man`: the man pages, generated from the clap definitions.

use std::io::Write;

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::commands::InputError;

pub fn run(args: &ManArgs) -> anyhow::Result<i32> {
    let Some(dir) = &args.out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut page)
            .context("rendering the man page")?;
        std::io::stdout()
            .lock()
            .write_all(&page)
            .context("writing the man page")?;
        return Ok(0);
    };
    let failed = |e: std::io::Error| InputError(format!("--out-dir {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    // One page per command and subcommand: nfai.1, nfai-review.1, ...
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    Ok(0)
}
