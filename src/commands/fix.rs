//! The fix stage of explain-failure: asks the fixers (or, for failures they cannot fix, the
//! chosen LLM backend) for candidates, has them validated,
//! fills the finding's fix, and with `--apply` writes the winner to the working tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};

use crate::cli::ExplainFailureArgs;
use crate::commands::progress::Progress;
use crate::commands::{InputError, Interrupted};
use crate::diagnose::{Finding, Fix};
use crate::fix::{self, Project};
use crate::llm;
use crate::render::style::Style;
use crate::validate::{self, Change, Level, Plan};

/// Fills `finding.fix` with the first candidate that validates (or, with `--no-validate`,
/// the first candidate, labelled unvalidated); applies it with `--apply`.
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
    let mut candidates = fix::candidates(finding, &project, args.max_candidates);
    if candidates.is_empty() {
        candidates = ask_llm(&runtime, finding, &project, args)?;
    }
    let Some(first) = candidates.first() else {
        if args.apply {
            eprintln!(
                "nfai: nothing to apply: no automatic fix is known for {}",
                finding.category
            );
        }
        return Ok(());
    };
    let fix = finding.fix.get_or_insert_with(|| Fix {
        validated: "none",
        ..Fix::default()
    });
    if args.no_validate {
        let changes = validate::changes(&project, first)?;
        fix.edits = first.edits.clone();
        fix.commands = first.commands.iter().map(|c| c.join(" ")).collect();
        fix.diff = Some(validate::render_diff(&changes, Style::plain()));
        point_at_edit(finding, root, &changes, first);
        return Ok(());
    }
    let command = (!args.command.is_empty()).then(|| args.command.clone());
    let target = args.validate.unwrap_or(if command.is_some() {
        Level::Build
    } else {
        Level::Eval
    });
    let plan = Plan {
        target,
        root: root.to_owned(),
        command,
        cwd: cwd.to_owned(),
        nix_args: args.nix_args.clone(),
        step_timeout: Duration::from_secs(args.step_timeout),
        max_candidates: args.max_candidates,
    };
    // Ctrl-C drops the validation: its Nix processes are killed and the scratch copy removed.
    let progress = Progress::start(&format!("validating fixes ({})", target.name()));
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = validate::validate(&project, &candidates, &plan) => Some(outcome),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    drop(progress);
    let Some(outcome) = outcome else {
        return Err(Interrupted.into());
    };
    fix.attempts = outcome.attempts.clone();
    let Some(win) = outcome.winner else {
        if args.apply {
            eprintln!(
                "nfai: nothing applied: no candidate fix reached `{}`",
                target.name()
            );
        }
        return Ok(());
    };
    let candidate = &candidates[win];
    let changes = &outcome.changes[win];
    fix.description = candidate.description.clone();
    fix.edits = candidate.edits.clone();
    fix.commands = candidate.commands.iter().map(|c| c.join(" ")).collect();
    fix.diff = Some(outcome.attempts[win].diff.clone()).filter(|d| !d.is_empty());
    fix.validated = outcome.levels[win].name();
    point_at_edit(finding, root, changes, candidate);
    if args.apply {
        apply(root, changes, &candidate.commands)?;
        if !candidate.nix_args.is_empty() {
            eprintln!(
                "nfai: not applied, since nix.conf is outside the project: {}",
                candidate.description
            );
        }
    }
    Ok(())
}

/// How long an LLM may take to answer.
const LLM_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of one file an LLM is shown.
const LLM_FILE_BYTES: usize = 32 * 1024;

/// Proposals of the chosen LLM backend for a failure the fixers cannot fix, as candidates.
/// A backend that fails or answers nonsense costs a warning, never the analysis.
fn ask_llm(
    runtime: &tokio::runtime::Runtime,
    finding: &Finding,
    project: &Project,
    args: &ExplainFailureArgs,
) -> anyhow::Result<Vec<fix::Candidate>> {
    let backend = llm::backend(&args.llm).ok_or_else(|| {
        let known: Vec<_> = llm::BACKENDS.iter().map(|b| b.id()).collect();
        InputError(format!(
            "unknown --llm backend `{}` (known: {})",
            args.llm,
            known.join(", ")
        ))
    })?;
    if backend.id() == "offline" {
        return Ok(Vec::new());
    }
    let settings = llm::Settings {
        url: args.llm_url.clone(),
        model: args.llm_model.clone(),
    };
    let request = llm_request(finding, project);
    let answer = runtime.block_on(async {
        tokio::select! {
            answer = tokio::time::timeout(LLM_TIMEOUT, backend.propose(&settings, &request)) => Some(answer),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    let proposals = match answer {
        None => return Err(Interrupted.into()),
        Some(Err(_)) => {
            eprintln!(
                "nfai: the LLM did not answer within {}s",
                LLM_TIMEOUT.as_secs()
            );
            return Ok(Vec::new());
        }
        Some(Ok(Err(e))) => {
            eprintln!("nfai: {e}");
            return Ok(Vec::new());
        }
        Some(Ok(Ok(p))) => p,
    };
    let (mut good, rejected) = llm::candidates(project, &proposals);
    for why in rejected {
        eprintln!("nfai: dropped an LLM proposal: {why}");
    }
    good.truncate(args.max_candidates);
    Ok(good)
}

/// What the LLM is told: the finding and the project files that matter to it, redacted.
fn llm_request(finding: &Finding, project: &Project) -> llm::Request {
    let mut paths: Vec<PathBuf> = Vec::new();
    let culprit = finding.culprit.as_ref().and_then(|c| c.file.as_deref());
    paths.extend(culprit.map(PathBuf::from));
    if let Some((file, _)) = finding
        .package
        .as_deref()
        .and_then(|p| project.derivation(p))
    {
        paths.push(file.path.clone());
    }
    paths.extend(["flake.nix", "default.nix", "shell.nix"].map(PathBuf::from));
    let mut files = Vec::new();
    for path in paths {
        if files.len() == 3
            || files
                .iter()
                .any(|(p, _): &(String, String)| Path::new(p) == path)
        {
            continue;
        }
        if let Some(f) = project.file(&path) {
            let head = &f.text[..f.text.floor_char_boundary(LLM_FILE_BYTES)];
            files.push((path.display().to_string(), llm::redact::redact(head)));
        }
    }
    llm::Request {
        category: finding.category.to_owned(),
        summary: finding.summary.clone(),
        explanation: finding.explanation.clone(),
        evidence: finding.evidence.iter().map(|e| e.text.clone()).collect(),
        files,
    }
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
    finding.snippet = crate::diagnose::locate::snippet(&root.join(&edit.file), line);
}

/// Writes each change atomically (temporary file, then rename) unless the file changed
/// since it was read, then runs the fix's commands.
fn apply(root: &Path, changes: &[Change], commands: &[Vec<String>]) -> anyhow::Result<()> {
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
