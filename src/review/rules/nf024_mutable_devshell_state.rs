//! NF024: a dev shell's `shellHook` that installs tools or changes state outside the store.

use std::sync::LazyLock;

use regex::Regex;
use rnix::SyntaxKind;

use crate::nix::syntax::{full_path, range};
use crate::review::{Context, Finding, NixFile, Rule};

pub struct MutableDevshellState;

/// What a hook line does, by pattern.
static ACTIONS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"\bpython[0-9.]*\s+-m\s+venv\b|\bvirtualenv\s",
            "creates a Python virtualenv",
        ),
        (
            r"\bpip[0-9.]*\s+install\b|\bpython[0-9.]*\s+-m\s+pip\s+install\b",
            "installs Python packages with pip",
        ),
        (
            r"\b(npm\s+(install|i|ci)|yarn\s+install|pnpm\s+install)\b",
            "installs Node packages",
        ),
        (r"\bcargo\s+install\b", "installs a Rust tool with cargo"),
        (r"\bgo\s+install\b", "installs a Go tool"),
        (r"\bopam\s+init\b", "initialises an opam switch"),
        (r"\bgem\s+install\b", "installs Ruby gems"),
        (
            r"\b(curl|wget)\b[^|\n]*\|\s*(sudo\s+)?(ba|z)?sh\b",
            "runs a script downloaded at shell start",
        ),
        (
            r"(>>?\s*|\b(mkdir|cp|mv|ln|touch|rm)\b[^;\n]*\s)(\$HOME|\$\{HOME\}|~)/",
            "changes files in $HOME",
        ),
    ]
    .into_iter()
    .map(|(re, what)| (Regex::new(re).expect("valid regex"), what))
    .collect()
});

impl Rule for MutableDevshellState {
    fn code(&self) -> &'static str {
        "NF024"
    }
    fn name(&self) -> &'static str {
        "mutable-devshell-state"
    }
    fn doc(&self) -> &'static str {
        "A dev shell's `shellHook` creates or changes state outside the Nix store when the shell \
starts: `python -m venv`, `pip install`, `npm install`/`npm ci`, `cargo install`, `go \
install`, `opam init`, `gem install`, `curl … | sh`, or writes into `$HOME`. The environment \
then depends on the network and on what earlier runs left behind, and differs between \
machines.

Why: immutable state: tools come from the dev shell's packages or from a derivation, pinned by \
the lock, the same for everyone.

Before:

    devShells.default = pkgs.mkShell {
      shellHook = ''
        python -m venv .venv && .venv/bin/pip install -r requirements.txt
      '';
    };

After:

    devShells.default = pkgs.mkShell {
      packages = [ (pkgs.python3.withPackages (ps: [ ps.requests ])) ];
    };"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["shellHook"]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for hook in file.root.descendants().filter(|n| {
            n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
                && full_path(n).last().is_some_and(|k| k == "shellHook")
        }) {
            let Some(value) = hook
                .children()
                .nth(1)
                .filter(|v| v.kind() == SyntaxKind::NODE_STRING)
            else {
                continue;
            };
            let base = range(&value).start;
            let text = value.text().to_string();
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                let start = offset;
                offset += line.len();
                if line.trim_start().starts_with('#') {
                    continue;
                }
                for (re, what) in ACTIONS.iter() {
                    if let Some(m) = re.find(line) {
                        let at = base + start + m.start()..base + start + m.end();
                        out.push(
                            Finding::new(self, format!("the dev shell's shellHook {what}"))
                                .at(file.rel, file.text, at)
                                .help("put the tools in the dev shell's packages (e.g. `python3.withPackages`, `nodejs`), or build them in a derivation"),
                        );
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_on_imperative_hooks() {
        let text = "{ devShells.x86_64-linux.default = pkgs.mkShell {\n  shellHook = ''\n    python3 -m venv .venv\n    .venv/bin/pip install -r requirements.txt\n    npm ci\n    curl -fsSL https://get.example.sh | bash\n    echo 'export X=1' >> ~/.bashrc\n    # pip install in a comment\n  '';\n}; }";
        let f = nix(&MutableDevshellState, "flake.nix", text);
        let lines: Vec<_> = f.iter().map(|f| (f.line(), f.message.as_str())).collect();
        assert_eq!(
            lines,
            [
                (
                    Some(3),
                    "the dev shell's shellHook creates a Python virtualenv"
                ),
                (
                    Some(4),
                    "the dev shell's shellHook installs Python packages with pip"
                ),
                (Some(5), "the dev shell's shellHook installs Node packages"),
                (
                    Some(6),
                    "the dev shell's shellHook runs a script downloaded at shell start"
                ),
                (Some(7), "the dev shell's shellHook changes files in $HOME"),
            ]
        );
    }

    #[test]
    fn declarative_hooks_are_fine() {
        let text = "pkgs.mkShell { shellHook = ''\n  export PATH=$PWD/bin:$PATH\n  echo \"run: npm test\"\n  mkdir -p .cache\n''; }";
        assert!(nix(&MutableDevshellState, "shell.nix", text).is_empty());
    }
}
