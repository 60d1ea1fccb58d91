//! explain-failure end to end: corpus and fixture logs, real Nix failures, bad input.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{fixtures, nfai};

/// Runs `nfai explain-failure --format json` on a log file and parses the report.
pub(crate) fn explain_log(log: &Path) -> Value {
    explain_log_in(log, None)
}

/// The same, run in `dir` (the project the log is about) when given.
fn explain_log_in(log: &Path, dir: Option<&Path>) -> Value {
    let mut cmd = nfai();
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd
        .args([
            "explain-failure",
            "--no-fetch-log",
            "--format",
            "json",
            "--log",
        ])
        .arg(log)
        .output()
        .expect("nfai runs");
    assert!(
        out.status.success(),
        "{}: {}",
        log.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

/// The cases of a directory of real logs (`<case>/{log.txt,case.json}`), sorted: each
/// case's name, directory and expected answers.
pub(crate) fn real_log_cases(dir: &Path) -> Vec<(String, PathBuf, Value)> {
    let mut cases: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let expected =
                serde_json::from_str(&fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
            (name, case, expected)
        })
        .collect()
}

/// The categories a case accepts: its own and the ones it lists as defensible.
pub(crate) fn accepted_categories(expected: &Value) -> Vec<String> {
    let mut ok = vec![expected["category"].as_str().unwrap().to_owned()];
    ok.extend(
        expected["also_acceptable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned()),
    );
    ok
}

/// Every real log from public reports gets the category its thread settled on (or one the
/// case lists as defensible), and its full report is snapshotted.
#[test]
fn corpus_logs_get_their_root_cause() {
    let dir = fixtures().join("logs/corpus");
    let cases = real_log_cases(&dir);
    assert!(
        cases.len() >= 15,
        "corpus is missing from {}",
        dir.display()
    );
    let mut wrong = Vec::new();
    for (name, case, expected) in cases {
        let report = explain_log(&case.join("log.txt"));
        let got = report["category"].as_str().unwrap().to_owned();
        let ok = accepted_categories(&expected);
        if !ok.contains(&got) {
            wrong.push(format!("{name}: got {got}, expected one of {ok:?}"));
        }
        insta::assert_json_snapshot!(format!("corpus__{name}"), report);
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

/// The stored real Nix 2.8 logs of the fixture projects, in every form nfai reads (plain,
/// `-L`, `--log-format internal-json`), get the project's root cause when read in a copy of
/// the project, as its user would (whether a missing file is untracked or absent is only in
/// the work tree).
#[test]
fn stored_logs_of_every_format_get_their_root_cause() {
    let dir = fixtures().join("logs/nix-2.8");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Full builder logs are what nfai fetches for a site, not a command's output.
        if name.ends_with(".full.log") {
            continue;
        }
        let project = name.split('.').next().unwrap();
        let expected =
            fs::read_to_string(fixtures().join("projects").join(project).join("expect")).unwrap();
        let copy = crate::common::project(project);
        let report = explain_log_in(&entry.path(), Some(&copy.root));
        checked += 1;
        if report["category"] != expected.trim() {
            wrong.push(format!(
                "{name}: got {}, expected {}",
                report["category"],
                expected.trim()
            ));
        }
    }
    assert!(checked >= 50, "only {checked} logs in {}", dir.display());
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

#[test]
fn empty_input_is_no_failure() {
    nfai()
        .args(["explain-failure", "--format", "json"])
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicates::str::contains("\"category\": \"no_failure\""));
}

#[test]
fn successful_build_log_is_no_failure() {
    nfai()
        .arg("explain-failure")
        .write_stdin("building '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x-1.0.drv'...\nok\n/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-x-1.0\n")
        .assert()
        .success()
        .stdout(predicates::str::contains("no failure found"));
}

#[test]
fn binary_input_is_rejected_with_exit_2() {
    let garbage: Vec<u8> = (0..70_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    nfai()
        .arg("explain-failure")
        .write_stdin(garbage)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a text log"));
}

#[test]
fn missing_log_file_and_missing_command_exit_2() {
    nfai()
        .args(["explain-failure", "--log", "/nonexistent/build.log"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read log"));
    nfai()
        .args(["explain-failure", "--", "nfai-no-such-command-xyz", "build"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot run `nfai-no-such-command-xyz`",
        ));
}

/// When nfai runs the command, the command's output still reaches the user and its exit
/// code is nfai's, so CI jobs keep failing.
#[test]
fn running_a_command_passes_its_output_and_exit_code_through() {
    let script = "printf 'error: undefined variable '\\''pkg-config'\\''\\n\\n       at /tmp/x/default.nix:3:5:\\n' >&2; exit 3";
    nfai()
        .args([
            "explain-failure",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            script,
        ])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("undefined variable"))
        .stdout(predicates::str::contains(
            "\"category\": \"undefined_variable\"",
        ));
}

#[test]
fn log_formats_agree_crlf_ansi_and_internal_json() {
    let plain = "error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv' failed with exit code 127;\n       last 2 log lines:\n       > configuring\n       > sh: cmake: not found\n       For full logs, run 'nix log /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv'.\n";
    let crlf_ansi = plain
        .replace("error:", "\x1b[31;1merror:\x1b[0m")
        .replace('\n', "\r\n");
    let json = concat!(
        "@nix {\"action\":\"start\",\"id\":1,\"level\":3,\"type\":105,\"text\":\"building\",\"fields\":[\"/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv\",\"\",1,1]}\n",
        "@nix {\"action\":\"result\",\"id\":1,\"type\":101,\"fields\":[\"sh: cmake: not found\"]}\n",
        "@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"\\u001b[31;1merror:\\u001b[0m builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv' failed with exit code 127\"}\n",
    );
    let prefixed = "hello> configuring\nhello> sh: cmake: not found\nerror: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv' failed with exit code 127\n";
    for log in [
        plain.to_owned(),
        crlf_ansi,
        json.to_owned(),
        prefixed.to_owned(),
    ] {
        let out = nfai()
            .args(["explain-failure", "--no-fetch-log", "--format", "json"])
            .write_stdin(log.clone())
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["category"], "missing_build_tool", "{log}");
        assert_eq!(report["package"], "hello", "{log}");
        assert!(
            report["summary"].as_str().unwrap().contains("cmake"),
            "{log}"
        );
    }
}

#[test]
fn markdown_and_human_formats() {
    let log = "error: undefined variable 'foo'\n\n       at /nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/flake.nix:3:5:\n";
    nfai()
        .args(["explain-failure", "--format", "markdown"])
        .write_stdin(log)
        .assert()
        .success()
        .stdout(predicates::str::contains("### nfai: `undefined_variable`"));
    nfai()
        .args(["explain-failure"])
        .write_stdin(log)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "error[undefined_variable]: undefined variable 'foo'",
        ))
        .stdout(predicates::str::contains("\x1b[").not());
}

#[test]
fn explain_prints_category_docs() {
    nfai()
        .args(["explain", "hash_mismatch"])
        .assert()
        .success()
        .stdout(predicates::str::contains("got:"));
    nfai()
        .args(["explain", "--list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("no_failure"));
    nfai().args(["explain", "no_such_id"]).assert().code(2);
}

/// Real failures produced by real Nix on the fixture projects (eval errors, missing
/// attributes, builder failures behind a dependency cascade, fixed-output hash mismatches, an
/// untracked file in a git flake, missing tools, ...) get the root cause each project was
/// built to show; nfai exits with Nix's exit code.
#[test]
fn real_nix_failures_get_their_root_cause() {
    if !crate::common::nix_available("real_nix_failures_get_their_root_cause") {
        return;
    }
    let root = fixtures().join("projects");
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("expect").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let stub = fixtures().join("nixpkgs-stub").display().to_string();
    let mut wrong = Vec::new();
    for name in names {
        let expected = fs::read_to_string(root.join(&name).join("expect"))
            .unwrap()
            .trim()
            .to_owned();
        let p = crate::common::project(&name);
        // Run it once first, so that dependencies a fresh store still has to build (the stub
        // toolchain) do not add lines to the log nfai reads: the snapshots must not depend
        // on what the store held before.
        let _ = std::process::Command::new(&p.argv[0])
            .args(&p.argv[1..])
            .env("NIX_CONFIG", crate::common::NIX_CONFIG)
            .current_dir(&p.root)
            .output();
        let out = nfai()
            .env("NIX_CONFIG", crate::common::NIX_CONFIG)
            .current_dir(p.root.as_path())
            .args(["explain-failure", "--format", "json", "--"])
            .args(&p.argv)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout)
            .replace(&p.root.as_path().display().to_string(), "[project]")
            .replace(&stub, "[stub]");
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: {e}: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let code = out.status.code().unwrap();
        if (expected == "no_failure") != (code == 0) {
            wrong.push(format!("{name}: exit code {code}"));
        }
        if report["category"] != expected.as_str() {
            wrong.push(format!(
                "{name}: got {}, expected {expected}",
                report["category"]
            ));
        }
        insta::assert_json_snapshot!(format!("nix__{name}"), report);
    }
    assert!(
        wrong.is_empty(),
        "real Nix failures misclassified:\n{}",
        wrong.join("\n")
    );
}

/// An error line in any of the layouts users paste is never `no_failure`: indented inside a
/// trace, after frames, in nix-output-monitor frames whose header was cut off, in
/// internal-json records a terminal wrapped, or a message no category knows (then `other`
/// with the message as the summary).
#[test]
fn error_lines_in_any_layout_are_failures() {
    for (log, category) in [
        ("       … while calling the 'derivationStrict' builtin\n\n         at <nix/derivation-internal.nix>:9:12:\n\n       error: undefined variable 'foo'\n\n       at /nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/flake.nix:3:5:\n", "undefined_variable"),
        ("   error: attribute 'foo' missing\n\n       at /nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/flake.nix:3:5:\n", "missing_attribute"),
        ("┃        error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv' failed with exit code 127;\n┃        last 1 log lines:\n┃        > sh: cmake: not found\n", "missing_build_tool"),
        ("@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"\\u001b[31;1merror:\\u001b[0m undefined var\niable 'x'\"}\n", "undefined_variable"),
        ("error: the frobnicator refused to frobnicate\n", "other"),
        // A lone `-L`-prefixed error line, with nothing else.
        ("frob> error: the frobnicator refused to frobnicate\n", "other"),
        // A nix-output-monitor frame without its header, around an unknown message.
        ("┃        error: the frobnicator refused to frobnicate\n", "other"),
        // An unknown message in an internal-json record with ANSI codes, wrapped.
        ("@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"\\u001b[31;1merror:\\u001b[0m the frobnicator refused to frob\nnicate\"}\n", "other"),
    ] {
        let out = nfai()
            .args(["explain-failure", "--no-fetch-log", "--format", "json"])
            .write_stdin(log)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["category"], category, "{log}");
        if category == "other" {
            assert_eq!(
                report["summary"], "the frobnicator refused to frobnicate",
                "{log}"
            );
        }
    }
}

/// Run inside this repository (which has a `flake.nix` and fixture projects of its own),
/// logs about other projects name their files as the log gives them, never one of ours.
#[test]
fn logs_about_other_projects_do_not_name_this_repository_s_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for log in [
        "corpus/011-fedimint-undefined-variable-flake/log.txt",
        "corpus/032-nixverse-packages-not-a-derivation/log.txt",
        "nix-2.8/undefined-variable.log",
        "nix-2.8/syntax-error.log",
        "nix-2.8/infinite-recursion.log",
        "nix-2.8/missing-file.log",
        "nix-2.8/unfree-package.log",
        "eval/callpackage-missing-argument.log",
    ] {
        let report = explain_log_in(&fixtures().join("logs").join(log), Some(root));
        let culprit = &report["culprit"];
        assert_eq!(culprit["local"], false, "{log}: {culprit}");
        let file = culprit["file"].as_str().unwrap_or_default();
        assert!(file.starts_with("/nix/store/"), "{log}: {culprit}");
        assert!(culprit["source_path"].is_string(), "{log}: {culprit}");
    }
}
