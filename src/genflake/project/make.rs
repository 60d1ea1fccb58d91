//! Plain Makefile projects: the libraries named by `-l` flags and `pkg-config` calls.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{dir_name, libraries, read, Builder, Detected, Detector};

pub struct Make;

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)-l([A-Za-z0-9_+.-]+)").unwrap());
static PKG_CONFIG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"pkg-config\s+(?:--[a-z-]+\s+)+([A-Za-z0-9_+. -]+?)\s*[)`]").unwrap()
});

/// Linked from the C toolchain itself.
const BUILT_IN: &[&str] = &["c", "m", "dl", "rt", "pthread", "stdc++", "gcc"];

impl Detector for Make {
    fn id(&self) -> &'static str {
        "make"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let text = ["GNUmakefile", "makefile", "Makefile"]
            .iter()
            .find_map(|f| read(dir, f))?;
        let mut names: Vec<&str> = LINK
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .filter(|l| !BUILT_IN.contains(l))
            .collect();
        let modules: Vec<&str> = PKG_CONFIG
            .captures_iter(&text)
            .flat_map(|c| c.get(1).unwrap().as_str().split_whitespace())
            .collect();
        names.extend(&modules);
        let (libs, unresolved) = libraries(names, "Makefile");
        Some(Detected {
            kind: self.id(),
            file: "Makefile",
            pname: dir_name(dir),
            version: "0.1.0".into(),
            builder: Builder::Stdenv,
            native: if modules.is_empty() {
                vec![]
            } else {
                vec!["pkg-config".into()]
            },
            libs,
            unresolved,
        })
    }
}
