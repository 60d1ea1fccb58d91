//! invalid_flake_output: a flake output exists but has the wrong shape for its kind (a
//! package that is not a derivation, an app whose program is not in the store, ...).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct InvalidFlakeOutput;

/// `nix flake check`: `flake attribute 'x' is not a derivation`; `nix build`: `flake output
/// attribute 'x' is not a derivation` (2.13+: `... or path`).
static NOT_DERIVATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"flake (?:output )?attribute [‘']([^’']+)[’'] is not a derivation")
        .expect("valid regex")
});
static APP_PROGRAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"app program [‘']([^’']+)[’'] is not in the Nix store").expect("valid regex")
});
/// The other shape checks of `nix flake check`, each captured whole.
static SHAPES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:app|template) [‘'][^’']+[’'] lacks attribute [‘'][^’']+[’']|overlay is not a function.*|overlay does not take an argument named [‘'][^’']+[’']|bundler must .*|template [‘'][^’']+[’'] has unsupported attribute [‘'][^’']+[’']|jobset should not be a derivation.*|jobset is not an attribute set.*)$")
        .expect("valid regex")
});

impl Category for InvalidFlakeOutput {
    fn id(&self) -> &'static str {
        "invalid_flake_output"
    }
    fn title(&self) -> &'static str {
        "Flake output of the wrong shape"
    }
    fn doc(&self) -> &'static str {
        "A flake output has a value that does not fit its kind. Each standard output has a \
required shape: `packages.<system>.<name>` and `devShells.<system>.<name>` must be \
derivations, `apps.<system>.<name>` must be `{ type = \"app\"; program = \"/nix/store/...\"; }`, \
`overlays.<name>` must be `final: prev: { ... }`. `nix flake check` and `nix build` check it.

Why: a function or library helper (e.g. a builder like `mkShellMinimal`) exported under \
`packages`; a set of packages nested one level too deep; an app program given as a plain \
path such as `/bin/sh` or `./script.sh` instead of a store path; the old `devShell.<system>` \
layout mixed with `devShells.<system>.default`.

Fix: export only derivations under `packages`/`devShells`; put functions under `lib` or \
`overlays`, nested package sets under `legacyPackages`:

    # before
    packages.${system}.mkShellMinimal = pkgs.callPackage ./mkShellMinimal.nix { };  # a function
    # after
    lib.mkShellMinimal = pkgs: pkgs.callPackage ./mkShellMinimal.nix { };

For apps: `program = \"${pkg}/bin/name\";`. If the output comes from another flake, update \
that input (`nix flake lock --update-input <input>`)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "is not a derivation",
            "is not in the Nix store",
            "lacks attribute",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some((line, attr)) = site.capture(&NOT_DERIVATION) {
            let top = attr.split('.').next().unwrap_or(&attr).to_owned();
            let place = if matches!(top.as_str(), "packages" | "devShells" | "checks") {
                format!("only derivations may be under `{top}`: ")
            } else {
                String::new()
            };
            return Some(
                Verdict::new(0.95, format!("flake output '{attr}' is not a derivation"))
                    .cite(site, line)
                    .attribute(attr.clone())
                    .fix(format!(
                        "{place}make `{attr}` a derivation (call the function that builds it), or \
                         move it out: functions under `lib` or `overlays`, nested package sets \
                         under `legacyPackages`; if another flake provides it, update that input"
                    )),
            );
        }
        if let Some((line, program)) = site.capture(&APP_PROGRAM) {
            return Some(
                Verdict::new(0.95, format!("app program '{program}' is not a store path"))
                    .cite(site, line)
                    .fix(format!(
                        "an app's `program` must be a path in the Nix store: use \
                         `program = \"${{pkg}}/bin/<name>\";` (or `lib.getExe pkg`) instead of \
                         '{program}'"
                    ))
                    .locate(Locate::Text(vec![program])),
            );
        }
        let (line, c) = site.captures(&SHAPES)?;
        Some(
            Verdict::new(0.9, format!("invalid flake output: {}", &c[1]))
                .cite(site, line)
                .fix("give the output the shape its kind requires (`nix flake check` explains each kind; see the Nix manual's flake output schema)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn check_and_build_wordings() {
        let v = verdict_for(&InvalidFlakeOutput, "error:\n       … while checking the derivation 'packages.x86_64-linux.mkShellMinimal'\n         at /nix/store/h-source/flake.nix:48:11:\n\n       error: flake attribute 'packages.x86_64-linux.mkShellMinimal' is not a derivation\n").unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("packages.x86_64-linux.mkShellMinimal")
        );
        let v = verdict_for(&InvalidFlakeOutput, "error: flake output attribute 'packages.x86_64-linux.fn' is not a derivation or path\n").unwrap();
        assert!(v
            .fix
            .unwrap()
            .starts_with("only derivations may be under `packages`"));
    }

    #[test]
    fn apps_and_overlays() {
        let v = verdict_for(
            &InvalidFlakeOutput,
            "error: app program '/bin/sh' is not in the Nix store\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("${pkg}/bin/<name>"));
        let v = verdict_for(
            &InvalidFlakeOutput,
            "error: overlay is not a function, but a set instead\n",
        )
        .unwrap();
        assert_eq!(
            v.summary,
            "invalid flake output: overlay is not a function, but a set instead"
        );
    }

    #[test]
    fn near_miss_missing_output() {
        assert!(verdict_for(
            &InvalidFlakeOutput,
            "error: flake 'path:/p' does not provide attribute 'packages.x86_64-linux.x' or 'x'\n"
        )
        .is_none());
        assert!(verdict_for(
            &InvalidFlakeOutput,
            "warning: unknown flake output 'devShell'\n"
        )
        .is_none());
    }
}
