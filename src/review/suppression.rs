//! Inline suppressions: `# nfai: allow NF004 <reason>` (or in a `/* */` comment) silences
//! the named rules on its own line and the line below. The reason is mandatory; rule NF020
//! reports suppressions without one.

use std::ops::Range;

use super::{Finding, Suppressions};

pub const MARKER: &str = "nfai: allow";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The 1-based line of the comment.
    pub line: u32,
    pub codes: Vec<String>,
    pub reason: Option<String>,
    /// The bytes of the comment from the marker on.
    pub range: Range<usize>,
}

/// Every suppression comment in `text`.
pub fn parse(text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..at];
        if !before.contains('#') && !before.contains("/*") {
            continue;
        }
        let rest = line[at + MARKER.len()..].trim_end();
        let rest = rest.strip_suffix("*/").unwrap_or(rest);
        let mut codes = Vec::new();
        let mut words = rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .peekable();
        while let Some(w) = words.peek() {
            if !looks_like_code(w) {
                break;
            }
            codes.push(w.to_string());
            words.next();
        }
        let reason = words.collect::<Vec<_>>().join(" ");
        let reason = reason.trim_start_matches([':', '-', '—']).trim();
        out.push(Suppression {
            line: i as u32 + 1,
            codes,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
            range: start + at..start + line.trim_end().len(),
        });
    }
    out
}

fn looks_like_code(word: &str) -> bool {
    word.len() == 5 && word.starts_with("NF") && word[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether a suppression in the finding's file covers it. A suppression comment never
/// silences the report about itself.
pub fn suppressed(f: &Finding, all: &Suppressions) -> bool {
    let (Some(file), Some(line)) = (&f.file, f.line()) else {
        return false;
    };
    let Some(list) = all.get(file) else {
        return false;
    };
    list.iter().any(|s| {
        (s.line == line || s.line + 1 == line)
            && s.codes.iter().any(|c| c == f.code)
            && !(f.code == super::rules::SUPPRESSION_CODE && s.line == line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_reasons() {
        let s = parse("x = 1;\n  # nfai: allow NF004, NF012 vendored upstream file\nbuild.sh # nfai: allow NF003\n");
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].line, s[0].codes.clone()),
            (2, vec!["NF004".to_owned(), "NF012".to_owned()])
        );
        assert_eq!(s[0].reason.as_deref(), Some("vendored upstream file"));
        assert_eq!((s[1].line, s[1].reason.clone()), (3, None));
        assert_eq!(
            &"/* nfai: allow NF013 pinned below */"[parse("/* nfai: allow NF013 pinned below */")
                [0]
            .range
            .clone()],
            "nfai: allow NF013 pinned below */"
        );
    }

    #[test]
    fn needs_a_comment() {
        assert!(parse("echo 'nfai: allow NF001 x'\n").is_empty());
    }
}
