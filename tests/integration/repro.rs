//! `nfai repro` under real Nix: every fixture variant's verdict and cause, the JSON schema,
//! rounds, the default installables, and bad input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::{copy_dir, fixtures, nfai, nix_available, NIX_CONFIG};

/// A fixture flake copied to `<tmp>/<name>` (a stable base name keeps derivations, and so
/// the store paths compared, the same from run to run).
fn flake(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    std::fs::create_dir(&root).unwrap();
    copy_dir(&fixtures().join("repro").join(name), &root, &[]);
    (dir, root)
}

fn repro(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = nfai()
        .current_dir(dir)
        .env("NIX_CONFIG", NIX_CONFIG)
        .arg("repro")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn keys(v: &serde_json::Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn each_variant_gets_its_verdict_and_cause() {
    if !nix_available("each_variant_gets_its_verdict_and_cause") {
        return;
    }
    let (_tmp, root) = flake("variants");
    // (package, cause, the changed path, a word of its detail)
    let cases = [
        ("reproducible", None, "", ""),
        ("timestamp", Some("timestamp"), "version.txt", "+built on "),
        ("random", Some("random"), "id", "-build id "),
        (
            "file-order",
            Some("ordering"),
            "modules.list",
            "the same lines in another order",
        ),
        (
            "build-path",
            Some("build_path"),
            "info",
            "+compiled in /build/src.",
        ),
        ("tar", Some("timestamp"), "data.tar", "data/file: mtime "),
        (
            "gzip",
            Some("timestamp"),
            "log.gz",
            "gzip, compared decompressed",
        ),
        ("single-file", Some("random"), ".", "+seed "),
        (
            "symlink",
            Some("random"),
            ".",
            "symlink target: /nix/store/target-",
        ),
    ];
    for (package, cause, path, detail) in cases {
        let (code, stdout, stderr) = repro(&root, &[&format!(".#{package}"), "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{package}: {e}\n{stdout}\n{stderr}"));
        assert_eq!(keys(&report), BTreeSet::from(["results"]));
        let r = &report["results"][0];
        assert_eq!(
            keys(r),
            BTreeSet::from([
                "installable",
                "derivation",
                "reproducible",
                "rounds",
                "files",
                "cause",
                "fix"
            ]),
            "{package}"
        );
        assert_eq!(r["installable"], format!(".#{package}"));
        assert!(r["derivation"]
            .as_str()
            .unwrap()
            .ends_with(&format!("-{package}.drv")));
        assert_eq!(r["rounds"], 1, "{package}");
        assert_eq!(r["cause"].as_str(), cause, "{package}: {r:#}");
        match cause {
            None => {
                assert_eq!(
                    (code, &r["reproducible"]),
                    (0, &serde_json::json!(true)),
                    "{stderr}"
                );
                assert!(r["files"].as_array().unwrap().is_empty() && r["fix"].is_null());
            }
            Some(_) => {
                assert_eq!(
                    (code, &r["reproducible"]),
                    (1, &serde_json::json!(false)),
                    "{package}"
                );
                let files = r["files"].as_array().unwrap();
                assert_eq!(files.len(), 1, "{package}: {files:#?}");
                assert_eq!(
                    keys(&files[0]),
                    BTreeSet::from(["path", "change", "detail"])
                );
                assert_eq!(
                    (files[0]["path"].as_str(), files[0]["change"].as_str()),
                    (Some(path), Some("changed"))
                );
                let text = files[0]["detail"].as_str().unwrap();
                assert!(text.contains(detail), "{package}: {text}");
                assert!(!r["fix"].as_str().unwrap().is_empty());
            }
        }
    }
}

#[test]
fn rounds_default_installables_and_markdown() {
    if !nix_available("rounds_default_installables_and_markdown") {
        return;
    }
    let (_tmp, root) = flake("flake-outputs");
    let (code, stdout, stderr) = repro(&root, &["--rounds", "2", "--format", "markdown"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("### nfai repro: all 2 reproducible\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(".#packages.") && stdout.contains(".app` | ✅ reproducible | 2 |"),
        "{stdout}"
    );
    assert!(
        stdout.contains(".#checks.") && stdout.contains(".unit` | ✅ reproducible | 2 |"),
        "{stdout}"
    );
    let (code, _, stderr) = repro(&root, &["--rounds", "0"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn failing_builds_and_bad_installables_are_explained_with_exit_2() {
    if !nix_available("failing_builds_and_bad_installables_are_explained_with_exit_2") {
        return;
    }
    let (_tmp, root) = flake("variants");
    let (code, stdout, _) = repro(&root, &[".#no-such-package", "--format", "json"]);
    assert_eq!(code, 2);
    let finding: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(finding["category"], "missing_attribute", "{finding:#}");
    let (code, stdout, stderr) = repro(&root, &[".#fails"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("fails.drv") && stderr.contains("`nix build` failed"),
        "{stdout}{stderr}"
    );
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = repro(empty.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("has no flake.nix"), "{stderr}");
}

#[test]
fn causes_are_explained() {
    for id in [
        "timestamp",
        "build_path",
        "ordering",
        "random",
        "host_identity",
        "unknown",
    ] {
        let out = nfai().args(["explain", id]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.starts_with(&format!("{id}: ")) && text.contains("Fix:"),
            "{text}"
        );
    }
    let list = nfai().args(["explain", "--list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("build_path "));
}

#[test]
fn compare_two_existing_outputs_without_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, stamp) in [(&a, "10:00:01"), (&b, "10:00:02")] {
        std::fs::create_dir_all(dir.join("share")).unwrap();
        std::fs::write(dir.join("share/same"), "x\n").unwrap();
        std::fs::write(dir.join("share/banner"), format!("built at {stamp}\n")).unwrap();
    }
    std::fs::write(b.join("share/extra"), "").unwrap();
    let run = |args: &[&std::path::Path]| {
        let out = nfai()
            .arg("repro")
            .arg("--compare")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = run(&[&a, &b]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("  changed share/banner\n") && stdout.contains("  added share/extra\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("      +built at 10:00:02\n") && stdout.contains("likely cause: timestamp"),
        "{stdout}"
    );
    assert!(!stdout.contains("share/same"), "{stdout}");
    let no_diffoscope = nfai()
        .env("PATH", tmp.path())
        .args(["repro", "--diffoscope", "--format", "json", "--compare"])
        .args([&a, &b])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&no_diffoscope.stderr);
    assert!(stderr.contains("diffoscope is not installed"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&no_diffoscope.stdout).unwrap();
    assert_eq!(report["results"][0]["cause"], "timestamp");
    let (code, stdout) = run(&[&a, &a]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains(": identical\n"), "{stdout}");
    let (code, _) = run(&[&a, &tmp.path().join("missing")]);
    assert_eq!(code, Some(2));
}

#[test]
fn the_reproducibility_check_rule_runs_only_when_enabled() {
    let (_tmp, root) = flake("flake-outputs");
    let nf028 = |root: &Path| {
        let out = nfai()
            .args(["review", "--format", "json", "--fail-on", "never"])
            .arg(root)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "NF028")
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(nf028(&root).is_empty(), "off by default");
    std::fs::write(root.join(".nfai.toml"), "extend-enable = [\"NF028\"]\n").unwrap();
    assert_eq!(
        nf028(&root),
        ["none of the flake's checks verifies reproducibility"]
    );
}
