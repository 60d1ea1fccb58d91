//! untracked_file: a flake in a git repository cannot see a file that git does not track.

use std::sync::LazyLock;

use regex::Regex;

use super::missing_file;
use crate::diagnose::{Category, Locate, Site, Verdict, Workspace};
use crate::nix::store_path;

pub struct UntrackedFile;

/// Nix 2.4-2.19: a path inside the store copy of the source is missing; Nix does not say
/// whether git does not track it or it does not exist at all.
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

/// The fact that marks a verdict git and the work tree have not confirmed yet.
const UNCONFIRMED: &str = "unconfirmed";

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
an untracked file would make the result depend on local state. nfai asks git: a file that is \
not in the work tree at all is `missing_file` instead.

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
            return Some(untracked(
                Verdict::new(0.98, String::new()).cite(site, line),
                &rel,
            ));
        }
        let (line, path) = site.capture(&MISSING_IN_SOURCE)?;
        if !line.text.contains("No such file or directory") && !line.text.contains("does not exist")
        {
            return None;
        }
        let rel = store_path::source_relative(&path)?.to_owned();
        // Without the work tree this is all the log says; `settle` asks git.
        Some(
            Verdict::new(
                0.6,
                format!(
                    "{rel} is missing from the flake's source: not tracked by git, or not there at all"
                ),
            )
            .cite(site, line)
            .fix(format!(
                "if {rel} exists, add it to git (`git add --intent-to-add -- {rel}`); if it does \
                 not, correct the path that refers to it"
            ))
            .fact("path", rel.clone())
            .fact(UNCONFIRMED, "git")
            .locate(Locate::Path(rel)),
        )
    }
    fn settle(
        &self,
        v: &Verdict,
        workspace: &Workspace,
    ) -> Option<(&'static dyn Category, Verdict)> {
        v.fact_value(UNCONFIRMED)?;
        let rel = v.fact_value("path")?;
        let roots = missing_file::flake_roots(workspace);
        if let Some(path) = roots.iter().map(|r| r.join(rel)).find(|p| p.exists()) {
            // Present and tracked: the log is about another checkout or an older state.
            return (crate::git::is_tracked(&path) == Some(false)).then(|| {
                let mut confirmed = v.clone();
                confirmed.confidence = 0.97;
                confirmed.facts.retain(|(k, _)| *k != UNCONFIRMED);
                (
                    &UntrackedFile as &'static dyn Category,
                    untracked(confirmed, rel),
                )
            });
        }
        let root = roots.first()?;
        Some((
            crate::diagnose::category("missing_file").expect("registered"),
            missing_file::settled(v, root, rel),
        ))
    }
}

/// `v` as the verdict that `rel` exists but is not tracked.
fn untracked(mut v: Verdict, rel: &str) -> Verdict {
    v.summary = format!("{rel} is not tracked by git, so the flake cannot see it");
    v.commands.clear();
    v.facts.retain(|(k, _)| *k != "path");
    v.fix(format!(
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
    use std::process::Command;

    const LOG: &str = "error: getting status of '/nix/store/hkkcckl8fxad3is8lyj08174mx396kxs-source/home-manager.nix': No such file or directory\n";

    #[test]
    fn store_copy_missing_file_is_unconfirmed_from_the_log_alone() {
        let v = verdict_for(&UntrackedFile, LOG).unwrap();
        assert!(v.confidence < 0.7);
        assert!(v.commands.is_empty());
        // No flake around: nothing to ask.
        let empty = tempfile::tempdir().unwrap();
        let ws = Workspace::new(vec![empty.path().to_owned()]);
        assert!(UntrackedFile.settle(&v, &ws).is_none());
    }

    #[test]
    fn git_decides_between_untracked_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("flake.nix"),
            "{ outputs = _: { m = import ./home-manager.nix; }; }\n",
        )
        .unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(root)
                .args(args)
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "flake.nix"]);
        let ws = Workspace::new(vec![root.to_owned()]);
        let v = verdict_for(&UntrackedFile, LOG).unwrap();
        // Absent: the import names a file that does not exist.
        let (c, missing) = UntrackedFile.settle(&v, &ws).unwrap();
        assert_eq!(c.id(), "missing_file");
        assert!(missing.commands.is_empty());
        assert_eq!(missing.locate, Some(Locate::At("flake.nix".into(), 1, 29)));
        // Present but not added: untracked, and the fix is git's.
        std::fs::write(root.join("home-manager.nix"), "{ }\n").unwrap();
        let (c, untracked) = UntrackedFile.settle(&v, &ws).unwrap();
        assert_eq!(c.id(), "untracked_file");
        assert!(untracked.confidence > 0.9);
        assert_eq!(
            untracked.commands,
            vec!["git add --intent-to-add -- home-manager.nix"]
        );
        // Tracked: the log does not describe this tree; the verdict stays unconfirmed.
        git(&["add", "home-manager.nix"]);
        assert!(UntrackedFile.settle(&v, &ws).is_none());
    }

    #[test]
    fn newer_nix_says_so_itself() {
        let v = verdict_for(
            &UntrackedFile,
            "error: Path 'module.nix' in the repository \"/home/u/p\" is not tracked by Git.\n",
        )
        .unwrap();
        assert!(v.confidence > 0.9);
        assert_eq!(v.commands, vec!["git add --intent-to-add -- module.nix"]);
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
