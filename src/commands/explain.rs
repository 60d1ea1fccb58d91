//! `nfai explain`: prints the documentation of a category.

use std::io::Write;

use crate::cli::ExplainArgs;
use crate::commands::InputError;
use crate::diagnose::{self, CATEGORIES};

pub fn run(args: &ExplainArgs) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for c in CATEGORIES {
            writeln!(out, "{:<22} {}", c.id(), c.title())?;
        }
        return Ok(0);
    }
    let id = args.id.as_deref().unwrap_or_default();
    let Some(c) = diagnose::category(id) else {
        return Err(InputError(format!(
            "unknown category or rule `{id}` (see `nfai explain --list`)"
        ))
        .into());
    };
    writeln!(out, "{}: {}\n\n{}", c.id(), c.title(), c.doc())?;
    Ok(0)
}
