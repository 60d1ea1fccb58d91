//! flakes_disabled: a command needs an experimental Nix feature (`nix-command`, `flakes`, ...)
//! that this Nix has not enabled, or a Nix too old to have flakes at all.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct FlakesDisabled;

static DISABLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"experimental Nix feature [‘']([^’']+)[’'] is disabled").expect("valid regex")
});
/// Nix 2.3 and older nixos-rebuild do not know the flake commands and flags at all.
static TOO_OLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[‘']flake[’'] is not a recognised command|unrecognised flag [‘']--flake[’']|unknown option [`‘']--flake[’'])")
        .expect("valid regex")
});

impl Category for FlakesDisabled {
    fn id(&self) -> &'static str {
        "flakes_disabled"
    }
    fn title(&self) -> &'static str {
        "Experimental Nix feature not enabled"
    }
    fn doc(&self) -> &'static str {
        "The command uses an experimental feature that is switched off in this Nix: the `nix` \
command line itself (`nix-command`: `nix build`, `nix develop`, `nix flake ...`), `flakes`, \
or another one such as `ca-derivations`. Nix refuses instead of guessing.

Why: Nix ships flakes and the new CLI disabled by default; a fresh install, another user or \
a CI runner does not have the setting that your machine has. Nix 2.3 and older do not have \
flakes at all.

Fix: enable them once in nix.conf (`~/.config/nix/nix.conf` for your user, \
`/etc/nix/nix.conf` system-wide):

    # before: no setting
    # after
    experimental-features = nix-command flakes

On NixOS: `nix.settings.experimental-features = [ \"nix-command\" \"flakes\" ];`. For a single \
command: `nix --extra-experimental-features 'nix-command flakes' build ...`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "experimental Nix feature",
            "is not a recognised command",
            "unrecognised flag",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some((line, feature)) = site.capture(&DISABLED) {
            let standard = feature == "flakes" || feature == "nix-command";
            let features = if standard {
                "nix-command flakes".to_owned()
            } else {
                feature.clone()
            };
            return Some(
                Verdict::new(0.97, format!("the experimental Nix feature '{feature}' is not enabled"))
                    .cite(site, line)
                    .fix(format!(
                        "add the line `experimental-features = {features}` to \
                         ~/.config/nix/nix.conf or /etc/nix/nix.conf (`extra-experimental-features` \
                         if the file already sets some; on NixOS \
                         `nix.settings.experimental-features`), or run the command with \
                         `--extra-experimental-features '{features}'`"
                    ))
                    .command(format!(
                        "mkdir -p ~/.config/nix && echo 'extra-experimental-features = {features}' >> ~/.config/nix/nix.conf"
                    ))
                    .fact("features", features),
            );
        }
        let line = site.find(|t| TOO_OLD.is_match(t))?;
        Some(
            Verdict::new(
                0.85,
                "this Nix (or nixos-rebuild) is too old to know flakes",
            )
            .cite(site, line)
            .fix(
                "upgrade to Nix 2.4 or later (`nix --version`), then enable the features with \
                      `experimental-features = nix-command flakes` in nix.conf",
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn nix_command_and_flakes() {
        let v = verdict_for(&FlakesDisabled, "error: experimental Nix feature 'nix-command' is disabled; use '--extra-experimental-features nix-command' to override\n").unwrap();
        assert_eq!(
            v.summary,
            "the experimental Nix feature 'nix-command' is not enabled"
        );
        assert!(v.commands[0].contains("extra-experimental-features = nix-command flakes"));
        let v = verdict_for(&FlakesDisabled, "error: experimental Nix feature 'ca-derivations' is disabled; add '--extra-experimental-features ca-derivations' to enable it\n").unwrap();
        assert!(v.fix.unwrap().contains("= ca-derivations"));
    }

    #[test]
    fn too_old_nix() {
        let v = verdict_for(
            &FlakesDisabled,
            "error: 'flake' is not a recognised command\nTry 'nix --help' for more information.\n",
        )
        .unwrap();
        assert!(v.summary.contains("too old"));
    }

    #[test]
    fn near_miss_other_flag() {
        assert!(verdict_for(&FlakesDisabled, "error: unrecognised flag '--fast'\n").is_none());
        assert!(verdict_for(
            &FlakesDisabled,
            "warning: experimental Nix feature 'flakes' is disabled\n"
        )
        .is_none());
    }
}
