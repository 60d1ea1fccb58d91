//! NF007: a lock entry that is not pinned to an immutable revision.

use super::update_input_command;
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct UnpinnedInput;

/// Lock types whose immutable identity is a revision.
const REVISIONED: &[&str] = &["github", "gitlab", "sourcehut", "git", "hg", "mercurial"];

impl Rule for UnpinnedInput {
    fn code(&self) -> &'static str {
        "NF007"
    }
    fn name(&self) -> &'static str {
        "unpinned-input"
    }
    fn doc(&self) -> &'static str {
        "An entry of flake.lock is not pinned: it has no `locked` section, a git-based input \
(github, gitlab, sourcehut, git, mercurial) has no `rev`, or any input has no `narHash`. Such \
an entry is re-resolved on the next evaluation.

Why: immutable project state: a lock entry must name exactly one revision, verified by hash.

Before (flake.lock):

    \"locked\": { \"type\": \"github\", \"owner\": \"o\", \"repo\": \"r\" }

After:

    \"locked\": { \"type\": \"github\", \"owner\": \"o\", \"repo\": \"r\", \"rev\": \"3f5c...\", \"narHash\": \"sha256-...\" }"
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            for (name, node) in lock.input_nodes() {
                let locked = &node["locked"];
                let kind = locked["type"].as_str().unwrap_or("");
                let why = if !locked.is_object() {
                    "has no `locked` entry"
                } else if REVISIONED.contains(&kind) && locked["rev"].as_str().is_none() {
                    "is locked without a revision"
                } else if locked["narHash"].as_str().is_none() {
                    "is locked without a narHash"
                } else {
                    continue;
                };
                out.push(
                    Finding::new(self, format!("lock entry `{name}` {why}"))
                        .at(&lock.rel, &lock.text, lock.node_range(name))
                        .help("re-lock it so the lock records its revision and hash")
                        .command(update_input_command(ctx, flake, name))
                        .related(flake.nix_rel.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const FLAKE: &str = "{ inputs.a.url = \"github:o/a\"; outputs = _: { }; }";

    fn lock(locked: &str) -> String {
        format!(
            r#"{{"nodes": {{"a": {{"locked": {locked}, "original": {{"type": "github", "owner": "o", "repo": "a"}}}}, "root": {{"inputs": {{"a": "a"}}}}}}, "root": "root", "version": 7}}"#
        )
    }

    #[test]
    fn fires_without_rev_or_hash() {
        let l = lock(r#"{"type": "github", "owner": "o", "repo": "a", "narHash": "sha256-x"}"#);
        let f = repo(&UnpinnedInput, &[("flake.nix", FLAKE), ("flake.lock", &l)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].command.as_deref(), Some("nix flake update a"));
        let l = lock(r#"{"type": "tarball", "url": "https://x/a.tar.gz"}"#);
        assert_eq!(
            repo(&UnpinnedInput, &[("flake.nix", FLAKE), ("flake.lock", &l)]).len(),
            1
        );
    }

    #[test]
    fn pinned_entries_are_fine() {
        let l = lock(
            r#"{"type": "github", "owner": "o", "repo": "a", "rev": "0123", "narHash": "sha256-x"}"#,
        );
        assert!(repo(&UnpinnedInput, &[("flake.nix", FLAKE), ("flake.lock", &l)]).is_empty());
        let l = lock(r#"{"type": "path", "path": "./sub", "narHash": "sha256-x"}"#);
        assert!(repo(&UnpinnedInput, &[("flake.nix", FLAKE), ("flake.lock", &l)]).is_empty());
    }
}
