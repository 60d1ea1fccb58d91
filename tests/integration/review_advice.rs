//! `nfai review`'s advice end to end: update commands spelled for the installed Nix or Lix,
//! nixpkgs copies deep in an input's own inputs, stale nixpkgs through a follows, and
//! unused `outputs` arguments removed by `--fix`.

use std::path::Path;
use std::process::Output;

use crate::common::{fixtures, nfai};
use crate::review::copy_fixture;

/// A directory with a `nix` that answers `--version` with `answer`, or fails without one.
fn fake_nix(answer: Option<&str>) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let body = match answer {
        Some(a) => format!("#!/bin/sh\necho '{a}'\n"),
        None => "#!/bin/sh\nexit 1\n".to_owned(),
    };
    let nix = dir.path().join("nix");
    std::fs::write(&nix, body).unwrap();
    std::fs::set_permissions(&nix, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `nfai review DIR ARGS` with the fake `nix` first on PATH.
fn review_with(nix: Option<&str>, dir: &Path, args: &[&str]) -> Output {
    let fake = fake_nix(nix);
    let path = format!(
        "{}:{}",
        fake.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    nfai()
        .env("PATH", path)
        .arg("review")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    json["findings"].as_array().unwrap().clone()
}

#[test]
fn update_commands_are_spelled_for_the_installed_nix() {
    let dir = fixtures().join("review/advice");
    let new = "nix flake update system/nixpkgs --flake ./hosts";
    let old = "nix flake lock ./hosts --update-input system/nixpkgs";
    let both = format!("{new}    # before Nix 2.19 (Lix 2.90): {old}");
    for (nix, expected) in [
        (Some("nix (Nix) 2.18.1"), old),
        (Some("nix (Nix) 2.24.9"), new),
        (Some("nix (Lix, like Nix) 2.91.1"), new),
        (None, both.as_str()),
    ] {
        let out = review_with(nix, &dir, &["--format", "json"]);
        let stale: Vec<_> = findings(&out)
            .into_iter()
            .filter(|f| f["code"] == "NF010" && f["file"] == "hosts/flake.lock")
            .collect();
        assert_eq!(stale.len(), 1, "{nix:?}: {stale:?}");
        assert_eq!(stale[0]["command"], expected, "{nix:?}");
        // The node the follows ends at, not the root's list.
        assert_eq!(stale[0]["span"]["line"], 3, "{nix:?}");
    }
}

#[test]
fn advice_in_the_human_output() {
    let out = review_with(
        Some("nix (Lix, like Nix) 2.91.1"),
        &fixtures().join("review/advice"),
        &["--color", "never"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    // Ages depend on the day the test runs.
    let text = regex::Regex::new(r"\(\d+ days old")
        .unwrap()
        .replace_all(&text, "(N days old");
    insta::assert_snapshot!("advice_human", text);
}

#[test]
fn fix_adds_the_deep_follows_and_removes_the_unused_argument() {
    let tmp = copy_fixture("advice");
    let out = review_with(None, tmp.path(), &["--fix", "--format", "json"]);
    let after = std::fs::read_to_string(tmp.path().join("flake.nix")).unwrap();
    insta::assert_snapshot!("advice_fixed_flake_nix", after);

    let out_left = findings(&out);
    let left: Vec<(&str, &str)> = out_left
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .collect();
    // home-manager's follows would mix releases: left to its owner. The lock now lags the
    // new follows until `nix flake lock`.
    assert!(left.contains(&("NF008", "flake.nix")), "{left:?}");
    assert!(left.contains(&("NF006", "flake.nix")), "{left:?}");
    assert!(!left.iter().any(|(c, _)| *c == "NF009"), "{left:?}");
    assert_eq!(
        out_left.iter().filter(|f| f["code"] == "NF008").count(),
        1,
        "the hyprutils copy is followed now"
    );
}

#[test]
fn explain_shows_both_spellings() {
    let out = nfai().args(["explain", "NF010"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("nix flake update nixpkgs                 # Nix 2.19+, Lix 2.90+")
            && text.contains("nix flake lock --update-input nixpkgs    # older Nix"),
        "{text}"
    );
}
