//! Renders a review report: rustc-style for people, JSON, SARIF 2.1.0 for code scanning,
//! GitHub workflow annotations, GitLab's code-quality report, and Markdown for a
//! pull-request comment.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use crate::render::style::Style;
use crate::review::{Report, Severity};

/// Output formats of `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    Human,
    Json,
    Sarif,
    Github,
    /// GitLab's code-quality report (JSON).
    Gitlab,
    Markdown,
}

pub fn render(report: &Report, format: ReviewFormat, style: Style) -> String {
    match format {
        ReviewFormat::Human => human::report(report, style),
        ReviewFormat::Json => json::report(report),
        ReviewFormat::Sarif => sarif::report(report),
        ReviewFormat::Github => github::report(report),
        ReviewFormat::Gitlab => gitlab::report(report),
        ReviewFormat::Markdown => markdown::report(report),
    }
}

/// "2 errors, 1 warning" (only the non-zero counts); "no findings" when there are none.
pub fn counts(report: &Report) -> String {
    let mut parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .iter()
    .filter_map(|&(s, word)| {
        let n = report.count(s);
        let plural = if n == 1 || s == Severity::Info {
            ""
        } else {
            "s"
        };
        (n > 0).then(|| format!("{n} {word}{plural}"))
    })
    .collect();
    if !report.skipped.is_empty() {
        parts.push(format!("{} file(s) not reviewed", report.skipped.len()));
    }
    if parts.is_empty() {
        "no findings".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A skipped file as one line: `path: why`.
pub fn skipped(n: &crate::review::Note) -> String {
    match &n.file {
        Some(f) => format!("{f}: {}", n.message),
        None => n.message.clone(),
    }
}

/// `file:line:col`, or just the file, or `(history)` for commit findings.
pub fn location(f: &crate::review::Finding) -> String {
    match (&f.file, &f.span) {
        (Some(file), Some(s)) => format!("{file}:{}:{}", s.line, s.column),
        (Some(file), None) => file.clone(),
        (None, _) => "(history)".to_owned(),
    }
}
