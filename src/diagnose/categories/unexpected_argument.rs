//! unexpected_argument: a function with a fixed argument set (`{ a, b }:`) was called with an
//! attribute it does not declare; also the call parser missing_argument shares.

use std::sync::LazyLock;

use regex::Regex;

use super::missing_attribute::suggestion;
use crate::diagnose::{Category, Site, Verdict};
use crate::log::LogLine;
use crate::nix::store_path;

pub struct UnexpectedArgument;

/// A failed call as Nix reports it: `function 'f' called ...` (2.18+), `'f' at /x.nix:1:9
/// called ...`, or `anonymous function at /x.nix:1:1 called ...` (2.3-2.17).
pub(super) struct Call<'s> {
    pub line: &'s LogLine,
    /// The function's name, when it has one.
    pub function: Option<String>,
    /// `file:line:col` of the function's definition, when the message gives it.
    pub defined_at: Option<String>,
    pub argument: String,
}

impl Call<'_> {
    /// How to refer to the function in a sentence.
    pub fn describe(&self) -> String {
        match (&self.function, &self.defined_at) {
            (Some(f), _) if f != "anonymous lambda" => format!("function '{f}'"),
            (_, Some(at)) => format!("the function in {}", display_location(at)),
            _ => "a function".to_owned(),
        }
    }

    /// The function's file relative to the user's source, when it is a store copy of it.
    pub fn source_file(&self) -> Option<String> {
        let at = self.defined_at.as_deref()?;
        let file = at.split(':').next()?;
        store_path::source_relative(file).map(str::to_owned)
    }
}

fn display_location(at: &str) -> String {
    let file = at.split(':').next().unwrap_or(at);
    store_path::source_relative(file).unwrap_or(file).to_owned()
}

/// The regex of a call failure whose message ends with `tail` (`called with unexpected
/// argument`).
pub(super) fn call_regex(tail: &str) -> Regex {
    Regex::new(&format!(
        r"(?:(?:function [‘']([^’']+)[’']|[‘']([^’']+)[’'] at (\S+)|anonymous function at (\S+)) )?{tail} [‘']([^’']+)[’']"
    ))
    .expect("valid regex")
}

/// The first call failure `re` (from `call_regex`) finds in an evaluation site.
pub(super) fn call<'s>(site: &'s Site, re: &Regex) -> Option<Call<'s>> {
    let trace = site.trace.as_ref()?;
    site.lines.iter().find_map(|l| {
        let c = re.captures(&l.text)?;
        // 2.18+ leaves the definition out of the message and reports it as the position.
        let defined_at = c
            .get(3)
            .or(c.get(4))
            .map(|m| m.as_str().to_owned())
            .or_else(|| {
                c.get(1)?;
                let p = trace.position.as_ref()?;
                Some(format!("{}:{}:{}", p.file, p.line, p.column))
            });
        Some(Call {
            line: l,
            function: c.get(1).or(c.get(2)).map(|m| m.as_str().to_owned()),
            defined_at,
            argument: c[5].to_owned(),
        })
    })
}

static UNEXPECTED: LazyLock<Regex> =
    LazyLock::new(|| call_regex("called with unexpected argument"));

impl Category for UnexpectedArgument {
    fn id(&self) -> &'static str {
        "unexpected_argument"
    }
    fn title(&self) -> &'static str {
        "Function called with an unexpected argument"
    }
    fn doc(&self) -> &'static str {
        "A function that takes a set of named arguments, `{ a, b }: ...`, was called with an \
attribute it does not list. Without `...` in its header such a function accepts exactly the \
names it declares.

Why: a typo in the argument name; an argument that the function (a package, a NixOS module, \
a library function) removed or renamed in a newer version; `.override { x = ...; }` or \
`callPackage ./pkg.nix { x = ...; }` passing something the package does not take.

Fix: pass only the arguments the function declares (Nix 2.8+ suggests close names), or \
declare the new one in the function:

    # before
    { stdenv, fetchurl }: ...          # called as callPackage ./pkg.nix { withGui = true; }
    # after
    { stdenv, fetchurl, withGui ? false }: ..."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["called with unexpected argument"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let call = call(site, &UNEXPECTED)?;
        let arg = &call.argument;
        let v = Verdict::new(
            0.93,
            format!(
                "{} was called with unexpected argument '{arg}'",
                call.describe()
            ),
        )
        .cite(site, call.line);
        let fix = format!(
            "remove `{arg}` from the call (or `.override`), or add it to the function's arguments \
             (`{{ ..., {arg} ? <default> }}:`) if the function should accept it"
        );
        Some(match suggestion(site) {
            Some((line, s)) => v.cite(site, line).fix(format!("{fix}; Nix suggests: {s}")),
            None => v.fix(fix),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn nix_2_8_anonymous_and_named() {
        let v = verdict_for(&UnexpectedArgument, "error: anonymous function at /nix/store/4xh6l7sdrjl4661ph3j0nkp3wq5gd4fk-source/pkg.nix:1:1 called with unexpected argument 'b'\n\n       at «string»:1:1:\n\n            1| ({ a }: a) { a = 1; b = 2; }\n             | ^\n       Did you mean a?\n").unwrap();
        assert_eq!(
            v.summary,
            "the function in pkg.nix was called with unexpected argument 'b'"
        );
        assert!(v.fix.unwrap().ends_with("Nix suggests: a"));
        let v = verdict_for(
            &UnexpectedArgument,
            "error: 'f' at (string):1:9 called with unexpected argument 'b'\n",
        )
        .unwrap();
        assert_eq!(
            v.summary,
            "function 'f' was called with unexpected argument 'b'"
        );
    }

    #[test]
    fn nix_2_18_wording() {
        let v = verdict_for(&UnexpectedArgument, "error:\n       … from call site\n         at /nix/store/h-source/flake.nix:9:5:\n\n       error: function 'mkShell' called with unexpected argument 'buildInput'\n       Did you mean one of buildInputs or nativeBuildInputs?\n").unwrap();
        assert_eq!(
            v.summary,
            "function 'mkShell' was called with unexpected argument 'buildInput'"
        );
        assert!(v.fix.unwrap().contains("buildInputs or nativeBuildInputs"));
    }

    #[test]
    fn near_miss_missing_argument() {
        assert!(verdict_for(
            &UnexpectedArgument,
            "error: function 'f' called without required argument 'b'\n"
        )
        .is_none());
    }
}
