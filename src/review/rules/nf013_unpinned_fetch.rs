//! NF013: builtin fetchers called without a hash or revision.

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::syntax::{bindings, range, select_path, string_literal};
use crate::review::{Context, Finding, NixFile, Rule, Severity};

pub struct UnpinnedFetch;

/// The builtin fetchers, and the attributes any one of which pins the result.
const FETCHERS: &[(&str, &[&str])] = &[
    ("fetchTarball", &["sha256", "hash", "narHash"]),
    ("fetchurl", &["sha256", "hash", "narHash"]),
    ("fetchGit", &["rev"]),
    ("fetchMercurial", &["rev"]),
    ("fetchTree", &["rev", "narHash"]),
];
/// Fetchers that are also global without `builtins.` (`fetchurl` is not: a bare one is
/// nixpkgs' fetchurl, which demands a hash itself).
const GLOBAL: &[&str] = &["fetchTarball", "fetchGit", "fetchMercurial", "fetchTree"];

impl Rule for UnpinnedFetch {
    fn code(&self) -> &'static str {
        "NF013"
    }
    fn name(&self) -> &'static str {
        "unpinned-fetch"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "A builtin fetcher is called without pinning what it fetches: `builtins.fetchTarball` or \
`builtins.fetchurl` without `sha256`/`hash`, `builtins.fetchGit` without `rev`, \
`builtins.fetchTree` without `rev` or `narHash`, or any of them with a bare URL string.

Why: immutable project state: an unpinned fetch returns whatever the URL serves today (and is \
re-downloaded when the cache expires), so two evaluations of the same commit can differ.

Before:

    pkgs = import (builtins.fetchTarball \"https://github.com/NixOS/nixpkgs/archive/nixos-24.05.tar.gz\") { };

After:

    pkgs = import (builtins.fetchTarball {
      url = \"https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz\";
      sha256 = \"<hash>\";
    }) { };"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "fetchTarball",
            "fetchGit",
            "fetchMercurial",
            "fetchTree",
            "builtins.fetchurl",
        ]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for apply in file
            .root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_APPLY)
        {
            let mut children = apply.children();
            let (Some(func), Some(arg)) = (children.next(), children.next()) else {
                continue;
            };
            let Some(name) = fetcher(&func) else { continue };
            let Some(&(_, pins)) = FETCHERS.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            if pinned(&arg, pins) {
                continue;
            }
            out.push(
                Finding::new(
                    self,
                    format!("`{}` without {}", func.text(), pins.join(" or ")),
                )
                .at(file.rel, file.text, range(&apply))
                .help(format!(
                    "pass an attrset with `{}` so the fetch is reproducible",
                    pins[0]
                )),
            );
        }
    }
}

/// The builtin fetcher a call's function names, if any.
fn fetcher(func: &SyntaxNode) -> Option<&'static str> {
    let path = select_path(func)?;
    let name = match path.as_slice() {
        [b, n] if b == "builtins" => n.as_str(),
        [n] if GLOBAL.contains(&n.as_str()) => n.as_str(),
        _ => return None,
    };
    FETCHERS.iter().map(|(n, _)| *n).find(|n| *n == name)
}

/// Whether the fetcher's argument pins the result. Arguments we cannot see into (a
/// variable) get the benefit of the doubt.
fn pinned(arg: &SyntaxNode, pins: &[&str]) -> bool {
    match arg.kind() {
        SyntaxKind::NODE_ATTR_SET => bindings(arg)
            .iter()
            .any(|b| b.path.len() == 1 && pins.contains(&b.path[0].as_str())),
        SyntaxKind::NODE_STRING => {
            // fetchTree "github:o/r/<40 hex>" names a commit.
            string_literal(arg).is_some_and(|s| {
                s.split(['/', '=', '?', '&'])
                    .any(|p| p.len() == 40 && p.bytes().all(|b| b.is_ascii_hexdigit()))
            })
        }
        SyntaxKind::NODE_PAREN => arg
            .children()
            .next()
            .is_none_or(|inner| pinned(&inner, pins)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_on_unpinned_fetches() {
        let text = "{\n  a = builtins.fetchTarball \"https://x/y.tar.gz\";\n  b = fetchGit { url = \"https://x/r\"; ref = \"main\"; };\n  c = builtins.fetchurl { url = \"https://x\"; };\n}";
        let f = nix(&UnpinnedFetch, "default.nix", text);
        assert_eq!(
            f.iter().map(|f| f.line().unwrap()).collect::<Vec<_>>(),
            [2, 3, 4]
        );
    }

    #[test]
    fn pinned_fetches_and_nixpkgs_fetchers_are_fine() {
        let text = "{ a = builtins.fetchTarball { url = \"u\"; sha256 = \"h\"; }; b = fetchGit { url = \"u\"; rev = \"r\"; };
          c = fetchurl { url = \"u\"; }; d = builtins.fetchTree \"github:o/r/0123456789abcdef0123456789abcdef01234567\"; e = fetchTarball args; }";
        assert!(nix(&UnpinnedFetch, "default.nix", text).is_empty());
    }
}
