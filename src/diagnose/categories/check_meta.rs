//! The refusal message of nixpkgs' check-meta (unfree, broken, insecure, unsupported
//! packages), parsed once for the categories that share it.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::site::SiteKind;
use crate::diagnose::{Locate, Site};
use crate::log::LogLine;
use crate::nix::store_path;

/// A package nixpkgs' check-meta refused to evaluate (unfree, broken, insecure, unsupported).
pub struct Refusal<'s> {
    pub line: &'s LogLine,
    /// `name-version` as the message prints it (may end in `…` when the log cut it).
    pub name: String,
    /// The name without its version, what `lib.getName` returns.
    pub pname: String,
    /// The capture groups of the reason pattern (group 0 is the whole match).
    groups: Vec<Option<String>>,
    /// Where the package is defined, as the message gives it (`meta.position`).
    pub position: Option<(String, u32)>,
    /// The refusal lists `meta.problems` (nixpkgs since 2025), which
    /// `config.problems.handlers` can allow one by one.
    pub problems: bool,
}

impl Refusal<'_> {
    /// Capture group `i` of the reason pattern.
    pub fn group(&self, i: usize) -> Option<&str> {
        self.groups.get(i)?.as_deref()
    }

    /// Where to look for the package's definition: the file the message names (a package
    /// file holds its name), else any .nix file naming it.
    pub fn locate(&self) -> Locate {
        let needles = vec![
            format!("pname = \"{}\"", self.pname),
            format!("\"{}\"", self.name),
        ];
        match &self.position {
            Some((file, line)) => Locate::Named {
                file: file.clone(),
                line: *line,
                needles,
            },
            None => Locate::Text(needles),
        }
    }
}

/// Until 2024: `Package ‘x-1.0’ in /nix/store/...:12 <reason>, refusing to evaluate.`; the
/// position is missing in some quoted logs and the quotes are ASCII in others. Until 2017
/// stdenv quoted the position itself (`in ‘/nix/store/...:62’`, `pos'` in
/// stdenv/generic/default.nix), and before that the message began with `package`.
static PACKAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[Pp]ackage [‘']([^’']*)[’'](?: in (‘[^’]*’|\S+))? (.+)$").expect("valid regex")
});
/// Since 2024: `Refusing to evaluate package 'x-1.0' in /nix/store/...:12 because it
/// <reason>`; a terminal may wrap the line before `because`.
static REFUSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"Refusing to evaluate package [‘']([^’']*)[’'](?: in\b(?: (\S+))?)?(?: because it (.+))?$",
    )
    .expect("valid regex")
});
/// The rest of a wrapped refusal: `/nix/store/...:40 because it ...`.
static BECAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:(\S+) )?because it (.+)$").expect("valid regex"));
/// One problem under `has problems:`: `- broken: This package is broken.`
static PROBLEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*- ([\w-]+(?: \(kind .+?\))?): ").expect("valid regex"));

/// The check-meta refusal of an evaluation site whose reason matches `reason`. The reason
/// of a `has problems:` refusal is the problem list (`has problems: broken, removal`).
pub fn refusal<'s>(site: &'s Site, reason: &Regex) -> Option<Refusal<'s>> {
    // An evaluation message; a partial log (a CI excerpt) may quote it without `error:`,
    // so loose lines count too, but never a builder's output.
    if !matches!(site.kind, SiteKind::Message | SiteKind::Loose) {
        return None;
    }
    site.lines.iter().enumerate().find_map(|(i, l)| {
        let (name, at, rest) = if let Some(c) = REFUSING.captures(&l.text) {
            let at = c.get(2).map(|m| m.as_str().to_owned());
            match c.get(3) {
                Some(r) => (c[1].to_owned(), at, r.as_str().to_owned()),
                None => {
                    let b = site.lines[i + 1..]
                        .iter()
                        .take(2)
                        .find_map(|n| BECAUSE.captures(&n.text))?;
                    let at = at.or_else(|| b.get(1).map(|m| m.as_str().to_owned()));
                    (c[1].to_owned(), at, b[2].to_owned())
                }
            }
        } else {
            let c = PACKAGE.captures(&l.text)?;
            (
                c[1].to_owned(),
                c.get(2).map(|m| m.as_str().to_owned()),
                c[3].to_owned(),
            )
        };
        let position = at.and_then(|at| {
            let at = at.trim_start_matches('‘').trim_end_matches('’');
            let (file, line) = at.rsplit_once(':')?;
            Some((file.to_owned(), line.parse().ok()?))
        });
        let problems = rest.starts_with("has problems:");
        let rest = if problems {
            let kinds: Vec<&str> = site.lines[i + 1..]
                .iter()
                .take(20)
                .filter_map(|n| {
                    PROBLEM
                        .captures(&n.text)
                        .map(|p| p.get(1).map_or("", |m| m.as_str()))
                })
                .collect();
            format!("has problems: {}", kinds.join(", "))
        } else {
            rest
        };
        let groups = reason
            .captures(&rest)?
            .iter()
            .map(|m| m.map(|m| m.as_str().to_owned()))
            .collect();
        let bare = name
            .trim_end_matches('…')
            .trim_end_matches("...")
            .trim_end_matches('-');
        let pname = store_path::split_name_version(bare).0.to_owned();
        Some(Refusal {
            line: l,
            name,
            pname,
            groups,
            position,
            problems,
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

    fn first_refusal(log: &str, reason: &str) -> Option<(String, Option<(String, u32)>)> {
        let log = crate::log::read_bytes(log.as_bytes(), crate::diagnose::triggers()).unwrap();
        let re = Regex::new(reason).unwrap();
        crate::diagnose::site::sites(&log)
            .iter()
            .find_map(|s| refusal(s, &re).map(|r| (r.pname, r.position)))
    }

    #[test]
    fn old_stdenv_quoted_position_and_lowercase_wording() {
        let quoted = "error: Package ‘mendeley-1.16.3’ in ‘/nix/store/lwmgp564z0bl06svlnw21gg3qy8kw3vb-nixos-16.09/nixos/pkgs/applications/office/mendeley/default.nix:62’ has an unfree license (‘unfree’), refusing to evaluate.\n";
        assert_eq!(
            first_refusal(quoted, "has an unfree license"),
            Some((
                "mendeley".into(),
                Some(("/nix/store/lwmgp564z0bl06svlnw21gg3qy8kw3vb-nixos-16.09/nixos/pkgs/applications/office/mendeley/default.nix".into(), 62))
            ))
        );
        let lower = "error: package ‘skype-4.3’ in ‘/nix/store/aaaa-nixpkgs/pkgs/skype/default.nix:40’ has an unfree license, refusing to evaluate\n";
        assert_eq!(
            first_refusal(lower, "has an unfree license")
                .unwrap()
                .1
                .unwrap()
                .1,
            40
        );
        let unknown =
            "error: Package ‘x-1’ in «unknown-file» is marked as broken, refusing to evaluate.\n";
        assert_eq!(
            first_refusal(unknown, "is marked as broken"),
            Some(("x".into(), None))
        );
    }

    #[test]
    fn a_refusal_quoted_without_error_prefix_still_counts_but_builder_output_does_not() {
        let excerpt = "Package ‘serviio-1.9’ in /home/borg/repo/pkgs/servers/serviio/default.nix:21 has an unfree license (‘unfree’), refusing to evaluate.\n\na) For `nixos-rebuild` you can set\n";
        assert_eq!(
            first_refusal(excerpt, "has an unfree license").unwrap().1,
            Some((
                "/home/borg/repo/pkgs/servers/serviio/default.nix".into(),
                21
            ))
        );
        let builder = "error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-eval-check-1.0.drv' failed with exit code 1;\n       last 2 log lines:\n       > error: Package ‘x-1’ in /build/a.nix:1 has an unfree license (‘unfree’), refusing to evaluate.\n";
        assert_eq!(first_refusal(builder, "has an unfree license"), None);
    }

    #[test]
    fn current_wording_wrapped_and_with_problems() {
        let log = "error: Refusing to evaluate package 'timescaledb_toolkit-1.21.0' in\n /nix/store/3a2vdn5i7vd2wl654xs8nb52jf1v6cbh-source/pkgs/servers/sql/postgresql/ext/timescaledb_toolkit.nix:40 because it has problems:\n  - broken: This package is broken.\n  See also https://nixos.org/manual/nixpkgs/unstable#sec-problems\n";
        let log = crate::log::read_bytes(log.as_bytes(), crate::diagnose::triggers()).unwrap();
        let sites = crate::diagnose::site::sites(&log);
        let re = Regex::new(r"^has problems: .*\bbroken").unwrap();
        let r = refusal(&sites[0], &re).unwrap();
        assert_eq!(r.pname, "timescaledb_toolkit");
        assert!(r.problems);
        assert_eq!(
            r.position,
            Some(("/nix/store/3a2vdn5i7vd2wl654xs8nb52jf1v6cbh-source/pkgs/servers/sql/postgresql/ext/timescaledb_toolkit.nix".into(), 40))
        );
    }
}
