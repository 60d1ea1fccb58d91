//! The only module that runs git: questions about tracking, for flakes that only see
//! tracked files, and the commits `--commit` makes of nfai's changes.

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

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
}

/// Runs git in `dir` and returns its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The top directory of the work tree that contains `dir`; `None` outside one (or
/// without git).
pub fn toplevel(dir: &Path) -> Option<std::path::PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    Some(out.trim_end_matches(['\n', '\r']).into())
}

/// Files changed since the merge base of `base` and HEAD (committed or not, and new
/// untracked files), relative to `dir`.
pub fn changed_files(dir: &Path, base: &str) -> Result<Vec<String>, GitError> {
    let merge_base = git(dir, &["merge-base", base, "HEAD"])?;
    let merge_base = merge_base.trim();
    let mut files: Vec<String> = git(
        dir,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--relative",
            "-z",
            merge_base,
        ],
    )?
    .split('\0')
    .chain(git(dir, &["ls-files", "--others", "--exclude-standard", "-z"])?.split('\0'))
    .filter(|s| !s.is_empty())
    .map(str::to_owned)
    .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// One commit: its id and full message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    pub message: String,
}

impl Commit {
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// The commits of `range` (e.g. `origin/main..HEAD`), newest first, without merges.
pub fn commits(dir: &Path, range: &str) -> Result<Vec<Commit>, GitError> {
    let out = git(
        dir,
        &["log", "--no-merges", "--format=%H%x1f%B%x1e", range, "--"],
    )?;
    Ok(out
        .split('\x1e')
        .filter_map(|rec| {
            let (id, message) = rec.trim_start_matches('\n').split_once('\x1f')?;
            Some(Commit {
                id: id.to_owned(),
                message: message.trim().to_owned(),
            })
        })
        .collect())
}

/// One entry of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedFile {
    /// The git mode: `120000` for symlinks, `160000` for submodules.
    pub mode: String,
    /// Relative to the directory asked about.
    pub path: String,
}

/// Every file git tracks under `dir`.
pub fn tracked_files(dir: &Path) -> Result<Vec<TrackedFile>, GitError> {
    let out = git(dir, &["ls-files", "-s", "-z"])?;
    Ok(out
        .split('\0')
        .filter_map(|rec| {
            let (meta, path) = rec.split_once('\t')?;
            let mode = meta.split_whitespace().next()?;
            Some(TrackedFile {
                mode: mode.to_owned(),
                path: path.to_owned(),
            })
        })
        .collect())
}

/// Files in the work tree under `dir` that git does not track and does not ignore.
pub fn untracked_files(dir: &Path) -> Result<Vec<String>, GitError> {
    Ok(
        git(dir, &["ls-files", "--others", "--exclude-standard", "-z"])?
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// Makes `dir` a fresh repository whose index holds `tracked` (no commit), so a flake
/// copied there sees exactly the files the original repository tracks.
pub fn init_with_index(dir: &Path, tracked: &[String]) -> Result<(), GitError> {
    git(dir, &["init", "-q"])?;
    for chunk in tracked.chunks(500) {
        let mut args = vec!["add", "-f", "--"];
        args.extend(chunk.iter().map(String::as_str));
        git(dir, &args)?;
    }
    Ok(())
}

/// Runs a fix's git command (`add --intent-to-add -- <path>`) in `dir`; other git
/// commands are refused, since fixes must not rewrite history or the work tree.
pub fn run_fix_command(dir: &Path, args: &[String]) -> Result<(), GitError> {
    let allowed = matches!(args, [add, flag, dashdash, _] if add == "add" && flag == "--intent-to-add" && dashdash == "--");
    if !allowed {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: "not a command fixes may run".into(),
        });
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    git(dir, &args).map(drop)
}

/// Paths (relative to the top of the work tree) staged in the index of the repository
/// that contains `dir`.
pub fn staged_files(dir: &Path) -> Result<Vec<String>, GitError> {
    Ok(git(
        dir,
        &["diff", "--cached", "--name-only", "--no-renames", "-z"],
    )?
    .split('\0')
    .filter(|s| !s.is_empty())
    .map(str::to_owned)
    .collect())
}

/// Which of `paths` (relative to `dir`) differ from HEAD, staged or not.
pub fn changed_since_head(dir: &Path, paths: &[String]) -> Result<Vec<String>, GitError> {
    let mut args = vec!["diff", "HEAD", "--name-only", "--no-renames", "-z", "--"];
    args.extend(paths.iter().map(String::as_str));
    Ok(git(dir, &args)?
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Stages `paths` (relative to `dir`) and commits exactly the index with `message` (the
/// repository's hooks run, as for any commit); returns the new commit's id.
pub fn commit_paths(dir: &Path, paths: &[String], message: &str) -> Result<String, GitError> {
    let mut add = vec!["add", "--"];
    add.extend(paths.iter().map(String::as_str));
    git(dir, &add)?;
    git(dir, &["commit", "-q", "-m", message])?;
    Ok(git(dir, &["rev-parse", "HEAD"])?.trim().to_owned())
}
