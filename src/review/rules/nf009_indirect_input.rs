//! NF009: a flake input resolved through the flake registry.

use crate::nix::edit::TextEdit;
use crate::nix::syntax::{range, string_content_range};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct IndirectInput;

const NIXPKGS: &str = "github:NixOS/nixpkgs";

impl Rule for IndirectInput {
    fn code(&self) -> &'static str {
        "NF009"
    }
    fn name(&self) -> &'static str {
        "indirect-input"
    }
    fn doc(&self) -> &'static str {
        "A flake input is an indirect (registry) reference: `nixpkgs`, `flake:nixpkgs`, \
`nixpkgs/nixos-24.05`, or an argument of `outputs` that `inputs` does not declare at all. Nix \
resolves those through the user's flake registry, which differs between machines.

Why: what a flake builds must be decided by its files, not by the registry of whoever runs it.

Before:

    inputs.nixpkgs.url = \"nixpkgs\";

After (`nfai review --fix` does this for nixpkgs):

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";"
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            for input in &flake.inputs {
                if input.implicit {
                    let r = input.node.as_ref().map_or(0..0, range);
                    out.push(
                        Finding::new(self, format!("`{}` is an argument of outputs but not an input: Nix takes it from the flake registry", input.name))
                            .at(&flake.nix_rel, &flake.text, r)
                            .help(format!("declare it: `inputs.{}.url = \"...\";`", input.name)),
                    );
                    continue;
                }
                let Some((url, node)) = &input.url else {
                    continue;
                };
                let Some(id) = indirect_id(url) else { continue };
                let mut f = Finding::new(
                    self,
                    format!("input `{}` is the registry reference `{url}`", input.name),
                )
                .at(&flake.nix_rel, &flake.text, range(node));
                let (id, branch) = id.split_once('/').unwrap_or((id, "nixos-unstable"));
                match string_content_range(node) {
                    Some(content) if id == "nixpkgs" => {
                        let pinned = format!("{NIXPKGS}/{branch}");
                        f = f.fix(
                            format!("use `{pinned}`"),
                            vec![TextEdit::replace(&flake.nix_rel, content, pinned)],
                        );
                        f = f.command(super::update_input_command(ctx, flake, &input.name));
                    }
                    _ => f = f.help("use a direct URL (`github:owner/repo`, `git+https://...`)"),
                }
                out.push(f);
            }
        }
    }
}

/// The registry id (with an optional `/ref`) of an indirect flake reference.
fn indirect_id(url: &str) -> Option<&str> {
    if let Some(id) = url.strip_prefix("flake:") {
        return Some(id);
    }
    let first = url.split('/').next()?;
    let is_id = !url.contains(':')
        && !first.is_empty()
        && !first.starts_with('.')
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    is_id.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    #[test]
    fn fires_and_fixes_registry_references() {
        let flake = "{\n  # pinned later\n  inputs.nixpkgs.url = \"nixpkgs\";\n  inputs.other.url = \"flake:home-manager\";\n  outputs = { self, nixpkgs, other, utils }: { };\n}\n";
        let f = repo(&IndirectInput, &[("flake.nix", flake)]);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(fixed(flake, &f[0]).contains(
            "# pinned later\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";"
        ));
        assert!(f[1].fix.is_none() && f[2].message.contains("`utils`"));
        assert_eq!(
            indirect_id("nixpkgs/nixos-24.05"),
            Some("nixpkgs/nixos-24.05")
        );
    }

    #[test]
    fn direct_references_are_fine() {
        let flake = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; inputs.sub.url = \"path:./sub\"; inputs.local.url = \"./local\"; outputs = { self, nixpkgs, sub, local, ... }: { }; }";
        assert!(repo(&IndirectInput, &[("flake.nix", flake)]).is_empty());
    }
}
