//! The user's project as the fixers see it: its root and its parsed .nix files.

use std::path::{Path, PathBuf};

use rnix::SyntaxNode;

use super::rewrite::NixFile;

const MAX_FILES: usize = 5_000;

pub struct Project {
    pub root: PathBuf,
    pub files: Vec<NixFile>,
}

impl Project {
    /// Reads the .nix files under `root` (see `locate::nix_files`); files that do not parse
    /// are left out, since nothing can be edited safely in them.
    pub fn load(root: &Path) -> Project {
        let files: Vec<NixFile> = crate::diagnose::locate::nix_files(root, MAX_FILES)
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                let rel = path.strip_prefix(root).unwrap_or(&path);
                NixFile::parse(rel, text)
            })
            .collect();
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
