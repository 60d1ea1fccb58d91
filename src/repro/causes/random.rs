//! random: random numbers and identifiers generated during the build.

use std::sync::LazyLock;

use regex::Regex;

use super::Cause;
use crate::repro::FileChange;

pub struct Random;

/// Numbers, hex strings, UUIDs and base64-like tokens.
static ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^[0-9]+$
        | ^(0x)?[0-9a-fA-F]{6,}$
        | ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
        | ^[A-Za-z0-9+/_-]{12,}=*$",
    )
    .expect("valid regex")
});

impl Cause for Random {
    fn id(&self) -> &'static str {
        "random"
    }
    fn title(&self) -> &'static str {
        "random number or identifier"
    }
    fn doc(&self) -> &'static str {
        "The build writes something random: a number from `$RANDOM` or `/dev/urandom`, a \
generated UUID or build id, a random seed, a hash of unstable input, or a temporary name.

nfai recognises it when the words that differ are numbers, hex strings, UUIDs or \
base64-like tokens that are neither dates nor paths.

Fix: derive the value from the inputs instead (a hash of the sources, \
`$SOURCE_DATE_EPOCH`, the output path), pass a fixed seed (e.g. `-frandom-seed=$out` for GCC), \
or leave the identifier out."
    }
    fn fix(&self) -> &'static str {
        "derive the value from the inputs (hash of the sources, $out) or use a fixed seed (`-frandom-seed=$out` for GCC)"
    }
    fn explains(&self, change: &FileChange) -> bool {
        let words = change.facts.changed_words();
        !words.is_empty() && words.iter().all(|w| ID.is_match(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::causes::testing::lines;

    #[test]
    fn numbers_and_ids_not_words() {
        assert!(Random.explains(&lines("seed 4711", "seed 1234")));
        assert!(Random.explains(&lines("id=6f1c2a9e44", "id=0b7d3e2f19")));
        assert!(!Random.explains(&lines("colour red", "colour blue")));
    }
}
