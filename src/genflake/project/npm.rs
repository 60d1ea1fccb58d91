//! npm projects: `package.json` (name without its scope, version); `package-lock.json` is what
//! buildNpmPackage fetches the dependencies from; its `build` script, if any, is the build.

use std::path::Path;

use super::{dir_name, read, Builder, Detected, Detector};

pub struct Npm;

impl Detector for Npm {
    fn id(&self) -> &'static str {
        "npm"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let manifest: serde_json::Value = serde_json::from_str(&read(dir, "package.json")?).ok()?;
        let field = |k: &str| manifest.get(k).and_then(|v| v.as_str());
        let name = field("name").map(|n| n.rsplit('/').next().unwrap_or(n).to_owned());
        let mut unresolved = Vec::new();
        if !dir.join("package-lock.json").is_file() {
            unresolved.push("package-lock.json (run `npm install --package-lock-only`)".into());
        }
        Some(Detected {
            kind: self.id(),
            file: "package.json",
            pname: name.unwrap_or_else(|| dir_name(dir)),
            version: field("version").unwrap_or("0.1.0").to_owned(),
            builder: Builder::Npm {
                build_script: manifest.pointer("/scripts/build").is_some(),
            },
            native: vec!["nodejs".into()],
            libs: vec![],
            unresolved,
        })
    }
}
