//! `--format markdown`: the review as a pull-request comment.

use std::fmt::Write;

use crate::review::{Report, Severity};

pub fn report(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### nfai review: {}\n", super::counts(r));
    if r.findings.is_empty() && r.skipped.is_empty() {
        let _ = writeln!(out, "The change complies with the Nix-first policy.");
    } else if !r.findings.is_empty() {
        let _ = writeln!(
            out,
            "| Severity | Rule | Location | Finding |\n|---|---|---|---|"
        );
        for f in &r.findings {
            let icon = match f.severity {
                Severity::Error => "🔴 error",
                Severity::Warning => "🟡 warning",
                Severity::Info => "🔵 info",
            };
            let _ = writeln!(
                out,
                "| {icon} | `{}` {} | `{}` | {} |",
                f.code,
                f.name,
                super::location(f),
                cell(&f.message)
            );
        }
        let advice: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.help.is_some() || f.fix.is_some() || f.command.is_some())
            .collect();
        if !advice.is_empty() {
            let _ = writeln!(out, "\n<details><summary>How to fix</summary>\n");
            for f in advice {
                let mut how = Vec::new();
                how.extend(
                    f.fix
                        .as_ref()
                        .map(|x| format!("{} (`nfai review --fix`)", x.description)),
                );
                how.extend(f.help.clone());
                how.extend(f.command.as_ref().map(|c| format!("run `{c}`")));
                let _ = writeln!(
                    out,
                    "- `{}` at `{}`: {}",
                    f.code,
                    super::location(f),
                    cell(&how.join("; "))
                );
            }
            let _ = writeln!(out, "\n</details>");
        }
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(out, "\n**Not reviewed** (the files could not be read):\n");
        for n in &r.skipped {
            let _ = writeln!(out, "- {}", item(n));
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n<details><summary>Notes</summary>\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", item(n));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

/// A note as a list item: the file in a code span, then the message.
fn item(n: &crate::review::Note) -> String {
    let file = n
        .file
        .as_deref()
        .map(|f| format!("`{f}`: "))
        .unwrap_or_default();
    format!("{file}{}", cell(&n.message))
}

/// Keeps text inside one table cell and out of Markdown/HTML markup. Inside code spans
/// (`` `<nixpkgs>` ``) Markdown shows characters literally, so only `|` (which would end
/// the table cell) is escaped there; entities would be shown as written.
fn cell(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        let part = part.replace('|', "\\|").replace('\n', " ");
        // A span needs its closing backtick; an unpaired one is plain text.
        let in_code = i % 2 == 1 && i + 1 < parts.len();
        if in_code {
            out.push_str(&part);
        } else {
            out.push_str(&part.replace('<', "&lt;").replace('>', "&gt;"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn code_spans_keep_angle_brackets() {
        assert_eq!(
            cell("`<nixpkgs>` is looked up, <b> is not | code"),
            "`<nixpkgs>` is looked up, &lt;b&gt; is not \\| code"
        );
        assert_eq!(cell("`a|b` and `<x"), "`a\\|b` and `&lt;x");
    }
}
