//! Build and test commands (`cargo test`, `pytest`, `make`, ...) from `data/build-commands.tsv`,
//! and where in a simple command one runs: what CI must run inside a Nix environment.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::wrappers::{self, is_assignment, Wrapped};

const BUILD_COMMANDS_TSV: &str = include_str!("data/build-commands.tsv");

/// For each program, its invocations as word sequences (empty: every invocation).
static TABLE: LazyLock<HashMap<&'static str, Vec<Vec<&'static str>>>> = LazyLock::new(|| {
    super::data_lines(BUILD_COMMANDS_TSV)
        .filter_map(|l| {
            let (program, invocations) = l.split_once('\t')?;
            let patterns = match invocations.trim() {
                "*" => Vec::new(),
                list => list
                    .split(',')
                    .map(|p| p.split_whitespace().collect())
                    .collect(),
            };
            Some((program.trim(), patterns))
        })
        .collect()
});

/// Shell words before a command that are not the command.
const KEYWORDS: &[&str] = &[
    "if", "then", "do", "else", "elif", "while", "until", "!", "{", "time",
];

/// What a simple command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Nix itself (`nix develop --command …`, `nix build`, `nix-shell --run …`): whatever it
    /// runs, runs in a Nix environment.
    Nix,
    /// A build or test command, run directly.
    Build(Build),
    /// Anything else.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The index of the program's word.
    pub at: usize,
    /// The program (a path's last component).
    pub program: String,
    /// The program and the words that make the invocation a build or test (`cargo test`).
    pub label: String,
    /// Only shell keywords and variable assignments come before the program (no wrapper such
    /// as `sudo` or `timeout`), so a prefix inserted before it wraps exactly this command.
    pub direct: bool,
}

/// What the simple command `words` (shell words, quotes kept) runs, looking through
/// wrappers (`sudo`, `env`, `timeout`, …).
pub fn classify(words: &[&str]) -> Invocation {
    let mut i = 0;
    let mut direct = true;
    while i < words.len() && (KEYWORDS.contains(&words[i]) || is_assignment(words[i])) {
        i += 1;
    }
    while let Some(&word) = words.get(i) {
        let program = unquote(word).rsplit('/').next().unwrap_or_default();
        if matches!(program, "nix" | "nix-shell" | "nix-build" | "devenv") {
            return Invocation::Nix;
        }
        if wrappers::is_wrapper(program) {
            let args: Vec<&str> = words[i + 1..].iter().map(|w| unquote(w)).collect();
            match wrappers::wrapped(program, &args) {
                Some(Wrapped::Command(j)) => {
                    i += 1 + j;
                    direct = false;
                    continue;
                }
                _ => return Invocation::Other,
            }
        }
        let Some(patterns) = TABLE.get(program) else {
            return Invocation::Other;
        };
        let args: Vec<&str> = words[i + 1..].iter().map(|w| unquote(w)).collect();
        let label = if patterns.is_empty() {
            program.to_owned()
        } else {
            match patterns.iter().find(|p| invokes(p, &args)) {
                Some(p) => format!("{program} {}", p.join(" ")),
                None => return Invocation::Other,
            }
        };
        return Invocation::Build(Build {
            at: i,
            program: program.to_owned(),
            label,
            direct,
        });
    }
    Invocation::Other
}

/// Whether `args` start with `pattern` (options skipped), or contain it when it starts
/// with an option itself.
fn invokes(pattern: &[&str], args: &[&str]) -> bool {
    if pattern.first().is_some_and(|p| p.starts_with('-')) {
        return args.windows(pattern.len()).any(|w| w == pattern);
    }
    let operands: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with(['-', '+']))
        .take(pattern.len())
        .collect();
    operands == pattern
}

fn unquote(word: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = word.strip_prefix(q).and_then(|w| w.strip_suffix(q)) {
            return inner;
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(line: &str) -> Option<(String, bool)> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match classify(&words) {
            Invocation::Build(b) => Some((b.label, b.direct)),
            _ => None,
        }
    }

    #[test]
    fn finds_builds_and_tests_through_wrappers() {
        let direct = |l: &str| label(l).map(|(l, _)| l);
        assert_eq!(
            direct("cargo +nightly test --locked").as_deref(),
            Some("cargo test")
        );
        assert_eq!(direct("go test ./...").as_deref(), Some("go test"));
        assert_eq!(direct("then pytest -x").as_deref(), Some("pytest"));
        assert_eq!(
            direct("python3 -X dev -m pytest tests").as_deref(),
            Some("python3 -m pytest")
        );
        assert_eq!(direct("./gradlew check").as_deref(), Some("gradlew"));
        assert_eq!(
            direct("cmake --build build -j4").as_deref(),
            Some("cmake --build")
        );
        assert_eq!(
            direct("bundle exec rspec").as_deref(),
            Some("bundle exec rspec")
        );
        assert_eq!(label("CI=1 npm test"), Some(("npm test".to_owned(), true)));
        assert_eq!(
            label("timeout 600 cargo test"),
            Some(("cargo test".to_owned(), false))
        );
        assert_eq!(direct("cargo fmt --check"), None);
        assert_eq!(direct("npm install"), None);
        assert_eq!(direct("cmake -B build"), None);
        assert_eq!(direct("echo cargo test"), None);
    }

    #[test]
    fn nix_runs_what_it_wraps_in_its_environment() {
        for line in [
            "nix develop --command cargo test",
            "nix develop .#ci -c make check",
            "nix-shell --run 'pytest'",
            "sudo nix build .#default",
            "nix flake check",
        ] {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(classify(&words), Invocation::Nix, "{line}");
        }
    }

    #[test]
    fn every_row_is_well_formed() {
        let rows: Vec<&str> = super::super::data_lines(BUILD_COMMANDS_TSV).collect();
        assert_eq!(rows.len(), TABLE.len(), "a program is listed twice");
        for row in rows {
            let (program, invocations) = row.split_once('\t').expect("two columns");
            assert!(!program.contains(['/', ' ']), "{row:?}");
            assert!(
                invocations == "*"
                    || invocations
                        .split(',')
                        .all(|p| !p.trim().is_empty() && p == p.trim()),
                "{row:?}"
            );
        }
    }
}
