//! NF023: every unfree package allowed at once (`allowUnfree = true`, NIXPKGS_ALLOW_UNFREE).

use rnix::SyntaxKind;

use crate::nix::syntax::{full_path, range};
use crate::review::walk::Kind;
use crate::review::{Context, Finding, NixFile, Rule, Severity, TextFile};

pub struct GlobalAllowUnfree;

const ENV: &str = "NIXPKGS_ALLOW_UNFREE";
const HELP: &str =
    "name the packages: `allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"…\" ];`";

impl Rule for GlobalAllowUnfree {
    fn code(&self) -> &'static str {
        "NF023"
    }
    fn name(&self) -> &'static str {
        "global-allow-unfree"
    }
    fn severity(&self) -> Severity {
        Severity::Info
    }
    fn doc(&self) -> &'static str {
        "Nix code sets `allowUnfree = true` (in `config`, `nixpkgs.config`, an `import nixpkgs \
{ config = …; }`), or a script or CI file sets `NIXPKGS_ALLOW_UNFREE=1`: every unfree package \
is then accepted, including ones a dependency update brings in unreviewed.

Why: what a project depends on is decided in review; `allowUnfreePredicate` names the unfree \
packages that were accepted.

Before:

    pkgs = import nixpkgs { inherit system; config.allowUnfree = true; };

After:

    pkgs = import nixpkgs {
      inherit system;
      config.allowUnfreePredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"vscode\" ];
    };"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["allowUnfree"]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for node in file
            .root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        {
            let on = node
                .children()
                .nth(1)
                .is_some_and(|v| v.kind() == SyntaxKind::NODE_IDENT && v.text() == "true");
            if on && full_path(&node).last().is_some_and(|k| k == "allowUnfree") {
                out.push(
                    Finding::new(self, "`allowUnfree = true` accepts every unfree package")
                        .at(file.rel, file.text, range(&node))
                        .help(HELP),
                );
            }
        }
    }
    fn check_text(&self, file: &TextFile, _ctx: &Context, out: &mut Vec<Finding>) {
        if !matches!(file.kind, Kind::Script | Kind::Ci) || !file.text.contains(ENV) {
            return;
        }
        let mut offset = 0;
        for line in file.text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if line.trim_start().starts_with('#') {
                continue;
            }
            // `NIXPKGS_ALLOW_UNFREE=1`, `export NIXPKGS_ALLOW_UNFREE=1`, YAML `NIXPKGS_ALLOW_UNFREE: 1`.
            let Some(at) = line.find(ENV) else { continue };
            let value = line[at + ENV.len()..]
                .trim_start_matches([':', '=', ' ', '"', '\''])
                .trim_start();
            if value.starts_with('1') {
                out.push(
                    Finding::new(self, format!("`{ENV}=1` accepts every unfree package"))
                        .at(file.rel, file.text, start + at..start + at + ENV.len())
                        .help(HELP),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{nix, text};

    #[test]
    fn fires_on_global_allowance() {
        let f = nix(
            &GlobalAllowUnfree,
            "flake.nix",
            "{ outputs = { nixpkgs, ... }: let pkgs = import nixpkgs {\n  config.allowUnfree = true;\n}; in { }; }",
        );
        assert_eq!((f.len(), f[0].line()), (1, Some(2)));
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(
            nix(
                &GlobalAllowUnfree,
                "configuration.nix",
                "{ nixpkgs.config = { allowUnfree = true; }; }"
            )
            .len(),
            1
        );
        let ci = "jobs:\n  b:\n    env:\n      NIXPKGS_ALLOW_UNFREE: 1\n    steps:\n      - run: nix build --impure\n";
        assert_eq!(
            text(&GlobalAllowUnfree, ".github/workflows/ci.yml", ci)[0].line(),
            Some(4)
        );
        assert_eq!(
            text(
                &GlobalAllowUnfree,
                "build.sh",
                "#!/bin/sh\nexport NIXPKGS_ALLOW_UNFREE=1\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn predicates_and_off_are_fine() {
        let p = "{ config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"vscode\" ]; config.allowUnfree = false; }";
        assert!(nix(&GlobalAllowUnfree, "a.nix", p).is_empty());
        assert!(text(
            &GlobalAllowUnfree,
            "build.sh",
            "#!/bin/sh\n# NIXPKGS_ALLOW_UNFREE=1\nNIXPKGS_ALLOW_UNFREE=0 nix build\n"
        )
        .is_empty());
    }
}
