//! missing_build_tool: the builder ran a command that is not on its PATH, because the
//! package that provides it is not in nativeBuildInputs.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};
use crate::fix::packages;

pub struct MissingBuildTool;

/// Each pattern captures the command's name.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // bash, dash and busybox sh: `x: command not found`, `sh: x: not found`, `sh: 1: x: not found`
        r"(?:^|: )([A-Za-z0-9_+][A-Za-z0-9_.+-]*): (?:command )?not found$",
        // env(1) in a shebang
        r"env: [‘'`]([^’'`]+)[’'`]: No such file or directory",
        // Rust -sys crates, meson, CMake's FindPkgConfig, cmake-rs, prost-build
        r"`?(pkg-config)`? (?:command )?could not be found",
        r"The (pkg-config) command could not be found",
        r"Did not find (pkg-config) by name",
        r"Could NOT find Pkg(Config) \(missing: PKG_CONFIG_EXECUTABLE\)",
        r"is `([a-z0-9-]+)` not installed\?",
        r"Could not find `(protoc)`",
        r"Program '([^']+)' not found or not executable",
        r"Failed to find program '([^']+)'",
        r"(?:error|Error): [Cc]an't find program ['`]?([A-Za-z0-9_.+-]+)",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});

/// Names a failed lookup reports that are not tools the build could have had.
const NOT_TOOLS: &[&str] = &["Package", "package", "file", "File", "it", "Config"];

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
found\".

Fix: add the package that provides the command to `nativeBuildInputs`, and to the function's \
arguments:

    # before
    { stdenv, openssl }:
    stdenv.mkDerivation { buildInputs = [ openssl ]; }
    # after
    { stdenv, openssl, pkg-config }:
    stdenv.mkDerivation { nativeBuildInputs = [ pkg-config ]; buildInputs = [ openssl ]; }"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "not found",
            "No such file or directory",
            "could not be found",
            "Did not find pkg-config",
            "Could NOT find PkgConfig",
            "not installed?",
            "Could not find `protoc`",
            "not found or not executable",
            "Failed to find program",
            "find program",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, tool) = site.lines.iter().find_map(|l| {
            PATTERNS.iter().find_map(|re| {
                let c = re.captures(&l.text)?;
                let tool = c[1].to_owned();
                let tool = if tool == "Config" {
                    "pkg-config".to_owned()
                } else {
                    tool
                };
                (!NOT_TOOLS.contains(&tool.as_str())).then_some((l, tool))
            })
        })?;
        let package = packages::for_command(&tool);
        let fix = match package {
            Some(p) => format!(
                "add `{p}` to nativeBuildInputs (and to the package function's arguments) so `{tool}` is on PATH during the build"
            ),
            None => format!(
                "add the package that provides `{tool}` to nativeBuildInputs so it is on PATH during the build"
            ),
        };
        let mut v = Verdict::new(0.9, format!("`{tool}` is not on PATH during the build"))
            .cite(site, line)
            .fix(fix);
        if let Some(p) = package {
            v = v.attribute(format!("nativeBuildInputs ({p})"));
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
            ("  It looks like you're compiling on Linux. ... `pkg-config` could not be found. If you\n", "pkg-config"),
            ("/usr/bin/env: 'python3': No such file or directory\n", "python3"),
        ] {
            let v = verdict_for(&MissingBuildTool, log).unwrap_or_else(|| panic!("{log}"));
            assert!(v.summary.contains(tool), "{} / {tool}", v.summary);
        }
    }

    #[test]
    fn library_lookups_are_not_tools() {
        assert!(verdict_for(&MissingBuildTool, "Package 'openssl' not found\n").is_none());
        assert!(verdict_for(
            &MissingBuildTool,
            "fatal error: zlib.h: No such file or directory\n"
        )
        .is_none());
    }
}
