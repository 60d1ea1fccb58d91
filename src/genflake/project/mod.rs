//! Project detection for `gen-flake DIR`: one detector per ecosystem (cargo, go, npm, python,
//! cmake, meson, make), all run; the first in registry order that matches builds the package,
//! the others add their tools to the devShell.

mod cargo;
mod cmake;
mod go;
mod make;
mod meson;
mod npm;
mod python;

use std::path::Path;

use serde::Serialize;

/// How the package is built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Builder {
    /// `rustPlatform.buildRustPackage` with `cargoLock.lockFile`.
    Rust,
    /// `buildGoModule`; `vendorHash` is null without dependencies.
    Go { has_deps: bool },
    /// `buildNpmPackage` with `npmDepsHash`; `npm run build` only when package.json has a
    /// `build` script (buildNpmPackage fails on a missing one).
    Npm { build_script: bool },
    /// `python3Packages.buildPythonApplication` with these python3Packages attributes as
    /// build-system (the build backend) and dependencies.
    Python {
        build_system: Vec<String>,
        dependencies: Vec<String>,
    },
    /// `stdenv.mkDerivation` (CMake, Meson, make).
    Stdenv,
}

/// What one detector found.
#[derive(Debug, Clone, Serialize)]
pub struct Detected {
    /// The detector id (`cargo`).
    pub kind: &'static str,
    /// The file it recognised (`Cargo.toml`).
    pub file: &'static str,
    pub pname: String,
    pub version: String,
    pub builder: Builder,
    /// Attributes for nativeBuildInputs (build tools).
    pub native: Vec<String>,
    /// Attributes for buildInputs (libraries).
    pub libs: Vec<String>,
    /// Names the project depends on that no table maps, with where they come from.
    pub unresolved: Vec<String>,
}

pub trait Detector: Sync {
    fn id(&self) -> &'static str;
    fn detect(&self, dir: &Path) -> Option<Detected>;
}

/// In order of preference for building the package: a language's own build first.
pub static DETECTORS: &[&dyn Detector] = &[
    &cargo::Cargo,
    &go::Go,
    &npm::Npm,
    &python::Python,
    &meson::Meson,
    &cmake::CMake,
    &make::Make,
];

/// Every detector's finding for `dir`, in registry order.
pub fn detect(dir: &Path) -> Vec<Detected> {
    DETECTORS.iter().filter_map(|d| d.detect(dir)).collect()
}

/// The directory name, as a package name for manifests that give none.
fn dir_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_owned())
}

/// Maps library names (pkg-config modules, CMake packages, `-l` flags) to attributes; the
/// names no table knows are returned apart.
fn libraries<'a>(
    names: impl IntoIterator<Item = &'a str>,
    from: &str,
) -> (Vec<String>, Vec<String>) {
    let mut libs = Vec::new();
    let mut unresolved = Vec::new();
    for n in names {
        match crate::knowledge::for_library(n) {
            Some(a) => libs.push(a.to_owned()),
            None => unresolved.push(format!("{n} ({from})")),
        }
    }
    libs.sort();
    libs.dedup();
    unresolved.sort();
    unresolved.dedup();
    (libs, unresolved)
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn every_detector_runs() {
        let dir = project(&[
            (
                "Cargo.toml",
                "[package]\nname = \"tool\"\nversion = \"1.2.0\"\n",
            ),
            (
                "Cargo.lock",
                "[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.0\"\n",
            ),
            ("Makefile", "all:\n\tcargo build\n"),
        ]);
        let found = detect(dir.path());
        let kinds: Vec<&str> = found.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["cargo", "make"]);
        assert_eq!(found[0].pname, "tool");
        assert_eq!(found[0].version, "1.2.0");
        assert_eq!(found[0].libs, ["openssl"]);
        assert_eq!(found[0].native, ["pkg-config"]);
    }

    #[test]
    fn c_projects_name_their_libraries() {
        let dir = project(&[(
            "CMakeLists.txt",
            "project(zipper VERSION 0.3 LANGUAGES C)\nfind_package(ZLIB REQUIRED)\nfind_package(PkgConfig)\npkg_check_modules(SSL REQUIRED IMPORTED_TARGET openssl)\nfind_package(Frobnicator)\n",
        )]);
        let d = &detect(dir.path())[0];
        assert_eq!(
            (d.kind, d.pname.as_str(), d.version.as_str()),
            ("cmake", "zipper", "0.3")
        );
        assert_eq!(d.libs, ["openssl", "zlib"]);
        assert_eq!(d.native, ["cmake", "pkg-config"]);
        assert_eq!(d.unresolved, ["Frobnicator (find_package)"]);

        let dir = project(&[(
            "meson.build",
            "project('viewer', 'c', version : '2.0')\ngtk = dependency('gtk+-3.0')\nm = dependency('m', required: false)\n",
        )]);
        let d = &detect(dir.path())[0];
        assert_eq!((d.kind, d.pname.as_str()), ("meson", "viewer"));
        assert_eq!(d.libs, ["gtk3"]);

        let dir = project(&[("Makefile", "LDLIBS = -lz -lcrypto\nall: app\n")]);
        let d = &detect(dir.path())[0];
        assert_eq!(d.kind, "make");
        assert_eq!(d.libs, ["openssl", "zlib"]);
    }

    #[test]
    fn go_npm_python() {
        let dir = project(&[
            ("go.mod", "module example.org/tools/fetcher\n\ngo 1.22\n"),
            ("go.sum", "example.org/x v1.0.0 h1:abc=\n"),
        ]);
        let d = &detect(dir.path())[0];
        assert_eq!(d.pname, "fetcher");
        assert_eq!(d.builder, Builder::Go { has_deps: true });

        let dir = project(&[(
            "package.json",
            "{\"name\": \"@acme/web\", \"version\": \"3.1.0\"}",
        )]);
        let d = &detect(dir.path())[0];
        assert_eq!((d.pname.as_str(), d.version.as_str()), ("web", "3.1.0"));
        assert_eq!(
            d.builder,
            Builder::Npm {
                build_script: false
            }
        );
        let dir = project(&[("package.json", "{\"scripts\": {\"build\": \"tsc\"}}")]);
        let d = &detect(dir.path())[0];
        assert_eq!(d.builder, Builder::Npm { build_script: true });

        let dir = project(&[(
            "pyproject.toml",
            "[build-system]\nrequires = [\"hatchling>=1.18\"]\n[project]\nname = \"report\"\nversion = \"0.4\"\ndependencies = [\"requests>=2\", \"PyYAML\", \"nosuchlib\"]\n",
        )]);
        let d = &detect(dir.path())[0];
        assert_eq!(
            d.builder,
            Builder::Python {
                build_system: vec!["hatchling".into()],
                dependencies: vec!["requests".into(), "pyyaml".into()]
            }
        );
        assert_eq!(d.unresolved, ["nosuchlib (pyproject.toml)"]);

        // Requirements only: setuptools builds setup.py, and without one there is nothing to build.
        let dir = project(&[("requirements.txt", "numpy\nrequests==2.31 # http\nnumpy\n")]);
        let d = &detect(dir.path())[0];
        assert_eq!(
            d.builder,
            Builder::Python {
                build_system: vec!["setuptools".into()],
                dependencies: vec!["numpy".into(), "requests".into()]
            }
        );
        assert_eq!(
            d.unresolved,
            ["setup.py or pyproject.toml (the package has no build)"]
        );
    }
}
