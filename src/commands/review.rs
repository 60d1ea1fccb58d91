//! `nfai review`: runs the review, applies fixes when asked (the only code that writes the
//! reviewed files), renders the report and decides the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::review::{FailOn, ReviewArgs};
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
    let mut report = review::review(&opts).map_err(input)?;
    if args.fix {
        let planned = match &args.commit {
            Some(id) => {
                let preview = fix(&opts.root, &report, true, style)?;
                let files = preview.files.iter().map(PathBuf::from).collect::<Vec<_>>();
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
        if !args.dry_run && outcome.fixes > 0 {
            report = review::review(&opts).map_err(input)?;
            if let Some(planned) = planned {
                planned.commit(
                    &format!(
                        "fix {} review finding(s) in {} file(s)",
                        outcome.fixes,
                        outcome.files.len()
                    ),
                    &format!("`nfai review --fix` applied: {}", outcome.fixed.join("; ")),
                    &format!(
                        "`nfai review` ran again on the result (Nix files reparsed): {} finding(s) remain",
                        report.findings.len()
                    ),
                )?;
            }
        }
    }
    out.write_all(render(&report, args.format, style).as_bytes())?;
    Ok(exit_code(&report, args.fail_on))
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
