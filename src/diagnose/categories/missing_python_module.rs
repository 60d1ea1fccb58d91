//! missing_python_module: Python could not import a module during the build, its tests or
//! the import check, because the Python package providing it is not among the inputs.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};
use crate::knowledge as packages;
use crate::log::LogLine;

pub struct MissingPythonModule;

/// Where a module is needed, which decides the list it belongs in.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Need {
    /// A PEP 517 build backend or other build requirement: `build-system`.
    Build,
    /// Imported by the tests only: `nativeCheckInputs`.
    Check,
    /// Imported by the package itself: `dependencies`.
    Run,
}

static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:ModuleNotFoundError|ImportError): No module named '?([A-Za-z_][\w.]*)'?")
        .expect("valid regex")
});
/// `python -m pip` without pip: `/nix/store/...-python3-3.11/bin/python3: No module named pip`.
static DASH_M: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"python[\d.]*: No module named ([A-Za-z_][\w.]*)").expect("valid regex")
});
/// pypa build, pip and nixpkgs' pypaBuildHook: the backend named in pyproject.toml.
static BACKEND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Backend '|Cannot import ')([A-Za-z_][\w.]*)'").expect("valid regex")
});
/// nixpkgs' pythonRuntimeDepsCheckHook: `  - requests not installed`.
static RUNTIME_DEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*- ([A-Za-z0-9][A-Za-z0-9_.-]*) not installed$").expect("valid regex")
});

/// Modules that are build backends or build-time helpers.
const BUILD_MODULES: &[&str] = &[
    "setuptools",
    "setuptools_scm",
    "pkg_resources",
    "distutils",
    "wheel",
    "hatchling",
    "hatch_vcs",
    "hatch_fancy_pypi_readme",
    "poetry",
    "poetry_core",
    "flit_core",
    "pdm",
    "maturin",
    "scikit_build_core",
    "skbuild",
    "mesonpy",
    "Cython",
    "cython",
    "pybind11",
];

/// The top-level distribution module of a dotted name, the way the build backend names it.
fn top(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

fn find(site: &Site) -> Option<(&LogLine, String, Need)> {
    site.lines.iter().find_map(|l| {
        if let Some(c) = BACKEND.captures(&l.text) {
            // `hatchling.build`, `setuptools.build_meta`, `poetry.core.masonry.api`
            return Some((l, c[1].to_owned(), Need::Build));
        }
        let module = IMPORT
            .captures(&l.text)
            .or_else(|| DASH_M.captures(&l.text))
            .map(|c| c[1].to_owned());
        if let Some(m) = module {
            let need = if BUILD_MODULES.contains(&top(&m)) {
                Need::Build
            } else if top(&m).starts_with("pytest_") || in_tests(site) {
                Need::Check
            } else {
                Need::Run
            };
            return Some((l, m, need));
        }
        let dep = RUNTIME_DEP.captures(&l.text)?;
        site.line_with("Checking runtime dependencies for")?;
        Some((l, dep[1].to_owned(), Need::Run))
    })
}

/// Whether the imports failed while running the test suite.
fn in_tests(site: &Site) -> bool {
    site.find(|t| {
        t.contains("ImportError while importing test module")
            || t.contains("pytestCheckPhase")
            || t.contains("ERROR collecting")
    })
    .is_some()
}

/// The python3Packages attribute: a known module, or the usual spelling of the name.
fn attribute(module: &str) -> (String, bool) {
    match packages::for_python_module(module) {
        Some(a) => (a.to_owned(), true),
        None => (
            format!(
                "python3Packages.{}",
                top(module).to_ascii_lowercase().replace('_', "-")
            ),
            false,
        ),
    }
}

impl Category for MissingPythonModule {
    fn id(&self) -> &'static str {
        "missing_python_module"
    }
    fn title(&self) -> &'static str {
        "Python module not found"
    }
    fn doc(&self) -> &'static str {
        "Python could not import a module (`ModuleNotFoundError: No module named 'numpy'`) \
while building the package, running its tests or checking its imports. In Nix a Python \
package sees only the Python packages listed in the derivation: nothing installed with pip \
on the host is visible.

Why: a dependency is missing from the lists `buildPythonPackage` reads: `dependencies` \
(older code: `propagatedBuildInputs`) for what the package imports at run time, \
`build-system` (older: `nativeBuildInputs`) for the PEP 517 backend that builds it \
(`ERROR Backend 'hatchling.build' is not available.`), `nativeCheckInputs` for what only \
the tests import. A new upstream version often adds a dependency or switches backend.

Fix: add the python3Packages attribute to the right list:

    # before
    buildPythonPackage { pname = \"app\"; pyproject = true; ... }
    # after
    buildPythonPackage {
      pname = \"app\"; pyproject = true; ...
      build-system = [ hatchling ];
      dependencies = [ numpy requests ];
      nativeCheckInputs = [ pytestCheckHook ];
    }

The import name is not always the package name: `yaml` is `pyyaml`, `PIL` is `pillow`, \
`cv2` is `opencv4`."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "No module named",
            "Backend '",
            "Cannot import '",
            " not installed",
            "Checking runtime dependencies for",
            "ImportError while importing test module",
            "pytestCheckPhase",
            "ERROR collecting",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, module, need) = find(site)?;
        let (attr, known) = attribute(&module);
        let short = attr.trim_start_matches("python3Packages.");
        let list = match need {
            Need::Build => "build-system (older nixpkgs: nativeBuildInputs)",
            Need::Check => "nativeCheckInputs",
            Need::Run => "dependencies (older nixpkgs: propagatedBuildInputs)",
        };
        let mut fix = format!("add `{short}` ({attr}) to {list}");
        if !known {
            fix.push_str(&format!(
                "; `{attr}` is a guess from the module name `{module}`: check the package name on search.nixos.org"
            ));
        }
        let what = match need {
            Need::Build => "the Python build backend",
            Need::Check => "the tests' Python module",
            Need::Run => "the Python module",
        };
        Some(
            Verdict::new(
                if known { 0.92 } else { 0.88 },
                format!("{what} `{module}` is not available"),
            )
            .cite(site, line)
            .fix(fix)
            .attribute(format!(
                "{} ({attr})",
                list.split(' ').next().unwrap_or(list)
            ))
            .fact("module", module.clone())
            .fact("list", list.split(' ').next().unwrap_or(list))
            .fact("attr", attr.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    fn need(log: &str) -> (String, String) {
        let v = verdict_for(&MissingPythonModule, log).unwrap_or_else(|| panic!("{log}"));
        (v.summary, v.attribute.unwrap())
    }

    #[test]
    fn runtime_build_and_test_modules() {
        let (s, a) = need("ModuleNotFoundError: No module named 'yaml'\n");
        assert!(s.contains("`yaml`"));
        assert_eq!(a, "dependencies (python3Packages.pyyaml)");
        let (_, a) = need("* Getting build dependencies for wheel...\nERROR Backend 'hatchling.build' is not available.\n");
        assert_eq!(a, "build-system (python3Packages.hatchling)");
        let (_, a) = need("ModuleNotFoundError: No module named 'setuptools'\n");
        assert_eq!(a, "build-system (python3Packages.setuptools)");
        let (_, a) = need("_ ERROR collecting tests/test_x.py _\nImportError while importing test module '/build/src/tests/test_x.py'.\nE   ModuleNotFoundError: No module named 'responses'\n");
        assert_eq!(a, "nativeCheckInputs (python3Packages.responses)");
        let (_, a) = need("ImportError: No module named google.protobuf\n");
        assert_eq!(a, "dependencies (python3Packages.protobuf)");
        let (_, a) = need("Checking runtime dependencies for app-1.0-py3-none-any.whl\n  - requests not installed\n");
        assert_eq!(a, "dependencies (python3Packages.requests)");
    }

    #[test]
    fn near_misses() {
        for log in [
            "  - requests not installed\n",
            "error: No module named in this sentence\n",
            "ERROR: Could not find a version that satisfies the requirement numpy (from versions: none)\n",
        ] {
            assert!(verdict_for(&MissingPythonModule, log).is_none(), "{log}");
        }
    }
}
