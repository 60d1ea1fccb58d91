//! missing_attribute: the code or the command selects an attribute (a package, a flake
//! output, an option) that the set does not have.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};
use crate::log::LogLine;

pub struct MissingAttribute;

static MISSING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"attribute [‘']([^’']+)[’'] missing").expect("valid regex"));
/// `nix-build -A a.b` / `nix-env -A`.
static SELECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"attribute [‘']([^’']+)[’'] in selection path [‘']([^’']+)[’'] not found")
        .expect("valid regex")
});
/// A flake installable: Nix lists every attribute path it tried.
static NOT_PROVIDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"flake [‘']([^’']+)[’'] does not provide attribute (.+)$").expect("valid regex")
});
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[‘']([^’']+)[’']").expect("valid regex"));
/// The outputs Nix before 2.7 looked up by default, instead of `<type>.<system>.default`.
static OLD_DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(devShell|defaultPackage|defaultApp)\.([^.]+)$").expect("valid regex")
});
static NIXOS_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[Tt]he option [`‘']([^’']+)[’'] does not exist").expect("valid regex")
});
static SUGGESTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Did you mean (?:one of )?(.+?)\?$").expect("valid regex"));

/// Nix's "Did you mean ...?" hint (2.8+), as `a`, or `a, b or c`.
pub(super) fn suggestion(site: &Site) -> Option<(&LogLine, String)> {
    site.capture(&SUGGESTION)
}

/// Appends Nix's suggestion to a fix, citing its line.
fn with_suggestion(site: &Site, v: Verdict, fix: String) -> Verdict {
    match suggestion(site) {
        Some((line, s)) => v.cite(site, line).fix(format!("{fix}; Nix suggests: {s}")),
        None => v.fix(fix),
    }
}

impl Category for MissingAttribute {
    fn id(&self) -> &'static str {
        "missing_attribute"
    }
    fn title(&self) -> &'static str {
        "Attribute missing"
    }
    fn doc(&self) -> &'static str {
        "Something selects an attribute that the set does not contain: `pkgs.foo` where \
nixpkgs has no `foo`, `nix build .#name` where the flake has no such output, `nix-build -A \
a.b`, or a NixOS option that does not exist. Nix 2.8 and later often add \"Did you mean \
...?\" with the closest names.

Why: a typo; a package renamed or only present in another nixpkgs revision; a flake output \
defined for other systems only (`packages.x86_64-linux` used on `aarch64-darwin`); a Nix \
older than 2.7, which looks for the old `devShell.<system>` / `defaultPackage.<system>` \
outputs instead of `devShells.<system>.default` / `packages.<system>.default`.

Fix: use the name that exists (see the suggestion, `nix flake show`, or \
search.nixos.org), or define it:

    # before: nix build .#helo
    packages.x86_64-linux.hello = ...;
    # after: nix build .#hello, or define packages.${system}.helo for every system

For the old-Nix case, upgrade Nix to 2.7 or later, or also expose \
`devShell.${system} = self.devShells.${system}.default;`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "missing",
            "does not provide attribute",
            "in selection path",
            "Did you mean",
            "does not exist",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some((line, c)) = site.captures(&NOT_PROVIDED) {
            let flake = c[1].to_owned();
            let tried: Vec<String> = QUOTED
                .captures_iter(&c[2])
                .map(|q| q[1].to_owned())
                .collect();
            let first = tried.first()?.clone();
            let old = tried.iter().find_map(|t| OLD_DEFAULT.captures(t));
            if let (Some(old), false) = (old, tried.iter().any(|t| t.ends_with(".default"))) {
                let system = &old[2];
                let (new, command) = match &old[1] {
                    "devShell" => (format!("devShells.{system}.default"), "nix develop"),
                    "defaultApp" => (format!("apps.{system}.default"), "nix run"),
                    _ => (format!("packages.{system}.default"), "nix build"),
                };
                return Some(
                    Verdict::new(
                        0.95,
                        format!(
                            "this Nix is older than 2.7: `{command}` looks for `{}` but not `{new}`",
                            &old[0]
                        ),
                    )
                    .cite(site, line)
                    .attribute(new.clone())
                    .fix(format!(
                        "upgrade Nix to 2.7 or later (check with `nix --version`); to support old \
                         Nix too, add `{} = self.{new};` to the flake's outputs",
                        &old[0]
                    )),
                );
            }
            let v = Verdict::new(
                0.92,
                format!("flake {flake} does not provide attribute '{first}'"),
            )
            .cite(site, line)
            .attribute(first.clone());
            let fix = format!(
                "select an output the flake has (`nix flake show {flake}` lists them) or define \
                 `{first}`; Nix tried {}",
                tried.join(", ")
            );
            return Some(with_suggestion(site, v, fix));
        }
        if let Some((line, c)) = site.captures(&SELECTION) {
            let v = Verdict::new(
                0.92,
                format!(
                    "attribute '{}' not found in selection path '{}'",
                    &c[1], &c[2]
                ),
            )
            .cite(site, line)
            .attribute(c[2].to_owned());
            let fix = format!(
                "select an attribute path that exists instead of '{}' (`-A`)",
                &c[2]
            );
            return Some(with_suggestion(site, v, fix));
        }
        if let Some((line, option)) = site.capture(&NIXOS_OPTION) {
            let v = Verdict::new(0.9, format!("the option `{option}` does not exist"))
                .cite(site, line)
                .attribute(option.clone())
                .locate(Locate::Text(vec![option.clone()]));
            let fix = format!(
                "check `{option}` against the options of your NixOS/home-manager release \
                 (it may be misspelt, renamed, newer than your release, or need its module \
                 in `imports`)"
            );
            return Some(with_suggestion(site, v, fix));
        }
        let (line, name) = site.capture(&MISSING)?;
        let v = Verdict::new(0.9, format!("attribute '{name}' missing"))
            .cite(site, line)
            .attribute(name.clone());
        let fix = format!(
            "the set has no attribute `{name}`: fix the name, use `set.{name} or <default>` if it \
             is optional, or use a nixpkgs revision that has it"
        );
        Some(with_suggestion(site, v, fix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn flake_installable_with_suggestion_from_nix_2_8() {
        let log =
            include_str!("../../../fixtures/logs/eval/flake-missing-attribute-suggestion.log");
        let v = verdict_for(&MissingAttribute, log).unwrap();
        assert_eq!(v.attribute.as_deref(), Some("packages.x86_64-linux.helo"));
        assert!(v.fix.unwrap().ends_with("Nix suggests: hello"));
        assert_eq!(v.evidence.len(), 2);
    }

    #[test]
    fn old_nix_default_outputs() {
        let v = verdict_for(&MissingAttribute, "error: flake 'git+file:///tmp/t' does not provide attribute 'devShells.x86_64-linux.devShell.x86_64-linux', 'packages.x86_64-linux.devShell.x86_64-linux', 'legacyPackages.x86_64-linux.devShell.x86_64-linux', 'devShell.x86_64-linux' or 'defaultPackage.x86_64-linux'\n").unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("devShells.x86_64-linux.default")
        );
        assert!(v.summary.contains("older than 2.7"));
    }

    #[test]
    fn modern_nix_default_outputs_are_not_old_nix() {
        let v = verdict_for(&MissingAttribute, "error: flake 'path:/p' does not provide attribute 'devShells.aarch64-darwin.default', 'devShell.aarch64-darwin', 'packages.aarch64-darwin.default' or 'defaultPackage.aarch64-darwin'\n").unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("devShells.aarch64-darwin.default")
        );
        assert!(!v.summary.contains("older"));
    }

    #[test]
    fn plain_selection_and_2_3() {
        let v = verdict_for(
            &MissingAttribute,
            "error: attribute 'b' in selection path 'a.b' not found\n       Did you mean c?\n",
        )
        .unwrap();
        assert_eq!(v.attribute.as_deref(), Some("a.b"));
        let v = verdict_for(
            &MissingAttribute,
            "error: attribute 'fooo' missing, at /src/default.nix:3:5\n",
        )
        .unwrap();
        assert_eq!(v.summary, "attribute 'fooo' missing");
        let v = verdict_for(&MissingAttribute, "error: The option `services.foo.enable' does not exist. Definition values:\n       - In `/etc/nixos/configuration.nix': true\n").unwrap();
        assert_eq!(v.attribute.as_deref(), Some("services.foo.enable"));
    }

    #[test]
    fn near_miss_missing_argument() {
        assert!(verdict_for(
            &MissingAttribute,
            "error: anonymous function at /a.nix:1:1 called without required argument 'b'\n"
        )
        .is_none());
    }
}
