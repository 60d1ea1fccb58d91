//! `--format json`: the whole report as one JSON object.

use crate::review::Report;

pub fn report(r: &Report) -> String {
    let mut value = serde_json::to_value(r).expect("reports serialize");
    value["summary"] = serde_json::json!({
        "errors": r.count(crate::review::Severity::Error),
        "warnings": r.count(crate::review::Severity::Warning),
        "infos": r.count(crate::review::Severity::Info),
        "skipped": r.skipped.len(),
    });
    let mut out = serde_json::to_string_pretty(&value).expect("values serialize");
    out.push('\n');
    out
}
