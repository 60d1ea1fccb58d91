//! timestamp: dates and times embedded in files, archive entry times, gzip header times.

use std::sync::LazyLock;

use regex::Regex;

use super::Cause;
use crate::repro::FileChange;

pub struct Timestamp;

/// Dates and times as tools print them: ISO dates, clock times, `date`'s month names,
/// and Unix times of this era.
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^\d{4}-\d{2}-\d{2}
        | \d{1,2}:\d{2}:\d{2}
        | ^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$
        | ^1[5-9]\d{8}(\.\d+)?$",
    )
    .expect("valid regex")
});

impl Cause for Timestamp {
    fn id(&self) -> &'static str {
        "timestamp"
    }
    fn title(&self) -> &'static str {
        "embedded timestamp"
    }
    fn doc(&self) -> &'static str {
        "The build records when it ran: a date or time written into a file (`date`, \
`__DATE__`/`__TIME__`, version banners), modification times stored in archives (tar, zip, \
jar), or the time in a gzip header.

nfai recognises it when the words that differ look like dates, clock times or Unix times of \
this era, or when only archive entry times or the gzip header time differ.

Fix: take the time from `SOURCE_DATE_EPOCH` (stdenv sets it; `date -d @$SOURCE_DATE_EPOCH`), \
compress with `gzip -n`, create tar archives with `tar --sort=name --mtime=@$SOURCE_DATE_EPOCH \
--owner=0 --group=0 --numeric-owner`, and strip or fix times in zip/jar files (e.g. \
`strip-nondeterminism`)."
    }
    fn fix(&self) -> &'static str {
        "use SOURCE_DATE_EPOCH instead of the current time; `gzip -n`; `tar --sort=name --mtime=@$SOURCE_DATE_EPOCH`"
    }
    fn explains(&self, change: &FileChange) -> bool {
        change.facts.fields.iter().any(|f| f.name == "mtime")
            || change
                .facts
                .changed_words()
                .iter()
                .any(|w| TIME.is_match(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::causes::testing::{lines, with};
    use crate::repro::{Facts, Field};

    #[test]
    fn dates_times_and_archive_times() {
        assert!(Timestamp.explains(&lines(
            "Mon Nov 30 12:00:01 UTC 2026",
            "Mon Nov 30 12:00:02 UTC 2026"
        )));
        assert!(Timestamp.explains(&lines(
            "built 2026-11-30T12:00:01Z",
            "built 2026-11-30T12:00:02Z"
        )));
        assert!(Timestamp.explains(&lines("1796040812", "1796040813")));
        let mtime = Field {
            name: "mtime",
            before: "1".into(),
            after: "2".into(),
        };
        assert!(Timestamp.explains(&with(Facts {
            fields: vec![mtime],
            ..Facts::default()
        })));
        assert!(!Timestamp.explains(&lines("id 4711", "id 1234")));
    }
}
