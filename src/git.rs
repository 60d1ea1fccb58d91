//! The only module that runs git: questions about tracking, for flakes that only see
//! tracked files.

use std::path::Path;
use std::process::{Command, Stdio};

/// Whether `file` is tracked (or added) in the git repository that contains it; `None` when
/// git is absent or `file` is not inside a work tree.
pub fn is_tracked(file: &Path) -> Option<bool> {
    let dir = file.parent()?;
    let name = file.file_name()?;
    let inside = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !inside.status.success() {
        return None;
    }
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    Some(status.success())
}
