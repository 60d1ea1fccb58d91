//! impure_access: the code reads something outside its declared inputs (a `<channel>` lookup
//! path, an absolute path, the current system, an unpinned download), which pure evaluation
//! (flakes, restricted mode) forbids or which the machine does not provide.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct ImpureAccess;

static LOOKUP_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"cannot look up [‘']<([^>]+)>[’'] in (?:pure|restricted) evaluation mode")
        .expect("valid regex")
});
static ABSOLUTE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"access to (?:absolute )?path [‘']([^’']+)[’'] is forbidden in (pure eval(?:uation)? mode|restricted mode)")
        .expect("valid regex")
});
static URI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"access to (?:URI|url) [‘']([^’']+)[’'] is forbidden").expect("valid regex")
});
static UNLOCKED_FETCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"in pure evaluation mode, [‘']([^’']+)[’'] requires a [‘']?([^’'\s]+)")
        .expect("valid regex")
});
/// `builtins.currentSystem` and `builtins.currentTime` do not exist in pure mode.
static IMPURE_BUILTIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"attribute [‘'](currentSystem|currentTime)[’'] missing").expect("valid regex")
});
static NOT_IN_SEARCH_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"file [‘']([^’']+)[’'] was not found in the Nix search path").expect("valid regex")
});

const LAST_RESORT: &str = "`--impure` lifts the check but makes the result depend on this machine; use it only as a last resort";

impl Category for ImpureAccess {
    fn id(&self) -> &'static str {
        "impure_access"
    }
    fn title(&self) -> &'static str {
        "Impure access in pure evaluation"
    }
    fn doc(&self) -> &'static str {
        "The Nix code depends on something that is not one of its declared inputs: a channel \
lookup path such as `<nixpkgs>`, an absolute path outside the source (`/etc/nixos/...`, \
`/home/...`), `builtins.currentSystem`, or a download without a hash. Flakes evaluate in \
pure mode, where all of these are forbidden so that the same inputs always give the same \
result; without flakes, a `<name>` missing from NIX_PATH fails the same way.

Why: code written for channels (`import <nixpkgs> { }`, `<nixos-hardware/...>`) moved into a \
flake; a configuration that imports files by absolute path; code that uses \
`builtins.currentSystem` instead of a `system` argument; a system without channels.

Fix: make the dependency an input. For a lookup path, add a flake input and use it:

    # before
    imports = [ <nixos-hardware/lenovo/thinkpad/x1> ];
    pkgs = import <nixpkgs> { };
    # after (inputs.nixos-hardware.url = \"github:NixOS/nixos-hardware\"; in flake.nix)
    imports = [ inputs.nixos-hardware.nixosModules.lenovo-thinkpad-x1 ];
    pkgs = import inputs.nixpkgs { inherit system; };

Put files inside the flake and refer to them relatively (`./hardware-configuration.nix`), pass \
`system` explicitly, give fetchers a hash. `--impure` lifts the check but makes the result \
depend on the machine: a last resort."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "pure evaluation mode",
            "pure eval mode",
            "restricted mode",
            "Nix search path",
            "currentSystem",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some((line, path)) = site.capture(&LOOKUP_PATH) {
            let input = path.split('/').next().unwrap_or(&path).to_owned();
            let use_it = if input == "nixpkgs" {
                "`import inputs.nixpkgs { inherit system; }` (or `inputs.nixpkgs` itself where a path is needed)".to_owned()
            } else {
                let rest = path.strip_prefix(&format!("{input}/")).unwrap_or("");
                let sub = if rest.is_empty() {
                    String::new()
                } else {
                    format!(" for `{rest}`")
                };
                format!("`inputs.{input}` (its flake outputs, e.g. a module from `inputs.{input}.nixosModules`{sub})")
            };
            return Some(
                Verdict::new(
                    0.96,
                    format!(
                        "<{path}> is a channel lookup path, which pure evaluation (flakes) forbids"
                    ),
                )
                .cite(site, line)
                .fix(format!(
                    "add `{input}` as a flake input (`inputs.{input}.url = \"...\";`), pass \
                         `inputs` to your modules (`specialArgs = {{ inherit inputs; }};`) and use \
                         {use_it} instead of `<{path}>`; {LAST_RESORT}"
                ))
                .attribute(format!("<{path}>"))
                .locate(Locate::Text(vec![format!("<{path}>")])),
            );
        }
        if let Some((line, c)) = site.captures(&ABSOLUTE_PATH) {
            let path = c[1].to_owned();
            return Some(
                Verdict::new(0.95, format!("access to {path} is forbidden in {}", &c[2]))
                    .cite(site, line)
                    .fix(format!(
                        "move the file into the flake's source and refer to it with a relative path \
                         (`./file`), or make its directory a flake input (`inputs.x = {{ url = \
                         \"path:...\"; flake = false; }};`); {LAST_RESORT}"
                    ))
                    .locate(Locate::Text(vec![path])),
            );
        }
        if let Some((line, url)) = site.capture(&URI) {
            return Some(
                Verdict::new(0.93, format!("download of {url} is forbidden in restricted mode"))
                    .cite(site, line)
                    .fix("make the download a flake input, or give the fetcher a hash (`hash = \"sha256-...\"`) so it is fixed-output; restricted mode (Hydra, `--option restrict-eval true`) allows only declared URIs")
                    .locate(Locate::Text(vec![url])),
            );
        }
        if let Some((line, c)) = site.captures(&UNLOCKED_FETCH) {
            return Some(
                Verdict::new(
                    0.93,
                    format!(
                        "{} without {} is not allowed in pure evaluation",
                        &c[1], &c[2]
                    ),
                )
                .cite(site, line)
                .fix(format!(
                    "give `{}` its `{}` (and a fixed revision) so the download is pinned, or make \
                         the source a flake input; {LAST_RESORT}",
                    &c[1], &c[2]
                )),
            );
        }
        if let Some((line, builtin)) = site.capture(&IMPURE_BUILTIN) {
            let fix = if builtin == "currentSystem" {
                "`builtins.currentSystem` does not exist in pure evaluation: take the system as an \
                 argument (`system`, `pkgs.stdenv.hostPlatform.system`) and define outputs per \
                 system (`packages.${system}`, `nixpkgs.lib.genAttrs`)"
            } else {
                "`builtins.currentTime` does not exist in pure evaluation: use \
                 `self.lastModified` or a fixed value"
            };
            return Some(
                Verdict::new(
                    0.95,
                    format!("builtins.{builtin} is not available in pure evaluation mode"),
                )
                .cite(site, line)
                .fix(format!("{fix}; {LAST_RESORT}"))
                .locate(Locate::Text(vec![format!("builtins.{builtin}"), builtin])),
            );
        }
        let (line, name) = site.capture(&NOT_IN_SEARCH_PATH)?;
        Some(
            Verdict::new(
                0.85,
                format!("<{name}> is not on the Nix search path (NIX_PATH)"),
            )
            .cite(site, line)
            .fix(format!(
                "the code imports `<{name}>`, but NIX_PATH has no `{name}` entry (no channel): \
                     pin it instead (a flake input, or `import (fetchTarball \"...\")`), or for a \
                     one-off pass `-I {name}=<path or URL>`"
            ))
            .locate(Locate::Text(vec![format!("<{name}>")])),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn lookup_paths() {
        let v = verdict_for(&ImpureAccess, "error: cannot look up '<nixos-hardware/tuxedo/infinitybook/pro14/gen7>' in pure evaluation mode (use '--impure' to override)\n").unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("<nixos-hardware/tuxedo/infinitybook/pro14/gen7>")
        );
        assert!(v
            .fix
            .as_deref()
            .unwrap()
            .contains("inputs.nixos-hardware.url"));
        let v = verdict_for(&ImpureAccess, "error: cannot look up '<nixpkgs>' in pure evaluation mode (use '--impure' to override)\n\n       at «string»:1:1:\n").unwrap();
        assert!(v
            .fix
            .unwrap()
            .contains("import inputs.nixpkgs { inherit system; }"));
    }

    #[test]
    fn paths_system_and_search_path() {
        let v = verdict_for(&ImpureAccess, "error: access to absolute path '/etc/hostname' is forbidden in pure eval mode (use '--impure' to override)\n").unwrap();
        assert_eq!(
            v.summary,
            "access to /etc/hostname is forbidden in pure eval mode"
        );
        let v = verdict_for(&ImpureAccess, "error: access to absolute path '/home/u/secrets.nix' is forbidden in pure evaluation mode (use '--impure' to override)\n").unwrap();
        assert!(v.summary.ends_with("pure evaluation mode"));
        let v = verdict_for(
            &ImpureAccess,
            "error: attribute 'currentSystem' missing\n\n       at «string»:1:1:\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("packages.${system}"));
        let v = verdict_for(&ImpureAccess, "error: file 'nixpkgs' was not found in the Nix search path (add it using $NIX_PATH or -I)\n").unwrap();
        assert!(v.summary.contains("NIX_PATH"));
    }

    #[test]
    fn near_miss_other_missing_attribute() {
        assert!(
            verdict_for(&ImpureAccess, "error: attribute 'currentSystems' missing\n").is_none()
        );
        assert!(verdict_for(
            &ImpureAccess,
            "error: access to absolute path '/x' is allowed\n"
        )
        .is_none());
    }
}
