//! Chooses a failure's culprit file: the working tree's file when what the log names is
//! confirmed there, else the path as the log gives it, with its path inside the source tree.

use std::path::PathBuf;

use super::locate::{self, source_path};
use super::named;
use super::site::Site;
use super::{Culprit, Locate, Verdict, Workspace};

/// A culprit file with its position and the source lines to show.
struct Place {
    file: String,
    line: u32,
    column: u32,
    local: bool,
    source_path: Option<String>,
    snippet: Vec<(u32, String)>,
}

impl Place {
    /// The working tree's file `path`, found for the path the log gave as `reported`.
    fn local(
        ws: &Workspace,
        path: PathBuf,
        reported: Option<&str>,
        line: u32,
        column: u32,
    ) -> Place {
        let file = ws.display(&path);
        Place {
            source_path: reported
                .and_then(source_path)
                .or_else(|| Some(file.clone())),
            snippet: if line > 0 {
                locate::snippet(&path, line)
            } else {
                Vec::new()
            },
            file,
            line,
            column,
            local: true,
        }
    }

    /// The path `file` as the log gives it, not in the working tree.
    fn reported(file: &str, line: u32, column: u32, snippet: Vec<(u32, String)>) -> Place {
        Place {
            file: file.to_owned(),
            line,
            column,
            local: false,
            source_path: source_path(file),
            snippet,
        }
    }
}

/// The culprit of the verdict `v` on `site`, and the source lines around it. `package` is
/// the failed package, whose source may be a directory of the tree.
pub fn choose(
    site: &Site,
    v: &Verdict,
    package: Option<&str>,
    ws: &Workspace,
) -> (Option<Culprit>, Vec<(u32, String)>) {
    let trace = site.trace.as_ref();
    let named = named::in_site(site, &v.evidence);
    let place = local(site, v, package, ws, named.as_ref()).or_else(|| {
        let traced = trace.and_then(|t| t.culprit_position());
        reported(v, traced, named.as_ref(), site)
    });
    let mut culprit = Culprit {
        attribute: v
            .attribute
            .clone()
            .or_else(|| trace.and_then(|t| t.attribute())),
        ..Culprit::default()
    };
    let mut snippet = Vec::new();
    if let Some(p) = place {
        culprit.file = Some(p.file);
        culprit.line = (p.line > 0).then_some(p.line);
        culprit.column = (p.column > 0).then_some(p.column);
        culprit.local = p.local;
        culprit.source_path = p.source_path;
        snippet = p.snippet;
    }
    ((culprit != Culprit::default()).then_some(culprit), snippet)
}

/// The culprit in the working tree, when the log's position or the classifier's hint is
/// confirmed there.
fn local(
    site: &Site,
    v: &Verdict,
    package: Option<&str>,
    ws: &Workspace,
    named: Option<&named::Named>,
) -> Option<Place> {
    // A file the message names beats the frames, which often end in library code.
    if let Some(Locate::Named {
        file,
        line,
        needles,
    }) = &v.locate
    {
        if let Some(p) = ws.holding(file, needles) {
            return Some(Place::local(ws, p, Some(file), *line, 0));
        }
        if let Some((p, line, column)) = ws.find_text(needles) {
            return Some(Place::local(ws, p, None, line, column));
        }
    }
    // The user's code among the frames, innermost first.
    if let Some(trace) = &site.trace {
        let chosen = trace.culprit_position();
        for (pos, quoted) in chosen.into_iter().chain(trace.positions()) {
            if let Some(p) = ws.map(&pos.file, pos.line, quoted) {
                return Some(Place::local(ws, p, Some(&pos.file), pos.line, pos.column));
            }
        }
    }
    let hinted = match &v.locate {
        Some(Locate::Text(needles)) => ws
            .find_text(needles)
            .map(|(p, line, column)| Place::local(ws, p, None, line, column)),
        Some(Locate::Path(rel)) => ws.file(rel).map(|p| {
            let (line, column) = position_of(site, rel).unwrap_or((0, 0));
            Place::local(ws, p, Some(rel), line, column)
        }),
        Some(Locate::At(rel, line, column)) => ws
            .file(rel)
            .map(|p| Place::local(ws, p, Some(rel), *line, *column)),
        Some(Locate::Source {
            file,
            line,
            column,
            quoted,
        }) if !quoted.is_empty() => ws
            .map(file, *line, quoted)
            .or_else(|| {
                // Relative to the build directory: the package's own `src` in the tree.
                let dir = ws.source_dir(package?)?;
                Workspace::new(vec![dir]).map(file, *line, quoted)
            })
            .map(|p| Place::local(ws, p, Some(file), *line, *column)),
        _ => None,
    };
    // A path of the tree the message names is that file.
    hinted.or_else(|| {
        let n = named?;
        let p = ws.map(&n.file, 0, &[])?;
        Some(Place::local(
            ws,
            p,
            Some(&n.file),
            n.line.unwrap_or(0),
            n.column.unwrap_or(0),
        ))
    })
}

/// The culprit as the log gives it: the position the message names, the compiler's, the
/// chosen frame's, a file the message names without a position, then the classifier's path.
fn reported(
    v: &Verdict,
    traced: Option<(&crate::log::Position, &[(u32, String)])>,
    named: Option<&named::Named>,
    site: &Site,
) -> Option<Place> {
    if let Some(Locate::Named { file, line, .. }) = &v.locate {
        return Some(Place::reported(file, *line, 0, Vec::new()));
    }
    if let Some(n) = named.filter(|n| n.line.is_some()) {
        let (line, column) = (n.line.unwrap_or(0), n.column.unwrap_or(0));
        return Some(Place::reported(&n.file, line, column, Vec::new()));
    }
    if let Some(Locate::Source {
        file,
        line,
        column,
        quoted,
    }) = &v.locate
    {
        return Some(Place::reported(file, *line, *column, quoted.clone()));
    }
    if let Some((pos, quoted)) = traced {
        return Some(Place::reported(
            &pos.file,
            pos.line,
            pos.column,
            quoted.to_vec(),
        ));
    }
    if let Some(n) = named {
        return Some(Place::reported(&n.file, 0, 0, Vec::new()));
    }
    match &v.locate {
        Some(Locate::Path(rel)) => {
            let (line, column) = position_of(site, rel).unwrap_or((0, 0));
            Some(Place::reported(rel, line, column, Vec::new()))
        }
        Some(Locate::At(rel, line, column)) => {
            Some(Place::reported(rel, *line, *column, Vec::new()))
        }
        _ => None,
    }
}

/// The `line:column` a message of `site` gives for the file `rel` (Nix names positions as
/// `/nix/store/<hash>-source/<rel>:12:5` inside messages such as "called without required
/// argument").
fn position_of(site: &Site, rel: &str) -> Option<(u32, u32)> {
    let needle = format!("/{rel}:");
    site.lines.iter().find_map(|l| {
        let at = l.text.find(&needle)? + needle.len();
        let mut numbers = l.text[at..].split(|c: char| !c.is_ascii_digit());
        let line = numbers.next()?.parse().ok()?;
        let column = numbers.next()?.parse().ok()?;
        Some((line, column))
    })
}
