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

/// The python3Packages attribute of a distribution: most install the module of their name;
/// others (PyYAML: `yaml`) are known by their attribute.
fn attribute(name: &str) -> Option<String> {
    crate::knowledge::for_python_module(&name.replace('-', "_"))
        .or_else(|| crate::knowledge::for_python_distribution(name))
        .map(|a| a.trim_start_matches("python3Packages.").to_owned())
}

/// Maps requirement strings to attributes; those no table maps go to `unresolved`.
fn attributes<'a>(
    names: impl IntoIterator<Item = &'a str>,
    file: &str,
    unresolved: &mut Vec<String>,
) -> Vec<String> {
    let mut attrs = Vec::new();
    for n in names.into_iter().filter_map(requirement_name) {
        match attribute(&n) {
            Some(a) if !attrs.contains(&a) => attrs.push(a),
            Some(_) => {}
            None => unresolved.push(format!("{n} ({file})")),
        }
    }
    attrs
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
        let strings = |v: Option<&toml::Value>| -> Vec<String> {
            v.and_then(|d| d.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| Some(v.as_str()?.to_owned()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut unresolved = Vec::new();
        // buildPythonApplication builds with pypa build, which needs one of these two.
        if pyproject.is_none() && !dir.join("setup.py").is_file() {
            unresolved.push("setup.py or pyproject.toml (the package has no build)".into());
        }
        // Without a [build-system] table, pip and build fall back to setuptools.
        let mut requires = strings(
            pyproject
                .as_ref()
                .and_then(|p| p.get("build-system"))
                .and_then(|b| b.get("requires")),
        );
        if requires.is_empty() {
            requires.push("setuptools".into());
        }
        let build_system = attributes(requires.iter().map(String::as_str), file, &mut unresolved);
        let mut names = strings(project.and_then(|p| p.get("dependencies")));
        names.extend(
            requirements
                .iter()
                .flat_map(|r| r.lines().map(String::from)),
        );
        let dependencies = attributes(names.iter().map(String::as_str), file, &mut unresolved);
        Some(Detected {
            kind: self.id(),
            file,
            pname: field("name").unwrap_or_else(|| dir_name(dir)),
            version: field("version").unwrap_or_else(|| "0.1.0".into()),
            builder: Builder::Python {
                build_system,
                dependencies,
            },
            native: vec![],
            libs: vec![],
            unresolved,
        })
    }
}
