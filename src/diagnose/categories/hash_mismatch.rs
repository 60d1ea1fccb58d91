//! hash_mismatch: a fixed-output derivation (source, cargo/go/npm vendor) produced another
//! hash than the one written in the Nix code.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{site, Category, Locate, Site, Verdict};
use crate::nix::hash::Hash;

pub struct HashMismatch;

static DRV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"hash mismatch in (?:fixed-output derivation|file downloaded from .*?|imported path) '?(/nix/store/[^'\s:]+)?")
        .expect("valid regex")
});
static SPECIFIED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:specified|wanted):\s+(\S+)").expect("valid regex"));
static GOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*got:\s+(\S+)").expect("valid regex"));

/// Which attribute holds the hash of a fixed-output derivation, from its name suffix.
fn hash_attribute(name: &str) -> &'static str {
    const SUFFIXES: &[(&str, &str)] = &[
        ("-vendor-staging", "cargoHash"),
        ("-vendor.tar.gz", "cargoHash (or cargoSha256)"),
        ("-vendor", "cargoHash"),
        ("-go-modules", "vendorHash"),
        ("-npm-deps", "npmDepsHash"),
        ("-pnpm-deps", "pnpmDeps hash"),
        ("-yarn-deps", "yarnOfflineCache hash"),
        ("-cargo-deps", "cargoHash"),
        ("-gradle-deps", "mitmCache / deps hash"),
        ("-maven-deps", "mvnHash"),
    ];
    let name = name.trim_end_matches(".drv");
    SUFFIXES
        .iter()
        .find(|(s, _)| name.ends_with(s))
        .map_or("hash (sha256 / hash of the fetcher)", |(_, a)| *a)
}

impl Category for HashMismatch {
    fn id(&self) -> &'static str {
        "hash_mismatch"
    }
    fn title(&self) -> &'static str {
        "Fixed-output hash mismatch"
    }
    fn doc(&self) -> &'static str {
        "A fixed-output derivation (a download, or a vendored set of cargo/Go/npm dependencies) \
produced content whose hash differs from the hash written in the Nix code. Nix refuses the \
output because fixed-output derivations are the only builds allowed network access, and the \
hash is what keeps them reproducible.

Why: the source or the dependency lock file changed (a version bump, a new Cargo.lock or \
go.sum) and the hash was not updated, or the hash is a placeholder such as `lib.fakeHash`.

Fix: put the `got:` hash where the `specified:` (older Nix: `wanted:`) hash is written. \
For Rust it is `cargoHash` (`cargoSha256` in old code), for Go `vendorHash`, for npm \
`npmDepsHash`, for sources the fetcher's `hash`/`sha256`.

    # before
    cargoHash = \"sha256-5Vl8Iopzv2GVkNP+NDy6SZ0lPRRK83rFi9FKNMk/Hwg=\";
    # after
    cargoHash = \"sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w=\";

First check that the new content is what you expect: a changed upstream tarball can also \
mean it was tampered with."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["hash mismatch", "specified:", "wanted:", "got:"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (head, drv) = site.capture(&DRV)?;
        let drv = if drv.is_empty() {
            site.drv().unwrap_or("").to_owned()
        } else {
            drv
        };
        let name = site::drv_name(&drv).to_owned();
        let specified = site.capture(&SPECIFIED);
        let got = site.capture(&GOT);
        let attribute = hash_attribute(&name);
        let mut v = Verdict::new(
            0.97,
            format!(
                "hash mismatch in fixed-output derivation {}",
                if name.is_empty() { "(unnamed)" } else { &name }
            ),
        )
        .cite(site, head);
        if let Some((line, _)) = &specified {
            v = v.cite(site, line);
        }
        if let Some((line, _)) = &got {
            v = v.cite(site, line);
        }
        let (spec, got) = match (specified, got) {
            (Some((_, s)), Some((_, g))) => (s, g),
            _ => {
                return Some(v.fix(format!(
                    "update {attribute} to the hash Nix reports as `got:`"
                )))
            }
        };
        let spec_hash = Hash::parse(&spec);
        let got_hash = Hash::parse(&got);
        let mut needles = Vec::new();
        if let Some(h) = &spec_hash {
            if h.is_fake() {
                needles
                    .extend(["lib.fakeHash", "fakeHash", "fakeSha256", "\"\""].map(String::from));
            }
            needles.extend(h.spellings());
        }
        needles.push(spec.clone());
        let replacement = got_hash.as_ref().map_or(got.clone(), Hash::sri);
        let what = match &spec_hash {
            Some(h) if h.is_fake() => {
                "the placeholder hash (lib.fakeHash or an empty hash)".to_owned()
            }
            _ => format!("`{spec}`"),
        };
        v = v
            .fix(format!(
                "set {attribute} to \"{replacement}\": replace {what} with the hash Nix got"
            ))
            .locate(Locate::Text(needles));
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn modern_cargo_hash() {
        let v = verdict_for(&HashMismatch, "error: hash mismatch in fixed-output derivation '/nix/store/lb1r5cz6jkyvjxwq1x70qx793v56cdjf-pkg-0.4.6-vendor-staging.drv':\n         specified: sha256-5Vl8Iopzv2GVkNP+NDy6SZ0lPRRK83rFi9FKNMk/Hwg=\n            got:    sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w=\n").unwrap();
        assert_eq!(v.evidence.len(), 3);
        let fix = v.fix.unwrap();
        assert!(fix.contains("cargoHash"), "{fix}");
        assert!(
            fix.contains("sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w="),
            "{fix}"
        );
    }

    #[test]
    fn nix_2_3_wanted_got_keeps_base32_searchable() {
        let v = verdict_for(&HashMismatch, "hash mismatch in fixed-output derivation '/nix/store/l6h129fiylvpky3izl1whhqwgw4qd710-vessel-1.0.0-vendor.tar.gz':\n  wanted: sha256:0kykwbqhh4zm4si0ibr89m3vas7ldpg90r8kjfv0qn5mr22zw48c\n  got:    sha256:07rz0gm6yqxmi34dzgia31h1kvk70xa3rb7h7ygl6pylx71grwbj\n").unwrap();
        let Some(Locate::Text(needles)) = v.locate else {
            panic!("no locate")
        };
        assert!(
            needles.contains(&"0kykwbqhh4zm4si0ibr89m3vas7ldpg90r8kjfv0qn5mr22zw48c".to_owned())
        );
    }

    #[test]
    fn near_miss_is_not_a_mismatch() {
        assert!(verdict_for(
            &HashMismatch,
            "error: getting status of '/nix/store/x': No such file\n"
        )
        .is_none());
    }
}
