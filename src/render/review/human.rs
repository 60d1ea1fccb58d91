//! The human review report, in the style of rustc diagnostics.

use std::fmt::Write;

use crate::render::style::Style;
use crate::review::{Finding, Report, Severity};

pub fn report(r: &Report, style: Style) -> String {
    let mut out = String::new();
    for f in &r.findings {
        finding(&mut out, f, style);
    }
    for n in &r.notes {
        let file = n
            .file
            .as_deref()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "{}: {file}{}", style.note("note"), n.message);
    }
    for n in &r.skipped {
        let _ = writeln!(
            out,
            "{}: not reviewed: {}",
            style.warning("warning"),
            super::skipped(n)
        );
    }
    let fixable = r.findings.iter().filter(|f| f.fix.is_some()).count();
    let fixable = if fixable > 0 {
        format!(" ({fixable} fixable with `nfai review --fix`)")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}: {} in {} files{fixable}",
        style.bold("nfai review"),
        super::counts(r),
        r.stats.files
    );
    out
}

fn finding(out: &mut String, f: &Finding, style: Style) {
    let head = format!("{}[{}]", f.severity.as_str(), f.code);
    let head = match f.severity {
        Severity::Error => style.error(&head),
        Severity::Warning => style.warning(&head),
        Severity::Info => style.note(&head),
    };
    let _ = writeln!(out, "{head}: {}", style.bold(&f.message));
    let width = f.line().map_or(1, |l| l.to_string().len());
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{pad}{} {}", style.gutter("-->"), super::location(f));
    if let (Some(span), Some(line)) = (&f.span, &f.source_line) {
        let _ = writeln!(out, "{pad} {}", style.gutter("|"));
        let _ = writeln!(out, "{} {line}", style.gutter(&format!("{} |", span.line)));
        let start = span.column.max(1) as usize;
        let len = if span.end_line == span.line {
            (span.end_column as usize).saturating_sub(start).max(1)
        } else {
            line.chars().count().saturating_sub(start - 1).max(1)
        };
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            style.gutter("|"),
            " ".repeat(start - 1),
            style.error(&"^".repeat(len))
        );
    }
    if let Some(h) = &f.help {
        let _ = writeln!(out, "{pad} {} {h}", style.note("= help:"));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "{pad} {} {} (`nfai review --fix`)",
            style.note("= fix:"),
            fix.description
        );
    }
    if let Some(c) = &f.command {
        let _ = writeln!(out, "{pad} {} {c}", style.note("= run:"));
    }
    let _ = writeln!(
        out,
        "{pad} {} `nfai explain {}` ({})\n",
        style.note("= see:"),
        f.code,
        f.name
    );
}
