//! Helpers shared by the integration tests: the built binary, fixture paths, and the Nix
//! availability check that fails a Nix test without Nix unless skipping is asked for.

use std::path::PathBuf;
use std::process::Command;

/// The built `nfai`, with colour and the user's Nix settings out of the way.
/// Tests that give no working directory run in an empty one, so nfai finds no project there
/// to propose fixes for.
pub fn nfai() -> assert_cmd::Command {
    static EMPTY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let mut cmd = assert_cmd::Command::cargo_bin("nfai").expect("nfai is built");
    cmd.env("NO_COLOR", "1").current_dir(empty.path());
    cmd
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// Nix settings for offline, sandboxed builds with only a static busybox as /bin/sh.
pub const NIX_CONFIG: &str = "experimental-features = nix-command flakes\nsubstituters =\nsandbox = true\nsandbox-paths = /bin/sh=/bin/busybox\n";

/// Whether tests that need a real Nix can run. Without Nix such a test fails with a clear
/// message, so that a summary never counts it as passed without having run it; with
/// NFAI_ALLOW_NO_NIX=1 (e.g. inside a build sandbox) it is skipped instead, saying so.
pub fn nix_available(test: &str) -> bool {
    let found = Command::new("nix")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let allow = std::env::var("NFAI_ALLOW_NO_NIX").ok();
    match nix_decision(test, found, allow.as_deref()) {
        Ok(true) => true,
        Ok(false) => {
            eprintln!("skipping {test}: nix is not installed (NFAI_ALLOW_NO_NIX=1)");
            false
        }
        Err(message) => panic!("{message}"),
    }
}

/// Run, skip (`Ok(false)`), or fail with the message.
fn nix_decision(test: &str, found: bool, allow: Option<&str>) -> Result<bool, String> {
    match (found, allow) {
        (true, _) => Ok(true),
        (false, Some("1")) => Ok(false),
        (false, _) => Err(format!(
            "{test} needs nix, but `nix --version` failed: install Nix (see README.md), or set \
             NFAI_ALLOW_NO_NIX=1 to skip the tests that need it"
        )),
    }
}

/// A Nix test without Nix is a failure unless skipping was asked for.
#[test]
fn nix_tests_fail_without_nix_unless_allowed() {
    assert_eq!(nix_decision("t", true, None), Ok(true));
    assert_eq!(nix_decision("t", false, Some("1")), Ok(false));
    assert!(nix_decision("t", false, None)
        .unwrap_err()
        .contains("NFAI_ALLOW_NO_NIX=1"));
    assert!(nix_decision("t", false, Some("0")).is_err());
}

/// A fixture project copied to a scratch directory, ready for its failing command.
pub struct Project {
    _dir: tempfile::TempDir,
    /// `<tmp>/<name>`: a stable base name keeps `./.` store paths, and so derivation
    /// hashes, the same from run to run.
    pub root: PathBuf,
    pub argv: Vec<String>,
}

/// Copies `fixtures/projects/<name>` (without the harness files) to a temporary directory,
/// runs its `setup`, and builds its command against the stub package set.
pub fn project(name: &str) -> Project {
    let src = fixtures().join("projects").join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join(name);
    std::fs::create_dir(&root).expect("project dir");
    copy_dir(&src, &root, &["cmd", "setup", "fixed", "expect"]);
    if src.join("setup").is_file() {
        let ok = Command::new("sh")
            .arg(src.join("setup"))
            .current_dir(&root)
            .status()
            .expect("setup runs")
            .success();
        assert!(ok, "{name}: setup failed");
    }
    let stub = fixtures().join("nixpkgs-stub");
    let cmd = std::fs::read_to_string(src.join("cmd")).expect("cmd");
    let stub = stub.display().to_string();
    let mut argv: Vec<String> = cmd
        .split_whitespace()
        .map(|a| a.replace("@nixpkgs@", &stub))
        .collect();
    let is_flake_cmd = argv[0] == "nix" && !cmd.contains("@nixpkgs@");
    if is_flake_cmd {
        argv.extend([
            "--override-input".into(),
            "nixpkgs".into(),
            format!("path:{stub}"),
            "--no-write-lock-file".into(),
        ]);
    }
    Project {
        _dir: dir,
        root,
        argv,
    }
}

/// Copies a directory tree, skipping the top-level entries named in `skip`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path, skip: &[&str]) {
    for entry in std::fs::read_dir(from).expect("readable fixture").flatten() {
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target, &[]);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
