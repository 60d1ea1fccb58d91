//! NF015: absolute paths to the evaluating machine's files in Nix code.

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::syntax::range;
use crate::review::{Context, Finding, NixFile, Rule, Severity};

pub struct HostPath;

impl Rule for HostPath {
    fn code(&self) -> &'static str {
        "NF015"
    }
    fn name(&self) -> &'static str {
        "host-path"
    }
    fn doc(&self) -> &'static str {
        "Nix code contains an absolute path literal outside the store (`/home/me/src`, \
`/etc/ssl/cert.pem`, `~/notes`). Evaluating it copies (or reads) that file from the machine \
that evaluates; on another machine it is missing or different. Strings such as \
`\"/var/lib/app\"` (runtime paths in NixOS modules) are not paths and are not reported, nor \
are paths whose first element is interpolated (`/${pkgs.path}/nixos/lib`, `/${self}/x`: a \
store path with a suffix) or an absolute literal appended to another path \
(`self.modules + /top-level.nix`: a suffix, not a file of the machine). `/. + \"...\"` turns a \
string known only at evaluation time into a path; it is reported as info: it is a file of \
the evaluating machine unless the string is a store path.

Why: everything a build uses comes from the repository or the store.

Before:

    src = /home/alice/projects/app;

After:

    src = ./.;     # or a fetcher with a hash"
    }
    fn trigger_tokens(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::TOKEN_PATH_ABS, SyntaxKind::TOKEN_PATH_HOME]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for node in file.root.descendants().filter(|n| {
            matches!(
                n.kind(),
                SyntaxKind::NODE_PATH_ABS | SyntaxKind::NODE_PATH_HOME
            )
        }) {
            let path = node.text().to_string();
            // `/${pkgs.path}/x` starts with a store path; only literal paths name the host.
            if path.starts_with("/nix/store/") || path.starts_with("/${") {
                continue;
            }
            let finding = match addend(&node) {
                // `base + /suffix` appends to another path.
                Some(Side::Right) => continue,
                Some(Side::Left) if path == "/." || path == "/" => Finding::new(
                    self,
                    format!(
                        "`{path} + ...` makes a path from a string known only at evaluation time"
                    ),
                )
                .severity(Severity::Info)
                .help(
                    "a file of the evaluating machine unless the string is a store path; \
take the file from the repository or an input when it is one",
                ),
                _ => Finding::new(
                    self,
                    format!("`{path}` is a path on the evaluating machine"),
                )
                .help("use a path inside the repository (`./...`) or fetch it with a hash"),
            };
            out.push(finding.at(file.rel, file.text, range(&node)));
        }
    }
}

enum Side {
    Left,
    Right,
}

/// Which operand of a `+` the node is, if it is one.
fn addend(node: &SyntaxNode) -> Option<Side> {
    let parent = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::NODE_BIN_OP)?;
    parent
        .children_with_tokens()
        .any(|t| t.kind() == SyntaxKind::TOKEN_ADD)
        .then(|| {
            if parent.first_child().as_ref() == Some(node) {
                Side::Left
            } else {
                Side::Right
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn fires_on_host_paths() {
        let f = nix(
            &HostPath,
            "a.nix",
            "{ src = /home/alice/app; cfg = ~/cfg.nix; }",
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn paths_built_from_store_paths_are_fine() {
        // Shapes from home-manager's tests and devenv's flake.
        let text = "{ lib = import /${pkgs.path}/nixos/lib { }; s = /${self}/x; m = [ (self.modules + /top-level.nix) ]; }";
        assert!(nix(&HostPath, "a.nix", text).is_empty());
    }

    #[test]
    fn a_root_plus_a_runtime_string_is_info() {
        let f = nix(
            &HostPath,
            "a.nix",
            "{ config, ... }: { xdg.configHome = /. + \"${config.home.homeDirectory}/.config\"; }",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("known only at evaluation time"));
    }

    #[test]
    fn relative_store_and_string_paths_are_fine() {
        let text = "{ src = ./.; s = /nix/store/abc-x; dir = \"/var/lib/app\"; r = 4 / 2; u = \"${pkgs.bash}/bin/bash\"; }";
        assert!(nix(&HostPath, "a.nix", text).is_empty());
    }
}
