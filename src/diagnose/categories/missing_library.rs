//! missing_library: the build looked for a library (through pkg-config, meson, CMake, the
//! linker, a Rust `-sys` crate or configure) and it is not among the derivation's inputs.

use std::sync::LazyLock;

use regex::Regex;

use super::missing_build_tool::pkg_config_missing;
use crate::diagnose::{Category, Site, Verdict};
use crate::knowledge as packages;

pub struct MissingLibrary;

/// How a lookup found (or failed to find) a library.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    PkgConfig,
    /// A Rust `-sys` crate, which asks pkg-config.
    Crate,
    CMake,
    Linker,
    Configure,
}

/// Each pattern captures the library's name as the failing tool spells it.
static PATTERNS: LazyLock<Vec<(Regex, Via)>> = LazyLock::new(|| {
    use Via::*;
    [
        // pkg-config and pkgconf, also through CMake's pkg_check_modules and configure
        (r"Package '?([^'\s,]+)'? was not found in the pkg-config search path", PkgConfig),
        (r"No package '([^']+)' found", PkgConfig),
        (r"Package '([^']+)'(?:, required by '[^']*',)? not found", PkgConfig),
        // Rust: the pkg-config and system-deps crates, openssl-sys
        (r"could not find system library '([^']+)' required by the '([^']+)' crate", Crate),
        (r"The system library `([^`]+)` required by crate `([^`]+)` was not found", Crate),
        (r"Could not find directory of (OpenSSL) installation, and this `(-sys)` crate", Crate),
        // meson tries pkg-config first
        (r#"Dependency "([^"]+)" not found"#, PkgConfig),
        (r"Package requirements \(([^\s)]+)", PkgConfig),
        (r"Could NOT find ([A-Za-z0-9_+-]+)", CMake),
        (r#"Could not find a package configuration file provided by "([^"]+)""#, CMake),
        (r"cannot find -l([A-Za-z0-9_+.-]+?)(?::|\s|$)", Linker),
        (r"configure: error: .*?\b(lib[A-Za-z0-9_+-]+)\b.*(?:not found|required|missing|not installed)", Configure),
        (r"configure: error: (?:[Tt]he )?([A-Za-z][A-Za-z0-9_+-]*) (?:library|libraries|development (?:files|package|headers)) (?:was |were |is |are )?(?:not found|required|missing|not installed)", Configure),
    ]
    .into_iter()
    .map(|(p, via)| (Regex::new(p).expect("valid regex"), via))
    .collect()
});

/// Names the patterns can capture that are not libraries.
const NOT_LIBRARIES: &[&str] = &["PkgConfig", "Pkgconfig", "libtool", "library", "libraries"];

/// The fix sentence for packages that belong in buildInputs; with `pkg_config`, the build
/// finds them through pkg-config, which must then be in nativeBuildInputs.
pub(super) fn add_to_build_inputs(attrs: &[&str], pkg_config: bool) -> String {
    let list = attrs.join(" ");
    let mut fix = format!(
        "add `{list}` to buildInputs (and to the package function's arguments): `buildInputs = [ {list} ];`"
    );
    if pkg_config {
        fix.push_str(
            "; the build finds it with pkg-config, so `pkg-config` must be in nativeBuildInputs",
        );
    }
    fix
}

impl Category for MissingLibrary {
    fn id(&self) -> &'static str {
        "missing_library"
    }
    fn title(&self) -> &'static str {
        "Library not found"
    }
    fn doc(&self) -> &'static str {
        "The build looked for a library (OpenSSL, zlib, GTK, ...) and did not find it. In the \
Nix sandbox only the derivation's inputs exist: a library is found only if the package that \
provides it is in `buildInputs`, and, when the build asks pkg-config, pkg-config itself is \
in `nativeBuildInputs`.

Why: the library was never listed (it is installed on the host, which the sandbox does not \
see), or a new version of the software needs a new library. The wordings differ by tool: \
pkg-config \"Package openssl was not found in the pkg-config search path\", meson \
\"Dependency \\\"openssl\\\" not found\", CMake \"Could NOT find OpenSSL\", the linker \
\"cannot find -lssl\", Rust \"could not find system library 'openssl' required by the \
'openssl-sys' crate\" or \"Could not find directory of OpenSSL installation\".

Fix: add the package to `buildInputs`, and pkg-config to `nativeBuildInputs` when the build \
uses it:

    # before
    rustPlatform.buildRustPackage { pname = \"app\"; ... }
    # after
    rustPlatform.buildRustPackage {
      pname = \"app\"; ...
      nativeBuildInputs = [ pkg-config ];
      buildInputs = [ openssl ];
    }

In a devShell, put both in `packages` (or `nativeBuildInputs`/`buildInputs` of `mkShell`)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "in the pkg-config search path",
            "No package '",
            "Package '",
            "could not find system library",
            "required by crate",
            "Could not find directory of OpenSSL",
            "Dependency \"",
            "Package requirements (",
            "Could NOT find",
            "Could not find a package configuration file",
            "cannot find -l",
            "configure: error:",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, name, by, via) = site.lines.iter().find_map(|l| {
            PATTERNS.iter().find_map(|(re, via)| {
                let c = re.captures(&l.text)?;
                let name = c.get(1)?.as_str();
                let by = c.get(2).map(|m| m.as_str().to_owned());
                (!NOT_LIBRARIES.contains(&name)).then(|| (l, name.to_owned(), by, *via))
            })
        })?;
        let package = packages::for_library(&name);
        let pkg_config = matches!(via, Via::PkgConfig | Via::Crate);
        let how = match via {
            Via::PkgConfig => "pkg-config".to_owned(),
            Via::Crate => match by.as_deref() {
                Some("-sys") | None => "a Rust -sys crate".to_owned(),
                Some(c) => format!("the Rust crate {c}"),
            },
            Via::CMake => "CMake".to_owned(),
            Via::Linker => "the linker".to_owned(),
            Via::Configure => "configure".to_owned(),
        };
        // A missing pkg-config executable makes every pkg-config lookup fail: that is the
        // root cause, and missing_build_tool reports it with a higher confidence.
        let confidence = match via {
            _ if pkg_config_missing(site) => 0.8,
            Via::Configure => 0.8,
            _ => 0.9,
        };
        let fix = match package {
            Some(p) => add_to_build_inputs(&[p], pkg_config),
            None => format!(
                "add the nixpkgs package that provides `{name}` to buildInputs{} (find it on search.nixos.org, or with `nix-locate` from nix-index)",
                if pkg_config { " and `pkg-config` to nativeBuildInputs" } else { "" }
            ),
        };
        let mut v = Verdict::new(
            confidence,
            format!("{how} cannot find the library `{name}`"),
        )
        .cite(site, line)
        .fix(fix);
        v = v.fact("name", name.clone()).fact(
            "via",
            match via {
                Via::PkgConfig | Via::Crate => "pkg-config",
                Via::CMake => "cmake",
                Via::Linker => "linker",
                Via::Configure => "configure",
            },
        );
        if let Some(p) = package {
            v = v.attribute(format!("buildInputs ({p})")).fact("attr", p);
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn every_tool_wording() {
        for (log, name, attr) in [
            ("Package openssl was not found in the pkg-config search path.\n", "openssl", "openssl"),
            ("--   No package 'gtk+-3.0' found\n", "gtk+-3.0", "gtk3"),
            ("Package 'libffi', required by 'gobject-2.0', not found\n", "libffi", "libffi"),
            ("meson.build:12:0: ERROR: Dependency \"sqlite3\" not found, tried pkgconfig and cmake\n", "sqlite3", "sqlite"),
            ("  Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)\n", "ZLIB", "zlib"),
            ("/nix/store/x-binutils-2.40/bin/ld: cannot find -lssl: No such file or directory\n", "ssl", "openssl"),
            ("  error: could not find system library 'openssl' required by the 'openssl-sys' crate\n", "openssl", "openssl"),
            ("  The system library `glib-2.0` required by crate `glib-sys` was not found.\n", "glib-2.0", "glib"),
            ("Could not find directory of OpenSSL installation, and this `-sys` crate cannot proceed without this knowledge.\n", "OpenSSL", "openssl"),
            ("configure: error: zlib library not found\n", "zlib", "zlib"),
        ] {
            let v = verdict_for(&MissingLibrary, log).unwrap_or_else(|| panic!("{log}"));
            assert!(v.summary.contains(name), "{} / {name}", v.summary);
            assert_eq!(v.attribute.as_deref(), Some(format!("buildInputs ({attr})").as_str()));
        }
    }

    #[test]
    fn pkg_config_itself_missing_lowers_confidence() {
        let log = "Package openssl was not found in the pkg-config search path.\nrequires the `pkg-config` utility to find OpenSSL but unfortunately `pkg-config`\ncould not be found. If you have OpenSSL installed you can likely fix this by\n";
        assert!(verdict_for(&MissingLibrary, log).unwrap().confidence < 0.9);
    }

    #[test]
    fn near_misses() {
        for log in [
            "  Could NOT find PkgConfig (missing: PKG_CONFIG_EXECUTABLE)\n",
            "-- Found OpenSSL: /nix/store/x-openssl/lib/libcrypto.so\n",
            "configure: error: C compiler cannot create executables\n",
            "Run-time dependency openssl found: YES 3.0.13\n",
        ] {
            assert!(verdict_for(&MissingLibrary, log).is_none(), "{log}");
        }
    }
}
