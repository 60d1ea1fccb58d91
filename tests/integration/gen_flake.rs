//! `nfai gen-flake` end to end: flakes generated for the fixture scripts and validated under
//! Nix against the stub nixpkgs, the files they write, refusing to overwrite, bad input.

use std::path::Path;

use crate::common::{self, nfai, NIX_CONFIG};

/// The fixture repository `fixtures/genflake/scripts` in a scratch directory.
fn scripts_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::fixtures().join("genflake/scripts"),
        dir.path(),
        &[],
    );
    dir
}

fn stub_args() -> Vec<String> {
    let stub = common::fixtures().join("nixpkgs-stub");
    [
        "--nix-arg=--override-input".to_owned(),
        "--nix-arg=nixpkgs".to_owned(),
        format!("--nix-arg=path:{}", stub.display()),
    ]
    .to_vec()
}

/// Runs gen-flake in `dir`; returns the exit code and the JSON report.
fn gen_flake(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = nfai()
        .current_dir(dir)
        .env("NIX_CONFIG", NIX_CONFIG)
        .arg("gen-flake")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn scripts_get_a_pinned_flake_that_builds() {
    if !common::nix_available("scripts_get_a_pinned_flake_that_builds") {
        return;
    }
    let repo = scripts_repo();
    let mut args = vec!["deploy.sh", "backup.sh"];
    let stub = stub_args();
    args.extend(stub.iter().map(String::as_str));
    let (code, report) = gen_flake(repo.path(), &args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["validated"], "build");
    let checks: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "rnix parse flake.nix",
            "nix-instantiate --parse flake.nix",
            "nix flake check --no-build",
            "nix build of 2 package(s) and the devShell",
            "command -v of 16 tool(s) in nix develop",
        ]
    );
    insta::assert_snapshot!("scripts_flake_nix", read(repo.path(), "flake.nix"));
    // The pin of the other component, written without network.
    assert_eq!(
        read(repo.path(), "flake.lock"),
        read(repo.path(), "component/flake.lock")
    );
    insta::assert_json_snapshot!("scripts_tools", report["tools"]);
    assert_eq!(report["unresolved"], serde_json::json!([]));
    assert_eq!(report["files"][0]["path"], "flake.nix");
    assert!(report["files"][0]["diff"]
        .as_str()
        .unwrap()
        .starts_with("--- a/flake.nix\n+++ b/flake.nix\n@@ -0,0 +1,"));

    // A second run changes nothing and needs no --force.
    let (code, report) = gen_flake(repo.path(), &["deploy.sh", "backup.sh", "--no-validate"]);
    assert_eq!(code, 1, "not validated: {report:#}");
    assert_eq!(report["files"][0]["diff"], "");
}

#[test]
fn a_command_its_package_does_not_provide_fails_the_tool_check() {
    if !common::nix_available("a_command_its_package_does_not_provide_fails_the_tool_check") {
        return;
    }
    let repo = scripts_repo();
    // The index maps zipinfo to unzip; the stub's unzip ships only bin/unzip.
    std::fs::write(
        repo.path().join("peek.sh"),
        "#!/bin/sh\nzipinfo -1 site.zip\n",
    )
    .unwrap();
    let mut args = vec!["peek.sh"];
    let stub = stub_args();
    args.extend(stub.iter().map(String::as_str));
    let (code, report) = gen_flake(repo.path(), &args);
    assert_eq!(code, 1);
    assert_eq!(report["validated"], "eval");
    let last = report["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ok"], false);
    assert_eq!(last["error"], "not on the devShell's PATH: zipinfo");
}

#[test]
fn an_attribute_nixpkgs_lacks_is_diagnosed() {
    if !common::nix_available("an_attribute_nixpkgs_lacks_is_diagnosed") {
        return;
    }
    let repo = scripts_repo();
    std::fs::write(repo.path().join("pods.sh"), "#!/bin/sh\nkubectl get pods\n").unwrap();
    let mut args = vec!["pods.sh"];
    let stub = stub_args();
    args.extend(stub.iter().map(String::as_str));
    let (code, report) = gen_flake(repo.path(), &args);
    assert_eq!(code, 1);
    assert_eq!(report["validated"], "parse");
    let last = report["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["check"], "nix flake check --no-build");
    // explain-failure's diagnosis of the evaluation log
    assert_eq!(
        last["error"],
        "undefined_variable: undefined variable 'kubectl'"
    );
}

#[test]
fn existing_files_need_force_and_dry_run_writes_nothing() {
    let repo = scripts_repo();
    let dir = repo.path();
    std::fs::write(dir.join("flake.nix"), "{ outputs = _: { }; }\n").unwrap();
    let out = nfai()
        .current_dir(dir)
        .args(["gen-flake", "backup.sh", "--no-validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("flake.nix exists; --force replaces it"));

    let (code, report) = gen_flake(dir, &["backup.sh", "--no-validate", "--dry-run"]);
    assert_eq!(code, 1, "not validated");
    assert_eq!(report["written"], false);
    assert!(report["files"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("-{ outputs = _: { }; }\n"));
    assert_eq!(read(dir, "flake.nix"), "{ outputs = _: { }; }\n");
    assert!(!dir.join("flake.lock").exists());

    let out = nfai()
        .current_dir(dir)
        .args(["gen-flake", "backup.sh", "--no-validate", "--force"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("--- a/flake.nix\n+++ b/flake.nix\n"),
        "{stdout}"
    );
    assert!(stdout.contains("wrote flake.nix, flake.lock"), "{stdout}");
    assert!(read(dir, "flake.nix").contains("backup = script pkgs {"));
    // nothing left behind by the atomic writes
    let stray: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".nfai-"))
        .collect();
    assert!(stray.is_empty());
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tool.bin"), b"\x7fELF\x02\x01\x01\x00\x00").unwrap();
    std::fs::write(d.join("prompt.zsh"), "autoload -U colors\n").unwrap();
    std::fs::write(d.join("setup.ps1"), "Write-Host hi\n").unwrap();
    let cases = [
        ("tool.bin", "a binary file, not a shell script"),
        (
            "prompt.zsh",
            "a zsh script; only bash and POSIX sh scripts are supported",
        ),
        ("setup.ps1", "a PowerShell script"),
        ("missing.sh", "missing.sh: no such file"),
        (".", "nothing to build recognised (no Cargo.toml, go.mod"),
    ];
    for (arg, message) in cases {
        let out = nfai()
            .current_dir(d)
            .args(["gen-flake", arg, "--no-validate"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{arg}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 3, "nothing written");
}

#[test]
fn a_syntax_error_reports_where_and_what_parsed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("half.sh"),
        "#!/bin/sh\njq . x.json\nif [ -f y ]; then\n  curl x\n",
    )
    .unwrap();
    let (code, report) = gen_flake(dir.path(), &["half.sh", "--no-validate", "--dry-run"]);
    assert_eq!(code, 1);
    let e = &report["syntax_errors"][0];
    assert_eq!(e["script"], "half.sh");
    assert_eq!(e["parsed_lines"], 2);
    assert_eq!(report["tools"][0]["command"], "jq");
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

fn review_codes(dir: &Path) -> Vec<String> {
    let out = nfai()
        .current_dir(dir)
        .args(["review", ".", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["file"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn review_finds_nothing_left_to_generate() {
    let repo = scripts_repo();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "scripts"]);
    let before = review_codes(dir);
    assert!(before.contains(&"NF001 deploy.sh".to_owned()), "{before:?}");
    assert!(before.contains(&"NF001 backup.sh".to_owned()), "{before:?}");
    let (code, _) = gen_flake(dir, &["deploy.sh", "backup.sh", "--no-validate"]);
    assert_eq!(code, 1, "written, not validated");
    git(dir, &["add", "-A"]);
    let after = review_codes(dir);
    let script_and_flake = ["NF001", "NF002", "NF004", "NF005"];
    assert!(
        after
            .iter()
            .all(|f| !script_and_flake.iter().any(|c| f.starts_with(c))),
        "{after:?}"
    );
}

/// A project without a flake, in `dst`: the sources of a fixture project (its flake and
/// harness files left out) plus `fixtures/genflake/projects/<name>`. `tlsping` is
/// missing-library's C program with a release script, `rgrep` hash-mismatch-cargo's crate,
/// `pinger` hash-mismatch-vendor's Go module; `greeter` (npm), `wordfreq` (pyproject.toml) and
/// `fetchurls` (requirements.txt) are all in `fixtures/genflake/projects`.
fn project_sources(name: &str, dst: &Path) {
    let from = match name {
        "tlsping" => Some("missing-library"),
        "rgrep" => Some("hash-mismatch-cargo"),
        "pinger" => Some("hash-mismatch-vendor"),
        "greeter" | "wordfreq" | "fetchurls" => None,
        _ => panic!("no fixture project {name}"),
    };
    std::fs::create_dir_all(dst).unwrap();
    if let Some(from) = from {
        common::copy_dir(
            &common::fixtures().join("projects").join(from),
            dst,
            &[
                "cmd",
                "expect",
                "fixed",
                "setup",
                "flake.nix",
                "package.nix",
            ],
        );
    }
    let extra = common::fixtures().join("genflake/projects").join(name);
    if extra.is_dir() {
        common::copy_dir(&extra, dst, &[]);
    }
}

/// The fixture projects `names` in a git repository that also holds a pinned component.
fn projects_repo(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        project_sources(name, &dir.path().join(name));
    }
    let component = dir.path().join("component");
    std::fs::create_dir(&component).unwrap();
    common::copy_dir(
        &common::fixtures().join("genflake/scripts/component"),
        &component,
        &[],
    );
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    dir
}

/// `gen-flake PROJECT` in `repo` (from `projects_repo`): detected as `kind`, built, pinned
/// like the repository's component; flake.nix is snapshotted. Returns the report.
fn generate_project(repo: &Path, project: &str, kind: &str) -> serde_json::Value {
    let mut args = vec![project];
    let stub = stub_args();
    args.extend(stub.iter().map(String::as_str));
    let (code, report) = gen_flake(repo, &args);
    assert_eq!(code, 0, "{project}: {report:#}");
    assert_eq!(report["validated"], "build", "{project}");
    assert_eq!(report["project"][0]["kind"], kind);
    let dir = repo.join(project);
    insta::assert_snapshot!(
        format!("project_{project}_flake_nix"),
        read(&dir, "flake.nix")
    );
    assert_eq!(read(&dir, "flake.lock"), read(repo, "component/flake.lock"));
    report
}

#[test]
fn projects_are_detected_built_and_pinned() {
    if !common::nix_available("projects_are_detected_built_and_pinned") {
        return;
    }
    let repo = projects_repo(&["tlsping", "rgrep", "pinger"]);
    for (project, kind) in [("tlsping", "make"), ("rgrep", "cargo"), ("pinger", "go")] {
        generate_project(repo.path(), project, kind);
    }
    // The scripts of the project are in its devShell and checked there.
    let dir = repo.path().join("tlsping");
    assert!(read(&dir, "flake.nix").contains("packages = with pkgs; [ curl git jq ];"));
    // The vendorHash placeholder was replaced by the hash the build reported.
    let pinger = read(&repo.path().join("pinger"), "flake.nix");
    assert!(!pinger.contains("lib.fakeHash"));
    assert!(pinger.contains("vendorHash = \"sha256-"));
}

/// npm and Python projects build with buildNpmPackage and buildPythonApplication: the
/// npmDepsHash comes from the build's `got:`, the Python build backend and requirements are
/// mapped to python3Packages attributes that the build and the runtime dependency check find.
#[test]
fn npm_and_python_projects_build_with_their_dependencies() {
    if !common::nix_available("npm_and_python_projects_build_with_their_dependencies") {
        return;
    }
    let projects = [
        ("greeter", "npm", "package.json"),
        ("wordfreq", "python", "pyproject.toml"),
        ("fetchurls", "python", "requirements.txt"),
    ];
    let repo = projects_repo(&projects.map(|(name, ..)| name));
    for (project, kind, file) in projects {
        let report = generate_project(repo.path(), project, kind);
        assert_eq!(report["project"][0]["file"], file);
        assert_eq!(report["unresolved"], serde_json::json!([]), "{project}");
        assert_eq!(report["project"][0]["unresolved"], serde_json::json!([]));
    }
    let greeter = read(&repo.path().join("greeter"), "flake.nix");
    assert!(!greeter.contains("lib.fakeHash"));
    assert!(greeter.contains("npmDepsHash = \"sha256-"));
    // package.json has no build script, which buildNpmPackage would run.
    assert!(greeter.contains("dontNpmBuild = true;"));
    // The build backend of pyproject.toml; setuptools for setup.py.
    let wordfreq = read(&repo.path().join("wordfreq"), "flake.nix");
    assert!(wordfreq.contains("build-system = with pkgs.python3Packages; [ hatchling ];"));
    assert!(wordfreq.contains("dependencies = with pkgs.python3Packages; [ requests click ];"));
    let fetchurls = read(&repo.path().join("fetchurls"), "flake.nix");
    assert!(fetchurls.contains("build-system = with pkgs.python3Packages; [ setuptools ];"));
    assert!(
        fetchurls.contains("dependencies = with pkgs.python3Packages; [ requests flask numpy ];")
    );
}

#[test]
fn a_workspace_composes_its_components() {
    if !common::nix_available("a_workspace_composes_its_components") {
        return;
    }
    // Three components: a Go project, a Make project with a script, a directory of scripts
    // (whose `component/` already has a flake and the nixpkgs pin).
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["pinger", "tlsping"] {
        project_sources(name, &root.join(name));
    }
    std::fs::create_dir(root.join("scripts")).unwrap();
    common::copy_dir(
        &common::fixtures().join("genflake/scripts"),
        &root.join("scripts"),
        &[],
    );
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    let mut args = vec!["--workspace"];
    let stub = stub_args();
    args.extend(stub.iter().map(String::as_str));
    let (code, report) = gen_flake(root, &args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["validated"], "build");
    let components: Vec<&str> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(components, ["pinger", "scripts", "tlsping"]);
    insta::assert_snapshot!("workspace_flake_nix", read(root, "flake.nix"));
    // The root lock pins the repository's nixpkgs and the components by hash.
    let lock: serde_json::Value = serde_json::from_str(&read(root, "flake.lock")).unwrap();
    assert_eq!(
        lock["nodes"]["nixpkgs"]["locked"]["rev"],
        "63dacb46bf939521bdc93981b4cbb7ecb58427a0"
    );
    for c in &components {
        assert_eq!(lock["nodes"][c]["locked"]["path"], format!("./{c}"));
        assert!(lock["nodes"][c]["locked"]["narHash"].is_string());
    }

    // The root devShell has every component's tools; each component still builds alone.
    git(root, &["add", "-A"]);
    let nix = |dir: &Path, args: &[&str], tail: &[&str]| {
        let stub = common::fixtures().join("nixpkgs-stub");
        std::process::Command::new("nix")
            .current_dir(dir)
            .env("NIX_CONFIG", NIX_CONFIG)
            .args(args)
            .args([
                "--override-input",
                "nixpkgs",
                &format!("path:{}", stub.display()),
            ])
            .args(["--no-write-lock-file"])
            .args(tail)
            .output()
            .unwrap()
    };
    let shell = nix(
        root,
        &["develop"],
        &[
            "--command",
            "sh",
            "-c",
            "for t in rsync jq gzip curl pkg-config; do command -v $t; done",
        ],
    );
    assert!(
        shell.status.success(),
        "{}",
        String::from_utf8_lossy(&shell.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&shell.stdout).lines().count(), 5);
    for c in &components {
        let built = nix(&root.join(c), &["build", "--no-link"], &[]);
        let ok = built.status.success() || c == &"scripts"; // scripts has no default package
        assert!(ok, "{c}: {}", String::from_utf8_lossy(&built.stderr));
    }
    let built = nix(
        &root.join("scripts"),
        &["build", "--no-link", ".#deploy"],
        &[],
    );
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// `review --fix` calls gen-flake for scripts outside any Nix environment: afterwards the
/// review has none of the script-and-flake findings left for them.
#[test]
fn review_fix_generates_the_missing_flake() {
    if !common::nix_available("review_fix_generates_the_missing_flake") {
        return;
    }
    let repo = scripts_repo();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "scripts"]);
    let out = nfai()
        .current_dir(dir)
        .env("NIX_CONFIG", NIX_CONFIG)
        .args(["review", ".", "--fix", "--format", "json"])
        .args(stub_args())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nfai review: gen-flake for ."), "{stderr}");
    assert!(
        dir.join("flake.nix").is_file() && dir.join("flake.lock").is_file(),
        "{stderr}"
    );
    git(dir, &["add", "-A"]);
    let after = review_codes(dir);
    let script_and_flake = ["NF001", "NF002", "NF004", "NF005"];
    assert!(
        after
            .iter()
            .all(|f| !script_and_flake.iter().any(|c| f.starts_with(c))),
        "{after:?}\n{stderr}"
    );
}
