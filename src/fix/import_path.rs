//! missing_file: points the path literal that names a file that does not exist at the
//! existing file with the closest name.

use std::path::{Component, Path, PathBuf};

use rnix::SyntaxKind;

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::nix::syntax;

pub struct ImportPathFix;

impl Fixer for ImportPathFix {
    fn categories(&self) -> &'static [&'static str] {
        &["missing_file"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let (Some(culprit), Some(similar)) = (finding.culprit.as_ref(), finding.fact("similar"))
        else {
            return Vec::new();
        };
        let (Some(rel), Some(line), Some(column)) =
            (culprit.local_file(), culprit.line, culprit.column)
        else {
            return Vec::new();
        };
        let Some(file) = project.file(Path::new(rel)) else {
            return Vec::new();
        };
        let Some(offset) = offset_of(&file.text, line, column) else {
            return Vec::new();
        };
        let Some(literal) = file
            .root
            .descendants()
            .find(|n| n.kind() == SyntaxKind::NODE_PATH_REL && syntax::range(n).start == offset)
        else {
            return Vec::new();
        };
        let dir = file.path.parent().unwrap_or(Path::new(""));
        similar
            .split(' ')
            .filter(|s| project.root.join(s).is_file())
            .map(|target| {
                let new = relative(dir, Path::new(target));
                Candidate {
                    description: format!(
                        "refer to {target} instead of {} in {rel}:{line}",
                        literal.text()
                    ),
                    edits: vec![file.replace(&literal, &new)],
                    commands: Vec::new(),
                    nix_args: Vec::new(),
                }
            })
            .collect()
    }
}

/// The byte offset of 1-based `line` and byte `column` in `text`.
fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)? as usize)
        .map(str::len)
        .sum();
    let offset = start + column.checked_sub(1)? as usize;
    (offset <= text.len()).then_some(offset)
}

/// `target` as a Nix path literal relative to the directory `dir` (both relative to the
/// project root): `./x.nix`, `../lib/x.nix`.
fn relative(dir: &Path, target: &Path) -> String {
    let parts = |p: &Path| -> Vec<PathBuf> {
        p.components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .map(|c| PathBuf::from(c.as_os_str()))
            .collect()
    };
    let (from, to) = (parts(dir), parts(target));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = if common == from.len() {
        "./".to_owned()
    } else {
        "../".repeat(from.len() - common)
    };
    let rest: Vec<String> = to[common..]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    out.push_str(&rest.join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_literals_and_offsets() {
        assert_eq!(
            relative(Path::new(""), Path::new("modules/a.nix")),
            "./modules/a.nix"
        );
        assert_eq!(
            relative(Path::new("modules"), Path::new("modules/a.nix")),
            "./a.nix"
        );
        assert_eq!(
            relative(Path::new("hosts/x"), Path::new("lib/a.nix")),
            "../../lib/a.nix"
        );
        assert_eq!(offset_of("ab\ncd\n", 2, 2), Some(4));
        assert_eq!(offset_of("ab\n", 0, 1), None);
    }
}
