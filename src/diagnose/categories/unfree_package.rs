//! unfree_package: nixpkgs refused to evaluate a package whose license is not free, because
//! unfree packages were not allowed in this import of nixpkgs.

use std::sync::LazyLock;

use regex::Regex;

use super::check_meta::refusal;
use crate::diagnose::{Category, Site, Verdict};

pub struct UnfreePackage;

static REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^has an unfree license(?: \([‘']([^’']*)[’']\))?").expect("valid regex")
});

impl Category for UnfreePackage {
    fn id(&self) -> &'static str {
        "unfree_package"
    }
    fn title(&self) -> &'static str {
        "Unfree package not allowed"
    }
    fn doc(&self) -> &'static str {
        "nixpkgs refused to evaluate a package because its license is unfree (proprietary, or \
a source-available license such as `elastic20` or `bsl11`) and this instance of nixpkgs does \
not allow unfree packages. The check runs while evaluating, before anything is built.

Why: nixpkgs is imported with its default configuration, `allowUnfree = false`. In a flake \
`nixpkgs.legacyPackages.${system}` always uses that default and cannot be configured, and \
`NIXPKGS_ALLOW_UNFREE=1` is ignored unless the command runs with `--impure`.

Fix: allow just the packages you mean to, where nixpkgs is configured. In NixOS or \
home-manager:

    nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"vscode\" ];

In a flake, import nixpkgs yourself instead of using `legacyPackages`:

    # before
    pkgs = nixpkgs.legacyPackages.${system};
    # after
    pkgs = import nixpkgs {
      inherit system;
      config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"vscode\" ];
    };

For a one-off command: `NIXPKGS_ALLOW_UNFREE=1 nix build --impure ...`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "has an unfree license",
            "refusing to evaluate",
            "Refusing to evaluate",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let r = refusal(site, &REASON)?;
        // Before 2015 the message did not name the license.
        let license = r.group(1).map(|l| format!(" ({l})")).unwrap_or_default();
        let pname = &r.pname;
        Some(
            Verdict::new(
                0.96,
                format!(
                    "package {} has an unfree license{license} and unfree packages are not allowed",
                    r.name
                ),
            )
            .cite(site, r.line)
            .fix(format!(
                "allow this package only, where nixpkgs is configured: \
                 `nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ \"{pname}\" ];` \
                 (NixOS/home-manager), or in a flake `import nixpkgs {{ inherit system; \
                 config.allowUnfreePredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"{pname}\" ]; }}` \
                 instead of `nixpkgs.legacyPackages.${{system}}`; for a one-off run use \
                 `NIXPKGS_ALLOW_UNFREE=1` with `--impure`"
            ))
            .package(pname.clone())
            .fact("name", r.name.clone())
            .locate(r.locate()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn real_nix_2_8_log_names_the_package() {
        let log = include_str!("../../../fixtures/logs/eval/unfree-check-meta.log");
        let v = verdict_for(&UnfreePackage, log).unwrap();
        assert_eq!(v.package.as_deref(), Some("snow-desktop"));
        assert!(v.summary.contains("(unfree)"), "{}", v.summary);
        let fix = v.fix.unwrap();
        assert!(fix.contains("[ \"snow-desktop\" ]"), "{fix}");
        assert!(fix.contains("--impure"), "{fix}");
    }

    #[test]
    fn ascii_quotes_and_truncated_name() {
        let v = verdict_for(&UnfreePackage, "error: Package 'snow-code-desktop-…' has an unfree license ('elastic20'), refusing to evaluate.\n").unwrap();
        assert_eq!(v.package.as_deref(), Some("snow-code-desktop"));
        assert!(v.summary.contains("elastic20"));
    }

    #[test]
    fn current_wording() {
        let v = verdict_for(&UnfreePackage, "error: Refusing to evaluate package 'claude-code-2.1.283' in /nix/store/3a2vdn5i7vd2wl654xs8nb52jf1v6cbh-source/pkgs/by-name/cl/claude-code/package.nix:94 because it has an unfree license ('unfree')\n").unwrap();
        assert_eq!(v.package.as_deref(), Some("claude-code"));
        assert!(v.summary.contains("(unfree)"), "{}", v.summary);
    }

    #[test]
    fn oldest_wording_names_no_license() {
        let v = verdict_for(&UnfreePackage, "error: package ‘flashplayer-11.2’ in ‘/nix/store/h-nixpkgs/pkgs/flashplayer/default.nix:105’ has an unfree license, refusing to evaluate\n").unwrap();
        assert_eq!(
            v.summary,
            "package flashplayer-11.2 has an unfree license and unfree packages are not allowed"
        );
    }

    #[test]
    fn near_miss_other_refusal() {
        assert!(verdict_for(&UnfreePackage, "error: Package ‘oldlib-0.3’ in /nix/store/h-source/default.nix:4 is marked as broken, refusing to evaluate.\n").is_none());
    }
}
