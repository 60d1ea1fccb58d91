//! `--format sarif`: SARIF 2.1.0 for code scanning, with the rules' metadata and fixes.

use serde_json::{json, Value};

use crate::review::{summary, Finding, Report, Severity, RULES};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn report(r: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code(),
                "name": rule.name(),
                "shortDescription": { "text": summary(*rule) },
                "fullDescription": { "text": rule.doc() },
                "help": { "text": rule.doc(), "markdown": rule.doc() },
                "defaultConfiguration": { "level": level(rule.severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = r.findings.iter().map(result).collect();
    let notifications: Vec<Value> = r
        .notes
        .iter()
        .map(|n| ("note", n))
        .chain(r.skipped.iter().map(|n| ("warning", n)))
        .map(|(level, n)| notification(level, n))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "nfai",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/nfai/nfai",
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true, "toolExecutionNotifications": notifications }],
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("values serialize");
    out.push('\n');
    out
}

/// A tool notification; a skipped file's says so and points at the file.
fn notification(level: &str, n: &crate::review::Note) -> Value {
    let mut v = json!({ "level": level, "message": { "text": super::skipped(n) } });
    if level == "warning" {
        v["message"]["text"] = json!(format!("not reviewed: {}", super::skipped(n)));
        if let Some(f) = &n.file {
            v["locations"] = json!([{ "physicalLocation": { "artifactLocation": { "uri": f } } }]);
        }
    }
    v
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &Finding) -> Value {
    let index = RULES.iter().position(|r| r.code() == f.code).unwrap_or(0);
    let mut text = f.message.clone();
    if let Some(h) = &f.help {
        text.push_str(&format!(" (help: {h})"));
    }
    if let Some(c) = &f.command {
        text.push_str(&format!(" (run: {c})"));
    }
    let mut res = json!({
        "ruleId": f.code,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": { "text": text },
    });
    if let Some(file) = &f.file {
        let mut physical = json!({ "artifactLocation": { "uri": file } });
        if let Some(s) = &f.span {
            physical["region"] = json!({
                "startLine": s.line, "startColumn": s.column,
                "endLine": s.end_line, "endColumn": s.end_column,
            });
        }
        res["locations"] = json!([{ "physicalLocation": physical }]);
    }
    if let Some(fix) = &f.fix {
        let changes: Vec<Value> = crate::nix::edit::by_file(&fix.edits)
            .into_iter()
            .map(|(file, edits)| {
                let replacements: Vec<Value> = edits
                    .iter()
                    .map(|e| json!({
                        "deletedRegion": { "byteOffset": e.range.start, "byteLength": e.range.len() },
                        "insertedContent": { "text": e.new_text },
                    }))
                    .collect();
                json!({ "artifactLocation": { "uri": crate::review::relative(std::path::Path::new(""), file) }, "replacements": replacements })
            })
            .collect();
        res["fixes"] =
            json!([{ "description": { "text": fix.description }, "artifactChanges": changes }]);
    }
    res
}
