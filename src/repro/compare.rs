//! Compares two outputs of one derivation: walks both trees in name order and streams each
//! pair of files in fixed-size chunks, so memory stays bounded and the comparison runs at
//! disk speed; only a differing file is looked at more closely.

use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{archive, region, Change, Facts, Field, FileChange};

/// Bytes compared per read; large enough for sequential disk speed.
const CHUNK: usize = 1 << 20;
/// Bytes of context kept around the first difference.
pub const CONTEXT: usize = 4096;

/// Where two streams first differ, with the bytes around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Byte offset of the first difference (the shorter length when one is a prefix).
    pub offset: u64,
    /// 1-based line of the first difference; 0 when the data did not look like text.
    pub line: u64,
    /// Up to `CONTEXT` bytes before the difference, common to both.
    pub before: Vec<u8>,
    /// Up to `CONTEXT` bytes from the difference on, of each side.
    pub a: Vec<u8>,
    pub b: Vec<u8>,
}

impl Mismatch {
    /// Whether the bytes around the difference are text.
    pub fn is_text(&self) -> bool {
        [&self.before, &self.a, &self.b]
            .iter()
            .all(|s| !s.contains(&0) && utf8_but_cut(s))
    }
}

/// Valid UTF-8 except for a character cut at either end of the window.
fn utf8_but_cut(s: &[u8]) -> bool {
    let start = s.iter().take(3).take_while(|&&b| b & 0xC0 == 0x80).count();
    match std::str::from_utf8(&s[start..]) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Reusable chunk buffers: one comparison allocates them once.
pub struct Differ {
    a: Vec<u8>,
    b: Vec<u8>,
}

impl Default for Differ {
    fn default() -> Self {
        Differ {
            a: vec![0; CHUNK],
            b: vec![0; CHUNK],
        }
    }
}

/// Reads until `buf` is full or the stream ends.
fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl Differ {
    /// The first difference between two streams; `None` when they are equal.
    pub fn first_difference(
        &mut self,
        a: &mut dyn Read,
        b: &mut dyn Read,
    ) -> io::Result<Option<Mismatch>> {
        let mut offset = 0u64;
        let mut newlines = 0u64;
        let mut text: Option<bool> = None;
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let na = fill(a, &mut self.a)?;
            let nb = fill(b, &mut self.b)?;
            let n = na.min(nb);
            let (ca, cb) = (&self.a[..na], &self.b[..nb]);
            let text = *text.get_or_insert_with(|| !ca[..n.min(8192)].contains(&0));
            if ca == cb {
                if n == 0 {
                    return Ok(None);
                }
                if text {
                    newlines += memchr::memchr_iter(b'\n', ca).count() as u64;
                }
                offset += n as u64;
                // Context for a difference at the very start of the next chunk.
                tail.clear();
                tail.extend_from_slice(&ca[n.saturating_sub(CONTEXT)..]);
                continue;
            }
            let at = ca.iter().zip(cb).position(|(x, y)| x != y).unwrap_or(n);
            let mut before = tail;
            before.extend_from_slice(&ca[at.saturating_sub(CONTEXT)..at]);
            let before = before[before.len().saturating_sub(CONTEXT)..].to_vec();
            let line = if text {
                newlines + memchr::memchr_iter(b'\n', &ca[..at]).count() as u64 + 1
            } else {
                0
            };
            let after = |chunk: &[u8], r: &mut dyn Read| -> io::Result<Vec<u8>> {
                let mut v = chunk[at..chunk.len().min(at + CONTEXT)].to_vec();
                if v.len() < CONTEXT && chunk.len() == CHUNK {
                    r.take((CONTEXT - v.len()) as u64).read_to_end(&mut v)?;
                }
                Ok(v)
            };
            let a_after = after(ca, a)?;
            let b_after = after(cb, b)?;
            return Ok(Some(Mismatch {
                offset: offset + at as u64,
                line,
                before,
                a: a_after,
                b: b_after,
            }));
        }
    }

    /// Compares the outputs `a` (the first build) and `b` (the rebuild): every path that
    /// was added, removed or changed, in path order.
    pub fn compare(&mut self, a: &Path, b: &Path) -> io::Result<Vec<FileChange>> {
        let mut out = Vec::new();
        self.entry(a, b, ".", &mut out)?;
        Ok(out)
    }

    fn entry(
        &mut self,
        a: &Path,
        b: &Path,
        rel: &str,
        out: &mut Vec<FileChange>,
    ) -> io::Result<()> {
        let (ma, mb) = (fs::symlink_metadata(a)?, fs::symlink_metadata(b)?);
        let (ta, tb) = (ma.file_type(), mb.file_type());
        let changed = |detail: String, facts: Facts| FileChange {
            path: rel.to_owned(),
            change: Change::Changed,
            detail,
            facts,
        };
        if ta.is_dir() && tb.is_dir() {
            return self.dir(a, b, rel, out);
        }
        if ta.is_symlink() && tb.is_symlink() {
            let (la, lb) = (fs::read_link(a)?, fs::read_link(b)?);
            if la != lb {
                let (la, lb) = (la.display().to_string(), lb.display().to_string());
                out.push(changed(
                    format!("symlink target: {la} → {lb}"),
                    Facts {
                        removed: vec![la],
                        added: vec![lb],
                        ..Facts::default()
                    },
                ));
            }
            return Ok(());
        }
        if !(ta.is_file() && tb.is_file()) {
            out.push(changed(
                format!("{} → {}", kind(&ma), kind(&mb)),
                Facts::default(),
            ));
            return Ok(());
        }
        let (xa, xb) = (
            ma.permissions().mode() & 0o111,
            mb.permissions().mode() & 0o111,
        );
        if xa != xb {
            let mode = |x: u32| {
                if x != 0 {
                    "executable"
                } else {
                    "not executable"
                }
            };
            out.push(changed(
                format!("{} → {}", mode(xa), mode(xb)),
                Facts {
                    fields: vec![Field {
                        name: "mode",
                        before: format!("{:o}", ma.permissions().mode() & 0o7777),
                        after: format!("{:o}", mb.permissions().mode() & 0o7777),
                    }],
                    ..Facts::default()
                },
            ));
        }
        let mismatch = self.first_difference(&mut File::open(a)?, &mut File::open(b)?)?;
        if let Some(m) = mismatch {
            let (detail, facts) = self.describe(a, b, &m, (ma.len(), mb.len()))?;
            out.push(changed(detail, facts));
        }
        Ok(())
    }

    fn dir(&mut self, a: &Path, b: &Path, rel: &str, out: &mut Vec<FileChange>) -> io::Result<()> {
        let names = |d: &Path| -> io::Result<Vec<std::ffi::OsString>> {
            let mut v: Vec<_> = fs::read_dir(d)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()?;
            v.sort();
            Ok(v)
        };
        let (na, nb) = (names(a)?, names(b)?);
        let (mut i, mut j) = (0, 0);
        while i < na.len() || j < nb.len() {
            let order = match (na.get(i), nb.get(j)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let name = if order == std::cmp::Ordering::Greater {
                &nb[j]
            } else {
                &na[i]
            };
            let child = if rel == "." {
                name.to_string_lossy().into_owned()
            } else {
                format!("{rel}/{}", name.to_string_lossy())
            };
            match order {
                std::cmp::Ordering::Equal => {
                    self.entry(&a.join(name), &b.join(name), &child, out)?;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => {
                    out.push(only(&a.join(name), child, Change::Removed)?);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(only(&b.join(name), child, Change::Added)?);
                    j += 1;
                }
            }
        }
        Ok(())
    }

    /// The evidence for a differing file: archives by entry, else the first differing
    /// region; text files are also checked for the same lines in another order.
    fn describe(
        &mut self,
        a: &Path,
        b: &Path,
        m: &Mismatch,
        sizes: (u64, u64),
    ) -> io::Result<(String, Facts)> {
        let head = |p: &Path| -> io::Result<Vec<u8>> {
            let mut v = Vec::new();
            File::open(p)?.take(512).read_to_end(&mut v)?;
            Ok(v)
        };
        let (ha, hb) = (head(a)?, head(b)?);
        if let Some(k) = archive::kind(&ha).filter(|k| Some(*k) == archive::kind(&hb)) {
            if let Ok(found) = archive::compare_files(k, a, b, self) {
                return Ok(found);
            }
        }
        let (mut detail, mut facts) = region::describe(m);
        if sizes.0 != sizes.1 {
            detail = format!("size {} → {} bytes; {detail}", sizes.0, sizes.1);
        } else if m.is_text()
            && line_fingerprint(&mut File::open(a)?)? == line_fingerprint(&mut File::open(b)?)?
        {
            facts.reordered = true;
            detail = format!("the same lines in another order; {detail}");
        }
        Ok((detail, facts))
    }
}

/// An entry present in one output only.
fn only(path: &Path, rel: String, change: Change) -> io::Result<FileChange> {
    let meta = fs::symlink_metadata(path)?;
    let side = if change == Change::Added {
        "only in the rebuild"
    } else {
        "only in the first build"
    };
    Ok(FileChange {
        path: rel,
        change,
        detail: format!("{side} ({})", kind(&meta)),
        facts: Facts::default(),
    })
}

fn kind(meta: &fs::Metadata) -> String {
    let t = meta.file_type();
    if t.is_dir() {
        "directory".into()
    } else if t.is_symlink() {
        "symlink".into()
    } else if t.is_file() {
        format!("file, {} bytes", meta.len())
    } else {
        "special file".into()
    }
}

/// An order-independent digest of a stream's lines (count, sum and xor of line hashes),
/// computed in bounded memory: equal for the same lines in any order.
pub fn line_fingerprint(r: &mut dyn Read) -> io::Result<(u64, u64, u64)> {
    let mut buf = vec![0u8; 1 << 16];
    let (mut count, mut sum, mut xor) = (0u64, 0u64, 0u64);
    let mut h = std::hash::DefaultHasher::new();
    let mut open = false;
    let mut finish = |h: &mut std::hash::DefaultHasher| {
        let v = h.finish();
        *h = std::hash::DefaultHasher::new();
        count += 1;
        sum = sum.wrapping_add(v);
        xor ^= v.rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    };
    loop {
        let n = fill(r, &mut buf)?;
        if n == 0 {
            break;
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..n]) {
            h.write(&buf[start..nl]);
            finish(&mut h);
            start = nl + 1;
        }
        h.write(&buf[start..n]);
        open = start < n;
    }
    if open {
        // A last line without newline counts like one with it.
        finish(&mut h);
    }
    Ok((count, sum, xor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(a: &[u8], b: &[u8]) -> Option<Mismatch> {
        Differ::default()
            .first_difference(&mut &a[..], &mut &b[..])
            .unwrap()
    }

    #[test]
    fn finds_the_first_difference_with_context_and_line() {
        assert_eq!(diff(b"same\n", b"same\n"), None);
        let m = diff(b"a\nb\nc 1\nd\n", b"a\nb\nc 2\nd\n").unwrap();
        assert_eq!((m.offset, m.line), (6, 3));
        assert_eq!(
            (&m.before[..], &m.a[..], &m.b[..]),
            (&b"a\nb\nc "[..], &b"1\nd\n"[..], &b"2\nd\n"[..])
        );
        let m = diff(b"abc", b"abcdef").unwrap();
        assert_eq!((m.offset, m.b.as_slice()), (3, &b"def"[..]));
    }

    #[test]
    fn a_difference_past_the_first_chunk_keeps_its_context() {
        let mut a = vec![b'x'; CHUNK + 10];
        let mut b = a.clone();
        a[CHUNK] = b'1';
        b[CHUNK] = b'2';
        let m = diff(&a, &b).unwrap();
        assert_eq!((m.offset, m.before.len()), (CHUNK as u64, CONTEXT));
        assert_eq!((m.a[0], m.b[0]), (b'1', b'2'));
    }

    #[test]
    fn fingerprints_ignore_line_order_only() {
        let fp = |s: &str| line_fingerprint(&mut s.as_bytes()).unwrap();
        assert_eq!(fp("a\nb\nc\n"), fp("c\na\nb"));
        assert_ne!(fp("a\nb\n"), fp("a\nc\n"));
        assert_ne!(fp("a\na\n"), fp("a\n"));
    }

    #[test]
    fn trees_report_added_removed_and_changed_paths() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for (d, files) in [
            (&a, [("same", "1\n"), ("f", "x 1\n"), ("gone", "")]),
            (&b, [("same", "1\n"), ("f", "x 2\n"), ("new", "")]),
        ] {
            fs::create_dir(d.path().join("sub")).unwrap();
            for (name, text) in files {
                fs::write(d.path().join("sub").join(name), text).unwrap();
            }
        }
        let found = Differ::default().compare(a.path(), b.path()).unwrap();
        let got: Vec<_> = found.iter().map(|f| (f.path.as_str(), f.change)).collect();
        assert_eq!(
            got,
            [
                ("sub/f", Change::Changed),
                ("sub/gone", Change::Removed),
                ("sub/new", Change::Added)
            ]
        );
        assert_eq!(found[0].facts.added, ["x 2"]);
    }

    #[test]
    fn single_files_and_symlinks_are_outputs_too() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::os::unix::fs::symlink("/x/1", &a).unwrap();
        std::os::unix::fs::symlink("/x/2", &b).unwrap();
        let found = Differ::default().compare(&a, &b).unwrap();
        assert_eq!(
            (found[0].path.as_str(), found[0].detail.as_str()),
            (".", "symlink target: /x/1 → /x/2")
        );
        let (fa, fb) = (d.path().join("fa"), d.path().join("fb"));
        fs::write(&fa, "b\na\n").unwrap();
        fs::write(&fb, "a\nb\n").unwrap();
        let found = Differ::default().compare(&fa, &fb).unwrap();
        assert!(found[0].facts.reordered, "{found:?}");
    }
}
