//! patch_failed: a patch listed in `patches` (or applied with `git apply`) does not apply to
//! the source any more.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};
use crate::nix::store_path;

pub struct PatchFailed;

/// GNU patch and git apply failures; the first group is the failing file where the wording
/// names it.
static FAILURES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\d+ out of \d+ hunks? (?:FAILED|ignored) -- saving rejects to file (\S+)",
        r"Hunk #\d+ FAILED at \d+",
        r"can't find file to patch at input line \d+",
        r"Reversed \(or previously applied\) patch detected!",
        r"patch: \*\*\*\* (.+)",
        r"error: patch failed: ([^:\s]+):\d+",
        r"error: ([^:\s]+): patch does not apply",
        r"No file to patch\.  Skipping patch\.",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});
/// stdenv's patchPhase announces each patch; GNU patch each file.
static APPLYING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"applying patch (\S+)").expect("valid regex"));
static PATCHING_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"patching file '?([^'\s]+)'?").expect("valid regex"));

/// GNU patch's line of the failed hunk in the file it patched.
static HUNK_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Hunk #\d+ FAILED at (\d+)").expect("valid regex"));

/// `fix-build.patch` from `/nix/store/<hash>-fix-build.patch`.
fn patch_name(path: &str) -> &str {
    let name = store_path::name(path);
    name.rsplit('/').next().unwrap_or(name)
}

impl Category for PatchFailed {
    fn id(&self) -> &'static str {
        "patch_failed"
    }
    fn title(&self) -> &'static str {
        "Patch does not apply"
    }
    fn doc(&self) -> &'static str {
        "A patch from the derivation's `patches` did not apply to the source: `patch` reports \
\"Hunk #1 FAILED\", \"can't find file to patch\" or \"Reversed (or previously applied) patch \
detected!\", `git apply` reports \"patch failed\" or \"patch does not apply\".

Why: the source changed under the patch, usually after a version bump: upstream merged the \
fix (the patch is now \"previously applied\"), or edited the lines the patch touches, or \
moved the files. A patch fetched with `fetchpatch` may also need `stripLen`, `relative` or \
`extraPrefix` when its paths do not start at the source root.

Fix: drop the patch if upstream includes it, otherwise rebase it on the new source (or fetch \
the upstream version of it):

    # before
    patches = [ ./fix-build.patch ];
    # after (the fix is part of the new release)
    patches = [ ];

To rebase: unpack the source (`nix develop` then `unpackPhase`), apply the patch with \
`patch -p1 --merge`, resolve the conflicts and regenerate it with `diff -u` or `git diff`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "hunks FAILED",
            "hunk FAILED",
            "hunks ignored",
            "FAILED at",
            "can't find file to patch",
            "previously applied",
            "patch: ****",
            "patch failed:",
            "patch does not apply",
            "No file to patch",
            "applying patch",
            "patching file",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (index, line, file) = FAILURES.iter().find_map(|re| {
            site.lines.iter().enumerate().find_map(|(i, l)| {
                let c = re.captures(&l.text)?;
                Some((i, l, c.get(1).map(|m| m.as_str().to_owned())))
            })
        })?;
        let before = &site.lines[..index];
        let patch = before
            .iter()
            .rev()
            .find_map(|l| APPLYING.captures(&l.text).map(|c| c[1].to_owned()));
        let file = before
            .iter()
            .rev()
            .find_map(|l| PATCHING_FILE.captures(&l.text).map(|c| c[1].to_owned()))
            .or(file.filter(|f| !f.contains(' ')))
            .map(|f| f.trim_end_matches(".rej").to_owned());
        let reversed = line.text.contains("previously applied");
        let which = patch.as_deref().map_or("a patch".to_owned(), |p| {
            format!("the patch {}", patch_name(p))
        });
        let mut summary = if reversed {
            format!("{which} is already applied to the source")
        } else {
            format!("{which} does not apply to the source")
        };
        if let Some(f) = &file {
            summary.push_str(&format!(" ({f})"));
        }
        let fix = if reversed {
            "the source already contains this change (upstream merged it): remove the patch from `patches`"
        } else {
            "the source changed under the patch: remove it if the new version includes the fix, otherwise rebase it on the new source (or fetch the upstream version of it; with fetchpatch check stripLen/relative/extraPrefix)"
        };
        let mut v = Verdict::new(0.94, summary).cite(site, line).fix(fix);
        let mut needles = Vec::new();
        if let Some(p) = &patch {
            let name = patch_name(p);
            needles.push(name.to_owned());
            v = v
                .attribute(format!("patches ({name})"))
                .fact("patch", name)
                .locate(Locate::Text(needles.clone()));
            if let Some(applying) = before.iter().rev().find(|l| APPLYING.is_match(&l.text)) {
                v = v.cite(site, applying);
            }
        }
        // The file patch names, at the failed hunk: the .nix file that lists the patch when
        // the working tree has it, else the patched file as the log gives it.
        let hunk = site.lines[..=index]
            .iter()
            .rev()
            .find_map(|l| HUNK_AT.captures(&l.text)?[1].parse().ok());
        if let (Some(file), Some(line)) = (file, hunk) {
            v = v.locate(if needles.is_empty() {
                // Nothing to find it by: never mapped to a local file by its path alone.
                Locate::Source {
                    file,
                    line,
                    column: 0,
                    quoted: Vec::new(),
                }
            } else {
                Locate::Named {
                    file,
                    line,
                    needles,
                }
            });
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn gnu_patch_and_git_apply() {
        let log = "applying patch /nix/store/0vz2xkxbds1q9pd1ypw1g7ymhf1ymkx4-fix-build.patch\npatching file src/main.c\nHunk #1 FAILED at 12.\n1 out of 1 hunk FAILED -- saving rejects to file src/main.c.rej\n";
        let v = verdict_for(&PatchFailed, log).unwrap();
        assert_eq!(
            v.summary,
            "the patch fix-build.patch does not apply to the source (src/main.c)"
        );
        assert_eq!(
            v.locate,
            Some(Locate::Named {
                file: "src/main.c".into(),
                line: 12,
                needles: vec!["fix-build.patch".into()]
            })
        );
        // Nix 2.3 shows no `applying patch` line: the patched file alone.
        let v = verdict_for(&PatchFailed, "building '/nix/store/0vz2xkxbds1q9pd1ypw1g7ymhf1ymkx4-src.drv'...\npatching file lib/util.c\nHunk #1 succeeded at 10.\nHunk #2 FAILED at 40.\n1 out of 2 hunks FAILED -- saving rejects to file lib/util.c.rej\n").unwrap();
        assert_eq!(
            v.locate,
            Some(Locate::Source {
                file: "lib/util.c".into(),
                line: 40,
                column: 0,
                quoted: vec![]
            })
        );
        let v = verdict_for(&PatchFailed, "applying patch /nix/store/0vz2xkxbds1q9pd1ypw1g7ymhf1ymkx4-cve.patch\npatching file lib/a.c\nReversed (or previously applied) patch detected!  Assume -R? [n]\n").unwrap();
        assert!(v.summary.contains("already applied"));
        assert!(verdict_for(&PatchFailed, "error: patch failed: src/lib.rs:42\n").is_some());
        assert!(verdict_for(&PatchFailed, "can't find file to patch at input line 5\n").is_some());
    }

    #[test]
    fn applied_patches_are_fine() {
        assert!(verdict_for(&PatchFailed, "applying patch /nix/store/0vz2xkxbds1q9pd1ypw1g7ymhf1ymkx4-a.patch\npatching file src/main.c\nHunk #1 succeeded at 14 (offset 2 lines).\n").is_none());
    }
}
