//! unfree_package, insecure_package, broken_package: allows exactly the one package through
//! the nixpkgs config of the import that evaluates it.

use rnix::{SyntaxKind, SyntaxNode};

use super::rewrite::NixFile;
use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::nix::syntax;

pub struct ConfigFix;

impl Fixer for ConfigFix {
    fn categories(&self) -> &'static [&'static str] {
        &["unfree_package", "insecure_package", "broken_package"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let (Some(name_version), Some(pname)) = (finding.fact("name"), finding.package.as_deref())
        else {
            return Vec::new();
        };
        let (key, value) = match finding.category {
            "unfree_package" => (
                "allowUnfreePredicate",
                format!("pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"{pname}\" ]"),
            ),
            "insecure_package" => (
                "permittedInsecurePackages",
                format!("[ \"{name_version}\" ]"),
            ),
            _ => ("allowBroken", "true".to_owned()),
        };
        // The flake (or default.nix) at the root instantiates nixpkgs for the whole project;
        // nested files come after it, shallowest first.
        let mut files: Vec<_> = project.files.iter().collect();
        files.sort_by_key(|f| {
            (
                f.path.components().count(),
                f.path.file_name() != Some("flake.nix".as_ref()),
            )
        });
        files
            .into_iter()
            .filter_map(|f| config_edit(f, key, &value).map(|e| (f, e)))
            .map(|(f, edit)| Candidate {
                description: format!(
                    "set config.{key} for {pname} where {} imports nixpkgs",
                    f.path.display()
                ),
                edits: vec![edit],
                commands: Vec::new(),
                nix_args: Vec::new(),
            })
            .collect()
    }
}

/// Where `file` instantiates nixpkgs, the edit that sets `config.<key> = <value>`:
/// inside `import nixpkgs { ... }`, or by replacing `nixpkgs.legacyPackages.${system}`
/// with such an import.
fn config_edit(file: &NixFile, key: &str, value: &str) -> Option<crate::nix::edit::TextEdit> {
    for node in file.root.descendants() {
        if node.kind() == SyntaxKind::NODE_APPLY && is_import_nixpkgs(&node) {
            let args = node
                .children()
                .nth(1)
                .filter(|a| a.kind() == SyntaxKind::NODE_ATTR_SET)?;
            return match file.binding_value(&args, "config") {
                Some(cfg) if cfg.kind() == SyntaxKind::NODE_ATTR_SET => {
                    Some(file.add_binding(&cfg, key, value))
                }
                Some(_) => None,
                None => Some(file.add_binding(&args, &format!("config.{key}"), value)),
            };
        }
        if node.kind() == SyntaxKind::NODE_SELECT {
            let Some(path) = syntax::select_path(&node) else {
                continue;
            };
            if let [base, legacy, system] = path.as_slice() {
                if base == "nixpkgs" && legacy == "legacyPackages" {
                    let system = match system.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
                        Some(expr) => expr.to_owned(),
                        None => format!("\"{system}\""),
                    };
                    let system = if system == "system" {
                        "inherit system;".to_owned()
                    } else {
                        format!("system = {system};")
                    };
                    return Some(file.replace(
                        &node,
                        &format!("(import nixpkgs {{ {system} config.{key} = {value}; }})"),
                    ));
                }
            }
        }
    }
    None
}

fn is_import_nixpkgs(apply: &SyntaxNode) -> bool {
    let mut parts = apply.children();
    let (Some(f), Some(_)) = (parts.next(), parts.next()) else {
        return false;
    };
    f.kind() == SyntaxKind::NODE_APPLY
        && f.children().next().is_some_and(|i| i.text() == "import")
        && f.children().nth(1).is_some_and(|n| n.text() == "nixpkgs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn replaces_legacy_packages_with_a_configured_import() {
        let f = NixFile::parse(
            Path::new("flake.nix"),
            "{ outputs = { nixpkgs, ... }: let system = \"x86_64-linux\"; pkgs = nixpkgs.legacyPackages.${system}; in { }; }".to_owned(),
        )
        .unwrap();
        let e = config_edit(&f, "allowUnfreePredicate", "p: true").unwrap();
        assert_eq!(
            e.new_text,
            "(import nixpkgs { inherit system; config.allowUnfreePredicate = p: true; })"
        );
        let f = NixFile::parse(
            Path::new("f.nix"),
            "let pkgs = import nixpkgs { inherit system; }; in pkgs".to_owned(),
        )
        .unwrap();
        let e = config_edit(&f, "allowBroken", "true").unwrap();
        assert!(
            e.new_text.contains("config.allowBroken = true;"),
            "{}",
            e.new_text
        );
    }
}
