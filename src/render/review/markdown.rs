//! `--format markdown`: the review as a pull-request comment.

use std::fmt::Write;

use crate::render::markdown::{code, code_in_cell, escape, escape_cell};
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
                "| {icon} | `{}` {} | {} | {} |",
                f.code,
                f.name,
                code_in_cell(&super::location(f)),
                escape_cell(&f.message)
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
                    "- `{}` at {}: {}",
                    f.code,
                    code(&super::location(f)),
                    escape(&how.join("; "))
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
        .map(|f| format!("{}: ", code(f)))
        .unwrap_or_default();
    format!("{file}{}", escape(&n.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{Finding, Note, Stats, RULES};

    fn one(file: &str, message: &str) -> Report {
        let mut f = Finding::new(RULES[0], message).in_file(file);
        f.help = Some(message.to_owned());
        Report {
            findings: vec![f],
            notes: vec![Note {
                file: Some(file.to_owned()),
                message: message.to_owned(),
            }],
            skipped: Vec::new(),
            stats: Stats::default(),
            commit_range: None,
        }
    }

    #[test]
    fn code_spans_keep_angle_brackets() {
        let md = report(&one("a.nix", "`<nixpkgs>` is looked up, <b> is not | code"));
        assert!(
            md.contains("| `a.nix` | `<nixpkgs>` is looked up, &lt;b&gt; is not \\| code |"),
            "{md}"
        );
    }

    #[test]
    fn any_text_stays_in_its_cell_and_out_of_markup() {
        // A carriage return ends a Markdown line; a backtick run opens a code span only when
        // a run as long closes it; brackets make links; a file name is text like any other.
        let md = report(&one("a`|b\r.nix", "x\r| [link](u) ```<b>`"));
        let row = md.lines().find(|l| l.starts_with("| 🟡")).unwrap();
        assert_eq!(
            row,
            "| 🟡 warning | `NF001` script-without-nix-env | ``a`\\|b .nix`` | x \\| \\[link\\](u) \\`\\``<b>` |"
        );
        assert!(md.contains("- ``a`|b .nix``: x \\| \\[link\\](u)"), "{md}");
    }
}
