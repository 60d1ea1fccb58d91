//! network_in_build: the package's own build tool (cargo, npm, pip, go, git, gradle, ...)
//! tried to reach the network inside the sandbox, where only fixed-output derivations may.

use std::sync::LazyLock;

use regex::Regex;

use super::download_failed::is_fetcher;
use super::test_failure::in_check_phase;
use crate::diagnose::{Category, Site, Verdict};
use crate::log::LogLine;

pub struct NetworkInBuild;

/// The tool that reached for the network, which decides how to vendor its dependencies.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Tool {
    Cargo,
    Node,
    Pip,
    Go,
    GoVendor,
    Jvm,
    Other,
}

static PATTERNS: LazyLock<Vec<(Regex, Tool)>> = LazyLock::new(|| {
    use Tool::*;
    [
        (r"failed to get `([^`]+)` as a dependency of package", Cargo),
        (r"failed to download from `([^`]+)`", Cargo),
        (r"failed to load source for dependency `([^`]+)`", Cargo),
        (r"Unable to update registry `([^`]+)`", Cargo),
        (
            r"npm (?:ERR!|error) code (ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH)",
            Node,
        ),
        (r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (\S+)", Node),
        (r"ERR_PNPM_\w*FETCH\w*", Node),
        (r"Could not fetch URL (\S+?):? ", Pip),
        (r"No matching distribution found for (\S+)", Pip),
        (
            r"Could not find a version that satisfies the requirement (\S+)",
            Pip,
        ),
        (r"module lookup disabled by GOPROXY=off", GoVendor),
        (r"dial tcp: lookup (\S+?)(?: on |: )", Go),
        (r"Could not GET '([^']+)'", Jvm),
        (r"Could not transfer artifact (\S+)", Jvm),
        (
            r"Could not resolve all (?:files|dependencies|artifacts) for configuration '([^']+)'",
            Jvm,
        ),
        (r"Could not fetch specs from (\S+)", Other),
        (r"Unable to load the service index for source (\S+)", Other),
        (r"Could not resolve host:? '?([A-Za-z0-9.-]+)", Other),
        (r"Couldn't resolve host name", Other),
        (r"unable to resolve host address '?([A-Za-z0-9.-]+)", Other),
        (r"Temporary failure in name resolution", Other),
        (r"Name or service not known", Other),
        (r"Network is unreachable", Other),
    ]
    .into_iter()
    .map(|(p, t)| (Regex::new(p).expect("valid regex"), t))
    .collect()
});

/// The tool a generic network error belongs to, from the other lines of the site.
fn tool_of(site: &Site, tool: Tool) -> Tool {
    if tool != Tool::Other {
        return tool;
    }
    let has = |w: &str| site.line_with(w).is_some();
    if has("crates.io") || has("cargo") {
        Tool::Cargo
    } else if has("npm ") || has("registry.npmjs.org") || has("yarn") {
        Tool::Node
    } else if has("pypi.org") || has("pip") {
        Tool::Pip
    } else if has("proxy.golang.org") || has("go: ") {
        Tool::Go
    } else {
        Tool::Other
    }
}

fn fix(tool: Tool) -> &'static str {
    match tool {
        Tool::Cargo => "build with rustPlatform.buildRustPackage, which vendors the crates of Cargo.lock in a fixed-output derivation (`cargoHash`, or `cargoLock.lockFile` plus `cargoLock.outputHashes` for git dependencies); in a devShell, run cargo outside `nix build`",
        Tool::Node => "build with buildNpmPackage (`npmDepsHash`), or fetch the dependencies with fetchYarnDeps / pnpm.fetchDeps, so they are downloaded by a fixed-output derivation instead of during the build",
        Tool::Pip => "do not pip install in the build: use buildPythonPackage and list the dependencies from python3Packages in `dependencies` (and `build-system`)",
        Tool::Go => "build with buildGoModule, which downloads the modules in a fixed-output derivation checked by `vendorHash`",
        Tool::GoVendor => "the vendored Go modules are missing a module: update `vendorHash` (set it to `lib.fakeHash` and build to get the new value), or set `proxyVendor = true` when the module has no usable vendor directory",
        Tool::Jvm => "download the Gradle/Maven dependencies in a fixed-output derivation: `mitmCache` for Gradle (`gradle.fetchDeps`), `maven.buildMavenPackage` with `mvnHash` for Maven",
        Tool::Other => "fetch what the build downloads beforehand with a fixed-output fetcher (fetchurl, fetchFromGitHub, a language vendoring helper with a dependency hash) and point the build at the local copy",
    }
}

impl Category for NetworkInBuild {
    fn id(&self) -> &'static str {
        "network_in_build"
    }
    fn title(&self) -> &'static str {
        "Network access during the build"
    }
    fn doc(&self) -> &'static str {
        "The package's build tool tried to download something (crates, npm packages, Python \
wheels, Go modules, a git repository) while building. The Nix sandbox has no network: only \
fixed-output derivations, whose result is checked against a hash, may download.

Why: the build runs `cargo build`, `npm install`, `pip install`, `go build` or `git clone` \
as it would on a developer machine, so it resolves dependencies online. Typical messages: \
\"Couldn't resolve host name\", \"getaddrinfo ENOTFOUND registry.npmjs.org\", \"Temporary \
failure in name resolution\", \"dial tcp: lookup proxy.golang.org\", \"failed to get `serde` \
as a dependency of package\".

Fix: let a language helper download the dependencies in a fixed-output derivation, checked \
by a hash:

    # before
    stdenv.mkDerivation { pname = \"app\"; buildPhase = \"cargo build --release\"; ... }
    # after
    rustPlatform.buildRustPackage {
      pname = \"app\"; ...
      cargoHash = \"sha256-...\";   # lib.fakeHash first, then the hash Nix reports
    }

The same holds for `buildNpmPackage` (`npmDepsHash`), `buildGoModule` (`vendorHash`), \
`buildPythonPackage` (dependencies from `python3Packages`), and `fetchFromGitHub` for a \
repository the build would clone."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "as a dependency of package",
            "failed to download from",
            "failed to load source for dependency",
            "Unable to update registry",
            "ENOTFOUND",
            "EAI_AGAIN",
            "ERR_PNPM_",
            "Could not fetch URL",
            "No matching distribution found",
            "Could not find a version that satisfies",
            "GOPROXY=off",
            "dial tcp: lookup",
            "Could not GET",
            "Could not transfer artifact",
            "Could not resolve all",
            "Could not fetch specs",
            "Unable to load the service index",
            "resolve host",
            "Temporary failure in name resolution",
            "Name or service not known",
            "Network is unreachable",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if is_fetcher(site) {
            return None;
        }
        let matches: Vec<(&LogLine, String, Tool)> = site
            .lines
            .iter()
            // Nix's own downloads (substituters, builtin fetchers) are download_failed.
            .filter(|l| !l.text.contains("unable to download"))
            .filter_map(|l| {
                PATTERNS.iter().find_map(|(re, tool)| {
                    let c = re.captures(&l.text)?;
                    let what = c.get(1).map_or(c[0].to_owned(), |m| m.as_str().to_owned());
                    Some((l, what, *tool))
                })
            })
            .collect();
        let (line, what, _) = matches.first()?;
        // A generic DNS error often comes first; a tool-specific line names the tool.
        let tool = matches
            .iter()
            .map(|(_, _, t)| *t)
            .find(|t| *t != Tool::Other)
            .unwrap_or(Tool::Other);
        let tool = tool_of(site, tool);
        let index = site
            .lines
            .iter()
            .position(|l| std::ptr::eq(l, *line))
            .unwrap_or(0);
        // A test that needs the network: the test is the problem, and test_failure (which
        // names it) is the better report.
        if in_check_phase(site, index) {
            return Some(
                Verdict::new(0.8, format!("a test tried to use the network, which the sandbox forbids ({what})"))
                    .cite(site, line)
                    .fix("skip the tests that need network access (`disabledTests` for Python, `checkFlags = [ \"--skip=...\" ]` for Rust, `-skip` for Go) or make them use local data"),
            );
        }
        let summary = match tool {
            Tool::GoVendor => "a Go module is missing from the vendored dependencies (the build may not download it)".to_owned(),
            _ => format!("the build tried to use the network, which the sandbox forbids ({what})"),
        };
        let confidence = match tool {
            Tool::Pip if what.contains("==") || line.text.contains("satisf") => 0.85,
            _ => 0.9,
        };
        Some(
            Verdict::new(confidence, summary)
                .cite(site, line)
                .fix(fix(tool)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    fn app(tail: &str) -> String {
        format!("error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' failed with exit code 1;\n       last 2 log lines:\n{tail}")
    }

    #[test]
    fn build_tools_reaching_out() {
        for (tail, fix_word) in [
            ("       > error: failed to get `serde` as a dependency of package `app v0.1.0 (/build/source)`\n       >   [6] Couldn't resolve host name (Could not resolve host: index.crates.io)\n", "cargoHash"),
            ("       > npm ERR! code ENOTFOUND\n       > npm ERR! network request to https://registry.npmjs.org/left-pad failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org\n", "npmDepsHash"),
            ("       > WARNING: Retrying after connection broken by 'NewConnectionError: [Errno -3] Temporary failure in name resolution': /simple/flask/\n       > ERROR: No matching distribution found for flask\n", "buildPythonPackage"),
            ("       > go: github.com/x/y@v1.2.0: Get \"https://proxy.golang.org/github.com/x/y/@v/v1.2.0.mod\": dial tcp: lookup proxy.golang.org on [::1]:53: read udp: connection refused\n", "vendorHash"),
            ("       > Cloning into 'dep'...\n       > fatal: unable to access 'https://github.com/o/dep/': Could not resolve host: github.com\n", "fixed-output"),
        ] {
            let v = verdict_for(&NetworkInBuild, &app(tail)).unwrap_or_else(|| panic!("{tail}"));
            assert!(v.fix.as_deref().unwrap().contains(fix_word), "{tail}: {:?}", v.fix);
        }
    }

    #[test]
    fn network_in_tests_yields_to_the_test_failure() {
        let v = verdict_for(&NetworkInBuild, &app("       > Running phase: checkPhase\n       > E   socket.gaierror: [Errno -3] Temporary failure in name resolution\n")).unwrap();
        assert!(v.confidence < 0.85);
        assert!(v.fix.unwrap().contains("disabledTests"));
    }

    #[test]
    fn fetchers_and_nix_downloads_are_not_the_build() {
        let fod = "error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-source.drv' failed with exit code 1;\n       last 2 log lines:\n       > trying https://example.org/a.tar.gz\n       > curl: (6) Could not resolve host: example.org\n";
        assert!(verdict_for(&NetworkInBuild, fod).is_none());
        assert!(verdict_for(
            &NetworkInBuild,
            "error: unable to download 'https://example.org/a': Couldn't resolve host name (6)\n"
        )
        .is_none());
    }
}
