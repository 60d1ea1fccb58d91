//! missing_argument: a function was called without an argument it requires; with
//! callPackage, a package's argument that the package set does not have.

use std::sync::LazyLock;

use regex::Regex;

use super::unexpected_argument::{call, call_regex};
use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct MissingArgument;

static MISSING: LazyLock<Regex> = LazyLock::new(|| call_regex("called without required argument"));

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
        &["called without required argument"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
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
    fn near_miss_unexpected_argument() {
        assert!(verdict_for(
            &MissingArgument,
            "error: function 'f' called with unexpected argument 'b'\n"
        )
        .is_none());
    }
}
