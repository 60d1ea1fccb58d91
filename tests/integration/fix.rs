//! The fix loop end to end: real failures on the stub package set, a fix validated by a real
//! build in a scratch copy, `--apply`, and the user's own build succeeding afterwards.

use std::fs;
use std::process::Command;

use serde_json::Value;

use crate::common::{nfai, nix_available, project, NIX_CONFIG};

/// For each project: nfai validates a fix by building it, applies it, and then the plain
/// `nix build` in the project succeeds. The diff and the changed files are snapshotted, so
/// formatting and comments are seen to survive.
#[test]
fn validated_fixes_apply_and_build() {
    if !nix_available("validated_fixes_apply_and_build") {
        return;
    }
    let cases = [
        ("hash-mismatch-fetchurl", "hash_mismatch"),
        ("hash-mismatch-cargo", "hash_mismatch"),
        ("hash-mismatch-vendor", "hash_mismatch"),
        ("missing-build-tool", "missing_build_tool"),
        ("missing-library", "missing_library"),
        ("missing-header", "missing_header"),
        ("writable-home", "writable_home"),
        ("untracked-file", "untracked_file"),
        ("unfree-package", "unfree_package"),
        ("insecure-package", "insecure_package"),
    ];
    let mut failures = Vec::new();
    for (name, category) in cases {
        let p = project(name);
        let out = nfai()
            .env("NIX_CONFIG", NIX_CONFIG)
            .current_dir(p.root.as_path())
            .args(["explain-failure", "--apply", "--format", "json", "--"])
            .args(&p.argv)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if report["category"] != category {
            failures.push(format!("{name}: category {}", report["category"]));
            continue;
        }
        if report["fix"]["validated"] != "build" {
            failures.push(format!(
                "{name}: not validated by a build: {:#}",
                report["fix"]
            ));
            continue;
        }
        if !stderr.contains("nfai: applied the fix") && !stderr.contains("nfai: ran `git add") {
            failures.push(format!("{name}: nothing applied: {stderr}"));
            continue;
        }
        let rebuilt = Command::new(&p.argv[0])
            .args(&p.argv[1..])
            .env("NIX_CONFIG", NIX_CONFIG)
            .current_dir(p.root.as_path())
            .output()
            .unwrap();
        if !rebuilt.status.success() {
            failures.push(format!(
                "{name}: the user's build still fails: {}",
                String::from_utf8_lossy(&rebuilt.stderr)
            ));
            continue;
        }
        let diff = report["fix"]["diff"].as_str().unwrap_or("").to_owned();
        let after: Vec<String> = report["fix"]["edits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["file"].as_str().unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|f| {
                format!(
                    "=== {f}\n{}",
                    fs::read_to_string(p.root.as_path().join(&f)).unwrap()
                )
            })
            .collect();
        insta::assert_snapshot!(
            format!("fix__{name}"),
            format!("{diff}\n{}", after.join("\n"))
        );
    }
    assert!(
        failures.is_empty(),
        "fixes that did not work:\n{}",
        failures.join("\n")
    );
}

/// Flakes disabled: the fix (the features in nix.conf) is validated by building with them,
/// and not written, since nix.conf is not part of the project.
#[test]
fn enabling_flakes_is_validated_but_left_to_the_user() {
    if !nix_available("enabling_flakes_is_validated_but_left_to_the_user") {
        return;
    }
    let p = project("flakes-disabled");
    let out = nfai()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(&p.root)
        .args(["explain-failure", "--apply", "--format", "json", "--"])
        .args(&p.argv)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["category"], "flakes_disabled");
    assert_eq!(report["fix"]["validated"], "build", "{:#}", report["fix"]);
    assert!(report["fix"]["description"]
        .as_str()
        .unwrap()
        .contains("extra-experimental-features = nix-command flakes"));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("nfai: not applied, since nix.conf is outside the project"));
}

/// A fix whose check fails is reported with the error that stopped it and is never shown as
/// validated; nothing is written.
#[test]
fn a_fix_that_does_not_build_is_not_validated() {
    if !nix_available("a_fix_that_does_not_build_is_not_validated") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let package = "{ lib, stdenv }:\n\n# a comment\nstdenv.mkDerivation {\n  pname = \"tool\";\n  version = \"1.0\";\n  nativeBuildInputs = [ pkg-config ];\n}\n";
    fs::write(dir.path().join("package.nix"), package).unwrap();
    let log = format!(
        "error: undefined variable 'pkg-config'\n\n       at {}/package.nix:7:25:\n",
        dir.path().display()
    );
    fs::write(dir.path().join("fail.log"), &log).unwrap();
    let out = nfai()
        .current_dir(dir.path())
        .args([
            "explain-failure",
            "--apply",
            "--validate",
            "build",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "cat fail.log >&2; exit 1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["category"], "undefined_variable");
    let fix = &report["fix"];
    assert_eq!(fix["validated"], "none", "{fix:#}");
    let attempt = &fix["attempts"][0];
    assert_eq!(attempt["validated"], "parse", "{attempt:#}");
    assert!(
        attempt["diff"]
            .as_str()
            .unwrap()
            .contains("+{ lib, stdenv, pkg-config }:"),
        "{attempt:#}"
    );
    assert!(
        attempt["error"].as_str().unwrap().contains("failed"),
        "{attempt:#}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("package.nix")).unwrap(),
        package
    );
}

/// `--no-validate` shows the proposal, labelled, and `--apply` cannot be combined with it.
#[test]
fn unvalidated_proposals_are_labelled() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("package.nix"), "{ stdenv }:\nstdenv.mkDerivation { pname = \"t\"; version = \"1\"; buildInputs = [ zlib ]; }\n").unwrap();
    let log = format!(
        "error: undefined variable 'zlib'\n\n       at {}/package.nix:2:68:\n",
        dir.path().display()
    );
    let out = nfai()
        .current_dir(dir.path())
        .args(["explain-failure", "--no-validate"])
        .write_stdin(log)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not validated (--no-validate)"), "{text}");
    assert!(text.contains("+{ stdenv, zlib }:"), "{text}");
    nfai()
        .args(["explain-failure", "--no-validate", "--apply"])
        .write_stdin("")
        .assert()
        .code(2);
}
