//! Finds the root cause of a failed Nix command: splits the log into failure sites and asks
//! every category's classifier about each; the most confident root wins.

pub mod categories;
mod culprit;
pub mod finding;
pub mod locate;
mod named;
pub mod site;
pub mod trace;
pub mod verdict;
mod wordings;

use std::sync::LazyLock;

pub use categories::CATEGORIES;
pub use finding::{Attempt, Culprit, Evidence, Finding, Fix, Secondary};
pub use locate::Workspace;
pub use site::{Site, SiteKind};
pub use verdict::{Locate, Verdict};

use crate::log::{BuildLog, LogLine, Triggers};
use crate::nix::store_path;

/// One failure category: a stable id, its documentation, and a classifier.
pub trait Category: Sync {
    /// The stable id used in `--format json` and `nfai explain`.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// Markdown: what it means (the first paragraph is the report's explanation), why it
    /// happens, and an example fix.
    fn doc(&self) -> &'static str;
    /// Words that mark a log line this classifier wants to see. The reader keeps only lines
    /// containing some category's trigger (plus Nix's own error blocks).
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }
    fn classify(&self, _site: &Site) -> Option<Verdict> {
        None
    }
    /// A second look at this category's verdict with what only the user's files can tell
    /// (is the file there, does git track it); it may hand the failure to another category.
    /// `None` keeps the verdict as it is.
    fn settle(
        &self,
        _verdict: &Verdict,
        _workspace: &Workspace,
    ) -> Option<(&'static dyn Category, Verdict)> {
        None
    }
}

/// The first paragraph of a category's doc, for reports.
pub fn explanation(category: &dyn Category) -> String {
    category
        .doc()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn category(id: &str) -> Option<&'static dyn Category> {
    CATEGORIES.iter().copied().find(|c| c.id() == id)
}

/// Words that matter whatever the categories say: Nix's own headlines and internal-json
/// records that carry errors or name builds.
const STRUCTURAL: &[&str] = &[
    "error:",
    "building '",
    "builder for '",
    "annot build",
    "hash mismatch",
    "collision between",
    "\"action\":\"msg\"",
    "\"action\":\"start\"",
];

/// The automaton the log reader searches with.
pub fn triggers() -> &'static Triggers {
    static TRIGGERS: LazyLock<Triggers> = LazyLock::new(|| {
        let categories = CATEGORIES.iter().flat_map(|c| c.triggers());
        Triggers::new(STRUCTURAL.iter().chain(categories))
    });
    &TRIGGERS
}

/// What the diagnosis may consult besides the log.
pub struct Context<'a> {
    pub workspace: Workspace,
    /// The full build log of a derivation, when the log showed only its tail.
    pub full_log: &'a dyn Fn(&str) -> Option<BuildLog>,
}

/// Diagnoses `log`: the root cause, and the other failures as secondary.
pub fn diagnose(log: &BuildLog, ctx: &Context) -> Finding {
    let mut sites = site::sites(log);
    let mut full_from = vec![usize::MAX; sites.len()];
    for (i, s) in sites.iter_mut().enumerate() {
        if let (SiteKind::Build { drv }, true) = (&s.kind, s.truncated) {
            if let Some(full) = (ctx.full_log)(drv) {
                full_from[i] = s.lines.len();
                let lines: Vec<LogLine> = full.lines().into_iter().cloned().collect();
                s.lines.extend(lines);
            }
        }
    }
    let mut verdicts: Vec<(usize, &'static dyn Category, Verdict)> = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        if let Some((c, v)) = classify(s) {
            let (c, v) = c.settle(&v, &ctx.workspace).unwrap_or((c, v));
            verdicts.push((i, c, v));
        }
    }
    let is_root = |i: usize| !matches!(sites[i].kind, SiteKind::Cascade { .. });
    let primary = verdicts
        .iter()
        .enumerate()
        .filter(|(_, (i, _, _))| is_root(*i))
        .max_by(|(ai, a), (bi, b)| a.2.confidence.total_cmp(&b.2.confidence).then(bi.cmp(ai)))
        .or_else(|| verdicts.iter().enumerate().next())
        .map(|(k, _)| k);
    let Some(primary) = primary else {
        return Finding::no_failure(&explanation(category("no_failure").expect("registered")));
    };
    let (site_index, cat, verdict) = &verdicts[primary];
    let site = &sites[*site_index];
    let mut finding = build_finding(site, *cat, verdict, full_from[*site_index], ctx);
    let mut seen = vec![(cat.id(), finding.derivation.clone())];
    for (k, (i, c, v)) in verdicts.iter().enumerate() {
        let derivation = sites[*i].drv().map(str::to_owned);
        if k == primary || seen.contains(&(c.id(), derivation.clone())) {
            continue;
        }
        seen.push((c.id(), derivation.clone()));
        finding.secondary.push(Secondary {
            category: c.id(),
            summary: v.summary.clone(),
            derivation,
        });
    }
    finding
}

/// The best verdict of all categories for one site (the earlier category wins a tie); a
/// fallback for failures no category recognises.
fn classify(site: &Site) -> Option<(&'static dyn Category, Verdict)> {
    let mut best: Option<(&'static dyn Category, Verdict)> = None;
    for c in CATEGORIES {
        if let Some(v) = c.classify(site) {
            if best
                .as_ref()
                .is_none_or(|(_, b)| v.confidence > b.confidence)
            {
                best = Some((*c, v));
            }
        }
    }
    if best.is_some() {
        return best;
    }
    let (cited, summary) = match &site.kind {
        SiteKind::Build { drv } => (0, format!("the builder of {} failed", site::drv_name(drv))),
        SiteKind::Message => (0, site.message().lines().next().unwrap_or("").to_owned()),
        // A builder's error line outside Nix's blocks (a lone `-L`-prefixed `pkg> error: …`)
        // is still a failure; the loose site's other lines are the blocks' own.
        SiteKind::Loose => site.lines.iter().enumerate().find_map(|(i, l)| {
            l.origin.as_ref()?;
            let body = crate::log::prefix::split(&l.text).1.trim();
            let message = body.strip_prefix("error:")?.trim();
            (!message.is_empty()).then(|| (i, message.to_owned()))
        })?,
        SiteKind::Cascade { .. } => return None,
    };
    let mut v = Verdict::new(0.3, summary);
    v.evidence.push(cited);
    Some((category("other").expect("registered"), v))
}

fn build_finding(
    site: &Site,
    cat: &'static dyn Category,
    v: &Verdict,
    full_from: usize,
    ctx: &Context,
) -> Finding {
    let derivation = site.drv().map(str::to_owned);
    // The failed derivation names the package; without one, the origin of the cited lines
    // (an `-L` prefix or the derivation being built) does.
    let origin = v
        .evidence
        .iter()
        .find_map(|&i| site.lines.get(i)?.origin.clone());
    let package = v.package.clone().or_else(|| {
        derivation.as_deref().or(origin.as_deref()).map(|d| {
            store_path::split_name_version(site::drv_name(d))
                .0
                .to_owned()
        })
    });
    let (culprit, snippet) = culprit::choose(site, v, package.as_deref(), &ctx.workspace);
    let evidence = v
        .evidence
        .iter()
        .filter_map(|&i| site.lines.get(i).map(|l| (i, l)))
        .map(|(i, l)| Evidence {
            line: l.number,
            // Tail lines keep their `> ` marker in blocks; the evidence is the builder's text.
            text: crate::log::prefix::split(&l.text).1.trim().to_owned(),
            source: (i >= full_from)
                .then(|| derivation.as_deref().map(|d| format!("nix log {d}")))
                .flatten(),
        })
        .collect();
    let fix = (v.fix.is_some() || !v.commands.is_empty()).then(|| Fix {
        description: v.fix.clone().unwrap_or_default(),
        commands: v.commands.clone(),
        validated: "none",
        ..Fix::default()
    });
    Finding {
        category: cat.id(),
        confidence: v.confidence,
        summary: v.summary.clone(),
        explanation: explanation(cat),
        derivation,
        package,
        culprit,
        evidence,
        fix,
        secondary: Vec::new(),
        model_explanation: None,
        snippet,
        facts: v.facts.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_file_the_message_names_is_the_culprit_when_it_defines_the_package() {
        let log = "error: Package ‘oldlib-0.3’ in /nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/package.nix:4 is marked as broken, refusing to evaluate.\n";
        let log = crate::log::read_bytes(log.as_bytes(), triggers()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let culprit = |text: &str| {
            std::fs::write(dir.path().join("package.nix"), text).unwrap();
            let ctx = Context {
                workspace: Workspace::new(vec![dir.path().to_owned()]),
                full_log: &|_| None,
            };
            diagnose(&log, &ctx).culprit.unwrap()
        };
        let local = culprit(
            "{ stdenv }:\nstdenv.mkDerivation {\n  pname = \"oldlib\";\n  meta.broken = true;\n}\n",
        );
        assert_eq!(
            (local.file.as_deref(), local.line),
            (Some("package.nix"), Some(4))
        );
        // Same relative path, another package: not this file; the log's path is reported.
        let other = culprit("{ }\n");
        assert_eq!(
            other.file.as_deref(),
            Some("/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/package.nix")
        );
    }
}
