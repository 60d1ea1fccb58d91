//! `--format gitlab`: GitLab's code-quality report (a JSON array of issues, the Code Climate
//! subset GitLab reads), for a CI job's `artifacts: reports: codequality`.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::review::{Finding, Note, Report, Severity};

pub fn report(r: &Report) -> String {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut issues: Vec<Value> = r.findings.iter().map(|f| finding(f, &mut seen)).collect();
    issues.extend(r.skipped.iter().map(|n| skipped(n, &mut seen)));
    let mut out = serde_json::to_string_pretty(&Value::Array(issues)).expect("values serialize");
    out.push('\n');
    out
}

fn finding(f: &Finding, seen: &mut HashMap<u64, u32>) -> Value {
    let mut description = format!("{} {}: {}", f.code, f.name, f.message);
    if let Some(h) = &f.help {
        description.push_str(&format!(" (help: {h})"));
    }
    // Line numbers move with unrelated edits; the rule, file, message and the line's text
    // identify the same issue from one pipeline to the next.
    let key = [
        f.code,
        f.file.as_deref().unwrap_or(""),
        &f.message,
        f.source_line.as_deref().unwrap_or("").trim(),
    ];
    json!({
        "description": description,
        "check_name": f.code,
        "fingerprint": fingerprint(&key, seen),
        "severity": severity(f.severity),
        "location": {
            // Commit findings are about the history, not a file: GitLab needs a path.
            "path": f.file.as_deref().unwrap_or("."),
            "lines": { "begin": f.line().unwrap_or(1) },
        },
    })
}

fn skipped(n: &Note, seen: &mut HashMap<u64, u32>) -> Value {
    let path = n.file.as_deref().unwrap_or(".");
    json!({
        "description": format!("not reviewed: {}", n.message),
        "check_name": "not-reviewed",
        "fingerprint": fingerprint(&["not-reviewed", path, &n.message], seen),
        "severity": severity(Severity::Warning),
        "location": { "path": path, "lines": { "begin": 1 } },
    })
}

/// GitLab's levels: info, minor, major, critical, blocker.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "minor",
        Severity::Error => "major",
    }
}

/// A stable 64-bit FNV-1a hash of the key, made unique by counting repeats.
fn fingerprint(key: &[&str], seen: &mut HashMap<u64, u32>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in key {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let n = seen.entry(h).or_default();
    *n += 1;
    format!("{h:016x}-{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_unique() {
        let mut seen = HashMap::new();
        let a = fingerprint(&["NF012", "a.nix", "m"], &mut seen);
        let b = fingerprint(&["NF012", "a.nix", "m"], &mut seen);
        assert_ne!(a, b);
        assert_eq!(
            a,
            fingerprint(&["NF012", "a.nix", "m"], &mut HashMap::new())
        );
        assert_ne!(
            a,
            fingerprint(&["NF012", "a.nixm", ""], &mut HashMap::new())
        );
    }
}
