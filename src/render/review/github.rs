//! `--format github`: workflow commands that GitHub Actions shows as annotations.

use std::fmt::Write;

use crate::review::{Report, Severity};

pub fn report(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", property(file)));
        }
        if let Some(s) = &f.span {
            props.push(format!(
                "line={},col={},endLine={},endColumn={}",
                s.line, s.column, s.end_line, s.end_column
            ));
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", f.code, f.name))
        ));
        let mut message = f.message.clone();
        if let Some(h) = &f.help {
            let _ = write!(message, "\nhelp: {h}");
        }
        if let Some(c) = &f.command {
            let _ = write!(message, "\nrun: {c}");
        }
        let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(&message));
    }
    for n in &r.skipped {
        note(&mut out, "warning", "not reviewed: ", n);
    }
    for n in &r.notes {
        note(&mut out, "notice", "", n);
    }
    out
}

fn note(out: &mut String, level: &str, prefix: &str, n: &crate::review::Note) {
    let file = n
        .file
        .as_deref()
        .map(|f| format!(" file={}", property(f)))
        .unwrap_or_default();
    let _ = writeln!(out, "::{level}{file}::{prefix}{}", data(&n.message));
}

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(super::data("50%\nx"), "50%25%0Ax");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
