//! NF011: a flake whose outputs are hard-coded to one system.

use rnix::{SyntaxKind, SyntaxNode};

use super::is_system;
use crate::nix::syntax::{call_head, full_path, range, select_path, string_literal};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct SingleSystem;

/// Outputs that are keyed by system.
const PER_SYSTEM: &[&str] = &[
    "packages",
    "devShells",
    "devShell",
    "checks",
    "apps",
    "formatter",
    "legacyPackages",
    "defaultPackage",
];
/// Words that show the flake enumerates systems on purpose.
const MULTI: &[&str] = &[
    "genAttrs",
    "eachSystem",
    "eachDefaultSystem",
    "forAllSystems",
    "forEachSystem",
    "mkFlake",
    "allSystems",
    "supportedSystems",
];
/// Calls whose `system` is a single machine's, legitimately.
const MACHINE: &[&str] = &[
    "nixosSystem",
    "darwinSystem",
    "homeManagerConfiguration",
    "nixosConfigurations",
    "darwinConfigurations",
    "homeConfigurations",
];

impl Rule for SingleSystem {
    fn code(&self) -> &'static str {
        "NF011"
    }
    fn name(&self) -> &'static str {
        "single-system"
    }
    fn doc(&self) -> &'static str {
        "A flake's per-system outputs are written for one hard-coded system \
(`packages.x86_64-linux.default`, `let system = \"x86_64-linux\"; in`, \
`nixpkgs.legacyPackages.x86_64-linux`) without enumerating systems (`genAttrs`, flake-utils' \
`eachDefaultSystem`, flake-parts). Machine configurations (`nixosSystem`, \
`nixosConfigurations`) are exempt: a machine has one system; so are flake templates, which \
users edit for their own system.

Why: a Nix-first project builds for every platform its developers and CI use; a hard-coded \
system makes `nix develop` fail on an ARM Mac with \"does not provide attribute\".

Before:

    outputs = { nixpkgs, ... }: {
      packages.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.hello;
    };

After:

    outputs = { nixpkgs, ... }:
      let forAllSystems = nixpkgs.lib.genAttrs [ \"x86_64-linux\" \"aarch64-linux\" \"aarch64-darwin\" ];
      in { packages = forAllSystems (system: { default = nixpkgs.legacyPackages.${system}.hello; }); };"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in repo.flakes.iter().filter(|f| !repo.is_template(f)) {
            check(self, &flake.nix_rel, &flake.text, &flake.root(), out);
        }
    }
}

/// Checks one flake.nix.
fn check(rule: &SingleSystem, rel: &str, text: &str, root: &SyntaxNode, out: &mut Vec<Finding>) {
    if MULTI.iter().any(|w| text.contains(w)) {
        return;
    }
    let mut systems: Vec<String> = Vec::new();
    let mut first: Option<(SyntaxNode, String)> = None;
    let bound = bound_system_names(root);
    for node in root.descendants() {
        let (keys, hit) = match node.kind() {
            SyntaxKind::NODE_ATTRPATH_VALUE => (full_path(&node), true),
            SyntaxKind::NODE_SELECT => (select_path(&node).unwrap_or_default(), true),
            _ => (Vec::new(), false),
        };
        if !hit || machine_config(&node) {
            continue;
        }
        for pair in keys.windows(2) {
            let system = match pair[1].strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
                Some(var) => bound.iter().find(|(n, _)| n == var).map(|(_, s)| s.clone()),
                None => Some(pair[1].clone()).filter(|s| is_system(s)),
            };
            if let Some(system) = system.filter(|_| PER_SYSTEM.contains(&pair[0].as_str())) {
                if !systems.contains(&system) {
                    systems.push(system.clone());
                }
                first.get_or_insert((node.clone(), system));
            }
        }
    }
    if systems.len() != 1 {
        return; // none, or several written out by hand
    }
    let Some((node, system)) = first else { return };
    out.push(
        Finding::new(rule, format!("flake outputs are hard-coded to `{system}`"))
            .at(rel, text, range(&node))
            .help("enumerate systems: `nixpkgs.lib.genAttrs [ \"x86_64-linux\" \"aarch64-linux\" \"aarch64-darwin\" ]` (or flake-utils' eachDefaultSystem)"),
    );
}

/// `system = "x86_64-linux"` bindings (let or attrs) outside machine configurations.
fn bound_system_names(root: &SyntaxNode) -> Vec<(String, String)> {
    root.descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE && !machine_config(n))
        .filter_map(|n| {
            let keys = full_path(&n);
            let value = string_literal(&n.children().nth(1)?)?;
            (keys.len() == 1 && is_system(&value)).then(|| (keys[0].clone(), value))
        })
        .collect()
}

/// Whether `node` is inside a NixOS/darwin/home-manager machine configuration.
fn machine_config(node: &SyntaxNode) -> bool {
    node.ancestors().any(|a| match a.kind() {
        SyntaxKind::NODE_APPLY => call_head(&a).is_some_and(|h| MACHINE.contains(&h.as_str())),
        SyntaxKind::NODE_ATTRPATH_VALUE => {
            full_path(&a).iter().any(|k| MACHINE.contains(&k.as_str()))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    #[test]
    fn fires_on_one_hard_coded_system() {
        let f = repo(&SingleSystem, &[("flake.nix", "{ outputs = { nixpkgs, ... }: {\n  packages.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.hello;\n}; }")]);
        assert_eq!((f.len(), f[0].line()), (1, Some(2)));
        let f = repo(&SingleSystem, &[("flake.nix", "{ outputs = { nixpkgs, ... }: let system = \"aarch64-darwin\"; in { devShells.${system}.default = 1; }; }")]);
        assert!(f[0].message.contains("aarch64-darwin"));
    }

    #[test]
    fn enumerated_systems_and_machines_are_fine() {
        let gen = "{ outputs = { nixpkgs, ... }: let forAllSystems = nixpkgs.lib.genAttrs [ \"x86_64-linux\" ]; in { packages = forAllSystems (s: { }); }; }";
        assert!(repo(&SingleSystem, &[("flake.nix", gen)]).is_empty());
        let two =
            "{ outputs = _: { packages.x86_64-linux.a = 1; packages.aarch64-darwin.a = 1; }; }";
        assert!(repo(&SingleSystem, &[("flake.nix", two)]).is_empty());
        let machine = "{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { system = \"x86_64-linux\"; modules = [ ]; }; }; }";
        assert!(repo(&SingleSystem, &[("flake.nix", machine)]).is_empty());
        assert!(repo(
            &SingleSystem,
            &[("default.nix", "{ packages.x86_64-linux.a = 1; }")]
        )
        .is_empty());
    }

    #[test]
    fn templates_are_exempt() {
        // home-manager's standalone template: one system, for the user to edit.
        let template = "{ description = \"Home Manager configuration\"; outputs = { nixpkgs, ... }: { packages.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.hello; }; }";
        assert!(repo(
            &SingleSystem,
            &[("templates/standalone/flake.nix", template)]
        )
        .is_empty());
        assert_eq!(
            repo(&SingleSystem, &[("tools/flake.nix", template)]).len(),
            1
        );
    }
}
