//! NF010: the locked nixpkgs is older than the configured age.

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
        "The nixpkgs a flake locks is older than the configured limit (`nixpkgs-max-age-days` in \
.nfai.toml, default 60 days), judged by the lock's `lastModified`.

Why: an old pin misses security fixes, and the longer an update waits the larger and riskier \
it becomes. Updating the lock is a reviewed change like any other.

Before (flake.lock):

    \"nixpkgs\": { \"locked\": { \"lastModified\": 1672531200, ... } }    # 2023-01-01

After:

    nix flake lock --update-input nixpkgs    # (Nix 2.19+: nix flake update nixpkgs)"
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        let limit = ctx.config.nixpkgs_max_age_days as i64;
        for flake in &repo.flakes {
            let Some(lock) = flake.valid_lock() else {
                continue;
            };
            for (input, r) in lock.root_inputs() {
                let InputRef::Node(node) = r else { continue };
                if !lock.is_nixpkgs(&node) {
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
                out.push(
                    Finding::new(self, format!("nixpkgs input `{input}` is locked to a revision from {} ({age} days old, limit {limit})", date(modified)))
                        .at(&lock.rel, &lock.text, lock.node_range(&node))
                        .command(update_input_command(flake, &input))
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
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_672_531_200), "2023-01-01");
    }
}
