//! Script analysis: parses a shell script with brush-parser and lists the commands it runs
//! (looking through wrappers, `bash -c`, sourced repository files and command substitutions),
//! each mapped to the nixpkgs attribute that provides it, plus what cannot be resolved and
//! what the script assumes about the host.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use brush_parser::ast;
use brush_parser::word::{self, WordPiece};
use regex::Regex;
use serde::Serialize;

use crate::knowledge::{self, wrappers};
// Builtins and keywords: words that run no program.
use crate::review::shell::BUILTINS;

/// Larger files are not scripts anyone maintains by hand; refusing them keeps analysis bounded
/// (the syntax tree of a 2 MiB script takes about 170 MiB).
pub const MAX_SCRIPT_BYTES: usize = 2 << 20;

/// How deep `source`, `bash -c` and `$( )` nest before analysis stops following.
const MAX_DEPTH: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("{0}: no such file")]
    Missing(PathBuf),
    #[error("{0}: cannot read: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: a binary file, not a shell script")]
    Binary(PathBuf),
    #[error("{0}: {1} bytes; scripts above {MAX_SCRIPT_BYTES} bytes are not analysed")]
    TooLarge(PathBuf, usize),
    #[error("{0}: a {1} script; only bash and POSIX sh scripts are supported")]
    Dialect(PathBuf, String),
}

/// A command the script runs that nixpkgs provides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub command: String,
    pub attr: String,
    /// Lines of the analysed script (a use inside a sourced file counts at the `source` line).
    pub lines: Vec<usize>,
    /// Only probed for (`command -v foo`, `which foo`), so the script may run without it.
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub command: String,
    pub line: usize,
    pub reason: String,
}

/// Something the script expects from the host that a flake cannot give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    pub line: usize,
    /// Stable id: `absolute-path`, `sudo`, `package-manager`, `curl-pipe-shell`, `pip-install`,
    /// `global-install`, `crlf`.
    pub kind: &'static str,
    pub text: String,
    pub advice: &'static str,
}

/// A file the script sources or runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced {
    pub path: String,
    pub line: usize,
    pub followed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
    /// The analysis covers lines 1..=parsed_lines.
    pub parsed_lines: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub path: PathBuf,
    pub tools: Vec<Tool>,
    pub unresolved: Vec<Unresolved>,
    pub assumptions: Vec<Assumption>,
    pub sources: Vec<Sourced>,
    pub syntax_error: Option<SyntaxError>,
}

/// Reads and analyses the script at `path`; files it sources are followed when they are inside
/// `root` (the repository).
pub fn analyze_file(path: &Path, root: &Path) -> Result<Analysis, ScriptError> {
    let text = read_script(path)?;
    let mut c = Collector::new(root);
    c.visited
        .insert(path.canonicalize().unwrap_or(path.to_owned()));
    let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
    if text.contains("\r\n") {
        c.assume(1, "crlf", "CRLF line ends".into(), CRLF_ADVICE);
    }
    let text = text.replace("\r\n", "\n");
    let ctx = Ctx {
        dir,
        base: 0,
        fixed_line: None,
        depth: 0,
    };
    let syntax_error = c.program(&text, &ctx);
    Ok(c.finish(path.to_owned(), syntax_error))
}

const CRLF_ADVICE: &str =
    "bash reads the \\r as part of every command; convert the file with `dos2unix`";

fn read_script(path: &Path) -> Result<String, ScriptError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ScriptError::Missing(path.to_owned()),
        _ => ScriptError::Read(path.to_owned(), e),
    })?;
    if bytes.len() > MAX_SCRIPT_BYTES {
        return Err(ScriptError::TooLarge(path.to_owned(), bytes.len()));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(ScriptError::Binary(path.to_owned()));
    }
    let text = String::from_utf8(bytes).map_err(|_| ScriptError::Binary(path.to_owned()))?;
    if let Some(dialect) = unsupported_dialect(path, &text) {
        return Err(ScriptError::Dialect(path.to_owned(), dialect));
    }
    Ok(text)
}

/// zsh, fish, PowerShell, csh and non-shell interpreters, from the shebang or the extension.
fn unsupported_dialect(path: &Path, text: &str) -> Option<String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let by_ext = match ext {
        "zsh" => Some("zsh"),
        "fish" => Some("fish"),
        "ps1" | "psm1" => Some("PowerShell"),
        "csh" | "tcsh" => Some("csh"),
        _ => None,
    };
    if let Some(d) = by_ext {
        return Some(d.to_owned());
    }
    let shebang = crate::review::shell::Shebang::parse(text)?;
    match shebang.program.as_str() {
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "busybox" => None,
        "pwsh" | "powershell" => Some("PowerShell".into()),
        other => Some(other.to_owned()),
    }
}

/// Where a piece of text sits in the analysed script.
struct Ctx {
    /// The directory `source` paths are relative to.
    dir: PathBuf,
    /// Added to the line numbers of the text being parsed (for nested `$( )` and `-c` strings).
    base: usize,
    /// Inside a sourced file: every use counts at the line of the `source` command.
    fixed_line: Option<usize>,
    depth: usize,
}

impl Ctx {
    fn line(&self, local: usize) -> usize {
        self.fixed_line.unwrap_or(self.base + local)
    }

    fn nested(&self, line: usize) -> Ctx {
        Ctx {
            dir: self.dir.clone(),
            base: line.saturating_sub(1),
            fixed_line: self.fixed_line,
            depth: self.depth + 1,
        }
    }
}

/// A word of a simple command: as written, unquoted, and its line in the script.
struct Word {
    raw: String,
    text: String,
    line: usize,
}

#[derive(Default)]
struct Collector {
    root: PathBuf,
    uses: Vec<(String, usize)>,
    probed: BTreeMap<String, usize>,
    functions: HashSet<String>,
    aliases: HashSet<String>,
    /// Assigned variables with their literal values (`None`: not a literal).
    variables: HashMap<String, Vec<Option<String>>>,
    dynamic: Vec<(Option<String>, String, usize)>,
    unresolved: Vec<Unresolved>,
    assumptions: Vec<Assumption>,
    sources: Vec<Sourced>,
    visited: HashSet<PathBuf>,
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh"];

const GLOBAL_INSTALL: (&str, &str) = (
    "global-install",
    "installs a tool into the user's home at run time; declare it in the flake",
);

const PACKAGE_MANAGERS: &[&str] = &[
    "apt-get", "apt", "aptitude", "yum", "dnf", "zypper", "pacman", "apk", "brew", "port", "snap",
    "choco", "winget",
];

static SCRIPT_RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^\$(?:\(\s*dirname\s+\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)\s*\)|\{BASH_SOURCE(?:\[0\])?%/\*\}|\{?[A-Za-z_]*(?:DIR|dir|HERE|here|ROOT|root)\}?)/([^$`]+)$"#,
    )
    .unwrap()
});

static VARIABLE_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$").unwrap());

impl Collector {
    fn new(root: &Path) -> Collector {
        Collector {
            root: root.canonicalize().unwrap_or(root.to_owned()),
            ..Collector::default()
        }
    }

    fn assume(&mut self, line: usize, kind: &'static str, text: String, advice: &'static str) {
        self.assumptions.push(Assumption {
            line,
            kind,
            text,
            advice,
        });
    }

    fn unresolved(&mut self, command: &str, line: usize, reason: String) {
        self.unresolved.push(Unresolved {
            command: command.to_owned(),
            line,
            reason,
        });
    }

    /// Parses and walks `text`; on a syntax error, walks the longest prefix that parses.
    fn program(&mut self, text: &str, ctx: &Ctx) -> Option<SyntaxError> {
        match parse(text) {
            Ok(p) => {
                self.walk_program(&p, ctx);
                None
            }
            Err(e) => {
                let line = error_line(&e, text);
                let (parsed_lines, program) = longest_parsing_prefix(text, line);
                if let Some(p) = program {
                    self.walk_program(&p, ctx);
                }
                Some(SyntaxError {
                    line: ctx.line(line),
                    message: e.to_string(),
                    parsed_lines,
                })
            }
        }
    }

    /// A string that is itself shell code (`bash -c '...'`, `trap '...'`, `$( )`).
    fn nested(&mut self, text: &str, line: usize, ctx: &Ctx) {
        if ctx.depth >= MAX_DEPTH {
            return;
        }
        if let Some(e) = self.program(text, &ctx.nested(line)) {
            self.unresolved(
                &text.chars().take(40).collect::<String>(),
                e.line,
                format!("inner shell code does not parse: {}", e.message),
            );
        }
    }

    fn walk_program(&mut self, p: &ast::Program, ctx: &Ctx) {
        for cc in &p.complete_commands {
            self.compound_list(cc, ctx);
        }
    }

    fn compound_list(&mut self, list: &ast::CompoundList, ctx: &Ctx) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.pipeline(&and_or.first, ctx);
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                self.pipeline(p, ctx);
            }
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, ctx: &Ctx) {
        for c in &p.seq {
            self.command(c, ctx);
        }
        self.check_pipe_to_shell(p, ctx);
    }

    /// `curl ... | sh`: an installer fetched and run at run time.
    fn check_pipe_to_shell(&mut self, p: &ast::Pipeline, ctx: &Ctx) {
        let names: Vec<(String, usize)> = p
            .seq
            .iter()
            .filter_map(|c| match c {
                ast::Command::Simple(s) => {
                    let words = simple_words(s, ctx);
                    let first = words.iter().position(|w| w.text != "sudo")?;
                    Some((words[first].text.clone(), words[first].line))
                }
                _ => None,
            })
            .collect();
        let fetch = names.iter().position(|(n, _)| n == "curl" || n == "wget");
        if let Some(i) = fetch {
            if let Some((shell, line)) = names[i + 1..]
                .iter()
                .find(|(n, _)| SHELLS.contains(&n.as_str()) || n == "zsh")
            {
                self.assume(
                    *line,
                    "curl-pipe-shell",
                    format!("{} | {shell}", names[i].0),
                    "an installer downloaded at run time is neither pinned nor declared; \
                     package the tool (or use its nixpkgs attribute) instead",
                );
            }
        }
    }

    fn command(&mut self, c: &ast::Command, ctx: &Ctx) {
        match c {
            ast::Command::Simple(s) => self.simple(s, ctx),
            ast::Command::Compound(cc, redirects) => {
                self.compound(cc, ctx);
                if let Some(r) = redirects {
                    for io in &r.0 {
                        self.redirect(io, ctx);
                    }
                }
            }
            ast::Command::Function(f) => {
                self.functions.insert(f.fname.value.clone());
                self.compound(&f.body.0, ctx);
            }
            ast::Command::ExtendedTest(t, _) => self.test_expr(&t.expr, ctx),
        }
    }

    fn test_expr(&mut self, e: &ast::ExtendedTestExpr, ctx: &Ctx) {
        use ast::ExtendedTestExpr as E;
        match e {
            E::And(a, b) | E::Or(a, b) => {
                self.test_expr(a, ctx);
                self.test_expr(b, ctx);
            }
            E::Not(a) | E::Parenthesized(a) => self.test_expr(a, ctx),
            E::UnaryTest(_, w) => self.scan_word(w, 0, ctx),
            E::BinaryTest(_, a, b) => {
                self.scan_word(a, 0, ctx);
                self.scan_word(b, 0, ctx);
            }
        }
    }

    fn compound(&mut self, c: &ast::CompoundCommand, ctx: &Ctx) {
        use ast::CompoundCommand as C;
        match c {
            C::Arithmetic(_) => {}
            C::ArithmeticForClause(f) => self.compound_list(&f.body.list, ctx),
            C::BraceGroup(b) => self.compound_list(&b.list, ctx),
            C::Subshell(s) => self.compound_list(&s.list, ctx),
            C::ForClause(f) => {
                self.variables
                    .entry(f.variable_name.clone())
                    .or_default()
                    .push(None);
                for w in f.values.iter().flatten() {
                    self.scan_word(w, f.loc.start.line, ctx);
                }
                self.compound_list(&f.body.list, ctx);
            }
            C::CaseClause(cc) => {
                self.scan_word(&cc.value, cc.loc.start.line, ctx);
                for item in &cc.cases {
                    if let Some(list) = &item.cmd {
                        self.compound_list(list, ctx);
                    }
                }
            }
            C::IfClause(i) => {
                self.compound_list(&i.condition, ctx);
                self.compound_list(&i.then, ctx);
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.compound_list(cond, ctx);
                    }
                    self.compound_list(&e.body, ctx);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.compound_list(&w.0, ctx);
                self.compound_list(&w.1.list, ctx);
            }
            C::Coprocess(cp) => self.command(&cp.body, ctx),
        }
    }

    fn redirect(&mut self, io: &ast::IoRedirect, ctx: &Ctx) {
        match io {
            ast::IoRedirect::File(_, _, target) => match target {
                ast::IoFileRedirectTarget::Filename(w)
                | ast::IoFileRedirectTarget::Duplicate(w) => self.scan_word(w, 0, ctx),
                ast::IoFileRedirectTarget::ProcessSubstitution(_, s) => {
                    self.compound_list(&s.list, ctx)
                }
                ast::IoFileRedirectTarget::Fd(_) => {}
            },
            ast::IoRedirect::HereDocument(_, doc) => {
                if doc.requires_expansion {
                    let line = doc.doc.loc.as_ref().map_or(0, |l| l.start.line);
                    if let Ok(pieces) = word::parse_heredoc(&doc.doc.value, &options()) {
                        self.pieces(&pieces, &doc.doc.value, line, ctx);
                    }
                }
            }
            ast::IoRedirect::HereString(_, w) | ast::IoRedirect::OutputAndError(w, _) => {
                self.scan_word(w, 0, ctx)
            }
        }
    }

    /// Command substitutions inside a word (`"$(git rev-parse HEAD)"`), analysed as nested code.
    fn scan_word(&mut self, w: &ast::Word, fallback_line: usize, ctx: &Ctx) {
        if !w.value.contains('$') && !w.value.contains('`') {
            return;
        }
        let line = w.loc.as_ref().map_or(fallback_line, |l| l.start.line);
        if let Ok(pieces) = word::parse(&w.value, &options()) {
            self.pieces(&pieces, &w.value, line, ctx);
        }
    }

    fn pieces(&mut self, pieces: &[word::WordPieceWithSource], src: &str, line: usize, ctx: &Ctx) {
        for p in pieces {
            match &p.piece {
                WordPiece::CommandSubstitution(code)
                | WordPiece::BackquotedCommandSubstitution(code) => {
                    let offset = src
                        .get(..p.start_index)
                        .map_or(0, |s| s.matches('\n').count());
                    self.nested(code, line + offset, ctx);
                }
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(inner, src, line, ctx)
                }
                _ => {}
            }
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, ctx: &Ctx) {
        let items = s
            .prefix
            .iter()
            .flat_map(|p| &p.0)
            .chain(s.suffix.iter().flat_map(|p| &p.0));
        let line = s
            .word_or_name
            .as_ref()
            .and_then(|w| w.loc.as_ref())
            .map_or(0, |l| l.start.line);
        for item in items {
            match item {
                ast::CommandPrefixOrSuffixItem::IoRedirect(io) => self.redirect(io, ctx),
                ast::CommandPrefixOrSuffixItem::Word(w) => self.scan_word(w, line, ctx),
                ast::CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                    let name = match &a.name {
                        ast::AssignmentName::VariableName(n)
                        | ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
                    };
                    let literal = match &a.value {
                        ast::AssignmentValue::Scalar(v) if !is_dynamic(&v.value) => {
                            Some(brush_parser::unquote_str(&v.value))
                        }
                        _ => None,
                    };
                    self.variables.entry(name).or_default().push(literal);
                    self.scan_word(w, a.loc.start.line, ctx);
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                    self.compound_list(&sub.list, ctx)
                }
            }
        }
        let words = simple_words(s, ctx);
        self.words(&words, ctx);
    }

    /// A command with its arguments: builtins, wrappers, interpreters, paths and tools.
    fn words(&mut self, words: &[Word], ctx: &Ctx) {
        let Some(first) = words.first() else { return };
        let args: Vec<&str> = words[1..].iter().map(|w| w.text.as_str()).collect();
        let line = first.line;
        if is_dynamic(&first.raw) {
            let var = VARIABLE_WORD
                .captures(first.raw.trim_matches('"'))
                .map(|c| c[1].to_owned());
            self.dynamic.push((var, first.raw.clone(), line));
            return;
        }
        let name = first.text.as_str();
        self.host_assumptions(name, &args, line);
        match name {
            "source" | "." => {
                if let Some(w) = words.get(1) {
                    self.follow(w, ctx, false);
                }
                return;
            }
            "eval" => {
                self.unresolved(
                    "eval",
                    line,
                    "eval runs code that is only known at run time".into(),
                );
                return;
            }
            "command" if matches!(args.first(), Some(&"-v") | Some(&"-V")) => {
                self.probe(&args[1..], line);
                return;
            }
            "type" | "hash" => {
                self.probe(&args, line);
                return;
            }
            "which" => {
                self.uses.push((name.to_owned(), line));
                self.probe(&args, line);
                return;
            }
            "alias" => {
                for a in &args {
                    if let Some((n, _)) = a.split_once('=') {
                        self.aliases.insert(n.to_owned());
                    }
                }
                return;
            }
            "trap" => {
                if let Some(code) = args.first().filter(|a| !a.starts_with('-')) {
                    self.nested(code, line, ctx);
                }
                return;
            }
            "declare" | "local" | "export" | "readonly" | "typeset" | "read" | "mapfile"
            | "readarray" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let n = a.split_once('=').map_or(*a, |(n, _)| n);
                    self.variables.entry(n.to_owned()).or_default().push(None);
                }
                return;
            }
            _ => {}
        }
        if SHELLS.contains(&name) {
            self.uses.push((name.to_owned(), line));
            if let Some(i) = args.iter().position(|a| *a == "-c") {
                if let Some(code) = args.get(i + 1) {
                    self.nested(code, line, ctx);
                }
            } else if let Some(file) = words[1..].iter().find(|w| !w.text.starts_with('-')) {
                self.follow(file, ctx, true);
            }
            return;
        }
        if wrappers::is_wrapper(name) {
            if !BUILTINS.contains(&name) {
                self.uses.push((name.to_owned(), line));
            }
            match wrappers::wrapped(name, &args) {
                Some(wrappers::Wrapped::Command(i)) => self.words(&words[1 + i..], ctx),
                Some(wrappers::Wrapped::Script(i)) => self.nested(args[i], line, ctx),
                None => {}
            }
            return;
        }
        if BUILTINS.contains(&name) {
            return;
        }
        if name.contains('/') {
            self.path_command(first, ctx);
            return;
        }
        self.uses.push((name.to_owned(), line));
    }

    /// `/usr/local/bin/foo` (a host path: reported, the tool still declared by its name) or
    /// `./tools/x.sh` (a repository file: followed).
    fn path_command(&mut self, w: &Word, ctx: &Ctx) {
        let name = w.text.as_str();
        if name.starts_with("/nix/store/") {
            return;
        }
        if name.starts_with('/') {
            self.assume(
                w.line,
                "absolute-path",
                name.to_owned(),
                "a host path that other machines and the Nix sandbox do not have; call the \
                 tool by name and declare it",
            );
            if let Some(base) = name.rsplit('/').next().filter(|b| !b.is_empty()) {
                self.uses.push((base.to_owned(), w.line));
            }
            return;
        }
        self.follow(w, ctx, true);
    }

    fn probe(&mut self, args: &[&str], line: usize) {
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            self.probed.entry((*a).to_owned()).or_insert(line);
        }
    }

    fn host_assumptions(&mut self, name: &str, args: &[&str], line: usize) {
        let has = |w: &str| args.contains(&w);
        let global = has("-g") || has("--global") || has("global");
        let (kind, advice) = match name {
            "sudo" => (
                "sudo",
                "root rights are not something a flake can declare; run the privileged part \
                 separately or document it",
            ),
            _ if PACKAGE_MANAGERS.contains(&name) && (has("install") || has("add")) => (
                "package-manager",
                "installs into the host system at run time; add the package to the flake instead",
            ),
            "pip" | "pip3" if has("install") => (
                "pip-install",
                "installs into the user's Python environment; declare the modules with \
                 python3.withPackages in the flake",
            ),
            "gem" | "cargo" | "go" if has("install") => GLOBAL_INSTALL,
            "npm" | "yarn" | "pnpm" if global && (has("install") || has("add") || has("i")) => {
                GLOBAL_INSTALL
            }
            _ => return,
        };
        self.assume(line, kind, format!("{name} {}", args.join(" ")), advice);
    }

    /// `source FILE`, `bash FILE`, `./FILE`: followed when the file is in the repository.
    fn follow(&mut self, w: &Word, ctx: &Ctx, run: bool) {
        let line = w.line;
        let unquoted = w.raw.replace('"', "");
        let rel = if is_dynamic(&w.raw) {
            match SCRIPT_RELATIVE.captures(&unquoted) {
                Some(c) => c[1].to_owned(),
                None => {
                    self.sources.push(Sourced {
                        path: w.raw.clone(),
                        line,
                        followed: false,
                        reason: Some("the path is only known at run time".into()),
                    });
                    return;
                }
            }
        } else {
            w.text.clone()
        };
        let candidates = [ctx.dir.join(&rel), self.root.join(&rel)];
        let Some(found) = candidates.iter().find_map(|p| p.canonicalize().ok()) else {
            self.sources.push(Sourced {
                path: rel,
                line,
                followed: false,
                reason: Some("not found".into()),
            });
            return;
        };
        if !found.starts_with(&self.root) {
            self.sources.push(Sourced {
                path: rel,
                line,
                followed: false,
                reason: Some("outside the repository".into()),
            });
            return;
        }
        if !self.visited.insert(found.clone()) || ctx.depth >= MAX_DEPTH {
            return;
        }
        let text = match read_script(&found) {
            Ok(t) => t.replace("\r\n", "\n"),
            Err(ScriptError::Dialect(_, interpreter)) if run => {
                // A program in another language: its interpreter is the tool.
                self.uses.push((interpreter, line));
                self.sources.push(Sourced {
                    path: rel,
                    line,
                    followed: false,
                    reason: Some("not a shell script; its interpreter is declared".into()),
                });
                return;
            }
            Err(e) => {
                self.sources.push(Sourced {
                    path: rel,
                    line,
                    followed: false,
                    reason: Some(e.to_string()),
                });
                return;
            }
        };
        let inner = Ctx {
            dir: found.parent().unwrap_or(&self.root).to_owned(),
            base: 0,
            fixed_line: Some(ctx.line(0).max(line)),
            depth: ctx.depth + 1,
        };
        let error = self.program(&text, &inner);
        self.sources.push(Sourced {
            path: rel,
            line,
            followed: true,
            reason: error.map(|e| format!("syntax error: {}", e.message)),
        });
    }

    fn finish(mut self, path: PathBuf, syntax_error: Option<SyntaxError>) -> Analysis {
        for (var, raw, line) in std::mem::take(&mut self.dynamic) {
            let literals: Option<Vec<String>> = var
                .as_ref()
                .and_then(|v| self.variables.get(v))
                .and_then(|vals| vals.iter().cloned().collect());
            match literals {
                Some(vals) if !vals.is_empty() => {
                    for v in vals {
                        if let Some(cmd) = v.split_whitespace().next() {
                            self.uses.push((cmd.to_owned(), line));
                        }
                    }
                }
                _ => self.unresolved(
                    &raw,
                    line,
                    "the command word is only known at run time".into(),
                ),
            }
        }
        let mut tools: BTreeMap<String, (String, BTreeSet<usize>)> = BTreeMap::new();
        let mut missing: BTreeSet<(String, usize)> = BTreeSet::new();
        let probes = self.probed.iter().map(|(n, l)| (n.clone(), *l));
        for (name, line) in self.uses.iter().cloned().chain(probes) {
            if self.functions.contains(&name) || self.aliases.contains(&name) {
                continue;
            }
            match knowledge::for_command(&name) {
                Some(attr) => {
                    tools
                        .entry(name)
                        .or_insert_with(|| (attr.to_owned(), BTreeSet::new()))
                        .1
                        .insert(line);
                }
                None => {
                    missing.insert((name, line));
                }
            }
        }
        for (name, line) in missing {
            let reason =
                format!("no nixpkgs attribute known; look for one with `nix-locate bin/{name}`");
            self.unresolved(&name, line, reason);
        }
        let tools = tools
            .into_iter()
            .map(|(command, (attr, lines))| Tool {
                optional: self.probed.contains_key(&command),
                command,
                attr,
                lines: lines.into_iter().filter(|l| *l > 0).collect(),
            })
            .collect();
        self.unresolved
            .sort_by(|a, b| (a.line, &a.command).cmp(&(b.line, &b.command)));
        self.unresolved.dedup();
        self.assumptions.sort_by_key(|a| a.line);
        Analysis {
            path,
            tools,
            unresolved: self.unresolved,
            assumptions: self.assumptions,
            sources: self.sources,
            syntax_error,
        }
    }
}

fn options() -> brush_parser::ParserOptions {
    brush_parser::ParserOptions::default()
}

fn parse(text: &str) -> Result<ast::Program, brush_parser::ParseError> {
    brush_parser::Parser::new(std::io::Cursor::new(text), &options()).parse_program()
}

fn error_line(e: &brush_parser::ParseError, text: &str) -> usize {
    match e {
        brush_parser::ParseError::ParsingNear(p) => p.line,
        brush_parser::ParseError::Tokenizing {
            position: Some(p), ..
        } => p.line,
        _ => text.lines().count().max(1),
    }
}

/// The longest prefix of whole lines before `error_line` that parses, searched backwards in
/// growing steps so that a long script costs a few parses, not one per line.
fn longest_parsing_prefix(text: &str, error_line: usize) -> (usize, Option<ast::Program>) {
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    let mut step = 1;
    let mut lines = error_line.saturating_sub(1);
    while lines > 0 {
        let end = ends.get(lines - 1).copied().unwrap_or(text.len());
        if let Ok(p) = parse(&text[..end]) {
            return (lines, Some(p));
        }
        lines = lines.saturating_sub(step);
        step *= 2;
    }
    (0, None)
}

fn is_dynamic(raw: &str) -> bool {
    raw.contains('$') || raw.contains('`')
}

/// The words of a simple command (the command word and the word arguments), with lines.
fn simple_words(s: &ast::SimpleCommand, ctx: &Ctx) -> Vec<Word> {
    let Some(first) = &s.word_or_name else {
        return Vec::new();
    };
    let first_line = first.loc.as_ref().map_or(1, |l| l.start.line);
    std::iter::once(first)
        .chain(s.suffix.iter().flat_map(|x| &x.0).filter_map(|i| match i {
            ast::CommandPrefixOrSuffixItem::Word(w) => Some(w),
            _ => None,
        }))
        .map(|w| Word {
            raw: w.value.clone(),
            text: brush_parser::unquote_str(&w.value),
            line: ctx.line(w.loc.as_ref().map_or(first_line, |l| l.start.line)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Analyses script text; `source` resolves against `root`.
    fn analyze_text(text: &str, root: &Path) -> Analysis {
        let mut c = Collector::new(root);
        let ctx = Ctx {
            dir: root.to_owned(),
            base: 0,
            fixed_line: None,
            depth: 0,
        };
        let syntax_error = c.program(text, &ctx);
        c.finish(PathBuf::new(), syntax_error)
    }

    fn tools(a: &Analysis) -> Vec<(&str, &str, bool)> {
        a.tools
            .iter()
            .map(|t| (t.command.as_str(), t.attr.as_str(), t.optional))
            .collect()
    }

    #[test]
    fn commands_through_bash_syntax() {
        let a = analyze_text(
            r#"#!/usr/bin/env bash
set -euo pipefail
files=(a b)
deploy() { kubectl apply -f "$1"; }
trap 'rm -f "$tmp"' EXIT
tmp=$(mktemp)
if [[ -n "$(git rev-parse HEAD)" ]]; then deploy x; fi
case "$1" in
  a) jq . <(curl -s x) ;;
  *) sed -n p <<EOF
$(date)
EOF
  ;;
esac
"#,
            Path::new("."),
        );
        assert_eq!(
            tools(&a),
            vec![
                ("curl", "curl", false),
                ("date", "coreutils", false),
                ("git", "git", false),
                ("jq", "jq", false),
                ("kubectl", "kubectl", false),
                ("mktemp", "coreutils", false),
                ("rm", "coreutils", false),
                ("sed", "gnused", false),
            ]
        );
        let line = |c: &str| {
            a.tools
                .iter()
                .find(|t| t.command == c)
                .unwrap()
                .lines
                .clone()
        };
        assert_eq!(line("kubectl"), vec![4]);
        assert_eq!(line("git"), vec![7]);
        assert_eq!(line("date"), vec![11]);
        assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
        assert!(a.syntax_error.is_none());
    }

    #[test]
    fn wrappers_interpreters_and_probes() {
        let a = analyze_text(
            "sudo -u deploy env FOO=1 timeout 5 rsync a b\n\
             find . -name '*.sh' -exec shellcheck {} +\n\
             nix develop --command make check\n\
             bash -c 'tar xf x.tar'\n\
             if command -v fzf >/dev/null; then fzf; fi\n\
             which bat && bat x\n\
             ls | xargs -n1 gzip\n",
            Path::new("."),
        );
        let names: Vec<&str> = a.tools.iter().map(|t| t.command.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "bash",
                "bat",
                "env",
                "find",
                "fzf",
                "gzip",
                "ls",
                "make",
                "nix",
                "rsync",
                "shellcheck",
                "sudo",
                "tar",
                "timeout",
                "which",
                "xargs"
            ]
        );
        assert!(
            a.tools
                .iter()
                .find(|t| t.command == "fzf")
                .unwrap()
                .optional
        );
        assert!(
            a.tools
                .iter()
                .find(|t| t.command == "bat")
                .unwrap()
                .optional
        );
        assert!(
            !a.tools
                .iter()
                .find(|t| t.command == "rsync")
                .unwrap()
                .optional
        );
        assert_eq!(a.assumptions[0].kind, "sudo");
    }

    #[test]
    fn dynamic_words_are_unresolved_not_guessed() {
        let a = analyze_text(
            "JQ=jq\n$JQ .\n$1 --help\neval \"$cmd\"\nfrobnicate-xyz\n",
            Path::new("."),
        );
        assert_eq!(tools(&a), vec![("jq", "jq", false)]);
        let un: Vec<(&str, usize)> = a
            .unresolved
            .iter()
            .map(|u| (u.command.as_str(), u.line))
            .collect();
        assert_eq!(un, vec![("$1", 3), ("eval", 4), ("frobnicate-xyz", 5)]);
        assert!(a.unresolved[2]
            .reason
            .contains("nix-locate bin/frobnicate-xyz"));
    }

    #[test]
    fn host_assumptions() {
        let a = analyze_text(
            "/usr/local/bin/terraform apply\napt-get install -y jq\ncurl -fsSL x | sh\npip install requests\n",
            Path::new("."),
        );
        let kinds: Vec<(&str, usize)> = a.assumptions.iter().map(|a| (a.kind, a.line)).collect();
        assert_eq!(
            kinds,
            vec![
                ("absolute-path", 1),
                ("package-manager", 2),
                ("curl-pipe-shell", 3),
                ("pip-install", 4)
            ]
        );
        assert!(a.tools.iter().any(|t| t.command == "terraform"));
    }

    #[test]
    fn syntax_error_says_where_and_keeps_what_parsed() {
        let a = analyze_text("jq .\ncurl x\nif then fi\nrsync a b\n", Path::new("."));
        let e = a.syntax_error.as_ref().unwrap();
        assert_eq!(e.line, 3);
        assert_eq!(e.parsed_lines, 2);
        assert_eq!(
            tools(&a),
            vec![("curl", "curl", false), ("jq", "jq", false)]
        );
    }

    #[test]
    fn sources_inside_the_repository_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // A file that exists outside the repository on every machine, build sandboxes too.
        let elsewhere = tempfile::tempdir().unwrap();
        let outside = elsewhere.path().join("os-release");
        std::fs::write(&outside, "ID=x\n").unwrap();
        std::fs::write(root.join("lib.sh"), "helper() { yq . x; }\n").unwrap();
        std::fs::write(
            root.join("main.sh"),
            format!(
                "#!/bin/sh\n. \"$(dirname \"$0\")/lib.sh\"\nsource {}\nhelper\n",
                outside.display()
            ),
        )
        .unwrap();
        let a = analyze_file(&root.join("main.sh"), root).unwrap();
        // dirname runs in the substitution that names the file
        assert_eq!(
            tools(&a),
            vec![("dirname", "coreutils", false), ("yq", "yq-go", false)]
        );
        assert_eq!(a.tools[1].lines, vec![2]);
        assert!(a.sources[0].followed);
        assert_eq!(
            a.sources[1].reason.as_deref(),
            Some("outside the repository")
        );
        assert!(a.unresolved.is_empty(), "{:?}", a.unresolved);
    }

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("bin.sh"), b"\x7fELF\x00\x01").unwrap();
        std::fs::write(p("z.sh"), "#!/bin/zsh\nprint -l x\n").unwrap();
        std::fs::write(p("f.fish"), "echo x\n").unwrap();
        std::fs::write(p("crlf.sh"), "#!/bin/sh\r\njq .\r\n").unwrap();
        std::fs::write(p("big.sh"), "true\n".repeat(MAX_SCRIPT_BYTES / 5 + 1)).unwrap();
        let err = |n: &str| analyze_file(&p(n), dir.path()).unwrap_err().to_string();
        assert!(err("bin.sh").contains("binary"));
        assert!(err("z.sh").contains("a zsh script"));
        assert!(err("f.fish").contains("a fish script"));
        assert!(err("none.sh").contains("no such file"));
        assert!(err("big.sh").contains("bytes; scripts above 2097152 bytes are not analysed"));
        let a = analyze_file(&p("crlf.sh"), dir.path()).unwrap();
        assert_eq!(a.assumptions[0].kind, "crlf");
        assert_eq!(tools(&a), vec![("jq", "jq", false)]);
    }
}
