//! `nfai explain-failure`: runs the user's Nix command or reads its log, diagnoses it and
//! prints the report.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::ExplainFailureArgs;
use crate::commands::{AfterCommand, InputError, Interrupted};
use crate::diagnose::{self, Context, Finding, Workspace};
use crate::log::{self, BuildLog};
use crate::nix::runner::{self, RunError};
use crate::render::{self, style::Style, Format};

pub fn run(args: &ExplainFailureArgs, style: Style) -> anyhow::Result<i32> {
    if args.command.is_empty() {
        let log = read_log(args.log.as_deref())?;
        explain(args, &log, style)?;
        return Ok(0);
    }
    // From here on the user's command has run: whatever happens, its exit code is ours.
    let after = |code: i32, error: anyhow::Error| AfterCommand { code, error };
    let run = match runner::run_and_analyse(&args.command, diagnose::triggers()) {
        Ok(run) => run,
        Err(e @ RunError::Spawn { .. }) => return Err(InputError(e.to_string()).into()),
        Err(RunError::Log { code, source }) => {
            let what = format!("cannot explain the output of `{}`", args.command.join(" "));
            return Err(after(code, anyhow::Error::new(source).context(what)).into());
        }
        Err(e) => return Err(e).context("running the command"),
    };
    match explain(args, &run.log, style) {
        Ok(()) => Ok(run.code),
        Err(e) if e.is::<Interrupted>() => Err(e),
        Err(e) => Err(after(run.code, e).into()),
    }
}

/// Diagnoses `log`, proposes a fix and prints the report (or, with --show-prompt, what a
/// model would be sent).
fn explain(args: &ExplainFailureArgs, log: &BuildLog, style: Style) -> anyhow::Result<()> {
    let root = match &args.root {
        Some(r) => r.clone(),
        None => flake_dir(&args.command).unwrap_or_else(|| PathBuf::from(".")),
    };
    let root = std::fs::canonicalize(&root)
        .map_err(|e| InputError(format!("--root {}: {e}", root.display())))?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let mut roots = vec![root.clone()];
    if !roots.contains(&cwd) {
        roots.push(cwd.clone());
    }
    let mut finding = diagnose_log(log, roots, args.no_fetch_log);
    if args.llm.show_prompt {
        return super::fix::show_prompt(&finding, args, &root);
    }
    if finding.category != "no_failure" {
        super::fix::propose(&mut finding, args, &root, &cwd)?;
    }
    // Nix's messages about model-written code can carry the model's escape sequences.
    render::inert::finding(&mut finding);
    let text = render_finding(&finding, args.format, style);
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the report")
}

/// Diagnoses `log`, resolving paths against `roots` and, unless `no_fetch_log`, reading
/// full build logs from the store when the log shows only their tail.
pub fn diagnose_log(log: &BuildLog, roots: Vec<PathBuf>, no_fetch_log: bool) -> Finding {
    let triggers = diagnose::triggers();
    let fetch = |drv: &str| -> Option<BuildLog> {
        if no_fetch_log {
            None
        } else {
            runner::full_build_log(drv, triggers)
        }
    };
    let ctx = Context {
        workspace: Workspace::new(roots),
        full_log: &fetch,
    };
    diagnose::diagnose(log, &ctx)
}

pub fn render_finding(finding: &Finding, format: Format, style: Style) -> String {
    match format {
        Format::Human => render::human::finding(finding, style),
        Format::Json => render::json::finding(finding),
        Format::Markdown => render::markdown::finding(finding),
    }
}

fn read_log(path: Option<&Path>) -> anyhow::Result<BuildLog> {
    let triggers = diagnose::triggers();
    if let Some(p) = path.filter(|p| *p != Path::new("-")) {
        // Opening a directory succeeds; reading it fails: both messages name the path.
        let named =
            |e: &dyn std::fmt::Display| InputError(format!("cannot read log {}: {e}", p.display()));
        let file = File::open(p).map_err(|e| named(&e))?;
        return Ok(log::read(file, triggers).map_err(|e| named(&e))?);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(InputError(
            "no log to explain: pipe one in (`nix build 2>&1 | nfai explain-failure`), \
             pass --log FILE, or give the command after `--`"
                .into(),
        )
        .into());
    }
    log::read(stdin.lock(), triggers).map_err(|e| InputError(e.to_string()).into())
}

/// The local directory of the flake a Nix command builds (`.#foo`, `./sub#x`,
/// `path:./sub#x`, `git+file:///abs/dir`), when it names one.
fn flake_dir(argv: &[String]) -> Option<PathBuf> {
    let installable = argv.iter().skip(1).find(|a| {
        !a.starts_with('-')
            && (a.contains('#') || a.starts_with('.') || a.starts_with('/') || a.contains(':'))
    })?;
    let reference = installable.split('#').next()?;
    let reference = reference
        .strip_prefix("path:")
        .or_else(|| reference.strip_prefix("git+file://"))
        .unwrap_or(reference);
    let reference = reference.split('?').next()?;
    let dir = if reference.is_empty() { "." } else { reference };
    let path = PathBuf::from(dir);
    path.join("flake.nix").is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::flake_dir;

    #[test]
    fn flake_dir_of_installables() {
        let here = |a: &[&str]| flake_dir(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flake.nix"), "{}").unwrap();
        let d = dir.path().display().to_string();
        assert_eq!(
            here(&["nix", "build", &format!("path:{d}#x")]),
            Some(dir.path().into())
        );
        assert_eq!(
            here(&["nix", "build", "--impure", &format!("{d}#x")]),
            Some(dir.path().into())
        );
        assert_eq!(here(&["nix", "build", "nixpkgs#hello"]), None);
    }
}
