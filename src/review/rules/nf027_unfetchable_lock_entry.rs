//! NF027: flake.lock pins an input to a place only this machine has.

use std::path::Path;

use serde_json::Value;

use crate::review::repo::{normalize, Repo};
use crate::review::{Context, Finding, Rule, Severity};

pub struct UnfetchableLockEntry;

impl Rule for UnfetchableLockEntry {
    fn code(&self) -> &'static str {
        "NF027"
    }
    fn name(&self) -> &'static str {
        "unfetchable-lock-entry"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "flake.lock pins an input to something other machines cannot fetch: a `path:` input in \
`/nix/store/…` or in a directory outside the repository, or a `git+file:` URL outside the \
repository. The lock is correct here and fails everywhere else (CI, colleagues) with \
\"path does not exist\".

Why: immutable, shared project state: every input comes from a place every machine reaches, \
by a pinned revision and hash.

Before:

    inputs.tools.url = \"path:/home/alice/src/tools\";

After:

    inputs.tools.url = \"github:alice/tools\";   # or a path inside the repository: path:./tools"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        let root = repo
            .root
            .canonicalize()
            .unwrap_or_else(|_| repo.root.clone());
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            for (name, node) in lock.input_nodes() {
                let Some((place, why)) = unfetchable(&node["locked"], &flake.dir, &root) else {
                    continue;
                };
                out.push(
                    Finding::new(self, format!("lock entry `{name}` points at `{place}`, {why}"))
                        .at(&lock.rel, &lock.text, lock.node_range(name))
                        .help("take the input from a fetchable source (`github:…`, `git+https://…`) or from a path inside the repository (`path:./…`), then re-lock")
                        .related(flake.nix_rel.clone()),
                );
            }
        }
    }
}

/// Where a locked input lives and why no other machine can fetch it.
fn unfetchable(locked: &Value, flake_dir: &str, root: &Path) -> Option<(String, &'static str)> {
    let place = match locked["type"].as_str()? {
        "path" => locked["path"].as_str()?,
        "git" => locked["url"].as_str()?.strip_prefix("file://")?,
        _ => return None,
    };
    if place.starts_with("/nix/store/") {
        return Some((place.to_owned(), "a store path only this machine has"));
    }
    let inside = if place.starts_with('/') {
        Path::new(place).starts_with(root)
    } else {
        normalize(flake_dir, place).is_some()
    };
    (!inside).then(|| (place.to_owned(), "a directory outside the repository"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const FLAKE: &str = "{ inputs.a.url = \"path:./a\"; outputs = _: { }; }";

    fn lock(locked: &str) -> String {
        format!(
            r#"{{"nodes": {{"a": {{"locked": {locked}, "original": {{"type": "path", "path": "./a"}}}}, "root": {{"inputs": {{"a": "a"}}}}}}, "root": "root", "version": 7}}"#
        )
    }

    fn run(locked: &str) -> Vec<Finding> {
        let l = lock(locked);
        repo(
            &UnfetchableLockEntry,
            &[("sub/flake.nix", FLAKE), ("sub/flake.lock", &l)],
        )
    }

    #[test]
    fn fires_on_store_and_outside_paths() {
        let f = run(r#"{"type": "path", "path": "/nix/store/abc-source", "narHash": "sha256-x"}"#);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("a store path only this machine has"));
        assert_eq!(f[0].file.as_deref(), Some("sub/flake.lock"));
        let f = run(r#"{"type": "path", "path": "/home/alice/src/tools", "narHash": "sha256-x"}"#);
        assert!(f[0].message.contains("outside the repository"));
        assert_eq!(
            run(r#"{"type": "path", "path": "../../elsewhere", "narHash": "sha256-x"}"#).len(),
            1
        );
        let f = run(
            r#"{"type": "git", "url": "file:///srv/git/tools", "rev": "0123", "narHash": "sha256-x"}"#,
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn paths_inside_the_repository_and_remote_inputs_are_fine() {
        assert!(run(r#"{"type": "path", "path": "./a", "narHash": "sha256-x"}"#).is_empty());
        assert!(run(r#"{"type": "path", "path": "../tools", "narHash": "sha256-x"}"#).is_empty());
        assert!(run(
            r#"{"type": "github", "owner": "o", "repo": "a", "rev": "0123", "narHash": "sha256-x"}"#
        )
        .is_empty());
        assert!(run(r#"{"type": "git", "url": "https://example.org/a.git", "rev": "0123", "narHash": "sha256-x"}"#).is_empty());
    }
}
