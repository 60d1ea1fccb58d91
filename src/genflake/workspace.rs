//! `gen-flake --workspace`: the components of a repository (directories holding a flake, a
//! project or shell scripts; what lies inside a component belongs to it) and the names they
//! get as inputs of the root flake.

use std::path::{Path, PathBuf};

/// Components deeper than this are not looked for.
const MAX_DEPTH: usize = 4;

/// The components under `root` (relative paths, parents before children), not `root` itself.
pub fn components(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut inside: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let walk = ignore::WalkBuilder::new(root)
        .max_depth(Some(MAX_DEPTH))
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walk.filter_map(Result::ok) {
        if !entry.file_type().is_some_and(|t| t.is_dir()) || entry.depth() == 0 {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        // Within a component found already (an ancestor is one): part of it.
        if rel.ancestors().any(|a| inside.contains(a)) {
            continue;
        }
        let dir = entry.path();
        if dir.join("flake.nix").is_file()
            || !scripts_in(dir).is_empty()
            || !super::project::detect(dir).is_empty()
        {
            found.push(rel.to_owned());
            inside.insert(rel.to_owned());
        }
    }
    found
}

/// The shell scripts directly in `dir`, sorted.
pub fn scripts_in(dir: &Path) -> Vec<PathBuf> {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        // The type from the directory listing: no stat per entry.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    scripts
}

/// The input name of a component: its path with `-` for separators (`services/api` ->
/// `services-api`).
pub fn input_name(rel: &Path) -> String {
    rel.to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_projects_scripts_and_flakes_not_what_they_hold() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (file, text) in [
            ("services/api/go.mod", "module example.org/api\n"),
            ("services/api/tools/gen.sh", "protoc x\n"),
            ("scripts/deploy.sh", "jq .\n"),
            ("infra/flake.nix", "{ outputs = _: { }; }\n"),
            ("docs/index.md", "# docs\n"),
        ] {
            std::fs::create_dir_all(d.join(file).parent().unwrap()).unwrap();
            std::fs::write(d.join(file), text).unwrap();
        }
        let found: Vec<String> = components(d)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(found, ["infra", "scripts", "services/api"]);
        assert_eq!(input_name(Path::new("services/api")), "services-api");
    }
}
