//! Makes text from outside nfai (a model's answers, messages Nix printed about model-written
//! code) inert before it reaches a terminal: no control characters or escape sequences, no
//! bidirectional overrides, and model text quoted on one line and cut to a sane length.

use std::borrow::Cow;

use crate::diagnose::Finding;

/// How much of a model's description is shown.
pub const MODEL_TEXT_CHARS: usize = 200;

/// `text` without terminal escape sequences and control characters (newlines and tabs stay).
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI and OSC introducers start sequences just like ESC [ and ESC ].
            '\u{9b}' | '\u{9d}' | '\u{90}' => skip_until_final(&mut chars, c == '\u{9b}'),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A model's text as nfai shows it: inert, on one line, cut to `max` characters, in
/// quotation marks so that it cannot pass for nfai's own words.
pub fn quote_model(text: &str, max: usize) -> String {
    let flat: String = inert(text).split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = flat.chars().take(max).collect();
    if cut.len() < flat.len() {
        cut.push('…');
    }
    format!("“{cut}”")
}

/// Every text of a finding made inert (the model's and Nix's words reach the report through
/// attempts, descriptions, diffs and summaries).
pub fn finding(f: &mut Finding) {
    let fix = |s: &mut String| {
        if let Cow::Owned(clean) = inert(s) {
            *s = clean;
        }
    };
    fix(&mut f.summary);
    f.model_explanation.iter_mut().for_each(fix);
    fix(&mut f.explanation);
    f.evidence.iter_mut().for_each(|e| fix(&mut e.text));
    f.secondary.iter_mut().for_each(|s| fix(&mut s.summary));
    f.snippet.iter_mut().for_each(|(_, s)| fix(s));
    if let Some(x) = &mut f.fix {
        fix(&mut x.description);
        x.diff.iter_mut().for_each(fix);
        x.commands.iter_mut().for_each(fix);
        x.edits.iter_mut().for_each(|e| fix(&mut e.new_text));
        x.rounds
            .iter_mut()
            .for_each(|r| r.failure.iter_mut().for_each(fix));
        for a in &mut x.attempts {
            fix(&mut a.description);
            fix(&mut a.diff);
            a.error.iter_mut().for_each(fix);
            a.check.iter_mut().for_each(fix);
        }
    }
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars>) {
    match chars.next() {
        Some('[') => skip_until_final(chars, true),
        Some(']' | 'P' | '_' | '^' | 'X') => skip_until_final(chars, false),
        // Two-character sequences (ESC c, ESC 7, ...) and intermediates (ESC ( B).
        Some(c) if (' '..='/').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI ends at a byte in `@`..`~`; OSC, DCS and the like end at BEL or ST (ESC \).
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars>, csi: bool) {
    while let Some(c) = chars.next() {
        if csi {
            if ('@'..='~').contains(&c) {
                return;
            }
        } else if c == '\u{7}' || c == '\u{9c}' {
            return;
        } else if c == '\u{1b}' {
            chars.next_if_eq(&'\\');
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_removed() {
        let hostile = "a\u{1b}[2J\u{1b}[H\u{1b}]0;pwned\u{7}b\u{1b}]8;;http://x\u{1b}\\c\u{9b}31md\re\u{8}f\u{202e}g\n\th";
        assert_eq!(inert(hostile), "abcdefg\n\th");
        assert!(matches!(inert("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn model_text_is_quoted_flat_and_cut() {
        let forged = "fix it\nnfai: all checks passed";
        assert_eq!(quote_model(forged, 100), "“fix it nfai: all checks passed”");
        let long = "x".repeat(5000);
        assert_eq!(quote_model(&long, 10), format!("“{}…”", "x".repeat(10)));
    }
}
