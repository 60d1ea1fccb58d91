//! Validation of a generated flake, in a scratch copy of the repository: rnix parse,
//! `nix-instantiate --parse`, evaluation of every output (`nix flake check --no-build`), a build
//! of every app and the devShell, then `command -v` of every tool inside the devShell. The
//! scripts themselves are never run. A flake around a model's code is checked confined (see
//! `nix::confine`): every step that evaluates or builds it goes through that module's type.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::scratch::Scratch;
use super::{diagnose_step, failure_level, ConfinedChecks, Level, ModelChecks};
use crate::nix::confine;
use crate::nix::runner::{self, Step};
use crate::nix::syntax;

/// One rung of the ladder.
#[derive(Debug, Clone, Serialize)]
pub struct FlakeCheck {
    pub check: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub struct FlakePlan {
    /// The flake directory (absolute).
    pub root: PathBuf,
    /// Generated files, relative to `root`: flake.nix first.
    pub files: Vec<(PathBuf, String)>,
    /// Files the flake reads (the scripts), relative to `root`; added to the scratch copy's
    /// git index so the flake sees them even when the user has not added them yet.
    pub sources: Vec<PathBuf>,
    pub packages: Vec<String>,
    /// Commands that must be on the devShell's PATH.
    pub tools: Vec<String>,
    /// `nix flake lock` makes the lock (none is known, or a workspace's path inputs need
    /// their hashes).
    pub needs_lock: bool,
    /// The nixpkgs lock node when the pin is known: the lock keeps it whatever the checks'
    /// `--override-input`s make Nix lock.
    pub pin: Option<serde_json::Value>,
    pub target: Level,
    pub nix_args: Vec<String>,
    pub step_timeout: Duration,
    /// Set when the flake holds a model's code: the checks are confined.
    pub model: Option<ModelChecks>,
}

#[derive(Debug, Default)]
pub struct FlakeOutcome {
    pub level: Option<Level>,
    pub checks: Vec<FlakeCheck>,
    /// The lock `nix flake lock` wrote, when the plan needed one and it succeeded.
    pub lock: Option<String>,
    /// The hash Nix got where a fixed-output derivation (a placeholder hash) failed.
    pub got_hash: Option<String>,
}

/// The Nix system of this machine (`x86_64-linux`), the one whose outputs can be built.
pub fn current_system() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

/// Keeps only store directories on PATH (a devShell also gets the host's default PATH), then
/// reports the commands given as arguments that are not found.
const TOOL_CHECK: &str = r#"IFS=:; p=; for d in $PATH; do case $d in /nix/store/*) p=$p${p:+:}$d ;; esac; done; unset IFS; PATH=$p; m=; for t in "$@"; do command -v "$t" >/dev/null 2>&1 || m="$m $t"; done; if [ -n "$m" ]; then echo "not on the devShell's PATH:$m" >&2; exit 1; fi"#;

pub async fn validate_flake(plan: &FlakePlan) -> FlakeOutcome {
    let mut out = FlakeOutcome::default();
    let _ = ladder(plan, &mut out).await;
    out
}

/// Each rung that passes raises `out.level`; the first failure ends the ladder (`Err`).
async fn ladder(plan: &FlakePlan, out: &mut FlakeOutcome) -> Result<(), ()> {
    for (path, text) in plan
        .files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "nix"))
    {
        let parsed = syntax::parse(text);
        record(
            out,
            format!("rnix parse {}", path.display()),
            parsed.errors().first().map(|e| e.to_string()),
        )?;
    }
    out.level = Some(Level::None);
    if plan.target == Level::None {
        return Ok(());
    }
    let scratch = match prepare(plan) {
        Ok(s) => s,
        Err(e) => return record(out, "scratch copy".into(), Some(e)),
    };
    let dir = scratch.root.clone();
    let here = [dir.display().to_string()];
    let flake_nix = dir.join("flake.nix");
    let step = runner::parse_file(&flake_nix, plan.step_timeout).await;
    let error = failure(step, &scratch, &mut out.got_hash);
    record(out, "nix-instantiate --parse flake.nix".into(), error)?;
    out.level = Some(Level::Parse);
    if plan.needs_lock {
        // With a known pin the overrides may stay (nixpkgs' node is put back afterwards);
        // without one the lock must pin what flake.nix names. A failure (no network) leaves
        // the flake without a lock, and the checks go on.
        let args = match plan.pin {
            Some(_) => plan.nix_args.clone(),
            None => without_overrides(&plan.nix_args),
        };
        let argv: Vec<String> = ["nix", "flake", "lock", &here[0]]
            .map(String::from)
            .into_iter()
            .chain(args)
            .collect();
        let step = runner::run_step(&argv, &dir, plan.step_timeout).await;
        let error = failure(step, &scratch, &mut out.got_hash);
        if error.is_none() {
            let written = std::fs::read_to_string(dir.join("flake.lock")).ok();
            out.lock = match (&plan.pin, written) {
                (Some(pin), Some(text)) => crate::genflake::lock::with_nixpkgs(&text, pin),
                (None, written) => written,
                (Some(_), None) => None,
            };
        }
        let ok = error.is_none();
        out.checks.push(FlakeCheck {
            check: "nix flake lock".into(),
            ok,
            error,
        });
    }
    if plan.target == Level::Parse {
        return Ok(());
    }
    if let Some(model) = plan.model {
        return model_ladder(plan, model, &scratch, out).await;
    }
    let step = nix(plan, &dir, &["flake", "check", "--no-build"], &here, &[]).await;
    let error = failure(step, &scratch, &mut out.got_hash);
    record(out, "nix flake check --no-build".into(), error)?;
    out.level = Some(Level::Eval);
    if plan.target == Level::Eval {
        return Ok(());
    }
    let system = current_system();
    let targets = build_targets(plan, &dir, &system);
    let step = nix(plan, &dir, &["build", "--no-link"], &targets, &[]).await;
    let error = failure(step, &scratch, &mut out.got_hash);
    let failed = error.is_some();
    out.checks.push(FlakeCheck {
        check: format!(
            "nix build of {} package(s) and the devShell",
            plan.packages.len()
        ),
        ok: !failed,
        error,
    });
    if failed {
        return Err(());
    }
    if !plan.tools.is_empty() {
        let shell = format!("{}#devShells.{system}.default", dir.display());
        let mut tail = vec![
            "--command".to_owned(),
            "sh".into(),
            "-c".into(),
            TOOL_CHECK.into(),
            "sh".into(),
        ];
        tail.extend(plan.tools.iter().cloned());
        let step = nix(plan, &dir, &["develop"], &[shell], &tail).await;
        let error = match step {
            Ok(s) if s.ok() => None,
            Ok(s) => Some(s.tail(1)),
            Err(e) => Some(e.to_string()),
        };
        let check = format!("command -v of {} tool(s) in nix develop", plan.tools.len());
        record(out, check, error)?;
    }
    out.level = Some(Level::Build);
    Ok(())
}

/// The rungs after parsing for a flake around a model's code, each confined: evaluation pure
/// and restricted to the flake and the paths the user's arguments name, builds in the sandbox
/// of only what was inspected first, and the tools looked up on the devShell's PATH as
/// `nix print-dev-env` gives it, so that no shell hook of the model's runs on the host. (The
/// lock step before them evaluates no output: only the inputs, which are nfai's.)
async fn model_ladder(
    plan: &FlakePlan,
    model: ModelChecks,
    scratch: &Scratch,
    out: &mut FlakeOutcome,
) -> Result<(), ()> {
    let dir = scratch.root.clone();
    let here = [dir.display().to_string()];
    let system = current_system();
    let mut allowed = vec![dir.clone()];
    allowed.extend(super::named_paths(&plan.nix_args));
    let checks = ConfinedChecks {
        cwd: &dir,
        timeout: plan.step_timeout,
        consent: model.consent,
        scratch,
    };
    let run = |args: &[&str], targets: &[String], build: bool| {
        let argv = argv(plan, args, targets, &[]);
        let checks = &checks;
        let confined = confine::confine(&argv, &allowed, &system);
        async move {
            match confined {
                Ok(c) => checks.run(&c, build).await,
                Err(e) => super::ConfinedOutcome {
                    error: Some(e.to_string()),
                    ..Default::default()
                },
            }
        }
    };
    let eval = run(&["flake", "check", "--no-build"], &here, false).await;
    record(
        out,
        "nix flake check --no-build (confined)".into(),
        eval.error,
    )?;
    out.level = Some(Level::Eval);
    if plan.target == Level::Eval {
        return Ok(());
    }
    let targets = build_targets(plan, &dir, &system);
    let build = run(&["build", "--no-link"], &targets, true).await;
    let check = format!(
        "nix build of {} package(s) and the devShell (sandboxed)",
        plan.packages.len()
    );
    record(out, check, build.error)?;
    if !plan.tools.is_empty() {
        let shell = [format!("{}#devShells.{system}.default", dir.display())];
        let env = run(&["develop"], &shell, true).await;
        let error = env.error.or_else(|| {
            let missing = missing_tools(&String::from_utf8_lossy(&env.stdout), &plan.tools);
            (!missing.is_empty())
                .then(|| format!("not on the devShell's PATH: {}", missing.join(" ")))
        });
        let check = format!(
            "command -v of {} tool(s) on the devShell's PATH (nix print-dev-env)",
            plan.tools.len()
        );
        record(out, check, error)?;
    }
    out.level = Some(Level::Build);
    Ok(())
}

/// Every package of the plan and the devShell, as installables of the flake at `dir`.
fn build_targets(plan: &FlakePlan, dir: &Path, system: &str) -> Vec<String> {
    let mut targets: Vec<String> = plan
        .packages
        .iter()
        .map(|p| format!("{}#packages.{system}.\"{p}\"", dir.display()))
        .collect();
    targets.push(format!("{}#devShells.{system}.default", dir.display()));
    targets
}

/// The `tools` that no store directory on the PATH of a `nix print-dev-env` script holds as
/// an executable file (what `command -v` would find, without running the shell).
fn missing_tools(dev_env: &str, tools: &[String]) -> Vec<String> {
    missing_tools_in(dev_env, tools, "/nix/store/")
}

/// `missing_tools` with the store at `store`.
fn missing_tools_in(dev_env: &str, tools: &[String], store: &str) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    // The environment's own PATH is the quoted one; a later `PATH="$PATH:…"` adds the host's.
    let path = dev_env
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PATH='"))
        .next()
        .unwrap_or_default()
        .trim_end_matches('\'');
    let dirs: Vec<&str> = path.split(':').filter(|d| d.starts_with(store)).collect();
    tools
        .iter()
        .filter(|t| {
            !dirs.iter().any(|d| {
                std::fs::metadata(Path::new(d).join(t))
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
        })
        .cloned()
        .collect()
}

/// Records a rung; `Err` ends the ladder.
fn record(out: &mut FlakeOutcome, check: String, error: Option<String>) -> Result<(), ()> {
    let ok = error.is_none();
    out.checks.push(FlakeCheck { check, ok, error });
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

/// The scratch copy with the generated files written and, in a git repository, the flake's
/// files in the index (a flake only sees what git tracks).
fn prepare(plan: &FlakePlan) -> Result<Scratch, String> {
    let scratch = Scratch::create(&plan.root).map_err(|e| e.to_string())?;
    for (path, text) in &plan.files {
        std::fs::write(scratch.root.join(path), text).map_err(|e| e.to_string())?;
    }
    if scratch.path().join(".git").exists() {
        for rel in plan.files.iter().map(|(p, _)| p).chain(&plan.sources) {
            let args =
                ["add", "--intent-to-add", "--", &rel.display().to_string()].map(String::from);
            crate::git::run_fix_command(&scratch.root, &args).map_err(|e| e.to_string())?;
        }
    }
    Ok(scratch)
}

/// `nix <args> <targets> <nix_args> <tail>` in the scratch flake directory.
async fn nix(
    plan: &FlakePlan,
    dir: &Path,
    args: &[&str],
    targets: &[String],
    tail: &[String],
) -> Result<Step, runner::RunError> {
    runner::run_step(&argv(plan, args, targets, tail), dir, plan.step_timeout).await
}

/// `nix <args> <targets> <nix_args> <tail>`.
fn argv(plan: &FlakePlan, args: &[&str], targets: &[String], tail: &[String]) -> Vec<String> {
    std::iter::once("nix")
        .chain(args.iter().copied())
        .map(String::from)
        .chain(targets.iter().cloned())
        .chain(plan.nix_args.iter().cloned())
        .chain(tail.iter().cloned())
        .collect()
}

/// `args` without `--override-input NAME REF` triples.
fn without_overrides(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = 0;
    for a in args {
        if skip > 0 {
            skip -= 1;
        } else if a == "--override-input" {
            skip = 2;
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// `None` when the step passed, else what failed: explain-failure's diagnosis of its log.
/// A hash mismatch leaves the hash Nix got in `got`.
fn failure(
    step: Result<Step, runner::RunError>,
    scratch: &Scratch,
    got: &mut Option<String>,
) -> Option<String> {
    match step {
        Ok(s) if s.ok() => None,
        Ok(s) => {
            if let Some((f, _)) = diagnose_step(&s, scratch) {
                if f.category == "hash_mismatch" {
                    *got = f.fact("got").map(String::from);
                }
            }
            Some(failure_level(&s, scratch).1)
        }
        Err(e) => Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_looked_up_on_the_dev_shell_path() {
        use std::os::unix::fs::PermissionsExt;
        let store = tempfile::tempdir().unwrap();
        let bin = store.path().join("x-jq/bin");
        std::fs::create_dir_all(&bin).unwrap();
        for (tool, mode) in [("jq", 0o755), ("notes", 0o644)] {
            std::fs::write(bin.join(tool), "").unwrap();
            std::fs::set_permissions(bin.join(tool), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
        let store = format!("{}/", store.path().display());
        let tools = ["jq", "notes", "make"].map(String::from);
        // The environment's PATH, then the host's appended, which does not count.
        let env = format!(
            "PATH='{}:/elsewhere/bin'\nexport PATH\nPATH=\"$PATH:/usr/bin\"\n",
            bin.display()
        );
        assert_eq!(missing_tools_in(&env, &tools, &store), ["notes", "make"]);
        assert_eq!(missing_tools_in("", &tools, &store), tools);
        assert_eq!(
            missing_tools(&env, &tools),
            tools,
            "only the Nix store counts"
        );
    }

    #[test]
    fn overrides_are_left_out_of_the_lock() {
        let args: Vec<String> = [
            "--override-input",
            "nixpkgs",
            "path:/x",
            "--option",
            "a",
            "b",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(without_overrides(&args), ["--option", "a", "b"]);
    }
}
