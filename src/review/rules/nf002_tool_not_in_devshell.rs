//! NF002: a script calls a tool that its Nix environment does not provide.

use crate::review::devshell::DevShells;
use crate::review::repo::Repo;
use crate::review::shell::{commands, nix_shell_packages};
use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule};

pub struct ToolNotInDevShell;

/// Commands that come with Nix itself.
const NIX: &[&str] = &[
    "nix",
    "nix-shell",
    "nix-build",
    "nix-store",
    "nix-instantiate",
    "nix-env",
    "nix-collect-garbage",
];

impl Rule for ToolNotInDevShell {
    fn code(&self) -> &'static str {
        "NF002"
    }
    fn name(&self) -> &'static str {
        "tool-not-in-devshell"
    }
    fn doc(&self) -> &'static str {
        "A script calls a tool (one nixpkgs is known to provide) that its environment does not \
list: neither its `#!nix-shell -p` packages nor the packages of the dev shell of the flake \
around it. Standard tools of every stdenv shell (coreutils, grep, sed, make, ...) count as \
provided; shells nfai cannot read completely (`inputsFrom`, toolchains built by functions) are \
trusted.

Why: a tool that is not in the environment is taken from the machine, so the script works on the \
author's laptop and fails (or behaves differently) everywhere else.

Before (flake.nix):

    devShells.${system}.default = pkgs.mkShell { packages = [ pkgs.cargo ]; };
    # scripts/release.sh calls `jq`

After:

    devShells.${system}.default = pkgs.mkShell { packages = [ pkgs.cargo pkgs.jq ]; };"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for script in repo.files_of(Kind::Script) {
            let Some(text) = repo.text(&script.rel) else {
                continue;
            };
            let (env, source, related) = match nix_shell_packages(text) {
                Some(pkgs) => (
                    DevShells::of_packages(&pkgs),
                    "its nix-shell header".to_owned(),
                    None,
                ),
                // A devenv project's environment (`languages.*`, `services.*`) is not a
                // list of packages: it may provide anything.
                None if repo.in_devenv(crate::review::repo::parent(&script.rel)) => continue,
                None => match repo.flake_for(&script.rel) {
                    Some(flake) => (
                        flake.devshells.clone(),
                        format!("the dev shell of {}", flake.nix_rel),
                        Some(flake.nix_rel.clone()),
                    ),
                    None => continue,
                },
            };
            if !env.present || env.open {
                continue;
            }
            for (cmd, range) in commands(text) {
                if NIX.contains(&cmd.as_str()) {
                    continue;
                }
                let Some(package) = crate::knowledge::for_command(&cmd) else {
                    continue;
                };
                if env.provides(package) {
                    continue;
                }
                let mut f = Finding::new(self, format!("`{cmd}` is not provided by {source}"))
                    .at(&script.rel, text, range)
                    .help(format!("add `pkgs.{package}` to {source}"));
                if let Some(r) = &related {
                    f = f.related(r.clone());
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const FLAKE: &str =
        "{ outputs = { nixpkgs, ... }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {
  devShells.x86_64-linux.default = pkgs.mkShell { packages = [ pkgs.cargo pkgs.jq ]; };
}; }";

    #[test]
    fn fires_on_a_tool_the_shell_lacks() {
        let script = "#!/usr/bin/env bash\ncargo build\ncurl -fsSL https://example.org | jq .\n";
        let f = repo(
            &ToolNotInDevShell,
            &[("flake.nix", FLAKE), ("run.sh", script)],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`curl`"));
        assert_eq!(
            (f[0].line(), f[0].span.as_ref().unwrap().column),
            (Some(3), 1)
        );
        assert_eq!(f[0].related, ["flake.nix"]);
    }

    #[test]
    fn provided_standard_and_unknown_tools_do_not() {
        let script =
            "#!/usr/bin/env bash\ncargo build\nsed -i s/a/b/ x\nmake\nmy-own-tool --x\nnix build\n";
        assert!(repo(
            &ToolNotInDevShell,
            &[("flake.nix", FLAKE), ("run.sh", script)]
        )
        .is_empty());
        let nix_shell = "#!/usr/bin/env nix-shell\n#!nix-shell -i bash -p curl\ncurl x\n";
        assert!(repo(&ToolNotInDevShell, &[("run.sh", nix_shell)]).is_empty());
        // devenv's examples: the project's services and languages provide the tools.
        assert!(repo(
            &ToolNotInDevShell,
            &[
                ("flake.nix", FLAKE),
                (
                    "examples/db/devenv.nix",
                    "{ services.postgres.enable = true; }"
                ),
                (
                    "examples/db/.test.sh",
                    "#!/usr/bin/env bash\npg_isready\ncurl x\n"
                )
            ]
        )
        .is_empty());
        let open =
            "{ outputs = _: { devShells.x.default = pkgs.mkShell { inputsFrom = [ a ]; }; }; }";
        assert!(repo(
            &ToolNotInDevShell,
            &[("flake.nix", open), ("run.sh", "curl x\n#!x")]
        )
        .is_empty());
    }
}
