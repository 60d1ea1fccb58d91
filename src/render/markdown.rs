//! `--format markdown`: the finding as a pull-request comment.

use std::fmt::Write;

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
            facts.push(format!("**Culprit:** `{at}`"));
        }
        if let Some(a) = &c.attribute {
            facts.push(format!("**Attribute:** `{a}`"));
        }
    }
    if let Some(d) = &f.derivation {
        facts.push(format!("**Derivation:** `{d}`"));
    }
    for fact in facts {
        let _ = writeln!(out, "- {fact}");
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Evidence from the log</summary>\n\n```text"
        );
        for e in &f.evidence {
            let _ = writeln!(out, "{:>6} | {}", e.line, e.text.replace("```", "'''"));
        }
        let _ = writeln!(out, "```\n</details>");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "\n**Fix:** {}", escape(&fix.description));
        if !fix.commands.is_empty() {
            let _ = writeln!(out, "\n```sh\n{}\n```", fix.commands.join("\n"));
        }
        if let Some(diff) = fix.diff.as_deref().filter(|d| !d.is_empty()) {
            let status = match fix.validated {
                "none" => "not validated".to_owned(),
                level => format!("validated: {level}"),
            };
            let _ = writeln!(out, "\n_Proposed change ({status})_\n\n```diff\n{diff}```");
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

/// Keeps log text from turning into Markdown markup.
fn escape(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}
