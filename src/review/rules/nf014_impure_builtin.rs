//! NF014: builtins that read the evaluating machine's state.

use rnix::SyntaxKind;

use crate::nix::syntax::{range, select_path};
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
            out.push(
                Finding::new(self, format!("`builtins.{name}` {what}"))
                    .at(file.rel, file.text, range(&node))
                    .help("pass the value in as an argument or read it from a tracked file"),
            );
        }
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
    fn similar_names_are_fine() {
        assert!(nix(&ImpureBuiltin, "a.nix", "{ stdenv }: { s = stdenv.hostPlatform.system; e = lib.getEnv; m = \"builtins.getEnv\"; }").is_empty());
    }
}
