//! nfai's own work in one LLM round, without the model and without Nix: building the fix and
//! explanation contexts for the largest fixture project (read, numbered, budgeted, redacted),
//! parsing a model's answer, and passing it through the trust gate. Prints min/median/max.
//! Also a round of gen-flake's derivation job on this repository's tree (file list, build
//! files, redaction, parsing, the trust gate for code, the flake written around it).
//!
//! With NFAI_BENCH_LOG=FILE (e.g. a 1 GiB log from `benches/gen-build-log 1024 FILE`), also
//! the context built for that log, against the 6,000-token budget.
//!
//! usage: cargo bench --bench llm_round [-- ROUNDS]

use std::path::Path;
use std::time::Instant;

use nfai::diagnose::{self, Context, Workspace};
use nfai::fix::Project;
use nfai::llm::{self, context, derivation, prompt::Task, Prompt};

fn main() {
    let rounds: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(200);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let projects = here.join("fixtures/projects");
    // The fixture with the most Nix text: the most for the context builder to read.
    let nix_bytes = |dir: &Path| -> u64 {
        walk(dir)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "nix"))
            .map(|p| p.metadata().map_or(0, |m| m.len()))
            .sum()
    };
    let largest = std::fs::read_dir(&projects)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            here.join("fixtures/logs/nix-2.8")
                .join(format!("{}.log", p.file_name().unwrap().to_string_lossy()))
                .is_file()
        })
        .max_by_key(|p| nix_bytes(p))
        .unwrap();
    let name = largest.file_name().unwrap().to_string_lossy().into_owned();
    let log_text = std::fs::read(
        here.join("fixtures/logs/nix-2.8")
            .join(format!("{name}.log")),
    )
    .unwrap();
    let log = nfai::log::read_bytes(&log_text, diagnose::triggers()).unwrap();
    let no_fetch = |_: &str| None;
    let ctx = Context {
        workspace: Workspace::new(vec![largest.clone()]),
        full_log: &no_fetch,
    };
    let finding = diagnose::diagnose(&log, &ctx);
    let env = context::environment(&largest, Some("nix (Nix) 2.8.0".into()));
    let answer = serde_json::json!({"proposals": [{"description": "add the tool",
        "edits": [{"file": "flake.nix", "find": "{", "replace": "{ "}]}]})
    .to_string();
    let mut times = Vec::with_capacity(rounds);
    let mut tokens = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let project = Project::load(&largest);
        let explain = Prompt::new(Task::Explain, context::explain(&finding, &env, 6000));
        let built = context::fix(&finding, &project, &env, &[], 6000);
        let fix = Prompt::new(Task::Fix, built.text.clone());
        let proposals = llm::parse_answer(&answer).unwrap();
        let (candidates, _) = llm::trust::admit(&project, &built.files, &proposals);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        tokens = context::tokens(&fix.user) + context::tokens(&explain.user);
        std::hint::black_box(candidates);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "machine: {} cores; fixture {name} ({} bytes of .nix); {rounds} rounds",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        nix_bytes(&largest)
    );
    println!(
        "one round (load project, both contexts, redaction, parse answer, trust gate): min {:.2} ms  median {:.2} ms  max {:.2} ms; {tokens} tokens sent",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    let package = "stdenv.mkDerivation {\n  pname = \"nfai\";\n  version = \"0.1.0\";\n  src = ./.;\n  inherit nativeBuildInputs buildInputs;\n  buildPhase = ''\n    sh ./build.sh out\n  '';\n}";
    let answer = serde_json::json!({"proposals": [{"description": "runs build.sh",
        "package": package, "nativeBuildInputs": ["gnumake"], "buildInputs": ["zlib"],
        "devShell": ["jq"]}]})
    .to_string();
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let built = context::derivation(here, &env, &[], 6000);
        let prompt = Prompt::new(Task::Derivation, built.text);
        let flakes: Vec<String> = derivation::parse(&answer)
            .unwrap()
            .iter()
            .map(|p| {
                let package = derivation::admit(p).unwrap();
                nfai::genflake::flake::model_flake(
                    "nfai",
                    &package,
                    &[],
                    "github:NixOS/nixpkgs/nixos-unstable",
                )
            })
            .collect();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        tokens = context::tokens(&prompt.user);
        std::hint::black_box(flakes);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "gen-flake derivation round on this repository (file list, build files, redaction, parse answer, trust gate, flake): min {:.2} ms  median {:.2} ms  max {:.2} ms; {tokens} tokens sent",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    if let Some(path) = std::env::var_os("NFAI_BENCH_LOG") {
        let start = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let log = nfai::log::read(file, diagnose::triggers()).unwrap();
        let finding = diagnose::diagnose(&log, &ctx);
        let project = Project::load(&largest);
        let fix = context::fix(&finding, &project, &env, &[], 6000);
        let explain = context::explain(&finding, &env, 6000);
        println!(
            "{} ({} bytes): fix context {} tokens, explanation context {} tokens (budget 6000); read and built in {:.2} s",
            Path::new(&path).display(),
            std::fs::metadata(&path).map_or(0, |m| m.len()),
            context::tokens(&fix.text),
            context::tokens(&explain),
            start.elapsed().as_secs_f64()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
