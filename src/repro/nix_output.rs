//! What `nix build --json` and a failed `--rebuild` say: the derivation and its outputs,
//! and which outputs differed from their kept rebuild (`<out>.check`).

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// A built installable: its derivation and outputs (name, store path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub derivation: String,
    pub outputs: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonBuilt {
    drv_path: String,
    outputs: std::collections::BTreeMap<String, String>,
}

/// The first derivation of `nix build --json`'s output.
pub fn built(stdout: &[u8]) -> Option<Built> {
    let all: Vec<JsonBuilt> = serde_json::from_slice(stdout).ok()?;
    let first = all.into_iter().next()?;
    Some(Built {
        derivation: first.drv_path,
        outputs: first.outputs.into_iter().collect(),
    })
}

/// Nix ≥ 2.4: "derivation '…' may not be deterministic: output '…' differs from '…'".
static DIFFERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"may not be deterministic: output '([^']+)' differs(?: from '([^']+)')?")
        .expect("valid regex")
});

/// The (first build, kept rebuild) output pairs a failed `--rebuild` reports as differing.
pub fn differing(stderr: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = DIFFERS
        .captures_iter(stderr)
        .map(|c| {
            let out = c[1].to_owned();
            let check = c
                .get(2)
                .map_or_else(|| format!("{out}.check"), |m| m.as_str().to_owned());
            (out, check)
        })
        .collect();
    pairs.dedup();
    pairs
}

static KEPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"note: keeping build directory '([^']+)'").expect("valid regex"));

/// The build directories `--keep-failed` left behind (nfai needs only the `.check` output).
pub fn kept_build_dirs(stderr: &str) -> Vec<String> {
    KEPT.captures_iter(stderr)
        .map(|c| c[1].to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_build_json_and_rebuild_errors() {
        let b = built(br#"[{"drvPath":"/nix/store/a-x.drv","outputs":{"out":"/nix/store/b-x","dev":"/nix/store/c-x-dev"}}]"#).unwrap();
        assert_eq!(b.derivation, "/nix/store/a-x.drv");
        assert_eq!(
            b.outputs[0],
            ("dev".to_owned(), "/nix/store/c-x-dev".to_owned())
        );
        let err = "error: derivation '/nix/store/a-x.drv' may not be deterministic: output '/nix/store/b-x' differs from '/nix/store/b-x.check'\n";
        assert_eq!(
            differing(err),
            [(
                "/nix/store/b-x".to_owned(),
                "/nix/store/b-x.check".to_owned()
            )]
        );
        assert!(differing("error: builder failed").is_empty());
        let note = "note: keeping build directory '/tmp/nix-build-x.drv-0'\n";
        assert_eq!(kept_build_dirs(note), ["/tmp/nix-build-x.drv-0"]);
    }
}
