//! What nixpkgs provides: a command, a library, a header, a shared object or a Python module
//! -> the nixpkgs attribute, from the data files in `data/`. The one source for diagnose, fix,
//! review and gen-flake.

pub mod build_commands;
pub mod wrappers;

use std::collections::HashMap;
use std::sync::LazyLock;

const COMMANDS_TSV: &str = include_str!("data/commands.tsv");
const COMMANDS_INDEX_TSV: &str = include_str!("data/commands-index.tsv");
const LIBRARIES_TSV: &str = include_str!("data/libraries.tsv");

static COMMANDS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(COMMANDS_TSV));

/// Derived from the nix-index database (see its header): every `bin/` name nixpkgs ships,
/// sorted. The curated table above decides the canonical name where both know a command.
/// Its 44,000 rows are bisected in place: building a map of them cost more than review spends
/// on a mid-sized repository's scripts.
fn indexed_command(command: &str) -> Option<&'static str> {
    bisect(rows(COMMANDS_INDEX_TSV), command)
}

/// A data file's rows: all but the leading comment lines.
fn rows(tsv: &'static str) -> &'static str {
    let mut body = tsv;
    while body.starts_with('#') {
        body = body.split_once('\n').map_or("", |(_, rest)| rest);
    }
    body
}

/// The value of `key` in `key<TAB>value` rows sorted by key.
fn bisect(rows: &'static str, key: &str) -> Option<&'static str> {
    let bytes = rows.as_bytes();
    // `lo` is always a row's start; `hi` a row's start or the end.
    let (mut lo, mut hi) = (0, rows.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let start = memchr::memrchr(b'\n', &bytes[lo..mid]).map_or(lo, |i| lo + i + 1);
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(rows.len(), |i| start + i);
        let (k, v) = rows[start..end].split_once('\t')?;
        match key.cmp(k) {
            std::cmp::Ordering::Less => hi = start,
            std::cmp::Ordering::Greater => lo = end + 1,
            std::cmp::Ordering::Equal => return Some(v.trim()),
        }
    }
    None
}

/// Keyed by (kind, name): `lib`, `h` or `py`, as documented in the data file.
static LIBRARIES: LazyLock<HashMap<(&'static str, &'static str), &'static str>> =
    LazyLock::new(|| {
        data_lines(LIBRARIES_TSV)
            .filter_map(|l| {
                let mut f = l.split('\t').map(str::trim);
                Some(((f.next()?, f.next()?), f.next()?))
            })
            .collect()
    });

pub(crate) fn data_lines(tsv: &'static str) -> impl Iterator<Item = &'static str> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

fn parse(tsv: &'static str) -> HashMap<&'static str, &'static str> {
    data_lines(tsv)
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Every attribute nfai's command tables name, once each (candidates for commands they do
/// not know).
pub fn command_attributes() -> impl Iterator<Item = &'static str> {
    let mut all: Vec<&'static str> = COMMANDS
        .values()
        .copied()
        .chain(
            data_lines(COMMANDS_INDEX_TSV)
                .filter_map(|l| l.split_once('\t').map(|(_, v)| v.trim())),
        )
        .collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
}

/// The nixpkgs attribute that provides `command`, if known.
pub fn for_command(command: &str) -> Option<&'static str> {
    COMMANDS
        .get(command)
        .copied()
        .or_else(|| indexed_command(command))
}

fn lib(name: &str) -> Option<&'static str> {
    LIBRARIES.get(&("lib", name)).copied()
}

/// The attribute providing a library named the way pkg-config, CMake, meson, the linker or a
/// Rust `-sys` crate names it (`openssl`, `OpenSSL`, `gtk+-3.0`, `libpng16`, `ssl`).
pub fn for_library(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_end_matches(".pc").to_ascii_lowercase();
    let bare = name.strip_prefix("lib").unwrap_or(&name);
    // `foo-1.0`, `foo2`, `foo_static`: the unversioned name is usually the same package.
    let unversioned =
        bare.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '_');
    let found = [name.as_str(), bare, unversioned]
        .into_iter()
        .filter(|n| !n.is_empty())
        .find_map(lib);
    found
}

/// The attribute providing a shared object (`libssl.so.3`, `libstdc++.so.6`).
pub fn for_shared_object(soname: &str) -> Option<&'static str> {
    let file = soname.rsplit('/').next().unwrap_or(soname);
    let stem = file.split(".so").next().unwrap_or(file);
    lib(stem.strip_prefix("lib").unwrap_or(stem)).or_else(|| for_library(stem))
}

/// The attribute providing a C/C++ header (`zlib.h`, `openssl/ssl.h`, `X11/Xlib.h`): the
/// exact path, then its longest known directory, then its file name.
pub fn for_header(header: &str) -> Option<&'static str> {
    let header = header.trim_matches(|c| matches!(c, '<' | '>' | '"' | '\''));
    let h = |k: &str| LIBRARIES.get(&("h", k)).copied();
    h(header)
        .or_else(|| {
            header
                .rmatch_indices('/')
                .find_map(|(i, _)| h(&header[..=i]))
        })
        .or_else(|| h(header.rsplit('/').next()?))
}

/// The python3Packages attribute providing an importable module (`numpy`, `yaml`,
/// `google.protobuf.message`): the longest known dotted prefix.
pub fn for_python_module(module: &str) -> Option<&'static str> {
    let py = |k: &str| LIBRARIES.get(&("py", k)).copied();
    py(module).or_else(|| {
        module
            .rmatch_indices('.')
            .find_map(|(i, _)| py(&module[..i]))
    })
}

/// The python3Packages attribute named like a distribution (`PyYAML` -> `pyyaml`), when the
/// table lists it for some module.
pub fn for_python_distribution(name: &str) -> Option<&'static str> {
    let attr = format!("python3Packages.{}", name.to_ascii_lowercase());
    LIBRARIES
        .iter()
        .find(|((kind, _), a)| *kind == "py" && **a == attr)
        .map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_commands() {
        assert_eq!(for_command("make"), Some("gnumake"));
        assert_eq!(for_command("protoc"), Some("protobuf"));
        assert_eq!(for_command("ls"), Some("coreutils"));
        assert_eq!(for_command("aws"), Some("awscli2"));
        assert_eq!(for_command("pip3"), Some("python3Packages.pip"));
        assert_eq!(for_command("no-such-tool"), None);
    }

    #[test]
    fn index_fills_in_what_the_curated_table_lacks() {
        assert_eq!(for_command("nix-locate"), Some("nix-index"));
        // the curated name wins over the index's choice
        assert_eq!(for_command("cmake"), Some("cmake"));
    }

    /// Every data row: the right number of tab-separated fields, none empty or padded, a
    /// plausible attribute path, and no key twice (a later row would silently win).
    fn check_rows(name: &str, tsv: &str, fields: usize, key_fields: usize) {
        let attr = regex::Regex::new(r"^[A-Za-z_][A-Za-z0-9_'+-]*(\.[A-Za-z_][A-Za-z0-9_'+-]*)*$")
            .unwrap();
        let mut seen = std::collections::HashSet::new();
        for (n, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), fields, "{name}:{}: {line:?}", n + 1);
            assert!(
                f.iter().all(|x| !x.is_empty() && x.trim() == *x),
                "{name}:{}: empty or padded field in {line:?}",
                n + 1
            );
            assert!(
                attr.is_match(f[fields - 1]),
                "{name}:{}: attribute {line:?}",
                n + 1
            );
            assert!(
                seen.insert(f[..key_fields].join("\t")),
                "{name}:{}: duplicate key {line:?}",
                n + 1
            );
        }
        assert!(seen.len() > 100, "{name} has only {} rows", seen.len());
    }

    #[test]
    fn every_row_is_well_formed_and_unique() {
        check_rows("commands.tsv", COMMANDS_TSV, 2, 1);
        check_rows("commands-index.tsv", COMMANDS_INDEX_TSV, 2, 1);
        check_rows("libraries.tsv", LIBRARIES_TSV, 3, 2);
    }

    #[test]
    fn the_index_is_sorted_and_every_row_is_found() {
        let body = rows(COMMANDS_INDEX_TSV);
        let keys: Vec<&str> = body
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "sorted, without repeats"
        );
        for line in body.lines() {
            let (k, v) = line.split_once('\t').unwrap();
            assert_eq!(bisect(body, k), Some(v.trim()), "{k}");
        }
        for absent in ["", "0", "zzzzzz", "carg", "cargo-", "\u{10ffff}"] {
            assert_eq!(bisect(body, absent), None, "{absent}");
        }
        assert_eq!(bisect("a\t1\nc\t3\n", "b"), None);
        assert_eq!(bisect("a\t1\nc\t3", "c"), Some("3"));
    }

    #[test]
    fn libraries_in_every_spelling() {
        assert_eq!(for_library("openssl"), Some("openssl"));
        assert_eq!(for_library("OpenSSL"), Some("openssl"));
        assert_eq!(for_library("libssl"), Some("openssl"));
        assert_eq!(for_library("gtk+-3.0"), Some("gtk3"));
        assert_eq!(for_library("sqlite3"), Some("sqlite"));
        assert_eq!(for_library("ZLIB"), Some("zlib"));
        assert_eq!(for_library("no-such-thing"), None);
    }

    #[test]
    fn shared_objects_headers_and_modules() {
        assert_eq!(
            for_shared_object("libstdc++.so.6"),
            Some("stdenv.cc.cc.lib")
        );
        assert_eq!(for_shared_object("libssl.so.3"), Some("openssl"));
        assert_eq!(for_shared_object("libX11.so.6"), Some("xorg.libX11"));
        assert_eq!(for_header("zlib.h"), Some("zlib"));
        assert_eq!(for_header("openssl/ssl.h"), Some("openssl"));
        assert_eq!(
            for_header("X11/extensions/Xrandr.h"),
            Some("xorg.libXrandr")
        );
        assert_eq!(for_header("main.h"), None);
        assert_eq!(for_python_module("numpy"), Some("python3Packages.numpy"));
        assert_eq!(
            for_python_module("google.protobuf.message"),
            Some("python3Packages.protobuf")
        );
    }
}
