//! undefined_variable: Nix code refers to a name that no `let`, `with`, argument or
//! builtin defines.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct UndefinedVariable;

static MSG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"undefined variable '([^']+)'").expect("valid regex"));

impl Category for UndefinedVariable {
    fn id(&self) -> &'static str {
        "undefined_variable"
    }
    fn title(&self) -> &'static str {
        "Undefined variable"
    }
    fn doc(&self) -> &'static str {
        "The Nix code uses a name that is not defined where it is used: not bound by a `let`, \
not an argument of the enclosing function, not brought into scope by `with`, and not a \
builtin. Nix reports it while evaluating, with the file, line and column.

Why: a typo; a package used in a package function without being listed in its argument set \
(`{ lib, stdenv }:` but the body uses `pkg-config`); a binding renamed in one place only; \
`pkgs.foo` written as `foo` outside `with pkgs;`.

Fix: correct the name, or bring it into scope. In a package function add it to the formals:

    # before
    { lib, stdenv }:
    stdenv.mkDerivation { nativeBuildInputs = [ pkg-config ]; }
    # after
    { lib, stdenv, pkg-config }:
    stdenv.mkDerivation { nativeBuildInputs = [ pkg-config ]; }"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["undefined variable"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, name) = site.capture(&MSG)?;
        Some(
            Verdict::new(0.95, format!("undefined variable '{name}'"))
                .cite(site, line)
                .fact("name", name.clone())
                .fix(format!(
                    "define `{name}` where it is used: fix the spelling, add it to the function's \
                     arguments (`{{ ..., {name} }}:`) if it is a package, or refer to it through \
                     its set (`pkgs.{name}`)"
                )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn names_the_variable() {
        let v = verdict_for(&UndefinedVariable, "error: undefined variable 'fedimint'\n\n       at /nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/flake.nix:422:17:\n").unwrap();
        assert_eq!(v.summary, "undefined variable 'fedimint'");
    }

    #[test]
    fn near_miss() {
        assert!(verdict_for(&UndefinedVariable, "error: attribute 'fedimint' missing\n").is_none());
    }
}
