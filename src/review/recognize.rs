//! A fast recogniser of Nix syntax over rnix's tokens: says whether a file certainly parses,
//! without building a syntax tree, and which token kinds occur in it (what some rules need
//! to know before they need a tree). The review parses with rnix only the files a rule
//! needs a tree of and those the recogniser rejects; rnix has the final word, so rejecting
//! valid syntax costs time, never a finding.

use rnix::SyntaxKind::{self, *};

use super::lex::{self, Tokens};

/// How deep expressions may nest before the recogniser hands the file to rnix.
const MAX_DEPTH: usize = 256;

/// What the recogniser learned of a file.
pub struct Check {
    /// Whether the text is one well-formed Nix expression.
    pub parses: bool,
    /// The token kinds that occur in it, as a bit set (see [`kinds_mask`]).
    pub kinds: u64,
}

/// The bit set of `kinds`, comparable with [`Check::kinds`]. Only token kinds (whose
/// discriminants are below 64) are representable.
pub fn kinds_mask(kinds: &[SyntaxKind]) -> u64 {
    kinds.iter().fold(0, |m, &k| m | bit(k))
}

pub(super) fn bit(kind: SyntaxKind) -> u64 {
    1u64.checked_shl(u32::from(kind as u16)).unwrap_or(0)
}

/// Recognises `text` and notes the token kinds in it.
pub fn check(text: &str) -> Check {
    thread_local! {
        // Reused from file to file: the walk checks tens of thousands.
        static TOKENS: std::cell::RefCell<Tokens> = std::cell::RefCell::default();
    }
    TOKENS.with_borrow_mut(|tokens| {
        if lex::lex(text, tokens).is_err() {
            // rnix's own tokenizer for what the fast lexer leaves to it.
            tokens.clear();
            for (kind, _) in rnix::tokenize(text) {
                tokens.push(kind);
            }
        }
        let mut p = Parser {
            kinds: &tokens.kinds,
            raw: &tokens.raw,
            pos: 0,
            depth: 0,
        };
        Check {
            parses: p.expr().is_some() && p.peek().is_none(),
            kinds: tokens.seen,
        }
    })
}

/// A cursor over the significant tokens (no whitespace or comments).
struct Parser<'t> {
    kinds: &'t [SyntaxKind],
    /// Each token's index among all tokens, to see whether two are adjacent.
    raw: &'t [usize],
    pos: usize,
    depth: usize,
}

#[derive(PartialEq)]
enum Assoc {
    Left,
    Right,
    /// `a < b < c` and `a == b == c` are syntax errors.
    None,
}

/// Binding power and associativity of the binary operators, after the Nix manual's table.
fn binary(kind: SyntaxKind) -> Option<(u8, Assoc)> {
    Some(match kind {
        TOKEN_QUESTION => (13, Assoc::Left),
        TOKEN_CONCAT => (12, Assoc::Right),
        TOKEN_MUL | TOKEN_DIV => (11, Assoc::Left),
        TOKEN_ADD | TOKEN_SUB => (10, Assoc::Left),
        TOKEN_UPDATE => (8, Assoc::Right),
        TOKEN_LESS | TOKEN_LESS_OR_EQ | TOKEN_MORE | TOKEN_MORE_OR_EQ => (7, Assoc::None),
        TOKEN_EQUAL | TOKEN_NOT_EQUAL => (6, Assoc::None),
        TOKEN_AND_AND => (5, Assoc::Left),
        TOKEN_OR_OR => (4, Assoc::Left),
        TOKEN_IMPLICATION => (3, Assoc::Right),
        TOKEN_PIPE_LEFT | TOKEN_PIPE_RIGHT => (2, Assoc::Left),
        _ => return None,
    })
}

/// `!` binds between `+` and `//`, and only starts an operand of an operator at least as
/// loose (`a + !b` is a syntax error, `a && !b` is not).
const NOT_POWER: u8 = 9;
/// Unary minus applies to an application.
const NEGATE_OPERAND: u8 = 14;

impl Parser<'_> {
    fn nth(&self, n: usize) -> Option<SyntaxKind> {
        self.kinds.get(self.pos + n).copied()
    }

    fn peek(&self) -> Option<SyntaxKind> {
        self.nth(0)
    }

    fn bump(&mut self) -> Option<SyntaxKind> {
        let kind = self.peek()?;
        self.pos += 1;
        Some(kind)
    }

    /// Whether the next token follows the previous one with nothing between them.
    fn adjacent(&self) -> bool {
        self.pos > 0
            && self
                .raw
                .get(self.pos)
                .is_some_and(|&r| r == self.raw[self.pos - 1] + 1)
    }

    fn expect(&mut self, kind: SyntaxKind) -> Option<()> {
        (self.bump()? == kind).then_some(())
    }

    fn expr(&mut self) -> Option<()> {
        self.depth += 1;
        let ok = if self.depth > MAX_DEPTH {
            None
        } else {
            self.expr_inner()
        };
        self.depth -= 1;
        ok
    }

    fn expr_inner(&mut self) -> Option<()> {
        match (self.peek()?, self.nth(1)) {
            (TOKEN_LET, Some(TOKEN_L_BRACE)) => self.op_expr(),
            (TOKEN_LET, _) => {
                self.bump();
                while self.peek()? != TOKEN_IN {
                    self.binding()?;
                }
                self.bump();
                self.expr()
            }
            (TOKEN_WITH | TOKEN_ASSERT, _) => {
                self.bump();
                self.expr()?;
                self.expect(TOKEN_SEMICOLON)?;
                self.expr()
            }
            (TOKEN_IF, _) => {
                self.bump();
                self.expr()?;
                self.expect(TOKEN_THEN)?;
                self.expr()?;
                self.expect(TOKEN_ELSE)?;
                self.expr()
            }
            (TOKEN_IDENT, Some(TOKEN_COLON)) => {
                self.bump();
                self.bump();
                self.expr()
            }
            (TOKEN_IDENT, Some(TOKEN_AT)) => {
                self.bump();
                self.bump();
                self.pattern()?;
                self.expect(TOKEN_COLON)?;
                self.expr()
            }
            (TOKEN_L_BRACE, _) if self.is_pattern() => {
                self.pattern()?;
                if self.peek() == Some(TOKEN_AT) {
                    self.bump();
                    self.expect(TOKEN_IDENT)?;
                }
                self.expect(TOKEN_COLON)?;
                self.expr()
            }
            _ => self.op_expr(),
        }
    }

    /// Whether the `{` ahead opens a lambda's pattern rather than an attribute set.
    fn is_pattern(&self) -> bool {
        let closed_then_colon = |at: usize| {
            matches!(self.nth(at), Some(TOKEN_R_BRACE))
                && matches!(self.nth(at + 1), Some(TOKEN_COLON | TOKEN_AT))
        };
        match self.nth(1) {
            Some(TOKEN_R_BRACE) => closed_then_colon(1),
            Some(TOKEN_ELLIPSIS) => true,
            Some(TOKEN_IDENT) => {
                matches!(self.nth(2), Some(TOKEN_COMMA | TOKEN_QUESTION)) || closed_then_colon(2)
            }
            _ => false,
        }
    }

    fn pattern(&mut self) -> Option<()> {
        self.expect(TOKEN_L_BRACE)?;
        loop {
            match self.bump()? {
                TOKEN_R_BRACE => return Some(()),
                // Nix's grammar takes `...` only last (`{ ..., a }` is a syntax error).
                TOKEN_ELLIPSIS => return self.expect(TOKEN_R_BRACE),
                TOKEN_IDENT => {
                    if self.peek()? == TOKEN_QUESTION {
                        self.bump();
                        self.expr()?;
                    }
                }
                _ => return None,
            }
            match self.bump()? {
                TOKEN_COMMA => {}
                TOKEN_R_BRACE => return Some(()),
                _ => return None,
            }
        }
    }

    fn op_expr(&mut self) -> Option<()> {
        self.operators(0)
    }

    /// Operators binding at least as tight as `min` (precedence climbing).
    fn operators(&mut self, min: u8) -> Option<()> {
        match self.peek()? {
            TOKEN_SUB => {
                self.bump();
                self.operators(NEGATE_OPERAND)?;
            }
            TOKEN_INVERT if min <= NOT_POWER => {
                self.bump();
                self.operators(NOT_POWER + 1)?;
            }
            _ => self.application()?,
        }
        while let Some((power, assoc)) = self.peek().and_then(binary) {
            if power < min {
                break;
            }
            if self.bump()? == TOKEN_QUESTION {
                self.attrpath()?;
                continue;
            }
            self.operators(if assoc == Assoc::Right {
                power
            } else {
                power + 1
            })?;
            let chained = self
                .peek()
                .and_then(binary)
                .is_some_and(|(p, _)| p == power);
            if assoc == Assoc::None && chained {
                return None;
            }
        }
        Some(())
    }

    /// A function and its arguments, which follow it without an operator.
    fn application(&mut self) -> Option<()> {
        self.select()?;
        // A legacy `let { … }` as an argument is valid Nix but an error to rnix: such a file
        // is left to rnix (the loop stops, and the text after it does not parse here).
        while self.peek().is_some_and(starts_atom) {
            self.select()?;
        }
        Some(())
    }

    fn select(&mut self) -> Option<()> {
        self.atom()?;
        if self.peek() == Some(TOKEN_DOT) {
            self.bump();
            self.attrpath()?;
            if self.peek() == Some(TOKEN_OR) {
                self.bump();
                self.select()?;
            }
        }
        Some(())
    }

    fn atom(&mut self) -> Option<()> {
        // `or` as a plain identifier is valid only in some places, which rnix and Nix do not
        // agree on: such a file is left to rnix.
        match self.peek()? {
            TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_IDENT | TOKEN_URI | TOKEN_PATH_SEARCH => {
                self.bump();
                Some(())
            }
            TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME => self.path(),
            TOKEN_STRING_START => self.string(),
            TOKEN_L_PAREN => {
                self.bump();
                self.expr()?;
                self.expect(TOKEN_R_PAREN)
            }
            TOKEN_L_BRACK => {
                self.bump();
                while self.peek()? != TOKEN_R_BRACK {
                    self.select()?;
                }
                self.bump();
                Some(())
            }
            TOKEN_REC | TOKEN_LET => {
                self.bump();
                self.attrset()
            }
            TOKEN_L_BRACE => self.attrset(),
            _ => None,
        }
    }

    /// A path literal: its pieces and interpolations are adjacent, with no trivia between.
    fn path(&mut self) -> Option<()> {
        self.bump();
        while self.adjacent() {
            match self.peek() {
                Some(TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME) => self.pos += 1,
                Some(TOKEN_INTERPOL_START) => {
                    self.pos += 1;
                    self.expr()?;
                    self.expect(TOKEN_INTERPOL_END)?;
                }
                _ => break,
            }
        }
        Some(())
    }

    fn string(&mut self) -> Option<()> {
        self.expect(TOKEN_STRING_START)?;
        loop {
            match self.bump()? {
                TOKEN_STRING_CONTENT => {}
                TOKEN_INTERPOL_START => {
                    self.expr()?;
                    self.expect(TOKEN_INTERPOL_END)?;
                }
                TOKEN_STRING_END => return Some(()),
                _ => return None,
            }
        }
    }

    fn attrset(&mut self) -> Option<()> {
        self.expect(TOKEN_L_BRACE)?;
        while self.peek()? != TOKEN_R_BRACE {
            self.binding()?;
        }
        self.bump();
        Some(())
    }

    fn binding(&mut self) -> Option<()> {
        if self.peek()? == TOKEN_INHERIT {
            self.bump();
            if self.peek()? == TOKEN_L_PAREN {
                self.bump();
                self.expr()?;
                self.expect(TOKEN_R_PAREN)?;
            }
            while self.peek()? != TOKEN_SEMICOLON {
                self.attrname()?;
            }
        } else {
            self.attrpath()?;
            self.expect(TOKEN_ASSIGN)?;
            self.expr()?;
        }
        self.expect(TOKEN_SEMICOLON)
    }

    fn attrpath(&mut self) -> Option<()> {
        self.attrname()?;
        while self.peek() == Some(TOKEN_DOT) {
            self.bump();
            self.attrname()?;
        }
        Some(())
    }

    fn attrname(&mut self) -> Option<()> {
        match self.peek()? {
            TOKEN_IDENT | TOKEN_OR => {
                self.bump();
                Some(())
            }
            TOKEN_STRING_START => self.string(),
            TOKEN_INTERPOL_START => {
                self.bump();
                self.expr()?;
                self.expect(TOKEN_INTERPOL_END)
            }
            _ => None,
        }
    }
}

/// Whether a token can begin an argument of a function application.
fn starts_atom(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_INTEGER
            | TOKEN_FLOAT
            | TOKEN_IDENT
            | TOKEN_URI
            | TOKEN_PATH_SEARCH
            | TOKEN_PATH_ABS
            | TOKEN_PATH_REL
            | TOKEN_PATH_HOME
            | TOKEN_STRING_START
            | TOKEN_L_PAREN
            | TOKEN_L_BRACK
            | TOKEN_L_BRACE
            | TOKEN_REC
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(text: &str) -> bool {
        check(text).parses
    }

    /// Valid Nix covering the grammar; each must be accepted and agree with rnix.
    const VALID: &[&str] = &[
        "1",
        "{ }",
        "{ a = 1; b.c = \"x${y}z\"; \"q\" = 2; ${d} = 3; inherit a; inherit (x) b c; }",
        "rec { a = 1; b = a; }",
        "{ pkgs ? import <nixpkgs> { }, lib, ... }@args: pkgs.hello",
        "args@{ a, b ? 1 }: a",
        "{ }: 1",
        "{ ... }: 1",
        "x: y: x + y",
        "let a = 1; inherit (b) c; in a",
        "let { body = 1; }",
        "with pkgs; [ hello (callPackage ./x { }) ]",
        "assert a != b; if a then b else c",
        "a.b.c or d",
        "f a.b or c",
        "a ? b.${c}",
        "!a && -b || c -> d // e ++ f <= g == k * l / m - n",
        "a < b == c > d",
        "a && !b // c",
        "-f x ? y",
        "/${pkgs.path}/nixos/lib ./a/${b}/c ~/x /etc/x",
        "''\n  multi ${line}\n''",
        "# comment\n/* block */ { a = 1; }",
        "http://example.org/x.tar.gz",
        "{ or = 1; } .or",
        "map (x: x) [ 1 2.5 ]",
        "a |> f <| b",
    ];

    #[test]
    fn accepts_valid_nix_like_rnix() {
        for text in VALID {
            let rnix_ok = crate::nix::syntax::parse(text).errors().is_empty();
            assert_eq!(parses(text), rnix_ok, "{text}");
        }
    }

    #[test]
    fn notes_the_token_kinds() {
        let c = check("{ a = /etc/x; b = \"/not/a/path\"; }");
        assert_ne!(c.kinds & kinds_mask(&[TOKEN_PATH_ABS]), 0);
        assert_eq!(
            c.kinds & kinds_mask(&[TOKEN_PATH_SEARCH, TOKEN_PATH_HOME]),
            0
        );
    }

    #[test]
    fn rejects_syntax_errors() {
        for text in [
            "{ a = 1 }",
            "{ a = ",
            "let a = 1 in a",
            "if a then b",
            "{ a, b }",
            "f (x",
            "[ 1 2",
            "\"unterminated",
            "",
            "a +",
            "1 2 )",
            "a < b < c",
            "a + !b",
            "a == b != c",
            // Found by the review_syntax fuzz target: `...` before other arguments.
            "{ ..., stdenv, openssl }: stdenv",
            "{ a, ..., }: a",
            " or\n\n> p",
            "f let { body = 1; }",
        ] {
            assert!(!parses(text), "{text}");
            assert!(
                !crate::nix::syntax::parse(text).errors().is_empty(),
                "{text}"
            );
        }
    }
}
