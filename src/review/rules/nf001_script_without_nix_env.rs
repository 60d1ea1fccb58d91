//! NF001: a shell script that nothing runs inside a Nix environment.

use crate::review::repo::{ancestors, parent, Repo};
use crate::review::shell::Shebang;
use crate::review::walk::{mentions_nix_environment, Kind};
use crate::review::{Context, Finding, Rule};

pub struct ScriptWithoutNixEnv;

impl Rule for ScriptWithoutNixEnv {
    fn code(&self) -> &'static str {
        "NF001"
    }
    fn name(&self) -> &'static str {
        "script-without-nix-env"
    }
    fn doc(&self) -> &'static str {
        "A shell script runs with whatever tools the caller's machine has: it has no nix-shell \
shebang, no flake with a dev shell (or devenv project, `devenv.nix`) around it, no direnv `use flake`, it is not referenced from \
Nix code, and no CI file, Makefile or document runs it through `nix develop --command`, \
`nix-shell --run` or `nix run`.

Why: the policy is Nix-first development: every tool a script calls comes from a pinned Nix \
environment, so the script behaves the same on every machine and in CI.

Before:

    #!/usr/bin/env bash
    jq .version package.json

After (either):

    #!/usr/bin/env nix-shell
    #!nix-shell -i bash -p jq
    jq .version package.json

or run it as `nix develop --command ./release.sh` from CI, with jq in the flake's dev shell."
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        let env = Environment::of(repo);
        for script in repo.files_of(Kind::Script) {
            let Some(text) = repo.text(&script.rel) else {
                continue;
            };
            if env.covers(repo, &script.rel, text) {
                continue;
            }
            let first = text.lines().next().map_or(0, str::len);
            out.push(
                Finding::new(self, format!("{} runs outside any Nix environment", script.rel))
                    .at(&script.rel, text, 0..first)
                    .help(
                        "give it a `#!/usr/bin/env nix-shell` + `#!nix-shell -i bash -p <tools>` header, \
or add a flake dev shell with its tools and run it with `nix develop --command`",
                    ),
            );
        }
    }
}

/// What in the repository can put a script inside Nix, gathered once.
struct Environment<'a> {
    /// Lines of CI files, documents and scripts that enter a Nix environment.
    nix_lines: Vec<(&'a str, &'a str)>,
}

impl<'a> Environment<'a> {
    fn of(repo: &'a Repo) -> Self {
        let nix_lines = repo
            .files
            .iter()
            .filter(|e| matches!(e.kind, Kind::Ci | Kind::Doc | Kind::Script))
            .filter_map(|e| Some((e.rel.as_str(), repo.text(&e.rel)?)))
            .flat_map(|(rel, t)| {
                t.lines()
                    .filter(|l| mentions_nix_environment(l))
                    .map(move |l| (rel, l))
            })
            .collect();
        Environment { nix_lines }
    }

    fn covers(&self, repo: &Repo, rel: &str, text: &str) -> bool {
        if Shebang::parse(text).is_some_and(|s| s.is_nix_shell()) {
            return true;
        }
        if repo.flake_for(rel).is_some_and(|f| f.devshells.present) || repo.in_devenv(parent(rel)) {
            return true;
        }
        let name = rel.rsplit('/').next().unwrap_or(rel);
        // Run through `nix develop` & co by a CI file, Makefile, document or other script.
        if self
            .nix_lines
            .iter()
            .any(|(file, l)| *file != rel && (l.contains(rel) || l.contains(name)))
        {
            return true;
        }
        // A Nix file next to it or above it names it (a builder, a writeShellApplication source).
        repo.named_near(rel, Kind::Nix)
            || ancestors(parent(rel)).any(|dir| {
                let envrc = if dir.is_empty() {
                    ".envrc".to_owned()
                } else {
                    format!("{dir}/.envrc")
                };
                repo.text(&envrc)
                    .is_some_and(|t| t.contains("use flake") || t.contains("use nix"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const SCRIPT: &str = "#!/usr/bin/env bash\njq . x.json\n";

    #[test]
    fn fires_on_a_bare_script() {
        let f = repo(&ScriptWithoutNixEnv, &[("scripts/release.sh", SCRIPT)]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].file.as_deref(), f[0].line()),
            (Some("scripts/release.sh"), Some(1))
        );
    }

    #[test]
    fn any_nix_environment_is_enough() {
        let nix_shell = "#!/usr/bin/env nix-shell\n#!nix-shell -i bash -p jq\njq . x\n";
        assert!(repo(&ScriptWithoutNixEnv, &[("a.sh", nix_shell)]).is_empty());
        let ci = "steps:\n  - run: nix develop --command ./scripts/release.sh\n";
        assert!(repo(
            &ScriptWithoutNixEnv,
            &[
                ("scripts/release.sh", SCRIPT),
                (".github/workflows/ci.yml", ci)
            ]
        )
        .is_empty());
        let flake = "{ outputs = { nixpkgs, ... }: { devShells.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.mkShell { }; }; }";
        assert!(repo(
            &ScriptWithoutNixEnv,
            &[("scripts/release.sh", SCRIPT), ("flake.nix", flake)]
        )
        .is_empty());
        assert!(repo(
            &ScriptWithoutNixEnv,
            &[
                ("pkgs/x/build.sh", SCRIPT),
                ("pkgs/x/default.nix", "{ builder = ./build.sh; }")
            ]
        )
        .is_empty());
        assert!(repo(
            &ScriptWithoutNixEnv,
            &[("a/b.sh", SCRIPT), (".envrc", "use flake\n")]
        )
        .is_empty());
        // devenv's examples: `devenv test` runs `.test.sh` inside the project's shell.
        assert!(repo(
            &ScriptWithoutNixEnv,
            &[
                ("examples/pg/.test.sh", SCRIPT),
                (
                    "examples/pg/devenv.nix",
                    "{ services.postgres.enable = true; }"
                )
            ]
        )
        .is_empty());
    }

    #[test]
    fn a_flake_without_dev_shell_or_plain_mentions_are_not_enough() {
        let flake = "{ outputs = _: { packages.x86_64-linux.default = 1; }; }";
        let ci = "steps:\n  - run: ./scripts/release.sh\n";
        let f = repo(
            &ScriptWithoutNixEnv,
            &[
                ("scripts/release.sh", SCRIPT),
                ("flake.nix", flake),
                (".github/workflows/ci.yml", ci),
            ],
        );
        assert_eq!(f.len(), 1);
    }
}
