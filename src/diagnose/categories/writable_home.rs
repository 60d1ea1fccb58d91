//! writable_home: a program run during the build wanted to write to $HOME, which the sandbox
//! sets to the non-existent, read-only `/homeless-shelter`. Also finds the phase a builder
//! line was printed in, for the categories whose fix depends on it.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct WritableHome;

/// nixpkgs ≥ 23.05 (`Running phase: buildPhase`) and internal-json (`setPhase` records).
static PHASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:Running phase: |"action": ?"setPhase", ?"phase": ?")(\w+)"#)
        .expect("valid regex")
});

/// The headers older stdenvs print when a phase starts.
const HEADERS: &[(&str, &str)] = &[
    ("unpacking sources", "unpackPhase"),
    ("patching sources", "patchPhase"),
    ("configuring", "configurePhase"),
    ("building", "buildPhase"),
    ("running tests", "checkPhase"),
    ("installing", "installPhase"),
    ("post-installation fixup", "fixupPhase"),
    ("running install tests", "installCheckPhase"),
];

/// The last phase that started in `text` (the whole line when it is a header).
fn phase_in(text: &str) -> Option<String> {
    if let Some(c) = PHASE.captures_iter(text).last() {
        return Some(c[1].to_owned());
    }
    let body = text.trim().trim_start_matches('>').trim();
    HEADERS
        .iter()
        .find(|(h, _)| *h == body)
        .map(|(_, p)| (*p).to_owned())
}

/// The phase the builder was in when it printed `site.lines[index]`, up to byte `upto` of
/// that line (a phase record can follow the message on the same line).
pub(super) fn phase_at(site: &Site, index: usize, upto: usize) -> Option<String> {
    let line = site.lines.get(index)?;
    let head = line.text.get(..upto).unwrap_or(&line.text);
    PHASE
        .captures_iter(head)
        .last()
        .map(|c| c[1].to_owned())
        .or_else(|| {
            site.lines[..index]
                .iter()
                .rev()
                .find_map(|l| phase_in(&l.text))
        })
}

/// `preInstall` for `installPhase`: the hook that runs first in a phase.
fn pre_hook(phase: &str) -> String {
    let base = phase.strip_suffix("Phase").unwrap_or(phase);
    let mut chars = base.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase());
    format!(
        "pre{}{}",
        first.map(String::from).unwrap_or_default(),
        chars.as_str()
    )
}

/// Words that make a line about /homeless-shelter a failure rather than a mention.
const FAILURE_WORDS: &[&str] = &[
    "ermission denied",
    "EACCES",
    "Read-only",
    "read-only",
    "cannot",
    "Cannot",
    "can't",
    "No such file",
    "not writable",
    "rror",
    "failed",
];

impl Category for WritableHome {
    fn id(&self) -> &'static str {
        "writable_home"
    }
    fn title(&self) -> &'static str {
        "Build writes to $HOME"
    }
    fn doc(&self) -> &'static str {
        "A program run during the build tried to create or write files in the home directory. \
In the Nix sandbox `HOME` is `/homeless-shelter`, a directory that does not exist and cannot \
be created, so the program fails (\"mkdir /homeless-shelter: permission denied\", \
\"EACCES: permission denied, mkdir '/homeless-shelter'\") or silently produces empty output.

Why: tools keep caches and configuration under `$HOME` (npm, cargo, gradle, pip, go, \
shell-completion generators that load a config). The sandbox gives the build no home so \
that results do not depend on a user's files. The failure can even be silent: the build \
succeeds but the generated files (completions, documentation) are empty.

Fix: point `HOME` at a fresh writable directory before the program runs, in the phase that \
runs it:

    # before
    postInstall = ''
      installShellCompletion --cmd qc --bash <($out/bin/qc completion bash)
    '';
    # after
    postInstall = ''
      export HOME=$(mktemp -d)
      installShellCompletion --cmd qc --bash <($out/bin/qc completion bash)
    '';

`export HOME=$TMPDIR` works too; `preBuild`/`preCheck`/`preInstall` are the usual places."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "homeless-shelter",
            "HOME is not writable",
            // The phase markers `phase_at` reads (test_failure relies on them too).
            "Running phase: ",
            "\"setPhase\"",
            "unpacking sources",
            "patching sources",
            "configuring",
            "building",
            "running tests",
            "installing",
            "post-installation fixup",
            "running install tests",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (index, line) = site.lines.iter().enumerate().find(|(_, l)| {
            l.text.contains("/homeless-shelter") || l.text.contains("HOME is not writable")
        })?;
        let at = line
            .text
            .find("homeless-shelter")
            .or_else(|| line.text.find("HOME is not writable"))
            .unwrap_or(0);
        let failing = FAILURE_WORDS.iter().any(|w| line.text.contains(w));
        let phase = phase_at(site, index, at);
        let (summary, fix, attribute) = match &phase {
            Some(p) => {
                let hook = pre_hook(p);
                (
                    format!("a program run in {p} tried to write to $HOME (/homeless-shelter), which the sandbox does not provide"),
                    format!("set a writable HOME before the program runs: add `export HOME=$(mktemp -d)` to {hook} (or at the top of the hook of {p} that runs it)"),
                    Some(format!("{hook} ({p})")),
                )
            }
            None => (
                "a program run during the build tried to write to $HOME (/homeless-shelter), which the sandbox does not provide".to_owned(),
                "set a writable HOME before the program runs: add `export HOME=$(mktemp -d)` (or `export HOME=$TMPDIR`) at the start of the phase hook that runs it (preBuild, preCheck, preInstall, postInstall)".to_owned(),
                None,
            ),
        };
        let mut v = Verdict::new(if failing { 0.88 } else { 0.6 }, summary)
            .cite(site, line)
            .fix(fix);
        if let Some(a) = attribute {
            v = v.attribute(a);
        }
        if let Some(p) = &phase {
            v = v.fact("phase", p.clone()).fact("hook", pre_hook(p));
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn tool_wordings_and_phase() {
        for (log, phase) in [
            ("building\nmkdir /homeless-shelter: permission denied\n", Some("buildPhase")),
            ("Running phase: checkPhase\nnpm ERR! Error: EACCES: permission denied, mkdir '/homeless-shelter'\n", Some("checkPhase")),
            ("PermissionError: [Errno 13] Permission denied: '/homeless-shelter'\n", None),
            ("installing\ncannot create directory: mkdir /homeless-shelter: permission denied@nix { \"action\": \"setPhase\", \"phase\": \"fixupPhase\" }\npost-installation fixup\n", Some("installPhase")),
        ] {
            let v = verdict_for(&WritableHome, log).unwrap_or_else(|| panic!("{log}"));
            assert!(v.confidence > 0.8);
            match phase {
                Some(p) => assert!(v.attribute.as_deref().unwrap().contains(p), "{log}: {:?}", v.attribute),
                None => assert!(v.attribute.is_none()),
            }
        }
        assert_eq!(pre_hook("installCheckPhase"), "preInstallCheck");
    }

    #[test]
    fn successful_build_names_its_package_and_phase() {
        let log = "building '/nix/store/w1lgavyxdjcpvkhnzfh9m4s2qyzaa03s-qc-0.5.0.drv'...\ninstalling\ncannot create directory: mkdir /homeless-shelter: permission denied\n";
        let v = verdict_for(&WritableHome, log).unwrap();
        assert!(v.facts.contains(&("phase", "installPhase".to_owned())));
        assert!(v.facts.contains(&("hook", "preInstall".to_owned())));
    }

    #[test]
    fn near_miss_other_permission_error() {
        assert!(verdict_for(&WritableHome, "mkdir /var/lib/app: permission denied\n").is_none());
    }
}
