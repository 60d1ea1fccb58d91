//! type_error: a value of one type was used where another is required (a set as a string, a
//! function as a set, a NixOS option given a value of the wrong type).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct TypeError;

/// What a type mismatch says: the value's type and the expected one.
struct Mismatch {
    found: String,
    expected: String,
    /// The attribute the message names (`flake input attribute 'nix' is ...`).
    attribute: Option<String>,
    /// For a flake input attribute, the input it was read under (`llm-agents` of
    /// `llm-agents.nix.url`), from the quoted source line.
    input: Option<String>,
}

type Parse = fn(&regex::Captures) -> Mismatch;

fn owned(c: &regex::Captures, i: usize) -> String {
    c.get(i).map_or("", |m| m.as_str()).to_owned()
}

/// Each wording with how to read it; 2.19+ spell most of them `expected X but found Y`.
static PATTERNS: LazyLock<Vec<(Regex, Parse)>> = LazyLock::new(|| {
    let table: [(&str, Parse); 8] = [
        (
            r"(?:value|attribute [‘']([^’']+)[’']) is (an? [A-Za-z]+) while (an? .+?) (?:was|is) expected",
            |c| Mismatch {
                found: owned(c, 2),
                expected: owned(c, 3),
                attribute: c.get(1).map(|m| m.as_str().to_owned()),
                input: None,
            },
        ),
        (
            r"expected (an? [A-Za-z ]+?) but found (an? [A-Za-z]+)",
            |c| Mismatch {
                found: owned(c, 2),
                expected: owned(c, 1),
                attribute: None,
                input: None,
            },
        ),
        (r"cannot coerce (an? [A-Za-z ]+?) to a string", |c| {
            Mismatch {
                found: owned(c, 1),
                expected: "a string".to_owned(),
                attribute: None,
                input: None,
            }
        }),
        (r"cannot convert (an? [A-Za-z]+) to JSON", |c| Mismatch {
            found: owned(c, 1),
            expected: "a value JSON can represent".to_owned(),
            attribute: None,
            input: None,
        }),
        (
            r"attempt to call something which is not a function but (an? [A-Za-z]+)",
            |c| Mismatch {
                found: owned(c, 1),
                expected: "a function".to_owned(),
                attribute: None,
                input: None,
            },
        ),
        (r"cannot add (an? [A-Za-z]+) to (an? [A-Za-z]+)", |c| {
            Mismatch {
                found: owned(c, 1),
                expected: format!("something that can be added to {}", owned(c, 2)),
                attribute: None,
                input: None,
            }
        }),
        (
            r"cannot compare (an? [A-Za-z]+) with (an? [A-Za-z]+)",
            |c| Mismatch {
                found: owned(c, 1),
                expected: format!("something comparable with {}", owned(c, 2)),
                attribute: None,
                input: None,
            },
        ),
        (
            r"[Aa] definition for option [`‘']([^’']+)[’'] is not of type [`‘'](.+?)[’']\.?(?:\s|$)",
            |c| Mismatch {
                found: "a value of another type".to_owned(),
                expected: format!("a value of type `{}`", owned(c, 2)),
                attribute: c.get(1).map(|m| m.as_str().to_owned()),
                input: None,
            },
        ),
    ];
    table
        .into_iter()
        .map(|(p, f)| (Regex::new(p).expect("valid regex"), f))
        .collect()
});

/// The input under which `name` was written, from the source lines Nix quoted
/// (`llm-agents.nix.url = ...` gives `llm-agents` for `nix`).
fn quoted_input(site: &Site, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r"([A-Za-z0-9_-]+)\.{}\.", regex::escape(name))).ok()?;
    let trace = site.trace.as_ref()?;
    std::iter::once(&trace.snippet)
        .chain(trace.frames.iter().map(|f| &f.snippet))
        .flatten()
        .find_map(|(_, text)| re.captures(text).map(|c| c[1].to_owned()))
}

/// The usual mistake behind a mismatch, as advice.
fn advice(m: &Mismatch, line: &str) -> String {
    let (found, expected) = (m.found.as_str(), m.expected.as_str());
    if line.contains("flake input attribute") {
        let name = m.attribute.as_deref().unwrap_or("?");
        let input = m.input.as_deref().unwrap_or("a");
        return format!(
            "in `inputs`, `{input}.{name}.url = ...` is read as the nested attribute path {input} → \
             {name} → url; quote the input name that contains a dot \
             (`\"{input}.{name}\".url = ...;`)"
        );
    }
    if expected.contains("option") || expected.starts_with("a value of type") {
        return format!("give the option {expected}; the lines after the message show each definition and its file");
    }
    match (found, expected) {
        ("a function", e) if e.contains("set") || e.contains("list") || e.contains("string") => {
            "a function was used as a value: call it with its arguments (e.g. `import ./x.nix { inherit pkgs; }` \
             instead of `import ./x.nix`, `pkgs.callPackage ./pkg.nix { }` instead of `./pkg.nix`)"
                .to_owned()
        }
        (f, "a function") => format!(
            "{f} is applied to an argument as if it were a function: remove the argument, or \
             select the function inside it first"
        ),
        ("a set", "a string") => "a set is used as a string: interpolate one of its attributes \
            (only derivations and sets with `outPath`/`__toString` become strings), or convert it \
            with `builtins.toJSON` / `lib.generators`"
            .to_owned(),
        ("a list", "a string") => {
            "a list is used as a string: join it with `lib.concatStringsSep \" \" list` or `toString`"
                .to_owned()
        }
        ("a list", e) if e.contains("set") => {
            "a list is used where a set is expected: select an element, or build a set with \
             `lib.listToAttrs`/`lib.genAttrs`"
                .to_owned()
        }
        ("a set", e) if e.contains("list") => {
            "a set is used where a list is expected: wrap it in `[ ]`, or take `lib.attrValues set`"
                .to_owned()
        }
        ("a thunk", _) => format!(
            "the value must be given directly as {expected}, not computed (a nested set or an \
             expression is not allowed there)"
        ),
        ("null", _) | ("a null", _) => format!(
            "the value is null: an optional attribute was not set; give it {expected} or guard \
             with `lib.optional`/`or`"
        ),
        _ => format!("make the value {expected} at the reported position, or convert it"),
    }
}

impl Category for TypeError {
    fn id(&self) -> &'static str {
        "type_error"
    }
    fn title(&self) -> &'static str {
        "Value of the wrong type"
    }
    fn doc(&self) -> &'static str {
        "A value of one type was used where Nix, a builtin or a NixOS option needs another: a \
set where a string is expected, a function where a set is expected, a list added to a \
string, a definition that does not match an option's declared type.

Why: a function that was never called (`import ./module.nix` where `import ./module.nix { \
... }` was meant), interpolating a set into a string, `[ ]` or `{ }` confused, a flake input \
written `a.b.url` (a nested path) where the name `\"a.b\"` was meant, an option set to a \
string instead of a list.

Fix: give the value the expected type, or convert it explicitly:

    # before: value is a function while a set was expected
    modules = [ (import ./hardware.nix) ];   # hardware.nix: { pkgs }: { ... }
    # after
    modules = [ ./hardware.nix ];

`--show-trace` shows which attribute was being evaluated."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "was expected",
            "is expected",
            "but found",
            "cannot coerce",
            "cannot convert",
            "not a function but",
            "is not of type",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        let (line, mut m) = site.lines.iter().find_map(|l| {
            PATTERNS
                .iter()
                .find_map(|(re, parse)| re.captures(&l.text).map(|c| (l, parse(&c))))
        })?;
        if let (true, Some(name)) = (line.text.contains("flake input attribute"), &m.attribute) {
            m.input = quoted_input(site, name);
        }
        let subject = match &m.attribute {
            Some(a) if line.text.contains("option") => format!("option `{a}`"),
            Some(a) => format!("attribute '{a}'"),
            None => "a value".to_owned(),
        };
        let summary = format!("{subject} is {} where {} is expected", m.found, m.expected);
        let mut v = Verdict::new(0.9, summary)
            .cite(site, line)
            .fix(advice(&m, &line.text));
        if let Some(a) = &m.attribute {
            v = v.attribute(match &m.input {
                Some(input) => format!("inputs.{input}.{a}"),
                None => a.clone(),
            });
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn flake_input_with_a_dot() {
        let v = verdict_for(&TypeError, "error:\n       … while evaluating flake attribute 'nix'\n         at /Users/t/.config/nixpkgs/flake.nix:15:5:\n           15|     llm-agents.nix.url = \"github:numtide/llm-agents.nix\";\n             |     ^\n\n       error: flake input attribute 'nix' is a thunk while a string, Boolean, or integer is expected\n").unwrap();
        assert_eq!(
            v.summary,
            "attribute 'nix' is a thunk where a string, Boolean, or integer is expected"
        );
        assert!(v.fix.unwrap().contains("(`\"llm-agents.nix\".url = ...;`)"));
        assert_eq!(v.attribute.as_deref(), Some("inputs.llm-agents.nix"));
    }

    #[test]
    fn old_and_new_wordings() {
        let v = verdict_for(&TypeError, "error: value is a function while a set was expected\n\n       at /nix/store/h-source/flake.nix:9:5:\n").unwrap();
        assert!(v.fix.unwrap().contains("call it with its arguments"));
        let v = verdict_for(
            &TypeError,
            "error: expected a set but found a list: [ 1 ]\n",
        )
        .unwrap();
        assert_eq!(v.summary, "a value is a list where a set is expected");
        let v = verdict_for(
            &TypeError,
            "error: cannot coerce a set to a string: { a = 1; }\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("interpolate one of its attributes"));
        let v = verdict_for(
            &TypeError,
            "error: attempt to call something which is not a function but a set\n",
        )
        .unwrap();
        assert!(v.summary.ends_with("a function is expected"));
        let v = verdict_for(&TypeError, "error: cannot add a string to an integer\n").unwrap();
        assert!(v.summary.starts_with("a value is a string"));
    }

    #[test]
    fn nixos_option_type() {
        let v = verdict_for(&TypeError, "error: A definition for option `environment.systemPackages' is not of type `list of package'. Definition values:\n       - In `/etc/nixos/configuration.nix': <derivation hello-2.12>\n").unwrap();
        assert_eq!(v.attribute.as_deref(), Some("environment.systemPackages"));
        assert!(v.summary.contains("`list of package`"), "{}", v.summary);
    }

    #[test]
    fn near_miss_compiler_type_error() {
        assert!(verdict_for(&TypeError, "error: builder for '/nix/store/aaaa-x-1.drv' failed with exit code 1;\n       last 1 log lines:\n       > main.c:3: error: expected a type but found an identifier\n").is_none());
        assert!(verdict_for(&TypeError, "error: attribute 'x' missing\n").is_none());
    }
}
