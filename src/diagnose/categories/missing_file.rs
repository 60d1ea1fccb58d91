//! missing_file: a Nix file refers to a path that does not exist (a typo in an import, a
//! file renamed or deleted), found by looking at the work tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::locate::{line_col, nix_files, normalize};
use crate::diagnose::{Category, Locate, Site, SiteKind, Verdict, Workspace};

pub struct MissingFile;

/// A path outside the store that the evaluation needed (`import /abs/x.nix`,
/// `builtins.readFile ./x` of a non-flake, `readDir`); store paths of a flake's source are
/// `untracked_file`'s to settle.
static MISSING_LOCAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:getting status of|path) '(/[^']+)'(?:: No such file or directory| does not exist)",
    )
    .expect("valid regex")
});

/// Files read at most when looking for the import that names the missing path.
const MAX_FILES: usize = 256;

impl Category for MissingFile {
    fn id(&self) -> &'static str {
        "missing_file"
    }
    fn title(&self) -> &'static str {
        "Referenced file does not exist"
    }
    fn doc(&self) -> &'static str {
        "A Nix file imports or refers to a path that does not exist in the work tree, so \
Nix cannot find it in the flake's source either (\"getting status of \
'/nix/store/…-source/x.nix': No such file or directory\", \"path '…' does not exist\").

Why: a typo in the path, a file that was renamed, moved or deleted, or a path relative to \
the wrong directory (`./` is the directory of the file that contains it). nfai tells this \
apart from `untracked_file` by looking: the file is not in the work tree at all.

Fix: correct the path where it is referred to (nfai names that place and files with \
similar names), or create the file:

    # before
    imports = [ ./home-manger.nix ];
    # after
    imports = [ ./home-manager.nix ];"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["does not exist", "No such file or directory"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if site.kind != SiteKind::Message {
            return None;
        }
        let (line, path) = site.capture(&MISSING_LOCAL)?;
        if path.starts_with("/nix/store/") {
            return None;
        }
        let dir = Path::new(&path).parent().unwrap_or(Path::new("/"));
        let similar: Vec<String> = similar_names(dir, Path::new(&path).file_name()?.to_str()?)
            .into_iter()
            .map(|n| dir.join(n).display().to_string())
            .collect();
        let hint = match similar.as_slice() {
            [] => String::new(),
            names => format!(" (files with similar names: {})", names.join(", ")),
        };
        Some(
            Verdict::new(0.8, format!("{path} does not exist"))
                .cite(site, line)
                .fix(format!(
                    "correct the path where the code refers to {path}{hint}, or create it"
                ))
                .fact("path", path.clone())
                .fact("similar", similar.join(" ")),
        )
    }
}

/// The work-tree roots that hold a flake, where a flake's source paths start.
pub fn flake_roots(workspace: &Workspace) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for r in workspace
        .roots
        .iter()
        .filter(|r| r.join("flake.nix").is_file())
    {
        // A flake in a subdirectory is copied with its whole repository.
        for dir in [Some(r.clone()), crate::git::toplevel(r)]
            .into_iter()
            .flatten()
        {
            if !roots.contains(&dir) {
                roots.push(dir);
            }
        }
    }
    roots
}

/// The verdict that `rel` (relative to `root`) does not exist, from the unconfirmed verdict
/// `from` of the same log lines.
pub fn settled(from: &Verdict, root: &Path, rel: &str) -> Verdict {
    let mut v = Verdict::new(0.9, String::new());
    v.evidence = from.evidence.clone();
    let similar = similar_names(root, rel);
    let hint = match similar.as_slice() {
        [] => String::new(),
        names => format!(" (files with similar names: {})", names.join(", ")),
    };
    match find_reference(root, rel) {
        Some((file, line, column)) => {
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            v.summary = format!("{rel} does not exist, but {shown}:{line} refers to it");
            v.fix(format!(
                "correct the path at {shown}:{line}{hint}, or create {rel}"
            ))
            .fact("path", rel)
            .fact("similar", similar.join(" "))
            .locate(Locate::At(shown, line, column))
        }
        None => {
            v.summary = format!("{rel} does not exist in the flake's source or the work tree");
            v.fix(format!(
                "correct the path that refers to {rel}{hint}, or create it"
            ))
            .fact("path", rel)
            .fact("similar", similar.join(" "))
        }
    }
}

/// The first path literal in the .nix files under `root` that resolves to `root/rel`, with
/// its file and 1-based line and column.
fn find_reference(root: &Path, rel: &str) -> Option<(PathBuf, u32, u32)> {
    // `nix_files` gives canonical paths.
    let root = &fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    let target = normalize(&root.join(rel));
    let base = Path::new(rel).file_name()?.to_str()?;
    for (file, text) in nix_files(root, MAX_FILES) {
        for (at, _) in text.match_indices(base) {
            let end = at + base.len();
            if text[end..].chars().next().is_some_and(path_char) {
                continue;
            }
            let start = text[..at]
                .char_indices()
                .rev()
                .find(|(_, c)| !path_char(*c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let literal = &text[start..end];
            let relative = literal.starts_with("./") || literal.starts_with("../");
            if !relative && !literal.starts_with('/') {
                continue;
            }
            let dir = file.parent().unwrap_or(root);
            if normalize(&dir.join(literal)) == target {
                let (line, column) = line_col(&text, start);
                return Some((file, line, column));
            }
        }
    }
    None
}

/// Characters of a Nix path literal.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | '+')
}

/// Up to three entries of the nearest existing directory of `root/rel` whose names are
/// close to the missing one (edit distance), closest first, relative to `root`.
fn similar_names(root: &Path, rel: &str) -> Vec<String> {
    let wanted = Path::new(rel);
    let Some(name) = wanted.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Some(dir) = root
        .join(wanted)
        .ancestors()
        .skip(1)
        .find(|d| d.is_dir())
        .map(Path::to_path_buf)
    else {
        return Vec::new();
    };
    let limit = (name.chars().count() / 3).max(2);
    let mut close: Vec<(usize, String)> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let other = e.file_name().to_str()?.to_owned();
            let d = strsim::levenshtein(&other.to_lowercase(), &name.to_lowercase());
            (d <= limit).then_some((d, other))
        })
        .collect();
    close.sort();
    close
        .into_iter()
        .take(3)
        .map(|(_, n)| {
            let p = dir.join(n);
            p.strip_prefix(root).unwrap_or(&p).display().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_the_evaluation_needed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("fnords"), "").unwrap();
        let log = format!(
            "error: path '{}/fnord' does not exist\n       at /pwd/lang/x.nix:1:1:\n",
            dir.path().display()
        );
        let v = crate::diagnose::categories::verdict_for(&MissingFile, &log).unwrap();
        assert!(
            v.summary.ends_with("/fnord does not exist"),
            "{}",
            v.summary
        );
        assert!(v.fix.unwrap().contains("/fnords"));
        let store = "error: path '/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/x.nix' does not exist\n";
        assert!(crate::diagnose::categories::verdict_for(&MissingFile, store).is_none());
    }

    #[test]
    fn names_the_import_and_close_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("modules")).unwrap();
        fs::write(root.join("modules/home-manager.nix"), "{ }\n").unwrap();
        fs::write(root.join("modules/hardware.nix"), "{ }\n").unwrap();
        fs::write(
            root.join("modules/default.nix"),
            "{\n  imports = [ ./hardware.nix ./home-manger.nix ];\n}\n",
        )
        .unwrap();
        // The same name relative to another directory is not the reference.
        fs::write(
            root.join("flake.nix"),
            "{ imports = [ ./modules ]; x = ./home-manger.nix; }\n",
        )
        .unwrap();
        let from = Verdict::new(0.6, "");
        let v = settled(&from, root, "modules/home-manger.nix");
        assert_eq!(
            v.locate,
            Some(Locate::At("modules/default.nix".into(), 2, 30))
        );
        assert!(
            v.summary.contains("modules/default.nix:2 refers to it"),
            "{}",
            v.summary
        );
        let fix = v.fix.unwrap();
        assert!(fix.contains("modules/home-manager.nix"), "{fix}");
        assert!(!fix.contains("hardware"), "{fix}");
    }
}
