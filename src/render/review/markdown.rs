//! `--format markdown`: the review as a pull-request comment.

use std::fmt::Write;

use crate::review::{Report, Severity};

pub fn report(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### nfai review: {}\n", super::counts(r));
    if r.findings.is_empty() {
        let _ = writeln!(out, "The change complies with the Nix-first policy.");
    } else {
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
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n<details><summary>Notes</summary>\n");
        for n in &r.notes {
            let file = n
                .file
                .as_deref()
                .map(|f| format!("`{f}`: "))
                .unwrap_or_default();
            let _ = writeln!(out, "- {file}{}", cell(&n.message));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

/// Keeps text inside one table cell and out of Markdown/HTML markup.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}
