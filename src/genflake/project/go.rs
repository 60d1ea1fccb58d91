//! Go modules: `go.mod` (the module path names the package), `go.sum` (dependencies, so a
//! vendorHash is needed).

use std::path::Path;

use super::{read, Builder, Detected, Detector};

pub struct Go;

impl Detector for Go {
    fn id(&self) -> &'static str {
        "go"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let module = read(dir, "go.mod")?;
        let path = module
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))?
            .trim()
            .trim_matches('"');
        let has_deps = read(dir, "go.sum").is_some_and(|s| !s.trim().is_empty());
        Some(Detected {
            kind: self.id(),
            file: "go.mod",
            pname: path.rsplit('/').next().unwrap_or(path).to_owned(),
            version: "0.1.0".into(),
            builder: Builder::Go { has_deps },
            native: vec![],
            libs: vec![],
            unresolved: vec![],
        })
    }
}
