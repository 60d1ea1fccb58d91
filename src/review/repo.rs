//! The repository as the repo-level rules see it: the files the walk found, the texts of
//! the ones they read, the flakes, and what git knows (tracked files, the commits under
//! review).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::flake::{Flake, Lock};
use super::walk::{Entry, Kind};
use crate::git::{Commit, GitError, TrackedFile};

pub struct Repo {
    pub root: PathBuf,
    pub files: Vec<Entry>,
    pub texts: HashMap<String, String>,
    pub flakes: Vec<Flake>,
    pub git: Option<GitState>,
    /// Index into `flakes` by flake directory.
    flake_dirs: HashMap<String, usize>,
    /// Directories of flakes offered as templates.
    templates: HashSet<String>,
    /// Indices into `files` by directory.
    by_dir: HashMap<String, Vec<usize>>,
}

/// What the walk read for the repo-level rules: the files, the texts it kept, and the
/// flakes and locks it read on its threads.
#[derive(Default)]
pub struct Contents {
    pub files: Vec<Entry>,
    pub texts: HashMap<String, String>,
    /// The flake.nix files, their locks not attached yet.
    pub flakes: Vec<Flake>,
    /// The flake.lock files by path: read, or why they could not be.
    pub locks: HashMap<String, Result<Lock, String>>,
}

impl Contents {
    /// A flake.nix read with its parse (its text is kept there, not in `texts`).
    pub fn add_flake(
        &mut self,
        rel: &str,
        text: &str,
        parse: rnix::Parse<crate::nix::syntax::Root>,
    ) {
        self.flakes.push(Flake::new(rel, text.to_owned(), parse));
    }

    pub fn add_lock(&mut self, rel: &str, text: &str) {
        let lock = Lock::parse(rel, text).map_err(|e| e.to_string());
        self.locks.insert(rel.to_owned(), lock);
    }

    pub fn merge(&mut self, other: Contents) {
        self.files.extend(other.files);
        self.texts.extend(other.texts);
        self.flakes.extend(other.flakes);
        self.locks.extend(other.locks);
    }

    /// Contents of files in memory, read as the walk reads them.
    #[cfg(test)]
    pub fn of_texts(files: Vec<Entry>, mut texts: HashMap<String, String>) -> Contents {
        let mut contents = Contents::default();
        for e in &files {
            let Some(text) = texts.get(&e.rel) else {
                continue;
            };
            if e.kind == Kind::Lock {
                contents.add_lock(&e.rel, text);
            } else if e.kind == Kind::Nix && is_flake(&e.rel) {
                contents.add_flake(&e.rel, text, crate::nix::syntax::parse(text));
            }
        }
        texts.retain(|rel, _| !is_flake(rel));
        contents.files = files;
        contents.texts = texts;
        contents
    }
}

/// Whether `rel` names a flake.nix.
pub fn is_flake(rel: &str) -> bool {
    rel == "flake.nix" || rel.ends_with("/flake.nix")
}

pub struct GitState {
    pub tracked: Vec<TrackedFile>,
    /// The commits under review and their range, when a range was given.
    pub commits: Option<(String, Vec<Commit>)>,
}

impl GitState {
    /// Asks git about the repository at `root`: its index, and the commits of `range`.
    pub fn read(root: &Path, range: Option<&str>) -> Result<GitState, GitError> {
        let commits = match range {
            Some(range) => Some((range.to_owned(), crate::git::commits(root, range)?)),
            None => None,
        };
        Ok(GitState {
            tracked: crate::git::tracked_files(root)?,
            commits,
        })
    }
}

impl Repo {
    pub fn build(root: &Path, contents: Contents, git: Option<GitState>) -> Repo {
        let Contents {
            files,
            texts,
            mut flakes,
            mut locks,
        } = contents;
        flakes.sort_by(|a, b| a.nix_rel.cmp(&b.nix_rel));
        for flake in &mut flakes {
            flake.lock = locks.remove(&flake.path("flake.lock"));
        }
        let flake_dirs = flakes
            .iter()
            .enumerate()
            .map(|(i, f): (usize, &Flake)| (f.dir.clone(), i))
            .collect();
        let templates = flakes
            .iter()
            .flat_map(|f| f.template_dirs.iter().cloned())
            .collect();
        let mut by_dir: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in files.iter().enumerate() {
            by_dir.entry(parent(&e.rel).to_owned()).or_default().push(i);
        }
        Repo {
            root: root.to_owned(),
            files,
            texts,
            flakes,
            git,
            flake_dirs,
            templates,
            by_dir,
        }
    }

    /// The text of a file the walk kept, flake.nix files included.
    pub fn text(&self, rel: &str) -> Option<&str> {
        if is_flake(rel) {
            let dir = rel
                .strip_suffix("flake.nix")
                .unwrap_or("")
                .trim_end_matches('/');
            return self
                .flake_dirs
                .get(dir)
                .map(|&i| self.flakes[i].text.as_str());
        }
        self.texts.get(rel).map(String::as_str)
    }

    /// A file's text: kept from the walk, else read from disk (for the few files a rule
    /// needs that the walk did not keep).
    pub fn read(&self, rel: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.text(rel) {
            Some(t) => Some(t.into()),
            None => std::fs::read_to_string(self.root.join(rel))
                .ok()
                .map(Into::into),
        }
    }

    pub fn files_of(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.files.iter().filter(move |e| e.kind == kind)
    }

    pub fn has_file(&self, rel: &str) -> bool {
        self.files
            .binary_search_by(|e| e.rel.as_str().cmp(rel))
            .is_ok()
    }

    /// Whether `flake` is a template for users to instantiate (it ships without a lock on
    /// purpose): listed in some flake's `templates` output, or living under a `templates/`
    /// directory and describing itself.
    pub fn is_template(&self, flake: &Flake) -> bool {
        self.templates.contains(&flake.dir)
            || (flake.dir.split('/').any(|d| d == "templates") && flake.has_description())
    }

    /// Whether a devenv project (`devenv.nix`, a Nix dev environment like a flake's dev
    /// shell) is in `dir` or above it.
    pub fn in_devenv(&self, dir: &str) -> bool {
        ancestors(dir).any(|d| {
            self.files_in(d)
                .any(|e| e.rel.rsplit('/').next() == Some("devenv.nix"))
        })
    }

    /// Whether a file of `kind` in the directory of `rel` or above it names `rel`'s file
    /// name (a derivation that packages a script, a Dockerfile that copies it).
    pub fn named_near(&self, rel: &str, kind: Kind) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        ancestors(parent(rel)).any(|dir| {
            self.files_in(dir)
                .filter(|e| e.kind == kind && e.rel != rel)
                .filter_map(|e| self.read(&e.rel))
                .any(|t| t.contains(name))
        })
    }

    fn files_in(&self, dir: &str) -> impl Iterator<Item = &Entry> {
        self.by_dir
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.files[i])
    }

    /// The flake whose directory is the nearest ancestor of `rel` (or contains it).
    pub fn flake_for(&self, rel: &str) -> Option<&Flake> {
        let mut dir = rel;
        loop {
            if let Some(&i) = self.flake_dirs.get(dir) {
                return Some(&self.flakes[i]);
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(dir);
        }
    }
}

/// `dir` and every directory above it, up to the root (`""`).
pub fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let d = next?;
        next = (!d.is_empty()).then(|| parent(d));
        Some(d)
    })
}

/// `path` (relative, may hold `.` and `..`) joined to `base`, normalised; `None` when it
/// leaves the root.
pub fn normalize(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The directory part of a relative path (`""` at the root).
pub fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_flake() {
        let files = vec![
            Entry {
                rel: "flake.nix".into(),
                kind: Kind::Nix,
            },
            Entry {
                rel: "tools/x/flake.nix".into(),
                kind: Kind::Nix,
            },
        ];
        let texts = HashMap::from([
            ("flake.nix".to_owned(), "{ outputs = _: { }; }".to_owned()),
            (
                "tools/x/flake.nix".to_owned(),
                "{ outputs = _: { }; }".to_owned(),
            ),
        ]);
        let contents = Contents::of_texts(files, texts);
        let repo = Repo::build(Path::new("."), contents, None);
        assert_eq!(repo.flake_for("tools/x/run.sh").unwrap().dir, "tools/x");
        assert_eq!(repo.flake_for("tools/y/run.sh").unwrap().dir, "");
        assert!(repo.has_file("flake.nix") && !repo.has_file("flake.lock"));
        assert_eq!(parent("a/b/c.sh"), "a/b");
        assert!(!repo.is_template(&repo.flakes[1]));
        assert!(!repo.in_devenv("tools/x"));
    }
}
