//! unsupported_system: the package or derivation is for another platform than the one
//! evaluating or building it (nixpkgs' meta.platforms check, or a builder for another system).

use std::sync::LazyLock;

use regex::Regex;

use super::check_meta::refusal;
use crate::diagnose::{Category, Site, SiteKind, Verdict};

pub struct UnsupportedSystem;

/// After `Package ‘x’ in ...`: the current and the old wording of check-meta.
static REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^is (?:not available on the requested hostPlatform|not supported on [‘']([^’']+)[’'])",
    )
    .expect("valid regex")
});
static HOST_CONFIG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"hostPlatform\.(?:config|system) = "([^"]+)""#).expect("valid regex")
});
/// Nix 2.4-2.18: one line naming both systems.
static REQUIRED_BUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"a [‘']([^’']+)[’'] with features \{([^}]*)\} is required to build [‘']([^’']+)[’'], but I am a [‘']([^’']+)[’']")
        .expect("valid regex")
});
/// Nix 2.19+: `Reason: required system or feature not available` then these lines.
static REQUIRED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Required system: [‘']([^’']+)[’'] with features \{([^}]*)\}").expect("valid regex")
});
static CURRENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Current system: [‘']([^’']+)[’']").expect("valid regex"));
static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[Uu]nsupported (?:system|platform)[: ]+[‘'`]?([A-Za-z0-9_]+-[A-Za-z0-9_-]+)")
        .expect("valid regex")
});

impl Category for UnsupportedSystem {
    fn id(&self) -> &'static str {
        "unsupported_system"
    }
    fn title(&self) -> &'static str {
        "Package or build not available on this system"
    }
    fn doc(&self) -> &'static str {
        "The package is not meant for the platform it was requested for, or the derivation \
must be built on another kind of machine. nixpkgs refuses a package whose `meta.platforms` \
excludes the host (\"is not available on the requested hostPlatform\", older: \"is not \
supported on ‘x86_64-darwin’\"), and Nix refuses to build a derivation whose `system` \
(e.g. `aarch64-linux`) differs from the machine's (\"required system or feature not \
available\").

Why: a Linux-only or macOS-only package used on the other OS; a flake output hard-codes one \
system (`packages.x86_64-linux` used on an ARM Mac); a NixOS configuration for a Raspberry Pi \
built on an x86 machine; a build needs a feature (`kvm`, `big-parallel`) this machine lacks.

Fix: select the package for the current system, or build where it is supported:

    # before
    packages.default = self.packages.x86_64-linux.app;
    # after
    packages = forAllSystems (system: { default = self.packages.${system}.app; });

To build for another system, use a remote builder (`nix.buildMachines`, `--builders`) or, on \
NixOS, emulation: `boot.binfmt.emulatedSystems = [ \"aarch64-linux\" ];`. To evaluate a \
package outside its declared platforms anyway: `NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM=1 ... \
--impure`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "is not available on the requested hostPlatform",
            "is not supported on",
            "is required to build",
            "required system or feature not available",
            "Required system:",
            "nsupported system",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if let Some(r) = refusal(site, &REASON) {
            let host = r
                .group(1)
                .map(str::to_owned)
                .or_else(|| site.capture(&HOST_CONFIG).map(|(_, h)| h));
            let on = host.map(|h| format!(" on {h}")).unwrap_or_default();
            return Some(
                Verdict::new(0.95, format!("package {} is not available{on}", r.name))
                    .cite(site, r.line)
                    .fix(format!(
                        "{} does not support this platform (see its meta.platforms): use it only on \
                         the systems it supports (e.g. `lib.optionals stdenv.isLinux [ ... ]`), pick \
                         an alternative, or evaluate it anyway with \
                         `NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM=1 ... --impure`",
                        r.pname
                    ))
                    .package(r.pname.clone())
                    .locate(r.locate()),
            );
        }
        if matches!(site.kind, SiteKind::Cascade { .. }) {
            return None;
        }
        let mismatch = site
            .captures(&REQUIRED_BUT)
            .map(|(line, c)| {
                (
                    line,
                    c[1].to_owned(),
                    c[2].to_owned(),
                    Some(c[4].to_owned()),
                )
            })
            .or_else(|| {
                let (line, c) = site.captures(&REQUIRED)?;
                let current = site.capture(&CURRENT).map(|(_, s)| s);
                Some((line, c[1].to_owned(), c[2].to_owned(), current))
            });
        if let Some((line, required, features, current)) = mismatch {
            let features = features.trim();
            let here = current
                .map(|c| format!(" on this {c} machine"))
                .unwrap_or_default();
            let needs = if features.is_empty() {
                format!("a machine of system {required}")
            } else {
                format!("a machine of system {required} with the features {{{features}}}")
            };
            let mut fix = format!(
                "build it on {needs}: add a remote builder (`nix.buildMachines` / `--builders`), \
                 or on NixOS emulate it with `boot.binfmt.emulatedSystems = [ \"{required}\" ];`; \
                 if you meant to build for this machine, select the output for its system instead \
                 of a hard-coded `{required}`"
            );
            if !features.is_empty() {
                fix.push_str(
                    "; a machine that has the features lists them in `system-features` in nix.conf",
                );
            }
            return Some(
                Verdict::new(
                    0.93,
                    format!("the derivation must be built on {needs}, not{here}"),
                )
                .cite(site, line)
                .fix(fix),
            );
        }
        site.trace.as_ref()?;
        let (line, system) = site.capture(&GENERIC)?;
        Some(
            Verdict::new(0.8, format!("system {system} is not supported here"))
                .cite(site, line)
                .fix(format!(
                    "the code does not support {system}: use one of the systems it lists, or add \
                     {system} to the systems the flake or package is defined for"
                )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn check_meta_both_wordings() {
        let v = verdict_for(&UnsupportedSystem, "error: Package ‘darwin-only-2.0’ in /nix/store/h-source/t.nix:6 is not available on the requested hostPlatform:\n         hostPlatform.config = \"x86_64-unknown-linux-gnu\"\n         package.meta.platforms = [\n").unwrap();
        assert_eq!(
            v.summary,
            "package darwin-only-2.0 is not available on x86_64-unknown-linux-gnu"
        );
        let v = verdict_for(&UnsupportedSystem, "error: Package ‘iproute2-5.0’ in /nix/store/h-source/default.nix:9 is not supported on ‘x86_64-darwin’, refusing to evaluate.\n").unwrap();
        assert_eq!(v.package.as_deref(), Some("iproute2"));
        assert!(v.summary.ends_with("on x86_64-darwin"));
    }

    #[test]
    fn build_for_another_system_old_and_new() {
        let v = verdict_for(&UnsupportedSystem, "error: a 'aarch64-linux' with features {} is required to build '/nix/store/b3s8qmvd4k3vlz511mamyhg990f79a7r-x.drv', but I am a 'x86_64-linux' with features {benchmark, big-parallel, kvm, nixos-test}\n").unwrap();
        assert_eq!(v.summary, "the derivation must be built on a machine of system aarch64-linux, not on this x86_64-linux machine");
        assert!(v
            .fix
            .unwrap()
            .contains("emulatedSystems = [ \"aarch64-linux\" ]"));
        let v = verdict_for(&UnsupportedSystem, "error: Cannot build '/nix/store/b3s8qmvd4k3vlz511mamyhg990f79a7r-x.drv'.\n       Reason: required system or feature not available\n       Required system: 'aarch64-linux' with features {kvm}\n       Current system: 'x86_64-linux' with features {benchmark, big-parallel, nixos-test}\n").unwrap();
        assert!(v.summary.contains("the features {kvm}"), "{}", v.summary);
    }

    #[test]
    fn near_miss_other_refusal() {
        assert!(verdict_for(
            &UnsupportedSystem,
            "error: Package ‘x-1’ in /a.nix:1 is marked as broken, refusing to evaluate.\n"
        )
        .is_none());
    }
}
