//! `nfai explain`: prints the documentation of a failure category, a review rule or a
//! cause of unreproducible builds.

use std::io::Write;

use crate::cli::ExplainArgs;
use crate::commands::InputError;
use crate::diagnose::{self, CATEGORIES};
use crate::repro::causes::{self, CAUSES};

pub fn run(args: &ExplainArgs) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for c in CATEGORIES {
            writeln!(out, "{:<22} {}", c.id(), c.title())?;
        }
        for r in crate::review::RULES {
            writeln!(out, "{:<22} {}", r.code(), r.name())?;
        }
        for c in CAUSES {
            writeln!(out, "{:<22} {}", c.id(), c.title())?;
        }
        return Ok(0);
    }
    let id = args.id.as_deref().unwrap_or_default();
    if let Some(r) = crate::review::rule(id) {
        writeln!(
            out,
            "{}: {} (default severity: {})\n\n{}",
            r.code(),
            r.name(),
            r.severity().as_str(),
            r.doc()
        )?;
        return Ok(0);
    }
    if let Some(c) = causes::cause(id) {
        writeln!(
            out,
            "{}: {} (a cause of unreproducible builds)\n\n{}",
            c.id(),
            c.title(),
            c.doc()
        )?;
        return Ok(0);
    }
    let Some(c) = diagnose::category(id) else {
        return Err(InputError(format!(
            "unknown category, rule or cause `{id}` (see `nfai explain --list`)"
        ))
        .into());
    };
    writeln!(out, "{}: {}\n\n{}", c.id(), c.title(), c.doc())?;
    Ok(0)
}
