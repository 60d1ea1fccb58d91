//! explain-failure on real logs quoted in public reports that were not used to build it
//! (fixtures/logs/public): category and culprit-file accuracy, from an empty directory.

use std::path::Path;

use serde_json::Value;

use crate::common::fixtures;
use crate::explain_failure::{accepted_categories, explain_log, real_log_cases};

/// Whether `reported` is `expected` or ends with it at a path-component boundary
/// (`/nix/store/…-source/modules/a.nix` ends with `modules/a.nix`).
fn ends_with_path(reported: &str, expected: &str) -> bool {
    Path::new(reported).ends_with(expected)
}

/// The report names the expected culprit file: as given or as its path inside the source
/// (`source_path`); when the log names no file, the report must name none either.
fn culprit_matches(report: &Value, expected: Option<&str>) -> bool {
    let culprit = &report["culprit"];
    let named: Vec<&str> = ["file", "source_path"]
        .iter()
        .filter_map(|k| culprit[*k].as_str())
        .collect();
    match expected {
        Some(file) => named.iter().any(|n| ends_with_path(n, file)),
        None => named.is_empty(),
    }
}

/// Every log gets its category (or one the case lists as defensible) for at least 95% of the
/// logs, and the culprit file the log names for at least 90%; the table shows each answer.
#[test]
fn public_report_logs_meet_the_accuracy_bar() {
    let dir = fixtures().join("logs/public");
    let cases = real_log_cases(&dir);
    assert!(
        cases.len() >= 40,
        "only {} logs in {}",
        cases.len(),
        dir.display()
    );
    let (mut category_ok, mut culprit_ok) = (0, 0);
    let mut table = vec![format!(
        "{:<52} {:<20} {:<20} {:<4} culprit (expected)",
        "log", "expected", "got", "ok"
    )];
    for (name, case, expected) in &cases {
        let report = explain_log(&case.join("log.txt"));
        let got = report["category"].as_str().unwrap();
        let want = expected["category"].as_str().unwrap();
        let accepted = accepted_categories(expected).iter().any(|a| a == got);
        let file = expected["culprit"]["file"].as_str();
        let located = culprit_matches(&report, file);
        category_ok += usize::from(accepted);
        culprit_ok += usize::from(located);
        let mark = |ok: bool| if ok { "ok" } else { "MISS" };
        table.push(format!(
            "{name:<52} {want:<20} {got:<20} {:<4} {} {} ({})",
            mark(accepted),
            mark(located),
            report["culprit"]["file"].as_str().unwrap_or("-"),
            file.unwrap_or("-")
        ));
        insta::assert_json_snapshot!(format!("public__{name}"), report);
    }
    let total = cases.len();
    let percent = |n: usize| 100.0 * n as f64 / total as f64;
    table.push(format!(
        "category {category_ok}/{total} ({:.1}%), culprit file {culprit_ok}/{total} ({:.1}%)",
        percent(category_ok),
        percent(culprit_ok)
    ));
    println!("{}", table.join("\n"));
    assert!(
        percent(category_ok) >= 95.0,
        "category accuracy below 95%:\n{}",
        table.join("\n")
    );
    assert!(
        percent(culprit_ok) >= 90.0,
        "culprit accuracy below 90%:\n{}",
        table.join("\n")
    );
}

#[test]
fn culprit_files_match_by_whole_path_components() {
    let report = |file: &str| serde_json::json!({ "culprit": { "file": file } });
    assert!(culprit_matches(
        &report("/nix/store/aaaa-source/modules/common.nix"),
        Some("modules/common.nix")
    ));
    assert!(!culprit_matches(
        &report("/nix/store/aaaa-source/mymodules/common.nix"),
        Some("modules/common.nix")
    ));
    assert!(!culprit_matches(&report("flake.nix"), None));
    assert!(culprit_matches(
        &serde_json::json!({ "culprit": null }),
        None
    ));
    let split = serde_json::json!({ "culprit": { "file": "/nix/store/aaaa-source/a/b.nix", "source_path": "a/b.nix" } });
    assert!(culprit_matches(&split, Some("a/b.nix")));
}
