//! NF028: a flake whose checks do not verify that its builds are reproducible (off by
//! default; teams turn it on with `extend-enable = ["NF028"]` in `.nfai.toml`).

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::syntax::{attrpath_keys, full_path, range};
use crate::review::{Context, Finding, NixFile, Rule};

pub struct NoReproducibilityCheck;

/// Words that show a check rebuilds and compares outputs.
const REPRO_WORDS: &[&str] = &[
    "nfai repro",
    "--rebuild",
    "--check",
    "diffoscope",
    "reproducib",
];

impl Rule for NoReproducibilityCheck {
    fn code(&self) -> &'static str {
        "NF028"
    }
    fn name(&self) -> &'static str {
        "no-reproducibility-check"
    }
    fn default_enabled(&self) -> bool {
        false
    }
    fn doc(&self) -> &'static str {
        "A flake has no `checks`, or none of its checks verifies that its builds are \
reproducible (rebuilds and compares: `nfai repro`, `nix build --rebuild`, `nix-build --check`, \
diffoscope). Off by default: enable it with `extend-enable = [\"NF028\"]` in `.nfai.toml`.

Why: the policy says build reproducibility is regularly verified; a check in the flake makes \
`nix flake check` (and so CI) do it, and `nfai repro` says what differs and why.

Before:

    outputs = { self, nixpkgs }: {
      packages.x86_64-linux.default = ...;
    };

After:

    outputs = { self, nixpkgs }: {
      packages.x86_64-linux.default = ...;
      # CI runs `nfai repro .#default`; the check documents and runs the same.
      checks.x86_64-linux.reproducible = nixpkgs.legacyPackages.x86_64-linux.runCommand
        \"reproducible\" { } \"nfai repro ${self}#default && touch $out\";
    };"
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        if !file.is_flake() {
            return;
        }
        let checks: Vec<SyntaxNode> = file
            .root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE && is_checks(n))
            .collect();
        let repro = |n: &SyntaxNode| {
            let text = n.text().to_string();
            REPRO_WORDS.iter().any(|w| text.contains(w))
        };
        if checks.iter().any(repro) {
            return;
        }
        let (message, at) = match checks.first() {
            Some(c) => (
                "none of the flake's checks verifies reproducibility",
                range(c),
            ),
            None => {
                let outputs = file.root.descendants().find(|n| {
                    n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE && full_path(n) == ["outputs"]
                });
                let Some(outputs) = outputs else { return };
                (
                    "the flake has no checks, so none verifies reproducibility",
                    range(&outputs),
                )
            }
        };
        out.push(
            Finding::new(self, message)
                .at(file.rel, file.text, at)
                .help("add a check that rebuilds and compares, e.g. one running `nfai repro`"),
        );
    }
}

/// A binding that defines the flake's `checks` (`checks.x86_64-linux.a = …`, `checks = …`).
fn is_checks(node: &SyntaxNode) -> bool {
    let own = node
        .children()
        .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)
        .map(|k| attrpath_keys(&k))
        .unwrap_or_default();
    own.first().is_some_and(|k| k == "checks")
        && full_path(node).first().is_some_and(|k| k == "checks")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_without_a_reproducibility_check() {
        let none = "{ outputs = { self }: { packages.x86_64-linux.a = 1; }; }";
        let f = nix(&NoReproducibilityCheck, "flake.nix", none);
        assert!(f[0].message.contains("has no checks"), "{f:?}");
        let other = "{ outputs = { self }: {\n  checks.x86_64-linux.unit = 1;\n}; }";
        let f = nix(&NoReproducibilityCheck, "flake.nix", other);
        assert_eq!((f.len(), f[0].line()), (1, Some(2)));
    }

    #[test]
    fn a_check_that_rebuilds_is_enough() {
        let ok = "{ outputs = { self }: { checks.x86_64-linux.repro = run \"nfai repro ${self}#a\"; }; }";
        assert!(nix(&NoReproducibilityCheck, "flake.nix", ok).is_empty());
        let set = "{ outputs = { self }: { checks = { x86_64-linux.r = run \"nix build --rebuild .#a\"; }; }; }";
        assert!(nix(&NoReproducibilityCheck, "flake.nix", set).is_empty());
        assert!(nix(&NoReproducibilityCheck, "default.nix", "{ a = 1; }").is_empty());
    }
}
