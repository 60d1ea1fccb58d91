//! `nfai review`: runs the review, applies fixes when asked (the only code that writes the
//! reviewed files), renders the report and decides the exit code.

use std::io::Write;

use clap::Parser as _;
use std::path::{Path, PathBuf};

use crate::cli::review::{FailOn, ReviewArgs};
use crate::commands::progress::Progress;
use crate::commands::{commit, InputError};
use crate::nix::edit::{self, TextEdit};
use crate::render::review::{render, ReviewFormat};
use crate::render::style::Style;
use crate::review::{self, Options, Report, Severity, RULES};

pub fn run(args: &ReviewArgs, style: Style) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    if args.list_rules {
        out.write_all(list_rules().as_bytes())?;
        return Ok(0);
    }
    let opts = Options {
        root: args.path.clone(),
        config: args.config.clone(),
        diff_base: args.diff.clone(),
        commits: args.commits.clone(),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let input = |e: review::ReviewError| InputError(e.to_string());
    let reviewed = |opts: &Options| {
        let _progress = Progress::start("reviewing");
        review::review(opts).map_err(input)
    };
    let mut report = reviewed(&opts)?;
    if args.fix {
        let targets = gen_flake_targets(&opts.root, &report);
        let planned = match &args.commit {
            Some(id) => {
                let preview = fix(&opts.root, &report, true, style)?;
                let mut files = preview.files.iter().map(PathBuf::from).collect::<Vec<_>>();
                // The flakes gen-flake writes belong to the same commit.
                for (dir, _) in &targets {
                    let dir = PathBuf::from(review::relative(&opts.root, dir));
                    files.extend(["flake.nix", "flake.lock"].map(|f| dir.join(f)));
                }
                if files.is_empty() {
                    None
                } else {
                    let config = args.config.as_deref();
                    Some(commit::plan(&opts.root, Some(id), config, &files)?)
                }
            }
            None => None,
        };
        let outcome = fix(&opts.root, &report, args.dry_run, style)?;
        // The diff goes where a person reads it; machine formats keep stdout clean.
        if args.format == ReviewFormat::Human {
            out.write_all(outcome.diff.as_bytes())?;
        } else {
            std::io::stderr().write_all(outcome.diff.as_bytes())?;
        }
        let verb = if args.dry_run { "would fix" } else { "fixed" };
        eprintln!(
            "nfai review: {verb} {} finding(s) in {} file(s)",
            outcome.fixes,
            outcome.files.len()
        );
        for c in &outcome.conflicts {
            eprintln!("nfai review: skipped a fix: {c}");
        }
        let generated = gen_flakes(&opts.root, targets, args, style)?;
        if !args.dry_run && (outcome.fixes > 0 || !generated.is_empty()) {
            report = reviewed(&opts)?;
            if let Some(planned) = planned {
                let mut changed = outcome.fixed.clone();
                changed.extend(generated.iter().map(|d| format!("gen-flake for {d}")));
                planned.commit(
                    &format!(
                        "fix {} review finding(s) in {} file(s){}",
                        outcome.fixes,
                        outcome.files.len(),
                        if generated.is_empty() {
                            String::new()
                        } else {
                            format!(", flakes for {}", generated.join(", "))
                        }
                    ),
                    &format!("`nfai review --fix` applied: {}", changed.join("; ")),
                    &format!(
                        "`nfai review` ran again on the result (Nix files reparsed): {} finding(s) remain",
                        report.findings.len()
                    ),
                )?;
            }
        }
    }
    if args.fix {
        let config = crate::llm::config::resolve(&args.llm, &opts.root)
            .map_err(|e| InputError(e.to_string()))?;
        if let Some(mut client) = super::fix::llm_client(&config, &args.llm, "review")? {
            let tokens = config
                .context_tokens()
                .map_err(|e| InputError(e.to_string()))?;
            if model_fixes(&opts.root, &report, args, &mut client, tokens)? > 0 && !args.dry_run {
                report = reviewed(&opts)?;
            }
            if args.llm.record {
                super::fix::record(&client, &opts.root)?;
            }
        }
    }
    out.write_all(render(&report, args.format, style).as_bytes())?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        job_summary(Path::new(&path), &report)?;
    }
    Ok(exit_code(&report, args.fail_on))
}

/// Scripts outside any Nix environment (NF001) and components without a flake (NF004) whose
/// directory has no flake.nix: each directory with what `nfai gen-flake` is given for it.
fn gen_flake_targets(root: &Path, report: &Report) -> Vec<(PathBuf, Vec<PathBuf>)> {
    let mut targets: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    for f in &report.findings {
        let Some(file) = f.file.as_deref().map(|p| root.join(p)) else {
            continue;
        };
        let Some(dir) = file.parent().map(Path::to_owned) else {
            continue;
        };
        if dir.join("flake.nix").exists() {
            continue;
        }
        let paths = match f.code {
            "NF001" => vec![file],
            "NF004" => vec![dir.clone()],
            _ => continue,
        };
        match targets.iter_mut().find(|(d, _)| *d == dir) {
            // A project directory already covers its scripts.
            Some((_, existing)) if existing.first() == Some(&dir) => {}
            Some((_, existing)) if f.code == "NF004" => *existing = paths,
            Some((_, existing)) => existing.extend(paths),
            None => targets.push((dir, paths)),
        }
    }
    targets
}

/// `nfai gen-flake` for each target, its report on stderr. Returns the directories (relative
/// to the root) whose flake was generated.
fn gen_flakes(
    root: &Path,
    targets: Vec<(PathBuf, Vec<PathBuf>)>,
    args: &ReviewArgs,
    style: Style,
) -> anyhow::Result<Vec<String>> {
    let mut generated = Vec::new();
    for (dir, paths) in targets {
        let mut argv: Vec<std::ffi::OsString> = vec!["nfai".into(), "gen-flake".into()];
        argv.extend(paths.iter().map(|p| p.clone().into_os_string()));
        if args.dry_run {
            argv.push("--dry-run".into());
        }
        argv.extend(
            args.nix_args
                .iter()
                .map(|a| format!("--nix-arg={a}").into()),
        );
        let cli = crate::cli::Cli::try_parse_from(argv).map_err(|e| InputError(e.to_string()))?;
        let crate::cli::Command::GenFlake(gen) = cli.command else {
            continue;
        };
        let shown = review::relative(root, &dir);
        let shown = if shown.is_empty() { "." } else { &shown };
        eprintln!("nfai review: gen-flake for {shown}");
        let code = super::gen_flake::run_to(&gen, style, &mut std::io::stderr().lock())?;
        if code != 2 {
            generated.push(shown.to_owned());
        }
    }
    Ok(generated)
}

/// How many findings without a rule's fix one run asks a model about.
const MODEL_FINDINGS: usize = 5;

/// For findings in Nix files that no rule can fix, the model's proposals: through the trust
/// gate, checked confined up to evaluation, and applied (unless --dry-run) only when Nix
/// evaluated them. Returns how many were applied.
fn model_fixes(
    root: &Path,
    report: &Report,
    args: &ReviewArgs,
    client: &mut crate::llm::client::Client,
    tokens: usize,
) -> anyhow::Result<usize> {
    use crate::validate::{self, Level, ModelChecks, Plan};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut project = crate::fix::Project::load(root);
    let plan = Plan {
        target: Level::Eval,
        root: root.to_owned(),
        command: None,
        cwd: root.to_owned(),
        nix_args: args.nix_args.clone(),
        step_timeout: std::time::Duration::from_secs(900),
        max_candidates: 3,
        model: Some(ModelChecks {
            consent: args.llm.yes,
        }),
    };
    let mut applied = 0;
    let open = report
        .findings
        .iter()
        .filter(|f| f.fix.is_none() && f.file.as_deref().is_some_and(|p| p.ends_with(".nix")));
    for finding in open.take(MODEL_FINDINGS) {
        let built = crate::llm::context::review(finding, &project, tokens);
        let prompt = crate::llm::Prompt::new(crate::llm::prompt::Task::Fix, built.text);
        if args.llm.show_prompt {
            println!("{}", serde_json::to_string_pretty(&prompt)?);
            continue;
        }
        let place = crate::render::review::location(finding);
        let proposals = match runtime.block_on(client.proposals(&prompt)) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "nfai review: {}",
                    crate::render::inert::inert(&e.to_string())
                );
                break;
            }
        };
        let (candidates, dropped) = crate::llm::trust::admit(&project, &built.files, &proposals);
        for why in dropped {
            eprintln!("nfai review: dropped an LLM proposal {why}");
        }
        let outcome = runtime.block_on(validate::validate(&project, &candidates, &plan));
        let Some(win) = outcome.winner else {
            let why = outcome
                .attempts
                .last()
                .and_then(|a| a.error.clone())
                .unwrap_or_default();
            eprintln!(
                "nfai review: no LLM proposal for {} ({place}) was evaluated: {}",
                finding.code,
                crate::render::inert::inert(&why)
            );
            continue;
        };
        let verb = if args.dry_run {
            "would apply"
        } else {
            "applied"
        };
        eprintln!(
            "nfai review: {verb} {} for {} ({place}), checked by `{}`:\n{}",
            candidates[win].description,
            finding.code,
            outcome.attempts[win].check.as_deref().unwrap_or_default(),
            outcome.attempts[win].diff
        );
        if !args.dry_run {
            super::fix::apply(root, &outcome.changes[win], &[])?;
            applied += 1;
            // The next finding's proposal is made against the file as it is now.
            project = crate::fix::Project::load(root);
        }
    }
    Ok(applied)
}

/// Appends the Markdown report to the GitHub Actions job summary (the file the runner names
/// in $GITHUB_STEP_SUMMARY), whatever the output format.
fn job_summary(path: &Path, report: &Report) -> anyhow::Result<()> {
    let failed =
        |e: std::io::Error| InputError(format!("GITHUB_STEP_SUMMARY {}: {e}", path.display()));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(failed)?;
    let summary = render(report, ReviewFormat::Markdown, Style::plain());
    file.write_all(summary.as_bytes()).map_err(failed)?;
    Ok(())
}

fn exit_code(report: &Report, fail_on: FailOn) -> i32 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Never => return 0,
    };
    i32::from(report.worst().is_some_and(|s| s >= threshold))
}

fn list_rules() -> String {
    let mut s = String::new();
    for r in RULES {
        s.push_str(&format!(
            "{}  {:<32} {:<8} {}\n",
            r.code(),
            r.name(),
            r.severity().as_str(),
            review::summary(*r)
        ));
    }
    s
}

struct FixOutcome {
    diff: String,
    fixes: usize,
    /// What each applied fix does: `CODE file:line: description`.
    fixed: Vec<String>,
    /// The files changed, relative to the root.
    files: Vec<String>,
    conflicts: Vec<String>,
}

/// Applies every fix whose edits do not overlap an earlier one's; the rest wait for the
/// next run (their findings are reported again by the re-check).
fn fix(root: &Path, report: &Report, dry_run: bool, style: Style) -> anyhow::Result<FixOutcome> {
    let mut accepted: Vec<&TextEdit> = Vec::new();
    let mut outcome = FixOutcome {
        diff: String::new(),
        fixes: 0,
        fixed: Vec::new(),
        files: Vec::new(),
        conflicts: Vec::new(),
    };
    for f in &report.findings {
        let Some(fx) = &f.fix else { continue };
        let mut trial = accepted.clone();
        trial.extend(&fx.edits);
        let groups = edit::by_file(trial.iter().copied());
        match groups.values().try_for_each(|g| edit::check_overlaps(g)) {
            Ok(()) => {
                accepted = trial;
                outcome.fixes += 1;
                outcome.fixed.push(format!(
                    "{} {}: {}",
                    f.code,
                    crate::render::review::location(f),
                    fx.description
                ));
            }
            Err(e) => outcome.conflicts.push(format!(
                "{} ({}): {e}",
                f.code,
                crate::render::review::location(f)
            )),
        }
    }
    for (file, edits) in edit::by_file(accepted.iter().copied()) {
        let path = root.join(file);
        let before = std::fs::read_to_string(&path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
        let after = edit::apply(&before, &edits)?;
        let rel = review::relative(Path::new(""), file);
        outcome
            .diff
            .push_str(&crate::render::diff::unified(&rel, &before, &after, style));
        if !dry_run {
            std::fs::write(&path, &after)
                .map_err(|e| InputError(format!("cannot write {}: {e}", path.display())))?;
        }
        outcome.files.push(rel);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_rule_once() {
        let list = list_rules();
        assert_eq!(list.lines().count(), RULES.len());
        assert!(list.starts_with("NF001  script-without-nix-env"));
    }
}
