//! What a flake's dev shells put on PATH, read from `mkShell` calls with rnix. A shell we
//! cannot read completely (`inputsFrom`, a toolchain built by a function, a shell imported
//! from another file) is "open": rules then assume it may provide anything.

use std::collections::HashSet;

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::syntax::{call_head, full_path, select_path};

const MK_SHELL: &[&str] = &["mkShell", "mkShellNoCC", "mkShell'"];
const PACKAGE_LISTS: &[&str] = &[
    "packages",
    "buildInputs",
    "nativeBuildInputs",
    "propagatedBuildInputs",
];

/// Packages every stdenv-based shell has (coreutils and friends are not in the command map).
const STDENV: &[&str] = &[
    "bash",
    "gnumake",
    "findutils",
    "diffutils",
    "gnused",
    "gnugrep",
    "gawk",
    "gnutar",
    "gzip",
    "bzip2",
    "xz",
    "patch",
    "patchelf",
    "gcc",
    "binutils",
    "file",
];

/// Packages that put several commands on PATH under other names.
const BUNDLES: &[(&str, &[&str])] = &[
    ("rustup", &["cargo", "rustc", "rustfmt", "clippy"]),
    ("python3", &["python3Packages.pip"]),
    ("clang", &["gcc"]),
];

#[derive(Debug, Default, Clone)]
pub struct DevShells {
    /// The flake defines a dev shell at all.
    pub present: bool,
    pub open: bool,
    /// nixpkgs attribute names (last segment) the shells list.
    pub packages: HashSet<String>,
}

impl DevShells {
    /// The dev shells of a flake.nix.
    pub fn of_flake(root: &SyntaxNode) -> DevShells {
        let mut shells = DevShells::default();
        for node in root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        {
            let path = full_path(&node);
            if !path.iter().any(|k| k == "devShells" || k == "devShell") {
                continue;
            }
            let Some(value) = node.children().nth(1) else {
                continue;
            };
            if value.kind() == SyntaxKind::NODE_ATTR_SET {
                continue; // its bindings are visited on their own
            }
            shells.present = true;
            let calls: Vec<SyntaxNode> = std::iter::once(value.clone())
                .chain(value.descendants())
                .filter(|n| {
                    n.kind() == SyntaxKind::NODE_APPLY
                        && call_head(n).is_some_and(|h| MK_SHELL.contains(&h.as_str()))
                })
                .collect();
            if calls.is_empty() {
                shells.open = true;
            }
            for call in calls {
                shells.read_call(&call);
            }
        }
        shells
    }

    /// Packages given on a `#!nix-shell -p` line.
    pub fn of_packages(packages: &[String]) -> DevShells {
        let packages = packages
            .iter()
            .map(|p| p.rsplit('.').next().unwrap_or(p).to_owned())
            .collect();
        DevShells {
            present: true,
            open: false,
            packages,
        }
    }

    fn read_call(&mut self, call: &SyntaxNode) {
        let Some(arg) = call
            .children()
            .last()
            .filter(|a| a.kind() == SyntaxKind::NODE_ATTR_SET)
        else {
            self.open = true;
            return;
        };
        for b in arg
            .children()
            .filter(|c| c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        {
            let key = full_path(&b);
            let Some(value) = b.children().nth(1) else {
                continue;
            };
            match key.last().map(String::as_str) {
                Some("inputsFrom") => self.open = true,
                Some(k) if key.len() == 1 && PACKAGE_LISTS.contains(&k) => self.read_list(&value),
                _ => {}
            }
        }
    }

    fn read_list(&mut self, node: &SyntaxNode) {
        match node.kind() {
            SyntaxKind::NODE_LIST => {
                for item in node.children() {
                    self.read_item(&item);
                }
            }
            SyntaxKind::NODE_BIN_OP | SyntaxKind::NODE_PAREN => {
                for c in node.children() {
                    self.read_list(&c);
                }
            }
            SyntaxKind::NODE_WITH => match node.children().last() {
                Some(body) => self.read_list(&body),
                None => self.open = true,
            },
            _ => self.open = true,
        }
    }

    fn read_item(&mut self, item: &SyntaxNode) {
        let in_with = item.ancestors().any(|a| a.kind() == SyntaxKind::NODE_WITH);
        match select_path(item) {
            Some(p) if p.len() == 1 && in_with => {
                self.packages.insert(p[0].clone());
            }
            Some(p)
                if p.len() > 1
                    && (p[0] == "pkgs" || p.iter().any(|k| k == "legacyPackages"))
                    && !p.iter().any(|k| k.contains("${")) =>
            {
                self.packages.insert(p.last().cloned().unwrap_or_default());
            }
            _ => self.open = true,
        }
    }

    /// Whether a command that nixpkgs provides through `package` is on the shell's PATH.
    pub fn provides(&self, package: &str) -> bool {
        if self.open {
            return true;
        }
        let last = package.rsplit('.').next().unwrap_or(package);
        let base = package
            .split('.')
            .next()
            .unwrap_or(package)
            .trim_end_matches("Packages");
        let have = |want: &str| {
            self.packages.iter().any(|p| {
                p == want
                    || p.strip_prefix(want).is_some_and(|rest| {
                        rest.bytes()
                            .all(|b| b.is_ascii_digit() || b == b'_' || b == b'-')
                    })
            })
        };
        STDENV.contains(&package)
            || have(last)
            || (package.contains('.') && have(base))
            || BUNDLES
                .iter()
                .any(|(p, gives)| gives.contains(&package) && have(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shells(text: &str) -> DevShells {
        DevShells::of_flake(&crate::nix::syntax::parse(text).syntax())
    }

    #[test]
    fn reads_package_lists_in_common_spellings() {
        let s = shells(
            "{ outputs = { nixpkgs, ... }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {
               devShells.x86_64-linux.default = pkgs.mkShell { packages = with pkgs; [ jq nodejs_20 ] ++ [ pkgs.ripgrep ]; };
             }; }",
        );
        assert!(s.present && !s.open);
        assert!(
            s.provides("jq")
                && s.provides("nodejs")
                && s.provides("ripgrep")
                && s.provides("gnumake")
        );
        assert!(!s.provides("curl"));
    }

    #[test]
    fn shells_it_cannot_read_are_open() {
        assert!(
            shells(
                "{ outputs = _: { devShells.x.default = pkgs.mkShell { inputsFrom = [ a ]; }; }; }"
            )
            .open
        );
        assert!(shells("{ outputs = _: { devShells.x.default = import ./shell.nix { }; }; }").open);
        assert!(shells("{ outputs = _: { devShells.x.default = pkgs.mkShell { packages = [ toolchain ]; }; }; }").open);
        assert!(!shells("{ outputs = _: { packages.x.default = 1; }; }").present);
    }
}
