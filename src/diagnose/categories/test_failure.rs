//! test_failure: the package built, but its test suite (checkPhase) failed.

use std::sync::LazyLock;

use regex::Regex;

use super::writable_home::phase_at;
use crate::diagnose::{Category, Site, Verdict};
use crate::log::LogLine;

pub struct TestFailure;

/// The test runner, which decides how to skip a test.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Runner {
    Cargo,
    Pytest,
    Go,
    Other,
}

/// Test-runner summaries that say by themselves that tests failed.
static SUMMARIES: LazyLock<Vec<(Regex, Runner)>> = LazyLock::new(|| {
    use Runner::*;
    [
        (r"test result: FAILED\. \d+ passed; [1-9]\d* failed", Cargo),
        (
            r"=+ (?:.*?, )?[1-9]\d* (?:failed|error)s?\b.* in [\d.]+s",
            Pytest,
        ),
        (r"FAILED \((?:failures|errors)=\d+", Pytest),
        (r"^(?:\s*> )?FAIL\s+\S+\s+[\d.]+s$", Go),
        (r"--- FAIL: \S+", Go),
        (r"The following tests FAILED:", Other),
        (
            r"\d+% tests passed, [1-9]\d* tests? failed out of \d+",
            Other,
        ),
        (r"# of unexpected failures\s+[1-9]", Other),
        (r"Tests:\s+[1-9]\d* failed", Other),
        (r"Summary of Failures:", Other),
        (r"Test suite \S+: FAIL", Other),
        // automake's serial test harness
        (r"^(?:\s*> )?[1-9]\d* of \d+ tests? failed", Other),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("valid regex"), r))
    .collect()
});
/// Failures that are test failures only when the log shows the check phase.
static WEAK: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"make(?:\[\d+\])?: \*\*\* \[(?:\S+:\d+: )?(?:check|test)[\w-]*\] Error \d+",
        r"^(?:\s*> )?#? ?FAIL:\s+[1-9]",
        r"^(?:\s*> )?Fail:\s+[1-9]",
        r"^(?:\s*> )?FAIL: \S+",
        r"error: test failed",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});
/// Names of failing tests: cargo, pytest, go, unittest, ctest, automake.
static NAMES: LazyLock<Vec<(Regex, Runner)>> = LazyLock::new(|| {
    use Runner::*;
    [
        (r"^(?:\s*> )?---- (\S+) stdout ----", Cargo),
        (r"^(?:\s*> )?FAILED (\S+::\S+?)(?: - |$)", Pytest),
        (r"^(?:\s*> )?(?:FAIL|ERROR): (test\w*) \([\w.]+\)", Pytest),
        (r"^(?:\s*> )?\s*--- FAIL: (\S+)", Go),
        (r"^(?:\s*> )?\s*\d+ - (\S+) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)\)", Other),
        (r"^(?:\s*> )?FAIL: (\S+)$", Other),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("valid regex"), r))
    .collect()
});

/// Whether `index` is in the check phase, from the phase markers or a check hook's banner.
pub(super) fn in_check_phase(site: &Site, index: usize) -> bool {
    phase_at(site, index, usize::MAX).is_some_and(|p| p.ends_with("heckPhase"))
        || site.lines[..index].iter().any(|l| {
            // stdenv's checkPhase announces itself with `check flags: ...`.
            l.text.contains("CheckPhase")
                || l.text.contains("CheckHook")
                || l.text.contains("check flags:")
        })
}

/// The name to give a skip option: the test function of a pytest node id.
fn test_name(runner: Runner, raw: &str) -> String {
    match runner {
        Runner::Pytest => {
            let last = raw.rsplit("::").next().unwrap_or(raw);
            last.split('[').next().unwrap_or(last).to_owned()
        }
        _ => raw.to_owned(),
    }
}

fn skip_fix(runner: Runner, names: &[String]) -> String {
    let quoted = |f: &dyn Fn(&String) -> String| names.iter().map(f).collect::<Vec<_>>().join(" ");
    let skip = match runner {
        _ if names.is_empty() => String::new(),
        Runner::Cargo => format!(
            "checkFlags = [ {} ];",
            quoted(&|n| format!("\"--skip={n}\""))
        ),
        Runner::Pytest => format!("disabledTests = [ {} ];", quoted(&|n| format!("\"{n}\""))),
        Runner::Go => format!("checkFlags = [ \"-skip=^({})$\" ];", names.join("|")),
        Runner::Other => String::new(),
    };
    let mut fix = "read the failing test's output: fix the cause (a missing test dependency in nativeCheckInputs, a test needing network or $HOME, a real bug) or report it upstream".to_owned();
    if skip.is_empty() {
        fix.push_str("; as a last resort disable that test, or all tests with `doCheck = false;`");
    } else {
        fix.push_str(&format!(
            "; to skip only the failing tests: `{skip}` (`doCheck = false;` only as a last resort)"
        ));
    }
    fix
}

impl Category for TestFailure {
    fn id(&self) -> &'static str {
        "test_failure"
    }
    fn title(&self) -> &'static str {
        "Tests failed"
    }
    fn doc(&self) -> &'static str {
        "The package compiled, but its test suite failed during the check phase \
(`checkPhase`), so Nix discarded the result.

Why: a real bug, or a test that cannot pass in the sandbox: it needs the network, a \
writable $HOME, a display, the current time, or files from the host; or a dependency of the \
tests is missing from `nativeCheckInputs`. A dependency update can also change behaviour \
that a test asserts.

Fix: read the failing test's output first. If the test cannot work in the sandbox, skip \
just that test, by its exact name:

    # before
    buildPythonPackage { ...; nativeCheckInputs = [ pytestCheckHook ]; }
    # after
    buildPythonPackage {
      ...; nativeCheckInputs = [ pytestCheckHook ];
      disabledTests = [ \"test_download\" ];   # needs network access
    }

Rust: `checkFlags = [ \"--skip=tests::test_download\" ];`, Go: \
`checkFlags = [ \"-skip=^TestDownload$\" ];`. `doCheck = false;` disables every test and is \
a last resort."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "FAIL",
            " failed, ",
            " failed in ",
            "tests failed",
            "test failed",
            "check flags:",
            " (Failed)",
            " (Timeout)",
            " (SEGFAULT)",
            "Fail:",
            "# of unexpected failures",
            "Summary of Failures",
            "] Error ",
            // `running flake checks...`; newer Nix and Lix count them: `running 3 flake checks...`.
            " flake checks",
            " stdout ----",
            "error: test failed",
            "CheckPhase",
            "CheckHook",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let strong = SUMMARIES.iter().find_map(|(re, runner)| {
            let (i, l) = site
                .lines
                .iter()
                .enumerate()
                .find(|(_, l)| re.is_match(&l.text))?;
            Some((i, l, *runner, 0.85))
        });
        let found = strong.or_else(|| {
            let (i, l): (usize, &LogLine) = site.lines.iter().enumerate().find(|(i, l)| {
                WEAK.iter().any(|re| re.is_match(&l.text)) && in_check_phase(site, *i)
            })?;
            Some((i, l, Runner::Other, 0.75))
        });
        let Some((_, line, mut runner, confidence)) = found else {
            return flake_check(site);
        };
        let mut names: Vec<String> = Vec::new();
        let mut v = Verdict::new(confidence, String::new()).cite(site, line);
        for l in &site.lines {
            for (re, r) in NAMES.iter() {
                let Some(c) = re.captures(&l.text) else {
                    continue;
                };
                if runner == Runner::Other {
                    runner = *r;
                }
                let name = test_name(*r, &c[1]);
                if !names.contains(&name) && names.len() < 10 {
                    names.push(name);
                    v = v.cite(site, l);
                }
                break;
            }
        }
        v.summary = match names.len() {
            0 => "the test suite failed".to_owned(),
            1 => format!("the test {} failed", names[0]),
            n => format!(
                "{n} tests failed: {}{}",
                names.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if n > 5 { ", ..." } else { "" }
            ),
        };
        let runner_name = match runner {
            Runner::Cargo => "cargo",
            Runner::Pytest => "pytest",
            Runner::Go => "go",
            Runner::Other => "other",
        };
        Some(
            v.fix(skip_fix(runner, &names))
                .attribute("checkPhase")
                .fact("runner", runner_name)
                .fact("tests", names.join(" ")),
        )
    }
}

static RUNNING_CHECKS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"running (?:\d+ )?flake checks").expect("valid regex"));

/// A check derivation of `nix flake check` whose builder failed without a test runner's
/// summary: the check's last output lines are the evidence.
fn flake_check(site: &Site) -> Option<Verdict> {
    let drv = site
        .drv()
        .filter(|_| matches!(site.kind, crate::diagnose::SiteKind::Build { .. }))?;
    site.find(|t| RUNNING_CHECKS.is_match(t))?;
    let name = crate::diagnose::site::drv_name(drv);
    let last = site.lines.iter().rev().find(|l| {
        l.text
            .trim_start()
            .strip_prefix("> ")
            .is_some_and(|t| !t.trim().is_empty())
    })?;
    Some(
        Verdict::new(0.6, format!("the flake check {name} failed"))
            .cite(site, last)
            .fix(
                "the check's own output (quoted) says what it rejected: fix the code it checks, or \
                 the check; rebuild just that check with `nix build .#checks.<system>.<name>` and read its log \
                 with `nix log`"
            ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn automake_summary_in_a_truncated_tail() {
        let log = "error: builder for '/nix/store/b8pb3yxfw6nhmfda90a07n4ya6766qd8-mathlib-1.4.2.drv' failed with exit code 2;\n       last 4 log lines:\n       > check flags: SHELL=/bin/sh VERBOSE=y check\n       > FAIL: test_add\n       > 1 of 5 tests failed\n       > make: *** [Makefile:7: check] Error 1\n";
        let v = verdict_for(&TestFailure, log).unwrap();
        assert_eq!(v.summary, "the test test_add failed");
    }

    #[test]
    fn failing_flake_check_without_a_runner() {
        let log = "running flake checks...\nerror: builder for '/nix/store/fdv6mnjyirh4wvpavkmi81fsz64by2wj-lint-check.drv' failed with exit code 1;\n       last 2 log lines:\n       > checking for tabs\n       > error: tab characters found\n";
        let v = verdict_for(&TestFailure, log).unwrap();
        assert_eq!(v.summary, "the flake check lint-check failed");
        let plain = log.replace("running flake checks...\n", "");
        assert!(verdict_for(&TestFailure, &plain).is_none());
        let counted = log.replace("running flake checks", "running 3 flake checks");
        let v = verdict_for(&TestFailure, &counted).unwrap();
        assert_eq!(v.summary, "the flake check lint-check failed");
    }

    #[test]
    fn runners_and_skip_options() {
        for (log, summary, fix) in [
            ("---- tests::parse stdout ----\nthread 'tests::parse' panicked\ntest result: FAILED. 3 passed; 1 failed; 0 ignored\n", "the test tests::parse failed", "--skip=tests::parse"),
            ("FAILED tests/test_net.py::test_fetch[ipv6] - OSError\n========= 1 failed, 20 passed in 2.31s =========\n", "the test test_fetch failed", "disabledTests = [ \"test_fetch\" ]"),
            ("--- FAIL: TestDial (0.00s)\nFAIL\tgithub.com/o/app/net\t0.012s\n", "the test TestDial failed", "-skip=^(TestDial)$"),
            ("The following tests FAILED:\n\t  3 - parser (Failed)\n", "the test parser failed", "doCheck = false"),
        ] {
            let v = verdict_for(&TestFailure, log).unwrap_or_else(|| panic!("{log}"));
            assert_eq!(v.summary, summary);
            assert!(v.fix.as_deref().unwrap().contains(fix), "{:?}", v.fix);
        }
    }

    #[test]
    fn generic_failures_need_the_check_phase() {
        let make = "make: *** [Makefile:12: check] Error 1\n";
        assert!(verdict_for(&TestFailure, make).is_none());
        let v = verdict_for(&TestFailure, &format!("running tests\n{make}")).unwrap();
        assert!(v.confidence < 0.8);
        assert!(verdict_for(&TestFailure, "make: *** [Makefile:30: all] Error 2\n").is_none());
    }
}
