//! insecure_package: nixpkgs refused to evaluate a package with known vulnerabilities that
//! was not explicitly permitted.

use std::sync::LazyLock;

use regex::Regex;

use super::check_meta::refusal;
use crate::diagnose::{Category, Site, Verdict};

pub struct InsecurePackage;

static REASON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^is marked as insecure").expect("valid regex"));

impl Category for InsecurePackage {
    fn id(&self) -> &'static str {
        "insecure_package"
    }
    fn title(&self) -> &'static str {
        "Insecure package not permitted"
    }
    fn doc(&self) -> &'static str {
        "nixpkgs refused to evaluate a package because it lists known vulnerabilities \
(`meta.knownVulnerabilities`, shown under \"Known issues:\"), typically an end-of-life \
version such as OpenSSL 1.1 or an old Electron, and it was not explicitly permitted.

Why: something you use (directly or as a dependency) still needs the vulnerable version. \
nixpkgs makes you name it so that insecure software is never pulled in silently.

Fix: best, move to a maintained version or drop the dependency. If you accept the risk, \
permit exactly that name and version where nixpkgs is configured:

    # before
    nixpkgs.config = { };
    # after
    nixpkgs.config.permittedInsecurePackages = [ \"openssl-1.1.1w\" ];

(in a flake: `import nixpkgs { inherit system; config.permittedInsecurePackages = [ ... ]; }`)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["is marked as insecure", "Known issues:"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let r = refusal(site, &REASON)?;
        let issues: Vec<_> = site
            .lines
            .iter()
            .skip_while(|l| !l.text.contains("Known issues:"))
            .skip(1)
            .map_while(|l| l.text.trim().strip_prefix("- ").map(|i| (l, i)))
            .collect();
        let mut summary = format!("package {} is marked as insecure", r.name);
        if let Some((_, first)) = issues.first() {
            summary.push_str(&format!(": {first}"));
        }
        let mut v = Verdict::new(0.96, summary)
            .cite(site, r.line)
            .fix(format!(
                "move to a maintained version if you can; to accept the risk, permit exactly this \
                 version: `nixpkgs.config.permittedInsecurePackages = [ \"{}\" ];` (or \
                 `config.permittedInsecurePackages` in `import nixpkgs {{ ... }}`)",
                r.name
            ))
            .package(r.pname.clone())
            .fact("name", r.name.clone())
            .locate(r.locate());
        for (line, _) in issues {
            v = v.cite(site, line);
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn exact_name_version_and_issues() {
        let v = verdict_for(&InsecurePackage, "error: Package ‘openssl-1.1.1w’ in /nix/store/h-source/pkgs/openssl/default.nix:5 is marked as insecure, refusing to evaluate.\n\n\n       Known issues:\n        - OpenSSL 1.1 is end of life (CVE-2023-0001)\n\n       You can install it anyway by allowing this package, using the\n").unwrap();
        assert!(v.fix.unwrap().contains("[ \"openssl-1.1.1w\" ]"));
        assert!(
            v.summary
                .ends_with("OpenSSL 1.1 is end of life (CVE-2023-0001)"),
            "{}",
            v.summary
        );
        assert_eq!(v.evidence.len(), 2);
    }

    #[test]
    fn near_miss_unfree() {
        assert!(verdict_for(&InsecurePackage, "error: Package ‘x-1’ in /a.nix:1 has an unfree license (‘unfree’), refusing to evaluate.\n").is_none());
    }
}
