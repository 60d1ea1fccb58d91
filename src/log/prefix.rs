//! Splits the decorations Nix front ends put before a log line: `-L` package prefixes
//! (`hello> `), the `> ` of "last N log lines" tails, and nix-output-monitor frames (`┃ `).

/// What a decoration says about the line it precedes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoration<'a> {
    None,
    /// `name> text` from `nix build -L` / `nix log` of several builds.
    Package(&'a str),
    /// `       > text` inside an error block's tail of builder output.
    Tail,
}

/// Strips a nix-output-monitor frame (`┃ `, `┏━`, `┗━`); returns `None` for frame-only lines.
pub fn strip_frame(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix('┃') {
        return Some(rest.strip_prefix(' ').unwrap_or(rest));
    }
    if t.starts_with("┏━") || t.starts_with("┗━") || t.starts_with("┣━") {
        return None;
    }
    Some(line)
}

/// Splits `line` into its decoration and body.
pub fn split(line: &str) -> (Decoration<'_>, &str) {
    let trimmed = line.trim_start();
    if trimmed == ">" {
        return (Decoration::Tail, "");
    }
    if trimmed.len() != line.len() {
        if let Some(body) = trimmed.strip_prefix("> ") {
            return (Decoration::Tail, body);
        }
        return (Decoration::None, line);
    }
    if let Some(gt) = line.find("> ") {
        let name = &line[..gt];
        let first_ok = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        let all_ok = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'));
        if first_ok && all_ok && name.len() <= 100 {
            return (Decoration::Package(name), &line[gt + 2..]);
        }
    } else if let Some(name) = line.strip_suffix('>') {
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'))
        {
            return (Decoration::Package(name), "");
        }
    }
    (Decoration::None, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_prefix() {
        assert_eq!(
            split("hello> gcc: error"),
            (Decoration::Package("hello"), "gcc: error")
        );
        assert_eq!(split("error: x> y").0, Decoration::None);
    }

    #[test]
    fn tail_marker() {
        assert_eq!(
            split("       > make: *** [all]"),
            (Decoration::Tail, "make: *** [all]")
        );
    }

    #[test]
    fn nom_frames() {
        assert_eq!(strip_frame("┃ error: x"), Some("error: x"));
        assert_eq!(strip_frame("┏━ 1 Errors:"), None);
    }
}
