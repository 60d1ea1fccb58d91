//! NF018: build outputs committed to git (`result` links, target directories).

use std::collections::BTreeSet;

use crate::review::repo::{parent, Repo};
use crate::review::{Context, Finding, Rule};

pub struct CommittedBuildOutput;

/// git's mode for symbolic links.
const SYMLINK: &str = "120000";

impl Rule for CommittedBuildOutput {
    fn code(&self) -> &'static str {
        "NF018"
    }
    fn name(&self) -> &'static str {
        "committed-build-output"
    }
    fn doc(&self) -> &'static str {
        "Git tracks generated build outputs: `result` / `result-*` symlinks left by `nix build`, \
or a `target/` directory next to a Cargo.toml or pom.xml.

Why: outputs are derived state: they belong in the store and the build cache, not in the \
repository, where they go stale and bloat history. A committed `result` link points into one \
machine's store.

Before:

    $ git ls-files
    result
    flake.nix

After:

    git rm --cached result && echo '/result*' >> .gitignore"
    }
    fn needs_git(&self) -> bool {
        true
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        let Some(git) = &repo.git else { return };
        let mut targets = BTreeSet::new();
        for t in &git.tracked {
            let name = t.path.rsplit('/').next().unwrap_or(&t.path);
            if t.mode == SYMLINK && (name == "result" || name.starts_with("result-")) {
                out.push(
                    Finding::new(
                        self,
                        format!("`{}` is a `nix build` result link committed to git", t.path),
                    )
                    .in_file(&t.path)
                    .command(format!(
                        "git rm --cached -- {} && echo '/{}' >> .gitignore",
                        t.path, t.path
                    )),
                );
            }
            let mut dir = parent(&t.path);
            while !dir.is_empty() {
                let (up, last) = dir.rsplit_once('/').unwrap_or(("", dir));
                if last == "target" {
                    let join = |n: &str| {
                        if up.is_empty() {
                            n.to_owned()
                        } else {
                            format!("{up}/{n}")
                        }
                    };
                    if repo.has_file(&join("Cargo.toml"))
                        || git.tracked.iter().any(|x| x.path == join("pom.xml"))
                    {
                        targets.insert(dir.to_owned());
                    }
                }
                dir = up;
            }
        }
        for dir in targets {
            out.push(
                Finding::new(
                    self,
                    format!("build directory `{dir}/` is committed to git"),
                )
                .in_file(&dir)
                .command(format!(
                    "git rm -r --cached -- {dir} && echo '/{dir}/' >> .gitignore"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::TrackedFile;
    use crate::review::repo::GitState;
    use crate::review::rules::testing::repo_with;
    use crate::review::Config;

    fn run(files: &[(&str, &str)], tracked: &[(&str, &str)]) -> Vec<Finding> {
        let tracked = tracked
            .iter()
            .map(|(m, p)| TrackedFile {
                mode: m.to_string(),
                path: p.to_string(),
            })
            .collect();
        repo_with(
            &CommittedBuildOutput,
            files,
            Some(GitState {
                tracked,
                commits: None,
            }),
            &Config::default(),
        )
    }

    #[test]
    fn fires_on_result_links_and_target_dirs() {
        let f = run(
            &[("Cargo.toml", "[package]")],
            &[
                (SYMLINK, "result"),
                ("100644", "target/debug/x"),
                ("100644", "target/release/y"),
                ("100644", "Cargo.toml"),
            ],
        );
        assert_eq!(
            f.iter()
                .map(|f| f.file.clone().unwrap())
                .collect::<Vec<_>>(),
            ["result", "target"]
        );
    }

    #[test]
    fn regular_files_with_those_names_are_fine() {
        assert!(run(
            &[],
            &[
                ("100644", "docs/result.md"),
                ("100644", "result"),
                ("100644", "src/target/mod.rs")
            ]
        )
        .is_empty());
    }
}
