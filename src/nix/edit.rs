//! The text-edit engine shared by every fixer: byte-range replacements in one or more files,
//! checked for overlaps and applied in reverse order so earlier offsets stay valid.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Replace the bytes `range` of `file` with `new_text` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    pub file: PathBuf,
    pub range: Range<usize>,
    pub new_text: String,
}

impl TextEdit {
    pub fn replace(
        file: impl Into<PathBuf>,
        range: Range<usize>,
        new_text: impl Into<String>,
    ) -> Self {
        TextEdit {
            file: file.into(),
            range,
            new_text: new_text.into(),
        }
    }

    pub fn insert(file: impl Into<PathBuf>, at: usize, new_text: impl Into<String>) -> Self {
        Self::replace(file, at..at, new_text)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("{}: edits at bytes {a:?} and {b:?} overlap", file.display())]
    Overlap {
        file: PathBuf,
        a: Range<usize>,
        b: Range<usize>,
    },
    #[error("{}: edit at bytes {range:?} is outside the text or splits a character", file.display())]
    OutOfBounds { file: PathBuf, range: Range<usize> },
}

/// Groups edits by file, each group sorted by position, with duplicates (the same edit
/// proposed twice) removed.
pub fn by_file<'a>(
    edits: impl IntoIterator<Item = &'a TextEdit>,
) -> BTreeMap<&'a Path, Vec<&'a TextEdit>> {
    let mut map: BTreeMap<&Path, Vec<&TextEdit>> = BTreeMap::new();
    for e in edits {
        map.entry(e.file.as_path()).or_default().push(e);
    }
    for group in map.values_mut() {
        group.sort_by_key(|e| (e.range.start, e.range.end));
        group.dedup();
    }
    map
}

/// Fails on the first pair of edits (sorted by position) whose ranges overlap. Two inserts
/// at the same offset also conflict: their order would be a guess.
pub fn check_overlaps(sorted: &[&TextEdit]) -> Result<(), EditError> {
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0].range, &pair[1].range);
        if b.start < a.end || (a.start == b.start && (a.is_empty() || b.is_empty())) {
            return Err(EditError::Overlap {
                file: pair[0].file.clone(),
                a: a.clone(),
                b: b.clone(),
            });
        }
    }
    Ok(())
}

/// Applies the edits of one file to its text: checks bounds and overlaps, then replaces from
/// the last edit to the first.
pub fn apply(text: &str, edits: &[&TextEdit]) -> Result<String, EditError> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    sorted.dedup();
    for e in &sorted {
        let r = &e.range;
        if r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            return Err(EditError::OutOfBounds {
                file: e.file.clone(),
                range: r.clone(),
            });
        }
    }
    check_overlaps(&sorted)?;
    let mut out = text.to_owned();
    for e in sorted.iter().rev() {
        out.replace_range(e.range.clone(), &e.new_text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(range: Range<usize>, text: &str) -> TextEdit {
        TextEdit::replace("f.nix", range, text)
    }

    #[test]
    fn applies_in_reverse_so_offsets_stay_valid() {
        let text = "{ a = 1; b = 2; }";
        let out = apply(
            text,
            &[&e(6..7, "10"), &e(13..14, "20"), &e(16..16, "c = 3; ")],
        )
        .unwrap();
        assert_eq!(out, "{ a = 10; b = 20; c = 3; }");
    }

    #[test]
    fn rejects_overlaps_and_bad_ranges() {
        let text = "abcdef";
        assert!(matches!(
            apply(text, &[&e(0..3, "x"), &e(2..4, "y")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply(text, &[&e(2..2, "x"), &e(2..2, "y")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply(text, &[&e(4..9, "x")]),
            Err(EditError::OutOfBounds { .. })
        ));
        assert!(matches!(
            apply("é", &[&e(1..2, "x")]),
            Err(EditError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn identical_edits_count_once_and_group_by_file() {
        let a = e(0..1, "x");
        let same = a.clone();
        let b = TextEdit::insert("g.nix", 0, "y");
        let groups = by_file([&a, &same, &b]);
        assert_eq!(groups.len(), 2);
        assert_eq!(apply("ab", &groups[Path::new("f.nix")]).unwrap(), "xb");
    }
}
