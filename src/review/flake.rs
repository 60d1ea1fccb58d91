//! The flakes of a repository as the flake rules see them: flake.nix parsed with rnix and
//! its declared inputs, next to flake.lock read as JSON, with the lock's graph helpers.

use std::collections::BTreeMap;

use rnix::{SyntaxKind, SyntaxNode};
use serde_json::Value;

use super::devshell::DevShells;
use crate::nix::syntax::{self, FlakeInput};

/// A flake.nix and, when present, its flake.lock. It holds no rowan nodes (`root` makes a
/// cursor over the kept parse), so flakes are read on the walk's threads and checked on
/// several.
pub struct Flake {
    /// The flake's directory relative to the reviewed root (`""` for the root).
    pub dir: String,
    pub nix_rel: String,
    pub text: String,
    parse: rnix::Parse<syntax::Root>,
    pub inputs: Vec<FlakeInput>,
    /// Attached by `Repo::build`: the walk reads flake.lock on its own.
    pub lock: Option<Result<Lock, String>>,
    pub devshells: DevShells,
    /// The directories its `templates` output offers.
    pub template_dirs: Vec<String>,
}

impl Flake {
    /// A flake.nix from its text and its parse.
    pub fn new(nix_rel: &str, text: String, parse: rnix::Parse<syntax::Root>) -> Flake {
        let root = parse.syntax();
        let inputs = syntax::flake_inputs(&root);
        let devshells = DevShells::of_flake(&root);
        let dir = nix_rel
            .strip_suffix("flake.nix")
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        let template_dirs = template_dirs(&root, &dir);
        Flake {
            dir,
            nix_rel: nix_rel.to_owned(),
            text,
            parse,
            inputs,
            lock: None,
            devshells,
            template_dirs,
        }
    }

    /// The syntax tree of flake.nix.
    pub fn root(&self) -> SyntaxNode {
        self.parse.syntax()
    }

    /// `name` inside the flake's directory, relative to the reviewed root.
    pub fn path(&self, name: &str) -> String {
        if self.dir.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.dir)
        }
    }

    pub fn valid_lock(&self) -> Option<&Lock> {
        self.lock.as_ref().and_then(|l| l.as_ref().ok())
    }

    /// The inputs Nix will lock: all but arguments of `outputs` that are neither declared
    /// nor used (the fix for those is to remove them, not to lock them).
    pub fn locked_inputs(&self) -> impl Iterator<Item = &FlakeInput> {
        self.inputs
            .iter()
            .filter(|i| !i.implicit || self.unused_argument(&i.name).is_none())
    }

    pub fn input(&self, name: &str) -> Option<&FlakeInput> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The attrsets that make up `outputs`, through lambdas, `let`, parentheses, `//` and
    /// flake-utils' `eachDefaultSystem`, with whether the system level is implied there
    /// (inside `eachDefaultSystem`).
    pub fn output_sets(&self) -> Vec<(SyntaxNode, bool)> {
        let mut sets = Vec::new();
        let outputs = syntax::body_attrset(&self.root()).and_then(|top| {
            syntax::bindings(&top)
                .into_iter()
                .find(|b| b.path == ["outputs"])
        });
        if let Some(outputs) = outputs {
            output_sets(&outputs.value, false, &mut sets);
        }
        sets
    }

    /// The `{ … }` entry of `outputs`' argument `name` when nothing refers to it: not the
    /// body, not another argument's default, and no `inputs@` name that could pass it on.
    pub fn unused_argument(&self, name: &str) -> Option<SyntaxNode> {
        let lambda = syntax::body_attrset(&self.root())
            .and_then(|top| {
                syntax::bindings(&top)
                    .into_iter()
                    .find(|b| b.path == ["outputs"])
            })
            .map(|b| b.value)
            .filter(|v| v.kind() == SyntaxKind::NODE_LAMBDA)?;
        let pattern = lambda
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_PATTERN)?;
        let entry_name = |e: &SyntaxNode| e.children().find(|c| c.kind() == SyntaxKind::NODE_IDENT);
        let entry = pattern
            .children()
            .filter(|c| c.kind() == SyntaxKind::NODE_PAT_ENTRY)
            .find(|e| entry_name(e).is_some_and(|i| i.text() == name))?;
        let own = entry_name(&entry)?;
        let bound = pattern
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_PAT_BIND)
            .and_then(|b| b.descendants().find(|c| c.kind() == SyntaxKind::NODE_IDENT))
            .map(|i| i.text().to_string());
        let refers_to = |n: &str| {
            lambda
                .descendants()
                .filter(|i| i.kind() == SyntaxKind::NODE_IDENT && i.text() == n && *i != own)
                .any(|i| is_reference(&i))
        };
        let passed_on = bound.is_some_and(|b| refers_to(&b));
        (!passed_on && !refers_to(name)).then_some(entry)
    }

    /// Whether the flake has a top-level `description`.
    pub fn has_description(&self) -> bool {
        syntax::body_attrset(&self.root()).is_some_and(|set| {
            syntax::bindings(&set)
                .iter()
                .any(|b| b.path == ["description"])
        })
    }
}

/// The directories (relative to the reviewed root) that a flake in `dir` offers in its
/// `templates` output: `templates.<name>.path = ./dir;`, also when built in a `let`.
fn template_dirs(root: &SyntaxNode, dir: &str) -> Vec<String> {
    root.descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_PATH_REL)
        .filter(|n| {
            n.parent().is_some_and(|b| {
                b.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
                    && syntax::full_path(&b).last().is_some_and(|k| k == "path")
            })
        })
        .filter(|n| {
            n.ancestors()
                .filter(|a| a.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
                .any(|a| {
                    syntax::full_path(&a)
                        .first()
                        .is_some_and(|k| k == "templates")
                })
        })
        .filter_map(|n| super::repo::normalize(dir, &n.text().to_string()))
        .collect()
}

/// Whether an identifier refers to a variable: not an attribute name (`x.name`,
/// `{ name = …; }`, `a ? name`, `inherit (x) name;`) nor the `@` name or a formal itself.
fn is_reference(ident: &SyntaxNode) -> bool {
    let Some(parent) = ident.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::NODE_ATTRPATH | SyntaxKind::NODE_PAT_BIND => false,
        SyntaxKind::NODE_PAT_ENTRY => parent.children().next().as_ref() != Some(ident),
        SyntaxKind::NODE_INHERIT => !parent
            .children()
            .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM),
        _ => true,
    }
}

/// flake-utils functions whose result adds the system level to every output.
const EACH_SYSTEM: &[&str] = &["eachDefaultSystem", "eachSystem"];

fn output_sets(node: &SyntaxNode, per_system: bool, out: &mut Vec<(SyntaxNode, bool)>) {
    match node.kind() {
        SyntaxKind::NODE_ATTR_SET => out.push((node.clone(), per_system)),
        SyntaxKind::NODE_LAMBDA | SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_WITH => {
            if let Some(body) = node.children().last() {
                output_sets(&body, per_system, out);
            }
        }
        SyntaxKind::NODE_PAREN | SyntaxKind::NODE_BIN_OP => {
            for child in node.children() {
                output_sets(&child, per_system, out);
            }
        }
        SyntaxKind::NODE_APPLY
            if syntax::call_head(node).is_some_and(|h| EACH_SYSTEM.contains(&h.as_str())) =>
        {
            if let Some(f) = node.children().last() {
                output_sets(&f, true, out);
            }
        }
        _ => {}
    }
}

/// Where an input of a lock node points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRef {
    Node(String),
    /// A `follows`: the input path from the root.
    Follows(Vec<String>),
}

/// A flake.lock.
pub struct Lock {
    pub rel: String,
    pub text: String,
    pub json: Value,
}

impl Lock {
    pub fn parse(rel: &str, text: &str) -> Result<Lock, serde_json::Error> {
        Ok(Lock {
            rel: rel.to_owned(),
            text: text.to_owned(),
            json: serde_json::from_str(text)?,
        })
    }

    pub fn root_name(&self) -> &str {
        self.json["root"].as_str().unwrap_or("root")
    }

    pub fn node(&self, name: &str) -> Option<&Value> {
        self.json["nodes"].get(name)
    }

    pub fn inputs_of(&self, node: &str) -> BTreeMap<String, InputRef> {
        let Some(inputs) = self.node(node).and_then(|n| n["inputs"].as_object()) else {
            return BTreeMap::new();
        };
        inputs
            .iter()
            .filter_map(|(k, v)| {
                let r = match v {
                    Value::String(s) => InputRef::Node(s.clone()),
                    Value::Array(a) => InputRef::Follows(
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect(),
                    ),
                    _ => return None,
                };
                Some((k.clone(), r))
            })
            .collect()
    }

    /// The nodes other than the root: every locked input, direct or transitive.
    pub fn input_nodes(&self) -> impl Iterator<Item = (&str, &Value)> {
        let root = self.root_name();
        self.json["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(move |(n, _)| n.as_str() != root)
            .map(|(n, v)| (n.as_str(), v))
    }

    pub fn root_inputs(&self) -> BTreeMap<String, InputRef> {
        self.inputs_of(self.root_name())
    }

    /// The node a root input resolves to, following `follows` paths.
    pub fn resolve(&self, path: &[String]) -> Option<String> {
        let mut node = self.root_name().to_owned();
        for step in path {
            node = match self.inputs_of(&node).remove(step)? {
                InputRef::Node(n) => n,
                InputRef::Follows(p) => self.resolve(&p)?,
            };
        }
        Some(node)
    }

    /// The byte range of the key of node `name` in the lock's text (for positions): the
    /// node's own entry, `"name": {`, not an input that refers to it (`"name": "name"` or
    /// `"name": [ … ]`, which can come first).
    pub fn node_range(&self, name: &str) -> std::ops::Range<usize> {
        let nodes = self.text.find("\"nodes\"").unwrap_or(0);
        let key = format!("\"{name}\"");
        self.text[nodes..]
            .match_indices(&key)
            .map(|(i, _)| nodes + i)
            .find(|&at| {
                let after = self.text[at + key.len()..].trim_start();
                after
                    .strip_prefix(':')
                    .is_some_and(|v| v.trim_start().starts_with('{'))
            })
            .map_or(0..0, |at| at..at + key.len())
    }

    /// Whether a lock node is a copy of nixpkgs (by where it was asked to come from).
    pub fn is_nixpkgs(&self, node: &str) -> bool {
        let Some(n) = self.node(node) else {
            return false;
        };
        let o = &n["original"];
        let s = |k: &str| o[k].as_str().unwrap_or("");
        (s("repo") == "nixpkgs" && s("owner").eq_ignore_ascii_case("nixos"))
            || (s("type") == "indirect" && s("id") == "nixpkgs")
            || s("url").contains("NixOS/nixpkgs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flake(rel: &str, text: &str) -> Flake {
        Flake::new(rel, text.to_owned(), syntax::parse(text))
    }

    const LOCK: &str = r#"{
  "nodes": {
    "nixpkgs": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "abc", "narHash": "sha256-x", "lastModified": 1 }, "original": { "type": "github", "owner": "NixOS", "repo": "nixpkgs" } },
    "utils": { "inputs": { "nixpkgs": ["nixpkgs"] }, "locked": { "type": "github", "owner": "numtide", "repo": "flake-utils", "rev": "def", "narHash": "sha256-y" }, "original": { "type": "github", "owner": "numtide", "repo": "flake-utils" } },
    "root": { "inputs": { "nixpkgs": "nixpkgs", "utils": "utils" } }
  },
  "root": "root",
  "version": 7
}"#;

    #[test]
    fn walks_the_lock_graph() {
        let lock = Lock::parse("flake.lock", LOCK).unwrap();
        assert_eq!(lock.root_inputs().len(), 2);
        assert_eq!(
            lock.resolve(&["utils".into(), "nixpkgs".into()]).as_deref(),
            Some("nixpkgs")
        );
        assert!(lock.is_nixpkgs("nixpkgs") && !lock.is_nixpkgs("utils"));
        assert_eq!(&lock.text[lock.node_range("utils")], "\"utils\"");
        // `utils` refers to `nixpkgs` before the `nixpkgs` node comes.
        let reordered = r#"{ "nodes": { "utils": { "inputs": { "nixpkgs": "nixpkgs" } }, "nixpkgs": { "locked": { } } }, "root": "root" }"#;
        let lock = Lock::parse("flake.lock", reordered).unwrap();
        assert_eq!(
            lock.node_range("nixpkgs").start,
            reordered.find("\"nixpkgs\": {").unwrap()
        );
    }

    #[test]
    fn flake_paths_are_relative_to_the_root() {
        let f = flake(
            "tools/x/flake.nix",
            "{ inputs.a.url = \"github:o/a\"; outputs = _: { }; }",
        );
        assert_eq!(
            (f.dir.as_str(), f.path("flake.lock")),
            ("tools/x", "tools/x/flake.lock".to_owned())
        );
        assert_eq!(f.inputs.len(), 1);
    }

    #[test]
    fn finds_arguments_nothing_refers_to() {
        let unused = |outputs: &str| {
            let text = format!("{{ inputs.a.url = \"github:o/a\"; outputs = {outputs}; }}");
            let f = flake("flake.nix", &text);
            f.unused_argument("x").map(|e| e.text().to_string())
        };
        assert_eq!(unused("{ self, x }: { }").as_deref(), Some("x"));
        assert_eq!(
            unused("{ self, x ? null, ... }: { }").as_deref(),
            Some("x ? null")
        );
        // Names that are attributes, not the argument.
        assert!(unused("{ self, x, a }: { x = a.x; y = a ? x; inherit (a) x; }").is_some());
        assert!(unused("args@{ self, x }: { }").is_some());
        // References.
        for used in [
            "{ self, x }: { p = x.packages; }",
            "{ self, x }: { inherit x; }",
            "{ self, x }: { s = \"${x}\"; }",
            "{ self, x, y ? x }: { inherit y; }",
            "{ self, x }: let y = x; in { inherit y; }",
            // Passed on whole: x may be used through `inputs.x`.
            "inputs@{ self, x, ... }: { specialArgs = { inherit inputs; }; }",
        ] {
            assert!(unused(used).is_none(), "{used}");
        }
        assert!(unused("{ self }: { }").is_none(), "no such argument");
    }

    #[test]
    fn finds_the_templates_a_flake_offers() {
        // The shapes of home-manager's and devenv's flakes.
        let text = "{ description = \"x\"; outputs = { self }: { templates = let t = { path = ./templates/a; description = \"A\"; }; in { a = t; b = { path = ../b; }; default = self.templates.a; }; packages.path = ./not-a-template; }; }";
        let f = flake("sub/flake.nix", text);
        assert_eq!(f.template_dirs, ["sub/templates/a", "b"]);
        assert!(f.has_description());
        assert!(!flake("flake.nix", "{ outputs = _: { }; }").has_description());
    }
}
