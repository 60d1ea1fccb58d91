//! substitute_failed: nixpkgs' `substituteInPlace`/`substitute` helpers found nothing to
//! replace (`--replace-fail`), no file, or an option they do not know.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};

pub struct SubstituteFailed;

/// `substituteStream() in derivation foo-1.0: ERROR: pattern a\ b doesn't match anything in
/// file 'src/x.c'`; older nixpkgs omit `in derivation ...`; the pattern is printed with %q.
static NO_MATCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"substitute\w*\(\)(?: in derivation \S+)?: (ERROR|WARNING): pattern (.*?) doesn't match anything in (?:file )?'?([^']*)'?$")
        .expect("valid regex")
});
static NO_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"substitute\w*\(\)(?: in derivation \S+)?: ERROR: file '?([^']+?)'? does not exist")
        .expect("valid regex")
});
static BAD_ARG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"substitute\w*\(\)(?: in derivation \S+)?: ERROR: Invalid command line argument: (\S+)",
    )
    .expect("valid regex")
});

/// Undoes bash's `printf %q` quoting enough to search for the pattern in Nix code.
fn unquote(q: &str) -> String {
    let q = q
        .strip_prefix("$'")
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(q);
    let mut out = String::new();
    let mut chars = q.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

impl Category for SubstituteFailed {
    fn id(&self) -> &'static str {
        "substitute_failed"
    }
    fn title(&self) -> &'static str {
        "substituteInPlace found nothing to replace"
    }
    fn doc(&self) -> &'static str {
        "A `substituteInPlace` (or `substitute`) call in the derivation failed: the text to \
replace does not occur in the file (`--replace-fail`), the file does not exist, or the \
option is unknown to this nixpkgs. This is about nixpkgs' text-replacement helper, not \
about binary-cache substituters.

Why: the source changed (a version bump rewrote or removed the line, or moved the file), \
or the replacement was written for another version. With `--replace-warn` (or the \
deprecated `--replace`) the mismatch is only a warning, and the build may fail later \
because the change was not made. `Invalid command line argument: --replace-fail` means the \
nixpkgs in use predates `--replace-fail` (added in 24.05): use `--replace` there.

Fix: look at the file in the new source and update the pattern, or drop the substitution \
if it is no longer needed:

    # before
    postPatch = ''
      substituteInPlace src/config.c --replace-fail '/usr/bin/env' '${coreutils}/bin/env'
    '';
    # after (the file now says /bin/env)
    postPatch = ''
      substituteInPlace src/config.c --replace-fail '/bin/env' '${coreutils}/bin/env'
    '';"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "substituteStream()",
            "substitute(): ",
            "substituteInPlace(): ",
            "substituteInPlace called without any files",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if let Some((line, arg)) = site.capture(&BAD_ARG) {
            return Some(
                Verdict::new(0.95, format!("substituteInPlace does not know the option {arg}"))
                    .cite(site, line)
                    .fix(format!("this nixpkgs predates {arg} (added in nixpkgs 24.05): use `--replace` instead, or update nixpkgs"))
                    .locate(Locate::Text(vec![arg])),
            );
        }
        if let Some((line, file)) = site.capture(&NO_FILE) {
            return Some(
                Verdict::new(0.95, format!("substituteInPlace: the file {file} does not exist"))
                    .cite(site, line)
                    .fix("the file was moved or removed in this version of the source: update the path in the substituteInPlace call, or drop the call")
                    .locate(Locate::Text(vec![file])),
            );
        }
        // stdenv since late 2024: options before the files, or a glob that matched nothing.
        if let Some(line) = site.line_with("substituteInPlace called without any files") {
            return Some(
                Verdict::new(0.9, "substituteInPlace was called without a file to change")
                    .cite(site, line)
                    .fix("put the file(s) first, then the options (`substituteInPlace path/to/file --replace-fail from to`); if a glob names the files, make sure it still matches in this version of the source"),
            );
        }
        // The first failing substitution; a warning only matters when nothing failed.
        let (line, c) = ["ERROR", "WARNING"].iter().find_map(|level| {
            site.lines.iter().find_map(|l| {
                let c = NO_MATCH.captures(&l.text)?;
                (&c[1] == *level).then_some((l, c))
            })
        })?;
        let pattern = unquote(&c[2]);
        let file = c[3].to_owned();
        let error = &c[1] == "ERROR";
        let mut v = Verdict::new(
            if error { 0.95 } else { 0.45 },
            format!("substituteInPlace: the pattern `{pattern}` no longer occurs in {file}"),
        )
        .cite(site, line)
        .fix(format!("the source changed: look at {file} in the new source and update the pattern `{pattern}`, or remove the substitution if it is no longer needed"));
        v = v
            .fact("pattern", pattern.clone())
            .fact("file", file.clone())
            .locate(Locate::Text(vec![pattern, file]));
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn replace_fail_and_missing_file() {
        let v = verdict_for(&SubstituteFailed, "substituteStream() in derivation app-1.0: ERROR: pattern /usr/bin/env\\ python doesn't match anything in file 'setup.py'\n").unwrap();
        assert_eq!(
            v.summary,
            "substituteInPlace: the pattern `/usr/bin/env python` no longer occurs in setup.py"
        );
        assert!(v.confidence > 0.9);
        let v = verdict_for(
            &SubstituteFailed,
            "substitute(): ERROR: file 'src/old.c' does not exist\n",
        )
        .unwrap();
        assert!(v.summary.contains("src/old.c"));
        let v = verdict_for(
            &SubstituteFailed,
            "substituteStream(): ERROR: Invalid command line argument: --replace-fail\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("--replace"));
        let v = verdict_for(&SubstituteFailed, "substituteInPlace called without any files to operate on (files must come before options!)\n").unwrap();
        assert!(v.fix.unwrap().contains("file(s) first"));
    }

    #[test]
    fn warnings_are_weak_and_cache_substituters_are_not_this() {
        let v = verdict_for(&SubstituteFailed, "substituteStream() in derivation app-1.0: WARNING: pattern foo doesn't match anything in file 'a.c'\n").unwrap();
        assert!(v.confidence < 0.5);
        assert!(verdict_for(&SubstituteFailed, "substituteStream() in derivation app-1.0: WARNING: '--replace' is deprecated, use --replace-{fail,warn,quiet}. (file 'a.c')\n").is_none());
        assert!(verdict_for(&SubstituteFailed, "error: some substitutes for the outputs of derivation '/nix/store/x-a.drv' failed (usually happens due to networking issues); try '--fallback'\n").is_none());
    }
}
