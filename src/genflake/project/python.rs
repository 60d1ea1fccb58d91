//! Python projects: `pyproject.toml` (`[project]` name, version, dependencies) or
//! `requirements.txt`; each requirement mapped to a python3Packages attribute.

use std::path::Path;

use super::{dir_name, read, Builder, Detected, Detector};

pub struct Python;

/// The distribution name of a requirement line (`requests>=2; python_version > "3"`).
fn requirement_name(line: &str) -> Option<String> {
    let line = line.split('#').next()?.trim();
    if line.is_empty() || line.starts_with('-') {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    Some(line[..end].to_ascii_lowercase().replace('_', "-"))
}

impl Detector for Python {
    fn id(&self) -> &'static str {
        "python"
    }

    fn detect(&self, dir: &Path) -> Option<Detected> {
        let pyproject: Option<toml::Table> =
            read(dir, "pyproject.toml").and_then(|t| t.parse().ok());
        let requirements = read(dir, "requirements.txt");
        let (file, project) = match (&pyproject, &requirements) {
            (Some(p), _) => (
                "pyproject.toml",
                p.get("project").and_then(|p| p.as_table()),
            ),
            (None, Some(_)) => ("requirements.txt", None),
            (None, None) => return None,
        };
        let field = |k: &str| {
            project
                .and_then(|p| p.get(k))
                .and_then(|v| v.as_str())
                .map(String::from)
        };
        let mut names: Vec<String> = project
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| requirement_name(v.as_str()?))
                    .collect()
            })
            .unwrap_or_default();
        names.extend(
            requirements
                .iter()
                .flat_map(|r| r.lines().filter_map(requirement_name)),
        );
        let mut dependencies = Vec::new();
        let mut unresolved = Vec::new();
        for n in names {
            // Most distributions install the module of their name; others (PyYAML: `yaml`)
            // are known by their attribute.
            let attr = crate::knowledge::for_python_module(&n.replace('-', "_"))
                .or_else(|| crate::knowledge::for_python_distribution(&n))
                .map(|a| a.trim_start_matches("python3Packages.").to_owned());
            match attr {
                Some(a) => dependencies.push(a),
                None => unresolved.push(format!("{n} ({file})")),
            }
        }
        dependencies.dedup();
        Some(Detected {
            kind: self.id(),
            file,
            pname: field("name").unwrap_or_else(|| dir_name(dir)),
            version: field("version").unwrap_or_else(|| "0.1.0".into()),
            builder: Builder::Python { dependencies },
            native: vec![],
            libs: vec![],
            unresolved,
        })
    }
}
