//! NF019: a Nix file that does not parse.

use rnix::ParseError;

use crate::review::{Context, Finding, NixFile, Rule, Severity};

pub struct NixSyntaxError;

impl Rule for NixSyntaxError {
    fn code(&self) -> &'static str {
        "NF019"
    }
    fn name(&self) -> &'static str {
        "nix-syntax-error"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn doc(&self) -> &'static str {
        "A Nix file does not parse; the finding points where the parser gave up. Every .nix file \
of the review is parsed. The rules that needed the file could not check it fully.

Why: a file that does not parse cannot be evaluated, reviewed or fixed.

Before:

    { a = 1 }

After:

    { a = 1; }"
    }
    fn check_nix(&self, file: &NixFile, _ctx: &Context, out: &mut Vec<Finding>) {
        let Some(err) = file.errors.first() else {
            return;
        };
        let end = file.text.len();
        let r = match err {
            ParseError::Unexpected(r)
            | ParseError::UnexpectedExtra(r)
            | ParseError::UnexpectedWanted(_, r, _)
            | ParseError::UnexpectedDoubleBind(r)
            | ParseError::DuplicatedArgs(r, _) => usize::from(r.start())..usize::from(r.end()),
            _ => end..end,
        };
        let more = match file.errors.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        out.push(
            Finding::new(self, format!("syntax error: {err}{more}")).at(file.rel, file.text, r),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::nix;

    #[test]
    fn reports_the_parsers_location() {
        let f = nix(&NixSyntaxError, "a.nix", "{\n  a = 1\n}\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line(), Some(3), "{f:?}");
        assert_eq!(nix(&NixSyntaxError, "b.nix", "{ a = ").len(), 1);
    }

    #[test]
    fn valid_files_are_fine() {
        assert!(nix(&NixSyntaxError, "a.nix", "{ a = 1; }").is_empty());
    }
}
