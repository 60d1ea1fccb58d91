//! NF012: `<nixpkgs>` and other NIX_PATH lookups.

use rnix::SyntaxKind;

use super::{defaulted_argument, fold_fallbacks};
use crate::nix::syntax::range;
use crate::review::repo::Repo;
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

In a repository with a flake, a lookup in a default argument (`{ pkgs ? import <nixpkgs> { } }:`) \
is a fallback: pure flake evaluation cannot look anything up, so the flake passes the \
argument, and only callers outside the flake (`nix-build`, `nix-shell`) get NIX_PATH's \
nixpkgs. Such fallbacks are reported once per repository, as a warning that names them.

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
    fn trigger_tokens(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::TOKEN_PATH_SEARCH]
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
                    .help("take it as a flake input (or an argument), or pin it with fetchTarball and a sha256")
                    .default_of(defaulted_argument(&node)),
            );
        }
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        fold_fallbacks(
            self,
            repo,
            out,
            "fall back to NIX_PATH",
            "pin the fallback (fetchTarball with a sha256, or the flake's locked nixpkgs through flake-compat) so nix-build and nix-shell users get the same nixpkgs",
        );
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
    fn default_arguments_in_a_flake_repository_are_one_fallback_warning() {
        // home-manager's and nix-darwin's shapes: non-flake entry points next to a flake.
        let files = [
            ("flake.nix", "{ outputs = _: { }; }"),
            (
                "default.nix",
                "{\n  pkgs ? import <nixpkgs> { },\n}:\npkgs.hello",
            ),
            (
                "release.nix",
                "{ nixpkgs ? <nixpkgs>, x ? 1 }: import nixpkgs { }",
            ),
            (
                "legacy.nix",
                "{ pkgs }: { p = if true then pkgs.path else <nixpkgs>; }",
            ),
        ];
        let mut out: Vec<Finding> = files[1..]
            .iter()
            .flat_map(|(rel, text)| nix(&SearchPath, rel, text))
            .collect();
        assert_eq!(out.len(), 3);
        let config = crate::review::Config::default();
        let ctx = Context {
            config: &config,
            now: 0,
            nix: &crate::review::rules::testing::NIX,
        };
        let repo = crate::review::rules::testing::build_repo(&files);
        SearchPath.check_repo(&repo, &ctx, &mut out);
        out.sort_by_key(|f| f.severity);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].severity, Severity::Warning);
        assert!(
            out[0].message.contains("2 default argument(s)"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("`pkgs` in default.nix:2"));
        assert!(out[0].message.contains("`nixpkgs` in release.nix:1"));
        assert_eq!(
            (out[1].severity, out[1].file.as_deref()),
            (Severity::Error, Some("legacy.nix"))
        );
        // Without a flake, nothing passes the argument: each stays an error.
        let mut alone = nix(&SearchPath, "default.nix", files[1].1);
        let repo = crate::review::rules::testing::build_repo(&files[1..2]);
        SearchPath.check_repo(&repo, &ctx, &mut alone);
        assert_eq!(alone[0].severity, Severity::Error);
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
