//! hash_mismatch: a fixed-output derivation (source, cargo/go/npm vendor) produced another
//! hash than the one written in the Nix code.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{site, Category, Locate, Site, Verdict};
use crate::nix::hash::Hash;
use crate::nix::store_path;

pub struct HashMismatch;

/// The headline of every version: the derivation (nom may cut its name with `…`) or URL.
static HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"hash mismatch (?:in fixed-output derivation|in file downloaded from|importing path|in imported path) '?([^'\s]*)")
        .expect("valid regex")
});
static SPECIFIED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:specified|wanted):\s+(\S+)").expect("valid regex"));
static GOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*got:\s+(\S+)").expect("valid regex"));
/// Lix and Nix 2.24+: the output path, whose name is never truncated.
static EXPECTED_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:expected|got) path:\s+(/nix/store/\S+)").expect("valid regex")
});
/// Nix 2.0-2.2 and Nix 1.x put both hashes on the headline: (path, got, specified).
static INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:fixed-output derivation produced path|output path) '(/nix/store/[^']+)' (?:with|has) \w+ hash '([^']+)' (?:instead of the expected hash|when) '([^']+)'")
        .expect("valid regex")
});
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
        &[
            "hash mismatch",
            "specified:",
            "wanted:",
            "got:",
            "expected path:",
            "instead of the expected hash",
            "was expected",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (head, name, spec, got) = if let Some((head, what)) = site.capture(&HEAD) {
            let what = if what.is_empty() {
                site.drv().unwrap_or("").to_owned()
            } else {
                what
            };
            // nom cuts long names (`hister-0.14.0-go-mo…`); the output path has the full one.
            let name = match site.capture(&EXPECTED_PATH) {
                Some((_, path)) if what.contains('…') || !what.starts_with("/nix/store/") => {
                    store_path::name(&path).to_owned()
                }
                _ if what.starts_with("/nix/store/") => site::drv_name(&what).to_owned(),
                _ => what,
            };
            let spec = site.capture(&SPECIFIED);
            let got = site.capture(&GOT);
            let mut cited = vec![head];
            cited.extend(spec.as_ref().map(|(l, _)| *l));
            cited.extend(got.as_ref().map(|(l, _)| *l));
            (cited, name, spec.map(|(_, h)| h), got.map(|(_, h)| h))
        } else {
            let line = site.find(|t| INLINE.is_match(t))?;
            let c = INLINE.captures(&line.text)?;
            let name = store_path::name(&c[1]).to_owned();
            (
                vec![line],
                name,
                Some(c[3].to_owned()),
                Some(c[2].to_owned()),
            )
        };
        let attribute = hash_attribute(&name);
        let summary = if name.contains("://") {
            format!("hash mismatch in the file downloaded from {name}")
        } else {
            format!(
                "hash mismatch in fixed-output derivation {}",
                if name.is_empty() { "(unnamed)" } else { &name }
            )
        };
        let mut v = Verdict::new(0.97, summary);
        for l in head {
            v = v.cite(site, l);
        }
        let (Some(spec), Some(got)) = (spec, got) else {
            return Some(v.fix(format!(
                "update {attribute} to the hash Nix reports as `got:`"
            )));
        };
        let spec_hash = Hash::parse(&spec);
        let got_hash = Hash::parse(&got);
        // The hash as written first; placeholders as assignments, so that prose mentioning
        // `lib.fakeHash` (a description, a comment) is not taken for the culprit.
        let mut needles = Vec::new();
        if let Some(h) = &spec_hash {
            needles.extend(h.spellings());
            if h.is_fake() {
                needles.extend(
                    [
                        "= lib.fakeHash",
                        "= pkgs.lib.fakeHash",
                        "= lib.fakeSha256",
                        "= \"\"",
                    ]
                    .map(String::from),
                );
            }
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
            .fact("specified", spec.clone())
            .fact("got", got.clone())
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
        assert!(v.facts.contains(&(
            "got",
            "sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w=".to_owned()
        )));
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
    fn nom_truncated_name_uses_the_output_path() {
        let v = verdict_for(&HashMismatch, "┃ error: hash mismatch in fixed-output derivation '/nix/store/a0hq4wmbynrlidk4f0w4xasx1izcs7gw-hister-0.14.0-go-mo…\n┃             specified: sha256-u6TB1tzaELd8YBCa+9YjMirSXSUu3uZVbe+QwH1dSM8=\n┃                   got: sha256-L5hHd2/YMaDdl+GLGiLc03C507Akh5BXV1JTVskXaEY=\n┃         expected path: /nix/store/bnz5d8xbmsdmxqrmbx2qddanxk2qdf54-hister-0.14.0-go-modules\n").unwrap();
        assert_eq!(
            v.summary,
            "hash mismatch in fixed-output derivation hister-0.14.0-go-modules"
        );
        assert!(v.fix.unwrap().contains("vendorHash"));
    }

    #[test]
    fn old_inline_wordings_and_downloads() {
        let v = verdict_for(&HashMismatch, "fixed-output derivation produced path '/nix/store/l6h129fiylvpky3izl1whhqwgw4qd710-app-src' with sha256 hash '07rz0gm6yqxmi34dzgia31h1kvk70xa3rb7h7ygl6pylx71grwbj' instead of the expected hash '0kykwbqhh4zm4si0ibr89m3vas7ldpg90r8kjfv0qn5mr22zw48c'\n").unwrap();
        assert!(v.summary.ends_with("app-src"));
        assert!(v.fix.unwrap().contains("sha256-"));
        let v = verdict_for(&HashMismatch, "error: hash mismatch in file downloaded from 'https://example.org/a.tar.gz':\n         specified: sha256:0kykwbqhh4zm4si0ibr89m3vas7ldpg90r8kjfv0qn5mr22zw48c\n         got:       sha256:07rz0gm6yqxmi34dzgia31h1kvk70xa3rb7h7ygl6pylx71grwbj\n").unwrap();
        assert_eq!(
            v.summary,
            "hash mismatch in the file downloaded from https://example.org/a.tar.gz"
        );
    }

    #[test]
    fn flake_input_nar_hash_is_a_lock_problem() {
        // lock_error reports it: flake.lock, not a derivation, holds the stale hash.
        let v = verdict_for(&HashMismatch, "error: NAR hash mismatch in input 'github:o/r/0123456789abcdef0123456789abcdef01234567' (/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source), expected 'sha256-5Vl8Iopzv2GVkNP+NDy6SZ0lPRRK83rFi9FKNMk/Hwg=', got 'sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w='\n");
        assert!(v.is_none());
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
