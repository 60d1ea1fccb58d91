//! Maps what a log names (store paths of the user's flake source, hashes, file names) back
//! to files in the user's working tree.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::nix::store_path;

/// Files read at most for one culprit search; the project's own files come first.
const MAX_FILES: usize = 256;
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The directories a log's relative paths may be relative to: the flake or project
/// directory first, then the current directory.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub roots: Vec<PathBuf>,
}

impl Workspace {
    pub fn new(roots: Vec<PathBuf>) -> Workspace {
        Workspace { roots }
    }

    /// The local file behind a reported path. A path of the tree itself is that file; a
    /// store copy of the source (`/nix/store/<hash>-source/x.nix`) or a path relative to a
    /// build directory is the tree's file at the same path inside the source only when it has
    /// the line Nix or the compiler quoted there: the same path alone may be another
    /// project's file.
    pub fn map(&self, reported: &str, line: u32, quoted: &[(u32, String)]) -> Option<PathBuf> {
        let expected = quoted
            .iter()
            .find(|(n, _)| *n == line)
            .map(|(_, t)| t.trim());
        let confirmed = |p: &PathBuf| match expected {
            Some(text) => read_line(p, line).is_some_and(|l| l.trim() == text),
            None => true,
        };
        if let Some(own) = self.inside(reported) {
            return confirmed(&own).then_some(own);
        }
        expected?;
        let rel = source_path(reported)?;
        self.roots
            .iter()
            .map(|r| r.join(&rel))
            .find(|p| p.is_file() && confirmed(p))
    }

    /// `reported` when it is an absolute path of an existing file under one of the roots.
    fn inside(&self, reported: &str) -> Option<PathBuf> {
        let path = Path::new(reported);
        if !path.is_absolute() || store_path::source_relative(reported).is_some() {
            return None;
        }
        let path = fs::canonicalize(path).ok()?;
        let under = self
            .roots
            .iter()
            .any(|r| fs::canonicalize(r).is_ok_and(|r| path.starts_with(r)));
        (under && path.is_file()).then_some(path)
    }

    /// The first .nix file under the roots containing one of `needles` (earlier needles
    /// win), with the 1-based line and column of the match. Each file is read once.
    pub fn find_text(&self, needles: &[String]) -> Option<(PathBuf, u32, u32)> {
        let mut best: Option<(usize, PathBuf, u32, u32)> = None;
        for root in &self.roots {
            for (path, text) in nix_files(root, MAX_FILES) {
                let limit = best.as_ref().map_or(needles.len(), |b| b.0);
                let hit = needles[..limit]
                    .iter()
                    .enumerate()
                    .find_map(|(i, n)| text.find(n.as_str()).map(|at| (i, at)));
                if let Some((i, at)) = hit {
                    let (line, column) = line_col(&text, at);
                    best = Some((i, path, line, column));
                    if i == 0 {
                        break;
                    }
                }
            }
        }
        best.map(|(_, path, line, column)| (path, line, column))
    }

    /// The local file behind a path a message names (a store copy of the user's source, or
    /// a path in the tree) when it holds one of `needles`: the same relative path alone is
    /// not enough.
    pub fn holding(&self, reported: &str, needles: &[String]) -> Option<PathBuf> {
        let candidates: Vec<PathBuf> = match self.inside(reported) {
            Some(own) => vec![own],
            None if Path::new(reported).is_absolute()
                && store_path::source_relative(reported).is_none() =>
            {
                Vec::new()
            }
            None => {
                let rel = store_path::source_relative(reported).unwrap_or(reported);
                self.roots.iter().map(|r| r.join(rel)).collect()
            }
        };
        candidates.into_iter().find(|p| {
            fs::read_to_string(p).is_ok_and(|text| needles.iter().any(|n| text.contains(n)))
        })
    }

    /// The directory of the working tree the project builds the package `pname` from: the
    /// `src = ./…;` of the .nix file that sets `pname = "<pname>"`.
    pub fn source_dir(&self, pname: &str) -> Option<PathBuf> {
        let named = format!("pname = \"{pname}\"");
        self.roots.iter().find_map(|root| {
            nix_files(root, MAX_FILES)
                .into_iter()
                .find_map(|(path, text)| {
                    if !text.contains(&named) {
                        return None;
                    }
                    let src = SRC.captures(&text)?;
                    let dir = normalize(&path.parent()?.join(&src[1]));
                    dir.is_dir().then_some(dir)
                })
        })
    }

    /// The first existing file `rel` under the roots.
    pub fn file(&self, rel: &str) -> Option<PathBuf> {
        self.roots.iter().map(|r| r.join(rel)).find(|p| p.is_file())
    }

    /// How to show `path`: relative to the first root that contains it.
    pub fn display(&self, path: &Path) -> String {
        self.roots
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// The path inside the source tree of a path a log names: below a store path
/// (`/nix/store/<hash>-source/x/y.nix` is `x/y.nix`), below the unpacked source in a build
/// directory (`/build/foo-1.2/src/a.c`, `/tmp/nix-build-foo.drv-0/foo-1.2/src/a.c` are
/// `src/a.c`), or a relative path (a compiler's, relative to the build directory) as it is.
/// Other absolute paths and Nix's pseudo-files (`«string»`) have none.
pub fn source_path(reported: &str) -> Option<String> {
    if let Some(rel) = store_path::source_relative(reported) {
        return Some(rel.to_owned());
    }
    // The sandbox builds in `/build`; without it Nix builds in a `nix-build-<drv>-<n>`
    // directory (under /tmp, /private/tmp, or the store's `builds` directory), since Nix 2.30
    // in its `build` subdirectory.
    let in_build_dir = reported.strip_prefix("/build/").or_else(|| {
        let at = reported.find("/nix-build-")?;
        let (dir, rest) = reported[at + 1..].split_once('/')?;
        dir.contains(".drv-").then(|| {
            rest.strip_prefix("build/")
                .filter(|r| r.contains('/'))
                .unwrap_or(rest)
        })
    });
    if let Some(rest) = in_build_dir {
        // The first directory is the unpacked source (`source`, `foo-1.2`).
        let (_, rel) = rest.split_once('/')?;
        return (!rel.is_empty()).then(|| rel.to_owned());
    }
    if reported.is_empty() || reported.starts_with(['/', '«', '<']) {
        return None;
    }
    let rel = normalize(Path::new(reported));
    let rel = rel.to_str()?;
    (!rel.is_empty()).then(|| rel.to_owned())
}

/// `src = ./.;`, `src = ../lib;`: a package built from the working tree.
static SRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bsrc\s*=\s*(\.\.?/[A-Za-z0-9._/+\-]*)\s*;").expect("valid regex")
});

/// Where a project's Nix code starts.
const ENTRIES: &[&str] = &["flake.nix", "default.nix", "shell.nix"];

/// Relative path literals (`./package.nix`, `../lib`, `./.`) in Nix source.
static PATH_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9._/+\-])(\.\.?/[A-Za-z0-9._/+\-]*)").expect("valid regex")
});

/// The .nix files of the project at `root` that its code names, with their text: the entry
/// files (`flake.nix`, `default.nix`, `shell.nix`) and the other .nix files at the top, then
/// breadth first the files their path
/// literals name (a directory is its `default.nix`, or else the .nix files in it), inside
/// `root`, at most `limit`, none larger than MAX_FILE_BYTES. Only what the project names is
/// read, so the cost does not grow with the tree the project sits in.
pub fn nix_files(root: &Path, limit: usize) -> Vec<(PathBuf, String)> {
    let root = fs::canonicalize(root).unwrap_or_else(|_| normalize(root));
    // The entry files first, then the other .nix files at the top (a lone `package.nix`).
    let mut top = nix_files_in(&root);
    top.retain(|p| {
        !p.file_name()
            .is_some_and(|n| ENTRIES.iter().any(|e| n == *e))
    });
    let mut queue: std::collections::VecDeque<PathBuf> =
        ENTRIES.iter().map(|e| root.join(e)).chain(top).collect();
    let mut seen: std::collections::HashSet<PathBuf> = queue.iter().cloned().collect();
    let mut out = Vec::new();
    while let Some(path) = queue.pop_front() {
        if out.len() == limit {
            break;
        }
        let small = fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES);
        let Some(text) = small.then(|| fs::read_to_string(&path).ok()).flatten() else {
            continue;
        };
        let dir = path.parent().unwrap_or(&root).to_path_buf();
        for c in PATH_LITERAL.captures_iter(&text) {
            let target = normalize(&dir.join(&c[1]));
            // `./.` and its parents are the whole source, not a file the code names.
            if !target.starts_with(&root) || root.starts_with(&target) {
                continue;
            }
            for file in named_files(&target) {
                if seen.insert(file.clone()) {
                    queue.push_back(file);
                }
            }
        }
        out.push((path, text));
    }
    out
}

/// The .nix files a path literal names: itself, or a directory's `default.nix`, or else the
/// .nix files directly in the directory.
fn named_files(target: &Path) -> Vec<PathBuf> {
    if target.extension().is_some_and(|x| x == "nix") {
        return vec![target.to_path_buf()];
    }
    if !target.is_dir() {
        return Vec::new();
    }
    let default = target.join("default.nix");
    if default.is_file() {
        return vec![default];
    }
    nix_files_in(target)
}

/// The .nix files directly in `dir`, sorted.
fn nix_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "nix"))
        .collect();
    files.sort();
    files
}

/// `path` with `.` and `..` resolved without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let column = (before.len() - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
    (line, column)
}

fn read_line(path: &Path, line: u32) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    text.lines()
        .nth(line.checked_sub(1)? as usize)
        .map(str::to_owned)
}

/// Lines `line-2 ..= line+2` of `path`, numbered.
pub fn snippet(path: &Path, line: u32) -> Vec<(u32, String)> {
    let Ok(text) = fs::read_to_string(path) else {
        return Vec::new();
    };
    let first = line.saturating_sub(2).max(1);
    text.lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l))
        .filter(|(n, _)| *n >= first && *n <= line + 2)
        .map(|(n, l)| (n, l.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_store_source_to_tree_and_checks_quoted_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("flake.nix"), "{\n  x = y;\n}\n").unwrap();
        let ws = Workspace::new(vec![dir.path().to_path_buf()]);
        let store = "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/flake.nix";
        let ok = ws.map(store, 2, &[(2, "  x = y;".into())]);
        assert_eq!(ok, Some(dir.path().join("flake.nix")));
        assert_eq!(ws.map(store, 2, &[(2, "other".into())]), None);
        let found = ws.find_text(&["nope".into(), "y;".into()]).unwrap();
        assert_eq!((found.1, found.2), (2, 7));
    }

    #[test]
    fn source_dir_of_a_package_built_from_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("libparse/src")).unwrap();
        fs::write(
            dir.path().join("flake.nix"),
            "{ outputs = _: { p = import ./libparse; }; }",
        )
        .unwrap();
        fs::write(
            dir.path().join("libparse/default.nix"),
            "mkDerivation {\n  pname = \"libparse\";\n  src = ./.;\n}\n",
        )
        .unwrap();
        let ws = Workspace::new(vec![dir.path().to_path_buf()]);
        let root = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(ws.source_dir("libparse"), Some(root.join("libparse")));
        assert_eq!(ws.source_dir("other"), None);
    }

    #[test]
    fn only_the_files_the_project_names_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["nix/modules", "lib", "unrelated/deep"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(
            root.join("flake.nix"),
            "{ outputs = _: { p = import ./nix/package.nix; m = ./nix/modules; src = ./.; }; }",
        )
        .unwrap();
        fs::write(root.join("nix/package.nix"), "import ../lib/x.nix").unwrap();
        fs::write(root.join("lib/x.nix"), "{ }").unwrap();
        fs::write(root.join("nix/modules/a.nix"), "{ }").unwrap();
        fs::write(root.join("unrelated/deep/y.nix"), "{ }").unwrap();
        fs::write(root.join("package.nix"), "{ }").unwrap();
        let names = |limit| -> Vec<String> {
            nix_files(root, limit)
                .into_iter()
                .map(|(p, _)| {
                    let root = fs::canonicalize(root).unwrap();
                    p.strip_prefix(&root).unwrap().display().to_string()
                })
                .collect()
        };
        assert_eq!(
            names(10),
            [
                "flake.nix",
                "package.nix",
                "nix/package.nix",
                "nix/modules/a.nix",
                "lib/x.nix"
            ]
        );
        assert_eq!(names(2).len(), 2);
    }

    #[test]
    fn paths_inside_the_source_tree() {
        for (reported, rel) in [
            (
                "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/modules/common.nix",
                Some("modules/common.nix"),
            ),
            ("/build/foo-1.2/src/foo.c", Some("src/foo.c")),
            ("/build/source/include/x.hpp", Some("include/x.hpp")),
            (
                "/tmp/nix-build-foo-1.2.drv-0/foo-1.2/src/foo.c",
                Some("src/foo.c"),
            ),
            (
                "/private/tmp/nix-build-foo-1.2.drv-3/source/src/foo.c",
                Some("src/foo.c"),
            ),
            (
                "/nix/var/nix/builds/nix-build-foo-1.2.drv-0/build/foo-1.2/src/foo.c",
                Some("src/foo.c"),
            ),
            ("src/foo.c", Some("src/foo.c")),
            ("./src/foo.c", Some("src/foo.c")),
            ("../src/foo.c", Some("src/foo.c")),
            ("/build/foo.c", None),
            ("/home/u/project/flake.nix", None),
            ("«string»", None),
        ] {
            assert_eq!(source_path(reported).as_deref(), rel, "{reported}");
        }
    }
}
