//! `--format markdown`: the finding as a pull-request comment. Text from the log goes through
//! `escape`, `code` or `fence`, so it can never become markup of the comment.

use std::fmt::Write;

use super::{validation, Validation};
use crate::diagnose::Finding;

pub fn finding(f: &Finding) -> String {
    let mut out = String::new();
    if f.category == "no_failure" {
        let _ = writeln!(out, "**nfai:** no failure found.");
        return out;
    }
    let _ = writeln!(out, "### nfai: `{}`: {}\n", f.category, escape(&f.summary));
    let _ = writeln!(out, "{}\n", f.explanation);
    if let Some(text) = &f.model_explanation {
        let _ = writeln!(
            out,
            "> The LLM's account (not nfai's finding): {}\n",
            escape(text)
        );
    }
    let mut facts = Vec::new();
    if let Some(c) = &f.culprit {
        if let Some(file) = &c.file {
            let at = match (c.line, c.column) {
                (Some(l), Some(col)) if col > 0 => format!("{file}:{l}:{col}"),
                (Some(l), _) => format!("{file}:{l}"),
                _ => file.clone(),
            };
            match &c.source_path {
                _ if c.local => facts.push(format!("**Culprit:** {}", code(&at))),
                Some(rel) if rel != file => facts.push(format!(
                    "**Culprit (not in this tree):** {} (in the source: {})",
                    code(&at),
                    code(rel)
                )),
                _ => facts.push(format!("**Culprit (not in this tree):** {}", code(&at))),
            }
        }
        if let Some(a) = &c.attribute {
            facts.push(format!("**Attribute:** {}", code(a)));
        }
    }
    if let Some(d) = &f.derivation {
        facts.push(format!("**Derivation:** {}", code(d)));
    }
    for fact in facts {
        let _ = writeln!(out, "- {fact}");
    }
    if !f.evidence.is_empty() {
        let text: String = f
            .evidence
            .iter()
            .map(|e| format!("{:>6} | {}\n", e.line, e.text))
            .collect();
        let _ = writeln!(
            out,
            "\n<details><summary>Evidence from the log</summary>\n\n{}</details>",
            fence("text", &text)
        );
    }
    if let Some(fix) = &f.fix {
        if !fix.description.is_empty() {
            let _ = writeln!(out, "\n**Fix:** {}", escape(&fix.description));
        }
        if !fix.commands.is_empty() {
            let _ = write!(out, "\n{}", fence("sh", &(fix.commands.join("\n") + "\n")));
        }
        let status = match validation(fix) {
            Validation::Silent => None,
            Validation::Skipped => Some("**Not validated** (`--no-validate`).".to_owned()),
            Validation::Failed => {
                Some("**Not validated:** no candidate fix could be validated.".to_owned())
            }
            Validation::Reached {
                level,
                check: Some(check),
            } => Some(format!(
                "**Validated:** {level} ({} succeeded with this change).",
                code(check)
            )),
            Validation::Reached { level, check: None } => Some(format!("**Validated:** {level}.")),
        };
        if let Some(status) = status {
            let _ = writeln!(out, "\n{status}");
        }
        for (a, error) in super::failed_attempts(fix) {
            let _ = writeln!(
                out,
                "- {} (reached {}): {}",
                escape(&a.description),
                a.validated,
                escape(error)
            );
        }
        if let Some(diff) = fix.diff.as_deref().filter(|d| !d.is_empty()) {
            let _ = write!(out, "\n_Proposed change_\n\n{}", fence("diff", diff));
        }
    }
    if !f.secondary.is_empty() {
        let _ = writeln!(out, "\n**Also failed:**\n");
        for s in &f.secondary {
            let _ = writeln!(out, "- `{}`: {}", s.category, escape(&s.summary));
        }
    }
    out
}

/// Text as plain inline text on one line: no HTML, links or emphasis. Backtick pairs stay
/// code spans (nfai's own messages quote names that way), rebuilt so nothing leaks out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        out.push_str(&plain(&rest[..open]));
        let after = &rest[open + 1..];
        match after.find('`').filter(|&close| close > 0) {
            Some(close) => {
                out.push_str(&code(&after[..close]));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str("\\`");
                rest = after;
            }
        }
    }
    out.push_str(&plain(rest));
    out
}

fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text as an inline code span on one line; the span's backticks outnumber any run inside.
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A space keeps a backtick at either end from joining the delimiters (CommonMark strips it).
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Text as a fenced code block whose fence is longer than any backtick run inside.
fn fence(lang: &str, text: &str) -> String {
    let ticks = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{ticks}{lang}\n{text}{newline}{ticks}\n")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Attempt, Fix};

    #[test]
    fn log_text_cannot_become_markup() {
        assert_eq!(
            escape("a <b>\n[x](y) `<z>` `"),
            "a &lt;b&gt; \\[x\\](y) `<z>` \\`"
        );
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(fence("sh", "echo ```"), "````sh\necho ```\n````\n");
    }

    /// Every validation outcome is stated, as in the human report.
    #[test]
    fn states_how_far_the_fix_was_checked() {
        let report = |validated: &'static str, attempts: Vec<Attempt>, diff: Option<&str>| {
            let mut f = Finding::no_failure("");
            f.category = "undefined_variable";
            f.fix = Some(Fix {
                description: "add it".into(),
                diff: diff.map(str::to_owned),
                validated,
                attempts,
                ..Fix::default()
            });
            finding(&f)
        };
        let attempt = |validated, error: Option<&str>| Attempt {
            description: "add `zlib`".into(),
            diff: String::new(),
            validated,
            error: error.map(str::to_owned),
            check: Some("nix build .#t".into()),
        };
        assert!(!report("none", vec![], None).contains("alidated"));
        assert!(
            report("none", vec![], Some("+x\n")).contains("**Not validated** (`--no-validate`).")
        );
        let failed = report("none", vec![attempt("parse", Some("eval failed"))], None);
        assert!(failed.contains("**Not validated:** no candidate fix could be validated."));
        assert!(failed.contains("- add `zlib` (reached parse): eval failed"));
        let built = report("build", vec![attempt("build", None)], Some("+x\n"));
        assert!(
            built.contains("**Validated:** build (`nix build .#t` succeeded with this change).")
        );
    }
}
