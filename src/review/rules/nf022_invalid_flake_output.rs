//! NF022: flake outputs that do not fit the flake schema, seen in the syntax alone.

use rnix::{SyntaxKind, SyntaxNode};

use super::is_system;
use crate::nix::syntax::{bindings, call_head, range};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule, Severity};

pub struct InvalidFlakeOutput;

/// What the schema wants at an output's leaves.
#[derive(Clone, Copy, PartialEq)]
enum Leaf {
    /// A derivation per name: `packages.<system>.<name>`.
    Derivation,
    /// An app per name: `{ type = "app"; program = …; }`.
    App,
    /// One derivation per system: `formatter.<system>`.
    SystemDerivation,
}

/// Per-system outputs whose leaves the syntax can check.
const PER_SYSTEM: &[(&str, Leaf)] = &[
    ("packages", Leaf::Derivation),
    ("devShells", Leaf::Derivation),
    ("checks", Leaf::Derivation),
    ("apps", Leaf::App),
    ("formatter", Leaf::SystemDerivation),
];

/// Calls that return one derivation.
const DERIVATION_CALLS: &[&str] = &[
    "mkShell",
    "mkShellNoCC",
    "mkDerivation",
    "buildRustPackage",
    "buildGoModule",
    "buildPythonApplication",
    "buildNpmPackage",
    "writeShellScriptBin",
    "writeShellApplication",
    "runCommand",
];

impl Rule for InvalidFlakeOutput {
    fn code(&self) -> &'static str {
        "NF022"
    }
    fn name(&self) -> &'static str {
        "invalid-flake-output"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "A flake output does not fit the flake schema, visibly in the syntax: a per-system \
output without its system level (`packages.default = …`, `devShells = pkgs.mkShell { … }`), a \
string, number or list where a derivation is required (`packages.x86_64-linux.tool = \
\"tool\"`), or an app without `program`. Inside flake-utils' `eachDefaultSystem` the system \
level is added for you and is not expected. `nix flake check` rejects such outputs, and \
`nix build`/`nix develop` do not find them.

Why: a flake's outputs are its interface; review says what `nix flake check` would, without \
evaluating.

Before:

    devShells.default = pkgs.mkShell { };

After:

    devShells.x86_64-linux.default = pkgs.mkShell { };   # or per system with genAttrs"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            for (set, per_system) in flake.output_sets() {
                for b in bindings(&set) {
                    let Some(&(output, leaf)) = PER_SYSTEM.iter().find(|(o, _)| b.path[0] == *o)
                    else {
                        continue;
                    };
                    let Some(message) = problem(output, leaf, &b.path, &b.value, per_system) else {
                        continue;
                    };
                    out.push(
                        Finding::new(self, message)
                            .at(&flake.nix_rel, &flake.text, range(&b.node))
                            .help(format!("`{output}` is `{output}.<system>.<name>`{}; enumerate systems with `nixpkgs.lib.genAttrs` or flake-utils", match leaf {
                                Leaf::SystemDerivation => " (one derivation per system)",
                                _ => "",
                            })),
                    );
                }
            }
        }
    }
}

/// What is wrong with the binding of `path` to `value`, if the syntax shows it.
fn problem(
    output: &str,
    leaf: Leaf,
    path: &[String],
    value: &SyntaxNode,
    per_system: bool,
) -> Option<String> {
    let shown = path.join(".");
    if !per_system && path.len() == 2 && !is_system(&path[1]) && !path[1].starts_with("${") {
        return Some(format!(
            "`{shown}` has no system level: Nix looks for `{output}.<system>.{}`",
            path[1]
        ));
    }
    let depth = usize::from(!per_system) + usize::from(leaf != Leaf::SystemDerivation) + 1;
    if path.len() < depth && derivation_call(value) {
        let expected = match (path.len(), per_system, leaf) {
            (1, false, Leaf::SystemDerivation) => "<system>",
            (1, false, _) => "<system>.<name>",
            _ => "<name>",
        };
        return Some(format!(
            "`{shown}` is one derivation where Nix expects `{shown}.{expected}`"
        ));
    }
    if path.len() != depth {
        return None;
    }
    match (leaf, value.kind()) {
        (
            _,
            SyntaxKind::NODE_STRING
            | SyntaxKind::NODE_LITERAL
            | SyntaxKind::NODE_LIST
            | SyntaxKind::NODE_PATH_REL,
        ) => Some(format!(
            "`{shown}` must be a derivation{}",
            match leaf {
                Leaf::App => " or an app",
                _ => "",
            }
        )),
        (Leaf::App, SyntaxKind::NODE_ATTR_SET)
            if !bindings(value).iter().any(|b| b.path == ["program"]) =>
        {
            Some(format!("app `{shown}` has no `program`"))
        }
        _ => None,
    }
}

fn derivation_call(value: &SyntaxNode) -> bool {
    value.kind() == SyntaxKind::NODE_APPLY
        && call_head(value).is_some_and(|h| DERIVATION_CALLS.contains(&h.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    fn run(outputs: &str) -> Vec<Finding> {
        let flake = format!("{{ outputs = {{ self, nixpkgs }}: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {outputs}; }}");
        repo(&InvalidFlakeOutput, &[("flake.nix", &flake)])
    }

    #[test]
    fn fires_on_outputs_outside_the_schema() {
        let f = run("{ packages.default = pkgs.hello; }");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("no system level"), "{}", f[0].message);
        let f = run("{ devShells = pkgs.mkShell { }; }");
        assert!(
            f[0].message.contains("`devShells.<system>.<name>`"),
            "{f:?}"
        );
        let f = run("{ packages.x86_64-linux.tool = \"tool\"; }");
        assert!(f[0].message.contains("must be a derivation"));
        let f = run("{ apps.x86_64-linux.default = { type = \"app\"; }; }");
        assert!(f[0].message.contains("has no `program`"));
        assert_eq!(run("{ formatter = pkgs.nixfmt; }").len(), 0);
        assert_eq!(
            run("{ formatter = pkgs.writeShellScriptBin \"f\" \"\"; }").len(),
            1
        );
        let f = run("{ packages.x86_64-linux = pkgs.stdenv.mkDerivation { }; }");
        assert!(
            f[0].message
                .ends_with("expects `packages.x86_64-linux.<name>`"),
            "{f:?}"
        );
    }

    #[test]
    fn schema_conforming_outputs_are_fine() {
        let ok = "{ packages.x86_64-linux.default = pkgs.hello; packages.aarch64-darwin = { default = pkgs.hello; }; devShells = forAllSystems (s: { default = pkgs.mkShell { }; }); apps.x86_64-linux.default = { type = \"app\"; program = \"${pkgs.hello}/bin/hello\"; }; formatter.x86_64-linux = pkgs.nixfmt; checks.${system}.t = pkgs.runCommand \"t\" { } \"\"; nixosModules.default = { }; }";
        assert!(run(ok).is_empty(), "{:?}", run(ok));
        let each = "{ outputs = { nixpkgs, flake-utils, ... }: flake-utils.lib.eachDefaultSystem (system: { packages.default = nixpkgs.legacyPackages.${system}.hello; devShells.default = nixpkgs.legacyPackages.${system}.mkShell { }; }); }";
        assert!(repo(&InvalidFlakeOutput, &[("flake.nix", each)]).is_empty());
    }
}
