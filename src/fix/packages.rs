//! Maps the name of a missing command to the nixpkgs attribute that provides it, from the
//! data file `data/commands.tsv`.

use std::collections::HashMap;
use std::sync::LazyLock;

static COMMANDS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("data/commands.tsv")));

fn parse(tsv: &'static str) -> HashMap<&'static str, &'static str> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The nixpkgs attribute that provides `command`, if known.
pub fn for_command(command: &str) -> Option<&'static str> {
    COMMANDS.get(command).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_commands() {
        assert_eq!(super::for_command("make"), Some("gnumake"));
        assert_eq!(super::for_command("protoc"), Some("protobuf"));
        assert_eq!(super::for_command("no-such-tool"), None);
    }
}
