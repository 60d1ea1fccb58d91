//! NF004: a component with its own build manifest that no flake builds.

use std::sync::LazyLock;

use regex::Regex;

use crate::review::repo::{normalize, parent, Repo};
use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule};

pub struct ComponentWithoutFlake;

/// Path-like tokens in Nix code: `./a/b`, `../a`, `${self}/a`.
static PATH_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\$\{self\}/|\.\.?/)[A-Za-z0-9._/+-]*").expect("valid regex"));
/// A Makefile rule line: `target:` but not `VAR := value`.
static MAKE_TARGET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[A-Za-z0-9_][A-Za-z0-9_./%-]*( [A-Za-z0-9_./%-]+)*\s*::?(\s|$)")
        .expect("valid regex")
});

impl Rule for ComponentWithoutFlake {
    fn code(&self) -> &'static str {
        "NF004"
    }
    fn name(&self) -> &'static str {
        "component-without-flake"
    }
    fn doc(&self) -> &'static str {
        "A directory with its own build manifest (Cargo.toml, package.json, go.mod, \
pyproject.toml, or a Makefile with targets) has no flake.nix of its own, is in no devenv \
project (`devenv.nix` in it or above it), is not a workspace \
member of a component above it, and no flake above it refers to it (`./tools/foo`, \
`${self}/tools/foo`). A root-level `src = ./.` does not count: the component is then built by \
accident, not as an output.

Why: under the Nix-first policy every tool or component can be built and developed with \
`nix build` / `nix develop`, from a pinned environment, not with whatever is installed.

Before:

    tools/gen/Cargo.toml      # no tools/gen/flake.nix, root flake.nix ignores it

After (either):

    tools/gen/flake.nix       # its own flake
    # or, in the root flake.nix:
    packages.${system}.gen = pkgs.callPackage ./tools/gen { };"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        let mut seen = Vec::new();
        for e in &repo.files {
            let name = e.rel.rsplit('/').next().unwrap_or(&e.rel);
            let manifest = match e.kind {
                Kind::Manifest => true,
                Kind::Ci if matches!(name, "Makefile" | "makefile" | "GNUmakefile") => {
                    repo.text(&e.rel).is_some_and(|t| MAKE_TARGET.is_match(t))
                }
                _ => false,
            };
            let dir = parent(&e.rel);
            if !manifest || seen.contains(&dir) {
                continue;
            }
            seen.push(dir);
            if covered(repo, dir) {
                continue;
            }
            let shown = if dir.is_empty() {
                "the repository root"
            } else {
                dir
            };
            let text = repo.text(&e.rel).unwrap_or("");
            let mut f = Finding::new(self, format!("{shown} has its own build ({name}) but no flake builds it"))
                .at(&e.rel, text, 0..0)
                .help(match repo.flake_for(dir) {
                    Some(fl) => format!("add {dir}/flake.nix, or make it an output of {} (e.g. `pkgs.callPackage ./{} {{ }}`)", fl.nix_rel, relative_to(&fl.dir, dir)),
                    None => format!("add a flake.nix to {shown} with its package and dev shell"),
                });
            if let Some(fl) = repo.flake_for(dir) {
                f = f.related(fl.nix_rel.clone());
            }
            out.push(f);
        }
    }
}

fn covered(repo: &Repo, dir: &str) -> bool {
    let own = if dir.is_empty() {
        "flake.nix".to_owned()
    } else {
        format!("{dir}/flake.nix")
    };
    if repo.has_file(&own) || repo.in_devenv(dir) {
        return true;
    }
    if dir.is_empty() {
        return false;
    }
    workspace_member(repo, dir) || referenced_by_a_flake(repo, dir)
}

/// A Cargo workspace, path dependency or npm workspace above `dir` includes it.
fn workspace_member(repo: &Repo, dir: &str) -> bool {
    let mut above = dir;
    while !above.is_empty() {
        above = parent(above);
        let rel = relative_to(above, dir);
        let join = |n: &str| {
            if above.is_empty() {
                n.to_owned()
            } else {
                format!("{above}/{n}")
            }
        };
        let cargo = repo.text(&join("Cargo.toml")).unwrap_or("");
        let npm = repo.text(&join("package.json")).unwrap_or("");
        let quoted = [format!("\"{rel}\""), format!("\"./{rel}\"")];
        if quoted
            .iter()
            .any(|q| cargo.contains(q.as_str()) || npm.contains(q.as_str()))
        {
            return true;
        }
        if cargo.contains("[workspace]") && glob_listed(cargo, rel)
            || npm.contains("\"workspaces\"") && glob_listed(npm, rel)
        {
            return true;
        }
    }
    false
}

/// Whether a quoted glob like `"crates/*"` in `text` matches `rel`.
fn glob_listed(text: &str, rel: &str) -> bool {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains('*'))
        .any(|pat| {
            let re = format!(
                "^{}$",
                regex::escape(pat.trim_start_matches("./"))
                    .replace(r"\*\*", ".*")
                    .replace(r"\*", "[^/]*")
            );
            Regex::new(&re).is_ok_and(|r| r.is_match(rel))
        })
}

/// Some Nix file of a flake above `dir` (outside `dir`) has a path that resolves into it.
fn referenced_by_a_flake(repo: &Repo, dir: &str) -> bool {
    let name = dir.rsplit('/').next().unwrap_or(dir);
    repo.flakes
        .iter()
        .filter(|f| f.dir.is_empty() || dir.starts_with(&format!("{}/", f.dir)))
        .any(|flake| {
            repo.files_of(Kind::Nix)
                .filter(|e| e.rel.starts_with(&flake.dir) && !e.rel.starts_with(&format!("{dir}/")))
                .filter_map(|e| Some((e, repo.read(&e.rel)?)))
                .filter(|(_, t)| t.contains(name))
                .any(|(e, t)| {
                    PATH_TOKEN.find_iter(&t).any(|m| {
                        let token = m.as_str();
                        let resolved = match token.strip_prefix("${self}/") {
                            Some(rest) => normalize(&flake.dir, rest),
                            None => normalize(parent(&e.rel), token),
                        };
                        resolved.is_some_and(|r| r == dir || r.starts_with(&format!("{dir}/")))
                    })
                })
        })
}

/// `dir` relative to its ancestor `base`.
fn relative_to<'a>(base: &str, dir: &'a str) -> &'a str {
    if base.is_empty() {
        dir
    } else {
        dir.strip_prefix(base)
            .map_or(dir, |d| d.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::repo;

    const FLAKE: &str = "{ outputs = _: { }; }";

    #[test]
    fn fires_on_an_unbuilt_component() {
        let f = repo(
            &ComponentWithoutFlake,
            &[
                ("flake.nix", FLAKE),
                ("tools/gen/Cargo.toml", "[package]\nname = \"gen\"\n"),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file.as_deref(), Some("tools/gen/Cargo.toml"));
        let f = repo(&ComponentWithoutFlake, &[("Makefile", "all:\n\tcc x.c\n")]);
        assert_eq!(f.len(), 1, "a root Makefile without a root flake");
    }

    #[test]
    fn flakes_references_and_workspaces_cover_it() {
        let cargo = "[package]\nname = \"gen\"\n";
        assert!(repo(
            &ComponentWithoutFlake,
            &[
                ("tools/gen/Cargo.toml", cargo),
                ("tools/gen/flake.nix", FLAKE)
            ]
        )
        .is_empty());
        let composing = "{ outputs = _: { packages.x.gen = pkgs.callPackage ./tools/gen { }; }; }";
        assert!(repo(
            &ComponentWithoutFlake,
            &[("flake.nix", composing), ("tools/gen/Cargo.toml", cargo)]
        )
        .is_empty());
        let via_file = [
            ("flake.nix", FLAKE),
            ("nix/gen.nix", "{ src = ../tools/gen; }"),
            ("tools/gen/Cargo.toml", cargo),
        ];
        assert!(repo(&ComponentWithoutFlake, &via_file).is_empty());
        let ws = "[workspace]\nmembers = [\"crates/*\"]\n";
        assert!(repo(
            &ComponentWithoutFlake,
            &[
                ("flake.nix", FLAKE),
                ("Cargo.toml", ws),
                ("crates/a/Cargo.toml", cargo)
            ]
        )
        .is_empty());
        assert!(repo(
            &ComponentWithoutFlake,
            &[("Makefile", "CC := gcc\n# all: comment\n")]
        )
        .is_empty());
        // devenv's examples: a devenv project in the directory or above it.
        let devenv = "{ pkgs, ... }: { languages.javascript.enable = true; }";
        for manifest in [
            "examples/js/package.json",
            "tests/js/directory/package.json",
        ] {
            let dir = manifest.split('/').take(2).collect::<Vec<_>>().join("/");
            let files = [
                (manifest, "{}"),
                (&format!("{dir}/devenv.nix") as &str, devenv),
            ];
            assert!(
                repo(&ComponentWithoutFlake, &files).is_empty(),
                "{manifest}"
            );
        }
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(
            normalize("nix", "../tools/gen/").as_deref(),
            Some("tools/gen")
        );
        assert_eq!(normalize("", "../x"), None);
        assert!(
            glob_listed("members = [\"crates/*\"]", "crates/a")
                && !glob_listed("[\"crates/*\"]", "crates/a/b")
        );
    }
}
