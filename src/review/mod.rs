//! `nfai review`: audits a repository for the Nix-first policy. Rules are plain files in
//! `rules/` listed in one registry slice; this module holds the finding model, the `Rule`
//! trait and the engine that walks the tree, runs the rules and applies config and
//! suppressions. It never prints or writes files.

pub mod ci;
pub mod config;
pub mod devshell;
pub mod flake;
pub mod lex;
pub mod makefile;
pub mod recognize;
pub mod repo;
pub mod rules;
pub mod shell;
pub mod suppression;
pub mod walk;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

pub use config::Config;
pub use repo::Repo;
pub use rules::{rule, RULES};

use crate::nix::edit::TextEdit;

/// How serious a finding is; `--fail-on` compares against it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where in a file a finding points: 1-based lines and columns (in characters), plus the
/// byte range it was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip)]
    pub bytes: Range<usize>,
}

impl Span {
    pub fn new(text: &str, bytes: Range<usize>) -> Span {
        let (line, column) = line_col(text, bytes.start);
        let (end_line, end_column) = line_col(text, bytes.end.max(bytes.start));
        Span {
            line,
            column,
            end_line,
            end_column,
            bytes,
        }
    }
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = text
        .get(start..offset)
        .map_or(offset - start, |s| s.chars().count())
        + 1;
    (line as u32, column as u32)
}

/// A safe fix: edits that make the finding go away without changing behaviour otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<TextEdit>,
}

/// One policy violation.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Path relative to the reviewed root, `/`-separated; `None` for findings about the
    /// history (commits).
    pub file: Option<String>,
    pub span: Option<Span>,
    /// The source line the span starts on, for rustc-style output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// A command that resolves the finding when no edit can (e.g. `nix flake lock`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Other files whose change can cause this finding (for `--diff`).
    #[serde(skip)]
    pub related: Vec<String>,
    /// The argument whose default value the finding is in: a caller may override it, so
    /// the rule's repository pass may judge it as a fallback.
    #[serde(skip)]
    pub default_of: Option<String>,
}

impl Finding {
    pub fn new(rule: &dyn Rule, message: impl Into<String>) -> Finding {
        Finding {
            code: rule.code(),
            name: rule.name(),
            severity: rule.severity(),
            message: message.into(),
            file: None,
            span: None,
            source_line: None,
            help: None,
            command: None,
            fix: None,
            related: Vec::new(),
            default_of: None,
        }
    }

    /// Points the finding at `bytes` of `file`, whose contents are `text`.
    pub fn at(mut self, file: &str, text: &str, bytes: Range<usize>) -> Finding {
        let span = Span::new(text, bytes);
        let start = text[..span.bytes.start.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        self.source_line = Some(text[start..end].trim_end_matches('\r').to_owned());
        self.file = Some(file.to_owned());
        self.span = Some(span);
        self
    }

    /// Points the finding at a whole file (or directory).
    pub fn in_file(mut self, file: &str) -> Finding {
        self.file = Some(file.to_owned());
        self
    }

    /// Overrides the rule's default severity for this finding.
    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn command(mut self, command: impl Into<String>) -> Finding {
        self.command = Some(command.into());
        self
    }

    pub fn fix(mut self, description: impl Into<String>, edits: Vec<TextEdit>) -> Finding {
        self.fix = Some(Fix {
            description: description.into(),
            edits,
        });
        self
    }

    /// Marks the finding as being in the default value of argument `arg`, if any.
    pub fn default_of(mut self, arg: Option<String>) -> Finding {
        self.default_of = arg;
        self
    }

    pub fn related(mut self, file: impl Into<String>) -> Finding {
        self.related.push(file.into());
        self
    }

    pub fn line(&self) -> Option<u32> {
        self.span.as_ref().map(|s| s.line)
    }
}

/// A parsed Nix file as the per-file rules see it.
pub struct NixFile<'a> {
    pub rel: &'a str,
    pub text: &'a str,
    pub root: &'a rnix::SyntaxNode,
    pub errors: &'a [rnix::ParseError],
}

impl NixFile<'_> {
    pub fn is_flake(&self) -> bool {
        self.rel == "flake.nix" || self.rel.ends_with("/flake.nix")
    }
}

/// A shell script or CI/automation file as the per-file text rules see it.
pub struct TextFile<'a> {
    pub rel: &'a str,
    pub text: &'a str,
    pub kind: walk::Kind,
}

/// What every rule may consult besides its input.
pub struct Context<'a> {
    pub config: &'a Config,
    /// Seconds since the Unix epoch, fixed for the whole run.
    pub now: i64,
    /// The user's Nix, for the commands findings suggest.
    pub nix: &'a crate::nix::flake_cli::NixCli,
}

/// One policy rule: a stable code, its documentation, and its checks. A rule implements
/// the checks for the inputs it cares about; the engine calls each on every input.
pub trait Rule: Sync {
    /// The stable code, `NF001`...
    fn code(&self) -> &'static str;
    /// A short kebab-case name.
    fn name(&self) -> &'static str;
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    /// Markdown: the first paragraph says what it checks (the one-line summary), then
    /// "Why:" the policy wants it, then an example before and after.
    fn doc(&self) -> &'static str;
    /// For Nix-file rules: literal words without which the rule cannot fire. The rule runs
    /// on a Nix file only when one of its words occurs in it (on flake.nix files always).
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }
    /// For Nix-file rules: token kinds without which the rule cannot fire (a path literal,
    /// a `<...>` lookup), known from the tokens before any tree is built.
    fn trigger_tokens(&self) -> &'static [rnix::SyntaxKind] {
        &[]
    }
    /// Whether the rule runs without being named in `.nfai.toml`'s `extend-enable`.
    fn default_enabled(&self) -> bool {
        true
    }
    /// Whether the rule needs git (history or the index) and cannot run elsewhere.
    fn needs_git(&self) -> bool {
        false
    }
    /// Whether the rule checks commits, so it needs a range (`--diff` or `--commits`).
    fn needs_commits(&self) -> bool {
        false
    }
    fn check_nix(&self, _file: &NixFile, _ctx: &Context, _out: &mut Vec<Finding>) {}
    fn check_text(&self, _file: &TextFile, _ctx: &Context, _out: &mut Vec<Finding>) {}
    /// Runs after the walk; `out` starts with the rule's own findings from the walk, so
    /// that the rule can fold them.
    fn check_repo(&self, _repo: &Repo, _ctx: &Context, _out: &mut Vec<Finding>) {}
    /// Called for every file that carries suppression comments.
    fn check_suppressions(
        &self,
        _rel: &str,
        _text: &str,
        _found: &[suppression::Suppression],
        _out: &mut Vec<Finding>,
    ) {
    }
}

/// The first paragraph of a rule's doc, on one line.
pub fn summary(rule: &dyn Rule) -> String {
    let first = rule.doc().split("\n\n").next().unwrap_or_default();
    first.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
}

/// What to review and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub root: PathBuf,
    pub config: Option<PathBuf>,
    /// Report only findings the change since this revision touches.
    pub diff_base: Option<String>,
    /// The commits whose messages to check (`BASE..HEAD` by default with `diff_base`).
    pub commits: Option<String>,
    /// Seconds since the Unix epoch.
    pub now: i64,
}

/// A note about what the review could not do (skipped files, rules that could not run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub nix_files: usize,
    pub parsed: usize,
}

/// The outcome of a review.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    /// Files the review needed but could not read (special, unreadable, huge, binary):
    /// the review of the tree is incomplete, so `--fail-on` counts them as warnings.
    pub skipped: Vec<Note>,
    pub stats: Stats,
    /// The commits checked for change-request ids, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_range: Option<String>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The most severe thing the review found: a skipped file counts as a warning.
    pub fn worst(&self) -> Option<Severity> {
        let skipped = (!self.skipped.is_empty()).then_some(Severity::Warning);
        self.findings
            .iter()
            .map(|f| f.severity)
            .chain(skipped)
            .max()
    }
}

/// Reviews `opts.root`.
pub fn review(opts: &Options) -> Result<Report, ReviewError> {
    if !opts.root.is_dir() {
        return Err(ReviewError::Input(format!(
            "{} is not a directory",
            opts.root.display()
        )));
    }
    let config = Config::load(&opts.root, opts.config.as_deref())?;
    let active: Vec<&'static dyn Rule> = RULES
        .iter()
        .copied()
        .filter(|r| config.enabled(*r))
        .collect();
    let nix = crate::nix::flake_cli::NixCli::detect();
    let ctx = Context {
        config: &config,
        now: opts.now,
        nix: &nix,
    };
    let mut notes = Vec::new();

    let git = crate::git::toplevel(&opts.root);
    if git.is_none() && opts.diff_base.is_some() {
        return Err(ReviewError::Input(format!(
            "--diff needs a git repository, and {} is not in one",
            opts.root.display()
        )));
    }
    let changed: Option<BTreeSet<String>> = match &opts.diff_base {
        Some(base) => Some(
            crate::git::changed_files(&opts.root, base)?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let commit_range = opts
        .commits
        .clone()
        .or_else(|| opts.diff_base.as_ref().map(|b| format!("{b}..HEAD")));
    let git_rules: Vec<&str> = active
        .iter()
        .filter(|r| r.needs_git())
        .map(|r| r.code())
        .collect();
    if git.is_none() && !git_rules.is_empty() {
        notes.push(Note {
            file: None,
            message: format!(
                "not a git repository: could not run {}",
                git_rules.join(", ")
            ),
        });
    }

    if git.is_some() && commit_range.is_none() {
        let codes: Vec<&str> = active
            .iter()
            .filter(|r| r.needs_commits())
            .map(|r| r.code())
            .collect();
        if !codes.is_empty() {
            notes.push(Note {
                file: None,
                message: format!(
                    "no commit range given (--diff BASE or --commits RANGE): did not run {}",
                    codes.join(", ")
                ),
            });
        }
    }
    // git answers beside the walk.
    let (walked, git_state) = std::thread::scope(|s| {
        let git_state = git
            .is_some()
            .then(|| s.spawn(|| repo::GitState::read(&opts.root, commit_range.as_deref())));
        let walked = walk::walk(&opts.root, &config, &active, &ctx);
        let git_state =
            git_state.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        (walked, git_state)
    });
    notes.extend(walked.notes);
    let repo = Repo::build(&opts.root, walked.contents, git_state.transpose()?);
    let mut findings = check_repo(&active, &repo, &ctx, walked.findings);

    findings.retain(|f| !suppression::suppressed(f, &walked.suppressions));
    for f in &mut findings {
        if let Some(&s) = config.severity.get(f.code) {
            f.severity = s;
        }
    }
    let mut skipped = walked.skipped;
    if let Some(changed) = &changed {
        findings.retain(|f| match &f.file {
            None => true,
            Some(file) => changed.contains(file) || f.related.iter().any(|r| changed.contains(r)),
        });
        skipped.retain(|n| n.file.as_ref().is_none_or(|f| changed.contains(f)));
    }
    findings.sort_by(|a, b| (&a.file, a.line(), a.code).cmp(&(&b.file, b.line(), b.code)));
    findings.dedup_by(|a, b| {
        a.code == b.code && a.file == b.file && a.span == b.span && a.message == b.message
    });
    // Freeing a large repository's trees and locks takes tens of milliseconds: it happens
    // beside the report's rendering instead of before it.
    std::thread::spawn(move || drop(repo));
    Ok(Report {
        findings,
        notes,
        skipped,
        stats: walked.stats,
        commit_range: if git.is_some() { commit_range } else { None },
    })
}

/// Runs the repo-level checks, rules shared out over the cores, each rule given its own
/// findings from the walk; gives all findings in the rules' order whatever the scheduling.
fn check_repo(
    active: &[&'static dyn Rule],
    repo: &Repo,
    ctx: &Context,
    walk_findings: Vec<Finding>,
) -> Vec<Finding> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut slots: Vec<Mutex<Vec<Finding>>> = active.iter().map(|_| Mutex::default()).collect();
    let index: HashMap<&str, usize> = active
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code(), i))
        .collect();
    let mut others = Vec::new();
    for f in walk_findings {
        match index.get(f.code) {
            Some(&i) => slots[i].get_mut().expect("not shared yet").push(f),
            None => others.push(f),
        }
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut i = next.fetch_add(1, Ordering::Relaxed);
        while let Some(rule) = active.get(i) {
            let mut slot = slots[i].lock().expect("each slot is taken once");
            rule.check_repo(repo, ctx, &mut slot);
            i = next.fetch_add(1, Ordering::Relaxed);
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 1..threads.min(active.len()) {
            s.spawn(work);
        }
        work();
    });
    others.extend(
        slots
            .into_iter()
            .flat_map(|slot| slot.into_inner().expect("no rule panicked")),
    );
    others
}

/// Suppressions found in the walk, by file.
pub type Suppressions = HashMap<String, Vec<suppression::Suppression>>;

/// `path` relative to `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_lines_and_characters() {
        let text = "ab\nçd = 1;\n";
        let s = Span::new(text, 6..7);
        assert_eq!((s.line, s.column, s.end_line, s.end_column), (2, 3, 2, 4));
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/a/b.nix")),
            "a/b.nix"
        );
    }
}
