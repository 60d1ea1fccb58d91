//! The parallel walk: lists the tree with gitignore rules (the `ignore` crate), classifies
//! files, and runs the per-file rules on each thread. Every Nix file's syntax is checked once
//! on the walker's thread: rnix parses it when a rule's trigger word occurs in it; otherwise
//! the recogniser (`recognize`) checks it and lists its token kinds, and rnix parses it only
//! when a rule's trigger token occurs or the recogniser rejects it. flake.nix and flake.lock
//! files are read for the repo-level rules there too. Only regular files are
//! read; files the review needs but cannot read (special, unreadable, huge, binary) are
//! listed as skipped.

use std::path::Path;
use std::sync::Mutex;

use aho_corasick::AhoCorasick;
use ignore::{DirEntry, WalkBuilder, WalkState};

use super::repo::{is_flake, Contents};
use super::{
    suppression, Config, Context, Finding, NixFile, Note, Rule, Stats, Suppressions, TextFile,
};

/// Files larger than this are not read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// How far into a file to look for NUL bytes.
const BINARY_PROBE: usize = 8192;

/// What a file is to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Nix,
    Lock,
    /// A shell script: `.sh`/`.bash`, or any file with a shell shebang.
    Script,
    /// CI and automation: workflows, Makefiles, justfiles, `.ci/*`.
    Ci,
    /// Markdown documentation.
    Doc,
    /// direnv's `.envrc`.
    Envrc,
    /// A build manifest: Cargo.toml, package.json, go.mod, pyproject.toml.
    Manifest,
    /// A container image recipe: Dockerfile, Containerfile.
    Container,
}

/// One file of the tree that some rule cares about.
#[derive(Debug, Clone)]
pub struct Entry {
    pub rel: String,
    pub kind: Kind,
}

/// Everything the walk learned.
#[derive(Default)]
pub struct Walked {
    /// What the repo-level rules read (not every Nix file's text).
    pub contents: Contents,
    pub findings: Vec<Finding>,
    pub suppressions: Suppressions,
    pub notes: Vec<Note>,
    /// Files the review needed but could not read, and why.
    pub skipped: Vec<Note>,
    pub stats: Stats,
}

impl Walked {
    fn merge(&mut self, other: Walked) {
        self.contents.merge(other.contents);
        self.findings.extend(other.findings);
        self.suppressions.extend(other.suppressions);
        self.notes.extend(other.notes);
        self.skipped.extend(other.skipped);
        self.stats.files += other.stats.files;
        self.stats.nix_files += other.stats.nix_files;
        self.stats.parsed += other.stats.parsed;
    }
}

/// The trigger automaton: which rules each word, or each token kind, wakes up.
struct Prefilter {
    ac: AhoCorasick,
    /// For each pattern, the bit set of rule indices (into `active`) it wakes.
    wakes: Vec<u64>,
    /// For each rule with trigger tokens: their kinds (a `recognize::kinds_mask`) and the
    /// rule's bit.
    token_wakes: Vec<(u64, u64)>,
    /// Rules that run on every parsed file (no triggers of their own).
    always: u64,
}

impl Prefilter {
    fn new(active: &[&dyn Rule]) -> Prefilter {
        assert!(active.len() <= 64, "the trigger bit set holds 64 rules");
        let mut words: Vec<&str> = Vec::new();
        let mut wakes: Vec<u64> = Vec::new();
        let mut always = 0;
        let mut token_wakes = Vec::new();
        for (i, r) in active.iter().enumerate() {
            if r.triggers().is_empty() && r.trigger_tokens().is_empty() {
                always |= 1 << i;
            }
            if !r.trigger_tokens().is_empty() {
                token_wakes.push((super::recognize::kinds_mask(r.trigger_tokens()), 1 << i));
            }
            for w in r.triggers() {
                match words.iter().position(|x| x == w) {
                    Some(p) => wakes[p] |= 1 << i,
                    None => {
                        words.push(w);
                        wakes.push(1 << i);
                    }
                }
            }
        }
        // Leftmost-first matching, for its SIMD prefilter; see `woken` for why it finds every
        // word that occurs.
        let ac = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&words)
            .expect("trigger words build an automaton");
        Prefilter {
            ac,
            wakes,
            token_wakes,
            always,
        }
    }

    /// The rules with trigger tokens.
    fn token_rules(&self) -> u64 {
        self.token_wakes.iter().fold(0, |set, (_, rule)| set | rule)
    }

    /// The rules woken by the token kinds of a file.
    fn woken_by_tokens(&self, kinds: u64) -> u64 {
        self.token_wakes
            .iter()
            .filter(|(mask, _)| kinds & mask != 0)
            .fold(0, |set, (_, rule)| set | rule)
    }

    /// The rules woken by `text`.
    fn woken(&self, text: &str) -> u64 {
        let mut set = 0;
        // Searching again from just after each match's start finds the words overlapping
        // it; none starts where another does, as none is a prefix of another (a test checks
        // the registry's words).
        let mut at = 0;
        while let Some(m) = self.ac.find(aho_corasick::Input::new(text).range(at..)) {
            set |= self.wakes[m.pattern().as_usize()];
            at = m.start() + 1;
        }
        set
    }
}

/// Walks `root` in parallel and runs the per-file rules.
pub fn walk(root: &Path, config: &Config, active: &[&'static dyn Rule], ctx: &Context) -> Walked {
    let prefilter = Prefilter::new(active);
    let shared = Mutex::new(Walked::default());
    let walker = WalkBuilder::new(root)
        .hidden(false)
        // gitignore rules only: probing every directory for ripgrep's `.ignore` files too
        // costs a system call each.
        .ignore(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| e.file_name() != ".git")
        .build_parallel();
    let work = Work {
        root,
        config,
        active,
        ctx,
        prefilter: &prefilter,
    };
    walker.run(|| {
        let mut local = Local {
            work: &work,
            acc: Walked::default(),
            buf: Vec::new(),
            shared: &shared,
        };
        Box::new(move |entry| local.visit(entry))
    });
    let mut walked = shared.into_inner().expect("no walker thread panicked");
    walked.contents.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    walked.notes.sort_by(|a, b| a.file.cmp(&b.file));
    walked.skipped.sort_by(|a, b| a.file.cmp(&b.file));
    walked
}

struct Work<'a> {
    root: &'a Path,
    config: &'a Config,
    active: &'a [&'static dyn Rule],
    ctx: &'a Context<'a>,
    prefilter: &'a Prefilter,
}

/// One walker thread's results, merged into the shared ones when the thread ends.
struct Local<'a> {
    work: &'a Work<'a>,
    acc: Walked,
    /// Reused for every file the thread reads.
    buf: Vec<u8>,
    shared: &'a Mutex<Walked>,
}

impl Drop for Local<'_> {
    fn drop(&mut self) {
        let acc = std::mem::take(&mut self.acc);
        if let Ok(mut shared) = self.shared.lock() {
            shared.merge(acc);
        }
    }
}

impl Local<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, message) = walk_error(&e);
                let file = path.map(|p| super::relative(self.work.root, p));
                self.acc.skipped.push(Note { file, message });
                return WalkState::Continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            return WalkState::Continue;
        };
        let is_dir = ft.is_dir();
        if entry.depth() > 0 && self.work.config.ignored(entry.path(), is_dir) {
            return if is_dir {
                WalkState::Skip
            } else {
                WalkState::Continue
            };
        }
        if is_dir {
            return WalkState::Continue;
        }
        self.acc.stats.files += 1;
        let rel = super::relative(self.work.root, entry.path());
        if ft.is_symlink() {
            return WalkState::Continue; // links are not followed; NF018 asks git about them
        }
        let name = entry.file_name().to_string_lossy();
        let Some(kind) = classify(&rel, &name) else {
            return WalkState::Continue;
        };
        // Opening a FIFO blocks until someone writes to it.
        if !ft.is_file() {
            self.skip(&rel, "not a regular file (a FIFO, socket or device)");
            return WalkState::Continue;
        }
        self.file(entry.path(), rel, kind);
        WalkState::Continue
    }

    fn file(&mut self, path: &Path, rel: String, kind: Option<Kind>) {
        // The thread's read buffer, lent out for this file and given back.
        let mut buf = std::mem::take(&mut self.buf);
        if let Some(text) = self.read(path, &rel, kind.is_some(), &mut buf) {
            self.text(rel, kind, text);
        }
        self.buf = buf;
    }

    fn text(&mut self, rel: String, kind: Option<Kind>, text: &str) {
        let Some(kind) = kind.or_else(|| by_shebang(&rel, text)) else {
            return;
        };
        let work = self.work;
        let is_flake = is_flake(&rel);
        match kind {
            Kind::Nix => {
                self.acc.stats.nix_files += 1;
                // rnix parses a file when a rule needs its tree, or when the recogniser
                // rejects it (for the syntax error's place and message).
                let words = if is_flake {
                    u64::MAX
                } else {
                    work.prefilter.woken(text)
                };
                let (woken, parses) = if words != 0 {
                    // Parsed anyway: the token rules run on the tree too (tokenising
                    // twice would cost more than they do).
                    (words | work.prefilter.token_rules(), false)
                } else {
                    let check = super::recognize::check(text);
                    (work.prefilter.woken_by_tokens(check.kinds), check.parses)
                };
                if woken != 0 || !parses {
                    self.acc.stats.parsed += 1;
                    let parse = crate::nix::syntax::parse(text);
                    let root = parse.syntax();
                    let file = NixFile {
                        rel: &rel,
                        text,
                        root: &root,
                        errors: parse.errors(),
                    };
                    let run = woken | work.prefilter.always;
                    for (i, r) in work.active.iter().enumerate() {
                        if run & (1 << i) != 0 {
                            r.check_nix(&file, work.ctx, &mut self.acc.findings);
                        }
                    }
                    if is_flake {
                        // Read here, on the walk's threads, rather than after the walk.
                        self.acc.contents.add_flake(&rel, text, parse);
                    }
                }
            }
            Kind::Lock => self.acc.contents.add_lock(&rel, text),
            Kind::Script | Kind::Ci => {
                let file = TextFile {
                    rel: &rel,
                    text,
                    kind,
                };
                for r in work.active {
                    r.check_text(&file, work.ctx, &mut self.acc.findings);
                }
            }
            _ => {}
        }
        if memchr::memmem::find(text.as_bytes(), suppression::MARKER.as_bytes()).is_some() {
            let sups = suppression::parse(text);
            for r in work.active {
                r.check_suppressions(&rel, text, &sups, &mut self.acc.findings);
            }
            self.acc.suppressions.insert(rel.clone(), sups);
        }
        let keep = match kind {
            // A flake's text is kept in its `Flake`.
            Kind::Nix => false,
            Kind::Doc => mentions_nix_environment(text),
            _ => true,
        };
        self.acc.contents.files.push(Entry {
            rel: rel.clone(),
            kind,
        });
        if keep {
            self.acc.contents.texts.insert(rel, text.to_owned());
        }
    }

    fn skip(&mut self, rel: &str, why: &str) {
        self.acc.skipped.push(Note {
            file: Some(rel.to_owned()),
            message: why.to_owned(),
        });
    }

    /// The file's text, read into `buf`, or `None` when it cannot be read as text: listed
    /// as skipped when the file is one the review needs (`known`); an extensionless file
    /// that is huge, binary or not UTF-8 is simply not a script.
    fn read<'b>(
        &mut self,
        path: &Path,
        rel: &str,
        known: bool,
        buf: &'b mut Vec<u8>,
    ) -> Option<&'b str> {
        // Only open, read to the end and close: the walk is dominated by system calls, and
        // `File::read_to_end` would add a stat and a seek to size its buffer.
        buf.clear();
        let read = std::fs::File::open(path).and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE_BYTES + 1), buf)
        });
        match read {
            Ok(n) if n as u64 > MAX_FILE_BYTES => {
                if known {
                    self.skip(rel, &format!("larger than {} MiB", MAX_FILE_BYTES >> 20));
                }
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                self.skip(rel, &format!("cannot read: {e}"));
                return None;
            }
        }
        if memchr::memchr(0, &buf[..buf.len().min(BINARY_PROBE)]).is_some() {
            if known {
                self.skip(rel, "binary file");
            }
            return None;
        }
        match std::str::from_utf8(buf) {
            Ok(t) => Some(t),
            Err(_) => {
                if known {
                    self.skip(rel, "not valid UTF-8");
                }
                None
            }
        }
    }
}

/// The path a walk error is about, if it names one, and what went wrong.
fn walk_error(e: &ignore::Error) -> (Option<&Path>, String) {
    match e {
        ignore::Error::WithPath { path, err } => (Some(path), format!("cannot read: {err}")),
        ignore::Error::WithDepth { err, .. } => walk_error(err),
        e => (None, format!("cannot read: {e}")),
    }
}

/// The kind of a file from its path: `Some(None)` for an extensionless file that is a
/// script only if its shebang says so; `None` for files no rule reads.
fn classify(rel: &str, name: &str) -> Option<Option<Kind>> {
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    let kind = match (name, ext) {
        ("flake.lock", _) => Kind::Lock,
        (_, Some("nix")) => Kind::Nix,
        (_, Some("sh" | "bash")) => Kind::Script,
        (
            "Makefile" | "makefile" | "GNUmakefile" | "justfile" | "Justfile" | ".gitlab-ci.yml"
            | "Jenkinsfile",
            _,
        )
        | (_, Some("mk")) => Kind::Ci,
        (_, Some("yml" | "yaml")) if is_ci_dir(rel) => Kind::Ci,
        ("Cargo.toml" | "package.json" | "go.mod" | "pyproject.toml", _) => Kind::Manifest,
        ("Dockerfile" | "Containerfile", _) | (_, Some("Dockerfile" | "dockerfile")) => {
            Kind::Container
        }
        (".envrc", _) => Kind::Envrc,
        (_, Some("md")) => Kind::Doc,
        (_, None) => return Some(None),
        _ if rel.starts_with(".ci/") => Kind::Ci,
        _ => return None,
    };
    Some(Some(kind))
}

/// The kind of an extensionless file, from its contents.
fn by_shebang(rel: &str, text: &str) -> Option<Kind> {
    if super::shell::Shebang::parse(text).is_some_and(|s| s.is_shell()) {
        Some(Kind::Script)
    } else if rel.starts_with(".ci/") {
        Some(Kind::Ci)
    } else {
        None
    }
}

/// The kind of a file from its path and contents; `None` for files no rule reads.
pub fn kind_of(rel: &str, text: &str) -> Option<Kind> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    classify(rel, name)?.or_else(|| by_shebang(rel, text))
}

fn is_ci_dir(rel: &str) -> bool {
    [
        ".github/workflows/",
        ".circleci/",
        ".buildkite/",
        ".ci/",
        ".gitea/workflows/",
        ".forgejo/workflows/",
    ]
    .iter()
    .any(|d| rel.starts_with(d))
}

/// Whether a document shows how to enter a Nix environment (then scripts it mentions may
/// be meant to run there).
pub fn mentions_nix_environment(text: &str) -> bool {
    ["nix develop", "nix-shell", "nix shell", "nix run"]
        .iter()
        .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_name_and_place() {
        assert_eq!(
            classify("a/flake.lock", "flake.lock"),
            Some(Some(Kind::Lock))
        );
        assert_eq!(
            classify("pkgs/x/default.nix", "default.nix"),
            Some(Some(Kind::Nix))
        );
        assert_eq!(
            classify("scripts/build.sh", "build.sh"),
            Some(Some(Kind::Script))
        );
        assert_eq!(
            classify(".github/workflows/ci.yml", "ci.yml"),
            Some(Some(Kind::Ci))
        );
        assert_eq!(classify("docs/x.yml", "x.yml"), None);
        assert_eq!(classify("tools/Makefile", "Makefile"), Some(Some(Kind::Ci)));
        assert_eq!(classify(".ci/run", "run"), Some(None));
        assert_eq!(classify("src/main.rs", "main.rs"), None);
        assert_eq!(
            classify("containers/app.Dockerfile", "app.Dockerfile"),
            Some(Some(Kind::Container))
        );
    }

    #[test]
    fn no_trigger_word_is_a_prefix_of_another() {
        let words: Vec<&str> = super::super::RULES
            .iter()
            .flat_map(|r| r.triggers().iter().copied())
            .collect();
        for a in &words {
            for b in &words {
                assert!(a == b || !a.starts_with(b), "{b} is a prefix of {a}");
            }
        }
    }

    #[test]
    fn overlapping_words_are_all_found() {
        let rules: Vec<&dyn Rule> = super::super::RULES.to_vec();
        let p = Prefilter::new(&rules);
        let words = p.woken("fetchTarballowUnfree");
        assert_eq!(words, p.woken("fetchTarball") | p.woken("allowUnfree"));
        assert_ne!(p.woken("fetchTarball"), p.woken("allowUnfree"));
    }

    #[test]
    fn prefilter_wakes_only_rules_whose_words_or_tokens_occur() {
        let rules: Vec<&dyn Rule> = super::super::RULES.to_vec();
        let p = Prefilter::new(&rules);
        let woken = |text: &str| {
            p.woken(text) | p.woken_by_tokens(super::super::recognize::check(text).kinds)
        };
        // A path in a build script's string is not a path literal.
        assert_eq!(
            woken("{ stdenv }: stdenv.mkDerivation { installPhase = '' cp x /usr/bin ''; }"),
            0
        );
        assert_ne!(woken("import <nixpkgs> { }"), 0);
        assert_ne!(woken("{ src = /home/me/src; }"), 0);
        assert_ne!(woken("builtins.getEnv \"HOME\""), 0);
    }
}
