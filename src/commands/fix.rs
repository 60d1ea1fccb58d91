//! The fix stage of explain-failure: asks the fixers (and, when they have nothing that
//! validates, the chosen LLM backend, round by round) for candidates, has them validated,
//! fills the finding's fix, and with `--apply` writes the winner to the working tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};

use crate::cli::ExplainFailureArgs;
use crate::commands::progress::Progress;
use crate::commands::{commit, InputError, Interrupted};
use crate::diagnose::{Finding, Fix};
use crate::fix::{self, Project};
use std::io::Write as _;

use crate::cli::llm::LlmArgs;
use crate::llm::client::Client;
use crate::llm::config::LlmConfig;
use crate::llm::context::PreviousAttempt;
use crate::llm::prompt::Task;
use crate::llm::rounds::{Round, Stop, Verdict};
use crate::llm::{self, LlmError};
use crate::render::inert::{inert, quote_model};
use crate::render::style::Style;
use crate::validate::{self, Change, Level, ModelChecks, Plan};

/// Fills `finding.fix` with the first candidate that validates (or, with `--no-validate`,
/// the first candidate, labelled unvalidated): nfai's own fixers first, then, with an LLM
/// backend, the repair loop; applies the winner with `--apply`.
pub fn propose(
    finding: &mut Finding,
    args: &ExplainFailureArgs,
    root: &Path,
    cwd: &Path,
) -> anyhow::Result<()> {
    let project = Project::load(root);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = llm::config::resolve(&args.llm, root).map_err(|e| InputError(e.to_string()))?;
    let command = (!args.command.is_empty()).then(|| args.command.clone());
    let target = args.check.validate.unwrap_or(if command.is_some() {
        Level::Build
    } else {
        Level::Eval
    });
    let plan = |model: bool| Plan {
        target,
        root: root.to_owned(),
        command: command.clone(),
        cwd: cwd.to_owned(),
        nix_args: args.check.nix_args.clone(),
        step_timeout: Duration::from_secs(args.check.step_timeout),
        max_candidates: args.max_candidates,
        model: model.then_some(ModelChecks {
            consent: args.llm.yes,
        }),
    };
    let candidates = fix::candidates(finding, &project, args.max_candidates);
    if !candidates.is_empty() {
        if args.check.no_validate {
            show_unvalidated(finding, root, &project, &candidates[0], "")?;
            return Ok(());
        }
        if let Some(win) = check(&runtime, finding, &project, &candidates, &plan(false))? {
            return finish(finding, root, args, &candidates[win], win, false);
        }
    }
    let mut client = match llm_client(&config, &args.llm, "explain-failure")? {
        Some(c) => c,
        None => {
            if args.apply {
                let why = if candidates.is_empty() {
                    format!("no automatic fix is known for {}", finding.category)
                } else {
                    format!("no candidate fix reached `{}`", target.name())
                };
                eprintln!("nfai: nothing to apply: {why}");
            }
            return Ok(());
        }
    };
    let result = repair(
        &runtime,
        &mut client,
        finding,
        &project,
        args,
        &config,
        &plan(true),
    );
    if args.llm.record {
        record(&client, root)?;
    }
    match result? {
        Some((candidate, win)) => finish(finding, root, args, &candidate, win, true),
        None => {
            if args.apply {
                eprintln!(
                    "nfai: nothing applied: no proposal reached `{}`",
                    target.name()
                );
            }
            Ok(())
        }
    }
}

/// The chosen backend's client, or `None` for the offline backend.
pub(crate) fn llm_client(
    config: &LlmConfig,
    args: &LlmArgs,
    job: &str,
) -> anyhow::Result<Option<Client>> {
    let id = config.backend();
    let backend = llm::backend(id).ok_or_else(|| {
        let known: Vec<_> = llm::BACKENDS.iter().map(|b| b.id()).collect();
        InputError(format!(
            "unknown LLM backend `{id}` (known: {})",
            known.join(", ")
        ))
    })?;
    if backend.id() == "offline" {
        return Ok(None);
    }
    let settings = config
        .backend_settings(args.replay.as_deref())
        .map_err(|e| InputError(e.to_string()))?;
    Ok(Some(Client::new(backend, settings, job, !args.no_cache)))
}

/// Writes the client's exchanges to `.nfai/transcripts/` (`--record`).
pub(crate) fn record(client: &Client, root: &Path) -> anyhow::Result<()> {
    let path = llm::transcript::record_path(root, &client.transcript.job);
    write_atomically(&path, &serde_json::to_string_pretty(&client.transcript)?)?;
    eprintln!("nfai: recorded the exchanges in {}", path.display());
    Ok(())
}

/// Validates `candidates`; the index of the winner. Every attempt is added to the fix.
fn check(
    runtime: &tokio::runtime::Runtime,
    finding: &mut Finding,
    project: &Project,
    candidates: &[fix::Candidate],
    plan: &Plan,
) -> anyhow::Result<Option<usize>> {
    // Ctrl-C drops the validation: its Nix processes are killed and the scratch copy removed.
    let progress = Progress::start(&format!("validating fixes ({})", plan.target.name()));
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = validate::validate(project, candidates, plan) => Some(outcome),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    drop(progress);
    let Some(outcome) = outcome else {
        return Err(Interrupted.into());
    };
    let fix = fix_of(finding);
    let first = fix.attempts.len();
    fix.attempts.extend(outcome.attempts);
    Ok(outcome.winner.map(|w| first + w))
}

fn fix_of(finding: &mut Finding) -> &mut Fix {
    finding.fix.get_or_insert_with(|| Fix {
        validated: "none",
        ..Fix::default()
    })
}

/// The repair loop: each round asks the model (with the previous attempt and its failure),
/// passes its proposals through the trust gate, checks them, and judges the result. A backend
/// that fails or answers nonsense costs a warning, never the analysis.
fn repair(
    runtime: &tokio::runtime::Runtime,
    client: &mut Client,
    finding: &mut Finding,
    project: &Project,
    args: &ExplainFailureArgs,
    config: &LlmConfig,
    plan: &Plan,
) -> anyhow::Result<Option<(fix::Candidate, usize)>> {
    let tokens = config
        .context_tokens()
        .map_err(|e| InputError(e.to_string()))?;
    let rounds = config.max_rounds().map_err(|e| InputError(e.to_string()))?;
    let env = llm::context::environment(&project.root, crate::nix::runner::nix_version());
    let explain = llm::Prompt::new(Task::Explain, llm::context::explain(finding, &env, tokens));
    match block(runtime, client.explanation(&explain))? {
        Ok(text) => finding.model_explanation = Some(quote_model(&text, MODEL_EXPLANATION_CHARS)),
        Err(e @ LlmError::Answer(_)) => warn(&e),
        // The backend cannot be reached or is not set up: asking for fixes would fail alike.
        Err(e) => {
            warn(&e);
            return Ok(None);
        }
    }
    let mut best = Stop {
        level: original_level(finding),
        failure: format!("{}: {}", finding.category, finding.summary),
    };
    let mut history: Vec<PreviousAttempt> = Vec::new();
    let mut package_names: Option<Vec<String>> = None;
    for round in 1..=rounds {
        client.round = round;
        let built = llm::context::fix(finding, project, &env, &history, tokens);
        let prompt = llm::Prompt::new(Task::Fix, built.text);
        let proposals = match block(runtime, client.proposals(&prompt))? {
            Ok(p) => p,
            Err(e) => {
                warn(&e);
                record_round(
                    finding,
                    &RoundAt {
                        round,
                        of: rounds,
                        proposals: 0,
                        dropped: 0,
                    },
                    Verdict::Failed,
                    None,
                );
                return Ok(None);
            }
        };
        let (mut good, dropped) = llm::trust::admit(project, &built.files, &proposals);
        for why in &dropped {
            eprintln!("nfai: dropped an LLM proposal {why}");
        }
        good.truncate(args.max_candidates);
        let at = RoundAt {
            round,
            of: rounds,
            proposals: proposals.len(),
            dropped: dropped.len(),
        };
        let names = package_names.get_or_insert_with(|| {
            crate::nix::nixpkgs::reference(&plan_args(args), &project.root)
                .map(|r| crate::nix::nixpkgs::package_names(&r))
                .unwrap_or_default()
        });
        good.retain(|c| match unknown_packages(project, c, names) {
            None => true,
            Some(why) => {
                let attempt = crate::diagnose::Attempt {
                    description: c.description.clone(),
                    diff: validate::changes(project, c)
                        .map(|ch| validate::render_diff(&ch, Style::plain()))
                        .unwrap_or_default(),
                    validated: Level::None.name(),
                    error: Some(why.clone()),
                    check: None,
                };
                history.push(PreviousAttempt {
                    diff: attempt.diff.clone(),
                    failure: why,
                });
                fix_of(finding).attempts.push(attempt);
                false
            }
        });
        if good.is_empty() {
            record_round(finding, &at, Verdict::NoProposals, None);
            continue;
        }
        if args.check.no_validate {
            show_unvalidated(
                finding,
                &project.root,
                project,
                &good[0],
                " (not validated)",
            )?;
            return Ok(None);
        }
        let before = fix_of(finding).attempts.len();
        if let Some(win) = check(runtime, finding, project, &good, plan)? {
            record_round(finding, &at, Verdict::Validated, None);
            return Ok(Some((good[win - before].clone(), win)));
        }
        let attempts = fix_of(finding).attempts[before..].to_vec();
        let stops: Vec<Stop> = attempts.iter().map(stop_of).collect();
        let Some(new) = llm::rounds::best(&stops).cloned() else {
            continue;
        };
        let verdict = llm::rounds::judge(&best, &new);
        record_round(finding, &at, verdict, Some(new.failure.clone()));
        match verdict {
            Verdict::Stagnation => break,
            Verdict::Progress => {
                let at = stops.iter().position(|s| *s == new).unwrap_or(0);
                history.push(PreviousAttempt {
                    diff: attempts[at].diff.clone(),
                    failure: new.failure.clone(),
                });
                best = new;
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Where the original failure stopped: Nix reports syntax errors and undefined variables
/// when parsing, other evaluation errors when evaluating, builder failures when building.
fn original_level(finding: &Finding) -> Level {
    match finding.category {
        "syntax_error" | "undefined_variable" => Level::None,
        _ if finding.derivation.is_some() => Level::Eval,
        _ => Level::Parse,
    }
}

/// How long the model's explanation may be when shown.
const MODEL_EXPLANATION_CHARS: usize = 1200;

/// The user's command and extra Nix arguments, where an `--override-input` may be.
fn plan_args(args: &ExplainFailureArgs) -> Vec<String> {
    args.command
        .iter()
        .chain(&args.check.nix_args)
        .cloned()
        .collect()
}

/// Why a candidate cannot be right: a `pkgs.X` it introduces that the project's nixpkgs does
/// not have, with the closest names it has (checked before anything is built; `None` when
/// all exist or the names are unknown).
fn unknown_packages(project: &Project, c: &fix::Candidate, names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let changes = validate::changes(project, c).ok()?;
    let mut missing = Vec::new();
    for ch in &changes {
        let before = crate::nix::syntax::package_selects(&ch.before);
        for name in crate::nix::syntax::package_selects(&ch.after) {
            if !before.contains(&name) && !names.contains(&name) && !missing.contains(&name) {
                missing.push(name);
            }
        }
    }
    llm::attributes::unknown(&missing, names)
}

/// The failure where an attempt stopped, without the command that found it.
fn stop_of(a: &crate::diagnose::Attempt) -> Stop {
    let level = [Level::None, Level::Parse, Level::Eval, Level::Build]
        .into_iter()
        .find(|l| l.name() == a.validated)
        .unwrap_or(Level::None);
    Stop::new(level, a.error.as_deref().unwrap_or_default())
}

/// Adds a round to the report and shows it live.
fn record_round(finding: &mut Finding, at: &RoundAt, verdict: Verdict, failure: Option<String>) {
    let round = Round {
        round: at.round,
        proposals: at.proposals,
        dropped: at.dropped,
        verdict,
        failure,
    };
    eprintln!("nfai: {}", round.line(at.of));
    fix_of(finding).rounds.push(round);
}

/// Which round this is, of how many, and what the model proposed in it.
struct RoundAt {
    round: usize,
    of: usize,
    proposals: usize,
    dropped: usize,
}

pub(crate) fn warn(e: &LlmError) {
    eprintln!("nfai: {}", inert(&e.to_string()));
}

/// Runs a request, or ends on Ctrl-C.
pub(crate) fn block<T>(
    runtime: &tokio::runtime::Runtime,
    work: impl std::future::Future<Output = T>,
) -> anyhow::Result<T> {
    runtime
        .block_on(async {
            tokio::select! {
                out = work => Some(out),
                _ = tokio::signal::ctrl_c() => None,
            }
        })
        .ok_or_else(|| Interrupted.into())
}

/// The first candidate, shown unchecked and labelled so (`--no-validate`).
fn show_unvalidated(
    finding: &mut Finding,
    root: &Path,
    project: &Project,
    candidate: &fix::Candidate,
    label: &str,
) -> anyhow::Result<()> {
    let changes = validate::changes(project, candidate)?;
    let fix = fix_of(finding);
    fix.description = format!("{}{label}", candidate.description);
    fix.edits = candidate.edits.clone();
    fix.commands = candidate.commands.iter().map(|c| c.join(" ")).collect();
    fix.diff = Some(validate::render_diff(&changes, Style::plain()));
    point_at_edit(finding, root, &changes, candidate);
    Ok(())
}

/// Fills the fix from the winning candidate and, with `--apply`, writes it.
fn finish(
    finding: &mut Finding,
    root: &Path,
    args: &ExplainFailureArgs,
    candidate: &fix::Candidate,
    win: usize,
    from_model: bool,
) -> anyhow::Result<()> {
    let project = Project::load(root);
    let changes = validate::changes(&project, candidate)?;
    let fix = fix_of(finding);
    let attempt = fix.attempts[win].clone();
    fix.description = candidate.description.clone();
    fix.edits = candidate.edits.clone();
    fix.commands = candidate.commands.iter().map(|c| c.join(" ")).collect();
    fix.diff = Some(attempt.diff).filter(|d| !d.is_empty());
    fix.validated = attempt.validated;
    point_at_edit(finding, root, &changes, candidate);
    if args.apply && from_model && attempt.validated != "eval" && attempt.validated != "build" {
        eprintln!(
            "nfai: not applied: a model's proposal is written only once Nix has evaluated it \
             (--validate eval or build)"
        );
    } else if args.apply {
        let mut files: Vec<PathBuf> = changes.iter().map(|c| c.path.clone()).collect();
        // A fix's git command names the file it adds last.
        files.extend(
            candidate
                .commands
                .iter()
                .filter_map(|c| c.last().map(PathBuf::from)),
        );
        let planned = match &args.commit {
            Some(id) if !files.is_empty() => Some(commit::plan(root, Some(id), None, &files)?),
            _ => None,
        };
        apply(root, &changes, &candidate.commands)?;
        if let Some(planned) = planned {
            let how = match &args.command {
                c if c.is_empty() => String::new(),
                c => format!(" with `{}`", c.join(" ")),
            };
            let source = if from_model {
                " (a model's proposal)"
            } else {
                ""
            };
            planned.commit(
                &candidate.description,
                &format!(
                    "`nfai explain-failure --apply` fixed a `{}` failure{source}",
                    finding.category
                ),
                &format!(
                    "the fix reached `{}` in a scratch copy of the project{how}",
                    attempt.validated
                ),
            )?;
        }
        if !candidate.nix_args.is_empty() {
            eprintln!(
                "nfai: not applied, since nix.conf is outside the project: {}",
                candidate.description
            );
        }
    }
    Ok(())
}

/// Prints exactly what would be sent to the model for `finding`, and sends nothing.
pub fn show_prompt(
    finding: &Finding,
    args: &ExplainFailureArgs,
    root: &Path,
) -> anyhow::Result<()> {
    let config = llm::config::resolve(&args.llm, root).map_err(|e| InputError(e.to_string()))?;
    let tokens = config
        .context_tokens()
        .map_err(|e| InputError(e.to_string()))?;
    let project = Project::load(root);
    let env = llm::context::environment(root, crate::nix::runner::nix_version());
    let explain = llm::Prompt::new(Task::Explain, llm::context::explain(finding, &env, tokens));
    let built = llm::context::fix(finding, &project, &env, &[], tokens);
    let fix = llm::Prompt::new(Task::Fix, built.text);
    let mut out = std::io::stdout().lock();
    for p in [explain, fix] {
        writeln!(out, "{}", serde_json::to_string_pretty(&p)?)?;
    }
    Ok(())
}

/// Where the validated fix edits is the culprit: more precise than where the log pointed.
fn point_at_edit(
    finding: &mut Finding,
    root: &Path,
    changes: &[Change],
    candidate: &fix::Candidate,
) {
    let Some(edit) = candidate.edits.first() else {
        return;
    };
    let Some(change) = changes.iter().find(|c| c.path == edit.file) else {
        return;
    };
    let (line, column) = crate::diagnose::locate::line_col(&change.before, edit.range.start);
    let culprit = finding.culprit.get_or_insert_with(Default::default);
    culprit.file = Some(edit.file.display().to_string());
    culprit.line = Some(line);
    culprit.column = Some(column);
    culprit.local = true;
    culprit.source_path = culprit.file.clone();
    finding.snippet = crate::diagnose::locate::snippet(&root.join(&edit.file), line);
}

/// Writes each change atomically (temporary file, then rename) unless the file changed
/// since it was read, then runs the fix's commands.
pub(crate) fn apply(
    root: &Path,
    changes: &[Change],
    commands: &[Vec<String>],
) -> anyhow::Result<()> {
    for change in changes {
        validate::check_inside(root, &change.path)?;
        let path = root.join(&change.path);
        let now =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if now != change.before {
            bail!(
                "{} changed since it was analysed; not overwriting it",
                change.path.display()
            );
        }
    }
    for change in changes {
        let path = root.join(&change.path);
        let tmp = temp_name(&path);
        fs::write(&tmp, &change.after).with_context(|| format!("writing {}", tmp.display()))?;
        if let Ok(meta) = fs::metadata(&path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, &path).with_context(|| format!("replacing {}", path.display()))?;
        eprintln!("nfai: applied the fix to {}", change.path.display());
    }
    for cmd in commands {
        crate::git::run_fix_command(root, &cmd[1..])?;
        eprintln!("nfai: ran `{}`", cmd.join(" "));
    }
    Ok(())
}

/// Writes a file of nfai's own (a transcript) atomically, creating its directory.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        bail!("{}: not a file path", path.display());
    };
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    super::gen_flake::write_all(dir, &[(PathBuf::from(name), text.to_owned())])
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.nfai-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_writes_atomically_and_never_over_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("package.nix");
        fs::write(&file, "{ }: 1\n").unwrap();
        let change = |before: &str| Change {
            path: PathBuf::from("package.nix"),
            before: before.to_owned(),
            after: "{ }: 2\n".to_owned(),
        };
        let err = apply(dir.path(), &[change("{ }: 0\n")], &[]).unwrap_err();
        assert!(
            err.to_string().contains("changed since it was analysed"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), "{ }: 1\n");
        apply(dir.path(), &[change("{ }: 1\n")], &[]).unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "{ }: 2\n");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
