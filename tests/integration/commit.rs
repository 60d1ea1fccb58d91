//! `--commit`: nfai's change becomes one commit with the change-request id, refused when
//! other changes are staged, and `git revert` of it restores the previous state exactly.

use std::path::Path;
use std::process::Command;

use crate::common::{copy_dir, fixtures, nfai, nix_available, project, NIX_CONFIG};
use crate::review::git;

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `nfai` in `dir` with a commit identity for git.
fn nfai_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = nfai();
    cmd.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org");
    cmd
}

fn review_fix(dir: &Path, commit: &str) -> (i32, String) {
    let out = nfai_in(dir)
        .args(["review", "--fix", commit, "."])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repository() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &fixtures().join("review").join("violations"),
        tmp.path(),
        &[],
    );
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "CRQ-1 start"]);
    tmp
}

#[test]
fn review_fix_commits_and_the_commit_reverts_exactly() {
    let tmp = repository();
    let dir = tmp.path();
    let before_tree = git_out(dir, &["rev-parse", "HEAD^{tree}"]);

    std::fs::write(dir.join("unrelated.txt"), "x\n").unwrap();
    git(dir, &["add", "unrelated.txt"]);
    let (code, stderr) = review_fix(dir, "--commit=CRQ-7");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("staged changes to other files (unrelated.txt)"),
        "{stderr}"
    );
    assert_eq!(
        git_out(dir, &["status", "--porcelain"]),
        "A  unrelated.txt",
        "nothing written"
    );
    git(dir, &["reset", "-q"]);

    let (code, stderr) = review_fix(dir, "--commit=nope-7");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("does not match the change-request pattern"),
        "{stderr}"
    );

    let (code, stderr) = review_fix(dir, "--commit=CRQ-7");
    assert_eq!(code, 1, "other findings remain: {stderr}");
    let message = git_out(dir, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with("CRQ-7 nfai: fix "), "{message}");
    assert!(
        message.contains("Changed: `nfai review --fix` applied: NF"),
        "{message}"
    );
    assert!(
        message.contains("\nValidated: `nfai review` ran again"),
        "{message}"
    );
    // The component without a flake got one from gen-flake, in the same commit.
    assert!(message.contains("gen-flake for tools/gen"), "{message}");
    assert_eq!(
        git_out(dir, &["status", "--porcelain"]),
        "?? unrelated.txt",
        "all of the change is committed"
    );

    git(dir, &["revert", "--no-edit", "HEAD"]);
    assert_eq!(git_out(dir, &["rev-parse", "HEAD^{tree}"]), before_tree);
    assert_eq!(git_out(dir, &["status", "--porcelain"]), "?? unrelated.txt");
}

#[test]
fn the_default_id_comes_from_the_config() {
    let tmp = repository();
    let dir = tmp.path();
    let (code, stderr) = review_fix(dir, "--commit");
    assert_eq!(code, 2);
    assert!(stderr.contains("needs a change-request id"), "{stderr}");
    std::fs::write(dir.join(".nfai.toml"), "change-request-id = \"CRQ-9\"\n").unwrap();
    git(dir, &["add", ".nfai.toml"]);
    git(dir, &["commit", "-q", "-m", "CRQ-1 config"]);
    let (code, stderr) = review_fix(dir, "--commit");
    assert_eq!(code, 1, "{stderr}");
    assert!(git_out(dir, &["log", "-1", "--format=%s"]).starts_with("CRQ-9 nfai: "));
}

#[test]
fn explain_failure_apply_commits_the_validated_fix() {
    if !nix_available("explain_failure_apply_commits_the_validated_fix") {
        return;
    }
    let p = project("missing-build-tool");
    let dir = p.root.as_path();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "CRQ-1 start"]);
    let before_tree = git_out(dir, &["rev-parse", "HEAD^{tree}"]);
    let out = nfai_in(dir)
        .env("NIX_CONFIG", NIX_CONFIG)
        .args([
            "explain-failure",
            "--apply",
            "--commit=CRQ-5",
            "--format",
            "json",
            "--",
        ])
        .args(&p.argv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nfai: committed the change as "),
        "{stderr}"
    );
    let message = git_out(dir, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with("CRQ-5 nfai: "), "{message}");
    assert!(
        message.contains(
            "Changed: `nfai explain-failure --apply` fixed a `missing_build_tool` failure"
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "Validated: the fix reached `build` in a scratch copy of the project with `nix build"
        ),
        "{message}"
    );
    assert_eq!(git_out(dir, &["status", "--porcelain"]), "");
    git(dir, &["revert", "--no-edit", "HEAD"]);
    assert_eq!(git_out(dir, &["rev-parse", "HEAD^{tree}"]), before_tree);
}
