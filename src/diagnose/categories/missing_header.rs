//! missing_header: the C/C++ compiler could not find an `#include`d header, because the
//! library that ships it is not in buildInputs.

use std::sync::LazyLock;

use regex::Regex;

use super::missing_library::add_to_build_inputs;
use crate::diagnose::{Category, Site, Verdict};
use crate::knowledge as packages;

pub struct MissingHeader;

/// gcc (`x.c:1:10: fatal error: zlib.h: No such file or directory`) and clang
/// (`fatal error: 'openssl/ssl.h' file not found`); only header-like names, so a missing
/// source file is not taken for a header.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?:fatal )?error: ([A-Za-z0-9_+./-]+\.(?:h|hh|hpp|hxx|H|inc)): No such file or directory",
        r"(?:fatal )?error: '([A-Za-z0-9_+./-]+\.(?:h|hh|hpp|hxx|H|inc))' file not found",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});

impl Category for MissingHeader {
    fn id(&self) -> &'static str {
        "missing_header"
    }
    fn title(&self) -> &'static str {
        "Header file not found"
    }
    fn doc(&self) -> &'static str {
        "The C or C++ compiler could not find a header named in an `#include` (`zlib.h`, \
`openssl/ssl.h`, ...). Headers come from library packages: in the Nix sandbox the compiler \
sees only the headers of the derivation's `buildInputs`, never /usr/include.

Why: the library that ships the header is not in `buildInputs` (it may be installed on the \
host, which the sandbox does not see), or it was put in `nativeBuildInputs`, which is for \
tools that run during the build. gcc says \"fatal error: zlib.h: No such file or \
directory\", clang \"fatal error: 'zlib.h' file not found\".

Fix: add the package that provides the header to `buildInputs`:

    # before
    stdenv.mkDerivation { pname = \"app\"; ... }
    # after
    stdenv.mkDerivation { pname = \"app\"; ...; buildInputs = [ zlib ]; }

When the header is found in a subdirectory (`include/SDL2/SDL.h` included as `SDL.h`), the \
build needs the library's pkg-config or CMake file to add the include path: add `pkg-config` \
to `nativeBuildInputs` too."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["No such file or directory", "file not found"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, header) = PATTERNS.iter().find_map(|re| site.capture(re))?;
        let package = packages::for_header(&header);
        let fix = match package {
            Some(p) => add_to_build_inputs(&[p], false),
            None => format!(
                "add the package that provides `{header}` to buildInputs (find it with `nix-locate -w include/{header}` from nix-index, or on search.nixos.org)"
            ),
        };
        let mut v = Verdict::new(
            if package.is_some() { 0.93 } else { 0.88 },
            format!("the compiler cannot find the header `{header}`"),
        )
        .cite(site, line)
        .fix(fix);
        v = v.fact("header", header.clone());
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
    fn gcc_and_clang() {
        for (log, attr) in [
            ("src/gz.c:3:10: fatal error: zlib.h: No such file or directory\n    3 | #include <zlib.h>\n", "zlib"),
            ("src/tls.c:1:10: fatal error: 'openssl/ssl.h' file not found\n#include <openssl/ssl.h>\n", "openssl"),
            ("wrapper.h:1:10: fatal error: 'X11/Xlib.h' file not found\n", "xorg.libX11"),
        ] {
            let v = verdict_for(&MissingHeader, log).unwrap_or_else(|| panic!("{log}"));
            assert_eq!(v.attribute.as_deref(), Some(format!("buildInputs ({attr})").as_str()));
        }
        let v = verdict_for(
            &MissingHeader,
            "a.c:1:10: fatal error: mylib/api.h: No such file or directory\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("include/mylib/api.h"));
    }

    #[test]
    fn missing_source_file_is_not_a_header() {
        assert!(verdict_for(
            &MissingHeader,
            "cc1: fatal error: src/main.c: No such file or directory\n"
        )
        .is_none());
        assert!(verdict_for(
            &MissingHeader,
            "error: getting status of '/nix/store/x-source/a.h': No such file or directory\n"
        )
        .is_none());
    }
}
