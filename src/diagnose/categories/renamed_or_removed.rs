//! renamed_or_removed: the code uses a nixpkgs attribute or a NixOS option that was renamed
//! or removed; nixpkgs keeps a throwing alias that says so.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct RenamedOrRemoved;

const NAME: &str = r"[‘'`]?([A-Za-z0-9_][A-Za-z0-9_.+-]*?)[’'`]?";

/// The wordings of nixpkgs' aliases.nix and of NixOS' mkRemovedOptionModule /
/// mkRenamedOptionModule; each captures the old name.
static GONE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        format!(r"(?:^|\s){NAME}:? has been (?:renamed|replaced|moved|superseded)"),
        format!(r"(?:^|\s){NAME}:? (?:has been|was|is) (?:removed|dropped|deprecated|deleted|discontinued)"),
        format!(r"(?:^|\s){NAME}:? is (?:no longer|not longer) (?:maintained|supported|available|packaged)"),
        format!(r"[Tt]he option (?:definition )?{NAME} (?:in [`‘'][^’']*[’'] )?(?:no longer has any effect|can no longer be used)"),
        format!(r"[Tt]he option {NAME} (?:defined in [`‘'][^’']*[’'] )?has been renamed"),
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});
/// The replacement the message recommends.
static REPLACEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:renamed to(?:/replaced by)?|replaced by|superseded by|moved to|[Uu]se|[Pp]lease use|in favou?r of|[Cc]onsider switching to) [‘'`]?([A-Za-z0-9_][A-Za-z0-9_.+-]*[A-Za-z0-9_])[’'`]?")
        .expect("valid regex")
});
/// Removal reasons of aliases.nix throws that name no attribute (`throw "Abandoned by
/// upstream. Consider switching to bottom instead"`).
static NAMELESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\babandoned by upstream\b|\bconsider switching to\b").expect("valid regex")
});
/// Messages whose names are not an old attribute (`the link is removed`).
const NOT_NAMES: &[&str] = &[
    "it",
    "this",
    "that",
    "which",
    "option",
    "package",
    "attribute",
    "argument",
];

impl Category for RenamedOrRemoved {
    fn id(&self) -> &'static str {
        "renamed_or_removed"
    }
    fn title(&self) -> &'static str {
        "Renamed or removed package or option"
    }
    fn doc(&self) -> &'static str {
        "The code refers to a nixpkgs package (or a NixOS / home-manager option) that has been \
renamed or removed. nixpkgs keeps the old name for a while as an alias that throws an error \
saying what happened, e.g. \"'pkgconfig' has been renamed to/replaced by 'pkg-config'\" or \
\"nodejs-16_x has been removed as it has reached end-of-life\".

Why: the nixpkgs input (or channel) was updated and the new revision dropped an old name; \
code written against an older nixpkgs keeps using it.

Fix: use the new name the message gives, or replace the removed package with a maintained \
one; if you cannot yet, pin the older nixpkgs revision for now:

    # before
    nativeBuildInputs = [ pkgconfig ];
    # after
    nativeBuildInputs = [ pkg-config ];"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "has been renamed",
            "has been replaced",
            "has been removed",
            "was removed",
            "has been dropped",
            "no longer has any effect",
            "can no longer be used",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let trace = site.trace.as_ref()?;
        let named = site
            .lines
            .iter()
            .filter(|l| !l.text.contains("refusing to evaluate"))
            .find_map(|l| {
                GONE.iter().find_map(|re| {
                    let old = re.captures(&l.text)?[1].to_owned();
                    (!NOT_NAMES.contains(&old.as_str())).then_some((l, old))
                })
            });
        let Some((line, old)) = named else {
            return nameless(site, &trace.message);
        };
        let new = REPLACEMENT
            .captures(&line.text)
            .map(|c| c[1].to_owned())
            .filter(|n| *n != old);
        let mut needles = vec![old.clone()];
        let (summary, fix) = match &new {
            Some(new) => (
                format!("'{old}' was renamed or replaced: use '{new}'"),
                format!("replace `{old}` with `{new}` where your code uses it"),
            ),
            None => (
                format!("'{old}' was removed"),
                format!(
                    "stop using `{old}`: switch to the alternative the message names, or pin a \
                     nixpkgs revision that still has it until you can"
                ),
            ),
        };
        if let Some(last) = old.rsplit('.').next().filter(|l| *l != old) {
            needles.push(last.to_owned());
        }
        Some(
            Verdict::new(0.93, summary)
                .cite(site, line)
                .fix(fix)
                .attribute(old)
                .locate(Locate::Text(needles)),
        )
    }
}

/// A removal whose message names no attribute: only the final message of an evaluation
/// error counts, so a builder's or a frame's words never do.
fn nameless(site: &Site, message: &str) -> Option<Verdict> {
    let first = message.lines().next()?;
    if !NAMELESS.is_match(first) {
        return None;
    }
    let line = site.line_with(first)?;
    let fix = match REPLACEMENT.captures(first).and_then(|c| c.get(1)) {
        Some(new) => format!(
            "a package your configuration uses was removed from nixpkgs: switch to `{}` as the message says (`--show-trace` shows which attribute)",
            new.as_str()
        ),
        None => "a package your configuration uses was removed from nixpkgs: replace it (`--show-trace` shows which attribute), or pin a nixpkgs revision that still has it".to_owned(),
    };
    Some(
        Verdict::new(0.8, format!("a package was removed from nixpkgs: {first}"))
            .cite(site, line)
            .fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn alias_wordings() {
        let v = verdict_for(&RenamedOrRemoved, "error: 'pkgconfig' has been renamed to/replaced by 'pkg-config'\n(use '--show-trace' to show detailed location information)\n").unwrap();
        assert_eq!(
            v.summary,
            "'pkgconfig' was renamed or replaced: use 'pkg-config'"
        );
        let v = verdict_for(&RenamedOrRemoved, "error: 'nodejs-16_x' has been removed as it has reached end-of-life; use 'nodejs_20' instead\n").unwrap();
        assert_eq!(v.attribute.as_deref(), Some("nodejs-16_x"));
        assert!(v.summary.ends_with("use 'nodejs_20'"), "{}", v.summary);
        let v = verdict_for(&RenamedOrRemoved, "error:\n       … while calling the 'throw' builtin\n\n       error: gnome3 has been renamed to gnome\n").unwrap();
        assert_eq!(v.attribute.as_deref(), Some("gnome3"));
        let v = verdict_for(&RenamedOrRemoved, "error: libav was removed from nixpkgs\n").unwrap();
        assert_eq!(v.summary, "'libav' was removed");
    }

    #[test]
    fn removal_reasons_that_name_no_attribute() {
        let v = verdict_for(&RenamedOrRemoved, "error: Unmaintained and abandoned by upstream. Consider switching to ccls instead\n(use '--show-trace' to show detailed location information)\n").unwrap();
        assert_eq!(
            v.summary,
            "a package was removed from nixpkgs: Unmaintained and abandoned by upstream. Consider switching to ccls instead"
        );
        assert!(v.fix.unwrap().contains("switch to `ccls`"));
        assert!(verdict_for(
            &RenamedOrRemoved,
            "error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x-1.drv' failed with exit code 1;\n       > this project was abandoned by upstream\n"
        )
        .is_none());
    }

    #[test]
    fn nixos_removed_option() {
        let v = verdict_for(&RenamedOrRemoved, "error:\n       Failed assertions:\n       - The option definition `services.xserver.desktopManager.gnome3' in `/etc/nixos/configuration.nix' no longer has any effect; please remove it.\n").unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("services.xserver.desktopManager.gnome3")
        );
    }

    #[test]
    fn near_miss_check_meta_and_warnings() {
        assert!(verdict_for(
            &RenamedOrRemoved,
            "error: Package ‘x-1’ in /a.nix:1 is marked as insecure, refusing to evaluate.\n"
        )
        .is_none());
        assert!(verdict_for(
            &RenamedOrRemoved,
            "warning: '--no-registries' is deprecated; use '--no-use-registries'\n"
        )
        .is_none());
    }
}
