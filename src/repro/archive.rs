//! Archives and compressed files (tar, zip/jar, gzip) compared by entry: names, order,
//! timestamps, modes, owners and contents, streamed with bounded memory (only small
//! entries' contents are kept, to show their first differing region).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::hash::Hasher;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use super::compare::{line_fingerprint, Differ};
use super::{region, Facts, Field};

/// Entries up to this size keep their contents, for the differing region.
const KEEP_ENTRY: u64 = 1 << 20;
/// The most entry contents kept per archive.
const KEEP_TOTAL: u64 = 16 << 20;
/// Entry differences listed before the rest is summarised.
const MAX_LISTED: usize = 20;
/// Entry names shown when their order differs.
const ORDER_SHOWN: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gzip,
    Tar,
    Zip,
}

/// The archive format of a file starting with `head` (at least its first 512 bytes).
pub fn kind(head: &[u8]) -> Option<Kind> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Kind::Gzip)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if head.get(257..262) == Some(b"ustar") {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// Compares two archive files of kind `k` by entry.
pub fn compare_files(
    k: Kind,
    a: &Path,
    b: &Path,
    differ: &mut Differ,
) -> io::Result<(String, Facts)> {
    let open = |p: &Path| File::open(p).map(BufReader::new);
    match k {
        Kind::Tar => Ok(diff_entries(
            "tar",
            tar_entries(open(a)?)?,
            tar_entries(open(b)?)?,
            differ,
        )),
        Kind::Zip => Ok(diff_entries(
            "zip",
            zip_entries(a)?,
            zip_entries(b)?,
            differ,
        )),
        Kind::Gzip => gzip(open(a)?, open(b)?, differ),
    }
}

/// One archive entry: what is compared, and small contents for the evidence.
struct Entry {
    name: String,
    /// Metadata compared by name: `mtime`, `mode`, `owner`.
    meta: Vec<(&'static str, String)>,
    size: u64,
    digest: u64,
    content: Option<Vec<u8>>,
}

impl Entry {
    /// Reads the entry's contents from `r` to the end: hashed, and kept when small and
    /// the archive's budget allows.
    fn read(
        name: String,
        meta: Vec<(&'static str, String)>,
        r: &mut dyn Read,
        size: u64,
        budget: &mut u64,
    ) -> io::Result<Entry> {
        let (digest, content) = digest(r, size, budget)?;
        Ok(Entry {
            name,
            meta,
            size,
            digest,
            content,
        })
    }
}

/// Hashes `r` to the end, keeping its bytes when it is small and the budget allows.
fn digest(r: &mut dyn Read, size: u64, budget: &mut u64) -> io::Result<(u64, Option<Vec<u8>>)> {
    let keep = size <= KEEP_ENTRY && size <= *budget;
    let mut kept = keep.then(Vec::new);
    let mut h = std::hash::DefaultHasher::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.write(&buf[..n]);
        if let Some(k) = kept.as_mut() {
            k.extend_from_slice(&buf[..n]);
        }
    }
    if keep {
        *budget -= size;
    }
    Ok((h.finish(), kept))
}

fn tar_entries(r: impl Read) -> io::Result<Vec<Entry>> {
    let mut archive = tar::Archive::new(r);
    let mut budget = KEEP_TOTAL;
    let mut out = Vec::new();
    for e in archive.entries()? {
        let mut e = e?;
        let h = e.header();
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let owner = format!(
            "{}:{} ({}:{})",
            h.uid().unwrap_or(0),
            h.gid().unwrap_or(0),
            h.username().ok().flatten().unwrap_or(""),
            h.groupname().ok().flatten().unwrap_or("")
        );
        let meta = vec![
            ("mtime", h.mtime().unwrap_or(0).to_string()),
            ("mode", format!("{:o}", h.mode().unwrap_or(0))),
            ("owner", owner),
        ];
        let size = e.size();
        out.push(Entry::read(name, meta, &mut e, size, &mut budget)?);
    }
    Ok(out)
}

fn zip_entries(path: &Path) -> io::Result<Vec<Entry>> {
    let mut archive =
        zip::ZipArchive::new(BufReader::new(File::open(path)?)).map_err(io::Error::other)?;
    let mut budget = KEEP_TOTAL;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).map_err(io::Error::other)?;
        let mtime = e.last_modified().map_or_else(String::new, |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        });
        let meta = vec![
            ("mtime", mtime),
            (
                "mode",
                e.unix_mode().map_or_else(String::new, |m| format!("{m:o}")),
            ),
        ];
        let name = e.name().map_err(io::Error::other)?.into_owned();
        let size = e.size();
        out.push(Entry::read(name, meta, &mut e, size, &mut budget)?);
    }
    Ok(out)
}

/// Gzip: the header (mtime, file name), then the decompressed streams, as tar when both
/// hold one.
fn gzip(a: impl Read, b: impl Read, differ: &mut Differ) -> io::Result<(String, Facts)> {
    let (mut da, mut db) = (GzDecoder::new(a), GzDecoder::new(b));
    let mut detail = String::from("gzip, compared decompressed:\n");
    let mut facts = Facts::default();
    if let (Some(ha), Some(hb)) = (da.header(), db.header()) {
        if ha.mtime() != hb.mtime() {
            let _ = writeln!(
                detail,
                "  header mtime: {} → {} (fix: `gzip -n`)",
                ha.mtime(),
                hb.mtime()
            );
            facts.fields.push(Field {
                name: "mtime",
                before: ha.mtime().to_string(),
                after: hb.mtime().to_string(),
            });
        }
        if ha.filename() != hb.filename() {
            let name =
                |n: Option<&[u8]>| String::from_utf8_lossy(n.unwrap_or_default()).into_owned();
            let (na, nb) = (name(ha.filename()), name(hb.filename()));
            let _ = writeln!(detail, "  header file name: {na} → {nb}");
            facts.removed.push(na);
            facts.added.push(nb);
        }
    }
    let (ha, hb) = (head(&mut da)?, head(&mut db)?);
    let both_tar = kind(&ha) == Some(Kind::Tar) && kind(&hb) == Some(Kind::Tar);
    let (mut ra, mut rb) = (io::Cursor::new(ha).chain(da), io::Cursor::new(hb).chain(db));
    if both_tar {
        let (d, f) = diff_entries("tar", tar_entries(ra)?, tar_entries(rb)?, differ);
        detail.push_str(&indent(&d));
        facts.merge(f);
    } else if let Some(m) = differ.first_difference(&mut ra, &mut rb)? {
        let (d, f) = region::describe(&m);
        detail.push_str(&indent(&d));
        facts.merge(f);
    } else if facts == Facts::default() {
        detail.push_str("  same contents and header; only the compression differs\n");
    }
    Ok((detail, facts))
}

fn head(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.take(512).read_to_end(&mut v)?;
    Ok(v)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// Differences between two archives' entry lists.
fn diff_entries(label: &str, a: Vec<Entry>, b: Vec<Entry>, differ: &mut Differ) -> (String, Facts) {
    let mut lines: Vec<String> = Vec::new();
    let mut facts = Facts::default();
    let by_name: HashMap<&str, &Entry> = b.iter().map(|e| (e.name.as_str(), e)).collect();
    let in_a: HashMap<&str, &Entry> = a.iter().map(|e| (e.name.as_str(), e)).collect();
    let common_a: Vec<&str> = a
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| by_name.contains_key(n))
        .collect();
    let common_b: Vec<&str> = b
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| in_a.contains_key(n))
        .collect();
    if common_a != common_b {
        let shown = |v: &[&str]| {
            let mut s = v
                .iter()
                .take(ORDER_SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > ORDER_SHOWN {
                s.push_str(", …");
            }
            s
        };
        let skip = common_a
            .iter()
            .zip(&common_b)
            .take_while(|(x, y)| x == y)
            .count();
        lines.push(format!(
            "entry order differs: {} → {}",
            shown(&common_a[skip..]),
            shown(&common_b[skip..])
        ));
        facts.reordered = true;
        facts.fields.push(Field {
            name: "order",
            before: shown(&common_a[skip..]),
            after: shown(&common_b[skip..]),
        });
    }
    for e in &a {
        let Some(other) = by_name.get(e.name.as_str()) else {
            lines.push(format!("{}: only in the first build", e.name));
            continue;
        };
        for ((field, x), (_, y)) in e.meta.iter().zip(&other.meta) {
            if x != y {
                lines.push(format!("{}: {field} {x} → {y}", e.name));
                facts.fields.push(Field {
                    name: field,
                    before: x.clone(),
                    after: y.clone(),
                });
            }
        }
        if e.digest == other.digest && e.size == other.size {
            continue;
        }
        match (&e.content, &other.content) {
            (Some(x), Some(y)) => {
                let Ok(Some(m)) = differ.first_difference(&mut &x[..], &mut &y[..]) else {
                    continue;
                };
                let (d, mut f) = region::describe(&m);
                let same_lines = m.is_text()
                    && x.len() == y.len()
                    && line_fingerprint(&mut &x[..]).ok() == line_fingerprint(&mut &y[..]).ok();
                f.reordered |= same_lines;
                let what = if same_lines {
                    "the same lines in another order; "
                } else {
                    ""
                };
                lines.push(format!(
                    "{}: {what}{}",
                    e.name,
                    d.trim_end().replace('\n', "\n    ")
                ));
                facts.merge(f);
            }
            _ => lines.push(format!(
                "{}: contents differ (size {} → {})",
                e.name, e.size, other.size
            )),
        }
    }
    for e in &b {
        if !in_a.contains_key(e.name.as_str()) {
            lines.push(format!("{}: only in the rebuild", e.name));
        }
    }
    let mut out = format!(
        "{label} archive, {} → {} entries, compared by entry:\n",
        a.len(),
        b.len()
    );
    for l in lines.iter().take(MAX_LISTED) {
        let _ = writeln!(out, "  {l}");
    }
    if lines.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "  … and {} more entry differences",
            lines.len() - MAX_LISTED
        );
    }
    if lines.is_empty() {
        out.push_str("  same entries; only the archive's own bytes (headers, padding) differ\n");
    }
    (out, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar(entries: &[(&str, &str, u64)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, text, mtime) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_size(text.len() as u64);
            h.set_mtime(*mtime);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, text.as_bytes()).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn gz(data: &[u8], mtime: u32) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::GzBuilder::new()
            .mtime(mtime)
            .write(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn tar_entries_by_timestamp_order_and_content() {
        let a = tar(&[("x", "1\n", 10), ("y", "a\nb\n", 10)]);
        let b = tar(&[("y", "b\na\n", 10), ("x", "1\n", 11)]);
        assert_eq!(kind(&a), Some(Kind::Tar));
        let (d, f) = diff_entries(
            "tar",
            tar_entries(&a[..]).unwrap(),
            tar_entries(&b[..]).unwrap(),
            &mut Differ::default(),
        );
        assert!(d.contains("entry order differs: x, y → y, x"), "{d}");
        assert!(d.contains("x: mtime 10 → 11"), "{d}");
        assert!(d.contains("y: the same lines in another order"), "{d}");
        assert!(f.reordered && f.fields.iter().any(|x| x.name == "mtime"));
    }

    #[test]
    fn gzip_header_time_and_decompressed_text() {
        let (d, f) = gzip(
            &gz(b"v 1\n", 5)[..],
            &gz(b"v 2\n", 6)[..],
            &mut Differ::default(),
        )
        .unwrap();
        assert!(
            d.contains("header mtime: 5 → 6") && d.contains("-v 1") && d.contains("+v 2"),
            "{d}"
        );
        assert_eq!(f.added, ["v 2"]);
        let inner = tar(&[("t", "x", 1)]);
        let inner2 = tar(&[("t", "x", 2)]);
        let (d, _) = gzip(
            &gz(&inner, 0)[..],
            &gz(&inner2, 0)[..],
            &mut Differ::default(),
        )
        .unwrap();
        assert!(
            d.contains("tar archive") && d.contains("t: mtime 1 → 2"),
            "{d}"
        );
    }

    #[test]
    fn zip_entries_by_time() {
        use std::io::Write;
        let d = tempfile::tempdir().unwrap();
        for (name, minute) in [("a.zip", 1), ("b.zip", 2)] {
            let mut w = zip::ZipWriter::new(File::create(d.path().join(name)).unwrap());
            let t = zip::DateTime::from_date_and_time(2020, 1, 1, 0, minute, 0).unwrap();
            let opts = zip::write::SimpleFileOptions::default().last_modified_time(t);
            w.start_file("META-INF/x", opts).unwrap();
            w.write_all(b"same").unwrap();
            w.finish().unwrap();
        }
        let (out, f) = compare_files(
            Kind::Zip,
            &d.path().join("a.zip"),
            &d.path().join("b.zip"),
            &mut Differ::default(),
        )
        .unwrap();
        assert!(
            out.contains("META-INF/x: mtime 2020-01-01 00:01:00 → 2020-01-01 00:02:00"),
            "{out}"
        );
        assert_eq!(f.fields[0].name, "mtime");
    }
}
