//! Wrapper commands (`sudo`, `env`, `timeout`, `find -exec`, `nix develop --command`, ...) from
//! `data/wrappers.tsv`: where in a wrapper's arguments the command it runs starts.

use std::collections::HashMap;
use std::sync::LazyLock;

const WRAPPERS_TSV: &str = include_str!("data/wrappers.tsv");

struct Rule {
    value_options: Vec<&'static str>,
    /// `None`: the command only starts after a marker.
    skip: Option<usize>,
    markers: Vec<&'static str>,
}

static RULES: LazyLock<HashMap<&'static str, Rule>> = LazyLock::new(|| {
    super::data_lines(WRAPPERS_TSV)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let list = |s: &'static str| -> Vec<&'static str> {
                s.split(',').filter(|x| *x != "-").collect()
            };
            let rule = Rule {
                value_options: list(f.get(1)?),
                skip: f.get(2)?.parse().ok(),
                markers: list(f.get(3)?),
            };
            Some((f[0], rule))
        })
        .collect()
});

/// What a wrapper runs, as an index into its argument words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapped {
    /// `args[i..]` is a command with its arguments.
    Command(usize),
    /// `args[i]` is a shell script string (`nix-shell --run '...'`).
    Script(usize),
}

pub fn is_wrapper(command: &str) -> bool {
    RULES.contains_key(command)
}

/// Where the command that `wrapper` runs starts in `args` (the words after the wrapper),
/// `None` when `wrapper` is no wrapper or runs nothing with these arguments
/// (`find . -name x`, `nix build`).
pub fn wrapped(wrapper: &str, args: &[&str]) -> Option<Wrapped> {
    let rule = RULES.get(wrapper)?;
    if !rule.markers.is_empty() {
        let (i, marker) = args.iter().enumerate().find_map(|(i, a)| {
            rule.markers
                .iter()
                .find(|m| m.trim_end_matches(":sh") == *a)
                .map(|m| (i, m))
        })?;
        return (i + 1 < args.len()).then(|| {
            if marker.ends_with(":sh") {
                Wrapped::Script(i + 1)
            } else {
                Wrapped::Command(i + 1)
            }
        });
    }
    let mut positional = rule.skip?;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if a == "--" {
            i += 1;
        } else if a.starts_with('-') && a.len() > 1 {
            if rule.value_options.contains(&a) {
                i += 1;
            }
        } else if is_assignment(a) {
        } else if positional > 0 {
            positional -= 1;
        } else {
            return Some(Wrapped::Command(i));
        }
        i += 1;
    }
    None
}

/// Whether a shell word is a variable assignment (`NAME=value`).
pub(crate) fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_wrapped_command() {
        assert_eq!(
            wrapped("sudo", &["-u", "deploy", "systemctl", "restart"]),
            Some(Wrapped::Command(2))
        );
        assert_eq!(
            wrapped("env", &["-i", "FOO=1", "jq", "."]),
            Some(Wrapped::Command(2))
        );
        assert_eq!(
            wrapped("timeout", &["-s", "KILL", "5", "curl", "x"]),
            Some(Wrapped::Command(3))
        );
        assert_eq!(
            wrapped(
                "find",
                &[".", "-name", "*.c", "-exec", "clang-format", "{}", ";"]
            ),
            Some(Wrapped::Command(4))
        );
        assert_eq!(wrapped("find", &[".", "-name", "*.c"]), None);
        assert_eq!(
            wrapped("nix", &["develop", "--command", "make"]),
            Some(Wrapped::Command(2))
        );
        assert_eq!(wrapped("nix", &["build"]), None);
        assert_eq!(
            wrapped("nix-shell", &["--run", "make check"]),
            Some(Wrapped::Script(1))
        );
        assert_eq!(
            wrapped("xargs", &["-n", "1", "-P", "4", "gzip"]),
            Some(Wrapped::Command(4))
        );
        assert_eq!(wrapped("jq", &["."]), None);
        assert!(is_wrapper("nohup") && !is_wrapper("ssh"));
    }

    #[test]
    fn every_rule_is_well_formed() {
        let rows: Vec<&str> = super::super::data_lines(WRAPPERS_TSV).collect();
        assert_eq!(rows.len(), RULES.len(), "a wrapper is listed twice");
        for row in rows {
            let f: Vec<&str> = row.split('\t').collect();
            assert_eq!(f.len(), 4, "{row:?}");
            let rule = &RULES[f[0]];
            assert!(
                rule.skip.is_some() == rule.markers.is_empty(),
                "{row:?}: either a positional count or markers"
            );
            assert!(
                rule.value_options.iter().all(|o| o.starts_with('-')),
                "{row:?}"
            );
        }
    }
}
