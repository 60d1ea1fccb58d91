//! Meson projects: `project('name', ..., version: 'x')` and the `dependency('...')` calls.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{dir_name, libraries, read, Builder, Detected, Detector};

pub struct Meson;

static PROJECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bproject\s*\(\s*'([^']+)'").unwrap());
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bversion\s*:\s*'([^']+)'").unwrap());
static DEPENDENCY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdependency\s*\(\s*'([^']+)'").unwrap());

/// Dependencies meson provides itself or finds in the C library.
const BUILT_IN: &[&str] = &["threads", "m", "dl", "rt", "openmp"];

impl Detector for Meson {
    fn id(&self) -> &'static str {
        "meson"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let text = read(dir, "meson.build")?;
        let deps = DEPENDENCY
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .filter(|d| !BUILT_IN.contains(d));
        let (libs, unresolved) = libraries(deps, "dependency()");
        Some(Detected {
            kind: self.id(),
            file: "meson.build",
            pname: PROJECT
                .captures(&text)
                .map_or_else(|| dir_name(dir), |c| c[1].to_owned()),
            version: VERSION
                .captures(&text)
                .map_or("0.1.0".into(), |c| c[1].to_owned()),
            builder: Builder::Stdenv,
            native: ["meson", "ninja", "pkg-config"].map(String::from).to_vec(),
            libs,
            unresolved,
        })
    }
}
