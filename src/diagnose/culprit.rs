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
        // A position in a store copy of the file needs Nix's quoted line, like the frames'
        // above; without one the path alone (checked by the category, e.g. with git) does.
        Some(Locate::Path(rel)) if position_of(site, rel).is_none() => {
            ws.file(rel).map(|p| Place::local(ws, p, Some(rel), 0, 0))
        }
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

/// The culprit as the log gives it: the file the message names, the compiler's position,
/// the chosen frame's, then the classifier's path.
fn reported(
    v: &Verdict,
    traced: Option<(&crate::log::Position, &[(u32, String)])>,
    named: Option<&named::Named>,
    site: &Site,
) -> Option<Place> {
    if let Some(Locate::Named { file, line, .. }) = &v.locate {
        return Some(Place::reported(file, *line, 0, Vec::new()));
    }
    // Files the message itself names beat the frames, which often end in library code.
    if let Some(n) = named {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{diagnose, triggers, Context};

    const STORE: &str = "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source";

    fn culprit(log: &str, root: &std::path::Path) -> Culprit {
        let log = crate::log::read_bytes(log.as_bytes(), triggers()).unwrap();
        let ctx = Context {
            workspace: Workspace::new(vec![root.to_owned()]),
            full_log: &|_| None,
        };
        diagnose(&log, &ctx).culprit.unwrap()
    }

    #[test]
    fn a_store_path_is_local_only_with_the_quoted_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("nix")).unwrap();
        std::fs::write(dir.path().join("nix/default.nix"), "{\n  x = foo;\n}\n").unwrap();
        let quoted = format!("error: undefined variable 'foo'\n\n       at {STORE}/nix/default.nix:2:7:\n\n            1| {{\n            2|   x = foo;\n             |       ^\n");
        let local = culprit(&quoted, dir.path());
        assert_eq!(
            (
                local.file.as_deref(),
                local.local,
                local.source_path.as_deref()
            ),
            (Some("nix/default.nix"), true, Some("nix/default.nix"))
        );
        // Same path, no quoted line (Nix 2.3): not confirmed, so the log's path.
        let bare = format!("error: undefined variable 'foo' at {STORE}/nix/default.nix:2:7\n");
        let reported = culprit(&bare, dir.path());
        assert_eq!(
            (
                reported.file,
                reported.local,
                reported.source_path.as_deref()
            ),
            (
                Some(format!("{STORE}/nix/default.nix")),
                false,
                Some("nix/default.nix")
            )
        );
        // Another line there: another project's file of the same name.
        let other = quoted.replace("x = foo;", "y = foo;");
        assert!(!culprit(&other, dir.path()).local);
    }

    #[test]
    fn a_path_of_the_tree_the_message_names_is_local() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("data.json"), "{}").unwrap();
        let log = format!(
            "error: opening file '{}/data.json': Permission denied\n",
            root.display()
        );
        let c = culprit(&log, &root);
        assert_eq!((c.file.as_deref(), c.local), (Some("data.json"), true));
        let elsewhere = "error: opening file '/etc/nfai-none/data.json': Permission denied\n";
        let c = culprit(elsewhere, &root);
        assert_eq!(
            (c.file.as_deref(), c.local, c.source_path),
            (Some("/etc/nfai-none/data.json"), false, None)
        );
    }

    #[test]
    fn positions_named_inside_messages() {
        let log = format!("error: anonymous function at {STORE}/package.nix:1:3 called without required argument 'x'\n");
        let log = crate::log::read_bytes(log.as_bytes(), triggers()).unwrap();
        let site = &crate::diagnose::site::sites(&log)[0];
        assert_eq!(position_of(site, "package.nix"), Some((1, 3)));
        assert_eq!(position_of(site, "other.nix"), None);
    }

    #[test]
    fn a_meta_refusal_names_the_package_file_not_check_meta() {
        let dir = tempfile::tempdir().unwrap();
        let file = format!("{STORE}/pkgs/by-name/ol/oldlib/package.nix");
        for log in [
            format!("error:\n       … while evaluating the attribute 'packages.x86_64-linux.default'\n         at {STORE}/flake.nix:9:5:\n\n       … while calling the 'throw' builtin\n         at {STORE}/pkgs/stdenv/generic/check-meta.nix:589:13:\n\n       error: Package ‘oldlib-0.3’ in {file}:73 is marked as broken, refusing to evaluate.\n"),
            format!("error:\n       … while calling the 'throw' builtin\n         at {STORE}/pkgs/stdenv/generic/make-derivation.nix:612:9:\n\n       error: Refusing to evaluate package 'oldlib-0.3' in\n {file}:73 because it is marked as broken\n"),
        ] {
            let c = culprit(&log, dir.path());
            assert_eq!(
                (c.file.as_deref(), c.line, c.local),
                (Some(file.as_str()), Some(73), false),
                "{log}"
            );
            assert_eq!(c.source_path.as_deref(), Some("pkgs/by-name/ol/oldlib/package.nix"));
        }
    }

    #[test]
    fn a_compiler_s_file_relative_to_the_build_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/main.c"),
            "int main() {\n    int x = add(2, 3)\n    return x;\n}\n",
        )
        .unwrap();
        let log = |file: &str, code: &str| {
            format!("error: builder for '/nix/store/gg1a66pfgnm0hh67amzbd7l803jqk6s2-calc-0.1.0.drv' failed with exit code 2;\n       last 3 log lines:\n       > {file}:2:22: error: expected ';' before 'return'\n       >     2 | {code}\n       >       |                      ^\n")
        };
        for file in ["src/main.c", "/build/calc-0.1.0/src/main.c"] {
            let c = culprit(&log(file, "    int x = add(2, 3)"), dir.path());
            assert_eq!(
                (c.file.as_deref(), c.local, c.source_path.as_deref()),
                (Some("src/main.c"), true, Some("src/main.c")),
                "{file}"
            );
            // Another source with a file of the same path: the log's path, not ours.
            let c = culprit(&log(file, "    long y = sub(2, 3)"), dir.path());
            assert_eq!(
                (c.file.as_deref(), c.local, c.source_path.as_deref()),
                (Some(file), false, Some("src/main.c")),
                "{file}"
            );
        }
    }

    #[test]
    fn the_definition_a_module_error_names_beats_library_frames() {
        let dir = tempfile::tempdir().unwrap();
        let nixpkgs = "/nix/store/0fw3kxhp3zcqfa5gr3ymm7g2brwvmp3f-source";
        let log = format!("error:\n       … while calling the 'head' builtin\n         at {nixpkgs}/lib/attrsets.nix:1575:11:\n\n       … while evaluating the attribute 'value'\n         at {nixpkgs}/lib/modules.nix:809:9:\n\n       … while evaluating the option `system.build.toplevel':\n\n       (stack trace truncated; use '--show-trace' to show the full, detailed trace)\n\n       error: The option `services.foo' does not exist. Definition values:\n       - In `{STORE}/hosts/a.nix': true\n");
        let c = culprit(&log, dir.path());
        assert_eq!(
            (c.file, c.local, c.source_path.as_deref()),
            (
                Some(format!("{STORE}/hosts/a.nix")),
                false,
                Some("hosts/a.nix")
            )
        );
    }

    #[test]
    fn nix_2_4_pre_release_blocks_name_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let log = |file: &str| {
            format!("error: --- ThrownError --------------------------------- nix-build\nat: (2:7) in file: {file}\n\n     1| {{\n     2|   y = throw \"no y here\";\n      |       ^\n\nno y here\n")
        };
        let c = culprit(&log("/home/u/p/default.nix"), &root);
        assert_eq!(
            (c.file.as_deref(), c.line, c.column, c.local),
            (Some("/home/u/p/default.nix"), Some(2), Some(7), false)
        );
        std::fs::write(
            root.join("default.nix"),
            "{\n  y = throw \"no y here\";\n}\n",
        )
        .unwrap();
        let c = culprit(&log(&root.join("default.nix").display().to_string()), &root);
        assert_eq!(
            (c.file.as_deref(), c.local, c.source_path.as_deref()),
            (Some("default.nix"), true, Some("default.nix"))
        );
    }

    #[test]
    fn a_call_error_s_store_path_is_not_local_by_its_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.nix"),
            "{ stdenv }:\nstdenv.mkDerivation { }\n",
        )
        .unwrap();
        let log = format!("error: anonymous function at {STORE}/package.nix:1:1 called without required argument 'sqlite3'\n");
        let c = culprit(&log, dir.path());
        assert_eq!(
            (c.file, c.line, c.local, c.source_path.as_deref()),
            (
                Some(format!("{STORE}/package.nix")),
                Some(1),
                false,
                Some("package.nix")
            )
        );
    }
}
