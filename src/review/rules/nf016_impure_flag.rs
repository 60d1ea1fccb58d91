//! NF016: `--impure` in scripts and CI.

use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule, TextFile};

pub struct ImpureFlag;

const FLAG: &str = "--impure";

impl Rule for ImpureFlag {
    fn code(&self) -> &'static str {
        "NF016"
    }
    fn name(&self) -> &'static str {
        "impure-flag"
    }
    fn doc(&self) -> &'static str {
        "A script, Makefile or CI file runs a Nix command with `--impure`, which lets the \
evaluation read environment variables, the clock, NIX_PATH and files outside the flake.

Why: what CI builds must be what the committed files say; `--impure` makes it also depend on \
the runner.

Before:

    nix build --impure .#app

After (pass what it needed through the flake instead):

    nix build .#app"
    }
    fn check_text(&self, file: &TextFile, _ctx: &Context, out: &mut Vec<Finding>) {
        if !matches!(file.kind, Kind::Script | Kind::Ci) || !file.text.contains(FLAG) {
            return;
        }
        for (start, line, code) in crate::review::shell::code_lines(file.text) {
            if line.trim_start().starts_with('#') || !code.contains("nix") || asks_system(code) {
                continue;
            }
            let Some(at) = code.find(FLAG).filter(|&i| {
                code[i + FLAG.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '-')
            }) else {
                continue;
            };
            out.push(
                Finding::new(self, "a Nix command runs with `--impure`")
                    .at(file.rel, file.text, start + at..start + at + FLAG.len())
                    .help("make the evaluation pure: pass inputs through the flake, not the environment"),
            );
        }
    }
}

/// `nix eval --impure --expr builtins.currentSystem`: the way to ask Nix which system the
/// machine is; it evaluates nothing of the project.
fn asks_system(code: &str) -> bool {
    const EXPR: &str = "builtins.currentSystem";
    code.split_once("--expr").is_some_and(|(_, rest)| {
        let rest = rest.trim_start();
        match rest.chars().next() {
            Some(q @ ('\'' | '"')) => rest[1..]
                .strip_prefix(EXPR)
                .is_some_and(|r| r.starts_with(q)),
            _ => rest.strip_prefix(EXPR).is_some_and(|r| {
                r.chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == ')')
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::text;

    #[test]
    fn fires_in_scripts_and_ci() {
        assert_eq!(
            text(
                &ImpureFlag,
                "build.sh",
                "#!/usr/bin/env bash\nnix build --impure .#x\n"
            )
            .len(),
            1
        );
        let f = text(
            &ImpureFlag,
            ".github/workflows/ci.yml",
            "jobs:\n  b:\n    steps:\n      - run: nix develop --impure -c make\n",
        );
        assert_eq!(
            (f[0].line(), f[0].span.as_ref().unwrap().column),
            (Some(4), 26)
        );
    }

    #[test]
    fn comments_other_tools_and_docs_are_fine() {
        assert!(text(
            &ImpureFlag,
            "build.sh",
            "# never use nix build --impure\ncargo test --impure-ish\n"
        )
        .is_empty());
        assert!(text(&ImpureFlag, "build.sh", "nix build --impure-env\n").is_empty());
        assert!(text(&ImpureFlag, "README.md", "nix build --impure\n").is_empty());
        // home-manager's and devenv's idiom for the machine's system.
        let ask = "#!/usr/bin/env bash\nsystem=$(nix eval --impure --raw --expr builtins.currentSystem)\ns=$(nix eval --expr 'builtins.currentSystem' --raw --impure)\n";
        assert!(text(&ImpureFlag, "a.sh", ask).is_empty());
        let more = "#!/usr/bin/env bash\nnix eval --impure --expr 'builtins.currentSystem + (import ./x.nix)'\n";
        assert_eq!(text(&ImpureFlag, "a.sh", more).len(), 1);
    }
}
