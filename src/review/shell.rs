//! Just enough shell to review scripts: the shebang, the commands a script runs (first
//! words of simple commands, outside quotes, comments and heredocs), and the functions it
//! defines.

use std::collections::HashSet;
use std::ops::Range;

/// A parsed `#!` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shebang {
    /// The interpreter path as written (`/bin/bash`, `/usr/bin/env`).
    pub path: String,
    /// The program that interprets the script: `bash` for `/bin/bash` and `/usr/bin/env bash`.
    pub program: String,
    /// The bytes of the line, without the newline.
    pub range: Range<usize>,
}

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish"];

impl Shebang {
    pub fn parse(text: &str) -> Option<Shebang> {
        let line = text.lines().next()?;
        let rest = line.strip_prefix("#!")?.trim();
        let mut words = rest.split_whitespace();
        let path = words.next()?.to_owned();
        let base = path.rsplit('/').next().unwrap_or(&path);
        let program = if base == "env" {
            words
                .find(|w| !w.starts_with('-') && !w.contains('='))?
                .to_owned()
        } else {
            base.to_owned()
        };
        Some(Shebang {
            path,
            program,
            range: 0..line.len(),
        })
    }

    pub fn is_shell(&self) -> bool {
        SHELLS.contains(&self.program.as_str()) || self.is_nix_shell()
    }

    pub fn is_nix_shell(&self) -> bool {
        self.program == "nix-shell" || self.program == "nix"
    }

    /// An absolute interpreter outside the store, other than `/bin/sh` (which every system,
    /// NixOS included, has), and not going through `env`.
    pub fn bypasses_path(&self) -> bool {
        self.path.starts_with('/')
            && !self.path.ends_with("/env")
            && self.path != "/bin/sh"
            && !self.path.starts_with("/nix/store/")
    }
}

/// The packages a `#!nix-shell -p a b` (or `nix shell nixpkgs#a`) header provides;
/// `None` when the script has no such header.
pub fn nix_shell_packages(text: &str) -> Option<Vec<String>> {
    let shebang = Shebang::parse(text)?;
    if !shebang.is_nix_shell() {
        return None;
    }
    let mut pkgs = Vec::new();
    for line in text.lines().take_while(|l| l.starts_with("#!")) {
        let mut in_p = false;
        for w in line.trim_start_matches("#!").split_whitespace() {
            if let Some(attr) = w
                .split_once('#')
                .map(|(_, a)| a)
                .filter(|_| w.contains(':') || w.starts_with("nixpkgs"))
            {
                pkgs.push(attr.to_owned());
            } else if w == "-p" || w == "--packages" {
                in_p = true;
            } else if w.starts_with('-') {
                in_p = false;
            } else if in_p {
                pkgs.push(w.trim_matches(['"', '\'']).to_owned());
            }
        }
    }
    Some(pkgs)
}

/// Shell words that are not programs.
pub(crate) const BUILTINS: &[&str] = &[
    "!",
    ".",
    ":",
    "[",
    "[[",
    "alias",
    "bg",
    "break",
    "builtin",
    "case",
    "cd",
    "command",
    "continue",
    "declare",
    "do",
    "done",
    "echo",
    "elif",
    "else",
    "esac",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fg",
    "fi",
    "for",
    "function",
    "getopts",
    "hash",
    "if",
    "in",
    "jobs",
    "kill",
    "let",
    "local",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readonly",
    "return",
    "select",
    "set",
    "shift",
    "shopt",
    "source",
    "test",
    "then",
    "time",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "until",
    "wait",
    "while",
    "{",
    "}",
    "mapfile",
    "readarray",
    "coproc",
    "caller",
    "compgen",
    "complete",
    "disown",
    "enable",
    "help",
    "history",
    "logout",
    "suspend",
    "times",
];

/// Words after which the next word is again in command position.
const PREFIXES: &[&str] = &[
    "then", "do", "else", "elif", "if", "while", "until", "!", "time", "exec", "command", "{",
    "sudo", "xargs", "env", "nohup",
];

/// Each line of `text` with its byte offset and its code: the part before a ` #` comment.
pub fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line, line.split(" #").next().unwrap_or(line)))
    })
}

/// The programs a script runs, each with the byte range of its first use.
pub fn commands(text: &str) -> Vec<(String, Range<usize>)> {
    let functions = functions(text);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut lexer = Lexer {
        text,
        pos: 0,
        heredocs: Vec::new(),
    };
    let mut at_start = true;
    while let Some(tok) = lexer.next() {
        match tok {
            Tok::Sep => at_start = true,
            Tok::Word(range) => {
                let w = &text[range.clone()];
                if w == "{" || w == "}" {
                    at_start = true;
                    continue;
                }
                if !at_start {
                    continue;
                }
                if w.contains('=')
                    && !w.starts_with('=')
                    && w.split('=')
                        .next()
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                {
                    continue; // FOO=bar cmd: an assignment, the command follows
                }
                at_start = PREFIXES.contains(&w);
                let program = w.trim_start_matches('\\');
                let is_name = !program.is_empty()
                    && program
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
                    && !program.starts_with(['-', '.']);
                if is_name
                    && !BUILTINS.contains(&program)
                    && !functions.contains(program)
                    && seen.insert(program.to_owned())
                {
                    out.push((program.to_owned(), range));
                }
            }
            Tok::Other(_) => at_start = false,
        }
    }
    out
}

/// The simple commands of a script, each as the byte ranges of its words (quoted strings
/// keep their quotes, redirection operators are words), outside comments and heredocs.
/// Commands inside quoted strings are not seen.
pub fn simple_commands(text: &str) -> Vec<Vec<Range<usize>>> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        heredocs: Vec::new(),
    };
    let mut out = Vec::new();
    let mut words = Vec::new();
    while let Some(tok) = lexer.next() {
        match tok {
            Tok::Word(range) | Tok::Other(range) if &text[range.clone()] != ")" => {
                words.push(range)
            }
            _ => {
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
        }
    }
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// Names of functions the script defines (`f() {` or `function f`).
fn functions(text: &str) -> HashSet<&str> {
    let mut out = HashSet::new();
    for line in text.lines() {
        let l = line.trim_start();
        let l = l.strip_prefix("function ").unwrap_or(l);
        let name_end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.:".contains(c)))
            .unwrap_or(l.len());
        let (name, rest) = l.split_at(name_end);
        if !name.is_empty()
            && (rest.trim_start().starts_with("()") || line.trim_start().starts_with("function "))
        {
            out.insert(name);
        }
    }
    out
}

enum Tok {
    Word(Range<usize>),
    /// `;`, `&&`, `||`, `|`, `&`, newline, `$(`, backtick, `(`: a new command may start.
    Sep,
    /// A quoted string (with its quotes) or other token that takes the command position.
    Other(Range<usize>),
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Heredoc delimiters waiting for the end of the current line.
    heredocs: Vec<String>,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<Tok> {
        let b = self.text.as_bytes();
        while self.pos < b.len() {
            let c = b[self.pos];
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if b.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                b'\n' => {
                    self.pos += 1;
                    self.skip_heredocs();
                    return Some(Tok::Sep);
                }
                b'#' => {
                    self.pos = self.text[self.pos..]
                        .find('\n')
                        .map_or(b.len(), |i| self.pos + i);
                }
                b';' | b'&' | b'|' | b'(' | b'`' => {
                    self.pos += 1;
                    return Some(Tok::Sep);
                }
                b')' => {
                    self.pos += 1;
                    return Some(Tok::Other(self.pos - 1..self.pos));
                }
                b'\'' => {
                    let start = self.pos;
                    self.pos = self.text[self.pos + 1..]
                        .find('\'')
                        .map_or(b.len(), |i| self.pos + i + 2);
                    return Some(Tok::Other(start..self.pos));
                }
                b'"' => {
                    let start = self.pos;
                    self.skip_double_quoted();
                    return Some(Tok::Other(start..self.pos.min(b.len())));
                }
                b'$' if b.get(self.pos + 1) == Some(&b'(') => {
                    self.pos += 2;
                    return Some(Tok::Sep);
                }
                b'<' if b.get(self.pos + 1) == Some(&b'<')
                    && b.get(self.pos + 2) != Some(&b'<') =>
                {
                    let start = self.pos;
                    self.read_heredoc_delimiter();
                    return Some(Tok::Other(start..self.pos));
                }
                _ => {
                    let start = self.pos;
                    while self.pos < b.len() && !b" \t\r\n;&|()`'\"<>".contains(&b[self.pos]) {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        self.pos += 1;
                        return Some(Tok::Other(start..self.pos));
                    }
                    return Some(Tok::Word(start..self.pos));
                }
            }
        }
        None
    }

    fn skip_double_quoted(&mut self) {
        let b = self.text.as_bytes();
        self.pos += 1;
        while self.pos < b.len() {
            match b[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    fn read_heredoc_delimiter(&mut self) {
        self.pos += 2;
        let rest = &self.text[self.pos..];
        let rest_trim = rest.trim_start_matches(['-', ' ', '\t']);
        let skipped = rest.len() - rest_trim.len();
        let word_end = rest_trim
            .find(|c: char| c.is_whitespace() || ";|&)".contains(c))
            .unwrap_or(rest_trim.len());
        let word = rest_trim[..word_end].trim_matches(['\'', '"']);
        if !word.is_empty() {
            self.heredocs.push(word.to_owned());
        }
        self.pos += skipped + word_end;
    }

    fn skip_heredocs(&mut self) {
        for delim in std::mem::take(&mut self.heredocs) {
            while self.pos < self.text.len() {
                let end = self.text[self.pos..]
                    .find('\n')
                    .map_or(self.text.len(), |i| self.pos + i + 1);
                let line = self.text[self.pos..end].trim();
                self.pos = end;
                if line == delim {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        commands(text).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn shebangs() {
        let s = Shebang::parse("#!/bin/bash\necho").unwrap();
        assert!(s.is_shell() && s.bypasses_path() && s.program == "bash" && s.range == (0..11));
        let s = Shebang::parse("#!/usr/bin/env -S bash -e\n").unwrap();
        assert!(s.is_shell() && !s.bypasses_path() && s.program == "bash");
        assert!(!Shebang::parse("#!/bin/sh\n").unwrap().bypasses_path());
        assert!(!Shebang::parse("#!/usr/bin/env python3\n")
            .unwrap()
            .is_shell());
        assert!(Shebang::parse("echo hi\n").is_none());
    }

    #[test]
    fn nix_shell_headers() {
        let text = "#!/usr/bin/env nix-shell\n#!nix-shell -i bash -p jq curl --pure\nset -e\n";
        assert_eq!(nix_shell_packages(text).unwrap(), ["jq", "curl"]);
        assert_eq!(
            nix_shell_packages("#!/usr/bin/env -S nix shell nixpkgs#jq --command bash\n").unwrap(),
            ["jq"]
        );
        assert_eq!(nix_shell_packages("#!/bin/bash\n"), None);
    }

    #[test]
    fn finds_commands_not_data() {
        let text = r#"#!/usr/bin/env bash
set -euo pipefail
# curl is mentioned in a comment
build() { cargo build --release; }
FOO=1 jq '.x' file.json | sort -u && echo "rg inside quotes"
if grep -q x y; then out=$(git rev-parse HEAD); fi
cat <<EOF
terraform apply
EOF
build
"#;
        assert_eq!(names(text), ["cargo", "jq", "sort", "grep", "git", "cat"]);
    }
}
