//! `nfai review`: runs the review, applies fixes when asked (the only code that writes the
//! reviewed files), renders the report and decides the exit code.

use std::io::Write;
use std::path::Path;

use crate::cli::review::{FailOn, ReviewArgs};
use crate::commands::progress::Progress;
use crate::commands::InputError;
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
            outcome.fixes, outcome.files
        );
        for c in &outcome.conflicts {
            eprintln!("nfai review: skipped a fix: {c}");
        }
        if !args.dry_run && outcome.fixes > 0 {
            report = reviewed(&opts)?;
        }
    }
    out.write_all(render(&report, args.format, style).as_bytes())?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        job_summary(Path::new(&path), &report)?;
    }
    Ok(exit_code(&report, args.fail_on))
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
    i32::from(report.findings.iter().any(|f| f.severity >= threshold))
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
    files: usize,
    conflicts: Vec<String>,
}

/// Applies every fix whose edits do not overlap an earlier one's; the rest wait for the
/// next run (their findings are reported again by the re-check).
fn fix(root: &Path, report: &Report, dry_run: bool, style: Style) -> anyhow::Result<FixOutcome> {
    let mut accepted: Vec<&TextEdit> = Vec::new();
    let mut outcome = FixOutcome {
        diff: String::new(),
        fixes: 0,
        files: 0,
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
        outcome.files += 1;
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
