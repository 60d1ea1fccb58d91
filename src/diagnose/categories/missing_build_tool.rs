//! missing_build_tool: the builder ran a command that is not on its PATH, because the
//! package that provides it is not in nativeBuildInputs.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};
use crate::knowledge as packages;
use crate::log::LogLine;

pub struct MissingBuildTool;

/// Each pattern captures the command's name.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // bash, dash and busybox sh: `x: command not found`, `sh: x: not found`, `sh: 1: x: not found`
        r"(?:^|: )([A-Za-z0-9_+][A-Za-z0-9_.+-]*): (?:command )?not found$",
        // zsh, fish
        r"command not found: ([A-Za-z0-9_+][A-Za-z0-9_.+-]*)$",
        r"Unknown command:? '?([A-Za-z0-9_+][A-Za-z0-9_.+-]*)'?$",
        // env(1) in a shebang: coreutils, busybox
        r"env: [‘'`]([^’'`]+)[’'`]: No such file or directory",
        r"env: can't execute '([^']+)': No such file or directory",
        // a program starting another one: Python, Node, Go, cc-rs
        r"FileNotFoundError: \[Errno 2\] No such file or directory: '([^'/]+)'",
        r"spawn ([A-Za-z0-9_.+-]+) ENOENT",
        r#"exec: "([^"/]+)": executable file not found in \$PATH"#,
        r#"failed to find tool "([^"]+)""#,
        // Rust -sys crates (possibly wrapped over two lines), meson, CMake, autoconf, cmake-rs
        r"`?(pkg-config)`? (?:command |utility )?could not be found",
        r"The (pkg-config) (?:command|script) could not be found",
        r"Did not find (pkg-config) by name",
        r"Could NOT find Pkg(Config) \(missing: PKG_CONFIG_EXECUTABLE\)",
        r"is `([a-z0-9-]+)` not installed\?",
        r"Could not find `(protoc)`",
        r"Program '([^']+)' not found or not executable",
        r"Program\(s\) \['([^']+)'.*\] not found or not executable",
        r"Failed to find program '([^']+)'",
        r"(?:error|Error): [Cc]an't find program ['`]?([A-Za-z0-9_.+-]+)",
        // CMake without make/ninja
        r#"unable to find a build program corresponding to "(Unix Makefiles|Ninja)""#,
        r"(CMAKE_MAKE_PROGRAM) is not set",
        r"no acceptable (C compiler|C\+\+ compiler) found in \$PATH",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});

/// Names a failed lookup reports that are not tools the build could have had.
const NOT_TOOLS: &[&str] = &["Package", "package", "file", "File", "it", "Config"];

/// The command a captured name stands for.
fn command_name(captured: &str) -> &str {
    match captured {
        "Config" => "pkg-config",
        "Unix Makefiles" | "CMAKE_MAKE_PROGRAM" => "make",
        "Ninja" => "ninja",
        "C compiler" => "cc",
        "C++ compiler" => "c++",
        other => other,
    }
}

/// The first missing tool the site reports, with the lines that say so. A message may be
/// wrapped over two lines (`... unfortunately `pkg-config`` / `could not be found.`), so each
/// line is also tried joined with the next one.
fn missing_tool(site: &Site) -> Option<(Vec<&LogLine>, String)> {
    let lines = &site.lines;
    let find = |text: &str| {
        PATTERNS.iter().find_map(|re| {
            let c = re.captures(text)?;
            let tool = command_name(&c[1]);
            (!NOT_TOOLS.contains(&tool)).then(|| tool.to_owned())
        })
    };
    lines.iter().enumerate().find_map(|(i, l)| {
        if let Some(tool) = find(&l.text) {
            return Some((vec![l], tool));
        }
        let next = lines.get(i + 1).filter(|n| n.number == l.number + 1)?;
        if find(&next.text).is_some() {
            return None;
        }
        let joined = format!("{} {}", l.text.trim_end(), next.text.trim_start());
        find(&joined).map(|tool| (vec![l, next], tool))
    })
}

/// Whether the site shows that the pkg-config executable itself is missing; a library that
/// pkg-config "cannot find" is then a consequence.
pub(super) fn pkg_config_missing(site: &Site) -> bool {
    missing_tool(site).is_some_and(|(_, tool)| tool == "pkg-config")
}

impl Category for MissingBuildTool {
    fn id(&self) -> &'static str {
        "missing_build_tool"
    }
    fn title(&self) -> &'static str {
        "Build tool not found"
    }
    fn doc(&self) -> &'static str {
        "The build ran a command (pkg-config, cmake, make, protoc, python3, ...) that is not on \
its PATH. In the Nix sandbox nothing from the host is available: a tool exists only if a \
package providing it is in the derivation's `nativeBuildInputs` (or a devShell's `packages`).

Why: the tool was never listed, or it was put in `buildInputs`, which is for libraries \
linked into the result and does not put executables on PATH when cross-compiling and is \
the wrong place by convention. Rust `-sys` crates often say \"`pkg-config` could not be \
found\"; shells say `make: command not found` or `sh: 1: make: not found`; scripts with \
`#!/usr/bin/env python` say `env: 'python': No such file or directory`.

Fix: add the package that provides the command to `nativeBuildInputs`, and to the function's \
arguments:

    # before
    { stdenv, openssl }:
    stdenv.mkDerivation { buildInputs = [ openssl ]; }
    # after
    { stdenv, openssl, pkg-config }:
    stdenv.mkDerivation { nativeBuildInputs = [ pkg-config ]; buildInputs = [ openssl ]; }

For a `#!/usr/bin/env` script, `patchShebangs` (run automatically on the output, or \
explicitly on sources in `postPatch`) rewrites the interpreter path once the interpreter \
is in the inputs."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "not found",
            "No such file or directory",
            "could not be found",
            "`pkg-config`",
            "Did not find pkg-config",
            "Could NOT find PkgConfig",
            "not installed?",
            "Could not find `protoc`",
            "not found or not executable",
            "Failed to find program",
            "find program",
            "Unknown command",
            "ENOENT",
            "executable file not found",
            "failed to find tool",
            "build program corresponding",
            "CMAKE_MAKE_PROGRAM",
            "no acceptable C",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (lines, tool) = missing_tool(site)?;
        let package = packages::for_command(&tool);
        let fix = match package {
            Some(p) => format!(
                "add `{p}` to nativeBuildInputs (and to the package function's arguments) so `{tool}` is on PATH during the build"
            ),
            None => format!(
                "add the package that provides `{tool}` to nativeBuildInputs so it is on PATH during the build"
            ),
        };
        // Without pkg-config every library lookup through it fails too: this is the root
        // cause, ahead of missing_library.
        let confidence = if tool == "pkg-config" { 0.92 } else { 0.9 };
        let mut v = Verdict::new(
            confidence,
            format!("`{tool}` is not on PATH during the build"),
        )
        .fix(fix);
        for l in lines {
            v = v.cite(site, l);
        }
        v = v.fact("tool", tool.clone());
        if let Some(p) = package {
            v = v
                .attribute(format!("nativeBuildInputs ({p})"))
                .fact("attr", p);
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn shells_and_crates() {
        for (log, tool) in [
            ("sh: pkg-config: not found\n", "pkg-config"),
            ("/build/src/build.sh: line 3: cmake: command not found\n", "cmake"),
            ("/nix/store/x-stdenv-linux/setup: line 1366: make: command not found\n", "make"),
            ("zsh: command not found: ninja\n", "ninja"),
            ("  It looks like you're compiling on Linux. ... `pkg-config` could not be found. If you\n", "pkg-config"),
            ("/usr/bin/env: 'python3': No such file or directory\n", "python3"),
            ("/usr/bin/env: ‘python’: No such file or directory\n", "python"),
            ("meson.build:40:0: ERROR: Program 'glib-compile-resources' not found or not executable\n", "glib-compile-resources"),
            ("  CMake was unable to find a build program corresponding to \"Ninja\".  CMAKE_MAKE_PROGRAM is not set.\n", "ninja"),
            ("FileNotFoundError: [Errno 2] No such file or directory: 'git'\n", "git"),
            ("go: exec: \"gcc\": executable file not found in $PATH\n", "gcc"),
        ] {
            let v = verdict_for(&MissingBuildTool, log).unwrap_or_else(|| panic!("{log}"));
            assert!(v.summary.contains(tool), "{} / {tool}", v.summary);
        }
    }

    #[test]
    fn message_wrapped_over_two_lines() {
        let log = "requires the `pkg-config` utility to find OpenSSL but unfortunately `pkg-config`\ncould not be found. If you have OpenSSL installed you can likely fix this by\n";
        let v = verdict_for(&MissingBuildTool, log).unwrap();
        assert!(v.summary.contains("pkg-config"));
        assert_eq!(v.evidence.len(), 2);
    }

    #[test]
    fn library_lookups_are_not_tools() {
        assert!(verdict_for(&MissingBuildTool, "Package 'openssl' not found\n").is_none());
        assert!(verdict_for(
            &MissingBuildTool,
            "fatal error: zlib.h: No such file or directory\n"
        )
        .is_none());
        assert!(verdict_for(
            &MissingBuildTool,
            "FileNotFoundError: [Errno 2] No such file or directory: '/build/data.json'\n"
        )
        .is_none());
    }
}
