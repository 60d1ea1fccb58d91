//! NF008: several copies of nixpkgs in the lock where a `follows` would do.

use crate::nix::edit::TextEdit;
use crate::nix::syntax::{attrpath_keys, indent_at, line_end, range, Kind};
use crate::review::flake::{Flake, InputRef};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct DuplicateNixpkgs;

impl Rule for DuplicateNixpkgs {
    fn code(&self) -> &'static str {
        "NF008"
    }
    fn name(&self) -> &'static str {
        "duplicate-nixpkgs"
    }
    fn doc(&self) -> &'static str {
        "An input of the flake brings its own copy of nixpkgs (a second nixpkgs node in \
flake.lock) although the flake has a nixpkgs input it could follow.

Why: every copy of nixpkgs is another large download and evaluation, and packages from two \
nixpkgs revisions mixed in one closure are a classic source of subtle breakage. One pinned \
nixpkgs is the project's state.

Before:

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";
    inputs.utils.url = \"github:numtide/flake-utils\";

After (`nfai review --fix` adds the line; then run `nix flake lock`):

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";
    inputs.utils.url = \"github:numtide/flake-utils\";
    inputs.utils.inputs.nixpkgs.follows = \"nixpkgs\";"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            let roots = lock.root_inputs();
            let Some((ours, our_node)) = roots.iter().find_map(|(name, r)| match r {
                InputRef::Node(n) if lock.is_nixpkgs(n) => Some((name.clone(), n.clone())),
                _ => None,
            }) else {
                continue;
            };
            for (input, r) in &roots {
                let InputRef::Node(node) = r else { continue };
                for (sub, target) in lock.inputs_of(node) {
                    let InputRef::Node(copy) = target else {
                        continue;
                    };
                    if copy == our_node || !lock.is_nixpkgs(&copy) {
                        continue;
                    }
                    let Some(decl) = flake.input(input).filter(|i| !i.implicit) else {
                        continue;
                    };
                    let Some(node) = &decl.node else { continue };
                    let mut f = Finding::new(
                        self,
                        format!("input `{input}` brings its own nixpkgs (lock node `{copy}`) instead of following `{ours}`"),
                    )
                    .at(&flake.nix_rel, &flake.text, range(node))
                    .command(super::lock_command(flake))
                    .related(lock.rel.clone());
                    if let Some(edit) = follows_edit(flake, node, input, &sub, &ours) {
                        f = f.fix(
                            format!("add `inputs.{input}.inputs.{sub}.follows = \"{ours}\"`"),
                            vec![edit],
                        );
                    }
                    out.push(f);
                }
            }
        }
    }
}

/// Inserts the follows binding next to the binding that declares the input, written
/// relative to the attrset that binding is in (`inputs.x...` at the top, `x...` inside
/// `inputs = { }`).
fn follows_edit(
    flake: &Flake,
    binding: &rnix::SyntaxNode,
    input: &str,
    sub: &str,
    target: &str,
) -> Option<TextEdit> {
    let own = attrpath_keys(
        &binding
            .children()
            .find(|c| c.kind() == Kind::NODE_ATTRPATH)?,
    );
    let full = crate::nix::syntax::full_path(binding);
    let base = full.len().checked_sub(own.len())?;
    let wanted = ["inputs", input, "inputs", sub, "follows"];
    if !full[..base].iter().zip(wanted).all(|(a, b)| a == b) {
        return None;
    }
    let keys = wanted[base..].join(".");
    let end = range(binding).end;
    let text = &flake.text;
    let rest = &text[end..line_end(text, end)];
    if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
        let at = line_end(text, end);
        let newline = if at == text.len() && !text.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let indent = indent_at(text, range(binding).start);
        Some(TextEdit::insert(
            &flake.nix_rel,
            at,
            format!("{newline}{indent}{keys} = \"{target}\";\n"),
        ))
    } else {
        Some(TextEdit::insert(
            &flake.nix_rel,
            end,
            format!(" {keys} = \"{target}\";"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    const LOCK: &str = r#"{"nodes": {
  "nixpkgs": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "a", "narHash": "h"}, "original": {"type": "github", "owner": "NixOS", "repo": "nixpkgs"}},
  "nixpkgs_2": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "b", "narHash": "h"}, "original": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "ref": "nixos-unstable"}},
  "utils": {"inputs": {"nixpkgs": "nixpkgs_2"}, "locked": {"type": "github", "owner": "numtide", "repo": "flake-utils", "rev": "c", "narHash": "h"}, "original": {"type": "github", "owner": "numtide", "repo": "flake-utils"}},
  "root": {"inputs": {"nixpkgs": "nixpkgs", "utils": "utils"}}},
 "root": "root", "version": 7}"#;

    #[test]
    fn fires_and_fixes_with_a_follows_keeping_comments() {
        let flake = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  # the utils\n  inputs.utils.url = \"github:numtide/flake-utils\"; # keep\n  outputs = _: { };\n}\n";
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", LOCK)],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            fixed(flake, &f[0]),
            "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  # the utils\n  inputs.utils.url = \"github:numtide/flake-utils\"; # keep\n  inputs.utils.inputs.nixpkgs.follows = \"nixpkgs\";\n  outputs = _: { };\n}\n"
        );
        let nested = "{ inputs = { nixpkgs.url = \"github:NixOS/nixpkgs\"; utils.url = \"github:numtide/flake-utils\"; }; outputs = _: { }; }";
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", nested), ("flake.lock", LOCK)],
        );
        let out = fixed(nested, &f[0]);
        assert!(out.contains("utils.url = \"github:numtide/flake-utils\"; utils.inputs.nixpkgs.follows = \"nixpkgs\"; };"), "{out}");
        assert!(crate::nix::syntax::parse(&out).errors().is_empty());
    }

    #[test]
    fn a_followed_nixpkgs_is_fine() {
        let lock = LOCK.replace(
            "\"inputs\": {\"nixpkgs\": \"nixpkgs_2\"}",
            "\"inputs\": {\"nixpkgs\": [\"nixpkgs\"]}",
        );
        let flake = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; inputs.utils.url = \"github:numtide/flake-utils\"; outputs = _: { }; }";
        assert!(repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)]
        )
        .is_empty());
    }
}
