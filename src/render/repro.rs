//! `nfai repro` reports: human, JSON (the documented schema) and Markdown (a CI summary).

use std::fmt::Write;

use super::style::Style;
use crate::repro::{Outcome, Report};

fn rebuilds(n: u32) -> String {
    format!("{n} rebuild{}", if n == 1 { "" } else { "s" })
}

fn summary(report: &Report) -> String {
    let bad = report.results.iter().filter(|r| !r.reproducible).count();
    if bad == 0 {
        format!("all {} reproducible", report.results.len())
    } else {
        format!("{bad} of {} not reproducible", report.results.len())
    }
}

pub fn human(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for r in &report.results {
        // Zero rounds: two existing outputs compared (`--compare`), nothing rebuilt.
        if r.reproducible {
            let verdict = match r.rounds {
                0 => "identical".to_owned(),
                n => format!("reproducible ({})", rebuilds(n)),
            };
            let _ = writeln!(
                out,
                "{} {}: {verdict}",
                style.note("✓"),
                style.bold(&r.installable)
            );
            continue;
        }
        let verdict = match r.rounds {
            0 => "differs".to_owned(),
            n => format!("not reproducible (differed in rebuild {n})"),
        };
        let _ = writeln!(
            out,
            "{} {}: {verdict}",
            style.error("✗"),
            style.bold(&r.installable)
        );
        if !r.derivation.is_empty() {
            let _ = writeln!(out, "  derivation: {}", r.derivation);
        }
        for (a, b) in &r.compared {
            let _ = writeln!(out, "  compared:   {a}\n              {b}");
        }
        for f in &r.files {
            let _ = writeln!(out, "  {} {}", f.change.as_str(), style.bold(&f.path));
            for line in f.detail.lines() {
                let t = line.trim_start();
                let painted = if t.starts_with('-') {
                    style.removed(line)
                } else if t.starts_with('+') {
                    style.added(line)
                } else {
                    line.to_owned()
                };
                let _ = writeln!(out, "      {painted}");
            }
        }
        if let Some(cause) = r.cause {
            let _ = writeln!(out, "  likely cause: {cause} (see `nfai explain {cause}`)");
        }
        if let Some(fix) = r.fix {
            let _ = writeln!(out, "  fix: {fix}");
        }
    }
    let _ = writeln!(out, "\n{}", summary(report));
    out
}

pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("reports serialize");
    out.push('\n');
    out
}

pub fn markdown(report: &Report) -> String {
    let mut out = format!("### nfai repro: {}\n\n", summary(report));
    out.push_str("| installable | verdict | rebuilds | cause |\n| --- | --- | --- | --- |\n");
    for r in &report.results {
        let verdict = if r.reproducible {
            "✅ reproducible"
        } else {
            "❌ differs"
        };
        let cause = r.cause.map(|c| format!("`{c}`")).unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | {verdict} | {} | {cause} |",
            r.installable, r.rounds
        );
    }
    for r in report.results.iter().filter(|r| !r.reproducible) {
        details(&mut out, r);
    }
    out
}

fn details(out: &mut String, r: &Outcome) {
    let _ = writeln!(
        out,
        "\n<details><summary><code>{}</code>: {} path(s) differ</summary>\n",
        r.installable,
        r.files.len()
    );
    if let Some(fix) = r.fix {
        let _ = writeln!(out, "**Fix:** {fix}\n");
    }
    for f in &r.files {
        let _ = writeln!(
            out,
            "- `{}` ({})\n\n```text\n{}```\n",
            f.path,
            f.change.as_str(),
            f.detail.replace("```", "'''")
        );
    }
    out.push_str("</details>\n");
}
