//! untracked_file: a flake in a git repository cannot see a file that git does not track.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};
use crate::nix::store_path;

pub struct UntrackedFile;

/// Nix 2.4-2.19: a path inside the store copy of the source is missing.
static MISSING_IN_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:getting status of|path) '(/nix/store/[0-9a-z]{32}-source/[^']+)'(?::| does not exist)",
    )
    .expect("valid regex")
});
/// Nix 2.20+: the message says it outright.
static NOT_TRACKED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Path '([^']+)' in the repository .* is not tracked by Git").expect("valid regex")
});

impl Category for UntrackedFile {
    fn id(&self) -> &'static str {
        "untracked_file"
    }
    fn title(&self) -> &'static str {
        "File not tracked by git"
    }
    fn doc(&self) -> &'static str {
        "A flake that lives in a git repository is copied to the store with only the files git \
tracks. A new file that was never `git add`ed does not exist for Nix, so importing it fails \
with \"No such file or directory\" (newer Nix: \"is not tracked by Git\").

Why: flakes evaluate a clean copy of the source so that what is built is what is committed; \
an untracked file would make the result depend on local state.

Fix: add the file to git (committing is not needed):

    git add --intent-to-add path/to/file.nix

or `git add path/to/file.nix`. If the file should not be in the repository, stop importing it."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "No such file or directory",
            "does not exist",
            "is not tracked by Git",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if let Some((line, rel)) = site.capture(&NOT_TRACKED) {
            return Some(verdict(site, line, &rel, 0.98));
        }
        let (line, path) = site.capture(&MISSING_IN_SOURCE)?;
        if !line.text.contains("No such file or directory") && !line.text.contains("does not exist")
        {
            return None;
        }
        let rel = store_path::source_relative(&path)?.to_owned();
        Some(verdict(site, line, &rel, 0.85))
    }
}

fn verdict(site: &Site, line: &crate::log::LogLine, rel: &str, confidence: f32) -> Verdict {
    Verdict::new(
        confidence,
        format!("{rel} is not tracked by git, so the flake cannot see it"),
    )
    .cite(site, line)
    .fix(format!(
        "add {rel} to git so the flake's source includes it (or stop referring to it)"
    ))
    .command(format!("git add --intent-to-add -- {rel}"))
    .fact("path", rel)
    .locate(Locate::Path(rel.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn store_copy_missing_file() {
        let v = verdict_for(&UntrackedFile, "error: getting status of '/nix/store/hkkcckl8fxad3is8lyj08174mx396kxs-source/home-manager.nix': No such file or directory\n").unwrap();
        assert_eq!(
            v.commands,
            vec!["git add --intent-to-add -- home-manager.nix"]
        );
    }

    #[test]
    fn near_miss_outside_the_source() {
        assert!(verdict_for(
            &UntrackedFile,
            "error: getting status of '/home/u/x.nix': No such file or directory\n"
        )
        .is_none());
    }
}
