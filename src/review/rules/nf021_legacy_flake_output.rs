//! NF021: flake outputs under their pre-2022 names (`defaultPackage`, `devShell`, `overlay`…).

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::edit::TextEdit;
use crate::nix::syntax::{attrpath_keys, range};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct LegacyFlakeOutput;

/// Legacy name, current name, and whether the output is keyed by system.
const LEGACY: &[(&str, &str, bool)] = &[
    ("defaultPackage", "packages", true),
    ("defaultApp", "apps", true),
    ("devShell", "devShells", true),
    ("defaultBundler", "bundlers", true),
    ("overlay", "overlays", false),
    ("nixosModule", "nixosModules", false),
    ("defaultTemplate", "templates", false),
];

impl Rule for LegacyFlakeOutput {
    fn code(&self) -> &'static str {
        "NF021"
    }
    fn name(&self) -> &'static str {
        "legacy-flake-output"
    }
    fn doc(&self) -> &'static str {
        "A flake defines an output under its old name: `defaultPackage`, `defaultApp`, \
`devShell`, `defaultBundler`, `overlay`, `nixosModule` or `defaultTemplate` instead of \
`packages.<system>.default`, `apps.<system>.default`, `devShells.<system>.default`, \
`bundlers.<system>.default`, `overlays.default`, `nixosModules.default`, `templates.default`. \
`nix flake check` warns about them, and newer Nix and tools look for the new names only.

Why: the flake's interface is what users and CI build; it follows the current flake schema.

Before:

    devShell.x86_64-linux = pkgs.mkShell { };
    overlay = final: prev: { };

After (`nfai review --fix` does this when the new name is not taken):

    devShells.x86_64-linux.default = pkgs.mkShell { };
    overlays.default = final: prev: { };"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            for (set, per_system) in flake.output_sets() {
                check_set(self, &flake.nix_rel, &flake.text, &set, per_system, out);
            }
        }
    }
}

fn check_set(
    rule: &LegacyFlakeOutput,
    rel: &str,
    text: &str,
    set: &SyntaxNode,
    per_system: bool,
    out: &mut Vec<Finding>,
) {
    let entries: Vec<(SyntaxNode, Vec<String>)> = set
        .children()
        .filter(|c| c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        .filter_map(|b| {
            let keys = attrpath_keys(
                &b.children()
                    .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)?,
            );
            Some((b, keys))
        })
        .collect();
    for (binding, keys) in &entries {
        let Some(&(old, new, keyed)) = LEGACY.iter().find(|(o, _, _)| keys[0] == *o) else {
            continue;
        };
        let Some(attrpath) = binding
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)
        else {
            continue;
        };
        let key_nodes: Vec<SyntaxNode> = attrpath.children().collect();
        // How many keys the rename replaces, and the new path they become.
        let renamed: Option<(usize, Vec<String>)> = match (keyed && !per_system, keys.get(1)) {
            (false, _) => Some((1, vec![new.to_owned(), "default".to_owned()])),
            (true, Some(system)) => Some((
                2,
                vec![new.to_owned(), system.clone(), "default".to_owned()],
            )),
            (true, _) => None,
        };
        let shown = match (keyed && !per_system, keys.get(1)) {
            (true, Some(system)) => format!("{new}.{system}.default"),
            (true, None) => format!("{new}.<system>.default"),
            (false, _) => format!("{new}.default"),
        };
        let mut f = Finding::new(rule, format!("`{old}` is the old name of `{shown}`"))
            .at(rel, text, range(&key_nodes[0]))
            .help(format!("rename it to `{shown}`"));
        if let Some((n, path)) = renamed.filter(|(_, p)| !taken(&entries, binding, p)) {
            let span = range(&key_nodes[0]).start..range(&key_nodes[n - 1]).end;
            f = f.fix(
                format!("rename to `{}`", path.join(".")),
                vec![TextEdit::replace(rel, span, path.join("."))],
            );
        }
        out.push(f);
    }
}

/// Whether another binding of the set already defines `path`, or a prefix of it as
/// something other than an attrset literal (the renamed binding could not merge with it).
fn taken(entries: &[(SyntaxNode, Vec<String>)], own: &SyntaxNode, path: &[String]) -> bool {
    entries.iter().filter(|(b, _)| b != own).any(|(b, keys)| {
        let common = keys.iter().zip(path).take_while(|(a, b)| a == b).count();
        if common == 0 {
            return false;
        }
        let covers = common == path.len();
        let opaque_prefix = common == keys.len()
            && b.children()
                .nth(1)
                .is_none_or(|v| v.kind() != SyntaxKind::NODE_ATTR_SET);
        covers || opaque_prefix
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    fn run(flake: &str) -> Vec<Finding> {
        repo(&LegacyFlakeOutput, &[("flake.nix", flake)])
    }

    #[test]
    fn renames_legacy_outputs() {
        let flake = "{\n  outputs = { self, nixpkgs }: {\n    defaultPackage.x86_64-linux = self.packages.x86_64-linux.hello;\n    devShell.x86_64-linux = nixpkgs.legacyPackages.x86_64-linux.mkShell { };\n    overlay = final: prev: { };\n    nixosModule.imports = [ ];\n  };\n}\n";
        let f = run(flake);
        assert_eq!(f.len(), 4);
        assert_eq!(
            f[0].message,
            "`defaultPackage` is the old name of `packages.x86_64-linux.default`"
        );
        assert_eq!(f[0].line(), Some(3));
        let mut text = flake.to_owned();
        for finding in f.iter().rev() {
            text = fixed(&text, finding);
        }
        assert!(
            text.contains("    packages.x86_64-linux.default = self.packages"),
            "{text}"
        );
        assert!(
            text.contains("    devShells.x86_64-linux.default = nixpkgs"),
            "{text}"
        );
        assert!(
            text.contains("    overlays.default = final: prev: { };"),
            "{text}"
        );
        assert!(
            text.contains("    nixosModules.default.imports = [ ];"),
            "{text}"
        );
        assert!(crate::nix::syntax::parse(&text).errors().is_empty());
    }

    #[test]
    fn inside_each_default_system_the_system_level_is_implied() {
        let flake = "{ outputs = { nixpkgs, flake-utils, ... }: flake-utils.lib.eachDefaultSystem (system: let pkgs = nixpkgs.legacyPackages.${system}; in { devShell = pkgs.mkShell { }; }); }";
        let f = run(flake);
        assert_eq!(f.len(), 1);
        assert!(fixed(flake, &f[0]).contains("{ devShells.default = pkgs.mkShell { }; }"));
    }

    #[test]
    fn no_fix_when_the_new_name_is_taken_or_the_system_level_is_missing() {
        let taken = "{ outputs = { nixpkgs, ... }: { packages = forAllSystems (s: { }); defaultPackage.x86_64-linux = 1; }; }";
        let f = run(taken);
        assert!(f.len() == 1 && f[0].fix.is_none(), "{f:?}");
        let whole = "{ outputs = _: { defaultPackage = forAllSystems (s: 1); }; }";
        let f = run(whole);
        assert!(f.len() == 1 && f[0].fix.is_none());
        assert!(f[0].message.contains("packages.<system>.default"));
        // Dotted bindings merge: the fix is safe next to them.
        let merged = "{ outputs = _: { packages.x86_64-linux.hello = 1; defaultPackage.x86_64-linux = 1; }; }";
        assert!(run(merged)[0].fix.is_some());
    }

    #[test]
    fn current_names_and_non_flakes_are_fine() {
        assert!(run("{ outputs = _: { packages.x86_64-linux.default = 1; overlays.default = f: p: { }; devShells = { }; }; }").is_empty());
        assert!(repo(
            &LegacyFlakeOutput,
            &[("default.nix", "{ defaultPackage = 1; }")]
        )
        .is_empty());
        // A let binding named like an output is not an output.
        assert!(run(
            "{ outputs = _: let overlay = f: p: { }; in { overlays.default = overlay; }; }"
        )
        .is_empty());
    }
}
