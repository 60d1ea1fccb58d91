//! `--commit [ID]` of the commands that write files: the change nfai wrote becomes one git
//! commit carrying the change-request id and saying what changed and how it was validated,
//! so that `git revert` undoes exactly nfai's change.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::commands::InputError;
use crate::git;
use crate::review::Config;

/// A commit checked before anything is written: the repository, the id, the files.
#[derive(Debug)]
pub struct Planned {
    dir: PathBuf,
    id: String,
    files: Vec<String>,
}

/// Checks that `files` (relative to `root`) can become one commit of their own: `root`
/// is in a git repository with a HEAD, the id (`flag`, else `change-request-id` from
/// `.nfai.toml`) matches the project's change-request pattern, the index holds no staged
/// change to other files, and the files themselves have no uncommitted changes (the commit
/// would carry them, and reverting it would lose them).
pub fn plan(
    root: &Path,
    flag: Option<&str>,
    config: Option<&Path>,
    files: &[PathBuf],
) -> anyhow::Result<Planned> {
    let input = |m: String| anyhow::Error::from(InputError(m));
    if git::toplevel(root).is_none() {
        return Err(input(format!(
            "--commit: {} is not in a git repository",
            root.display()
        )));
    }
    let config = Config::load(root, config).map_err(|e| input(e.to_string()))?;
    let id = flag
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
        .or(config.change_request_id.clone())
        .ok_or_else(|| {
            input(
                "--commit needs a change-request id: give it (`--commit CRQ-123`) or set \
                 `change-request-id` in .nfai.toml"
                    .into(),
            )
        })?;
    if !config.change_request.is_match(&id) {
        return Err(input(format!(
            "--commit: `{id}` does not match the change-request pattern `{}`",
            config.change_request.as_str()
        )));
    }
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let top = |paths: Vec<String>| -> Vec<String> {
        // git names staged paths from the top of the work tree; ours are relative to root.
        let prefix = git::toplevel(root)
            .and_then(|t| {
                let root = std::fs::canonicalize(root).ok()?;
                let t = std::fs::canonicalize(t).ok()?;
                root.strip_prefix(t).ok().map(Path::to_path_buf)
            })
            .unwrap_or_default();
        paths
            .into_iter()
            .map(|p| prefix.join(p).display().to_string())
            .collect()
    };
    let ours = top(files.clone());
    let unrelated: Vec<String> = git::staged_files(root)?
        .into_iter()
        .filter(|s| !ours.contains(s))
        .collect();
    if !unrelated.is_empty() {
        return Err(input(format!(
            "--commit: the index holds staged changes to other files ({}); commit or unstage \
             them first, so that nfai's commit holds only its own change",
            unrelated.join(", ")
        )));
    }
    let dirty = git::changed_since_head(root, &files)?;
    if !dirty.is_empty() {
        return Err(input(format!(
            "--commit: {} already differ(s) from HEAD; commit or stash that first, so that \
             reverting nfai's commit restores exactly what was there",
            dirty.join(", ")
        )));
    }
    Ok(Planned {
        dir: root.to_owned(),
        id,
        files,
    })
}

impl Planned {
    /// Commits the written files: `<ID> nfai: <summary>`, then what changed and how it was
    /// validated. Returns the commit id. Planned files that were not written (a flake.lock
    /// that could not be locked offline) are left out: nfai writes files, never deletes them.
    pub fn commit(&self, summary: &str, changed: &str, validated: &str) -> anyhow::Result<String> {
        let files: Vec<String> = self
            .files
            .iter()
            .filter(|f| self.dir.join(f).exists())
            .cloned()
            .collect();
        let message = format!(
            "{} nfai: {summary}\n\nChanged: {changed}\nFiles: {}\nValidated: {validated}\n",
            self.id,
            files.join(", ")
        );
        let id = git::commit_paths(&self.dir, &files, &message)
            .context("the change is written but could not be committed")?;
        eprintln!("nfai: committed the change as {}", &id[..id.len().min(12)]);
        Ok(id)
    }
}
