//! The user's project as the fixers see it: its root and its parsed .nix files.

use std::path::{Path, PathBuf};

use rnix::SyntaxNode;

use super::rewrite::NixFile;

/// Files read at most: the ones the project's code names, nearest first.
const MAX_FILES: usize = 1_000;

pub struct Project {
    pub root: PathBuf,
    pub files: Vec<NixFile>,
}

impl Project {
    /// Reads the .nix files of the project at `root` (see `locate::nix_files`); files that
    /// do not parse are left out, since nothing can be edited safely in them.
    pub fn load(root: &Path) -> Project {
        // The same form of the root as the paths `nix_files` gives.
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
        let files: Vec<NixFile> = crate::diagnose::locate::nix_files(&root, MAX_FILES)
            .into_iter()
            .filter_map(|(path, text)| {
                let rel = path.strip_prefix(&root).unwrap_or(&path);
                NixFile::parse(rel, text)
            })
            .collect();
        Project { root, files }
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
