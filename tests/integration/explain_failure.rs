//! explain-failure end to end: corpus and fixture logs, real Nix failures, bad input.

use crate::common::nfai;

#[test]
fn empty_input_is_no_failure() {
    nfai()
        .args(["explain-failure", "--format", "json"])
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicates::str::contains("\"category\": \"no_failure\""));
}
