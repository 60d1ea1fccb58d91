//! NF015: absolute paths to the evaluating machine's files in Nix code.

use rnix::SyntaxKind;

use crate::nix::syntax::range;
use crate::review::{Context, Finding, NixFile, Rule};

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
`\"/var/lib/app\"` (runtime paths in NixOS modules) are not paths and are not reported.

Why: everything a build uses comes from the repository or the store.

Before:

    src = /home/alice/projects/app;

After:

    src = ./.;     # or a fetcher with a hash"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[" /", "\t/", "=/", "(/", "[/", "~/"]
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        for node in file.root.descendants().filter(|n| {
            matches!(
                n.kind(),
                SyntaxKind::NODE_PATH_ABS | SyntaxKind::NODE_PATH_HOME
            )
        }) {
            let path = node.text().to_string();
            if path.starts_with("/nix/store/") {
                continue;
            }
            out.push(
                Finding::new(
                    self,
                    format!("`{path}` is a path on the evaluating machine"),
                )
                .at(file.rel, file.text, range(&node))
                .help("use a path inside the repository (`./...`) or fetch it with a hash"),
            );
        }
    }
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
    fn relative_store_and_string_paths_are_fine() {
        let text = "{ src = ./.; s = /nix/store/abc-x; dir = \"/var/lib/app\"; r = 4 / 2; u = \"${pkgs.bash}/bin/bash\"; }";
        assert!(nix(&HostPath, "a.nix", text).is_empty());
    }
}
