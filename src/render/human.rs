//! The human report, in the style of rustc diagnostics: category and summary, the culprit
//! with its source lines, the evidence from the log, and what to do.

use std::fmt::Write;

use super::style::Style;
use super::{failed_attempts, validation, Validation};
use crate::diagnose::{Finding, Fix};

pub fn finding(f: &Finding, style: Style) -> String {
    let mut out = String::new();
    if f.category == "no_failure" {
        let _ = writeln!(out, "{}: {}", style.note("note"), style.bold(&f.summary));
        return out;
    }
    let _ = writeln!(
        out,
        "{}: {}",
        style.error(&format!("error[{}]", f.category)),
        style.bold(&f.summary)
    );
    let width = gutter_width(f);
    let pad = " ".repeat(width);
    if let Some(c) = &f.culprit {
        if let Some(file) = &c.file {
            let mut at = file.clone();
            if let Some(line) = c.line {
                let _ = write!(at, ":{line}");
                if let Some(col) = c.column.filter(|&c| c > 0) {
                    let _ = write!(at, ":{col}");
                }
            }
            if !c.local {
                at.push_str(" (not in this tree)");
            }
            let _ = writeln!(out, "{pad}{} {at}", style.gutter("-->"));
        }
        if !f.snippet.is_empty() {
            let _ = writeln!(out, "{pad} {}", style.gutter("|"));
            for (n, text) in &f.snippet {
                let _ = writeln!(out, "{} {text}", style.gutter(&format!("{n:>width$} |")));
                if Some(*n) == c.line {
                    // The column comes from the log: a bogus one must not pad beyond the line.
                    let col = (c.column.unwrap_or(1).max(1) as usize).min(text.chars().count() + 1);
                    let _ = writeln!(
                        out,
                        "{pad} {} {}{}",
                        style.gutter("|"),
                        " ".repeat(col - 1),
                        style.error("^")
                    );
                }
            }
        }
        if let Some(rel) = c
            .source_path
            .as_ref()
            .filter(|r| !c.local && c.file.as_ref() != Some(r))
        {
            let _ = writeln!(out, "{pad} {} in the source: {rel}", style.gutter("="));
        }
        if let Some(attr) = &c.attribute {
            let _ = writeln!(out, "{pad} {} attribute: {attr}", style.gutter("="));
        }
    }
    if let Some(drv) = &f.derivation {
        let _ = writeln!(out, "{pad} {} derivation: {drv}", style.gutter("="));
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "{pad} {}", style.gutter("|"));
        let mut source = None;
        for e in &f.evidence {
            if e.source != source {
                if let Some(s) = &e.source {
                    let _ = writeln!(out, "{pad} {} from `{s}`:", style.gutter("|"));
                }
                source = e.source.clone();
            }
            let _ = writeln!(
                out,
                "{} {}",
                style.gutter(&format!("{:>width$} |", e.line)),
                e.text
            );
        }
        let _ = writeln!(out, "{pad} {}", style.gutter("|"));
    }
    let _ = writeln!(
        out,
        "{pad} {} {}",
        style.gutter("="),
        wrap(&f.explanation, width + 3)
    );
    if let Some(text) = &f.model_explanation {
        let said = format!("the LLM's account (not nfai's finding): {text}");
        let _ = writeln!(
            out,
            "{pad} {} {}",
            style.note("= note:"),
            wrap(&said, width + 10)
        );
    }
    if let Some(fix) = &f.fix {
        if !fix.description.is_empty() {
            let _ = writeln!(out, "{pad} {} {}", style.note("= help:"), fix.description);
        }
        for c in &fix.commands {
            let _ = writeln!(out, "{pad}         $ {c}");
        }
        out.push_str(&fix_status(fix, &pad, style));
    }
    for s in &f.secondary {
        let drv = s
            .derivation
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad} {} also: [{}] {}{drv}",
            style.note("= note:"),
            s.category,
            s.summary
        );
    }
    let _ = writeln!(
        out,
        "{pad} {} run `nfai explain {}` for more",
        style.note("= note:"),
        f.category
    );
    out
}

/// The validation verdict, the diff, and why the other candidates failed.
fn fix_status(fix: &Fix, pad: &str, style: Style) -> String {
    let mut out = String::new();
    match validation(fix) {
        Validation::Silent => {}
        Validation::Skipped => {
            let _ = writeln!(
                out,
                "{pad} {} not validated (--no-validate)",
                style.warning("= fix:")
            );
        }
        Validation::Failed => {
            let _ = writeln!(
                out,
                "{pad} {} no candidate fix could be validated:",
                style.warning("= fix:")
            );
        }
        Validation::Reached {
            level,
            check: Some(check),
        } => {
            let _ = writeln!(
                out,
                "{pad} {} validated: {level} (`{check}` succeeded with this change)",
                style.note("= fix:")
            );
        }
        Validation::Reached { level, check: None } => {
            let _ = writeln!(out, "{pad} {} validated: {level}", style.note("= fix:"));
        }
    }
    if let Some(diff) = fix.diff.as_deref().filter(|d| !d.is_empty()) {
        for line in diff.lines() {
            let painted = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => style.added(line),
                Some(b'-') if !line.starts_with("---") => style.removed(line),
                Some(b'@') => style.gutter(line),
                _ => line.to_owned(),
            };
            let _ = writeln!(out, "{pad}   {painted}");
        }
    }
    for (a, error) in failed_attempts(fix) {
        let _ = writeln!(
            out,
            "{pad}   - {} (reached {}): {}",
            a.description, a.validated, error
        );
    }
    out
}

fn gutter_width(f: &Finding) -> usize {
    let max_line = f
        .evidence
        .iter()
        .map(|e| e.line)
        .chain(f.snippet.iter().map(|(n, _)| u64::from(*n)))
        .max()
        .unwrap_or(0);
    max_line.to_string().len().max(2)
}

/// Wraps a paragraph at 100 columns, continuing lines at `indent`.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut col = indent;
    for word in text.split_whitespace() {
        if col + word.len() > 100 && col > indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if !out.is_empty() {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Culprit;

    /// Found by fuzzing: a column far beyond the line (from a garbled log) padded the caret
    /// with that many spaces.
    #[test]
    fn caret_stays_within_the_line() {
        let mut f = Finding::no_failure("");
        f.category = "syntax_error";
        f.culprit = Some(Culprit {
            file: Some("a.nix".into()),
            line: Some(1),
            column: Some(656_434_548),
            local: true,
            ..Culprit::default()
        });
        f.snippet = vec![(1, "{ x = 1; }".into())];
        let out = finding(&f, Style::plain());
        assert!(out.contains(&format!("| {}^\n", " ".repeat(10))), "{out}");
    }
}
