//! `nfai gen-flake`: analyses the scripts or the project, writes their flake (and lock) beside
//! them after validating it, or shows what it would write. A project no detector recognises
//! gets a model's derivation with `--llm` (see `gen_derivation`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use super::{InputError, Interrupted};
use crate::cli::gen_flake::GenFlakeArgs;
use crate::genflake::flake::{self, ModelPackage, ScriptEntry};
use crate::genflake::lock;
use crate::genflake::project::Detected;
use crate::genflake::script::{self, Analysis, Assumption, Sourced, Tool, Unresolved};
use crate::genflake::workspace;
use crate::llm::rounds::Round;
use crate::render::style::Style;
use crate::render::{diff, Format};
use crate::validate::genflake::{self as check, FlakeCheck, FlakePlan};
use crate::validate::Level;

/// Without a pin in the repository or `--nixpkgs`.
const DEFAULT_NIXPKGS: &str = "github:NixOS/nixpkgs/nixos-unstable";

#[derive(Serialize)]
struct FileOut {
    path: String,
    diff: String,
}

#[derive(Serialize)]
struct ComponentOut {
    path: String,
    input: String,
    generated: bool,
}

#[derive(Serialize)]
struct ScriptNote<T> {
    script: String,
    #[serde(flatten)]
    note: T,
}

/// The `--format json` object: the keys, then what the human output also shows.
#[derive(Serialize)]
struct Report {
    files: Vec<FileOut>,
    tools: Vec<Tool>,
    unresolved: Vec<Unresolved>,
    validated: &'static str,
    checks: Vec<FlakeCheck>,
    assumptions: Vec<ScriptNote<Assumption>>,
    sources: Vec<ScriptNote<Sourced>>,
    syntax_errors: Vec<ScriptNote<script::SyntaxError>>,
    /// What `gen-flake DIR` detected; the first builds the package.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    project: Vec<Detected>,
    /// With `--workspace`: each component and whether its flake was generated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<ComponentOut>,
    /// For a project no detector recognises: the model's description of the derivation
    /// nfai's flake is built around (quoted), and the rounds of the repair loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rounds: Vec<Round>,
    written: bool,
    /// Why nothing was written although this was no dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_written: Option<&'static str>,
}

/// What the flake is generated from.
pub(super) struct Source {
    /// Where flake.nix goes (absolute).
    pub(super) dir: PathBuf,
    /// The scripts given, or the shell scripts of the project.
    analyses: Vec<Analysis>,
    /// Every detector's finding for a project directory; empty for scripts.
    project: Vec<Detected>,
    /// With `--workspace`: the components, each with the flake input name it gets in the
    /// root flake; `None` for a component that has a flake already (composed as it is).
    components: Vec<(PathBuf, String, Option<Source>)>,
    /// A model's package for a project directory no detector recognises.
    pub(super) model: Option<ModelPackage>,
}

impl Source {
    /// The files to write, relative to `dir`: flake.nix, flake.lock when the pin is known, and
    /// for a workspace every component's files and then the root's.
    pub(super) fn files(
        &self,
        url: &str,
        pin: Option<&lock::Pin>,
    ) -> Result<Vec<(PathBuf, String)>, InputError> {
        let lock_file =
            |dir: &Path| pin.map(|p| (dir.join("flake.lock"), lock::lock_text(&p.node)));
        let mut files = Vec::new();
        for (rel, _, source) in &self.components {
            if let Some(source) = source {
                files.push((rel.join("flake.nix"), source.flake(url)?));
                files.extend(lock_file(rel));
            }
        }
        let flake = if self.components.is_empty() {
            self.flake(url)?
        } else {
            let inputs: Vec<(String, String)> = self
                .components
                .iter()
                .map(|(rel, input, _)| (input.clone(), rel.to_string_lossy().into_owned()))
                .collect();
            flake::workspace_flake(&inputs, url)
        };
        files.push((PathBuf::from("flake.nix"), flake));
        files.extend(lock_file(Path::new("")));
        Ok(files)
    }

    /// The flake.nix text of a scripts or project source.
    fn flake(&self, url: &str) -> Result<String, InputError> {
        if let Some(model) = &self.model {
            let name = self.dir.file_name().map_or_else(
                || "project".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            return Ok(flake::model_flake(
                &name,
                model,
                &tool_attrs(&self.analyses),
                url,
            ));
        }
        let Some(main) = self.project.first() else {
            return Ok(flake::script_flake(
                &entries(&self.analyses, &self.dir)?,
                url,
            ));
        };
        // The devShell: the other build systems' tools and the scripts' tools.
        let mut tools: Vec<String> = self.project[1..]
            .iter()
            .flat_map(|d| d.native.iter().chain(&d.libs).cloned())
            .chain(tool_attrs(&self.analyses))
            .collect();
        tools.sort();
        tools.dedup();
        Ok(flake::project_flake(main, &tools, url))
    }

    /// The packages of the flake at `dir`: a workspace exposes its components' as
    /// `<input>-<name>`.
    fn packages(&self) -> Result<Vec<String>, InputError> {
        if !self.components.is_empty() {
            let mut all = Vec::new();
            for (_, input, source) in &self.components {
                for p in source
                    .as_ref()
                    .map(Source::packages)
                    .transpose()?
                    .unwrap_or_default()
                {
                    all.push(format!("{input}-{p}"));
                }
            }
            Ok(all)
        } else if self.project.is_empty() && self.model.is_none() {
            Ok(entries(&self.analyses, &self.dir)?
                .into_iter()
                .map(|e| e.name)
                .collect())
        } else {
            Ok(vec!["default".to_owned()])
        }
    }

    pub(super) fn unresolved(&self) -> Vec<Unresolved> {
        let from_project = self
            .project
            .iter()
            .flat_map(|d| &d.unresolved)
            .map(|u| Unresolved {
                command: u.clone(),
                line: 0,
                reason: "no nixpkgs attribute known for this dependency".to_owned(),
            });
        self.analyses
            .iter()
            .flat_map(|a| a.unresolved.clone())
            .chain(from_project)
            .collect()
    }
}

/// The scripts given on the command line, analysed.
fn scripts_source(paths: &[PathBuf]) -> anyhow::Result<Source> {
    let scripts = script_paths(paths)?;
    let dir = common_dir(&scripts);
    let root = crate::git::toplevel(&dir).unwrap_or_else(|| dir.clone());
    let mut analyses = Vec::new();
    for s in &scripts {
        analyses.push(script::analyze_file(s, &root).map_err(|e| InputError(e.to_string()))?);
    }
    Ok(Source {
        dir,
        analyses,
        project: Vec::new(),
        components: Vec::new(),
        model: None,
    })
}

/// The nixpkgs attributes of every tool the scripts run.
fn tool_attrs(analyses: &[Analysis]) -> Vec<String> {
    analyses
        .iter()
        .flat_map(|a| a.tools.iter().map(|t| t.attr.clone()))
        .collect()
}

/// Most shell scripts a project's tools are in sit this deep.
const SCRIPT_DEPTH: usize = 3;

/// A project directory: every detector (none may recognise it), and the shell scripts in it.
fn project_source(dir: &Path) -> anyhow::Result<Source> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    let project = crate::genflake::project::detect(&dir);
    let root = crate::git::toplevel(&dir).unwrap_or_else(|| dir.clone());
    // Files that are not scripts after all (binary, another dialect) are left out.
    let analyses = ignore::WalkBuilder::new(&dir)
        .max_depth(Some(SCRIPT_DEPTH))
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "sh"))
        .filter_map(|e| script::analyze_file(e.path(), &root).ok())
        .collect();
    Ok(Source {
        dir,
        analyses,
        project,
        components: Vec::new(),
        model: None,
    })
}

/// What gen-flake says about a project no detector recognises, without a model.
pub(super) fn unrecognised(dir: &Path) -> InputError {
    InputError(format!(
        "{}: nothing to build recognised (no Cargo.toml, go.mod, package.json, \
         pyproject.toml, requirements.txt, meson.build, CMakeLists.txt or Makefile); with \
         `--llm BACKEND` a model can propose a derivation, which nfai validates before writing it",
        dir.display()
    ))
}

/// `--workspace [ROOT]`: every component of the repository (a project, or a directory of
/// shell scripts) gets a flake unless it has one, and the root flake composes them.
fn workspace_source(root: &Path, force: bool) -> anyhow::Result<Source> {
    let root = root
        .canonicalize()
        .with_context(|| format!("reading {}", root.display()))?;
    let mut components = Vec::new();
    let (mut analyses, mut project) = (Vec::new(), Vec::new());
    for rel in workspace::components(&root) {
        let dir = root.join(&rel);
        let scripts = workspace::scripts_in(&dir);
        let source = if dir.join("flake.nix").is_file() && !force {
            None
        } else if !crate::genflake::project::detect(&dir).is_empty() {
            Some(project_source(&dir)?)
        } else if !scripts.is_empty() {
            let mut s = scripts_source(&scripts)?;
            s.dir = dir;
            Some(s)
        } else {
            None
        };
        if let Some(s) = &source {
            analyses.extend(s.analyses.iter().cloned());
            project.extend(s.project.iter().cloned());
        }
        let input = workspace::input_name(&rel);
        components.push((rel, input, source));
    }
    if components.is_empty() {
        return Err(InputError(format!(
            "{}: no components (projects or directories of shell scripts) found",
            root.display()
        ))
        .into());
    }
    Ok(Source {
        dir: root,
        analyses,
        project,
        components,
        model: None,
    })
}

/// With an LLM backend: the model chooses, among candidates from the project's nixpkgs and
/// nfai's tables, packages for the commands no table knows. A choice becomes a tool of the
/// script (so the flake's checks confirm it); anything else stays unresolved.
fn choose_attributes(
    analyses: &mut [Analysis],
    client: &mut crate::llm::client::Client,
    args: &GenFlakeArgs,
    nixpkgs: &str,
) -> anyhow::Result<()> {
    use crate::llm::attributes::{self, Question};
    let plain = |c: &str| {
        c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "._+-".contains(ch))
    };
    let mut questions: Vec<Question> = Vec::new();
    for a in analyses.iter() {
        let text = std::fs::read_to_string(&a.path).unwrap_or_default();
        for u in a.unresolved.iter().filter(|u| plain(&u.command)) {
            if questions.iter().all(|q| q.command != u.command) {
                questions.push(Question {
                    command: u.command.clone(),
                    line: u.line,
                    text: text
                        .lines()
                        .nth(u.line.saturating_sub(1))
                        .unwrap_or_default()
                        .to_owned(),
                    candidates: Vec::new(),
                });
            }
        }
    }
    if questions.is_empty() {
        return Ok(());
    }
    let nixpkgs =
        crate::nix::nixpkgs::overridden(&args.check.nix_args).unwrap_or_else(|| nixpkgs.to_owned());
    let names = crate::nix::nixpkgs::package_names(&nixpkgs);
    // A `&'static str` read as any shorter-lived `&str`, so both kinds of names chain.
    fn any<'a>(s: &'static str) -> &'a str {
        s
    }
    for q in &mut questions {
        let tables = crate::knowledge::command_attributes().map(any);
        q.candidates =
            attributes::candidates(&q.command, names.iter().map(String::as_str).chain(tables));
    }
    questions.retain(|q| !q.candidates.is_empty());
    if questions.is_empty() {
        return Ok(());
    }
    let prompt = attributes::prompt(&questions);
    if args.llm.show_prompt {
        println!("{}", serde_json::to_string_pretty(&prompt)?);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let answer = runtime.block_on(client.ask(&prompt));
    let chosen = match answer.and_then(|a| attributes::parse(&a, &questions)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nfai: {}", crate::render::inert::inert(&e.to_string()));
            return Ok(());
        }
    };
    for (command, attr) in chosen {
        eprintln!("nfai: the LLM chose `{attr}` for `{command}`; the flake's checks confirm it");
        for a in analyses.iter_mut() {
            let lines: Vec<usize> = a
                .unresolved
                .iter()
                .filter(|u| u.command == command)
                .map(|u| u.line)
                .collect();
            if lines.is_empty() {
                continue;
            }
            a.unresolved.retain(|u| u.command != command);
            a.tools.push(Tool {
                command: command.clone(),
                attr: attr.clone(),
                lines,
                optional: false,
            });
        }
    }
    Ok(())
}

pub fn run(args: &GenFlakeArgs, style: Style) -> anyhow::Result<i32> {
    run_to(args, style, &mut std::io::stdout().lock())
}

/// `run`, with the report written to `out` (review --fix sends it to stderr).
pub fn run_to(args: &GenFlakeArgs, style: Style, out: &mut dyn Write) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let (mut source, unknown_project) = match args.paths.as_slice() {
        _ if args.workspace => {
            let root = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
            (workspace_source(root, args.force)?, false)
        }
        [p] if p.is_dir() => {
            let source = project_source(p)?;
            let none = source.project.is_empty();
            (source, none)
        }
        paths => (scripts_source(paths)?, false),
    };
    let dir = source.dir.clone();
    let root = crate::git::toplevel(&dir).unwrap_or_else(|| dir.clone());
    let config =
        crate::llm::config::resolve(&args.llm, &dir).map_err(|e| InputError(e.to_string()))?;
    let mut client = super::fix::llm_client(&config, &args.llm, "gen-flake")?;
    if unknown_project && client.is_none() && !args.llm.show_prompt {
        return Err(unrecognised(&dir).into());
    }
    let pin = lock::find_pin(&root).filter(|p| args.nixpkgs.as_ref().is_none_or(|u| *u == p.url));
    let url = match (&pin, &args.nixpkgs) {
        (Some(p), _) => p.url.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => DEFAULT_NIXPKGS.to_owned(),
    };
    if let Some(client) = &mut client {
        choose_attributes(&mut source.analyses, client, args, &url)?;
    }
    let tools = merged_tools(&source.analyses);
    let derived = if unknown_project {
        let derived = super::gen_derivation::derive(
            args,
            &config,
            &mut source,
            client.as_mut(),
            pin.as_ref(),
            &url,
            &tools,
        );
        if let (Some(client), true) = (&client, args.llm.record) {
            super::fix::record(client, &dir)?;
        }
        match derived? {
            Some(d) => Some(d),
            // The prompt was shown; nothing is sent or written.
            None => return Ok(0),
        }
    } else {
        if let (Some(client), true) = (&client, args.llm.record) {
            super::fix::record(client, &dir)?;
        }
        None
    };
    let analyses = &source.analyses;
    let mut files = match (&derived, &source.model) {
        (Some(_), None) => Vec::new(),
        _ => source.files(&url, pin.as_ref())?,
    };
    for (name, text) in &files {
        let before = std::fs::read_to_string(dir.join(name)).ok();
        if before.as_ref().is_some_and(|b| b != text) && !args.force && !args.dry_run {
            return Err(InputError(format!(
                "{} exists; --force replaces it (the diff is shown first), --dry-run shows the diff",
                shown(&dir.join(name), &cwd)
            ))
            .into());
        }
    }

    let (rounds, outcome, derived_description) = match derived {
        Some(d) => (d.rounds, d.outcome, d.description),
        None if args.check.no_validate => (Vec::new(), check::FlakeOutcome::default(), None),
        None => (
            Vec::new(),
            validate(args, &source, &mut files, &tools, pin.as_ref())?,
            None,
        ),
    };
    // (No files: no proposal of a model validated, and its attempt's lock is no use alone.)
    if let (Some(lock), false) = (&outcome.lock, files.is_empty()) {
        files.retain(|(p, _)| p != Path::new("flake.lock"));
        files.push((PathBuf::from("flake.lock"), lock.clone()));
    }
    let validated = outcome.level.map_or("none", Level::name);

    // (shown path, before, after) of every file
    let changes: Vec<(String, String, String)> = files
        .iter()
        .map(|(name, text)| {
            let before = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            (shown(&dir.join(name), &cwd), before, text.clone())
        })
        .collect();
    let file_outs: Vec<FileOut> = changes
        .iter()
        .map(|(path, before, after)| FileOut {
            diff: diff::unified(path, before, after, Style::plain()),
            path: path.clone(),
        })
        .collect();
    // A model's derivation is written only once Nix has evaluated it.
    let not_written = match (&source.model, outcome.level) {
        _ if args.dry_run => None,
        (None, _) if unknown_project => Some("no proposal of the model validated"),
        (Some(_), _) if args.check.no_validate => Some(
            "not validated (--no-validate); a model's derivation is shown, never written unvalidated",
        ),
        (Some(_), level) if level < Some(Level::Eval) => Some(
            "a model's derivation is written only once Nix has evaluated it (--validate eval or build)",
        ),
        _ => None,
    };
    let written = !args.dry_run && not_written.is_none();
    if written {
        write_all(&dir, &files)?;
    }
    let target = if args.check.no_validate {
        Level::None
    } else {
        args.check.validate.unwrap_or(Level::Build)
    };
    let complete = outcome.level.is_some_and(|l| l >= target)
        && source.unresolved().is_empty()
        && analyses.iter().all(|a| a.syntax_error.is_none())
        && (pin.is_some() || outcome.lock.is_some())
        && not_written.is_none();

    let note = |a: &Analysis| shown(&a.path, &cwd);
    let report = Report {
        files: file_outs,
        tools,
        unresolved: source.unresolved(),
        project: source.project.clone(),
        components: source
            .components
            .iter()
            .map(|(rel, input, s)| ComponentOut {
                path: rel.display().to_string(),
                input: input.clone(),
                generated: s.is_some(),
            })
            .collect(),
        validated,
        checks: outcome.checks,
        model: derived_description,
        rounds,
        not_written,
        assumptions: analyses
            .iter()
            .flat_map(|a| {
                a.assumptions.iter().map(move |n| ScriptNote {
                    script: note(a),
                    note: n.clone(),
                })
            })
            .collect(),
        sources: analyses
            .iter()
            .flat_map(|a| {
                a.sources.iter().map(move |n| ScriptNote {
                    script: note(a),
                    note: n.clone(),
                })
            })
            .collect(),
        syntax_errors: analyses
            .iter()
            .filter_map(|a| {
                a.syntax_error.clone().map(|n| ScriptNote {
                    script: note(a),
                    note: n,
                })
            })
            .collect(),
        written,
    };
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        Format::Human | Format::Markdown => {
            for (path, before, after) in &changes {
                // New files are shown when not written; replaced ones always, before the summary.
                if !written || !before.is_empty() {
                    out.write_all(diff::unified(path, before, after, style).as_bytes())?;
                }
            }
            out.write_all(human(&report, analyses, &cwd, args, pin.as_ref(), style).as_bytes())?
        }
    }
    Ok(if complete { 0 } else { 1 })
}

/// The scripts, absolute; a directory or a missing path is an input error.
fn script_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                return Err(InputError(format!(
                    "{}: a directory; give a project directory alone, or scripts",
                    p.display()
                )));
            }
            p.canonicalize()
                .map_err(|_| InputError(format!("{}: no such file", p.display())))
        })
        .collect()
}

/// The deepest directory holding every script.
fn common_dir(scripts: &[PathBuf]) -> PathBuf {
    let mut dir = scripts[0].parent().unwrap_or(Path::new("/")).to_owned();
    for s in &scripts[1..] {
        while !s.starts_with(&dir) {
            if !dir.pop() {
                break;
            }
        }
    }
    dir
}

fn entries(analyses: &[Analysis], dir: &Path) -> Result<Vec<ScriptEntry>, InputError> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for a in analyses {
        let file_name = a
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = flake::package_name(&file_name);
        if let Some(other) = seen.insert(name.clone(), a.path.clone()) {
            return Err(InputError(format!(
                "{} and {} would both be the package `{name}`",
                other.display(),
                a.path.display()
            )));
        }
        let mut inputs: Vec<String> = a.tools.iter().map(|t| t.attr.clone()).collect();
        inputs.sort();
        inputs.dedup();
        let rel = a.path.strip_prefix(dir).unwrap_or(&a.path);
        out.push(ScriptEntry {
            name,
            file: rel.to_string_lossy().replace('\\', "/"),
            inputs,
            hermetic: a.unresolved.is_empty(),
        });
    }
    Ok(out)
}

/// One entry per command over all scripts; optional only where every script probes it.
pub(super) fn merged_tools(analyses: &[Analysis]) -> Vec<Tool> {
    let mut tools: BTreeMap<String, Tool> = BTreeMap::new();
    for t in analyses.iter().flat_map(|a| &a.tools) {
        match tools.get_mut(&t.command) {
            Some(m) => {
                m.lines.extend(&t.lines);
                m.lines.sort_unstable();
                m.lines.dedup();
                m.optional &= t.optional;
            }
            None => {
                tools.insert(t.command.clone(), t.clone());
            }
        }
    }
    tools.into_values().collect()
}

/// How often a placeholder hash is replaced by the one Nix reports before giving up.
const HASH_ROUNDS: usize = 3;

/// Validates the flake; a build that fails on a placeholder hash (`lib.fakeHash`) is run again
/// with the hash Nix got, the way it is done by hand, and flake.nix updated.
pub(super) fn validate(
    args: &GenFlakeArgs,
    source: &Source,
    files: &mut [(PathBuf, String)],
    tools: &[Tool],
    pin: Option<&lock::Pin>,
) -> anyhow::Result<check::FlakeOutcome> {
    let dir = &source.dir;
    let mut plan = FlakePlan {
        root: dir.to_owned(),
        files: files.to_vec(),
        sources: source
            .analyses
            .iter()
            .map(|a| a.path.strip_prefix(dir).unwrap_or(&a.path).to_owned())
            .collect(),
        packages: source.packages()?,
        tools: tools.iter().map(|t| t.command.clone()).collect(),
        // A workspace's lock holds its components' hashes, which only Nix computes.
        needs_lock: pin.is_none() || !source.components.is_empty(),
        pin: pin.map(|p| p.node.clone()),
        target: args.check.validate.unwrap_or(Level::Build),
        nix_args: args.check.nix_args.clone(),
        step_timeout: Duration::from_secs(args.check.step_timeout),
        // A model's code is checked confined, whatever else the plan says.
        model: source.model.as_ref().map(|_| crate::validate::ModelChecks {
            consent: args.llm.yes,
        }),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut rounds = 0;
    loop {
        // Ctrl-C drops the validation: its Nix processes are killed and the scratch copy removed.
        let outcome = runtime
            .block_on(async {
                tokio::select! {
                    outcome = check::validate_flake(&plan) => Some(outcome),
                    _ = tokio::signal::ctrl_c() => None,
                }
            })
            .ok_or(Interrupted)?;
        let placeholder = files.iter().position(|(_, text)| text.contains(FAKE_HASH));
        match (&outcome.got_hash, placeholder) {
            // Never in a model's code (its hashes are refused before any check).
            (Some(got), Some(i)) if rounds < HASH_ROUNDS && source.model.is_none() => {
                files[i].1 = files[i].1.replacen(FAKE_HASH, &format!("\"{got}\""), 1);
                plan.files[i].1 = files[i].1.clone();
                rounds += 1;
            }
            _ => return Ok(outcome),
        }
    }
}

/// The placeholder the project flake writes for dependency hashes.
const FAKE_HASH: &str = "lib.fakeHash";

/// Writes every file to a temporary file beside it first, then renames them all, so an error
/// never leaves a half-written flake.
pub(crate) fn write_all(dir: &Path, files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut staged = Vec::new();
    for (name, text) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(".nfai-")
            .tempfile_in(dir)
            .with_context(|| format!("creating a file in {}", dir.display()))?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        staged.push((tmp, dir.join(name)));
    }
    for (tmp, path) in staged {
        tmp.persist(&path)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `path` relative to the current directory when it is below it.
fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

fn human(
    r: &Report,
    analyses: &[Analysis],
    cwd: &Path,
    args: &GenFlakeArgs,
    pin: Option<&lock::Pin>,
    style: Style,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if let Some(p) = pin {
        let _ = writeln!(s, "nixpkgs: {} (the pin of {})", p.url, shown(&p.from, cwd));
    } else if let Some(u) = &args.nixpkgs {
        let _ = writeln!(s, "nixpkgs: {u}");
    }
    for c in &r.components {
        let how = if c.generated {
            "flake generated"
        } else {
            "its own flake"
        };
        let _ = writeln!(s, "component {} (input `{}`): {how}", c.path, c.input);
    }
    if let Some(d) = &r.model {
        let _ = writeln!(
            s,
            "derivation: the LLM proposal {d}, in a flake nfai wrote around it"
        );
    }

    for (i, d) in r.project.iter().enumerate() {
        let role = match i {
            _ if !r.components.is_empty() => "a component",
            0 => "builds the package",
            _ => "tools in the devShell",
        };
        let _ = writeln!(
            s,
            "{}: {} {} {} ({role})",
            d.file, d.kind, d.pname, d.version
        );
        for u in &d.unresolved {
            let _ = writeln!(s, "{}: unresolved dependency {u}", d.file);
        }
    }
    for a in analyses {
        let name = shown(&a.path, cwd);
        let _ = writeln!(
            s,
            "{}",
            style.bold(&format!("{name}: {} tool(s)", a.tools.len()))
        );
        for t in &a.tools {
            let lines: Vec<String> = t.lines.iter().map(usize::to_string).collect();
            let optional = if t.optional { " (optional)" } else { "" };
            let _ = writeln!(
                s,
                "  {:<16} {:<24} line {}{optional}",
                t.command,
                t.attr,
                lines.join(", ")
            );
        }
        for u in &a.unresolved {
            let _ = writeln!(
                s,
                "{name}:{}: unresolved `{}`: {}",
                u.line, u.command, u.reason
            );
        }
        for h in &a.assumptions {
            let _ = writeln!(
                s,
                "{name}:{}: assumes the host: {} ({})",
                h.line, h.text, h.advice
            );
        }
        for src in &a.sources {
            let what = if src.followed {
                "followed"
            } else {
                "not followed"
            };
            let why = src
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let _ = writeln!(s, "{name}:{}: {} {what}{why}", src.line, src.path);
        }
        if let Some(e) = &a.syntax_error {
            let _ = writeln!(
                s,
                "{name}:{}: {}; tools are listed for lines 1-{} only",
                e.line, e.message, e.parsed_lines
            );
        }
    }
    for c in &r.checks {
        let mark = if c.ok {
            style.added("ok")
        } else {
            style.removed("FAILED")
        };
        let why = c
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        let _ = writeln!(s, "check {}: {mark}{why}", c.check);
    }
    let _ = writeln!(s, "validated: {}", r.validated);
    let names: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
    if r.written {
        let _ = writeln!(s, "wrote {}", names.join(", "));
    } else if let Some(why) = r.not_written {
        let _ = writeln!(s, "nothing written: {why}");
    } else {
        let _ = writeln!(s, "dry run: nothing written");
    }
    if !r.files.is_empty() && !r.files.iter().any(|f| f.path.ends_with("flake.lock")) {
        let _ = writeln!(
            s,
            "flake.lock: not written; run `nix flake lock` where nixpkgs can be fetched"
        );
    }
    s
}
