//! The refusal message of nixpkgs' check-meta (unfree, broken, insecure, unsupported
//! packages), parsed once for the categories that share it.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::diagnose::Site;
use crate::log::LogLine;
use crate::nix::store_path;

/// A package nixpkgs' check-meta refused to evaluate (unfree, broken, insecure, unsupported).
pub struct Refusal<'s> {
    pub line: &'s LogLine,
    /// `name-version` as the message prints it (may end in `…` when the log cut it).
    pub name: String,
    /// The name without its version, what `lib.getName` returns.
    pub pname: String,
    /// The captures of the reason pattern on the text after the package.
    pub reason: Captures<'s>,
}

/// `Package ‘x-1.0’ in /nix/store/...:12 <reason>, refusing to evaluate.`; the position is
/// missing in some quoted logs and the quotes are ASCII in others.
static PACKAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Package [‘']([^’']*)[’'](?: in \S+)? (.+)$").expect("valid regex")
});

/// The check-meta refusal of an evaluation site whose reason matches `reason`.
pub fn refusal<'s>(site: &'s Site, reason: &Regex) -> Option<Refusal<'s>> {
    site.trace.as_ref()?;
    site.lines.iter().find_map(|l| {
        let c = PACKAGE.captures(&l.text)?;
        let rest = c.get(2)?.as_str();
        let reason = reason.captures(rest)?;
        let name = c[1].to_owned();
        let bare = name
            .trim_end_matches('…')
            .trim_end_matches("...")
            .trim_end_matches('-');
        let pname = store_path::split_name_version(bare).0.to_owned();
        Some(Refusal {
            line: l,
            name,
            pname,
            reason,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_strips_version_and_ellipsis() {
        let log = "error: Package 'snow-code-desktop-…' has an unfree license ('elastic20'), refusing to evaluate.\n";
        let log = crate::log::read_bytes(log.as_bytes(), crate::diagnose::triggers()).unwrap();
        let sites = crate::diagnose::site::sites(&log);
        let re = Regex::new(r"has an unfree license").unwrap();
        let r = refusal(&sites[0], &re).unwrap();
        assert_eq!(
            (r.name.as_str(), r.pname.as_str()),
            ("snow-code-desktop-…", "snow-code-desktop")
        );
    }
}
