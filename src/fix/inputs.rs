//! missing_build_tool, missing_library, missing_header: adds the package that provides the
//! tool to nativeBuildInputs, or the library to buildInputs (with pkg-config when that is
//! how it is found), and to the package function's arguments.

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::nix::edit::TextEdit;

pub struct InputsFix;

impl Fixer for InputsFix {
    fn categories(&self) -> &'static [&'static str] {
        &["missing_build_tool", "missing_library", "missing_header"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let (Some(attr), Some(pname)) = (finding.fact("attr"), finding.package.as_deref()) else {
            return Vec::new();
        };
        let Some((file, drv)) = project.derivation(pname) else {
            return Vec::new();
        };
        let mut additions: Vec<Vec<(&str, &str)>> = match finding.category {
            "missing_build_tool" => vec![vec![("nativeBuildInputs", attr)]],
            "missing_library" if finding.fact("via") == Some("pkg-config") => vec![
                vec![("buildInputs", attr), ("nativeBuildInputs", "pkg-config")],
                vec![("buildInputs", attr)],
            ],
            _ => vec![vec![("buildInputs", attr)]],
        };
        additions.dedup();
        additions
            .into_iter()
            .filter_map(|adds| {
                let mut edits: Vec<TextEdit> = Vec::new();
                let mut formals = Vec::new();
                let mut said = Vec::new();
                for (key, attr) in adds {
                    let (element, formal) = file.package_reference(&drv, attr);
                    // A tool listed in buildInputs is moved rather than listed twice.
                    if key == "nativeBuildInputs" {
                        edits.extend(file.remove_list_element(&drv, "buildInputs", &element));
                    }
                    if let Some(e) = file.add_list_element(&drv, key, &element) {
                        edits.push(e);
                        said.push(format!("`{element}` to {key}"));
                    }
                    formals.extend(formal);
                }
                if said.is_empty() {
                    return None;
                }
                formals.dedup();
                for f in formals {
                    edits.extend(file.add_formal(&f));
                }
                Some(Candidate {
                    description: format!("add {} in {}", said.join(" and "), file.path.display()),
                    edits,
                    commands: Vec::new(),
                    nix_args: Vec::new(),
                })
            })
            .collect()
    }
}
