//! unfree_package, insecure_package, broken_package: allows exactly the one package through
//! the nixpkgs config of every import that evaluates the package set, whatever the input
//! that provides nixpkgs is called.

use std::ops::Range;

use rnix::{SyntaxKind, SyntaxNode};

use super::rewrite::NixFile;
use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::nix::edit::TextEdit;
use crate::nix::syntax;

pub struct ConfigFix;

/// One setting of the nixpkgs config: `config.<key> = <value>`, where `value` may use the
/// expression that names nixpkgs at the import (for `<base>.lib.getName`).
struct Setting {
    key: String,
    value: fn(&str, &Allow) -> String,
    description: String,
}

/// What the finding says to allow.
struct Allow {
    pname: String,
    name_version: String,
}

impl Fixer for ConfigFix {
    fn categories(&self) -> &'static [&'static str] {
        &["unfree_package", "insecure_package", "broken_package"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let (Some(name_version), Some(pname)) = (finding.fact("name"), finding.package.as_deref())
        else {
            return Vec::new();
        };
        let allow = Allow {
            pname: pname.to_owned(),
            name_version: name_version.to_owned(),
        };
        let settings = settings(finding.category, finding.fact("problems").is_some(), pname);
        let names = nixpkgs_names(project);
        // The flake (or default.nix) at the root instantiates nixpkgs for the whole project;
        // nested files come after it, shallowest first.
        let mut files: Vec<_> = project.files.iter().collect();
        files.sort_by_key(|f| {
            (
                f.path.components().count(),
                f.path.file_name() != Some("flake.nix".as_ref()),
            )
        });
        let mut out = Vec::new();
        for setting in &settings {
            for f in &files {
                let edits = config_edits(f, &names, setting, &allow);
                if edits.is_empty() {
                    continue;
                }
                out.push(Candidate {
                    description: format!(
                        "{} where {} imports nixpkgs",
                        setting.description,
                        f.path.display()
                    ),
                    edits,
                    commands: Vec::new(),
                    nix_args: Vec::new(),
                });
            }
        }
        out
    }
}

/// The settings that allow the package, most specific first.
fn settings(category: &str, problems: bool, pname: &str) -> Vec<Setting> {
    fn predicate(base: &str, a: &Allow) -> String {
        format!(
            "pkg: builtins.elem ({}) [ \"{}\" ]",
            get_name(base),
            a.pname
        )
    }
    match category {
        "unfree_package" => vec![Setting {
            key: "allowUnfreePredicate".into(),
            value: predicate,
            description: format!("set config.allowUnfreePredicate for {pname} only"),
        }],
        "insecure_package" => vec![Setting {
            key: "permittedInsecurePackages".into(),
            value: |_, a| format!("[ \"{}\" ]", a.name_version),
            description: format!("permit the insecure {pname}"),
        }],
        // nixpkgs that lists `meta.problems` allows a problem of one package by name.
        _ if problems => vec![Setting {
            key: format!("problems.handlers.{}.broken", identifier(pname)),
            value: |_, _| "\"warn\"".into(),
            description: format!("turn the broken problem of {pname} into a warning"),
        }],
        _ => vec![
            Setting {
                key: "allowBrokenPredicate".into(),
                value: predicate,
                description: format!("set config.allowBrokenPredicate for {pname} only"),
            },
            // nixpkgs before allowBrokenPredicate knows only the global switch.
            Setting {
                key: "allowBroken".into(),
                value: |_, _| "true".into(),
                description: format!(
                    "set config.allowBroken (allows every broken package, not only {pname}; \
                     for nixpkgs without allowBrokenPredicate)"
                ),
            },
        ],
    }
}

/// `lib.getName pkg` through the nixpkgs at hand; a search-path import has no `lib`
/// attribute, so there it is spelled out (`lib.getName` does the same for derivations).
fn get_name(base: &str) -> String {
    if base.starts_with('<') {
        "pkg.pname or (builtins.parseDrvName pkg.name).name".to_owned()
    } else {
        format!("{base}.lib.getName pkg")
    }
}

/// `name` as a Nix attribute name: quoted unless it is an identifier.
fn identifier(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
    if plain {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// The names under which the project's flakes take nixpkgs: `nixpkgs`, every input whose
/// name contains `nixpkgs` (`nixpkgs-unstable`), and every input whose URL is a nixpkgs
/// repository or channel whatever it is called (`unstable.url = "github:NixOS/nixpkgs/..."`).
fn nixpkgs_names(project: &Project) -> Vec<String> {
    let mut names = vec!["nixpkgs".to_owned()];
    for f in project
        .files
        .iter()
        .filter(|f| f.path.file_name() == Some("flake.nix".as_ref()))
    {
        for input in syntax::flake_inputs(&f.root) {
            let url = input.url.as_ref().map_or("", |u| u.value.as_str());
            let by_url =
                url.to_ascii_lowercase().contains("nixpkgs") || url.contains("nixexprs.tar");
            if (by_url || input.name.contains("nixpkgs")) && !names.contains(&input.name) {
                names.push(input.name);
            }
        }
    }
    names
}

/// The expression `node` names nixpkgs with: `nixpkgs`, `inputs.nixpkgs-unstable`,
/// `<nixpkgs>`.
fn nixpkgs_source(node: &SyntaxNode, names: &[String]) -> Option<String> {
    let text = node.text().to_string();
    if node.kind() == SyntaxKind::NODE_PATH_SEARCH {
        let inner = text.trim_start_matches('<').trim_end_matches('>');
        return inner.contains("nixpkgs").then_some(text);
    }
    match syntax::select_path(node)?.as_slice() {
        [n] | [_, n] if names.contains(n) => Some(text),
        _ => None,
    }
}

/// Every place `file` instantiates nixpkgs, with the edit that sets the setting there:
/// inside `import <nixpkgs> { ... }`, or replacing `<nixpkgs>.legacyPackages.${system}`
/// (which cannot be configured) by such an import.
fn config_edits(
    file: &NixFile,
    names: &[String],
    setting: &Setting,
    allow: &Allow,
) -> Vec<TextEdit> {
    let mut edits: Vec<TextEdit> = Vec::new();
    let mut taken: Vec<Range<usize>> = Vec::new();
    for node in file.root.descendants() {
        let range = syntax::range(&node);
        if taken
            .iter()
            .any(|t| t.start <= range.start && range.end <= t.end)
        {
            continue;
        }
        let edit = match node.kind() {
            SyntaxKind::NODE_APPLY => import_edit(file, &node, names, setting, allow),
            SyntaxKind::NODE_SELECT => legacy_edit(file, &node, names, setting, allow),
            _ => None,
        };
        if let Some(e) = edit {
            taken.push(range);
            edits.push(e);
        }
    }
    edits
}

/// `import <base> { ... }`: adds the setting to its `config` (or a `config.<key>` binding).
fn import_edit(
    file: &NixFile,
    apply: &SyntaxNode,
    names: &[String],
    setting: &Setting,
    allow: &Allow,
) -> Option<TextEdit> {
    let mut parts = apply.children();
    let (f, args) = (parts.next()?, parts.next()?);
    if f.kind() != SyntaxKind::NODE_APPLY
        || f.children().next().is_none_or(|i| i.text() != "import")
        || args.kind() != SyntaxKind::NODE_ATTR_SET
    {
        return None;
    }
    let base = nixpkgs_source(&f.children().nth(1)?, names)?;
    let value = (setting.value)(&base, allow);
    match file.binding_value(&args, "config") {
        Some(cfg) if cfg.kind() == SyntaxKind::NODE_ATTR_SET => {
            let first = setting.key.split('.').next().unwrap_or_default();
            file.binding_value(&cfg, first)
                .is_none()
                .then(|| file.add_binding(&cfg, &setting.key, &value))
        }
        Some(_) => None,
        None => Some(file.add_binding(&args, &format!("config.{}", setting.key), &value)),
    }
}

/// `<base>.legacyPackages.<system>[.rest]`: the same package set, imported with the setting.
fn legacy_edit(
    file: &NixFile,
    select: &SyntaxNode,
    names: &[String],
    setting: &Setting,
    allow: &Allow,
) -> Option<TextEdit> {
    let path = syntax::select_path(select)?;
    let at = path.iter().position(|k| k == "legacyPackages")?;
    let base_len = at;
    let [system, rest @ ..] = &path[at + 1..] else {
        return None;
    };
    let base = match &path[..base_len] {
        [n] | [_, n] if names.contains(n) => path[..base_len].join("."),
        _ => return None,
    };
    let system = match system.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        Some("system") => "inherit system;".to_owned(),
        Some(expr) => format!("system = {expr};"),
        None => format!("system = \"{system}\";"),
    };
    let value = (setting.value)(&base, allow);
    let rest: String = rest.iter().map(|k| format!(".{k}")).collect();
    Some(file.replace(
        select,
        &format!(
            "(import {base} {{ {system} config.{} = {value}; }}){rest}",
            setting.key
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn edits(text: &str, category: &str, problems: bool) -> Vec<String> {
        let f = NixFile::parse(Path::new("flake.nix"), text.to_owned()).unwrap();
        let project = Project {
            root: ".".into(),
            files: vec![f],
        };
        let allow = Allow {
            pname: "vaultd".into(),
            name_version: "vaultd-1.0".into(),
        };
        let setting = &settings(category, problems, "vaultd")[0];
        config_edits(&project.files[0], &nixpkgs_names(&project), setting, &allow)
            .into_iter()
            .map(|e| e.new_text)
            .collect()
    }

    #[test]
    fn replaces_legacy_packages_with_a_configured_import() {
        let e = edits("{ outputs = { nixpkgs, ... }: let system = \"x86_64-linux\"; pkgs = nixpkgs.legacyPackages.${system}; in { }; }", "unfree_package", false);
        assert_eq!(
            e,
            ["(import nixpkgs { inherit system; config.allowUnfreePredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"vaultd\" ]; })"]
        );
    }

    #[test]
    fn any_input_name_and_import_form() {
        let flake = "{ inputs.unstable.url = \"github:NixOS/nixpkgs/nixos-unstable\"; inputs.nixpkgs-stable.url = \"github:NixOS/nixpkgs/nixos-24.05\"; outputs = inputs@{ self, ... }: let a = inputs.unstable.legacyPackages.x86_64-linux.hello; b = import inputs.nixpkgs-stable { system = \"x86_64-linux\"; }; in { }; }";
        let e = edits(flake, "insecure_package", false);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0], "(import inputs.unstable { system = \"x86_64-linux\"; config.permittedInsecurePackages = [ \"vaultd-1.0\" ]; }).hello");
        assert!(
            e[1].contains("config.permittedInsecurePackages = [ \"vaultd-1.0\" ];"),
            "{}",
            e[1]
        );
        // `pkgs` made in a let from a search-path import, with a config already there.
        let e = edits(
            "let pkgs = import <nixpkgs> { config = { allowUnfree = false; }; }; in pkgs.hello",
            "unfree_package",
            false,
        );
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("allowUnfreePredicate = pkg: builtins.elem (pkg.pname or (builtins.parseDrvName pkg.name).name) [ \"vaultd\" ];"), "{}", e[0]);
        // Another flake's package set is not nixpkgs.
        assert!(edits("{ inputs.tools.url = \"github:o/tools\"; outputs = { tools, ... }: { x = tools.legacyPackages.x86_64-linux.t; }; }", "unfree_package", false).is_empty());
    }

    #[test]
    fn broken_allows_one_package() {
        let flake = "{ outputs = { nixpkgs, ... }: { x = import nixpkgs { system = \"x86_64-linux\"; }; }; }";
        let e = edits(flake, "broken_package", false);
        assert!(e[0].contains("config.allowBrokenPredicate = pkg: builtins.elem (nixpkgs.lib.getName pkg) [ \"vaultd\" ];"), "{}", e[0]);
        let e = edits(flake, "broken_package", true);
        assert!(
            e[0].contains("config.problems.handlers.vaultd.broken = \"warn\";"),
            "{}",
            e[0]
        );
        assert_eq!(identifier("gtk+3"), "\"gtk+3\"");
    }
}
