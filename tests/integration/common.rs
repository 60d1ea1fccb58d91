//! Helpers shared by the integration tests: the built binary, fixture paths, and the Nix
//! availability check that CI turns from a skip into a failure.

use std::path::PathBuf;
use std::process::Command;

/// The built `nfai`, with colour and the user's Nix settings out of the way.
pub fn nfai() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("nfai").expect("nfai is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// Nix settings for offline, sandboxed builds with only a static busybox as /bin/sh.
pub const NIX_CONFIG: &str = "experimental-features = nix-command flakes\nsubstituters =\nsandbox = true\nsandbox-paths = /bin/sh=/bin/busybox\n";

/// Whether tests that need a real Nix can run. Without Nix they are skipped with a reason,
/// unless NFAI_REQUIRE_NIX=1 (set by CI), which makes a missing Nix a failure.
pub fn nix_available(test: &str) -> bool {
    let ok = Command::new("nix")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if std::env::var("NFAI_REQUIRE_NIX").is_ok_and(|v| v == "1") {
        panic!("{test}: nix is required (NFAI_REQUIRE_NIX=1) but `nix --version` failed");
    }
    eprintln!("skipping {test}: nix is not installed (set NFAI_REQUIRE_NIX=1 to make this fail)");
    false
}
