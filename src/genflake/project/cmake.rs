//! CMake projects: `project(NAME VERSION x)`, and the libraries `find_package` and
//! `pkg_check_modules` name.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{dir_name, libraries, read, Builder, Detected, Detector};

pub struct CMake;

static PROJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bproject\s*\(\s*([A-Za-z0-9_.+-]+)(?:[^)]*?\bVERSION\s+([0-9][0-9.]*))?")
        .unwrap()
});
static FIND_PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bfind_package\s*\(\s*([A-Za-z0-9_.+-]+)").unwrap());
static PKG_CHECK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bpkg_(?:check|search)_modules?\s*\(\s*[A-Za-z0-9_]+((?:\s+[^)\s]+)*)\s*\)")
        .unwrap()
});

/// CMake modules that find tools, not libraries.
const NOT_LIBRARIES: &[&str] = &[
    "PkgConfig",
    "Threads",
    "Git",
    "Python",
    "Python3",
    "Doxygen",
];

impl Detector for CMake {
    fn id(&self) -> &'static str {
        "cmake"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let text = read(dir, "CMakeLists.txt")?;
        let project = PROJECT.captures(&text);
        let packages = FIND_PACKAGE
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .filter(|p| !NOT_LIBRARIES.contains(p));
        let modules: Vec<&str> = PKG_CHECK
            .captures_iter(&text)
            .flat_map(|c| c.get(1).unwrap().as_str().split_whitespace())
            .filter(|w| !w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .map(|w| w.split(['>', '<', '=']).next().unwrap_or(w))
            .collect();
        let (mut libs, mut unresolved) = libraries(packages, "find_package");
        let (more, missing) = libraries(modules.iter().copied(), "pkg_check_modules");
        libs.extend(more);
        libs.sort();
        libs.dedup();
        unresolved.extend(missing);
        let mut native = vec!["cmake".to_owned()];
        if !modules.is_empty() {
            native.push("pkg-config".into());
        }
        Some(Detected {
            kind: self.id(),
            file: "CMakeLists.txt",
            pname: project
                .as_ref()
                .map_or_else(|| dir_name(dir), |c| c[1].to_owned()),
            version: project
                .as_ref()
                .and_then(|c| c.get(2))
                .map_or("0.1.0".into(), |v| v.as_str().to_owned()),
            builder: Builder::Stdenv,
            native,
            libs,
            unresolved,
        })
    }
}
