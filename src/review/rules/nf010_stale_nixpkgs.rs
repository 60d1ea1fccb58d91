//! NF010: the locked nixpkgs is older than the configured age.

use std::collections::BTreeSet;

use super::update_input_command;
use crate::review::flake::InputRef;
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct StaleNixpkgs;

const DAY: i64 = 86_400;

impl Rule for StaleNixpkgs {
    fn code(&self) -> &'static str {
        "NF010"
    }
    fn name(&self) -> &'static str {
        "stale-nixpkgs"
    }
    fn doc(&self) -> &'static str {
        "The nixpkgs a flake locks (directly or through a `follows`) is older than the configured limit (`nixpkgs-max-age-days` in \
.nfai.toml, default 60 days), judged by the lock's `lastModified`.

Why: an old pin misses security fixes, and the longer an update waits the larger and riskier \
it becomes. Updating the lock is a reviewed change like any other.

Before (flake.lock):

    \"nixpkgs\": { \"locked\": { \"lastModified\": 1672531200, ... } }    # 2023-01-01

After:

    nix flake update nixpkgs                 # Nix 2.19+, Lix 2.90+
    nix flake lock --update-input nixpkgs    # older Nix

`nfai review` suggests the one the installed `nix --version` takes. When the flake's \
nixpkgs follows another input's (`inputs.nixpkgs.follows = \"other/nixpkgs\"`), the node it \
follows is judged, and updated (`nix flake update other/nixpkgs`)."
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        let limit = ctx.config.nixpkgs_max_age_days as i64;
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            // Direct inputs first: a node both named and followed is judged once, under
            // the name that owns it.
            let mut roots: Vec<(String, InputRef)> = lock.root_inputs().into_iter().collect();
            roots.sort_by_key(|(_, r)| matches!(r, InputRef::Follows(_)));
            let mut judged = BTreeSet::new();
            for (input, r) in roots {
                // The node Nix uses, and the input path that updates it.
                let (node, path) = match &r {
                    InputRef::Node(n) => (n.clone(), input.clone()),
                    InputRef::Follows(p) => match lock.resolve(p) {
                        Some(n) => (n, p.join("/")),
                        None => continue,
                    },
                };
                if !lock.is_nixpkgs(&node) || !judged.insert(node.clone()) {
                    continue;
                }
                let Some(modified) = lock
                    .node(&node)
                    .and_then(|n| n["locked"]["lastModified"].as_i64())
                else {
                    continue;
                };
                let age = (ctx.now - modified) / DAY;
                if age <= limit {
                    continue;
                }
                let what = if path == input {
                    format!("nixpkgs input `{input}` is locked")
                } else {
                    format!("nixpkgs input `{input}` follows `{path}` (lock node `{node}`), which is locked")
                };
                out.push(
                    Finding::new(
                        self,
                        format!(
                            "{what} to a revision from {} ({age} days old, limit {limit})",
                            date(modified)
                        ),
                    )
                    .at(&lock.rel, &lock.text, lock.node_range(&node))
                    .command(update_input_command(ctx, flake, &path))
                    .related(flake.nix_rel.clone()),
                );
            }
        }
    }
}

/// `YYYY-MM-DD` of a Unix time (the civil-from-days algorithm).
fn date(secs: i64) -> String {
    let z = secs.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{repo, NOW};

    fn lock(last_modified: i64) -> String {
        format!(
            r#"{{"nodes": {{"nixpkgs": {{"locked": {{"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "a", "narHash": "h", "lastModified": {last_modified}}}, "original": {{"type": "github", "owner": "NixOS", "repo": "nixpkgs"}}}}, "root": {{"inputs": {{"nixpkgs": "nixpkgs"}}}}}}, "root": "root", "version": 7}}"#
        )
    }
    const FLAKE: &str = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; outputs = _: { }; }";

    #[test]
    fn fires_past_the_limit_only() {
        let old = lock(NOW - 61 * DAY);
        let f = repo(&StaleNixpkgs, &[("flake.nix", FLAKE), ("flake.lock", &old)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].command.as_deref(), Some("nix flake update nixpkgs"));
        assert!(
            f[0].message.contains("2025-04-15 (61 days old, limit 60)"),
            "{}",
            f[0].message
        );
        let fresh = lock(NOW - 59 * DAY);
        assert!(repo(
            &StaleNixpkgs,
            &[("flake.nix", FLAKE), ("flake.lock", &fresh)]
        )
        .is_empty());
    }

    #[test]
    fn a_followed_nixpkgs_is_judged_where_it_is_locked() {
        let old = NOW - 400 * DAY;
        let lock = format!(
            r#"{{"nodes": {{
  "root": {{"inputs": {{"nixpkgs": ["system", "nixpkgs"], "system": "system"}}}},
  "system": {{"inputs": {{"nixpkgs": "nixpkgs_2"}}, "locked": {{"type": "github", "owner": "o", "repo": "system", "rev": "b", "narHash": "h", "lastModified": {NOW}}}, "original": {{"type": "github", "owner": "o", "repo": "system"}}}},
  "nixpkgs_2": {{"locked": {{"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "a", "narHash": "h", "lastModified": {old}}}, "original": {{"type": "github", "owner": "NixOS", "repo": "nixpkgs", "ref": "nixos-24.05"}}}}
}}, "root": "root", "version": 7}}"#
        );
        let flake = "{ inputs.system.url = \"github:o/system\"; inputs.nixpkgs.follows = \"system/nixpkgs\"; outputs = _: { }; }";
        let f = repo(
            &StaleNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &lock)],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.starts_with(
                "nixpkgs input `nixpkgs` follows `system/nixpkgs` (lock node `nixpkgs_2`), which is locked to a revision from 2024-05-11 (400 days old"
            ),
            "{}",
            f[0].message
        );
        assert_eq!(
            (f[0].file.as_deref(), f[0].line()),
            (Some("flake.lock"), Some(4)),
            "the node used, not the first \"nixpkgs\""
        );
        assert_eq!(
            f[0].command.as_deref(),
            Some("nix flake update system/nixpkgs")
        );
        // A second name for the same node is judged once, under the name that owns it.
        let both = lock.replace(
            r#""system": "system"}"#,
            r#""system": "system", "pkgs": "nixpkgs_2"}"#,
        );
        let f = repo(
            &StaleNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &both)],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("nixpkgs input `pkgs` is locked"));
        let fresh = lock.replace(&old.to_string(), &NOW.to_string());
        assert!(repo(
            &StaleNixpkgs,
            &[("flake.nix", flake), ("flake.lock", &fresh)]
        )
        .is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_672_531_200), "2023-01-01");
    }
}
