//! `nfai review` on CI configuration (rule NF026): fixture repositories with GitHub Actions,
//! GitLab CI, Buildkite, Jenkins and a Makefile called from CI, their compliant variants, the
//! fix applied end to end, and every output format.

use std::path::Path;

use crate::common::{fixtures, nfai};
use crate::review::copy_fixture;

fn review(dir: &Path, format: &str) -> (i32, String) {
    let out = nfai()
        .args(["review", "--format", format])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The NF026 findings of a JSON report: place, message, help and fix.
fn nf026(json: &str) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "NF026")
        .map(|f| {
            serde_json::json!({
                "at": format!("{}:{}", f["file"].as_str().unwrap(), f["span"]["line"]),
                "message": f["message"],
                "help": f["help"],
                "fix": f["fix"]["description"],
            })
        })
        .collect()
}

#[test]
fn ci_files_that_build_outside_nix_are_reported_at_their_lines() {
    let (code, json) = review(&fixtures().join("review/ci-violations"), "json");
    assert_eq!(code, 1);
    let found = nf026(&json);
    // Every format is read, and a `make check` in CI is followed into the Makefile.
    for file in [
        ".github/workflows/ci.yml",
        ".github/workflows/make.yml",
        ".gitlab-ci.yml",
        ".buildkite/pipeline.yml",
        "Jenkinsfile",
        "Makefile",
    ] {
        assert!(
            found
                .iter()
                .any(|f| f["at"].as_str().unwrap().starts_with(&format!("{file}:"))),
            "{file}: {found:#?}"
        );
    }
    insta::assert_json_snapshot!("ci_violations", found);
}

#[test]
fn ci_running_builds_through_nix_is_clean() {
    let (code, json) = review(&fixtures().join("review/ci-compliant"), "json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((code, &report["findings"]), (0, &serde_json::json!([])));
}

#[test]
fn the_fix_wraps_commands_in_the_dev_shell_and_the_review_agrees() {
    let tmp = copy_fixture("ci-violations");
    let (_, before) = review(tmp.path(), "json");
    let fixable = nf026(&before)
        .iter()
        .filter(|f| !f["fix"].is_null())
        .count();
    let out = nfai()
        .args(["review", "--fix"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("fixed {fixable} finding")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let workflow = std::fs::read_to_string(tmp.path().join(".github/workflows/ci.yml")).unwrap();
    let yaml: serde_norway::Value = serde_norway::from_str(&workflow).expect("still YAML");
    assert_eq!(
        yaml["jobs"]["rust"]["steps"][3]["run"],
        "nix develop --command cargo build --locked --all-targets"
    );
    assert!(yaml["jobs"]["rust"]["steps"][4]["run"]
        .as_str()
        .unwrap()
        .contains("\nnix develop --command cargo test --workspace --locked \\\n"));
    let (_, after) = review(tmp.path(), "json");
    let left = nf026(&after);
    assert!(
        left.iter().all(|f| f["fix"].is_null()),
        "only advice is left: {left:#?}"
    );
    assert_eq!(left.len(), nf026(&before).len() - fixable - 2, "{left:#?}");
}

#[test]
fn every_format_carries_the_ci_findings() {
    let dir = fixtures().join("review/ci-violations");
    let (_, json) = review(&dir, "json");
    let count = nf026(&json).len();
    let (_, gh) = review(&dir, "github");
    let annotations: Vec<&str> = gh.lines().filter(|l| l.contains("title=NF026")).collect();
    assert_eq!(annotations.len(), count, "{gh}");
    assert!(annotations.iter().any(|l| l.starts_with(
        "::warning file=.gitlab-ci.yml,line=20,col=7,endLine=20,endColumn=26,title=NF026 tests-outside-nix::CI runs `go test` outside a Nix environment"
    )), "{gh}");
    let (_, md) = review(&dir, "markdown");
    assert!(
        md.contains("| `NF026` tests-outside-nix | `Jenkinsfile:13:21` | CI runs `mvn` outside a Nix environment"),
        "{md}"
    );
    let (_, sarif) = review(&dir, "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ours: Vec<&serde_json::Value> = results.iter().filter(|r| r["ruleId"] == "NF026").collect();
    assert_eq!(ours.len(), count);
    assert!(ours.iter().any(|r| r["fixes"].is_array()));
    let explain = nfai().args(["explain", "NF026"]).output().unwrap();
    let explain = String::from_utf8(explain.stdout).unwrap();
    assert!(
        explain.contains("nix develop --command cargo test --locked"),
        "{explain}"
    );
}
