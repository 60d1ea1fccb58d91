//! Cargo projects: `Cargo.toml` (name, version) and the system libraries its `-sys` crates in
//! `Cargo.lock` link.

use std::path::Path;

use super::{dir_name, libraries, read, Builder, Detected, Detector};

pub struct Cargo;

impl Detector for Cargo {
    fn id(&self) -> &'static str {
        "cargo"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let manifest: toml::Table = read(dir, "Cargo.toml")?.parse().ok()?;
        let package = manifest.get("package").and_then(|p| p.as_table());
        let field = |k: &str| {
            package
                .and_then(|p| p.get(k))
                .and_then(|v| v.as_str())
                .map(String::from)
        };
        let lock = read(dir, "Cargo.lock").unwrap_or_default();
        let sys: Vec<&str> = lock
            .lines()
            .filter_map(|l| l.strip_prefix("name = \"")?.strip_suffix("-sys\""))
            .collect();
        let (libs, mut unresolved) = libraries(sys, "a -sys crate");
        if lock.is_empty() {
            unresolved.push("Cargo.lock (run `cargo generate-lockfile`)".into());
        }
        Some(Detected {
            kind: self.id(),
            file: "Cargo.toml",
            pname: field("name").unwrap_or_else(|| dir_name(dir)),
            version: field("version").unwrap_or_else(|| "0.1.0".into()),
            builder: Builder::Rust,
            native: if libs.is_empty() {
                vec![]
            } else {
                vec!["pkg-config".into()]
            },
            libs,
            unresolved,
        })
    }
}
