//! The validation loop: each candidate fix is applied to a scratch copy of the project and
//! checked in order (rnix parse of every changed file, `nix-instantiate --parse`, evaluation,
//! the build of the original target), stopping at the first failure; the first candidate
//! that reaches the wanted level wins.

pub mod genflake;
pub mod scratch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnose::{self, Attempt, Context, Workspace};
use crate::fix::{Candidate, Project};
use crate::nix::edit::{self, EditError};
use crate::nix::runner::{self, Step};
use crate::nix::{self, syntax};
use crate::render::{diff, style::Style};
use scratch::Scratch;

/// How far a candidate got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    None,
    Parse,
    Eval,
    Build,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Parse => "parse",
            Level::Eval => "eval",
            Level::Build => "build",
        }
    }
}

/// One file a candidate changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Relative to the project root.
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// What to check candidates against.
pub struct Plan {
    pub target: Level,
    /// The project root (absolute): the flake or project directory.
    pub root: PathBuf,
    /// The user's command, when nfai ran it.
    pub command: Option<Vec<String>>,
    /// The user's working directory (absolute).
    pub cwd: PathBuf,
    /// Extra Nix arguments for the checks (`--override-input`, `--option`, `--store`, ...).
    pub nix_args: Vec<String>,
    pub step_timeout: Duration,
    pub max_candidates: usize,
    /// Set when the candidates are a model's: every Nix step is confined (see
    /// `nix::confine`), and what could reach the network is not checked without consent.
    pub model: Option<ModelChecks>,
}

/// How a model's proposals are checked.
#[derive(Debug, Clone, Copy)]
pub struct ModelChecks {
    /// The user allowed checks that reach the network (`--yes`).
    pub consent: bool,
}

pub struct Outcome {
    /// Index of the first candidate that reached the target level.
    pub winner: Option<usize>,
    pub attempts: Vec<Attempt>,
    /// The level each attempt reached.
    pub levels: Vec<Level>,
    /// The changes of each candidate, in order (empty for a candidate whose edits failed).
    pub changes: Vec<Vec<Change>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("{0}: edits must stay inside the project (no absolute paths, `..`, .git or symlinks)")]
    OutsideProject(String),
}

/// The in-memory result of applying `candidate` to the project's files.
pub fn changes(project: &Project, candidate: &Candidate) -> Result<Vec<Change>, ValidateError> {
    let mut out = Vec::new();
    for (path, edits) in edit::by_file(&candidate.edits) {
        check_inside(&project.root, path)?;
        let before = match project.file(path) {
            Some(f) => f.text.clone(),
            None => std::fs::read_to_string(project.root.join(path))
                .map_err(|_| ValidateError::OutsideProject(path.display().to_string()))?,
        };
        let after = edit::apply(&before, &edits)?;
        out.push(Change {
            path: path.to_owned(),
            before,
            after,
        });
    }
    Ok(out)
}

/// Refuses paths that could leave the project root.
pub fn check_inside(root: &Path, rel: &Path) -> Result<(), ValidateError> {
    use std::path::Component;
    let bad = || ValidateError::OutsideProject(rel.display().to_string());
    // A `.git` at any depth: a nested repository's config or hooks run code.
    if rel.components().any(|c| {
        !matches!(c, Component::Normal(_))
            || c.as_os_str()
                .to_str()
                .is_none_or(|s| s.eq_ignore_ascii_case(".git"))
    }) {
        return Err(bad());
    }
    let root = root.canonicalize().map_err(|_| bad())?;
    let mut probe = root.clone();
    for c in rel.components() {
        probe.push(c);
        if probe
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(bad());
        }
    }
    Ok(())
}

/// The unified diff of a candidate's changes.
pub fn render_diff(changes: &[Change], style: Style) -> String {
    changes
        .iter()
        .map(|c| diff::unified(&c.path.display().to_string(), &c.before, &c.after, style))
        .collect()
}

/// Checks the candidates in order until one reaches `plan.target`.
pub async fn validate(project: &Project, candidates: &[Candidate], plan: &Plan) -> Outcome {
    let mut outcome = Outcome {
        winner: None,
        attempts: Vec::new(),
        levels: Vec::new(),
        changes: Vec::new(),
    };
    for candidate in candidates.iter().take(plan.max_candidates) {
        let (mut attempt, level, changes) = check(project, candidate, plan).await;
        attempt.validated = level.name();
        let reached = level >= plan.target;
        outcome.attempts.push(attempt);
        outcome.levels.push(level);
        outcome.changes.push(changes);
        if reached {
            outcome.winner = Some(outcome.attempts.len() - 1);
            break;
        }
    }
    outcome
}

async fn check(
    project: &Project,
    candidate: &Candidate,
    plan: &Plan,
) -> (Attempt, Level, Vec<Change>) {
    let mut attempt = Attempt {
        description: candidate.description.clone(),
        diff: String::new(),
        validated: Level::None.name(),
        error: None,
        check: None,
    };
    let mut level = Level::None;
    let changes = match changes(project, candidate) {
        Ok(c) => c,
        Err(e) => {
            attempt.error = Some(e.to_string());
            return (attempt, level, Vec::new());
        }
    };
    attempt.diff = render_diff(&changes, Style::plain());
    if let Err(e) = ladder(&changes, candidate, plan, &mut level, &mut attempt).await {
        attempt.error = Some(e);
    }
    (attempt, level, changes)
}

/// The checks, in order; each success raises `attempt.validated`.
async fn ladder(
    changes: &[Change],
    candidate: &Candidate,
    plan: &Plan,
    level: &mut Level,
    attempt: &mut Attempt,
) -> Result<(), String> {
    for c in changes.iter().filter(|c| is_nix(&c.path)) {
        let parse = syntax::parse(&c.after);
        if let Some(e) = parse.errors().first() {
            return Err(format!(
                "{} does not parse after the change: {e}",
                c.path.display()
            ));
        }
    }
    if plan.target == Level::None {
        return Ok(());
    }
    let scratch = Scratch::create(&plan.root).map_err(|e| e.to_string())?;
    for c in changes {
        std::fs::write(scratch.root.join(&c.path), &c.after).map_err(|e| e.to_string())?;
    }
    for cmd in &candidate.commands {
        if cmd.first().map(String::as_str) != Some("git") {
            return Err(format!("refusing to run `{}`", cmd.join(" ")));
        }
        crate::git::run_fix_command(&scratch.root, &cmd[1..]).map_err(|e| e.to_string())?;
    }
    for c in changes.iter().filter(|c| is_nix(&c.path)) {
        let step = runner::parse_file(&scratch.root.join(&c.path), plan.step_timeout)
            .await
            .map_err(|e| e.to_string())?;
        if !step.ok() {
            return Err(format!(
                "nix-instantiate --parse {}: {}",
                c.path.display(),
                shown(&[step.tail(3)], &scratch)
            ));
        }
    }
    *level = Level::Parse;
    if let Some(model) = plan.model {
        return model_checks(changes, plan, model, &scratch, level, attempt).await;
    }
    if plan.target == Level::Parse {
        return Ok(());
    }
    let cwd =
        map_into(&plan.cwd, &plan.root, &scratch.root).unwrap_or_else(|| scratch.root.clone());
    let (argv, check_level) = match (plan.target, &plan.command) {
        (Level::Build, Some(cmd)) => (cmd.clone(), Level::Build),
        (_, cmd) => match eval_command(cmd.as_deref(), &plan.root) {
            Some(argv) => (argv, Level::Eval),
            None => return Err(NO_EVAL.into()),
        },
    };
    let mut argv: Vec<String> = argv
        .iter()
        .map(|a| map_arg(a, &plan.root, &scratch.root))
        .collect();
    argv.extend(plan.nix_args.iter().cloned());
    argv.extend(candidate.nix_args.iter().cloned());
    let shown = shown(&argv, &scratch);
    let step = runner::run_step(&argv, &cwd, plan.step_timeout)
        .await
        .map_err(|e| e.to_string())?;
    if step.ok() {
        *level = check_level;
        attempt.check = Some(shown);
        return Ok(());
    }
    // A failed build that got as far as building something did evaluate.
    let (reached, why) = failure_level(&step, &scratch);
    *level = (*level).max(reached);
    Err(format!("`{shown}` failed: {why}"))
}

const NO_EVAL: &str = "no way to evaluate this project: give the command after `--`";

/// The command line as the user would read it: the scratch copy shown as `.`.
fn shown(argv: &[String], scratch: &Scratch) -> String {
    argv.join(" ")
        .replace(&scratch.root.display().to_string(), ".")
}

/// The checks of a model's proposal: nothing that could reach the network without consent,
/// evaluation pure and restricted to the project, builds only in the sandbox and only of
/// what `--dry-run` listed and inspected, nothing run on the host.
async fn model_checks(
    changes: &[Change],
    plan: &Plan,
    model: ModelChecks,
    scratch: &Scratch,
    level: &mut Level,
    attempt: &mut Attempt,
) -> Result<(), String> {
    let added: Vec<String> = changes
        .iter()
        .filter(|c| is_nix(&c.path))
        .flat_map(|c| nix::network::additions(&c.before, &c.after))
        .collect();
    if !added.is_empty() && !model.consent {
        return Err(consent(format!("the change {}", added.join(", "))));
    }
    if plan.target == Level::Parse {
        return Ok(());
    }
    let command = match &plan.command {
        Some(cmd) => cmd.clone(),
        None => eval_command(None, &plan.root).ok_or(NO_EVAL)?,
    };
    let argv: Vec<String> = command
        .iter()
        .chain(plan.nix_args.iter())
        .map(|a| map_arg(a, &plan.root, &scratch.root))
        .collect();
    let mut allowed = vec![scratch.root.clone()];
    allowed.extend(named_paths(&argv));
    let confined = nix::confine::confine(&argv, &allowed, &nix::confine::current_system())
        .map_err(|e| e.to_string())?;
    let cwd =
        map_into(&plan.cwd, &plan.root, &scratch.root).unwrap_or_else(|| scratch.root.clone());
    let checks = ConfinedChecks {
        cwd: &cwd,
        timeout: plan.step_timeout,
        consent: model.consent,
        scratch,
    };
    if confined.build.is_none() && plan.target == Level::Build {
        // Evaluated all the same, so the proposal gets as far as it can.
        let outcome = checks.run(&confined, false).await;
        *level = outcome.level.unwrap_or(*level);
        attempt.check = outcome.check;
        return Err(outcome.error.unwrap_or_else(|| {
            format!(
                "checked up to evaluation only: `{}` would run what it builds, so a model's change is not built for it",
                command.join(" ")
            )
        }));
    }
    let outcome = checks.run(&confined, plan.target == Level::Build).await;
    *level = outcome.level.unwrap_or(*level);
    attempt.check = outcome.check;
    outcome.error.map_or(Ok(()), Err)
}

/// Where and how confined checks of untrusted code run.
pub(crate) struct ConfinedChecks<'a> {
    pub cwd: &'a Path,
    pub timeout: Duration,
    /// The user allowed checks that reach the network (`--yes`).
    pub consent: bool,
    pub scratch: &'a Scratch,
}

/// How far a confined check got.
#[derive(Debug, Default)]
pub(crate) struct ConfinedOutcome {
    /// `Eval` or `Build` when that passed.
    pub level: Option<Level>,
    /// The last command that passed, as the user would read it.
    pub check: Option<String>,
    /// Why it stopped, when it failed.
    pub error: Option<String>,
    /// The build's standard output (what `nix print-dev-env` printed).
    pub stdout: Vec<u8>,
}

impl ConfinedChecks<'_> {
    /// Evaluates `confined` (refused when a daemon ignores the confinement) and with `build`
    /// builds it in the sandbox, only after the derivations `--dry-run` listed were inspected:
    /// fixed-output or impure ones (network access) need consent.
    pub async fn run(&self, confined: &nix::confine::Confined, build: bool) -> ConfinedOutcome {
        let mut out = ConfinedOutcome::default();
        if let Err(e) = self.checks(confined, build, &mut out).await {
            out.error = Some(e);
        }
        out
    }

    async fn checks(
        &self,
        confined: &nix::confine::Confined,
        build: bool,
        out: &mut ConfinedOutcome,
    ) -> Result<(), String> {
        let run = |argv: &nix::confine::Untrusted| {
            let argv = argv.clone();
            async move { runner::run_untrusted(&argv, self.cwd, self.timeout).await }
        };
        let eval = run(&confined.eval).await.map_err(|e| e.to_string())?;
        let eval_shown = shown(confined.eval.argv(), self.scratch);
        let stderr = String::from_utf8_lossy(&eval.stderr);
        if stderr.contains(nix::confine::IGNORED_SETTING) {
            return Err(format!(
                "refused: the Nix daemon ignores the settings that confine the check (you are not \
                 one of its trusted users), so a model's change is not evaluated or built here: {}",
                eval.tail(1)
            ));
        }
        if !eval.ok() {
            let (_, why) = failure_level(&eval, self.scratch);
            return Err(format!("`{eval_shown}` failed: {why}"));
        }
        out.level = Some(Level::Eval);
        out.check = Some(eval_shown);
        let Some(build_argv) = confined.build.as_ref().filter(|_| build) else {
            return Ok(());
        };
        let drvs = nix::confine::to_build(&stderr);
        if !drvs.is_empty() {
            let show = nix::confine::Untrusted::show_derivation(&drvs);
            let shown_drvs = run(&show).await.map_err(|e| e.to_string())?;
            let json: serde_json::Value = serde_json::from_slice(&shown_drvs.stdout)
                .map_err(|e| format!("reading `nix show-derivation`: {e}"))?;
            let networked = nix::confine::networked(&json);
            if !networked.is_empty() && !self.consent {
                let list: Vec<String> = networked
                    .iter()
                    .map(|(drv, url)| match url {
                        Some(u) => format!("{drv} (fetches {u})"),
                        None => drv.clone(),
                    })
                    .collect();
                return Err(consent(format!(
                    "building it would run fixed-output or impure derivations, which have network access: {}",
                    list.join(", ")
                )));
            }
        }
        let step = run(build_argv).await.map_err(|e| e.to_string())?;
        let build_shown = shown(build_argv.argv(), self.scratch);
        if !step.ok() {
            let (_, why) = failure_level(&step, self.scratch);
            return Err(format!("`{build_shown}` failed: {why}"));
        }
        out.level = Some(Level::Build);
        out.check = Some(build_shown);
        out.stdout = step.stdout;
        Ok(())
    }
}

/// Why a check stops short: what it would do needs the user's consent.
fn consent(what: String) -> String {
    format!("not checked further: {what}; checking it could reach the network, so it needs your consent (--yes)")
}

/// Directories the user's own command names (`path:/abs/nixpkgs`, `-I /x`, `/abs/file.nix`):
/// a confined evaluation may read them, since the user chose them.
pub(crate) fn named_paths(argv: &[String]) -> Vec<PathBuf> {
    argv.iter()
        .filter_map(|a| {
            let a = a.split(['#', '?']).next()?;
            let a = a
                .strip_prefix("path:")
                .or(a.strip_prefix("git+file://"))
                .unwrap_or(a);
            let a = a.rsplit_once('=').map_or(a, |(_, p)| p);
            let path = Path::new(a);
            (path.is_absolute() && path.exists()).then(|| {
                if path.is_dir() {
                    path.to_owned()
                } else {
                    path.parent().unwrap_or(path).to_owned()
                }
            })
        })
        .collect()
}

fn is_nix(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "nix")
}

/// What a failed check tells: whether evaluation succeeded, and the diagnosed cause.
fn failure_level(step: &Step, scratch: &Scratch) -> (Level, String) {
    let Some((f, built)) = diagnose_step(step, scratch) else {
        return (Level::Parse, step.tail(3));
    };
    let why = if f.category == "no_failure" {
        step.tail(3)
    } else {
        format!("{}: {}", f.category, f.summary)
    };
    (if built { Level::Eval } else { Level::Parse }, why)
}

/// explain-failure's diagnosis of a failed check's log, and whether it got as far as building.
fn diagnose_step(step: &Step, scratch: &Scratch) -> Option<(diagnose::Finding, bool)> {
    let log = crate::log::read_bytes(&step.stderr, diagnose::triggers()).ok()?;
    let built = diagnose::site::sites(&log).iter().any(|s| {
        matches!(
            s.kind,
            diagnose::SiteKind::Build { .. } | diagnose::SiteKind::Cascade { .. }
        )
    });
    let no_fetch = |_: &str| None;
    let ctx = Context {
        workspace: Workspace::new(vec![scratch.root.clone()]),
        full_log: &no_fetch,
    };
    Some((diagnose::diagnose(&log, &ctx), built))
}

/// The evaluation-only variant of the user's command, or a project-wide evaluation.
fn eval_command(command: Option<&[String]>, root: &Path) -> Option<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    if let Some(cmd) = command {
        let words: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let has = |w: &str| words.contains(&w);
        return match words.first().copied() {
            Some("nix") if has("build") => Some([cmd, &s(&["--dry-run"])].concat()),
            Some("nix") if has("flake") && has("check") => {
                Some([cmd, &s(&["--no-build"])].concat())
            }
            Some("nix-build") => Some([&s(&["nix-instantiate"]), &cmd[1..]].concat()),
            _ => None,
        };
    }
    if root.join("flake.nix").is_file() {
        Some(s(&["nix", "flake", "check", "--no-build", "."]))
    } else if root.join("default.nix").is_file() {
        Some(s(&["nix-instantiate", "default.nix"]))
    } else {
        None
    }
}

/// `path` moved from under `from` to under `to`.
fn map_into(path: &Path, from: &Path, to: &Path) -> Option<PathBuf> {
    path.strip_prefix(from).ok().map(|rel| to.join(rel))
}

/// An argument that names a path in the project (`/abs/proj#x`, `path:/abs/proj`) made to
/// name the scratch copy instead.
fn map_arg(arg: &str, from: &Path, to: &Path) -> String {
    let from = from.display().to_string();
    match arg.find(&from) {
        Some(i) => {
            let rest = &arg[i + from.len()..];
            if rest.is_empty() || rest.starts_with(['/', '#', '?']) {
                format!("{}{}{}", &arg[..i], to.display(), rest)
            } else {
                arg.to_owned()
            }
        }
        None => arg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_commands_map_into_scratch() {
        let (from, to) = (Path::new("/home/u/proj"), Path::new("/tmp/s"));
        assert_eq!(map_arg("path:/home/u/proj#x", from, to), "path:/tmp/s#x");
        assert_eq!(map_arg("/home/u/project2", from, to), "/home/u/project2");
        let cmd: Vec<String> = ["nix", "build", ".#a"].map(String::from).to_vec();
        assert_eq!(
            eval_command(Some(&cmd), from).unwrap().last().unwrap(),
            "--dry-run"
        );
        let cmd: Vec<String> = ["nix-build", "-A", "x"].map(String::from).to_vec();
        assert_eq!(
            eval_command(Some(&cmd), from).unwrap()[0],
            "nix-instantiate"
        );
    }

    #[test]
    fn edits_cannot_leave_the_project() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_inside(dir.path(), Path::new("../x.nix")).is_err());
        assert!(check_inside(dir.path(), Path::new("/etc/passwd")).is_err());
        assert!(check_inside(dir.path(), Path::new(".git/config")).is_err());
        assert!(check_inside(dir.path(), Path::new("sub/.git/config")).is_err());
        assert!(check_inside(dir.path(), Path::new("sub/.GIT/hooks/pre-commit")).is_err());
        std::os::unix::fs::symlink("/etc", dir.path().join("link")).unwrap();
        assert!(check_inside(dir.path(), Path::new("link/passwd")).is_err());
        assert!(check_inside(dir.path(), Path::new("sub/ok.nix")).is_ok());
    }
}
