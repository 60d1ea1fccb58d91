//! gen-flake for a project no detector recognises: the model proposes the derivation (from
//! the project's files and build files), each proposal crosses the trust gate and the check of
//! the nixpkgs attributes it names, nfai writes the flake around it and validates it confined,
//! and failures go back to the model round by round, judged like explain-failure's repair loop.

use anyhow::Context as _;

use super::gen_flake::{validate, Source};
use super::InputError;
use crate::cli::gen_flake::GenFlakeArgs;
use crate::genflake::flake::ModelPackage;
use crate::genflake::lock::Pin;
use crate::genflake::script::Tool;
use crate::llm::client::Client;
use crate::llm::config::LlmConfig;
use crate::llm::context::{self, Environment, PreviousAttempt};
use crate::llm::prompt::Task;
use crate::llm::rounds::{self, Round, Stop, Verdict};
use crate::llm::{derivation, Prompt};
use crate::render::inert::{inert, quote_model, MODEL_TEXT_CHARS};
use crate::validate::genflake::FlakeOutcome;
use crate::validate::Level;

/// What the repair loop came to.
pub(super) struct Derived {
    pub rounds: Vec<Round>,
    /// The winner's description (quoted); its package is the source's model.
    pub description: Option<String>,
    /// The winner's checks, or the best attempt's when none validated.
    pub outcome: FlakeOutcome,
}

/// The most proposals of one round that are checked.
const PER_ROUND: usize = 3;

/// Asks the model for the derivation of the project of `source` and leaves the first
/// proposal that validates (with `--no-validate`: the first admitted one) as `source.model`.
/// `None` when `--show-prompt` printed the prompt instead.
pub(super) fn derive(
    args: &GenFlakeArgs,
    config: &LlmConfig,
    source: &mut Source,
    client: Option<&mut Client>,
    pin: Option<&Pin>,
    url: &str,
    tools: &[Tool],
) -> anyhow::Result<Option<Derived>> {
    let tokens = config
        .context_tokens()
        .map_err(|e| InputError(e.to_string()))?;
    let max_rounds = config.max_rounds().map_err(|e| InputError(e.to_string()))?;
    let env = Environment {
        nix_version: crate::nix::runner::nix_version(),
        system: crate::nix::confine::current_system(),
        nixpkgs: Some(url.to_owned()),
    };
    let ask = |history: &[PreviousAttempt]| {
        let built = context::derivation(&source.dir, &env, history, tokens);
        Prompt::new(Task::Derivation, built.text)
    };
    if args.llm.show_prompt {
        println!("{}", serde_json::to_string_pretty(&ask(&[]))?);
        return Ok(None);
    }
    let client = client.ok_or_else(|| super::gen_flake::unrecognised(&source.dir))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let nixpkgs =
        crate::nix::nixpkgs::overridden(&args.check.nix_args).unwrap_or_else(|| url.to_owned());
    let known = crate::nix::nixpkgs::package_names(&nixpkgs);
    let target = args.check.validate.unwrap_or(Level::Build);
    let mut derived = Derived {
        rounds: Vec::new(),
        description: None,
        outcome: FlakeOutcome::default(),
    };
    let mut best = Stop::new(Level::None, "no derivation yet");
    let mut history: Vec<PreviousAttempt> = Vec::new();
    for round in 1..=max_rounds {
        client.round = round;
        let prompt = ask(&history);
        let mut at = Round {
            round,
            proposals: 0,
            dropped: 0,
            verdict: Verdict::NoProposals,
            failure: None,
        };
        let proposals =
            match super::fix::block(&runtime, client.parsed(&prompt, derivation::parse))? {
                Ok(p) => p,
                Err(e) => {
                    super::fix::warn(&e);
                    at.verdict = Verdict::Failed;
                    push(&mut derived, at, max_rounds);
                    break;
                }
            };
        at.proposals = proposals.len();
        // The gate, then the names: both before anything is evaluated or built.
        let mut candidates: Vec<(String, ModelPackage)> = Vec::new();
        for p in &proposals {
            let description = quote_model(&p.description, MODEL_TEXT_CHARS);
            let checked = derivation::admit(p)
                .and_then(|package| derivation::unknown(&package, &known).map_or(Ok(package), Err));
            match checked {
                Ok(package) => candidates.push((description, package)),
                Err(why) => {
                    eprintln!(
                        "nfai: dropped the LLM proposal {description}: {}",
                        inert(&why)
                    );
                    at.dropped += 1;
                    history.push(PreviousAttempt {
                        diff: p.package.clone(),
                        failure: format!("rejected before any build: {why}"),
                    });
                }
            }
        }
        candidates.truncate(PER_ROUND);
        if candidates.is_empty() {
            push(&mut derived, at, max_rounds);
            continue;
        }
        if args.check.no_validate {
            let (description, package) = candidates.swap_remove(0);
            // Shown, labelled, never written: no round to judge.
            source.model = Some(package);
            derived.description = Some(description);
            return Ok(Some(derived));
        }
        let mut stops = Vec::new();
        for (description, package) in candidates {
            eprintln!("nfai: checking the LLM proposal {description}");
            source.model = Some(package.clone());
            let mut files = source.files(url, pin)?;
            let outcome = validate(args, source, &mut files, tools, pin)?;
            let reached = outcome.level.unwrap_or(Level::None);
            if outcome.level.is_some_and(|l| l >= target) {
                at.verdict = Verdict::Validated;
                push(&mut derived, at, max_rounds);
                derived.description = Some(description);
                derived.outcome = outcome;
                return Ok(Some(derived));
            }
            let failed = outcome.checks.iter().rev().find(|c| !c.ok);
            let error = failed.map_or_else(String::new, |c| {
                format!("{}: {}", c.check, c.error.as_deref().unwrap_or("failed"))
            });
            stops.push((
                Stop::new(reached, &error),
                package.expression,
                error,
                outcome,
            ));
        }
        source.model = None;
        let only: Vec<Stop> = stops.iter().map(|s| s.0.clone()).collect();
        let Some(new) = rounds::best(&only).cloned() else {
            continue;
        };
        let verdict = rounds::judge(&best, &new);
        at.verdict = verdict;
        at.failure = Some(new.failure.clone());
        push(&mut derived, at, max_rounds);
        let Some(i) = stops.iter().position(|s| s.0 == new) else {
            continue;
        };
        match verdict {
            Verdict::Stagnation => break,
            Verdict::Progress => {
                let (_, code, error, outcome) = stops.swap_remove(i);
                history.push(PreviousAttempt {
                    diff: code,
                    failure: error,
                });
                derived.outcome = outcome;
                best = new;
            }
            _ => {}
        }
    }
    source.model = None;
    Ok(Some(derived))
}

/// Adds a round and shows it live.
fn push(derived: &mut Derived, round: Round, of: usize) {
    eprintln!("nfai: {}", round.line(of));
    derived.rounds.push(round);
}
