//! NF014: builtins that read the evaluating machine's state.

use rnix::SyntaxKind;

use super::{defaulted_argument, fold_fallbacks};
use crate::nix::syntax::{range, select_path};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, NixFile, Rule};

pub struct ImpureBuiltin;

const IMPURE: &[(&str, &str)] = &[
    ("getEnv", "reads an environment variable"),
    ("currentTime", "reads the clock"),
    ("currentSystem", "reads the evaluating machine's platform"),
];

impl Rule for ImpureBuiltin {
    fn code(&self) -> &'static str {
        "NF014"
    }
    fn name(&self) -> &'static str {
        "impure-builtin"
    }
    fn doc(&self) -> &'static str {
        "Nix code calls a builtin that reads the evaluating machine's state: \
`builtins.getEnv`, `builtins.currentTime`, `builtins.currentSystem`. Flakes refuse them \
without `--impure`; elsewhere they silently make the result depend on who evaluates it.

In a repository with a flake, uses in default arguments (`{ system ? builtins.currentSystem }:`) \
are fallbacks the flake overrides; they are reported once per repository, as a warning that \
names them.

Why: the same commit must evaluate to the same derivations everywhere.

Before:

    { system ? builtins.currentSystem }: ...
    version = builtins.getEnv \"VERSION\";

After:

    { system }: ...                 # passed in, e.g. by genAttrs over systems
    version = \"1.2.3\";              # or read from a tracked file"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["getEnv", "currentTime", "currentSystem"]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for node in file
            .root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_SELECT)
        {
            let Some(path) = select_path(&node) else {
                continue;
            };
            let [b, name] = path.as_slice() else { continue };
            let Some((_, what)) = IMPURE
                .iter()
                .find(|(n, _)| n == name)
                .filter(|_| b == "builtins")
            else {
                continue;
            };
            let arg = defaulted_argument(&node);
            out.push(
                Finding::new(self, format!("`builtins.{name}` {what}"))
                    .at(file.rel, file.text, range(&node))
                    .help("pass the value in as an argument or read it from a tracked file")
                    .default_of(arg),
            );
        }
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        fold_fallbacks(
            self,
            repo,
            out,
            "read the evaluating machine",
            "callers outside the flake should pass them too (e.g. `system`) rather than rely on the machine",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_on_impure_builtins() {
        let f = nix(&ImpureBuiltin, "a.nix", "{ system ? builtins.currentSystem }: { v = builtins.getEnv \"V\"; t = builtins.currentTime; }");
        assert_eq!(f.len(), 3);
    }

    #[test]
    fn default_arguments_next_to_a_flake_are_one_fallback() {
        // nix-darwin's default.nix and release.nix.
        let files = [
            ("flake.nix", "{ outputs = _: { }; }"),
            ("default.nix", "{ system ? builtins.currentSystem }: { }"),
            ("release.nix", "{ system ? builtins.currentSystem }: { }"),
        ];
        let mut out: Vec<Finding> = files[1..]
            .iter()
            .flat_map(|(rel, text)| nix(&ImpureBuiltin, rel, text))
            .collect();
        let config = crate::review::Config::default();
        let ctx = Context {
            config: &config,
            now: 0,
            nix: &crate::review::rules::testing::NIX,
        };
        ImpureBuiltin.check_repo(
            &crate::review::rules::testing::build_repo(&files),
            &ctx,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert!(out[0]
            .message
            .starts_with("2 default argument(s) read the evaluating machine"));
    }

    #[test]
    fn similar_names_are_fine() {
        assert!(nix(&ImpureBuiltin, "a.nix", "{ stdenv }: { s = stdenv.hostPlatform.system; e = lib.getEnv; m = \"builtins.getEnv\"; }").is_empty());
    }
}
