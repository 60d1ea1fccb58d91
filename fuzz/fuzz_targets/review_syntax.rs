//! Fuzzes review's fast syntax check: the byte-level lexer gives exactly rnix's tokens when it
//! does not give up, and a file the recogniser accepts parses with rnix without errors (else
//! NF019 would miss a syntax error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nfai::review::lex::{lex, Tokens};
use rnix::SyntaxKind::{TOKEN_COMMENT, TOKEN_WHITESPACE};

fuzz_target!(|text: &str| {
    let mut tokens = Tokens::default();
    if lex(text, &mut tokens).is_ok() {
        let rnix: Vec<_> = rnix::tokenize(text)
            .map(|(k, _)| k)
            .filter(|k| !matches!(k, TOKEN_WHITESPACE | TOKEN_COMMENT))
            .collect();
        assert_eq!(tokens.kinds, rnix, "{text:?}");
    }
    if nfai::review::recognize::check(text).parses {
        assert!(
            nfai::nix::syntax::parse(text).errors().is_empty(),
            "{text:?}"
        );
    }
});
