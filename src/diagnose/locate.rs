//! Maps what a log names (store paths of the user's flake source, hashes, file names) back
//! to files in the user's working tree.

use std::fs;
use std::path::{Path, PathBuf};

use crate::nix::store_path;

const MAX_FILES: usize = 20_000;
const MAX_FILE_BYTES: u64 = 1 << 20;
const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", ".direnv"];

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

    /// The local file behind a reported path: a store copy of the user's source
    /// (`/nix/store/<hash>-source/x.nix`) or a path already in the tree. When Nix quoted the
    /// line, the local line must read the same, so a file of another input never matches.
    pub fn map(&self, reported: &str, line: u32, quoted: &[(u32, String)]) -> Option<PathBuf> {
        let candidates: Vec<PathBuf> = match store_path::source_relative(reported) {
            Some(rel) => self.roots.iter().map(|r| r.join(rel)).collect(),
            None if Path::new(reported).is_absolute() => vec![PathBuf::from(reported)],
            None => self.roots.iter().map(|r| r.join(reported)).collect(),
        };
        let expected = quoted
            .iter()
            .find(|(n, _)| *n == line)
            .map(|(_, t)| t.trim());
        candidates.into_iter().find(|p| {
            p.is_file()
                && match expected {
                    Some(text) => read_line(p, line).is_some_and(|l| l.trim() == text),
                    None => true,
                }
        })
    }

    /// The first .nix file under the roots containing one of `needles` (earlier needles
    /// win), with the 1-based line and column of the match. Each file is read once.
    pub fn find_text(&self, needles: &[String]) -> Option<(PathBuf, u32, u32)> {
        let mut best: Option<(usize, PathBuf, u32, u32)> = None;
        for root in &self.roots {
            for path in nix_files(root, MAX_FILES) {
                let Ok(text) = fs::read_to_string(&path) else {
                    continue;
                };
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

/// The .nix files under `root` (honouring .gitignore, skipping hidden and build-output
/// directories), in a stable order, at most `limit`, none larger than MAX_FILE_BYTES.
pub fn nix_files(root: &Path, limit: usize) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .hidden(true)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !SKIP_DIRS.contains(&name.as_ref()) && !name.starts_with("result")
        })
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .flatten()
        .filter(|e| {
            e.path().extension().is_some_and(|x| x == "nix")
                && e.metadata()
                    .is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES)
        })
        .take(limit)
        .map(|e| e.into_path())
        .collect()
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
}
