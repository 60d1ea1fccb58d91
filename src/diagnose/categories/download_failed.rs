//! download_failed: fetching a source (a fetchurl/fetchgit builder, a builtin fetcher, a
//! flake input or a binary cache) failed: the URL is gone, moved, private or unreachable.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{site, Category, Locate, Site, Verdict};
use crate::log::LogLine;

pub struct DownloadFailed;

/// What went wrong, from the most specific wording to the least; each captures a URL or a
/// reason where the wording has one.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Nix itself (builtin fetchers, flake inputs, substituters), every version
        r"unable to download '([^']+)': (.*)",
        // fetchgit / nix-prefetch-git and builtins.fetchGit
        r"fatal: repository '([^']+)' not found",
        r"fatal: could not read Username for '([^']+)'",
        r"fatal: unable to access '([^']+)': (.*)",
        r"fatal: remote error: (.*)",
        r"Failed to fetch git repository '?([^'\s]*)'?",
        r"program 'git' failed with exit code (128)",
        r"error: (some substitutes for the outputs of derivation '[^']+' failed)",
        // curl in the fetchurl builder, then its verdict after the last mirror
        r"curl: \((\d+)\) (.*)",
        r"error: cannot download (\S+) from any mirror",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});
/// fetchurl announces each mirror it tries; fetchgit each repository it exports.
static TRYING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\s*> )?(?:trying|exporting) (\w+://\S+)").expect("valid regex")
});
static GITHUB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^https?://(?:codeload\.)?github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?(?:/|$)")
        .expect("valid regex")
});

/// Name suffixes of the fixed-output derivations fetchers and vendoring helpers create.
const FETCHER_SUFFIXES: &[&str] = &[
    "-source",
    "-src",
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tar.zst",
    ".tar",
    ".zip",
    ".patch",
    ".diff",
    ".whl",
    ".gem",
    ".jar",
    ".crate",
    ".deb",
    ".rpm",
    ".AppImage",
    ".dmg",
    ".exe",
    ".git",
    "-vendor",
    "-vendor-staging",
    "-vendor.tar.gz",
    "-go-modules",
    "-npm-deps",
    "-pnpm-deps",
    "-yarn-deps",
    "-deps",
];

/// Whether a site is a fetcher (a fixed-output derivation, which has network access) rather
/// than an ordinary build, from its derivation name or what its builder prints.
pub(super) fn is_fetcher(s: &Site) -> bool {
    let name = s.drv().map(site::drv_name).unwrap_or("");
    name == "source"
        || FETCHER_SUFFIXES.iter().any(|x| name.ends_with(x))
        || s.lines
            .iter()
            .any(|l| TRYING.is_match(&l.text) || l.text.contains("from any mirror"))
}

/// The first failure line of the most specific kind: the line, the matched text, and the
/// captured URL or reason.
fn failure(s: &Site) -> Option<(&LogLine, String, Vec<String>)> {
    PATTERNS.iter().find_map(|re| {
        s.lines.iter().find_map(|l| {
            let c = re.captures(&l.text)?;
            let groups = c
                .iter()
                .skip(1)
                .flatten()
                .map(|m| m.as_str().trim().to_owned())
                .collect();
            Some((l, c[0].trim_start_matches("error: ").to_owned(), groups))
        })
    })
}

impl Category for DownloadFailed {
    fn id(&self) -> &'static str {
        "download_failed"
    }
    fn title(&self) -> &'static str {
        "Download failed"
    }
    fn doc(&self) -> &'static str {
        "Nix could not download a source: the fetcher (fetchurl, fetchFromGitHub, fetchgit, a \
builtin fetcher or a flake input) got an HTTP error such as 404, the repository does not \
exist or is private, or the host could not be reached.

Why: the upstream project moved or deleted the release or repository, the version in the \
URL does not exist, a private repository needs credentials, or the network (or a binary \
cache) is down. A 404 from GitHub also means a private repository or a wrong owner/repo.

Fix: open the URL from the log in a browser. If it is gone, point `src` at its new \
location or at a version that exists, then update the hash (set it to `lib.fakeHash`, build, \
copy the hash Nix reports):

    # before
    src = fetchFromGitHub { owner = \"old-owner\"; repo = \"light\"; rev = \"v1.2.2\"; hash = \"...\"; };
    # after
    src = fetchFromGitLab { owner = \"new-owner\"; repo = \"light\"; rev = \"v1.2.2\"; hash = lib.fakeHash; };

For a network outage, retry later; for a private repository, configure access \
(`netrc-file`, an SSH URL, or `access-tokens` for flakes)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "unable to download",
            "from any mirror",
            "fatal: repository",
            "fatal: could not read Username",
            "fatal: unable to access",
            "fatal: remote error",
            "Failed to fetch git repository",
            "program 'git' failed",
            "some substitutes for the outputs",
            "curl: (",
            "trying http",
            "exporting http",
        ]
    }
    fn classify(&self, s: &Site) -> Option<Verdict> {
        let (line, reason, groups) = failure(s)?;
        // Inside an ordinary build, curl or git failing to connect is the build tool reaching
        // for the network (network_in_build), not a fetcher.
        let connects =
            reason.starts_with("curl: (") || reason.starts_with("fatal: unable to access");
        if connects && !is_fetcher(s) {
            return None;
        }
        let url = groups
            .iter()
            .find(|g| g.contains("://") || g.starts_with("git@"))
            .cloned()
            .or_else(|| {
                s.lines
                    .iter()
                    .rev()
                    .filter(|l| l.number <= line.number)
                    .find_map(|l| TRYING.captures(&l.text).map(|c| c[1].to_owned()))
            });
        let summary = match &url {
            Some(u) => format!("downloading {u} failed: {reason}"),
            None => format!("a download failed: {reason}"),
        };
        let mut v = Verdict::new(0.93, summary);
        if let Some(trying) = s.lines.iter().find(|l| TRYING.is_match(&l.text)) {
            v = v.cite(s, trying);
        }
        v = v.cite(s, line).fix(
            "check that the URL and version still exist (open the URL in a browser); if the project moved or \
             the release was removed, point src at the new location or at an existing version and update its \
             hash; for a network outage, retry later",
        );
        if let Some(u) = &url {
            v = v.fact("url", u.clone());
            let mut needles = vec![u.clone()];
            if let Some(c) = GITHUB.captures(u) {
                v = v.package(c[2].to_owned());
                needles.push(format!("\"{}\"", &c[1]));
            }
            v = v.locate(Locate::Text(needles));
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn fetchurl_404_names_the_url() {
        let log = "error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-source.drv' failed with exit code 1;\n       last 3 log lines:\n       > trying https://github.com/haikarainen/light/archive/v1.2.2.tar.gz\n       > curl: (22) The requested URL returned error: 404\n       > error: cannot download source from any mirror\n";
        let v = verdict_for(&DownloadFailed, log).unwrap();
        assert!(
            v.summary
                .contains("https://github.com/haikarainen/light/archive/v1.2.2.tar.gz"),
            "{}",
            v.summary
        );
        assert_eq!(v.package.as_deref(), Some("light"));
    }

    #[test]
    fn nix_and_git_wordings() {
        for log in [
            "error: unable to download 'https://example.org/x-1.0.tar.gz': HTTP error 404 (curl error: Couldn't resolve host name)\n",
            "error: unable to download 'https://github.com/o/r/archive/abc.tar.gz': HTTP error 404\n",
            "fatal: repository 'https://github.com/o/gone.git/' not found\n",
            "fatal: could not read Username for 'https://github.com': terminal prompts disabled\n",
            "warning: error: unable to download 'https://cache.nixos.org/abc.narinfo': Couldn't resolve host name (6); retrying\n",
        ] {
            assert!(verdict_for(&DownloadFailed, log).is_some(), "{log}");
        }
    }

    #[test]
    fn curl_inside_an_ordinary_build_is_not_a_fetcher_failure() {
        let log = "error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' failed with exit code 1;\n       last 1 log lines:\n       > curl: (6) Could not resolve host: example.org\n";
        assert!(verdict_for(&DownloadFailed, log).is_none());
    }
}
