//! `--format json`: the finding as one JSON object.

use crate::diagnose::Finding;

pub fn finding(finding: &Finding) -> String {
    let mut out = serde_json::to_string_pretty(finding).expect("findings serialize");
    out.push('\n');
    out
}
