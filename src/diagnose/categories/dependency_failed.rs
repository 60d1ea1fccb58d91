//! dependency_failed: a derivation was not built because one of its dependencies failed,
//! and the dependency's own failure is not in the log.

use crate::diagnose::{site, Category, Site, SiteKind, Verdict};

pub struct DependencyFailed;

impl Category for DependencyFailed {
    fn id(&self) -> &'static str {
        "dependency_failed"
    }
    fn title(&self) -> &'static str {
        "A dependency failed to build"
    }
    fn doc(&self) -> &'static str {
        "Nix did not build this derivation because a derivation it depends on failed. This is \
a consequence, not a cause: the root failure is the dependency's, and nfai reports that \
instead whenever the log (or the store's build log) shows it.

Why this category is the answer: the log holds only the cascade (\"1 dependencies couldn't \
be built\", \"Reason: 1 dependency failed\") and not the failing builder's output, for example \
when the log was cut or the failure happened on a remote builder.

Fix: find the first failing derivation: run the build again with `-L` \
(`--print-build-logs`) or `--keep-going`, or read its log with `nix log /nix/store/...drv`, \
then fix that failure."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "dependencies couldn't be built",
            "dependency failed",
            "failed to build",
        ]
    }
    fn classify(&self, s: &Site) -> Option<Verdict> {
        let SiteKind::Cascade { drv } = &s.kind else {
            return None;
        };
        let name = drv.as_deref().map_or("a derivation", site::drv_name);
        let mut v = Verdict::new(0.5, format!("{name} was not built because a dependency failed"))
            .fix("find the dependency that failed first: rebuild with -L (--print-build-logs) or read its log with `nix log <drv>`, and fix that failure");
        if let Some(first) = s.lines.first() {
            v = v.cite(s, first);
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn cascade_only() {
        let v = verdict_for(&DependencyFailed, "error: 1 dependencies of derivation '/nix/store/7rn7qpl5fwbyjgi3lndqs3ji79xjhq5f-app-1.0.drv' failed to build\n").unwrap();
        assert_eq!(
            v.summary,
            "app-1.0 was not built because a dependency failed"
        );
    }
}
