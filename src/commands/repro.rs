//! `nfai repro`: builds each installable, rebuilds it, compares the two outputs and reports
//! the verdict with evidence and a likely cause; a build that fails outright is explained
//! like `explain-failure` does.

use std::io::Write;
use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context as _;

use crate::cli::repro::ReproArgs;
use crate::commands::explain_failure::{diagnose_log, render_finding};
use crate::commands::InputError;
use crate::nix::runner::{self, RunError, Step};
use crate::render::{self, style::Style, Format};
use crate::repro::compare::Differ;
use crate::repro::{nix_output, FileChange, Outcome, Report};

pub fn run(args: &ReproArgs, style: Style) -> anyhow::Result<i32> {
    let mut differ = Differ::default();
    let mut report = Report::default();
    if let Some([a, b]) = args.compare.as_deref() {
        let outcome = compare(&mut differ, a, b)?;
        if args.diffoscope && !outcome.reproducible {
            diffoscope(
                &a.display().to_string(),
                &b.display().to_string(),
                args.format,
            )?;
        }
        report.results.push(outcome);
        return finish(&report, args, style);
    }
    let installables = if args.installables.is_empty() {
        default_installables(&args.nix_args)?
    } else {
        args.installables.clone()
    };
    for installable in &installables {
        eprintln!("nfai: building {installable}");
        let first = nix(runner::build(installable, false, &args.nix_args))?;
        if !first.ok() {
            return explain(&first, args, style);
        }
        let built = nix_output::built(&first.stdout)
            .with_context(|| format!("reading what `nix build --json {installable}` printed"))?;
        let mut outcome = Outcome::reproducible(installable, &built.derivation, 0);
        for round in 1..=args.rounds {
            eprintln!("nfai: rebuilding {installable} ({round}/{})", args.rounds);
            let again = nix(runner::build(installable, true, &args.nix_args))?;
            outcome.rounds = round;
            if again.ok() {
                continue;
            }
            let stderr = String::from_utf8_lossy(&again.stderr);
            let pairs = nix_output::differing(&stderr);
            if pairs.is_empty() {
                return explain(&again, args, style);
            }
            for dir in nix_output::kept_build_dirs(&stderr) {
                // The build succeeded: only its kept output matters, its directory is litter.
                let _ = std::fs::remove_dir_all(dir);
            }
            let mut files = Vec::new();
            for (a, b) in &pairs {
                let prefix = output_prefix(&built.outputs, a);
                let found = differ
                    .compare(Path::new(a), Path::new(b))
                    .with_context(|| format!("comparing {a} with {b}"))?;
                files.extend(found.into_iter().map(|f| prefixed(f, &prefix)));
                if args.diffoscope {
                    diffoscope(a, b, args.format)?;
                }
            }
            outcome.differs(files, pairs);
            break;
        }
        report.results.push(outcome);
    }
    finish(&report, args, style)
}

/// Prints the report; exit 0 when everything was reproducible, else 1.
fn finish(report: &Report, args: &ReproArgs, style: Style) -> anyhow::Result<i32> {
    let text = match args.format {
        Format::Human => render::repro::human(report, style),
        Format::Json => render::repro::json(report),
        Format::Markdown => render::repro::markdown(report),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the report")?;
    Ok(if report.all_reproducible() { 0 } else { 1 })
}

/// `--compare A B`: two existing outputs, without building.
fn compare(differ: &mut Differ, a: &Path, b: &Path) -> anyhow::Result<Outcome> {
    for p in [a, b] {
        std::fs::symlink_metadata(p)
            .map_err(|e| InputError(format!("--compare {}: {e}", p.display())))?;
    }
    let files = differ
        .compare(a, b)
        .with_context(|| format!("comparing {} with {}", a.display(), b.display()))?;
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let mut outcome = Outcome::reproducible(&a, "", 0);
    if !files.is_empty() {
        outcome.differs(files, vec![(a, b)]);
    }
    Ok(outcome)
}

/// A Nix command that could not even start is the user's setup problem.
fn nix(result: Result<Step, RunError>) -> anyhow::Result<Step> {
    result.map_err(|e| match e {
        RunError::Spawn { .. } => InputError(e.to_string()).into(),
        e => anyhow::Error::new(e).context("running nix"),
    })
}

/// Every package and check of the flake in the current directory, for this system.
fn default_installables(nix_args: &[String]) -> anyhow::Result<Vec<String>> {
    if !Path::new("flake.nix").is_file() {
        return Err(InputError(
            "no installable given and the current directory has no flake.nix: name what to \
             check, e.g. `nfai repro .#hello`"
                .into(),
        )
        .into());
    }
    let system = runner::current_system()
        .ok_or_else(|| InputError("cannot ask nix for the current system".into()))?;
    let mut all = Vec::new();
    for output in ["packages", "checks"] {
        let attr = format!(".#{output}.{system}");
        let names = nix(runner::attr_names(&attr, nix_args))?;
        let stderr = String::from_utf8_lossy(&names.stderr);
        if !names.ok() {
            if stderr.contains("does not provide attribute") {
                continue;
            }
            let message = stderr.trim().trim_start_matches("error: ");
            return Err(InputError(format!("cannot list {attr}: {message}")).into());
        }
        let names: Vec<String> = serde_json::from_slice(&names.stdout)
            .with_context(|| format!("reading the names in {attr}"))?;
        all.extend(names.into_iter().map(|n| format!("{attr}.{n}")));
    }
    if all.is_empty() {
        return Err(InputError(format!(
            "the flake here has no packages or checks for {system}"
        ))
        .into());
    }
    Ok(all)
}

/// Explains a build that failed outright with the diagnosis of explain-failure; exit 2.
fn explain(run: &Step, args: &ReproArgs, style: Style) -> anyhow::Result<i32> {
    let log = crate::log::read(&run.stderr[..], crate::diagnose::triggers())
        .context("reading the build's log")?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let finding = diagnose_log(&log, vec![cwd], args.no_fetch_log);
    eprintln!("nfai: `nix build` failed, so reproducibility cannot be checked");
    std::io::stdout()
        .lock()
        .write_all(render_finding(&finding, args.format, style).as_bytes())
        .context("writing the report")?;
    Ok(2)
}

/// `out/` style prefix for the paths of one output of a multi-output derivation.
fn output_prefix(outputs: &[(String, String)], path: &str) -> String {
    if outputs.len() < 2 {
        return String::new();
    }
    outputs
        .iter()
        .find(|(_, p)| p == path)
        .map_or_else(String::new, |(name, _)| format!("{name}:"))
}

fn prefixed(mut f: FileChange, prefix: &str) -> FileChange {
    if !prefix.is_empty() {
        f.path = format!("{prefix}{}", f.path);
    }
    f
}

/// Hands the outputs to diffoscope; its report goes to stdout only for human output, so
/// machine formats stay parseable.
fn diffoscope(a: &str, b: &str, format: Format) -> anyhow::Result<()> {
    let stdout = if format == Format::Human {
        Stdio::inherit()
    } else {
        Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?)
    };
    match Command::new("diffoscope")
        .arg(a)
        .arg(b)
        .stdout(stdout)
        .status()
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("nfai: diffoscope is not installed; skipping --diffoscope");
            Ok(())
        }
        Err(e) => Err(e).context("running diffoscope"),
    }
}
