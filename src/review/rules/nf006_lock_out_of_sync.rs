//! NF006: flake.lock does not match the inputs flake.nix declares.

use super::lock_command;
use crate::review::flake::{Flake, InputRef, Lock};
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule, Severity};

pub struct LockOutOfSync;

impl Rule for LockOutOfSync {
    fn code(&self) -> &'static str {
        "NF006"
    }
    fn name(&self) -> &'static str {
        "lock-out-of-sync"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "flake.lock does not match flake.nix: an input is declared but not locked, locked but no \
longer declared, its `follows` is not reflected in the lock, its GitHub owner/repo/branch \
differs from what the lock recorded, or the lock is not valid JSON. Checked offline, from the \
two files alone.

Why: a stale lock means the committed state is not what Nix will use: the next `nix build` \
rewrites the lock (or fails with `--no-write-lock-file` in CI).

Before:

    inputs.utils.url = \"github:numtide/flake-utils\";   # added, lock not updated

After:

    nix flake lock      # then commit flake.lock"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            let lock_rel = flake.path("flake.lock");
            match &flake.lock {
                None => {}
                Some(Err(e)) => out.push(
                    Finding::new(self, format!("{lock_rel} is not a valid lock file: {e}"))
                        .at(&lock_rel, repo.text(&lock_rel).unwrap_or(""), 0..0)
                        .command(lock_command(flake))
                        .related(flake.nix_rel.clone()),
                ),
                Some(Ok(lock)) => self.compare(flake, lock, out),
            }
        }
    }
}

impl LockOutOfSync {
    fn compare(&self, flake: &Flake, lock: &Lock, out: &mut Vec<Finding>) {
        let locked = lock.root_inputs();
        let mut at_nix = |input: &crate::nix::syntax::FlakeInput, message: String| {
            let r = input.at.clone().unwrap_or(0..0);
            out.push(
                Finding::new(self, message)
                    .at(&flake.nix_rel, &flake.text, r)
                    .help("re-lock and commit flake.lock with flake.nix")
                    .command(lock_command(flake))
                    .related(lock.rel.clone()),
            );
        };
        for input in flake.locked_inputs() {
            let Some(entry) = locked.get(&input.name) else {
                at_nix(
                    input,
                    format!(
                        "input `{}` is declared in {} but not locked",
                        input.name, flake.nix_rel
                    ),
                );
                continue;
            };
            if let Some(target) = &input.follows {
                if *entry != InputRef::Follows(split(target)) {
                    at_nix(
                        input,
                        format!(
                            "`inputs.{}.follows = \"{target}\"` is not in the lock",
                            input.name
                        ),
                    );
                }
                continue;
            }
            let InputRef::Node(node) = entry else {
                at_nix(
                    input,
                    format!(
                        "input `{}` follows another input in the lock but not in {}",
                        input.name, flake.nix_rel
                    ),
                );
                continue;
            };
            for (sub, target) in &input.nested_follows {
                if nested_entry(lock, node, sub) != Some(InputRef::Follows(split(target))) {
                    at_nix(
                        input,
                        format!(
                            "`inputs.{}.inputs.{}.follows = \"{target}\"` is not in the lock",
                            input.name,
                            sub.replace('/', ".inputs.")
                        ),
                    );
                }
            }
            if let Some(crate::nix::syntax::InputUrl { value: url, .. }) = &input.url {
                if let Some(why) = url_mismatch(
                    url,
                    &lock
                        .node(node)
                        .map_or(serde_json::Value::Null, |n| n["original"].clone()),
                ) {
                    at_nix(
                        input,
                        format!(
                            "input `{}` is `{url}` but the lock recorded {why}",
                            input.name
                        ),
                    );
                }
            }
        }
        for name in locked.keys().filter(|k| flake.input(k).is_none()) {
            let r = lock.node_range(lock.root_name());
            out.push(
                Finding::new(
                    self,
                    format!(
                        "{} locks input `{name}` that {} no longer declares",
                        lock.rel, flake.nix_rel
                    ),
                )
                .at(&lock.rel, &lock.text, r)
                .command(lock_command(flake))
                .related(flake.nix_rel.clone()),
            );
        }
    }
}

/// What the lock has for input path `sub` (`a/b`) below `node`.
fn nested_entry(lock: &Lock, node: &str, sub: &str) -> Option<InputRef> {
    let (parents, last) = sub.rsplit_once('/').unwrap_or(("", sub));
    let mut node = node.to_owned();
    for step in parents.split('/').filter(|s| !s.is_empty()) {
        node = match lock.inputs_of(&node).remove(step)? {
            InputRef::Node(n) => n,
            InputRef::Follows(p) => lock.resolve(&p)?,
        };
    }
    lock.inputs_of(&node).remove(last)
}

fn split(target: &str) -> Vec<String> {
    target
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// For `github:`/`gitlab:`/`sourcehut:` URLs: what differs from the lock's `original`.
fn url_mismatch(url: &str, original: &serde_json::Value) -> Option<String> {
    let (scheme, rest) = url.split_once(':')?;
    if !matches!(scheme, "github" | "gitlab" | "sourcehut") {
        return None;
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut parts = path.splitn(3, '/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    let reference = parts
        .next()
        .or_else(|| query.split('&').find_map(|kv| kv.strip_prefix("ref=")));
    let field = |k: &str| original[k].as_str().unwrap_or("");
    if field("type") != scheme {
        return Some(format!("type `{}`", field("type")));
    }
    if !field("owner").eq_ignore_ascii_case(owner) || !field("repo").eq_ignore_ascii_case(repo) {
        return Some(format!("`{}/{}`", field("owner"), field("repo")));
    }
    let locked_ref = original["ref"]
        .as_str()
        .or_else(|| original["rev"].as_str());
    match (reference, locked_ref) {
        (Some(a), Some(b)) if a != b => Some(format!("ref `{b}`")),
        (Some(a), None) => Some(format!("no ref (wanted `{a}`)")),
        (None, Some(b)) => Some(format!("ref `{b}`")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const LOCK: &str = r#"{"nodes": {
  "nixpkgs": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "a", "narHash": "h"}, "original": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "ref": "nixos-unstable"}},
  "utils": {"inputs": {"nixpkgs": ["nixpkgs"]}, "locked": {"type": "github", "owner": "numtide", "repo": "flake-utils", "rev": "b", "narHash": "h"}, "original": {"type": "github", "owner": "numtide", "repo": "flake-utils"}},
  "root": {"inputs": {"nixpkgs": "nixpkgs", "utils": "utils"}}},
 "root": "root", "version": 7}"#;

    const IN_SYNC: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.utils = { url = "github:numtide/flake-utils"; inputs.nixpkgs.follows = "nixpkgs"; };
  outputs = { self, nixpkgs, utils }: { };
}"#;

    #[test]
    fn a_matching_lock_is_fine() {
        assert!(repo(
            &LockOutOfSync,
            &[("flake.nix", IN_SYNC), ("flake.lock", LOCK)]
        )
        .is_empty());
    }

    #[test]
    fn an_unused_undeclared_argument_is_not_an_input_to_lock() {
        let unused = IN_SYNC.replace("utils }: { }", "utils, extra }: { }");
        assert!(repo(
            &LockOutOfSync,
            &[("flake.nix", &unused), ("flake.lock", LOCK)]
        )
        .is_empty());
        let used = IN_SYNC.replace("utils }: { }", "utils, extra }: { e = extra; }");
        assert_eq!(
            repo(
                &LockOutOfSync,
                &[("flake.nix", &used), ("flake.lock", LOCK)]
            )
            .len(),
            1
        );
    }

    #[test]
    fn fires_on_each_kind_of_drift() {
        let added = IN_SYNC.replace(
            "  outputs",
            "  inputs.extra.url = \"github:o/extra\";\n  outputs",
        );
        let f = repo(
            &LockOutOfSync,
            &[("flake.nix", &added), ("flake.lock", LOCK)],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("`extra` is declared") && f[0].line() == Some(4),
            "{f:?}"
        );

        let removed = IN_SYNC.replace("  inputs.utils = { url = \"github:numtide/flake-utils\"; inputs.nixpkgs.follows = \"nixpkgs\"; };\n", "").replace(", utils", "");
        let f = repo(
            &LockOutOfSync,
            &[("flake.nix", &removed), ("flake.lock", LOCK)],
        );
        assert_eq!((f.len(), f[0].file.as_deref()), (1, Some("flake.lock")));

        let no_follows = IN_SYNC.replace(" inputs.nixpkgs.follows = \"nixpkgs\";", "");
        assert!(
            repo(
                &LockOutOfSync,
                &[("flake.nix", &no_follows), ("flake.lock", LOCK)]
            )
            .is_empty(),
            "dropping a follows is not drift we can see"
        );
        let deep = IN_SYNC.replace(
            "inputs.utils = {",
            "inputs.utils = { inputs.nixpkgs.inputs.x.follows = \"nixpkgs\";",
        );
        let f = repo(
            &LockOutOfSync,
            &[("flake.nix", &deep), ("flake.lock", LOCK)],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .starts_with("`inputs.utils.inputs.nixpkgs.inputs.x.follows = \"nixpkgs\"`"),
            "{}",
            f[0].message
        );
        // Deep and in the lock: fine.
        let deep = IN_SYNC.replace(
            "inputs.utils = {",
            "inputs.utils = { inputs.a.inputs.b.follows = \"nixpkgs\";",
        );
        let lock = LOCK
            .replace(
                r#""inputs": {"nixpkgs": ["nixpkgs"]}"#,
                r#""inputs": {"nixpkgs": ["nixpkgs"], "a": "a"}"#,
            )
            .replace(
                r#""root": {"#,
                r#""a": {"inputs": {"b": ["nixpkgs"]}, "locked": {"type": "github", "owner": "o", "repo": "a", "rev": "c", "narHash": "h"}, "original": {"type": "github", "owner": "o", "repo": "a"}},
  "root": {"#,
            );
        assert!(repo(
            &LockOutOfSync,
            &[("flake.nix", &deep), ("flake.lock", &lock)]
        )
        .is_empty());
        let new_follows = IN_SYNC.replace(
            "inputs.utils = {",
            "inputs.utils = { inputs.systems.follows = \"nixpkgs\";",
        );
        assert_eq!(
            repo(
                &LockOutOfSync,
                &[("flake.nix", &new_follows), ("flake.lock", LOCK)]
            )
            .len(),
            1
        );

        let branch = IN_SYNC.replace("nixos-unstable", "nixos-24.05");
        assert!(repo(
            &LockOutOfSync,
            &[("flake.nix", &branch), ("flake.lock", LOCK)]
        )[0]
        .message
        .contains("ref `nixos-unstable`"));
        assert_eq!(
            repo(
                &LockOutOfSync,
                &[("flake.nix", IN_SYNC), ("flake.lock", "{ nope")]
            )
            .len(),
            1
        );
    }
}
