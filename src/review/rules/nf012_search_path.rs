//! NF012: `<nixpkgs>` and other NIX_PATH lookups.

use rnix::SyntaxKind;

use crate::nix::syntax::range;
use crate::review::{Context, Finding, NixFile, Rule, Severity};

pub struct SearchPath;

impl Rule for SearchPath {
    fn code(&self) -> &'static str {
        "NF012"
    }
    fn name(&self) -> &'static str {
        "search-path"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "Nix code looks a path up in NIX_PATH (`import <nixpkgs> { }`, `<nixos/...>`, any \
`<name>`): the result is whatever channel the evaluating machine happens to have.

Why: immutable project state: the nixpkgs a project builds against is pinned in the \
repository (a flake input, or a fetchTarball with a hash), never taken from the machine.

Before:

    { pkgs ? import <nixpkgs> { } }: pkgs.hello

After (a flake passes pkgs in; or pin it):

    { pkgs ? import (fetchTarball {
        url = \"https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz\";
        sha256 = \"<hash>\";
      }) { } }: pkgs.hello"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["<"]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for node in file
            .root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_PATH_SEARCH)
        {
            let path = node.text().to_string();
            out.push(
                Finding::new(self, format!("`{path}` is looked up in NIX_PATH"))
                    .at(file.rel, file.text, range(&node))
                    .help("take it as a flake input (or an argument), or pin it with fetchTarball and a sha256"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_on_lookups() {
        let f = nix(
            &SearchPath,
            "shell.nix",
            "{ pkgs ? import <nixpkgs> { } }:\nimport <nixos/modules> pkgs",
        );
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[1].line(), f[1].span.as_ref().unwrap().column),
            (Some(2), 8)
        );
    }

    #[test]
    fn comparisons_and_strings_are_fine() {
        assert!(nix(
            &SearchPath,
            "a.nix",
            "{ x = if 1 < 2 then \"<nixpkgs>\" else 3; # <nixpkgs>\n}"
        )
        .is_empty());
    }
}
