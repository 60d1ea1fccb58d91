//! `nfai review` end to end: fixture repositories with every rule's hit and near miss,
//! output formats (SARIF checked against the 2.1.0 schema), --fix, --diff on a real git
//! history, and bad input.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::{copy_dir, fixtures, nfai, repo};

fn review_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = nfai()
        .arg("review")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

fn codes(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Copies a fixture directory into a fresh temporary directory.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("review").join(name), tmp.path(), &[]);
    tmp
}

pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn violations_fixture_hits_every_file_rule() {
    let (code, report) = review_json(&fixtures().join("review/violations"), &[]);
    assert_eq!(code, 1);
    let want: BTreeSet<String> = (1..=20)
        .filter(|n| ![14, 17, 18].contains(n))
        .map(|n| format!("NF{n:03}"))
        .collect();
    assert_eq!(
        codes(&report),
        want,
        "NF014 is suppressed in the fixture; NF017/NF018 need git history"
    );
}

#[test]
fn clean_fixture_has_only_near_misses() {
    let (code, report) = review_json(&fixtures().join("review/clean"), &[]);
    assert_eq!((code, codes(&report)), (0, BTreeSet::new()), "{report:#}");
}

#[test]
fn shapes_from_real_repositories_are_not_misreported() {
    // Flake templates, paths built from store paths, default-argument fallbacks next to a
    // flake, devenv projects, packaged and containerised scripts, `nix eval --impure
    // --expr builtins.currentSystem`: each was once reported wrongly on a real repository.
    let (code, report) = review_json(&fixtures().join("review/precision"), &[]);
    let found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("NF014", "warning", "default.nix"),
        ("NF012", "warning", "default.nix"),
        ("NF015", "info", "tests/modules/nixos-lib.nix"),
    ]
    .map(|(c, s, f)| (c.to_owned(), s.to_owned(), f.to_owned()));
    assert_eq!((code, found), (1, expected.to_vec()), "{report:#}");
}

#[test]
fn the_projects_own_repository_reviews_clean() {
    let out = nfai().arg("review").arg(repo()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn human_output_is_rustc_style() {
    let out = nfai()
        .args(["review", "--color", "never"])
        .arg(fixtures().join("review/violations"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("warning[NF003]: shebang `/bin/bash` bypasses the Nix environment\n --> scripts/deploy.sh:1:1\n  |\n1 | #!/bin/bash -e\n  | ^^^^^^^^^^^^^^\n"), "{text}");
    assert!(
        text.contains("nfai review: 4 errors, 13 warnings"),
        "{text}"
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("review/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The official schema's `language` patterns have a stray `]`, a literal in ECMA-262
    // regexes but an error for Rust's regex engine: escape it (same meaning) to compile.
    assert_eq!(escape_stray_brackets(&mut schema), 2);
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    // Skipped files are tool notifications with a location.
    let hostile = hostile_tree();
    let sarif_of = |dir: &std::path::Path| -> serde_json::Value {
        let out = nfai()
            .args(["review", "--format", "sarif"])
            .arg(dir)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let sarif = sarif_of(hostile.path());
    assert!(validator.is_valid(&sarif), "{sarif:#}");
    // The CI fixture: findings in YAML, Groovy and Makefiles, fixes among them.
    let sarif = sarif_of(&fixtures().join("review/ci-violations"));
    assert!(validator.is_valid(&sarif), "{sarif:#}");
    let sarif = sarif_of(&fixtures().join("review/violations"));
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["fixes"].is_array()),
        "fixes are included"
    );
    // and the schema really checks: a wrong level is rejected
    let mut bad = sarif.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad));
}

fn escape_stray_brackets(v: &mut serde_json::Value) -> usize {
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        serde_json::Value::String(s) if s == STRAY => {
            *s = r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$".to_owned();
            1
        }
        serde_json::Value::Object(m) => m.values_mut().map(escape_stray_brackets).sum(),
        serde_json::Value::Array(a) => a.iter_mut().map(escape_stray_brackets).sum(),
        _ => 0,
    }
}

#[test]
fn github_and_markdown_formats() {
    let dir = fixtures().join("review/violations");
    let gh = nfai()
        .args(["review", "--format", "github"])
        .arg(&dir)
        .output()
        .unwrap();
    let gh = String::from_utf8(gh.stdout).unwrap();
    assert!(gh.contains("::warning file=scripts/deploy.sh,line=1,col=1,endLine=1,endColumn=15,title=NF003 bypassing-shebang::shebang `/bin/bash` bypasses the Nix environment"), "{gh}");
    let md = nfai()
        .args(["review", "--format", "markdown"])
        .arg(&dir)
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("### nfai review: 4 errors, 13 warnings")
            // The flake passes `pkgs`: the two `<nixpkgs>` defaults are one fallback warning.
            && md.contains("| 🟡 warning | `NF012` search-path | `pkgs/broken.nix:1:17` | 2 default argument(s) fall back to NIX\\_PATH"),
        "{md}"
    );
}

#[test]
fn fix_shows_the_diff_applies_and_rechecks() {
    let tmp = copy_fixture("violations");
    let before = std::fs::read_to_string(tmp.path().join("flake.nix")).unwrap();
    let dry = nfai()
        .args(["review", "--fix", "--dry-run", "--color", "never"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let dry_out = String::from_utf8(dry.stdout).unwrap();
    assert!(
        dry_out.contains("+  inputs.utils.inputs.nixpkgs.follows = \"nixpkgs\";"),
        "{dry_out}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("flake.nix")).unwrap(),
        before,
        "--dry-run changes nothing"
    );

    let (code, report) = review_json(tmp.path(), &["--fix"]);
    assert_eq!(code, 1, "other findings remain");
    let after = std::fs::read_to_string(tmp.path().join("flake.nix")).unwrap();
    assert!(after.contains("inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";"));
    assert!(after.contains("description = \"a flake that breaks every flake rule\";"));
    let script = std::fs::read_to_string(tmp.path().join("scripts/deploy.sh")).unwrap();
    assert!(
        script.starts_with("#!/usr/bin/env -S bash -e\n# Deploys the site"),
        "comments survive: {script}"
    );
    let left = codes(&report);
    assert!(
        !left.contains("NF003") && !left.contains("NF009") && left.contains("NF006"),
        "{left:?}"
    );
}

#[test]
fn diff_reviews_only_the_change_and_its_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("old.sh"), "#!/bin/bash\necho legacy\n").unwrap();
    std::fs::write(
        dir.join("README.md"),
        "run with `nix develop --command ./old.sh` or `nix develop --command ./new.sh`\n",
    )
    .unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "CRQ-1 initial import"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(dir.join("new.sh"), "#!/bin/bash\necho new\n").unwrap();
    git(dir, &["add", "new.sh"]);
    git(dir, &["commit", "-q", "-m", "add new script"]);
    std::fs::write(dir.join("default.nix"), "import <nixpkgs> { }\n").unwrap();
    git(dir, &["add", "default.nix"]);
    git(dir, &["commit", "-q", "-m", "CRQ-2 add default.nix"]);

    let (code, report) = review_json(dir, &["--diff", "main"]);
    assert_eq!(code, 1);
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        found.contains(&("NF003".into(), "new.sh".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("NF012".into(), "default.nix".into())),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, f)| f == "old.sh"),
        "untouched files are not reported: {found:?}"
    );
    let commits: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "NF017")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(commits.len(), 1, "{commits:?}");
    assert!(commits[0].contains("\"add new script\""));
    assert_eq!(report["commit_range"], "main..HEAD");

    // the whole repository, without a range: old.sh too, no commit check
    let (_, whole) = review_json(dir, &[]);
    let files: BTreeSet<&str> = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(files.contains("old.sh") && !codes(&whole).contains("NF017"));
}

#[test]
fn committed_result_links_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q"]);
    std::os::unix::fs::symlink(
        "/nix/store/00000000000000000000000000000000-x",
        dir.join("result"),
    )
    .unwrap();
    git(dir, &["add", "result"]);
    let (code, report) = review_json(dir, &[]);
    assert_eq!(
        (code, codes(&report)),
        (1, BTreeSet::from(["NF018".to_owned()]))
    );
}

#[test]
fn outside_git_the_file_rules_run_and_the_rest_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.nix"), "import <nixpkgs> { }\n").unwrap();
    std::fs::write(tmp.path().join("blob.nix"), b"\0\x01binary").unwrap();
    let (code, report) = review_json(tmp.path(), &[]);
    assert_eq!(
        (code, codes(&report)),
        (1, BTreeSet::from(["NF012".to_owned()]))
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("not a git repository: could not run NF017, NF018"),
        "{notes}"
    );
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("blob.nix") && skipped.contains("binary file"),
        "{skipped}"
    );
    let fail_on = nfai()
        .arg("review")
        .arg(tmp.path())
        .args(["--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(fail_on.status.code(), Some(0));
}

#[test]
fn bad_config_and_arguments_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".nfai.toml"), "disable = [\"NF042\"]\n").unwrap();
    let out = nfai().arg("review").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule code `NF042`"));
    let out = nfai()
        .args(["review", "/nonexistent/dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    nfai().args(["review", "--dry-run"]).assert().code(2);
}

#[test]
fn rules_are_listed_and_explained() {
    let list = nfai().args(["review", "--list-rules"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    let codes: Vec<&str> = list.lines().filter_map(|l| l.get(..5)).collect();
    assert!(
        codes.len() > 20 && codes.iter().all(|c| c.starts_with("NF")),
        "{list}"
    );
    assert!(list.contains("NF028  no-reproducibility-check"), "{list}");
    assert!(list.contains("NF012  search-path                      error"));
    let doc = nfai().args(["explain", "NF004"]).output().unwrap();
    let doc = String::from_utf8(doc.stdout).unwrap();
    assert!(
        doc.starts_with("NF004: component-without-flake")
            && doc.contains("Why:")
            && doc.contains("After"),
        "{doc}"
    );
    let all = nfai().args(["explain", "--list"]).output().unwrap();
    let all = String::from_utf8(all.stdout).unwrap();
    assert!(all.contains("hash_mismatch") && all.contains("NF020"));
}

/// A tree with a FIFO named like a Nix file and a script, a Nix file too large to read,
/// and a syntax error in a file without any rule's trigger word.
fn hostile_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for fifo in ["pipe.nix", "pipe.sh"] {
        let ok = Command::new("mkfifo")
            .arg(tmp.path().join(fifo))
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let big = format!("{{ a = \"{}\"; }}\n", "x".repeat(5 << 20));
    std::fs::write(tmp.path().join("big.nix"), big).unwrap();
    std::fs::write(tmp.path().join("typo.nix"), "{ a = 1 }\n").unwrap();
    tmp
}

#[test]
fn special_huge_and_broken_files_are_reported_not_hung_on() {
    let tmp = hostile_tree();
    let out = nfai()
        .arg("review")
        .arg(tmp.path())
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every .nix file is parsed, trigger words or not.
    assert_eq!(codes(&report), BTreeSet::from(["NF019".to_owned()]));
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["file"].as_str().unwrap().to_owned(),
                n["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("big.nix".to_owned(), "larger than 4 MiB".to_owned()),
            (
                "pipe.nix".to_owned(),
                "not a regular file (a FIFO, socket or device)".to_owned()
            ),
            (
                "pipe.sh".to_owned(),
                "not a regular file (a FIFO, socket or device)".to_owned()
            ),
        ]
    );
    assert_eq!(report["summary"]["skipped"], 3);
}

#[test]
fn skipped_files_are_listed_in_every_format_and_fail_the_review() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("big.nix"),
        format!("\"{}\"\n", "x".repeat(5 << 20)),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = nfai()
            .arg("review")
            .arg(tmp.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    let (code, human) = run(&["--color", "never"]);
    assert_eq!(code, 1, "a review that could not read a file is not clean");
    assert!(
        human.contains("warning: not reviewed: big.nix: larger than 4 MiB"),
        "{human}"
    );
    assert!(
        human.contains("nfai review: 1 file(s) not reviewed"),
        "{human}"
    );
    assert_eq!(run(&["--fail-on", "error"]).0, 0);
    let (_, gh) = run(&["--format", "github"]);
    assert!(
        gh.contains("::warning file=big.nix::not reviewed: larger than 4 MiB"),
        "{gh}"
    );
    let (_, md) = run(&["--format", "markdown"]);
    assert!(
        md.contains("**Not reviewed**") && md.contains("- `big.nix`: larger than 4 MiB"),
        "{md}"
    );
    assert!(!md.contains("complies"), "{md}");
    let (_, sarif) = run(&["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let note = notes.iter().find(|n| n["level"] == "warning").unwrap();
    assert_eq!(
        note["message"]["text"],
        "not reviewed: big.nix: larger than 4 MiB"
    );
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "big.nix"
    );
    let (_, gitlab) = run(&["--format", "gitlab"]);
    let gitlab: serde_json::Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(gitlab[0]["check_name"], "not-reviewed");
    assert_eq!(gitlab[0]["location"]["path"], "big.nix");
}

#[test]
fn a_path_too_long_to_open_is_listed_not_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    // 30 levels of 200-character names: longer than PATH_MAX, made with relative steps
    // (bash's `cd` takes them; dash's stops at PATH_MAX).
    let name = "d".repeat(200);
    let script = format!(
        "for i in $(seq 30); do mkdir {name} && cd {name} || exit 1; done; echo 1 > deep.nix"
    );
    let ok = Command::new("bash")
        .current_dir(tmp.path())
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(ok.success());
    let (code, report) = review_json(tmp.path(), &[]);
    assert_eq!(code, 1, "{report:#}");
    let skipped = report["skipped"].to_string();
    assert!(skipped.contains("File name too long"), "{skipped}");
}

#[test]
fn markdown_code_spans_show_angle_brackets() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.nix"), "import <nixpkgs> { }\n").unwrap();
    let out = nfai()
        .args(["review", "--format", "markdown"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| `<nixpkgs>` is looked up in NIX\\_PATH |"),
        "{md}"
    );
    assert!(!md.contains("&lt;nixpkgs&gt;"), "{md}");
}

#[test]
fn gitlab_code_quality_report_has_gitlabs_shape() {
    let out = nfai()
        .args(["review", "--format", "gitlab"])
        .arg(fixtures().join("review/violations"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let issues: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = issues.as_array().expect("a JSON array of issues");
    assert_eq!(issues.len(), 17);
    let mut fingerprints = BTreeSet::new();
    for i in issues {
        // The fields GitLab requires, with the types and values it accepts.
        assert!(
            i["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{i}"
        );
        assert!(
            i["check_name"]
                .as_str()
                .is_some_and(|c| c.starts_with("NF")),
            "{i}"
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap()),
            "{i}"
        );
        assert!(
            i["location"]["path"]
                .as_str()
                .is_some_and(|p| !p.starts_with('/')),
            "{i}"
        );
        assert!(
            i["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{i}"
        );
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap().to_owned()),
            "{i}"
        );
    }
    let syntax = issues.iter().find(|i| i["check_name"] == "NF019").unwrap();
    assert_eq!(
        (
            &syntax["severity"],
            &syntax["location"]["path"],
            &syntax["location"]["lines"]["begin"]
        ),
        (
            &serde_json::json!("major"),
            &serde_json::json!("pkgs/broken.nix"),
            &serde_json::json!(4)
        )
    );
}
