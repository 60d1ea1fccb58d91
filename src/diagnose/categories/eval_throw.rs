//! eval_throw: the Nix code stopped evaluation on purpose (`throw`, `abort`, `assert`, NixOS
//! `assertions`); also the helpers the other evaluation-side categories share, since most of
//! their messages are specific throws (nixpkgs check-meta, aliases).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct EvalThrow;

/// 2.4+: `assertion '(x == y)' failed`; 2.3: `assertion (x == y) failed at ...`; older:
/// `assertion failed at ...`.
static ASSERTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"assertion (?:[‘']?(.+?)[’']? )?failed(?:$|,? at )").expect("valid regex")
});
static ABORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"evaluation aborted with the following error message: [‘'](.*)[’']")
        .expect("valid regex")
});
/// 2.21+: an `assert a == b` that is false names the condition in a frame and ends with what
/// differs (`error: an integer with value '1' is not equal to an integer with value '2'`).
static ASSERTION_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"while evaluating the condition of the assertion [‘'](.+)[’']$")
        .expect("valid regex")
});
/// 2.18+ names the builtin that raised the error in a frame.
const THROW_FRAME: &str = "while calling the 'throw' builtin";

impl Category for EvalThrow {
    fn id(&self) -> &'static str {
        "eval_throw"
    }
    fn title(&self) -> &'static str {
        "Evaluation stopped by throw, abort or a failed assertion"
    }
    fn doc(&self) -> &'static str {
        "The Nix code deliberately stopped the evaluation: a `throw \"...\"` or `abort \"...\"` \
ran, an `assert` condition was false, or a NixOS module's `assertions` failed (\"Failed \
assertions:\"). The message was written by the author of that code and usually says what is \
wrong.

Why: a library or module checks its inputs (a required option is unset, two options \
conflict, a platform is unsupported, an argument has the wrong shape) and refuses to go on \
instead of producing a broken result.

Fix: read the message and change the configuration it names; with `--show-trace` the trace \
shows which of your files led there. For a NixOS assertion, set what it asks for:

    # before: - The ‘fileSystems’ option does not specify your root file system.
    { boot.loader.grub.device = \"/dev/sda\"; }
    # after
    { boot.loader.grub.device = \"/dev/sda\";
      fileSystems.\"/\" = { device = \"/dev/disk/by-label/nixos\"; fsType = \"ext4\"; }; }"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "assertion",
            "Failed assertions:",
            "evaluation aborted",
            THROW_FRAME,
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let trace = site.trace.as_ref()?;
        if let Some(head) = site.line_with("Failed assertions:") {
            let failed = site
                .lines
                .iter()
                .skip_while(|l| !std::ptr::eq(*l, head))
                .find_map(|l| l.text.trim().strip_prefix("- ").map(|a| (l, a.to_owned())));
            let mut v = Verdict::new(
                0.7,
                match &failed {
                    Some((_, a)) => format!("a NixOS assertion failed: {a}"),
                    None => "a NixOS module assertion failed".to_owned(),
                },
            )
            .cite(site, head)
            .fix("change the configuration as each failed assertion says (the lines starting with `- `)");
            if let Some((line, _)) = failed {
                v = v.cite(site, line);
            }
            return Some(v);
        }
        if let Some((line, c)) = site.captures(&ABORT) {
            return Some(
                Verdict::new(0.7, format!("evaluation aborted: {}", &c[1]))
                    .cite(site, line)
                    .fix("the code called `abort` with this message; do what it asks, or find the `abort` with --show-trace"),
            );
        }
        if let Some((frame, c)) = site.captures(&ASSERTION_FRAME) {
            let differs = trace.message.lines().next().unwrap_or_default();
            let line = site
                .find(|t| !differs.is_empty() && t.contains(differs))
                .unwrap_or(frame);
            return Some(
                Verdict::new(0.75, format!("assertion `{}` failed: {differs}", &c[1]))
                    .cite(site, line)
                    .fix("an `assert` in the Nix code is false for your inputs: the message says which values differ; give the asserted expression the value it requires"),
            );
        }
        if let Some((line, c)) = site.captures(&ASSERTION) {
            let summary = match c.get(1) {
                Some(cond) => format!("assertion `{}` failed", cond.as_str()),
                None => "an assertion failed".to_owned(),
            };
            return Some(Verdict::new(0.7, summary).cite(site, line).fix(
                "an `assert` in the Nix code is false for your inputs: look at the asserted \
                 condition at the reported position and give it the value it requires",
            ));
        }
        let thrown = site.line_with(THROW_FRAME).is_some()
            || trace.positions().first().is_some_and(|(pos, snippet)| {
                snippet
                    .iter()
                    .any(|(n, text)| *n == pos.line && text.contains("throw"))
            });
        if !thrown || trace.message.is_empty() {
            return None;
        }
        let first = trace.message.lines().next().unwrap_or_default();
        let line = site.find(|t| t.contains(first))?;
        Some(
            Verdict::new(0.6, format!("the Nix code threw an error: {first}"))
                .cite(site, line)
                .fix("the message comes from a `throw` in the Nix code: do what it says; --show-trace shows which of your definitions led to it"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn nix_2_21_assertion_condition_frame() {
        let v = verdict_for(&EvalThrow, "error:\n       … while evaluating the condition of the assertion '({ b = 1; } == { b = 2; })'\n         at /pwd/lang/eval-fail-assert-equal-ints.nix:1:1:\n            1| assert { b = 1; } == { b = 2; };\n             | ^\n\n       … while comparing attribute 'b'\n\n       error: an integer with value '1' is not equal to an integer with value '2'\n").unwrap();
        assert_eq!(v.summary, "assertion `({ b = 1; } == { b = 2; })` failed: an integer with value '1' is not equal to an integer with value '2'");
    }

    #[test]
    fn assertion_wordings() {
        let v = verdict_for(&EvalThrow, "error: assertion '(1 == 2)' failed\n\n       at «string»:1:1:\n\n            1| assert 1 == 2; 1\n             | ^\n").unwrap();
        assert_eq!(v.summary, "assertion `(1 == 2)` failed");
        let v = verdict_for(
            &EvalThrow,
            "error: assertion (stdenv.isLinux) failed at /src/default.nix:3:1\n",
        )
        .unwrap();
        assert_eq!(v.summary, "assertion `(stdenv.isLinux)` failed");
    }

    #[test]
    fn nixos_failed_assertions_and_abort() {
        let v = verdict_for(&EvalThrow, "error:\n       Failed assertions:\n       - The ‘fileSystems’ option does not specify your root file system.\n").unwrap();
        assert!(v.summary.contains("root file system"), "{}", v.summary);
        assert_eq!(v.evidence.len(), 2);
        let v = verdict_for(
            &EvalThrow,
            "error: evaluation aborted with the following error message: 'aborting'\n",
        )
        .unwrap();
        assert_eq!(v.summary, "evaluation aborted: aborting");
    }

    #[test]
    fn throw_frame_of_modern_nix() {
        let v = verdict_for(&EvalThrow, "error:\n       … while calling the 'throw' builtin\n         at /nix/store/h-source/lib.nix:3:5:\n            3|     throw \"unknown backend\";\n             |     ^\n\n       error: unknown backend\n").unwrap();
        assert_eq!(v.summary, "the Nix code threw an error: unknown backend");
        assert!((0.6..=0.7).contains(&v.confidence));
    }

    #[test]
    fn near_miss_plain_error_is_not_a_throw() {
        assert!(verdict_for(&EvalThrow, "error: attribute 'b' missing\n").is_none());
        assert!(verdict_for(&EvalThrow, "assertion failed: x < 3 in src/main.rs\n").is_none());
    }
}
