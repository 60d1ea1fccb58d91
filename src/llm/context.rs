//! The one context builder for every job: nfai's finding (category, summary, the root-cause
//! evidence with line numbers), the culprit as a numbered snippet, the files a fix may touch,
//! Nix's version, the system and the locked nixpkgs, and in later rounds the previous attempt
//! and its failure; all within a token budget that always keeps the root-cause line, and
//! redacted as a whole.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::diagnose::Finding;
use crate::fix::Project;

/// Where the failure happened.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub nix_version: Option<String>,
    pub system: String,
    /// The locked nixpkgs (`owner/repo@rev` or the lock's URL).
    pub nixpkgs: Option<String>,
}

/// A previous round's attempt, as the model is shown it.
#[derive(Debug, Clone)]
pub struct PreviousAttempt {
    pub diff: String,
    /// How it failed, as nfai diagnosed it.
    pub failure: String,
}

/// The message to send and the files it showed.
#[derive(Debug, Clone)]
pub struct Built {
    pub text: String,
    pub files: Vec<String>,
}

/// Characters per token, counted low so that the budget holds for code and logs.
const CHARS_PER_TOKEN: usize = 3;

/// The context of a fix request within `tokens`.
pub fn fix(
    finding: &Finding,
    project: &Project,
    env: &Environment,
    history: &[PreviousAttempt],
    tokens: usize,
) -> Built {
    let mut out = Budget::new(tokens);
    header(&mut out, finding, env);
    previous(&mut out, history, "diff");
    let mut files = Vec::new();
    for path in candidate_files(finding, project) {
        let Some(f) = project.file(&path) else {
            continue;
        };
        let name = path.display().to_string();
        match out.push_file(&name, "nix", MIN_FILE_ROOM, |room| {
            format!("{}\n", cut(&f.text, room))
        }) {
            None => break,
            Some(true) => files.push(name),
            Some(false) => {}
        }
    }
    Built {
        text: super::redact::redact(&out.text),
        files,
    }
}

/// The context of a fix request for a review finding that has no deterministic fix: the
/// rule, the message, the place, and the file (the only one the model may edit).
pub fn review(finding: &crate::review::Finding, project: &Project, tokens: usize) -> Built {
    let mut out = Budget::new(tokens);
    let line = finding.span.as_ref().map_or(0, |s| s.line);
    let file = finding.file.clone().unwrap_or_default();
    let mut must = String::new();
    let _ = writeln!(
        must,
        "Review rule: {} ({}), {}",
        finding.code,
        finding.name,
        finding.severity.as_str()
    );
    let _ = writeln!(
        must,
        "Finding: {}",
        cut(&finding.message, out.max_chars / 3)
    );
    let _ = writeln!(must, "At: {file}:{line}");
    out.push_always(&must);
    if let Some(help) = &finding.help {
        out.push_if_fits(&format!("How to fix it: {}\n", cut(help, 1000)));
    }
    let mut files = Vec::new();
    if let Some(f) = project.file(Path::new(&file)) {
        // The one file the model may edit goes in however little room is left.
        let pushed = out.push_file(&file, "nix", 0, |room| format!("{}\n", cut(&f.text, room)));
        if pushed == Some(true) {
            files.push(file);
        }
    }
    Built {
        text: super::redact::redact(&out.text),
        files,
    }
}

/// The previous attempts (a diff, or code in `lang`) with their failures, the latest first,
/// as far as the budget goes.
fn previous(out: &mut Budget, history: &[PreviousAttempt], lang: &str) {
    for attempt in history.iter().rev() {
        let text = format!(
            "\nYour previous attempt:\n```{lang}\n{}\n```\nIt failed: {}\n",
            cut(attempt.diff.trim_end(), 3000),
            cut(&attempt.failure, 1000)
        );
        out.push_if_fits(&text);
    }
}

/// Below this many characters of room, no further file is shown.
const MIN_FILE_ROOM: usize = 200;

/// How many of a project's files are listed by name.
const LISTED_FILES: usize = 200;
/// How deep the file list goes.
const LIST_DEPTH: usize = 4;

/// The context of a derivation request for a project no detector recognises: the project's
/// files (bounded), its build files as numbered snippets, the environment, and the earlier
/// attempts with their failures; within `tokens`.
pub fn derivation(
    dir: &Path,
    env: &Environment,
    history: &[PreviousAttempt],
    tokens: usize,
) -> Built {
    let mut out = Budget::new(tokens);
    let name = dir
        .file_name()
        .map_or_else(|| "project".into(), |n| n.to_string_lossy());
    out.push_always(&format!(
        "Project directory: {}\nNix: {}; system: {}; nixpkgs: {}\n",
        cut(&name, 100),
        env.nix_version.as_deref().unwrap_or("unknown"),
        env.system,
        env.nixpkgs.as_deref().unwrap_or("unknown")
    ));
    previous(&mut out, history, "nix");
    let mut paths: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .max_depth(Some(LIST_DEPTH))
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| e.path().strip_prefix(dir).ok().map(Path::to_owned))
        .collect();
    paths.sort();
    let mut list = format!("\nFiles ({}):\n", paths.len());
    for p in paths.iter().take(LISTED_FILES) {
        let _ = writeln!(list, "  {}", cut(&p.display().to_string(), 200));
    }
    if paths.len() > LISTED_FILES {
        let _ = writeln!(list, "  … and {} more", paths.len() - LISTED_FILES);
    }
    out.push_if_fits(&list);
    let mut build: Vec<(usize, &PathBuf)> = paths
        .iter()
        .filter_map(|p| build_file_rank(p).map(|r| (r, p)))
        .collect();
    build.sort();
    let mut files = Vec::new();
    for (_, path) in build {
        let Ok(text) = std::fs::read_to_string(dir.join(path)) else {
            continue;
        };
        let name = path.display().to_string();
        let mut body = String::new();
        for (n, line) in text.lines().enumerate() {
            let _ = writeln!(body, "{:>5} | {}", n + 1, cut(line, 300));
        }
        match out.push_file(&name, "", MIN_FILE_ROOM, |room| cut(&body, room)) {
            None => break,
            Some(true) => files.push(name),
            Some(false) => {}
        }
    }
    Built {
        text: super::redact::redact(&out.text),
        files,
    }
}

/// Files that tell how a project is built, most telling first: build systems nfai has no
/// detector for, then the project's own scripts, then its README; `None` for other files.
fn build_file_rank(path: &Path) -> Option<usize> {
    const BUILD_FILES: &[&str] = &[
        "build.sh",
        "build.zig",
        "build.zig.zon",
        "dune-project",
        "dune",
        "mix.exs",
        "stack.yaml",
        "package.yaml",
        "cabal.project",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "Package.swift",
        "build.sbt",
        "project.clj",
        "deps.edn",
        "shard.yml",
        "rebar.config",
        "configure",
        "configure.ac",
        "Makefile.am",
        "SConstruct",
        "BUILD",
        "BUILD.bazel",
        "WORKSPACE",
        "MODULE.bazel",
        "justfile",
        "Justfile",
        "Taskfile.yml",
        "Rakefile",
        "Gemfile",
        "build.ninja",
        "install.sh",
        "default.nix",
        "shell.nix",
    ];
    const BUILD_EXTENSIONS: &[&str] = &[
        "cabal", "opam", "nimble", "gemspec", "csproj", "fsproj", "rockspec", "mk",
    ];
    let name = path.file_name()?.to_str()?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let top = path.components().count() == 1;
    if BUILD_FILES.contains(&name) || BUILD_EXTENSIONS.contains(&ext) {
        Some(if top { 0 } else { 1 })
    } else if top && ext == "sh" {
        Some(2)
    } else if top && name.to_ascii_lowercase().starts_with("readme") {
        Some(3)
    } else {
        None
    }
}

/// The context of an explanation request within `tokens`.
pub fn explain(finding: &Finding, env: &Environment, tokens: usize) -> String {
    let mut out = Budget::new(tokens);
    header(&mut out, finding, env);
    super::redact::redact(&out.text)
}

/// The finding: always the category, summary and root-cause line; then the culprit
/// snippet and the other evidence as far as the budget goes.
fn header(out: &mut Budget, finding: &Finding, env: &Environment) {
    let root_line = finding.evidence.first();
    let mut must = String::new();
    // Cut to fit even the smallest budget, so that these lines are always there.
    let (summary_max, line_max) = (500.min(out.max_chars / 5), 1000.min(out.max_chars / 2));
    let _ = writeln!(must, "Failure category: {}", finding.category);
    let _ = writeln!(must, "Summary: {}", cut(&finding.summary, summary_max));
    if let Some(e) = root_line {
        let _ = writeln!(
            must,
            "Root-cause line (log line {}): {}",
            e.line,
            cut(&e.text, line_max)
        );
    }
    out.push_always(&must);
    let mut about = String::new();
    let _ = writeln!(about, "What it means: {}", cut(&finding.explanation, 1200));
    let _ = writeln!(
        about,
        "Nix: {}; system: {}; nixpkgs: {}",
        env.nix_version.as_deref().unwrap_or("unknown"),
        env.system,
        env.nixpkgs.as_deref().unwrap_or("unknown")
    );
    if let Some(c) = &finding.culprit {
        let place = [c.file.clone(), c.line.map(|l| l.to_string())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(":");
        // A path outside the tree is for reading only: it is no file the fix may change.
        if !place.is_empty() && c.local {
            let _ = writeln!(about, "Culprit: {place}");
        } else if !place.is_empty() {
            let _ = writeln!(about, "Culprit (not in this project): {place}");
        }
    }
    out.push_if_fits(&about);
    if !finding.snippet.is_empty() {
        let mut snippet = String::from("\nCulprit snippet:\n```\n");
        for (n, line) in &finding.snippet {
            let _ = writeln!(snippet, "{n:>5} | {}", cut(line, 300));
        }
        snippet.push_str("```\n");
        out.push_if_fits(&snippet);
    }
    let rest: Vec<_> = finding.evidence.iter().skip(1).take(20).collect();
    if !rest.is_empty() {
        let mut ev = String::from("\nOther evidence from the log:\n");
        for e in rest {
            let _ = writeln!(ev, "  {:>6}: {}", e.line, cut(&e.text, 300));
        }
        out.push_if_fits(&ev);
    }
}

/// The files a fix may touch, most relevant first.
fn candidate_files(finding: &Finding, project: &Project) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let culprit = finding.culprit.as_ref().and_then(|c| c.local_file());
    paths.extend(culprit.map(PathBuf::from));
    if let Some((file, _)) = finding
        .package
        .as_deref()
        .and_then(|p| project.derivation(p))
    {
        paths.push(file.path.clone());
    }
    paths.extend(["flake.nix", "default.nix", "package.nix", "shell.nix"].map(PathBuf::from));
    let mut seen = Vec::new();
    paths.retain(|p| {
        let fresh = !seen.contains(p) && !p.is_absolute();
        seen.push(p.clone());
        fresh
    });
    paths
}

/// The environment of a project: Nix's version (asked once), this system, the lock's nixpkgs.
pub fn environment(root: &Path, nix_version: Option<String>) -> Environment {
    Environment {
        nix_version,
        system: crate::nix::confine::current_system(),
        nixpkgs: locked_nixpkgs(root),
    }
}

/// `owner/repo@rev` of the nixpkgs input in `root/flake.lock`.
fn locked_nixpkgs(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("flake.lock")).ok()?;
    let lock: serde_json::Value = serde_json::from_str(&text).ok()?;
    let nodes = &lock["nodes"];
    let root_node = lock["root"].as_str().unwrap_or("root");
    let name = nodes[root_node]["inputs"]["nixpkgs"].as_str()?;
    let locked = &nodes[name]["locked"];
    match (
        locked["owner"].as_str(),
        locked["repo"].as_str(),
        locked["rev"].as_str(),
    ) {
        (Some(o), Some(r), Some(rev)) => Some(format!("{o}/{r}@{rev}")),
        _ => locked["url"]
            .as_str()
            .or(locked["path"].as_str())
            .map(str::to_owned),
    }
}

/// `text` in at most `max` bytes, saying how much was left out.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let end = text.floor_char_boundary(max.saturating_sub(32));
    format!("{}… ({} more bytes)", &text[..end], text.len() - end)
}

/// Text that must stay within a token budget.
struct Budget {
    text: String,
    max_chars: usize,
}

impl Budget {
    fn new(tokens: usize) -> Budget {
        Budget {
            text: String::new(),
            max_chars: tokens.saturating_mul(CHARS_PER_TOKEN),
        }
    }

    fn room(&self) -> usize {
        self.max_chars.saturating_sub(self.text.len())
    }

    /// What must be there whatever the budget (it is bounded by its own cuts).
    fn push_always(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Adds file `name` as a fenced block in `lang`, its body made by `fill` for the room
    /// left: `None`, adding nothing, when less than `min_room` is left; else whether it fit.
    fn push_file(
        &mut self,
        name: &str,
        lang: &str,
        min_room: usize,
        fill: impl FnOnce(usize) -> String,
    ) -> Option<bool> {
        let head = format!("\nFile `{name}`:\n```{lang}\n");
        let room = self.room().saturating_sub(head.len() + 8);
        if room < min_room {
            return None;
        }
        Some(self.push_if_fits(&format!("{head}{}```\n", fill(room))))
    }

    fn push_if_fits(&mut self, s: &str) -> bool {
        let fits = s.len() <= self.room();
        if fits {
            self.text.push_str(s);
        }
        fits
    }
}

/// Tokens of `text`, counted as the budget counts them.
pub fn tokens(text: &str) -> usize {
    text.len().div_ceil(CHARS_PER_TOKEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::finding::{Culprit, Evidence};

    fn finding(evidence: usize, line_len: usize) -> Finding {
        let mut f = Finding::no_failure("x");
        f.category = "undefined_variable";
        f.summary = "undefined variable 'toolsList'".into();
        f.culprit = Some(Culprit {
            file: Some("flake.nix".into()),
            line: Some(3),
            local: true,
            ..Culprit::default()
        });
        f.evidence = (0..evidence)
            .map(|i| Evidence {
                line: i as u64 + 1,
                text: format!("{i}: {}", "e".repeat(line_len)),
                source: None,
            })
            .collect();
        f
    }

    #[test]
    fn derivation_context_lists_files_and_shows_build_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        for i in 0..300 {
            std::fs::write(dir.path().join(format!("src/f{i:03}.c")), "int x;\n").unwrap();
        }
        std::fs::write(
            dir.path().join("build.sh"),
            "#!/bin/sh\ncc -o app src/*.c\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "x\n".repeat(50_000)).unwrap();
        let env = environment(dir.path(), Some("nix (Nix) 2.8.0".into()));
        let history = [PreviousAttempt {
            diff: "stdenv.mkDerivation { }".into(),
            failure: "missing_attribute: x".into(),
        }];
        for budget in [500, 6000] {
            let built = derivation(dir.path(), &env, &history, budget);
            assert!(tokens(&built.text) <= budget + 50, "{budget}");
            assert!(built.text.contains("Nix: nix (Nix) 2.8.0; system:"));
        }
        let built = derivation(dir.path(), &env, &history, 6000);
        assert!(built
            .text
            .contains("Files (302):\n  README.md\n  build.sh\n  src/f000.c"));
        assert!(built.text.contains("… and 102 more"));
        assert!(built.text.contains("    2 | cc -o app src/*.c"));
        assert!(built.text.contains("It failed: missing_attribute: x"));
        assert_eq!(
            built.files[0], "build.sh",
            "build files first, the long README cut"
        );
    }

    #[test]
    fn the_budget_holds_and_keeps_the_root_cause() {
        let dir = tempfile::tempdir().unwrap();
        let big: String = (0..20_000).map(|i| format!("  a{i} = {i};\n")).collect();
        std::fs::write(dir.path().join("flake.nix"), format!("{{\n{big}}}\n")).unwrap();
        let project = Project::load(dir.path());
        let env = environment(dir.path(), Some("2.8.0".into()));
        let f = finding(5000, 2000);
        for budget in [300, 1000, 6000] {
            let built = fix(&f, &project, &env, &[], budget);
            assert!(
                tokens(&built.text) <= budget + 50,
                "{budget}: {}\n{}",
                tokens(&built.text),
                built.text
            );
            assert!(built.text.contains("Root-cause line (log line 1): 0: eee"));
        }
        let built = fix(&f, &project, &env, &[], 6000);
        assert_eq!(built.files, ["flake.nix"], "shown, truncated to fit");
        let small = fix(&finding(1, 10), &project, &env, &[], 100);
        assert!(
            small.files.is_empty(),
            "no room: not shown, so not editable"
        );
    }

    #[test]
    fn a_culprit_outside_the_tree_is_named_but_never_offered_for_editing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("modules")).unwrap();
        std::fs::write(dir.path().join("modules/common.nix"), "{ }\n").unwrap();
        std::fs::write(
            dir.path().join("flake.nix"),
            "{ m = import ./modules/common.nix; }\n",
        )
        .unwrap();
        let project = Project::load(dir.path());
        let env = environment(dir.path(), Some("2.8.0".into()));
        let mut f = finding(1, 10);
        f.culprit = Some(Culprit {
            file: Some("modules/common.nix".into()),
            line: Some(3),
            source_path: Some("modules/common.nix".into()),
            ..Culprit::default()
        });
        let built = fix(&f, &project, &env, &[], 6000);
        assert!(built
            .text
            .contains("Culprit (not in this project): modules/common.nix:3"));
        assert!(
            !built.files.iter().any(|p| p.ends_with("common.nix")),
            "{:?}",
            built.files
        );
        f.culprit.as_mut().unwrap().local = true;
        let built = fix(&f, &project, &env, &[], 6000);
        assert!(
            built.files.iter().any(|p| p.ends_with("common.nix")),
            "{:?}",
            built.files
        );
    }
}
