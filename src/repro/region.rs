//! The first differing region of two files, as evidence: a line diff (through `similar`)
//! with context for text, a hex view for binaries.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::compare::Mismatch;
use super::Facts;

/// Lines of context shown before the first difference.
const LINES_BEFORE: usize = 3;
/// Lines shown from the first difference on.
const LINES_AFTER: usize = 6;
/// Hex rows shown per side.
const HEX_ROWS: usize = 2;

/// The first differing region of `m`, and the differing lines for the classifiers.
pub fn describe(m: &Mismatch) -> (String, Facts) {
    if m.is_text() {
        text(m)
    } else {
        (hex(m), Facts::default())
    }
}

fn text(m: &Mismatch) -> (String, Facts) {
    let before = String::from_utf8_lossy(&m.before);
    // The window may start mid-line unless it reaches the start of the file.
    let whole = m.offset as usize <= m.before.len();
    let lines: Vec<&str> = before.split_inclusive('\n').collect();
    let partial_first = usize::from(!whole && lines.len() > 1);
    let complete = &lines[partial_first..];
    // The differing line's own start is the last (unterminated) piece.
    let keep = complete.len().saturating_sub(LINES_BEFORE + 1);
    let head: String = complete[keep..].concat();
    let context_lines = complete[keep..]
        .iter()
        .filter(|l| l.ends_with('\n'))
        .count() as u64;
    let side = |after: &[u8]| -> String {
        let s = String::from_utf8_lossy(after);
        let end = s
            .match_indices('\n')
            .nth(LINES_AFTER - 1)
            .map_or(s.len(), |(i, _)| i + 1);
        let tail = &s[..end];
        format!("{head}{tail}")
    };
    let (a, b) = (side(&m.a), side(&m.b));
    let mut out = format!("text, first difference at line {}:\n", m.line);
    let mut facts = Facts::default();
    let first = m.line.saturating_sub(context_lines);
    let _ = writeln!(out, "@@ line {first} @@");
    for change in TextDiff::from_lines(&a, &b).iter_all_changes() {
        let value = change.value().trim_end_matches(['\n', '\r']);
        let sign = match change.tag() {
            ChangeTag::Delete => {
                facts.removed.push(value.to_owned());
                '-'
            }
            ChangeTag::Insert => {
                facts.added.push(value.to_owned());
                '+'
            }
            ChangeTag::Equal => ' ',
        };
        let _ = writeln!(out, "{sign}{value}");
    }
    (out, facts)
}

fn hex(m: &Mismatch) -> String {
    let mut out = format!("binary, first difference at byte {:#x}:\n", m.offset);
    let row_start = m.offset & !0xf;
    let in_row = (m.offset - row_start) as usize;
    let row_head = &m.before[m.before.len().saturating_sub(in_row)..];
    for (sign, rest) in [('-', &m.a), ('+', &m.b)] {
        let mut bytes = row_head.to_vec();
        bytes.extend(rest.iter().take(HEX_ROWS * 16 - in_row));
        for (i, row) in bytes.chunks(16).enumerate() {
            let hexes: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = row
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "{sign}{:08x}  {:<47}  |{ascii}|",
                row_start + 16 * i as u64,
                hexes.join(" ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::compare::Differ;

    fn region(a: &[u8], b: &[u8]) -> (String, Facts) {
        let m = Differ::default()
            .first_difference(&mut &a[..], &mut &b[..])
            .unwrap()
            .unwrap();
        describe(&m)
    }

    #[test]
    fn text_regions_show_context_and_the_differing_lines() {
        let (d, facts) = region(b"1\n2\n3\n4\nstamp 10\n6\n", b"1\n2\n3\n4\nstamp 11\n6\n");
        assert_eq!(
            d,
            "text, first difference at line 5:\n@@ line 2 @@\n 2\n 3\n 4\n-stamp 10\n+stamp 11\n 6\n"
        );
        assert_eq!(
            (facts.removed, facts.added),
            (vec!["stamp 10".to_owned()], vec!["stamp 11".to_owned()])
        );
    }

    #[test]
    fn binaries_get_a_hex_view() {
        let mut a = vec![0u8; 40];
        let mut b = a.clone();
        a[20] = 1;
        b[20] = 2;
        let (d, facts) = region(&a, &b);
        assert!(
            d.starts_with("binary, first difference at byte 0x14:\n-00000010  00 00 00 00 01"),
            "{d}"
        );
        assert!(d.contains("\n+00000010  00 00 00 00 02"), "{d}");
        assert_eq!(facts, Facts::default());
    }
}
