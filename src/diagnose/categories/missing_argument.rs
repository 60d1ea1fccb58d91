//! missing_argument: a function was called without an argument it requires; with
//! callPackage, a package's argument that the package set does not have.

use std::sync::LazyLock;

use regex::Regex;

use super::unexpected_argument::{call, call_regex};
use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct MissingArgument;

static MISSING: LazyLock<Regex> = LazyLock::new(|| call_regex("called without required argument"));
/// nixpkgs' callPackage since 2023 (lib/customisation.nix) aborts with its own wording:
/// `lib.customisation.callPackageWith: Function called without required argument "%s" at
/// %s:%d, did you mean "%s"?`.
static CALL_PACKAGE_WITH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"callPackageWith: Function called without required argument "([^"]+)" at (\S+?):(\d+)(?:, did you mean (.+?)\?)?'?$"#)
        .expect("valid regex")
});
/// A file that is a function evaluated as the top-level expression (`nix-build file.nix`,
/// `nix-shell`): Nix 2.4+ "cannot evaluate a function that has an argument without a value
/// ('%1%')", until 2.3 "cannot auto-call a function that has an argument without a default
/// value ('%1%')" (libexpr/eval.cc, autoCallFunction).
static AUTO_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"cannot (?:auto-call|evaluate) a function that has an argument without a (?:default )?value \([`'‘]([^'’]+)['’]\)")
        .expect("valid regex")
});

impl Category for MissingArgument {
    fn id(&self) -> &'static str {
        "missing_argument"
    }
    fn title(&self) -> &'static str {
        "Function called without a required argument"
    }
    fn doc(&self) -> &'static str {
        "A function that takes named arguments, `{ a, b }: ...`, was called without one that \
has no default. With `callPackage`, every argument of the package function is taken from the \
package set by name, so this means the set has no attribute of that name.

Why: a package function asks for a dependency under a name nixpkgs does not have (a typo, a \
renamed package, a package from an overlay that is not applied, or a sub-set such as \
`python3Packages.requests` asked for as `requests`); a NixOS module or library function \
called directly without one of its arguments.

Fix: with callPackage, use the name the package set has, or pass the value explicitly:

    # before
    pkgs.callPackage ./tool.nix { }              # tool.nix: { stdenv, requests }:
    # after
    pkgs.callPackage ./tool.nix { inherit (pkgs.python3Packages) requests; }

Otherwise pass the argument in the call, or give it a default in the function header \
(`{ a, b ? null }:`)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "called without required argument",
            "a function that has an argument without a",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if let Some((line, arg)) = site.trace.as_ref().and(site.capture(&AUTO_CALL)) {
            return Some(
                Verdict::new(
                    0.9,
                    format!("a file that is a function was evaluated on its own: its argument '{arg}' has no value"),
                )
                .cite(site, line)
                .attribute(arg.clone())
                .fix(format!(
                    "the file is a function meant to be called with its arguments (callPackage): \
                     build it through the package set (`nix-build -E 'with import <nixpkgs> {{}}; \
                     callPackage ./file.nix {{ }}'` or an attribute of your project), pass \
                     `--arg {arg} ...`, or give `{arg}` a default (`{{ {arg} ? ... }}:`)"
                )),
            );
        }
        if let Some((line, c)) = site.trace.as_ref().and(site.captures(&CALL_PACKAGE_WITH)) {
            let arg = c[1].to_owned();
            let hint = c
                .get(4)
                .map(|m| format!(" (nixpkgs suggests {})", m.as_str()))
                .unwrap_or_default();
            return Some(
                Verdict::new(
                    0.93,
                    format!("the package function in {} asks for '{arg}', which the package set does not have{hint}", &c[2]),
                )
                .cite(site, line)
                .attribute(arg.clone())
                .fix(format!(
                    "callPackage fills `{arg}` from the package set, which has no `{arg}`: use the \
                     name nixpkgs has{hint}, add it with an overlay, or pass it explicitly: \
                     `callPackage ./file.nix {{ {arg} = ...; }}`"
                ))
                .locate(Locate::Named {
                    file: c[2].to_owned(),
                    line: c[3].parse().unwrap_or(0),
                    needles: vec![arg],
                }),
            );
        }
        let call = call(site, &MISSING)?;
        let arg = &call.argument;
        let by_call_package = site.lines.iter().any(|l| l.text.contains("callPackage"));
        let fix = if by_call_package {
            format!(
                "callPackage fills `{arg}` from the package set, which has no `{arg}`: use the \
                 attribute name nixpkgs has (it may be renamed or live in a sub-set such as \
                 python3Packages), add it to the set with an overlay, or pass it explicitly: \
                 `callPackage ./file.nix {{ {arg} = ...; }}`"
            )
        } else {
            format!(
                "pass `{arg}` in the call, or give it a default in the function's arguments \
                 (`{{ ..., {arg} ? null }}:`)"
            )
        };
        let mut v = Verdict::new(
            0.93,
            format!(
                "{} was called without required argument '{arg}'",
                call.describe()
            ),
        )
        .cite(site, call.line)
        .fix(fix);
        if let Some(file) = call.source_file() {
            v = v.locate(Locate::Path(file));
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn real_nix_2_8_call_package() {
        let log = include_str!("../../../fixtures/logs/eval/callpackage-missing-argument.log");
        let v = verdict_for(&MissingArgument, log).unwrap();
        assert_eq!(
            v.summary,
            "the function in tool.nix was called without required argument 'protobuf-compiler-grpc'"
        );
        assert!(v.fix.unwrap().starts_with("callPackage fills"));
        assert_eq!(v.locate, Some(Locate::Path("tool.nix".into())));
    }

    #[test]
    fn nix_2_18_named_function() {
        let v = verdict_for(&MissingArgument, "error:\n       … from call site\n         at /home/u/p/default.nix:3:1:\n\n       error: function 'anonymous lambda' called without required argument 'lib'\n         at /home/u/p/module.nix:1:1:\n").unwrap();
        assert_eq!(
            v.summary,
            "the function in /home/u/p/module.nix was called without required argument 'lib'"
        );
        assert!(v.fix.unwrap().starts_with("pass `lib`"));
    }

    #[test]
    fn a_function_file_evaluated_on_its_own_in_both_wordings() {
        for log in [
            "error: cannot evaluate a function that has an argument without a value ('stdenv')\n       Nix attempted to evaluate a function as a top level expression; in\n       this case it must have its arguments supplied either by default\n       values, or passed explicitly with '--arg' or '--argstr'.\n       at /home/u/p/pkg.nix:1:3:\n",
            "error: cannot auto-call a function that has an argument without a default value ('stdenv')\n",
        ] {
            let v = verdict_for(&MissingArgument, log).unwrap_or_else(|| panic!("{log}"));
            assert_eq!(v.attribute.as_deref(), Some("stdenv"));
            assert!(v.fix.unwrap().contains("--arg stdenv"));
        }
    }

    #[test]
    fn call_package_with_abort_wording() {
        let log = "error:\n       … while calling the 'abort' builtin\n         at /nix/store/n-source/lib/customisation.nix:312:7:\n\n       error: evaluation aborted with the following error message: 'lib.customisation.callPackageWith: Function called without required argument \"qt6\" at /nix/store/h-source/pkgs/viewer.nix:4, did you mean \"qt5\" or \"qt\"?'\n";
        let v = verdict_for(&MissingArgument, log).unwrap();
        assert_eq!(v.attribute.as_deref(), Some("qt6"));
        assert!(v.summary.contains("\"qt5\" or \"qt\""), "{}", v.summary);
        assert_eq!(
            v.locate,
            Some(Locate::Named {
                file: "/nix/store/h-source/pkgs/viewer.nix".into(),
                line: 4,
                needles: vec!["qt6".into()]
            })
        );
    }

    #[test]
    fn near_miss_unexpected_argument() {
        assert!(verdict_for(
            &MissingArgument,
            "error: function 'f' called with unexpected argument 'b'\n"
        )
        .is_none());
    }
}
