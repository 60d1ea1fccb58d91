//! NF020: a suppression comment without a reason (or without a known rule code).

use crate::review::suppression::Suppression;
use crate::review::{Finding, Rule};

pub struct SuppressionWithoutReason;

impl Rule for SuppressionWithoutReason {
    fn code(&self) -> &'static str {
        "NF020"
    }
    fn name(&self) -> &'static str {
        "suppression-without-reason"
    }
    fn doc(&self) -> &'static str {
        "An inline suppression (`# nfai: allow NF004 <reason>`) gives no reason, names no rule \
code, or names a code that does not exist. The suppression still silences what it names, but \
is reported itself.

Why: an exception to the policy is a decision; the reason records it for the next reviewer.

Before:

    # nfai: allow NF012

After:

    # nfai: allow NF012 bootstrap shell for machines without flakes enabled"
    }
    fn check_suppressions(
        &self,
        rel: &str,
        text: &str,
        found: &[Suppression],
        out: &mut Vec<Finding>,
    ) {
        for s in found {
            let unknown: Vec<&str> = s
                .codes
                .iter()
                .map(String::as_str)
                .filter(|c| crate::review::rule(c).is_none())
                .collect();
            let problem = if s.codes.is_empty() {
                "names no rule code".to_owned()
            } else if !unknown.is_empty() {
                format!("names unknown rule {}", unknown.join(", "))
            } else if s.reason.is_none() {
                "gives no reason".to_owned()
            } else {
                continue;
            };
            out.push(
                Finding::new(self, format!("suppression {problem}"))
                    .at(rel, text, s.range.clone())
                    .help("write it as `# nfai: allow NF0XX <why this is an exception>`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::suppression::parse;

    fn run(text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        SuppressionWithoutReason.check_suppressions("a.nix", text, &parse(text), &mut out);
        out
    }

    #[test]
    fn fires_without_reason_or_code() {
        let f = run("# nfai: allow NF012\nx # nfai: allow because\n# nfai: allow NF999 typo\n");
        let messages: Vec<_> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "suppression gives no reason",
                "suppression names no rule code",
                "suppression names unknown rule NF999"
            ]
        );
    }

    #[test]
    fn a_reasoned_suppression_is_fine() {
        assert!(run("# nfai: allow NF012 bootstrap for old machines\n").is_empty());
    }
}
