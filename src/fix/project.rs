//! The user's project as the fixers see it: its root and its parsed .nix files.

use std::path::{Path, PathBuf};

use rnix::SyntaxNode;

use super::rewrite::NixFile;

const MAX_FILES: usize = 5_000;
const MAX_BYTES: u64 = 1 << 20;

pub struct Project {
    pub root: PathBuf,
    pub files: Vec<NixFile>,
}

impl Project {
    /// Reads the .nix files under `root` (honouring .gitignore); files that do not parse
    /// are left out, since nothing can be edited safely in them.
    pub fn load(root: &Path) -> Project {
        let mut files = Vec::new();
        let walk = ignore::WalkBuilder::new(root).hidden(true).build();
        for entry in walk.flatten().take(MAX_FILES * 4) {
            let path = entry.path();
            if files.len() == MAX_FILES
                || path.extension().is_none_or(|e| e != "nix")
                || entry
                    .metadata()
                    .is_ok_and(|m| m.len() > MAX_BYTES || !m.is_file())
            {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let rel = path.strip_prefix(root).unwrap_or(path);
            if let Some(file) = NixFile::parse(rel, text) {
                files.push(file);
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Project {
            root: root.to_owned(),
            files,
        }
    }

    /// The file and attribute set that define the derivation of package `pname`.
    pub fn derivation(&self, pname: &str) -> Option<(&NixFile, SyntaxNode)> {
        self.files
            .iter()
            .find_map(|f| f.derivation(pname).map(|d| (f, d)))
    }

    pub fn file(&self, rel: &Path) -> Option<&NixFile> {
        self.files.iter().find(|f| f.path == rel)
    }
}
