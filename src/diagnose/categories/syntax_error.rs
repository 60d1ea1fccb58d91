//! syntax_error: a .nix file (or `--expr`) does not parse: a missing `;`, an unclosed
//! bracket or string, a duplicated attribute.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct SyntaxError;

/// Bison's message in every version (2.3 appends `, at file:line:col`).
static UNEXPECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"syntax error, unexpected (.+?)(?:, expecting (.+?))?(?:,? at /\S+)?$")
        .expect("valid regex")
});
/// A position inside a message (2.3 puts them there).
static POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r",? at [/(«]\S*").expect("valid regex"));
/// Other errors the parser raises, each with what to tell the user.
static PARSE_ERRORS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"attribute [‘']([^’']+)[’'] (?:at \S+ )?already defined",
            "remove one of the two definitions or merge them into one set",
        ),
        (
            r"duplicate formal function argument [‘']([^’']+)[’']",
            "list each argument once in the function's `{ ... }:` header",
        ),
        (
            r"(unterminated (?:string|string literal|indented string|comment))",
            "close the string (`\"` or `''`) or comment that starts before this position",
        ),
        (
            r"path [‘']([^’']+)[’'] has a trailing slash",
            "remove the trailing `/` from the path literal",
        ),
        (
            r"(dynamic attributes not allowed in let)",
            "use a plain name in `let`, or build a set with the dynamic name instead",
        ),
        (
            r"(URL literals are (?:disabled|deprecated))",
            "quote the URL: write it as a string (\"https://...\")",
        ),
        (
            r"(invalid (?:integer|float) [‘'][^’']+[’'])",
            "write the number in a form Nix accepts, or quote it as a string",
        ),
    ]
    .iter()
    .map(|(p, fix)| (Regex::new(p).expect("valid regex"), *fix))
    .collect()
});

/// Bison token names of older Nix, in the words Nix 2.20+ uses.
fn token(name: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("ID", "identifier"),
        ("$end", "end of file"),
        ("STR", "string"),
        ("IND_STR", "indented string content"),
        ("IND_STRING_OPEN", "''"),
        ("IND_STRING_CLOSE", "''"),
        ("DOLLAR_CURLY", "'${'"),
        ("INT", "integer"),
        ("INT_LIT", "integer"),
        ("FLOAT", "number"),
        ("PATH", "path"),
        ("HPATH", "path"),
        ("SPATH", "<...> path"),
        ("URI", "URL"),
        ("ELLIPSIS", "'...'"),
    ];
    name.split(" or ")
        .map(|t| {
            let t = t.trim();
            NAMES
                .iter()
                .find(|(k, _)| *k == t)
                .map_or_else(|| t.to_owned(), |(_, v)| (*v).to_owned())
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// What usually causes Nix to expect `expecting`.
fn hint(unexpected: &str, expecting: Option<&str>) -> String {
    match expecting {
        Some(e) if e.contains("';'") => "add the missing `;` at the end of the previous binding \
            (every `name = value;` in a set or `let` ends with `;`)"
            .to_owned(),
        Some(e) if e.contains("'}'") || e.contains("']'") || e.contains("')'") => {
            format!("close the bracket Nix expected ({e}) or remove the extra token")
        }
        Some(e) if e.contains('"') || e.contains("''") => {
            "close the string that starts at this position".to_owned()
        }
        _ if unexpected == "end of file" => "the file ends inside an expression: close the \
            `{`, `[`, `(` or string left open above, or complete the trailing `let ... in`, \
            `if ... then ... else` or operator"
            .to_owned(),
        Some(e) => format!("Nix expected {e} here: fix the code just before this position"),
        None => {
            "fix the code at this position (often a missing `;`, `=` or bracket just before it)"
                .to_owned()
        }
    }
}

impl Category for SyntaxError {
    fn id(&self) -> &'static str {
        "syntax_error"
    }
    fn title(&self) -> &'static str {
        "Nix syntax error"
    }
    fn doc(&self) -> &'static str {
        "A Nix file does not parse. Nix reads the whole file before evaluating anything, so one \
misplaced character stops every command that imports it; the message says which token was \
unexpected and, often, what Nix expected instead, and points at the file, line and column.

Why: a missing `;` after a binding, an unbalanced `{`, `[`, `(` or quote, a `let` without \
`in`, a list element that needs parentheses (`[ f x ]` is two elements), or an attribute \
defined twice. The position is where Nix noticed the problem, which is often just after the \
real mistake.

Fix: look at the reported line and the one before it:

    # before: syntax error, unexpected '}', expecting ';'
    { pname = \"hello\"; version = \"1.0\" }
    # after
    { pname = \"hello\"; version = \"1.0\"; }"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "syntax error, unexpected",
            "already defined at",
            "duplicate formal function argument",
            "unterminated string",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some((line, c)) = site.captures(&UNEXPECTED) {
            let unexpected = token(&c[1]);
            let expecting = c.get(2).map(|m| token(m.as_str()));
            let summary = match &expecting {
                Some(e) => format!("syntax error: unexpected {unexpected}, Nix expected {e}"),
                None => format!("syntax error: unexpected {unexpected}"),
            };
            return Some(
                Verdict::new(0.96, summary)
                    .cite(site, line)
                    .fix(hint(&unexpected, expecting.as_deref())),
            );
        }
        site.lines.iter().find_map(|l| {
            PARSE_ERRORS.iter().find_map(|(re, fix)| {
                let c = re.captures(&l.text)?;
                let what = POSITION.replace_all(&c[0], "");
                Some(
                    Verdict::new(0.93, format!("parse error: {what}"))
                        .cite(site, l)
                        .fix(*fix),
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn real_nix_2_8_missing_semicolon() {
        let log = include_str!("../../../fixtures/logs/eval/syntax-error-flake.log");
        let v = verdict_for(&SyntaxError, log).unwrap();
        assert_eq!(v.summary, "syntax error: unexpected '}', Nix expected ';'");
        assert!(v.fix.unwrap().contains("missing `;`"));
    }

    #[test]
    fn old_token_names_and_eof() {
        let v = verdict_for(
            &SyntaxError,
            "error: syntax error, unexpected ID, expecting '}', at /src/default.nix:4:3\n",
        )
        .unwrap();
        assert_eq!(
            v.summary,
            "syntax error: unexpected identifier, Nix expected '}'"
        );
        let v = verdict_for(&SyntaxError, "error: syntax error, unexpected end of file\n\n       at /nix/store/h-source/flake.nix:1:4:\n").unwrap();
        assert!(v.fix.unwrap().contains("left open"));
        let v = verdict_for(&SyntaxError, "error: syntax error, unexpected $end, expecting IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE\n").unwrap();
        assert_eq!(v.summary, "syntax error: unexpected end of file, Nix expected indented string content or '${' or ''");
    }

    #[test]
    fn duplicate_attribute() {
        let v = verdict_for(&SyntaxError, "error: attribute 'a' already defined at /tmp/dup.nix:2:3\n\n       at /tmp/dup.nix:3:3:\n").unwrap();
        assert_eq!(v.summary, "parse error: attribute 'a' already defined");
        let v = verdict_for(
            &SyntaxError,
            "error: attribute 'a' at /src/x.nix:3:3 already defined at /src/x.nix:2:3\n",
        )
        .unwrap();
        assert_eq!(v.summary, "parse error: attribute 'a' already defined");
    }

    #[test]
    fn near_miss_shell_syntax_error() {
        assert!(verdict_for(
            &SyntaxError,
            "error: builder for '/nix/store/aaaa-x-1.drv' failed with exit code 2;\n       last 1 log lines:\n       > ./configure: line 3: syntax error near unexpected token `('\n"
        )
        .is_none());
        assert!(verdict_for(
            &SyntaxError,
            "error: /bin/sh: syntax error: unexpected \"(\"\n"
        )
        .is_none());
    }
}
