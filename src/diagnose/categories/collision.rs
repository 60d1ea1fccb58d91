//! collision: two packages put into one environment (buildEnv, symlinkJoin, a NixOS system
//! path, a home-manager or `nix profile` profile) provide the same file.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};
use crate::nix::store_path;

pub struct Collision;

/// buildEnv in every version: `collision between `/nix/store/a-x/bin/f' and `/nix/store/b-y/bin/f'`
/// (older quoting), `'...' and '...'`, with or without `error:`/`warning:`.
static BETWEEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"collision between [`'"‘]?(/nix/store/[^`'"’\s]+)[`'"’]? and [`'"‘]?(/nix/store/[^`'"’\s]+)"#)
        .expect("valid regex")
});
/// The two paths on their own lines after a header: `nix profile install` (2.19+), Nix's
/// builtin buildenv, and nixpkgs' buildEnv since 2024 (`` `/nix/store/a-x/bin/f' and ``).
static STORE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[`'‘]?(/nix/store/[^`'’\s]+)[`'’]?(?:\s+and)?\s*$").expect("valid regex")
});
/// Headers after which the two colliding paths follow, one per line.
const HEADERS: &[&str] = &[
    "already provides the following file",
    "two given paths contain a conflicting subpath",
    "There is a conflict for the following files",
];

/// (`util-linux-2.26.2`, `bin/mount`) from a store path inside a package.
fn package_and_file(path: &str) -> (&str, &str) {
    (
        store_path::name(path),
        store_path::source_relative(path).unwrap_or(path),
    )
}

impl Category for Collision {
    fn id(&self) -> &'static str {
        "collision"
    }
    fn title(&self) -> &'static str {
        "Two packages provide the same file"
    }
    fn doc(&self) -> &'static str {
        "Two packages installed into the same environment both contain a file at the same \
path (for example `bin/mount`), and Nix cannot link both. This happens when building a \
NixOS system path, a home-manager profile, a `buildEnv`/`symlinkJoin`, or with \
`nix profile install`.

Why: two variants of one tool (`util-linux` and a variant built with curses, `vim` and \
`neovim`'s `vi`, two Pythons with different packages), or a package listed both by you and \
by a module that already installs it.

Fix: keep only one of the two, or say which one wins:

    # before
    environment.systemPackages = [ pkgs.utillinuxCurses ];
    # after
    environment.systemPackages = [ (lib.hiPrio pkgs.utillinuxCurses) ];

`lib.lowPrio` does the opposite; in a `buildEnv` you can also set `ignoreCollisions = true;` \
(the first package wins); with `nix profile install` use `--priority`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "collision between",
            "already provides the following file",
            "two given paths contain a conflicting subpath",
            "There is a conflict for the following files",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, a, b) = site
            .lines
            .iter()
            .find_map(|l| {
                let c = BETWEEN.captures(&l.text)?;
                Some((l, c[1].to_owned(), c[2].to_owned()))
            })
            .or_else(|| {
                let head = site.find(|t| HEADERS.iter().any(|h| t.contains(h)))?;
                let mut paths = site
                    .lines
                    .iter()
                    .filter(|l| l.number > head.number)
                    .filter_map(|l| {
                        let text = crate::log::prefix::split(&l.text).1;
                        STORE_PATH.captures(text).map(|c| c[1].to_owned())
                    });
                Some((head, paths.next()?, paths.next()?))
            })?;
        let warning = line.text.trim_start().starts_with("warning:");
        let (pa, file) = package_and_file(&a);
        let (pb, _) = package_and_file(&b);
        let (name_a, _) = store_path::split_name_version(pa);
        let (name_b, _) = store_path::split_name_version(pb);
        let summary = if pa == pb {
            format!("two different builds of {pa} both provide {file}")
        } else {
            format!("{pa} and {pb} both provide {file}")
        };
        let v = Verdict::new(if warning { 0.4 } else { 0.95 }, summary)
            .cite(site, line)
            .fix(format!(
                "keep only one of the two packages in the list, or give the one that should win a higher priority: `(lib.hiPrio {name_a})` (or `(lib.lowPrio {name_b})`); in a buildEnv/symlinkJoin `ignoreCollisions = true;` also works"
            ))
            .package(name_a.to_owned())
            .fact("file", file)
            .fact("first", a.clone())
            .fact("second", b.clone());
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn buildenv_wordings_and_nix_profile() {
        let v = verdict_for(&Collision, "collision between `/nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-util-linux-2.26.2/bin/mount' and `/nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-util-linux-2.26.2/bin/mount'\n").unwrap();
        assert_eq!(
            v.summary,
            "two different builds of util-linux-2.26.2 both provide bin/mount"
        );
        let v = verdict_for(&Collision, "error: collision between '/nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-vim-9.0/bin/vi' and '/nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-neovim-0.9/bin/vi'\n").unwrap();
        assert_eq!(v.summary, "vim-9.0 and neovim-0.9 both provide bin/vi");
        let v = verdict_for(&Collision, "error: An existing package already provides the following file:\n\n         /nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-hello-2.12/bin/hello\n\n       This is the conflicting file from the new package:\n\n         /nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-hello-2.10/bin/hello\n").unwrap();
        assert_eq!(
            v.summary,
            "hello-2.12 and hello-2.10 both provide bin/hello"
        );
    }

    #[test]
    fn current_nixpkgs_and_nix_buildenv_wordings() {
        let v = verdict_for(&Collision, "error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-home-manager-path.drv' failed with exit code 2;\n       last 3 log lines:\n       > pkgs.buildEnv error: two given paths contain a conflicting subpath:\n       >   `/nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-python3-3.12.8/bin/idle3' and\n       >   `/nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-python3-3.12.8-env/bin/idle3'\n").unwrap();
        assert_eq!(
            v.summary,
            "python3-3.12.8 and python3-3.12.8-env both provide bin/idle3"
        );
        let v = verdict_for(&Collision, "error: Unable to build profile. There is a conflict for the following files:\n\n         /nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-hello-2.12/bin/hello\n         /nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-hello-2.10/bin/hello\n").unwrap();
        assert_eq!(
            v.summary,
            "hello-2.12 and hello-2.10 both provide bin/hello"
        );
    }

    #[test]
    fn warning_is_weak_and_hash_collisions_are_not_this() {
        assert!(verdict_for(&Collision, "warning: collision between `/nix/store/cviz20jv8f1vs9pi9md64cvw39z5a85z-a-1/bin/x' and `/nix/store/vh8554xqwr9aip4l0r2q9q0712mip237-b-1/bin/x'\n").unwrap().confidence < 0.5);
        assert!(verdict_for(&Collision, "hash collision between two inputs\n").is_none());
    }
}
