//! NF008: several copies of nixpkgs in the lock where a `follows` would do.

use std::collections::BTreeSet;

use crate::nix::edit::TextEdit;
use crate::nix::syntax::{attrpath_keys, indent_at, line_end, node_at, range, Kind};
use crate::review::flake::{Flake, InputRef, Lock};
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
flake.lock), directly or through its own inputs (`home-manager -> nixpkgs_2`, \
`hyprland -> hyprutils -> nixpkgs_3`), although the flake has a nixpkgs input it could follow.

Why: every copy of nixpkgs is another large download and evaluation, and packages from two \
nixpkgs revisions mixed in one closure are a classic source of subtle breakage. One pinned \
nixpkgs is the project's state.

Before:

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";
    inputs.utils.url = \"github:numtide/flake-utils\";

After (`nfai review --fix` adds the line; then run `nix flake lock`):

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";
    inputs.utils.url = \"github:numtide/flake-utils\";
    inputs.utils.inputs.nixpkgs.follows = \"nixpkgs\";

A copy deeper down is followed by its path: \
`inputs.hyprland.inputs.hyprutils.inputs.nixpkgs.follows = \"nixpkgs\";`. With several nixpkgs \
inputs, the one on the copy's release is followed. The finding points at the input's \
declaration in flake.nix, or at its node in flake.lock when flake.nix has none.

Releases: an input on a release branch (`release-24.05`, `nixos-24.05`, \
`nixpkgs-24.05-darwin`) is written for that nixpkgs release. Pointing it at an unstable \
nixpkgs (`nixos-unstable`, `nixpkgs-unstable`, `master`), or an unstable input at a release, \
mixes releases: the finding says so and `--fix` leaves that follows to you."
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            let roots = lock.root_inputs();
            // The root's own nixpkgs inputs, with the nodes they resolve to.
            let ours: Vec<(&str, String)> = roots
                .iter()
                .filter_map(|(name, r)| {
                    let node = match r {
                        InputRef::Node(n) => n.clone(),
                        InputRef::Follows(p) => lock.resolve(p)?,
                    };
                    lock.is_nixpkgs(&node).then_some((name.as_str(), node))
                })
                .collect();
            if ours.is_empty() {
                continue;
            }
            for (input, r) in &roots {
                let InputRef::Node(top) = r else { continue };
                if ours.iter().any(|(_, n)| n == top) {
                    continue;
                }
                for copy in copies(lock, top, &ours) {
                    if let Some(f) = self.finding(flake, lock, (input, top), &copy, &ours) {
                        out.push(f);
                    }
                }
            }
        }
    }
}

/// A copy of nixpkgs below a root input: the input path to it from that input (`["nixpkgs"]`,
/// `["hyprutils", "nixpkgs"]`), its node, and the release it is for.
struct Copy {
    path: Vec<String>,
    node: String,
    release: Option<Release>,
}

/// The release a nixpkgs copy is for, and the ref that says so.
struct Release {
    channel: Channel,
    reference: String,
    /// Said by the input that brings the copy (home-manager's `release-24.05`): its code
    /// is written for that release. Otherwise by the copy's own ref only.
    of_input: bool,
}

/// The nixpkgs copies reached from node `top` through locked (not followed) inputs.
fn copies(lock: &Lock, top: &str, ours: &[(&str, String)]) -> Vec<Copy> {
    let mut found = Vec::new();
    let mut seen = BTreeSet::from([top.to_owned()]);
    // (node, input path to it, the nodes above it)
    let mut stack = vec![(top.to_owned(), Vec::<String>::new(), vec![top.to_owned()])];
    while let Some((node, path, above)) = stack.pop() {
        for (sub, target) in lock.inputs_of(&node) {
            let InputRef::Node(child) = target else {
                continue;
            };
            let mut child_path = path.clone();
            child_path.push(sub);
            if lock.is_nixpkgs(&child) {
                if !ours.iter().any(|(_, n)| *n == child) {
                    // An input's `master` is its own main branch, not a nixpkgs release.
                    let of_input = above
                        .iter()
                        .rev()
                        .find_map(|n| ref_channel(lock, n).filter(|(_, r)| r != "master"));
                    let release = match of_input {
                        Some((channel, reference)) => Some(Release {
                            channel,
                            reference,
                            of_input: true,
                        }),
                        None => ref_channel(lock, &child).map(|(channel, reference)| Release {
                            channel,
                            reference,
                            of_input: false,
                        }),
                    };
                    found.push(Copy {
                        path: child_path,
                        node: child,
                        release,
                    });
                }
            } else if seen.insert(child.clone()) {
                let mut child_above = above.clone();
                child_above.push(child.clone());
                stack.push((child, child_path, child_above));
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The release a lock node tracks by the ref it was asked for, when that ref names one.
fn ref_channel(lock: &Lock, node: &str) -> Option<(Channel, String)> {
    let reference = lock.node(node)?["original"]["ref"].as_str()?;
    Some((channel(reference)?, reference.to_owned()))
}

/// The release a nixpkgs of the root tracks: asked for without a ref (or rev), it follows
/// its default branch, master.
fn root_channel(lock: &Lock, node: &str) -> Option<(Channel, String)> {
    ref_channel(lock, node).or_else(|| {
        let original = &lock.node(node)?["original"];
        (original["ref"].is_null() && original["rev"].is_null())
            .then(|| (Channel::Unstable, "master".to_owned()))
    })
}

/// A nixpkgs release line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Channel {
    Unstable,
    /// `24.05`
    Release(String),
}

/// The release a branch name tracks: nixpkgs' (`nixos-24.05`, `nixpkgs-24.05-darwin`,
/// `nixos-unstable`, `master`) and the `release-24.05` branches that home-manager, nix-darwin
/// and others keep in step with it.
fn channel(reference: &str) -> Option<Channel> {
    let parts: Vec<&str> = reference.split('-').collect();
    if reference == "master" || parts.contains(&"unstable") {
        return Some(Channel::Unstable);
    }
    parts
        .iter()
        .find(|p| {
            p.split_once('.').is_some_and(|(y, m)| {
                y.len() == 2
                    && m.len() == 2
                    && y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
            })
        })
        .map(|v| Channel::Release((*v).to_owned()))
}

impl DuplicateNixpkgs {
    fn finding(
        &self,
        flake: &Flake,
        lock: &Lock,
        (input, top): (&str, &str),
        copy: &Copy,
        ours: &[(&str, String)],
    ) -> Option<Finding> {
        let decl = flake.input(input).filter(|i| !i.implicit);
        let keys = follows_keys(input, &copy.path);
        // A follows flake.nix already has is stale in the lock: NF006 says so, and the
        // same line added again would be a duplicate attribute.
        if decl.is_some() && declared(flake, &keys) {
            return None;
        }
        // Follow the root nixpkgs on the copy's release, else the one called nixpkgs.
        let (target, target_node) = ours
            .iter()
            .find(|(_, n)| {
                copy.release
                    .as_ref()
                    .is_some_and(|r| root_channel(lock, n).is_some_and(|(c, _)| c == r.channel))
            })
            .or_else(|| ours.iter().find(|(name, _)| *name == "nixpkgs"))
            .or_else(|| ours.first())?;
        let through = if copy.path.len() > 1 {
            format!(
                ", through `{input}/{}`",
                copy.path[..copy.path.len() - 1].join("/")
            )
        } else {
            String::new()
        };
        let mut f = Finding::new(
            self,
            format!(
                "input `{input}` brings its own nixpkgs (lock node `{}`{through}) instead of following `{target}`",
                copy.node
            ),
        )
        .command(super::lock_command(flake));
        f = match decl.and_then(|d| d.at.clone()) {
            Some(at) => f
                .at(&flake.nix_rel, &flake.text, at)
                .related(lock.rel.clone()),
            None => f
                .at(&lock.rel, &lock.text, lock.node_range(top))
                .related(flake.nix_rel.clone()),
        };
        let line = format!("{} = \"{target}\";", keys.join("."));
        let mixed = copy.release.as_ref().zip(root_channel(lock, target_node));
        match mixed {
            // The input's code is written for its release: following another one is a
            // decision for its owner, not a fix to apply unseen.
            Some((theirs, (mine, my_ref))) if theirs.channel != mine && theirs.of_input => {
                return Some(f.help(format!(
                    "`{line}` would point `{input}`, which is on `{}`, at `{target}` on `{my_ref}`: that mixes releases; move `{input}` to the branch for `{my_ref}`, or give it a nixpkgs input on its release to follow",
                    theirs.reference
                )));
            }
            Some((theirs, (mine, my_ref))) if theirs.channel != mine => {
                f = f.help(format!(
                    "its nixpkgs tracks `{}` and `{target}` tracks `{my_ref}`: following it mixes releases, so check that `{input}` works with `{my_ref}`",
                    theirs.reference
                ));
            }
            _ => {}
        }
        let fix = decl
            .and_then(|d| d.at.clone())
            .and_then(|at| node_at(&flake.root(), at, Kind::NODE_ATTRPATH_VALUE))
            .and_then(|node| follows_edit(flake, &node, &keys, target));
        Some(match fix {
            Some(edit) => f.fix(format!("add `{line}`"), vec![edit]),
            None => {
                let add = format!("add `{line}` to flake.nix");
                let help = match f.help.take() {
                    Some(mixing) => format!("{add}; {mixing}"),
                    None => add,
                };
                f.help(help)
            }
        })
    }
}

/// `inputs.<input>.inputs.<a>.inputs.<b>.follows`: the binding that makes the copy at
/// `path` below `input` follow a root input.
fn follows_keys(input: &str, path: &[String]) -> Vec<String> {
    let mut keys = vec!["inputs".to_owned(), input.to_owned()];
    for p in path {
        keys.extend(["inputs".to_owned(), p.clone()]);
    }
    keys.push("follows".to_owned());
    keys
}

/// Whether flake.nix binds `keys`, in whatever nesting.
fn declared(flake: &Flake, keys: &[String]) -> bool {
    crate::nix::syntax::body_attrset(&flake.root()).is_some_and(|top| {
        crate::nix::syntax::bindings(&top)
            .iter()
            .any(|b| b.path == keys)
    })
}

/// Inserts the follows binding next to the binding that declares the input, written
/// relative to the attrset that binding is in (`inputs.x...` at the top, `x...` inside
/// `inputs = { }`); when the input is declared as a set (`x = { url = ...; };`), as its
/// last binding (`inputs.y.follows`).
fn follows_edit(
    flake: &Flake,
    declaration: &rnix::SyntaxNode,
    wanted: &[String],
    target: &str,
) -> Option<TextEdit> {
    let binding = &declaration
        .children()
        .nth(1)
        .filter(|v| v.kind() == Kind::NODE_ATTR_SET)
        .and_then(|set| {
            set.children()
                .filter(|c| c.kind() == Kind::NODE_ATTRPATH_VALUE)
                .last()
        })
        .unwrap_or_else(|| declaration.clone());
    let own = attrpath_keys(
        &binding
            .children()
            .find(|c| c.kind() == Kind::NODE_ATTRPATH)?,
    );
    let full = crate::nix::syntax::full_path(binding);
    let base = full.len().checked_sub(own.len())?;
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

    /// A lock node line: `name` locked from `owner/repo` at `reference`, with `inputs`.
    fn node(name: &str, owner: &str, repo: &str, reference: Option<&str>, inputs: &str) -> String {
        let r = reference.map_or(String::new(), |r| format!(r#", "ref": "{r}""#));
        format!(
            r#""{name}": {{"inputs": {{{inputs}}}, "locked": {{"type": "github", "owner": "{owner}", "repo": "{repo}", "rev": "r", "narHash": "h"}}, "original": {{"type": "github", "owner": "{owner}", "repo": "{repo}"{r}}}}}"#
        )
    }

    fn lock_of(nodes: &[String], root: &str) -> String {
        format!(
            "{{\"nodes\": {{\n  {},\n  \"root\": {{\"inputs\": {{{root}}}}}\n}}, \"root\": \"root\", \"version\": 7}}",
            nodes.join(",\n  ")
        )
    }

    #[test]
    fn finds_copies_deep_in_an_inputs_own_inputs() {
        let lock = lock_of(
            &[
                node("nixpkgs", "NixOS", "nixpkgs", Some("nixos-unstable"), ""),
                node(
                    "hyprland",
                    "hyprwm",
                    "Hyprland",
                    None,
                    r#""hyprutils": "hyprutils", "nixpkgs": ["nixpkgs"]"#,
                ),
                node(
                    "hyprutils",
                    "hyprwm",
                    "hyprutils",
                    None,
                    r#""nixpkgs": "nixpkgs_2""#,
                ),
                node("nixpkgs_2", "NixOS", "nixpkgs", Some("nixos-unstable"), ""),
            ],
            r#""hyprland": "hyprland", "nixpkgs": "nixpkgs""#,
        );
        let flake = "{\n  inputs = {\n    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n    hyprland = {\n      url = \"github:hyprwm/Hyprland\";\n      inputs.nixpkgs.follows = \"nixpkgs\";\n    };\n  };\n  outputs = _: { };\n}\n";
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].message,
            "input `hyprland` brings its own nixpkgs (lock node `nixpkgs_2`, through `hyprland/hyprutils`) instead of following `nixpkgs`"
        );
        assert_eq!(f[0].line(), Some(4), "the input's declaration");
        let out = fixed(flake, &f[0]);
        assert!(
            out.contains(
                "      inputs.nixpkgs.follows = \"nixpkgs\";\n      inputs.hyprutils.inputs.nixpkgs.follows = \"nixpkgs\";\n    };"
            ),
            "{out}"
        );
        assert!(crate::nix::syntax::parse(&out).errors().is_empty());

        // Once flake.nix has the line, the stale lock is NF006's finding, not this one's.
        assert!(repo(
            &DuplicateNixpkgs,
            &[("flake.nix", &out), ("flake.lock", &lock)]
        )
        .is_empty());
    }

    #[test]
    fn says_when_a_follows_would_mix_releases() {
        let hm = |root_inputs: &str, extra: Vec<String>| {
            let mut nodes = vec![
                node("nixpkgs", "NixOS", "nixpkgs", Some("nixos-unstable"), ""),
                node(
                    "home-manager",
                    "nix-community",
                    "home-manager",
                    Some("release-24.05"),
                    r#""nixpkgs": "nixpkgs_2""#,
                ),
                node("nixpkgs_2", "NixOS", "nixpkgs", Some("nixos-24.05"), ""),
            ];
            nodes.extend(extra);
            lock_of(&nodes, root_inputs)
        };
        let flake = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n  inputs.home-manager.url = \"github:nix-community/home-manager/release-24.05\";\n  outputs = _: { };\n}\n";
        let lock = hm(
            r#""home-manager": "home-manager", "nixpkgs": "nixpkgs""#,
            vec![],
        );
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.is_none(), "not applied unseen");
        assert_eq!(
            f[0].help.as_deref(),
            Some("`inputs.home-manager.inputs.nixpkgs.follows = \"nixpkgs\";` would point `home-manager`, which is on `release-24.05`, at `nixpkgs` on `nixos-unstable`: that mixes releases; move `home-manager` to the branch for `nixos-unstable`, or give it a nixpkgs input on its release to follow")
        );

        // A nixpkgs input on the same release is the one to follow.
        let stable = flake.replace(
            "  outputs",
            "  inputs.nixpkgs-stable.url = \"github:NixOS/nixpkgs/nixos-24.05\";\n  outputs",
        );
        let lock = hm(
            r#""home-manager": "home-manager", "nixpkgs": "nixpkgs", "nixpkgs-stable": "nixpkgs-stable""#,
            vec![node(
                "nixpkgs-stable",
                "NixOS",
                "nixpkgs",
                Some("nixos-24.05"),
                "",
            )],
        );
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", &stable), ("flake.lock", &lock)],
        );
        assert_eq!((f.len(), f[0].help.as_deref()), (1, None), "{f:?}");
        assert!(fixed(&stable, &f[0])
            .contains("inputs.home-manager.inputs.nixpkgs.follows = \"nixpkgs-stable\";\n"));

        // The reverse: an input without a release of its own whose copy is on unstable,
        // against a flake on a release. Still one nixpkgs, so fixed, with the caveat said.
        let lock = lock_of(
            &[
                node("nixpkgs", "NixOS", "nixpkgs", Some("nixos-24.05"), ""),
                node(
                    "treefmt",
                    "numtide",
                    "treefmt-nix",
                    // Its own main branch, which says nothing about nixpkgs releases.
                    Some("master"),
                    r#""nixpkgs": "nixpkgs_2""#,
                ),
                node(
                    "nixpkgs_2",
                    "NixOS",
                    "nixpkgs",
                    Some("nixpkgs-unstable"),
                    "",
                ),
            ],
            r#""nixpkgs": "nixpkgs", "treefmt": "treefmt""#,
        );
        let flake = "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.05\";\n  inputs.treefmt.url = \"github:numtide/treefmt-nix/master\";\n  outputs = _: { };\n}\n";
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)],
        );
        assert!(f[0].fix.is_some());
        assert!(
            f[0].help.as_deref().unwrap().contains(
                "its nixpkgs tracks `nixpkgs-unstable` and `nixpkgs` tracks `nixos-24.05`: following it mixes releases"
            ),
            "{f:?}"
        );
    }

    #[test]
    fn without_a_declaration_the_inputs_lock_node_is_shown() {
        // `hm` is an argument of outputs only: there is no line of flake.nix about it.
        let lock = lock_of(
            &[
                node(
                    "hm",
                    "nix-community",
                    "home-manager",
                    None,
                    r#""nixpkgs": "nixpkgs_2""#,
                ),
                node("nixpkgs", "NixOS", "nixpkgs", None, ""),
                node("nixpkgs_2", "NixOS", "nixpkgs", None, ""),
            ],
            r#""hm": "hm", "nixpkgs": "nixpkgs""#,
        );
        let flake = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = { self, nixpkgs, hm }: { }; }";
        let f = repo(
            &DuplicateNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)],
        );
        assert_eq!((f.len(), f[0].file.as_deref()), (1, Some("flake.lock")));
        assert_eq!(f[0].line(), Some(2), "`hm`'s node");
        assert!(f[0].fix.is_none());
        assert_eq!(
            f[0].help.as_deref(),
            Some("add `inputs.hm.inputs.nixpkgs.follows = \"nixpkgs\";` to flake.nix")
        );
    }

    #[test]
    fn release_names() {
        let release = |v: &str| Some(Channel::Release(v.to_owned()));
        assert_eq!(channel("nixos-24.05"), release("24.05"));
        assert_eq!(channel("nixos-24.05-small"), release("24.05"));
        assert_eq!(channel("release-24.11"), release("24.11"));
        assert_eq!(channel("nixpkgs-24.05-darwin"), release("24.05"));
        for u in [
            "nixos-unstable",
            "nixpkgs-unstable",
            "nixos-unstable-small",
            "master",
        ] {
            assert_eq!(channel(u), Some(Channel::Unstable), "{u}");
        }
        assert_eq!(channel("main"), None);
        assert_eq!(channel("v1.2.3"), None);
    }
}
