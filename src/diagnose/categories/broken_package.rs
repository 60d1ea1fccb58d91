//! broken_package: nixpkgs refused to evaluate a package its maintainers marked as broken.

use std::sync::LazyLock;

use regex::Regex;

use super::check_meta::refusal;
use crate::diagnose::{Category, Site, Verdict};

pub struct BrokenPackage;

/// Until 2025 `is marked as broken`; since, a problem named (or of kind) `broken`.
static REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:is marked as broken|has problems: .*\bbroken\b)").expect("valid regex")
});

impl Category for BrokenPackage {
    fn id(&self) -> &'static str {
        "broken_package"
    }
    fn title(&self) -> &'static str {
        "Package marked as broken"
    }
    fn doc(&self) -> &'static str {
        "nixpkgs refused to evaluate a package because its `meta.broken` is true: its \
maintainers know it does not build or does not work (at least on this platform or with this \
version of its dependencies), so nixpkgs stops before wasting a build.

Why: the package, or something it depends on, was updated and the combination no longer \
builds; or it is marked broken only on your platform (`meta.broken = stdenv.isDarwin;`).

Fix: prefer a working alternative: another version, another nixpkgs revision (a stable \
channel, or an older lock of the `nixpkgs` input), or a fixed package via an overlay. To try \
building it anyway, allow exactly that package where nixpkgs is imported:

    # before
    pkgs = nixpkgs.legacyPackages.${system};
    # after (nixpkgs whose refusal says \"has problems: - broken\", 2025 on)
    pkgs = import nixpkgs { inherit system; config.problems.handlers.oldlib.broken = \"warn\"; };
    # after (older nixpkgs)
    pkgs = import nixpkgs {
      inherit system;
      config.allowBrokenPredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"oldlib\" ];
    };

nixpkgs older than `allowBrokenPredicate` knows only `config.allowBroken = true;`, which \
allows every broken package of that import, as does `NIXPKGS_ALLOW_BROKEN=1 nix build \
--impure ...`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["is marked as broken", "has problems:"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let r = refusal(site, &REASON)?;
        let pname = &r.pname;
        let allow = if r.problems {
            format!("`config.problems.handlers.{pname}.broken = \"warn\";`")
        } else {
            format!(
                "`config.allowBrokenPredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"{pname}\" ];` \
                 (nixpkgs without that option: `config.allowBroken = true;`, which allows every \
                 broken package)"
            )
        };
        let v = Verdict::new(
            0.96,
            format!("package {} is marked as broken in nixpkgs", r.name),
        )
        .cite(site, r.line)
        .fix(format!(
            "use a nixpkgs revision or version where {pname} builds, or fix it in an overlay; \
             to try it anyway, allow this package only in the `import nixpkgs {{ ... }}` that \
             evaluates it: {allow}"
        ))
        .package(pname.clone())
        .fact("name", r.name.clone())
        .locate(r.locate());
        Some(if r.problems {
            v.fact("problems", "broken")
        } else {
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn names_the_package() {
        let v = verdict_for(&BrokenPackage, "error: Package ‘oldlib-0.3’ in /nix/store/h-source/default.nix:4 is marked as broken, refusing to evaluate.\n\n       a) To temporarily allow broken packages, you can use an environment variable\n").unwrap();
        assert_eq!(v.package.as_deref(), Some("oldlib"));
        assert!(v.fix.unwrap().contains("[ \"oldlib\" ]"));
    }

    #[test]
    fn current_wording_lists_problems() {
        let v = verdict_for(&BrokenPackage, "error: Refusing to evaluate package 'oldlib-0.3' in /nix/store/3a2vdn5i7vd2wl654xs8nb52jf1v6cbh-source/default.nix:4 because it has problems:\n       - broken: This package is broken.\n\n       See also https://nixos.org/manual/nixpkgs/unstable#sec-problems\n").unwrap();
        assert_eq!(v.package.as_deref(), Some("oldlib"));
        assert!(v.facts.contains(&("problems", "broken".into())));
        assert!(v.fix.unwrap().contains("problems.handlers.oldlib.broken"));
    }

    #[test]
    fn near_miss_builder_output() {
        assert!(verdict_for(&BrokenPackage, "warning: the link is marked as broken\n").is_none());
    }
}
