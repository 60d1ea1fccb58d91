//! What surrounds the binary: completions and man pages from the clap definitions, the CI
//! recipes under docs/ci, the pre-commit hooks, the GitHub job summary and the flake's outputs.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use nfai::nix::syntax::{self, Kind};
use serde_norway::Value;

use crate::common::{copy_dir, fixtures, nfai, nix_available, repo, NIX_CONFIG};

#[test]
fn completions_for_every_shell_and_man_pages() {
    for (shell, marker) in [
        ("bash", "complete -F _nfai"),
        ("zsh", "#compdef nfai"),
        ("fish", "complete -c nfai"),
        ("elvish", "edit:completion:arg-completer[nfai]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = nfai().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("explain-failure"), "{shell}");
    }
    nfai().args(["completions", "tcsh"]).assert().code(2);

    let page = nfai().arg("man").output().unwrap();
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains(".TH nfai 1"), "{page}");
    assert!(page.contains("explain\\-failure"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    nfai()
        .args(["man", "--out-dir"])
        .arg(&out)
        .assert()
        .success();
    for name in ["nfai.1", "nfai-review.1", "nfai-explain-failure.1"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(
            text.starts_with(".ie") && text.contains(".SH NAME"),
            "{name}"
        );
    }
}

fn yaml(rel: &str) -> Value {
    let text = fs::read_to_string(repo().join(rel)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The steps of every job.
fn steps(workflow: &Value) -> Vec<&Value> {
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    jobs.values()
        .flat_map(|j| j["steps"].as_sequence().expect("steps"))
        .collect()
}

/// The nfai arguments of a recipe's command line (after `--`), checked against the real CLI.
fn nfai_args(line: &str) -> Vec<String> {
    let (_, args) = line.split_once(" -- ").expect("nfai is run with `-- ARGS`");
    let args: Vec<String> = args
        .split('>')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|a| a.trim_matches('"').to_owned())
        .collect();
    let argv = std::iter::once("nfai".to_owned()).chain(args.iter().cloned());
    if let Err(e) = <nfai::cli::Cli as clap::Parser>::try_parse_from(argv) {
        panic!("{line}: {e}");
    }
    args
}

#[test]
fn github_recipes_review_the_diff_and_publish_it() {
    let w = yaml("docs/ci/github-code-scanning.yml");
    assert_eq!(w["permissions"]["security-events"], "write");
    let (steps, review) = review_step(&w, "sarif");
    let sarif = review.rsplit_once('>').unwrap().1.trim();
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload step");
    assert_eq!(upload["with"]["sarif_file"], sarif);
    assert!(
        upload["if"].as_str().unwrap().contains("!cancelled()"),
        "findings fail the review step; the upload must still run"
    );

    review_step(&yaml("docs/ci/github-annotations.yml"), "github");
}

/// The workflow's steps and its review command line, checked: full history checked out,
/// and `review --diff origin/main --format FORMAT`.
fn review_step<'a>(workflow: &'a Value, format: &str) -> (Vec<&'a Value>, &'a str) {
    let steps = steps(workflow);
    assert_eq!(
        steps[0]["with"]["fetch-depth"], 0,
        "--diff needs the history"
    );
    let review = steps
        .iter()
        .find_map(|s| s["run"].as_str().filter(|r| r.contains(" review ")))
        .expect("a review step");
    assert_eq!(
        nfai_args(review),
        ["review", "--diff", "origin/main", "--format", format]
    );
    (steps, review)
}

#[test]
fn gitlab_recipe_publishes_a_code_quality_report() {
    let w = yaml("docs/ci/gitlab-ci.yml");
    let job = &w["nfai-review"];
    assert_eq!(job["variables"]["GIT_DEPTH"], 0);
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let review = script
        .iter()
        .find(|l| l.contains(" review "))
        .expect("a review line");
    let args = review.split_once(" -- ").unwrap().1;
    assert!(
        args.starts_with(
            "review --diff \"origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\" --format gitlab >"
        ),
        "{args}"
    );
    let report = review.rsplit_once('>').unwrap().1.trim();
    assert_eq!(job["artifacts"]["reports"]["codequality"], report);
    assert_eq!(job["artifacts"]["when"], "always");
}

#[test]
fn pre_commit_hooks() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().unwrap();
    let hook = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("hook {id}"))
    };
    let review = hook("nfai-review");
    assert_eq!(review["pass_filenames"], false);
    let entry = review["entry"].as_str().unwrap();
    let argv: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(argv, ["nfai", "review", "--diff", "HEAD"]);
    assert!(<nfai::cli::Cli as clap::Parser>::try_parse_from(argv).is_ok());

    let commits = hook("nfai-review-commits");
    assert_eq!(commits["stages"][0], "pre-push");
    // Runs the review of the pushed range, which checks each commit for a change-request id.
    assert!(commits["entry"]
        .as_str()
        .unwrap()
        .contains("nfai review --diff \"${PRE_COMMIT_FROM_REF"));
}

/// With $GITHUB_STEP_SUMMARY set, review appends its Markdown report there; stdout keeps
/// the chosen format.
#[test]
fn job_summary_is_appended_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    fs::write(&summary, "earlier step\n").unwrap();
    let out = nfai()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["review", "--format", "json", "--fail-on", "never"])
        .arg(fixtures().join("review/violations"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n### nfai review: "),
        "{text}"
    );
    let first = report["findings"][0]["code"].as_str().unwrap();
    assert!(text.contains(&format!("`{first}`")), "{text}");
    // A pipe is not a terminal: no progress indicator in the output.
    assert!(!out.stderr.contains(&b'\r'));
}

/// The flake exposes what users and CI expect, checked in its syntax (`flake_builds_and_runs`
/// builds it).
#[test]
fn flake_outputs() {
    let text = fs::read_to_string(repo().join("flake.nix")).unwrap();
    let parse = syntax::parse(&text);
    assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    let top = syntax::body_attrset(&parse.syntax()).unwrap();
    let outputs = syntax::bindings(&top)
        .into_iter()
        .find(|b| b.path == ["outputs"])
        .unwrap()
        .value;
    let mut body = outputs;
    while body.kind() != Kind::NODE_ATTR_SET {
        body = body.children().last().unwrap();
    }
    let names: Vec<String> = syntax::bindings(&body)
        .iter()
        .map(|b| b.path.join("."))
        .collect();
    for name in [
        "packages",
        "apps",
        "overlays.default",
        "devShells",
        "checks",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    // packages, apps, devShells and checks are built per system; their own attrsets:
    let per_system = |name: &str| -> Vec<String> {
        let value = syntax::bindings(&body)
            .into_iter()
            .find(|b| b.path == [name])
            .unwrap()
            .value;
        let set = value
            .descendants()
            .find(|n| n.kind() == Kind::NODE_ATTR_SET)
            .unwrap();
        syntax::bindings(&set)
            .iter()
            .map(|b| b.path.join("."))
            .collect()
    };
    for (name, wanted) in [
        ("packages", &["default"][..]),
        ("apps", &["default"]),
        ("devShells", &["default"]),
        ("checks", &["tests", "clippy", "fmt"]),
    ] {
        let got = per_system(name);
        for w in wanted {
            assert!(got.iter().any(|g| g == w), "{name}.{w} in {got:?}");
        }
    }
    for installed in [
        "nfai completions bash",
        "nfai completions zsh",
        "nfai completions fish",
        "nfai man --out-dir",
        "installManPage",
    ] {
        assert!(text.contains(installed), "postInstall: {installed}");
    }
    if nix_available("flake_outputs") {
        assert_cmd::Command::new("nix-instantiate")
            .args(["--parse", "flake.nix"])
            .current_dir(repo())
            .assert()
            .success();
    }
}

/// `nix build` and `nix run` of this repository's own flake, for real: its source set, its
/// package with completions and man pages, its clippy and fmt checks, its app. nixpkgs cannot be fetched here, so it
/// stands in as the stub with the host's Rust toolchain behind
/// `rustPlatform.buildRustPackage` (fixtures/nixpkgs-host-rust), the crates vendored from
/// Cargo.lock, and the toolchain, the C compiler and libc lent to the sandbox. Its checkPhase
/// runs the unit tests as the package's does. The first run
/// compiles every crate (about two minutes on two cores); later runs reuse the target
/// directory.
#[test]
fn flake_builds_and_runs() {
    if !nix_available("flake_builds_and_runs") {
        return;
    }
    // Nix copies a git checkout's tracked files only; any other directory whole, target/ too.
    assert!(
        repo().join(".git").exists(),
        "flake_builds_and_runs builds the flake of a git checkout"
    );
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("flake-check");
    let (vendor, target) = (work.join("vendor"), work.join("target"));
    fs::create_dir_all(&target).unwrap();
    succeeded(
        "cargo vendor",
        Command::new("cargo")
            .args(["vendor", "--locked"])
            .arg(&vendor)
            .current_dir(repo()),
    );
    let sysroot = succeeded(
        "rustc --print sysroot",
        Command::new("rustc").args(["--print", "sysroot"]),
    );
    let sysroot = PathBuf::from(sysroot.trim());

    let scratch = tempfile::tempdir().unwrap();
    let nixpkgs = scratch.path().join("nixpkgs");
    fs::create_dir_all(&nixpkgs).unwrap();
    copy_dir(&fixtures().join("nixpkgs-stub"), &nixpkgs, &[]);
    copy_dir(&fixtures().join("nixpkgs-host-rust"), &nixpkgs, &[]);
    let host = serde_json::json!({
        "toolchain": sysroot.join("bin"),
        "vendor": vendor,
        "target": target,
    });
    fs::write(nixpkgs.join("host.json"), host.to_string()).unwrap();

    // What the build may see besides the store: the toolchain, the crates, the target
    // directory, and the host's C compiler and libc (with Debian's alternatives links).
    let lent = ["/usr", "/lib", "/lib64", "/etc/alternatives"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .chain([sysroot, vendor, target])
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let nix = |args: &[&str]| {
        let mut cmd = plain_nix(args);
        cmd.args(["--override-input", "nixpkgs"])
            .arg(format!("path:{}", nixpkgs.display()))
            .arg("--no-write-lock-file")
            // builds run as the caller: the target directory outlives them
            .args(["--option", "build-users-group", ""])
            .args(["--option", "extra-sandbox-paths", &lent])
            .current_dir(repo());
        cmd
    };

    let result = scratch.path().join("result");
    succeeded(
        "nix build",
        nix(&["build", ".#default", "-L"]).arg("-o").arg(&result),
    );
    // The package's checkPhase ran the unit tests (the log is kept when the build is reused).
    let log = succeeded("nix log", plain_nix(&["log"]).arg(&result));
    assert!(
        log.contains("unittests src/lib.rs") && log.contains(" passed; 0 failed;"),
        "{log}"
    );
    for installed in [
        "bin/nfai",
        "share/man/man1/nfai.1",
        "share/man/man1/nfai-review.1",
        "share/bash-completion/completions/nfai.bash",
        "share/zsh/site-functions/_nfai",
        "share/fish/vendor_completions.d/nfai.fish",
    ] {
        assert!(result.join(installed).is_file(), "{installed} is installed");
    }

    // The checks beside the package's own: clippy over every target, rustfmt over the source.
    let system = succeeded(
        "nix eval",
        &mut plain_nix(&[
            "eval",
            "--impure",
            "--raw",
            "--expr",
            "builtins.currentSystem",
        ]),
    );
    for check in ["clippy", "fmt"] {
        let attr = format!(".#checks.{system}.{check}");
        succeeded(&attr, &mut nix(&["build", &attr, "--no-link", "-L"]));
    }

    let version = succeeded("nix run", nix(&["run", "."]).args(["--", "--version"]));
    assert_eq!(version, format!("nfai {}\n", env!("CARGO_PKG_VERSION")));
    let log = fixtures().join("logs/nix-2.8/undefined-variable.log");
    let explained = nix(&["run", ".#default"])
        .args(["--", "explain-failure", "--log"])
        .arg(&log)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&explained.stdout);
    assert!(stdout.contains("undefined_variable"), "{stdout}");
}

/// `nix ARGS` with the tests' settings.
fn plain_nix(args: &[&str]) -> Command {
    let mut cmd = Command::new("nix");
    cmd.args(args).env("NIX_CONFIG", NIX_CONFIG);
    cmd
}

/// Runs the command; its stdout, or its stderr in the panic when it failed.
fn succeeded(what: &str, cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
