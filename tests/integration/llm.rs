//! The OpenAI-compatible backend against a real HTTP server on loopback that speaks the
//! chat-completions protocol with scripted answers, good and bad.

use std::net::TcpListener;

use serde_json::{json, Value};

use crate::chat::{chat_server, nfai_direct};
use crate::common::{nfai, nix_available, project, NIX_CONFIG};

/// A failure nfai's fixers cannot fix (a typo in a let binding): the LLM's proposals are
/// checked; the one that does not exist is dropped, the one that does not parse stops at
/// the parse check, the right one is validated by a build and applied.
#[test]
fn llm_proposals_are_validated_like_any_fix() {
    if !nix_available("llm_proposals_are_validated_like_any_fix") {
        return;
    }
    let answer = json!({"proposals": [
        {"description": "rename a binding that is not there",
         "edits": [{"file": "flake.nix", "find": "toolzList", "replace": "toolsList"}]},
        {"description": "use the defined name, forgetting the semicolon",
         "edits": [{"file": "flake.nix", "find": "paths = toolsList;", "replace": "paths = toolList"}]},
        {"description": "use the defined name",
         "edits": [{"file": "flake.nix", "find": "paths = toolsList;", "replace": "paths = toolList;"}]}
    ]});
    let server = chat_server(vec![format!("Here you go:\n```json\n{answer}\n```")]);
    let p = project("undefined-variable");
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .env("NFAI_LLM_API_KEY", "test-key-123")
        .current_dir(&p.root)
        .args([
            "explain-failure",
            "--apply",
            "--format",
            "json",
            "--llm",
            "openai",
            "--llm-url",
            &server.url,
            "--llm-model",
            "test-model",
            "--",
        ])
        .args(&p.argv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["category"], "undefined_variable");
    let fix = &report["fix"];
    assert_eq!(fix["validated"], "build", "{fix:#}\n{stderr}");
    assert_eq!(fix["attempts"][0]["validated"], "none", "{fix:#}");
    assert!(
        fix["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("does not parse"),
        "{fix:#}"
    );
    assert_eq!(fix["description"], "LLM proposal “use the defined name”");
    assert!(
        stderr.contains("dropped an LLM proposal “rename a binding that is not there”"),
        "{stderr}"
    );
    let requests = server.fix_requests();
    assert_eq!(requests.len(), 1, "validated in round 1");
    let request = requests[0].to_ascii_lowercase();
    assert!(
        request.contains("authorization: bearer test-key-123"),
        "{request}"
    );
    assert!(
        requests[0].contains("\"model\":\"test-model\"")
            && requests[0].contains("Failure category: undefined_variable")
    );
    assert!(
        requests[0].contains("paths = toolsList;"),
        "the project file is sent"
    );
    let rebuilt = std::process::Command::new(&p.argv[0])
        .args(&p.argv[1..])
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(&p.root)
        .output()
        .unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
}

/// A nonsense answer, an unreachable server or missing settings cost a warning, never the
/// diagnosis; and without --llm nothing is sent anywhere.
#[test]
fn llm_failures_leave_the_diagnosis_intact() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.nix"), "let a = 1; in b\n").unwrap();
    let log = "error: undefined variable 'b'\n\n       at /x/default.nix:1:15:\n";
    let sorry = "I am sorry, I cannot help with that.".to_owned();
    let server = chat_server(vec![sorry.clone(), sorry]);
    let run = |extra: &[&str]| {
        let out = nfai_direct()
            .current_dir(dir.path())
            .args(["explain-failure", "--format", "json", "--llm", "openai"])
            .args(extra)
            .write_stdin(log)
            .output()
            .unwrap();
        assert!(out.status.success());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["category"], "undefined_variable");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run(&[
        "--llm-url",
        &server.url,
        "--llm-model",
        "m",
        "--max-rounds",
        "1",
    ]);
    assert!(stderr.contains("not the JSON nfai asked for"), "{stderr}");
    assert_eq!(server.fix_requests().len(), 2, "asked again once");
    assert!(server.fix_requests()[1].contains("could not be read"));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    assert!(run(&["--llm-url", &dead, "--llm-model", "m"]).contains("the LLM request failed"));
    assert!(run(&["--llm-url", &dead]).contains("needs a model"));
    assert!(run(&["--llm-url", "localhost:11434", "--llm-model", "m"])
        .contains("`localhost:11434` is not http or https"));
    // A server that accepts the connection and never answers: the timeout is the user's.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}/v1", silent.local_addr().unwrap());
    let stderr = run(&[
        "--llm-url",
        &silent_url,
        "--llm-model",
        "m",
        "--llm-timeout",
        "1",
    ]);
    assert!(
        stderr.contains("timed out") || stderr.contains("within 1s"),
        "{stderr}"
    );
    drop(silent);
    nfai()
        .args(["explain-failure", "--llm", "gpt-unknown"])
        .write_stdin(log)
        .assert()
        .code(2);
}

/// `nfai llm-key` stores a key where no desktop keyring runs (the kernel keyring), the backend
/// sends it to that URL only, and `--delete` removes it.
#[test]
fn llm_key_round_trip_without_a_desktop() {
    let server = chat_server(vec![
        "{\"proposals\": []}".into(),
        "{\"proposals\": []}".into(),
    ]);
    let stored = nfai_direct()
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(["llm-key", "--url", &server.url])
        .write_stdin("key-from-the-keyring-77\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stored.stderr);
    assert!(stored.status.success(), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let explain = || {
        nfai_direct()
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .current_dir(dir.path())
            .args(["explain-failure", "--llm", "openai", "--llm-model", "m"])
            .args(["--llm-url", &server.url])
            .write_stdin("error: undefined variable 'b'\n")
            .assert()
            .success();
    };
    explain();
    nfai_direct()
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(["llm-key", "--delete", "--url", &server.url])
        .assert()
        .success();
    explain();
    let requests = server.requests();
    assert!(
        requests[0].contains("Bearer key-from-the-keyring-77"),
        "{}",
        requests[0]
    );
    let last = requests.last().unwrap();
    assert!(!last.contains("key-from-the-keyring-77"), "deleted: {last}");
}
