//! broken_package: nixpkgs refused to evaluate a package its maintainers marked as broken.

use std::sync::LazyLock;

use regex::Regex;

use super::check_meta::refusal;
use crate::diagnose::{Category, Site, Verdict};

pub struct BrokenPackage;

static REASON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^is marked as broken").expect("valid regex"));

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
building it anyway for one evaluation, allow broken packages only there:

    # before
    pkgs = nixpkgs.legacyPackages.${system};
    # after (this import only)
    pkgs = import nixpkgs { inherit system; config.allowBroken = true; };

or once, from the command line: `NIXPKGS_ALLOW_BROKEN=1 nix build --impure ...`. \
(`allowBrokenPredicate` does not exist in older nixpkgs.)"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["is marked as broken"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let r = refusal(site, &REASON)?;
        Some(
            Verdict::new(
                0.96,
                format!("package {} is marked as broken in nixpkgs", r.name),
            )
            .cite(site, r.line)
            .fix(format!(
                "use a nixpkgs revision or version where {} builds, or fix it in an overlay; \
                     to try it anyway, allow broken packages for this evaluation only: \
                     `NIXPKGS_ALLOW_BROKEN=1 ... --impure`, or `config.allowBroken = true;` in \
                     that one `import nixpkgs {{ ... }}`",
                r.pname
            ))
            .package(r.pname.clone())
            .fact("name", r.name.clone()),
        )
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
        assert!(v.fix.unwrap().contains("NIXPKGS_ALLOW_BROKEN=1"));
    }

    #[test]
    fn near_miss_builder_output() {
        assert!(verdict_for(&BrokenPackage, "warning: the link is marked as broken\n").is_none());
    }
}
