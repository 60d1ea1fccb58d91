//! Unified diffs of a file before and after edits, coloured only when the style says so.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::style::Style;

/// The unified diff (3 lines of context) turning `before` into `after`, headed with `path`;
/// empty when nothing changed.
pub fn unified(path: &str, before: &str, after: &str, style: Style) -> String {
    if before == after {
        return String::new();
    }
    let diff = TextDiff::from_lines(before, after);
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold(&format!("--- a/{path}")));
    let _ = writeln!(out, "{}", style.bold(&format!("+++ b/{path}")));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let _ = writeln!(out, "{}", style.gutter(&hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let (sign, paint): (&str, fn(&Style, &str) -> String) = match change.tag() {
                ChangeTag::Delete => ("-", Style::removed),
                ChangeTag::Insert => ("+", Style::added),
                ChangeTag::Equal => (" ", |_, t| t.to_owned()),
            };
            let mut line = format!("{sign}{}", change.value().trim_end_matches(['\n', '\r']));
            line = paint(&style, &line);
            let _ = writeln!(out, "{line}");
            if change.missing_newline() {
                let _ = writeln!(out, "\\ No newline at end of file");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines_with_context() {
        let before = "a\nb\nc\n";
        let after = "a\nB\nc\n";
        let d = unified("x.nix", before, after, Style::plain());
        assert_eq!(
            d,
            "--- a/x.nix\n+++ b/x.nix\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
        assert!(unified("x.nix", before, before, Style::plain()).is_empty());
    }

    #[test]
    fn colours_only_when_asked() {
        let d = unified("x", "a\n", "b\n", Style { color: true });
        assert!(d.contains("\x1b[31m-a\x1b[0m") && d.contains("\x1b[32m+b\x1b[0m"));
    }
}
