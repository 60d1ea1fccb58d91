//! The scratch copy a candidate fix is checked in: the project (for a git repository, the
//! files git tracks plus untracked ones, with the index recreated so a flake sees the
//! same files), removed when dropped.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::git;

/// The most a scratch copy may hold; a larger project is not copied.
const MAX_BYTES: u64 = 512 << 20;
const SKIP: &[&str] = &[".git", "target", "node_modules", ".direnv"];

#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    #[error("creating the scratch copy failed: {0}")]
    Io(#[from] io::Error),
    #[error("the project is larger than {} MiB; not copying it for validation", MAX_BYTES >> 20)]
    TooLarge,
    #[error(transparent)]
    Git(#[from] git::GitError),
}

pub struct Scratch {
    dir: tempfile::TempDir,
    /// Where the project root is inside the copy.
    pub root: PathBuf,
}

impl Scratch {
    pub fn create(project_root: &Path) -> Result<Scratch, ScratchError> {
        let dir = tempfile::Builder::new()
            .prefix("nfai-validate-")
            .tempdir()?;
        let mut budget = MAX_BYTES;
        let root = match git::toplevel(project_root) {
            Some(top) => {
                let tracked: Vec<String> = git::tracked_files(&top)?
                    .into_iter()
                    .filter(|f| f.mode != "160000")
                    .map(|f| f.path)
                    .collect();
                let untracked = git::untracked_files(&top)?;
                for rel in tracked.iter().chain(&untracked) {
                    copy_entry(&top.join(rel), &dir.path().join(rel), &mut budget)?;
                }
                git::init_with_index(dir.path(), &tracked)?;
                let rel = project_root.strip_prefix(&top).unwrap_or(Path::new(""));
                dir.path().join(rel)
            }
            None => {
                copy_tree(project_root, dir.path(), &mut budget)?;
                dir.path().to_owned()
            }
        };
        Ok(Scratch { dir, root })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn copy_tree(from: &Path, to: &Path, budget: &mut u64) -> Result<(), ScratchError> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if SKIP.contains(&name_str.as_ref())
            || name_str == "result"
            || name_str.starts_with("result-")
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target, budget)?;
        } else {
            copy_entry(&entry.path(), &target, budget)?;
        }
    }
    Ok(())
}

/// Copies one file or symlink; symlinks are recreated as they are.
fn copy_entry(from: &Path, to: &Path, budget: &mut u64) -> Result<(), ScratchError> {
    let meta = match fs::symlink_metadata(from) {
        Ok(m) => m,
        // Deleted but still in the index: the flake would not see it either.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(from)?, to)?;
        return Ok(());
    }
    if meta.is_dir() {
        fs::create_dir_all(to)?;
        return Ok(());
    }
    *budget = budget
        .checked_sub(meta.len())
        .ok_or(ScratchError::TooLarge)?;
    fs::copy(from, to)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_plain_tree_and_is_removed_on_drop() {
        let src = tempfile::tempdir().unwrap();
        fs::create_dir_all(src.path().join("sub")).unwrap();
        fs::write(src.path().join("sub/a.nix"), "{}").unwrap();
        fs::create_dir_all(src.path().join("target")).unwrap();
        fs::write(src.path().join("target/big"), "x").unwrap();
        let s = Scratch::create(src.path()).unwrap();
        assert!(s.root.join("sub/a.nix").is_file());
        assert!(!s.root.join("target").exists());
        let path = s.path().to_owned();
        drop(s);
        assert!(!path.exists());
    }
}
