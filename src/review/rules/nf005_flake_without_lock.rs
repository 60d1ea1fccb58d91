//! NF005: a flake with inputs but no flake.lock.

use super::lock_command;
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule, Severity};

pub struct FlakeWithoutLock;

impl Rule for FlakeWithoutLock {
    fn code(&self) -> &'static str {
        "NF005"
    }
    fn name(&self) -> &'static str {
        "flake-without-lock"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "A flake.nix declares inputs but there is no flake.lock next to it (or it is ignored by \
git), so every evaluation resolves the inputs anew, to whatever they point at that day. \
Flake templates (listed in a flake's `templates` output, or under a `templates/` directory \
with a `description`) are exempt: their lock is made when a user instantiates them.

Why: immutable project state: the lock pins every input to an exact revision and hash, and it \
is committed with the code it builds.

Before:

    flake.nix          # inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";

After:

    flake.nix
    flake.lock         # from `nix flake lock`, committed"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in repo
            .flakes
            .iter()
            .filter(|f| f.lock.is_none() && !repo.is_template(f))
        {
            let inputs: Vec<_> = flake.locked_inputs().collect();
            let Some(first) = inputs.first() else {
                continue;
            };
            let at = first.at.clone().unwrap_or(0..0);
            // Inputs all commented out: the flake has none of its own, only `outputs`
            // arguments that Nix takes from the registry.
            let message = if inputs.iter().all(|i| i.implicit) {
                let names: Vec<String> = inputs.iter().map(|i| format!("`{}`", i.name)).collect();
                format!(
                    "{} declares no inputs, but outputs takes {}: Nix takes them from the registry, and no flake.lock pins them",
                    flake.nix_rel,
                    names.join(", ")
                )
            } else {
                format!("{} has inputs but no flake.lock", flake.nix_rel)
            };
            out.push(
                Finding::new(self, message)
                    .at(&flake.nix_rel, &flake.text, at)
                    .help("create the lock and commit it")
                    .command(lock_command(flake))
                    .related(flake.path("flake.lock")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    #[test]
    fn fires_without_a_lock() {
        let flake = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = _: { };\n}\n";
        let f = repo(&FlakeWithoutLock, &[("sub/flake.nix", flake)]);
        assert_eq!((f.len(), f[0].line()), (1, Some(2)));
        assert_eq!(f[0].command.as_deref(), Some("nix flake lock ./sub"));
    }

    #[test]
    fn a_lock_or_no_inputs_is_fine() {
        let flake = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = _: { }; }";
        assert!(repo(
            &FlakeWithoutLock,
            &[("flake.nix", flake), ("flake.lock", "{}")]
        )
        .is_empty());
        assert!(repo(&FlakeWithoutLock, &[("flake.nix", "{ outputs = _: { }; }")]).is_empty());
    }

    #[test]
    fn commented_out_inputs_are_no_inputs() {
        let flake = "{\n  # inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { self, nixpkgs }: { lib = nixpkgs.lib; };\n}\n";
        let f = repo(&FlakeWithoutLock, &[("flake.nix", flake)]);
        assert_eq!(
            f[0].message,
            "flake.nix declares no inputs, but outputs takes `nixpkgs`: Nix takes them from the registry, and no flake.lock pins them"
        );
    }

    #[test]
    fn unused_arguments_need_no_lock() {
        // NF009 removes the argument; locking it would pin an input nobody uses.
        let flake = "{\n  # inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { self, nixpkgs }: { };\n}\n";
        assert!(repo(&FlakeWithoutLock, &[("flake.nix", flake)]).is_empty());
        let used = flake.replace("{ };", "{ lib = nixpkgs.lib; };");
        assert_eq!(repo(&FlakeWithoutLock, &[("flake.nix", &used)]).len(), 1);
    }

    #[test]
    fn templates_ship_without_a_lock() {
        // home-manager's and nix-darwin's shape: the root flake lists the template.
        let root = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = _: { templates.default = { path = ./examples/flake; description = \"x\"; }; }; }";
        let template = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = _: { }; }";
        let files = [
            ("flake.nix", root),
            ("flake.lock", "{}"),
            ("examples/flake/flake.nix", template),
        ];
        assert!(repo(&FlakeWithoutLock, &files).is_empty());
        // Under templates/ and describing itself, listed or not.
        let described = "{ description = \"A devenv flake\"; inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = _: { }; }";
        assert!(repo(
            &FlakeWithoutLock,
            &[("templates/rust/flake.nix", described)]
        )
        .is_empty());
        // Without a description it is an ordinary flake that lost its lock.
        assert_eq!(
            repo(&FlakeWithoutLock, &[("templates/rust/flake.nix", template)]).len(),
            1
        );
    }
}
