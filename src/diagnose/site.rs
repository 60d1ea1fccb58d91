//! Splits a log into failure sites: each failed builder, each evaluation error, each
//! dependency-cascade message, and the loose trigger lines that belong to none of them.

use std::sync::LazyLock;

use regex::Regex;

use super::trace::Trace;
use crate::log::{Block, BuildLog, LogLine};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteKind {
    /// A builder (or a fixed-output check) of this derivation failed: a root cause.
    Build { drv: String },
    /// This derivation was not built because a dependency failed.
    Cascade { drv: Option<String> },
    /// A Nix message that is not about a build: evaluation, flake, lock, fetch errors.
    Message,
    /// Trigger lines outside any block and not attributed to a failed builder.
    Loose,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub kind: SiteKind,
    /// The lines to classify and to quote as evidence, in log order.
    pub lines: Vec<LogLine>,
    /// The parsed trace of a `Message` site.
    pub trace: Option<Trace>,
    /// The log showed only the last lines of the builder (`last 10 log lines`).
    pub truncated: bool,
}

impl Site {
    /// The first line containing `needle`.
    pub fn line_with(&self, needle: &str) -> Option<&LogLine> {
        self.lines.iter().find(|l| l.text.contains(needle))
    }

    /// The first line for which `pred` holds.
    pub fn find(&self, pred: impl Fn(&str) -> bool) -> Option<&LogLine> {
        self.lines.iter().find(|l| pred(&l.text))
    }

    /// The first capture group of `re` on the first line it matches, with that line.
    pub fn capture<'s>(&'s self, re: &Regex) -> Option<(&'s LogLine, String)> {
        self.captures(re)
            .map(|(l, c)| (l, c.get(1).map_or("", |m| m.as_str()).to_owned()))
    }

    /// All capture groups of `re` on the first line it matches, with that line.
    pub fn captures<'s>(&'s self, re: &Regex) -> Option<(&'s LogLine, regex::Captures<'s>)> {
        self.lines
            .iter()
            .find_map(|l| re.captures(&l.text).map(|c| (l, c)))
    }

    pub fn drv(&self) -> Option<&str> {
        match &self.kind {
            SiteKind::Build { drv } => Some(drv),
            SiteKind::Cascade { drv } => drv.as_deref(),
            _ => None,
        }
    }

    /// The message of an evaluation error, or the headline.
    pub fn message(&self) -> &str {
        match &self.trace {
            Some(t) if !t.message.is_empty() => &t.message,
            _ => self.lines.first().map_or("", |l| l.text.as_str()),
        }
    }
}

static BUILDER_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"builder for '(/nix/store/[^']+\.drv)' failed").expect("valid regex")
});
static CANNOT_BUILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[Cc]annot build '(/nix/store/[^']+\.drv)'").expect("valid regex")
});
static HASH_MISMATCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"hash mismatch in fixed-output derivation '(/nix/store/[^']+)'")
        .expect("valid regex")
});
static CASCADE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:cannot build derivation '(/nix/store/[^']+\.drv)': \d+ dependenc|dependencies of derivation '(/nix/store/[^']+\.drv)' failed to build)")
        .expect("valid regex")
});

/// Nix 2.26+ ends a failed build whose failure was a dependency's with this line; it only
/// restates the failures above it.
const DEPENDENCY_SUMMARY: &str = "Build failed due to failed dependency";

/// Splits `log` into sites, roots first in log order.
pub fn sites(log: &BuildLog) -> Vec<Site> {
    let mut sites: Vec<Site> = log.blocks.iter().filter_map(block_site).collect();
    // The summary is a failure of its own only when the log shows nothing else.
    let restates = |s: &Site| {
        s.lines
            .first()
            .is_some_and(|l| l.text.contains(DEPENDENCY_SUMMARY))
    };
    if sites.iter().any(|s| !restates(s)) {
        sites.retain(|s| !restates(s));
    }
    let mut loose = Vec::new();
    for hit in &log.hits {
        let owner = sites.iter_mut().find(|s| match (&s.kind, &hit.origin) {
            (SiteKind::Build { drv }, Some(origin)) => same_derivation(drv, origin),
            _ => false,
        });
        match owner {
            Some(site) => site.lines.push(hit.clone()),
            None => loose.push(hit.clone()),
        }
    }
    let single_build = sites
        .iter()
        .filter(|s| matches!(s.kind, SiteKind::Build { .. }))
        .count()
        == 1;
    if !loose.is_empty() {
        // Unattributed builder output belongs to the failed builder when there is only one.
        if let Some(site) = sites
            .iter_mut()
            .find(|s| single_build && matches!(s.kind, SiteKind::Build { .. }))
        {
            site.lines.append(&mut loose);
        } else {
            let mut lines = loose;
            for s in sites.iter().filter(|s| s.kind == SiteKind::Message) {
                lines.extend(s.lines.iter().cloned());
            }
            sites.push(Site {
                kind: SiteKind::Loose,
                lines,
                trace: None,
                truncated: false,
            });
        }
    }
    for s in &mut sites {
        s.lines.sort_by_key(|l| l.number);
        s.lines
            .dedup_by(|a, b| a.number == b.number && a.text == b.text);
    }
    sites
}

fn block_site(block: &Block) -> Option<Site> {
    let head = block.headline();
    if head.starts_with("build of '") || head.starts_with("error: build of '") {
        // The summary after a cascade names every top-level derivation; it adds nothing.
        return None;
    }
    let all: String = block
        .lines
        .iter()
        .take(4)
        .map(|l| l.text.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let kind = if let Some(c) = BUILDER_FAILED.captures(head) {
        SiteKind::Build {
            drv: c[1].to_owned(),
        }
    } else if let Some(c) = HASH_MISMATCH.captures(head) {
        SiteKind::Build {
            drv: c[1].to_owned(),
        }
    } else if let Some(c) = CASCADE.captures(head) {
        SiteKind::Cascade {
            drv: c.get(1).or(c.get(2)).map(|m| m.as_str().to_owned()),
        }
    } else if head.contains(DEPENDENCY_SUMMARY) {
        SiteKind::Cascade { drv: None }
    } else if let Some(c) = CANNOT_BUILD.captures(head) {
        if all.contains("dependency failed") || all.contains("dependencies failed") {
            SiteKind::Cascade {
                drv: Some(c[1].to_owned()),
            }
        } else {
            SiteKind::Build {
                drv: c[1].to_owned(),
            }
        }
    } else {
        SiteKind::Message
    };
    let truncated = block.lines.iter().any(|l| {
        let t = l.text.trim_start();
        t.starts_with("last ") && t.contains(" log lines")
            || t.starts_with("Last ") && t.contains(" log lines")
            || t.contains("For full logs, run")
    });
    let trace = (kind == SiteKind::Message).then(|| Trace::parse(block));
    Some(Site {
        kind,
        lines: block.lines.clone(),
        trace,
        truncated,
    })
}

/// Whether a line's origin (a .drv path or an `-L` package prefix) is this derivation.
pub fn same_derivation(drv: &str, origin: &str) -> bool {
    if origin == drv {
        return true;
    }
    let name = drv_name(drv);
    name == origin || crate::nix::store_path::split_name_version(name).0 == origin
}

/// `foo-1.2` from `/nix/store/<hash>-foo-1.2.drv`.
pub fn drv_name(drv: &str) -> &str {
    crate::nix::store_path::name(drv).trim_end_matches(".drv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogLine;

    fn line(n: u64, t: &str, origin: Option<&str>) -> LogLine {
        LogLine {
            number: n,
            text: t.into(),
            origin: origin.map(Into::into),
        }
    }

    #[test]
    fn nix_2_24_cannot_build_wording() {
        let text = "error: Cannot build '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv'.\n       Reason: builder failed with exit code 2.\n       Output paths:\n         /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-hello-1.0\n       Last 25 log lines:\n       > make: *** [Makefile:3: all] Error 1\nerror: Cannot build '/nix/store/cccccccccccccccccccccccccccccccc-app-1.0.drv'.\n       Reason: 1 dependency failed.\n       Output paths:\n         /nix/store/dddddddddddddddddddddddddddddddd-app-1.0\n";
        let log = crate::log::read_bytes(text.as_bytes(), crate::diagnose::triggers()).unwrap();
        let s = sites(&log);
        assert_eq!(
            s[0].kind,
            SiteKind::Build {
                drv: "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv".into()
            }
        );
        assert!(s[0].truncated);
        assert_eq!(
            s[1].kind,
            SiteKind::Cascade {
                drv: Some("/nix/store/cccccccccccccccccccccccccccccccc-app-1.0.drv".into())
            }
        );
    }

    #[test]
    fn nix_2_26_dependency_summary_is_not_a_failure_of_its_own() {
        let text = "error: Cannot build '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-hello-1.0.drv'.\n       Reason: builder failed with exit code 2.\nerror: Cannot build '/nix/store/cccccccccccccccccccccccccccccccc-app-1.0.drv'.\n       Reason: 1 dependency failed.\nerror: Build failed due to failed dependency\n";
        let log = crate::log::read_bytes(text.as_bytes(), crate::diagnose::triggers()).unwrap();
        let s = sites(&log);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s
            .iter()
            .all(|s| !s.lines[0].text.contains(DEPENDENCY_SUMMARY)));
        // Alone, it is still a failure: a cascade whose root the log does not show.
        let alone = "error: Build failed due to failed dependency\n";
        let log = crate::log::read_bytes(alone.as_bytes(), crate::diagnose::triggers()).unwrap();
        assert_eq!(sites(&log)[0].kind, SiteKind::Cascade { drv: None });
    }

    #[test]
    fn builder_failure_owns_its_prefixed_lines_and_cascade_is_separate() {
        let log = BuildLog {
            blocks: vec![
                Block {
                    lines: vec![
                        line(5, "error: builder for '/nix/store/aaaa-lib-1.0.drv' failed with exit code 2;", None),
                        line(6, "       last 1 log lines:", None),
                    ],
                    position: None,
                },
                Block {
                    lines: vec![line(9, "error: 1 dependencies of derivation '/nix/store/bbbb-app-1.0.drv' failed to build", None)],
                    position: None,
                },
            ],
            hits: vec![line(2, "make: not found", Some("lib"))],
            ..BuildLog::default()
        };
        let s = sites(&log);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].kind,
            SiteKind::Build {
                drv: "/nix/store/aaaa-lib-1.0.drv".into()
            }
        );
        assert!(s[0].truncated);
        assert_eq!(s[0].lines[0].text, "make: not found");
        assert_eq!(
            s[1].kind,
            SiteKind::Cascade {
                drv: Some("/nix/store/bbbb-app-1.0.drv".into())
            }
        );
    }
}
