//! Files a message names in its own text (`path '…' does not exist`, `getting status of
//! '…'`, the file of a refused package), in the wordings of the Nix and nixpkgs code that
//! prints them.

use std::sync::LazyLock;

use regex::Regex;

use super::site::{Site, SiteKind};

/// A file a message names, with the position it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// The wordings, each with the group `file` and where it gives them `line`, `column` and the
/// directory `dir` the file is relative to.
static WORDINGS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Nix (libexpr, libfetchers): a path value or an `import` of a file that is not there.
        r"\bpath '(?P<file>[^']+)' does not exist",
        // Nix's `SysError`s of `lstat`, `open` and `opendir` (libutil), followed by `: <errno text>`.
        r"\bgetting status of '(?P<file>[^']+)'",
        r"\bopening file '(?P<file>[^']+)'",
        r"\bopening directory '(?P<file>[^']+)'",
        // Nix's git fetcher (2.14+): a file of the flake that git does not track.
        r#"\bPath '(?P<file>[^']+)' in the repository "?(?P<dir>/[^"]+?)"? is not tracked by Git"#,
        // nixpkgs' check-meta: `Package ‘x’ in /nix/store/…/default.nix:73 is marked as broken`
        // (until 2024) and `Refusing to evaluate package 'x' in /nix/store/…:73 because it …`.
        r"\b[Pp]ackage [‘'][^’']*[’'] in (?P<file>/[^\s:]+):(?P<line>\d+)\b",
        // Nix's call errors before 2.18: `anonymous function at /…/x.nix:1:1 called without
        // required argument 'y'`, `'f' at /…/x.nix:3:5 called with unexpected argument 'z'`.
        r"(?:anonymous function|[‘'][^’']+[’']) at (?P<file>/[^\s:]+):(?P<line>\d+):(?P<column>\d+) called with",
        // nixpkgs' module system (lib/modules.nix) lists the definitions of an option it
        // rejects: `- In `/nix/store/…-source/hosts/a.nix': true`.
        r"^\s*- In [`‘'](?P<file>/[^'’`]+)['’]",
        // nixpkgs' setup.sh: `substituteStream() in derivation x: ERROR: pattern a doesn't
        // match anything in file 'src/x.c'` and `substitute(): ERROR: file 'x' does not exist`.
        r"doesn't match anything in file '(?P<file>[^']+)'",
        r"\bsubstitute\w*\(\)(?: in derivation \S+)?: ERROR: file '(?P<file>[^']+)' does not exist",
        // nixpkgs' patchPhase: `applying patch /nix/store/…-fix-build.patch` (cited only when
        // that patch failed).
        r"\bapplying patch (?P<file>\S+)\s*$",
    ]
    .iter()
    .map(|w| Regex::new(w).expect("valid regex"))
    .collect()
});

/// The first file `text` names.
pub fn in_text(text: &str) -> Option<Named> {
    WORDINGS.iter().find_map(|re| {
        let c = re.captures(text)?;
        let number = |g: &str| c.name(g).and_then(|m| m.as_str().parse().ok());
        let file = c.name("file")?.as_str();
        let file = match c.name("dir") {
            Some(dir) => format!("{}/{file}", dir.as_str().trim_end_matches('/')),
            None => file.to_owned(),
        };
        Some(Named {
            file,
            line: number("line"),
            column: number("column"),
        })
    })
}

/// The first file the cited lines name, else for a Nix message the first its lines name. A
/// builder's other output names files the failure is not about (patches applied before, files
/// a build step read).
pub fn in_site(site: &Site, cited: &[usize]) -> Option<Named> {
    let message = match site.kind {
        SiteKind::Message => site.lines.as_slice(),
        _ => &[],
    };
    cited
        .iter()
        .filter_map(|&i| site.lines.get(i))
        .chain(message)
        .find_map(|l| in_text(&l.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str) -> (String, Option<u32>, Option<u32>) {
        let n = in_text(text).unwrap_or_else(|| panic!("no file in {text}"));
        (n.file, n.line, n.column)
    }

    const STORE: &str = "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source";

    #[test]
    fn nix_file_errors() {
        for text in [
            format!("error: path '{STORE}/modules/tool.nix' does not exist"),
            format!(
                "error: getting status of '{STORE}/modules/tool.nix': No such file or directory"
            ),
            format!("error: opening file '{STORE}/modules/tool.nix': No such file or directory"),
            format!("error: opening directory '{STORE}/modules/tool.nix': Not a directory"),
        ] {
            assert_eq!(
                named(&text),
                (format!("{STORE}/modules/tool.nix"), None, None)
            );
        }
        assert_eq!(
            named("error: Path 'modules/tool.nix' in the repository \"/home/u/cfg\" is not tracked by Git."),
            ("/home/u/cfg/modules/tool.nix".into(), None, None)
        );
        assert_eq!(
            named("error: Path 'tool.nix' in the repository /home/u/cfg is not tracked by Git."),
            ("/home/u/cfg/tool.nix".into(), None, None)
        );
    }

    #[test]
    fn check_meta_refusals_old_and_new() {
        let file = format!("{STORE}/pkgs/by-name/ol/oldlib/package.nix");
        for text in [
            format!("error: Package ‘oldlib-0.3’ in {file}:73 is marked as broken, refusing to evaluate."),
            format!("error: Package ‘oldlib-0.3’ in {file}:73 has an unfree license (‘unfree’), refusing to evaluate."),
            format!("error: Package ‘oldlib-0.3’ in {file}:73 is marked as insecure, refusing to evaluate."),
            format!("error: Package ‘oldlib-0.3’ in {file}:73 is not available on the requested hostPlatform:"),
            format!("error: Package ‘oldlib-0.3’ in {file}:73 is not supported on ‘x86_64-darwin’, refusing to evaluate."),
            format!("error: Refusing to evaluate package 'oldlib-0.3' in {file}:73 because it is marked as broken"),
            format!("error: Refusing to evaluate package 'oldlib-0.3' in {file}:73 because it has an unfree license ('unfree')"),
            format!("error: Refusing to evaluate package 'oldlib-0.3' in {file}:73 because it has problems:"),
        ] {
            assert_eq!(named(&text), (file.clone(), Some(73), None), "{text}");
        }
    }

    #[test]
    fn call_errors_name_the_function() {
        assert_eq!(
            named(&format!("error: anonymous function at {STORE}/tool.nix:1:1 called without required argument 'grpc'")),
            (format!("{STORE}/tool.nix"), Some(1), Some(1))
        );
        assert_eq!(
            named(&format!(
                "error: 'mkThing' at {STORE}/lib.nix:3:14 called with unexpected argument 'b'"
            )),
            (format!("{STORE}/lib.nix"), Some(3), Some(14))
        );
    }

    #[test]
    fn setup_sh_substitutions() {
        assert_eq!(
            named("       > substituteStream() in derivation foo-1.2: ERROR: pattern /usr/bin/env doesn't match anything in file 'src/config.c'"),
            ("src/config.c".into(), None, None)
        );
        assert_eq!(
            named("substituteStream(): WARNING: pattern '/usr/bin' doesn't match anything in file 'Makefile'"),
            ("Makefile".into(), None, None)
        );
        assert_eq!(
            named(
                "       > substitute(): ERROR: file 'logo/nix-snowflake-white.svg' does not exist"
            ),
            ("logo/nix-snowflake-white.svg".into(), None, None)
        );
    }

    #[test]
    fn module_system_definitions() {
        assert_eq!(
            named(&format!("       - In `{STORE}/hosts/a.nix': true")),
            (format!("{STORE}/hosts/a.nix"), None, None)
        );
        assert_eq!(in_text("       - In `<unknown-file>': true"), None);
    }

    #[test]
    fn the_patch_being_applied() {
        assert_eq!(
            named("       > applying patch /nix/store/isxfqn22xvr76yy4ig4c31g3zvy60img-fix-port.patch"),
            ("/nix/store/isxfqn22xvr76yy4ig4c31g3zvy60img-fix-port.patch".into(), None, None)
        );
        assert_eq!(
            named(
                "server> applying patch /nix/store/isxfqn22xvr76yy4ig4c31g3zvy60img-fix-port.patch"
            ),
            (
                "/nix/store/isxfqn22xvr76yy4ig4c31g3zvy60img-fix-port.patch".into(),
                None,
                None
            )
        );
    }

    #[test]
    fn messages_without_a_file() {
        for text in [
            "error: cannot find flake 'flake:nixpkgz' in the flake registries",
            "error: file 'nixpkgs' was not found in the Nix search path (add it using $NIX_PATH or -I)",
            "error: undefined variable 'foo'",
        ] {
            assert_eq!(in_text(text), None, "{text}");
        }
    }
}
