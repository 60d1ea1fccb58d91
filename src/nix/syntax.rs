//! Queries over Nix syntax trees (rnix), shared by the review rules and the fixers: attribute
//! bindings flattened to paths, string literals, lambda formals, call heads, flake inputs.

use std::ops::Range;

use rnix::{SyntaxKind, SyntaxNode};

pub use rnix::{Root, SyntaxKind as Kind};

/// Parses Nix source; errors are in the result, the tree is always there.
pub fn parse(text: &str) -> rnix::Parse<Root> {
    Root::parse(text)
}

/// Byte range of a node.
pub fn range(node: &SyntaxNode) -> Range<usize> {
    let r = node.text_range();
    usize::from(r.start())..usize::from(r.end())
}

/// The node of `kind` that spans exactly `range`, e.g. a binding found earlier by range.
pub fn node_at(root: &SyntaxNode, range: Range<usize>, kind: SyntaxKind) -> Option<SyntaxNode> {
    let text_range = rnix::TextRange::new(
        u32::try_from(range.start).ok()?.into(),
        u32::try_from(range.end).ok()?.into(),
    );
    if !root.text_range().contains_range(text_range) {
        return None;
    }
    let element = root.covering_element(text_range);
    let start = match element {
        rnix::NodeOrToken::Node(n) => n,
        rnix::NodeOrToken::Token(t) => t.parent()?,
    };
    start
        .ancestors()
        .take_while(|n| n.text_range() == text_range)
        .find(|n| n.kind() == kind)
}

/// The expression a file evaluates to, looking through parentheses, `let ... in` and
/// lambdas (`{ pkgs, ... }: { ... }`), which is where modules and flakes keep their attrs.
pub fn body_attrset(root: &SyntaxNode) -> Option<SyntaxNode> {
    let mut node = root.children().next()?;
    loop {
        node = match node.kind() {
            SyntaxKind::NODE_ATTR_SET => return Some(node),
            SyntaxKind::NODE_PAREN => node.children().next()?,
            SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LAMBDA | SyntaxKind::NODE_WITH => {
                node.children().last()?
            }
            _ => return None,
        };
    }
}

/// One `a.b.c = value;` binding with its path made absolute within the outermost attrset
/// the flattening started from.
#[derive(Debug, Clone)]
pub struct Binding {
    pub path: Vec<String>,
    /// The `NODE_ATTRPATH_VALUE` node.
    pub node: SyntaxNode,
    pub value: SyntaxNode,
}

/// Every binding of `attrset`, descending into values that are attrsets themselves, so
/// `inputs = { x.url = ..; }` and `inputs.x.url = ..` both give `["inputs", "x", "url"]`.
/// Values that are attrsets are also reported themselves, before their contents.
pub fn bindings(attrset: &SyntaxNode) -> Vec<Binding> {
    let mut out = Vec::new();
    collect_bindings(attrset, &[], &mut out);
    out
}

fn collect_bindings(attrset: &SyntaxNode, prefix: &[String], out: &mut Vec<Binding>) {
    for entry in attrset
        .children()
        .filter(|c| c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
    {
        let Some(key) = entry
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)
        else {
            continue;
        };
        let Some(value) = entry.children().nth(1) else {
            continue;
        };
        let mut path = prefix.to_vec();
        path.extend(attrpath_keys(&key));
        out.push(Binding {
            path: path.clone(),
            node: entry.clone(),
            value: value.clone(),
        });
        if value.kind() == SyntaxKind::NODE_ATTR_SET {
            collect_bindings(&value, &path, out);
        }
    }
}

/// The keys of an attrpath: identifiers and plain strings as written, `${expr}` as the
/// source text of the interpolation.
pub fn attrpath_keys(attrpath: &SyntaxNode) -> Vec<String> {
    attrpath
        .children()
        .map(|k| match k.kind() {
            SyntaxKind::NODE_STRING => string_literal(&k).unwrap_or_else(|| k.text().to_string()),
            _ => k.text().to_string(),
        })
        .collect()
}

/// The path of a binding counted from the outermost enclosing attrset that is reached
/// through attrset values only (stops at lets, lambdas, calls).
pub fn full_path(binding: &SyntaxNode) -> Vec<String> {
    let mut segments: Vec<Vec<String>> = Vec::new();
    let mut node = binding.clone();
    loop {
        if let Some(key) = node
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)
        {
            segments.push(attrpath_keys(&key));
        }
        let Some(set) = node
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
        else {
            break;
        };
        match set
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        {
            Some(outer) => node = outer,
            None => break,
        }
    }
    segments.into_iter().rev().flatten().collect()
}

/// The contents of a string literal without interpolations (`"..."` or `''...''`);
/// `None` for anything else.
pub fn string_literal(node: &SyntaxNode) -> Option<String> {
    if node.kind() != SyntaxKind::NODE_STRING {
        return None;
    }
    let mut out = String::new();
    for child in node.children_with_tokens() {
        match child.kind() {
            SyntaxKind::TOKEN_STRING_CONTENT => out.push_str(child.as_token()?.text()),
            SyntaxKind::TOKEN_STRING_START | SyntaxKind::TOKEN_STRING_END => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The byte range of a string literal's contents (between the quotes).
pub fn string_content_range(node: &SyntaxNode) -> Option<Range<usize>> {
    let tokens: Vec<_> = node
        .children_with_tokens()
        .filter_map(|c| c.into_token())
        .collect();
    let start = tokens
        .iter()
        .find(|t| t.kind() == SyntaxKind::TOKEN_STRING_START)?;
    let end = tokens
        .iter()
        .rfind(|t| t.kind() == SyntaxKind::TOKEN_STRING_END)?;
    Some(usize::from(start.text_range().end())..usize::from(end.text_range().start()))
}

/// The names a lambda's `{ a, b, ... }` pattern binds (not the `@name`).
pub fn lambda_formals(lambda: &SyntaxNode) -> Vec<String> {
    let Some(pattern) = lambda
        .children()
        .find(|c| c.kind() == SyntaxKind::NODE_PATTERN)
    else {
        return Vec::new();
    };
    pattern
        .children()
        .filter(|c| c.kind() == SyntaxKind::NODE_PAT_ENTRY)
        .filter_map(|e| e.children().find(|c| c.kind() == SyntaxKind::NODE_IDENT))
        .map(|i| i.text().to_string())
        .collect()
}

/// The name of the function a call applies, through currying: `pkgs.mkShell { }` and
/// `f a b` give `mkShell` and `f`.
pub fn call_head(apply: &SyntaxNode) -> Option<String> {
    let mut f = apply.children().next()?;
    while f.kind() == SyntaxKind::NODE_APPLY || f.kind() == SyntaxKind::NODE_PAREN {
        f = f.children().next()?;
    }
    select_path(&f).and_then(|p| p.last().cloned())
}

/// `a.b.c` as `["a", "b", "c"]` for identifiers and selects of plain keys.
pub fn select_path(node: &SyntaxNode) -> Option<Vec<String>> {
    match node.kind() {
        SyntaxKind::NODE_IDENT => Some(vec![node.text().to_string()]),
        SyntaxKind::NODE_SELECT => {
            let mut children = node.children();
            let mut path = select_path(&children.next()?)?;
            let keys = children.find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)?;
            path.extend(attrpath_keys(&keys));
            Some(path)
        }
        _ => None,
    }
}

/// The package names a file selects from the package set: `X` in every `pkgs.X…`.
pub fn package_selects(text: &str) -> Vec<String> {
    parse(text)
        .syntax()
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_SELECT)
        .filter_map(|n| select_path(&n))
        .filter(|p| p.len() >= 2 && p[0] == "pkgs")
        .map(|p| p[1].clone())
        .collect()
}

/// The leading whitespace of the line that contains `offset`.
pub fn indent_at(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// The byte offset just past the end of the line containing `offset` (after its newline).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// One input a flake.nix declares. Places are byte ranges, not nodes, so that a flake's
/// reading can move between threads (rowan's nodes cannot).
#[derive(Debug, Clone, Default)]
pub struct FlakeInput {
    pub name: String,
    /// The `url` string (or the shorthand `inputs.x = "url"`).
    pub url: Option<InputUrl>,
    /// `inputs.x.follows = "y"`.
    pub follows: Option<String>,
    /// `inputs.x.inputs.a.follows = "b"` as (a, b); deeper,
    /// `inputs.x.inputs.a.inputs.c.follows = "b"` as (a/c, b).
    pub nested_follows: Vec<(String, String)>,
    /// The first binding that mentions the input: where a finding about it points.
    pub at: Option<Range<usize>>,
    /// An attribute-style spec (`type = "github"; owner = ...`) rather than a URL.
    pub attribute_spec: bool,
    /// Implied by an argument of `outputs` that `inputs` does not declare.
    pub implicit: bool,
}

/// An input's `url` string: its value, the string's range and its content's range.
#[derive(Debug, Clone)]
pub struct InputUrl {
    pub value: String,
    pub range: Range<usize>,
    pub content: Option<Range<usize>>,
}

impl InputUrl {
    fn of(value: String, node: &SyntaxNode) -> InputUrl {
        InputUrl {
            value,
            range: range(node),
            content: string_content_range(node),
        }
    }
}

/// The inputs of a flake.nix: from `inputs`, plus the arguments of `outputs` that `inputs`
/// does not declare (Nix resolves those through the registry).
pub fn flake_inputs(root: &SyntaxNode) -> Vec<FlakeInput> {
    let Some(top) = body_attrset(root) else {
        return Vec::new();
    };
    let mut inputs: Vec<FlakeInput> = Vec::new();
    let all = bindings(&top);
    for b in &all {
        if b.path.len() < 2 || b.path[0] != "inputs" {
            continue;
        }
        let name = &b.path[1];
        let idx = match inputs.iter().position(|i| &i.name == name) {
            Some(i) => i,
            None => {
                inputs.push(FlakeInput {
                    name: name.clone(),
                    at: Some(range(&b.node)),
                    ..Default::default()
                });
                inputs.len() - 1
            }
        };
        let input = &mut inputs[idx];
        let literal = string_literal(&b.value);
        match &b.path[2..] {
            [] => {
                if let Some(url) = literal {
                    input.url = Some(InputUrl::of(url, &b.value));
                }
            }
            [k] if k == "url" => input.url = literal.map(|u| InputUrl::of(u, &b.value)),
            [k] if k == "follows" => input.follows = literal,
            [k] if matches!(k.as_str(), "type" | "owner" | "repo" | "path") => {
                input.attribute_spec = true
            }
            [nested @ .., f]
                if f == "follows"
                    && !nested.is_empty()
                    && nested.len() % 2 == 0
                    && nested.iter().step_by(2).all(|k| k == "inputs") =>
            {
                if let Some(target) = literal {
                    let path: Vec<&str> = nested
                        .iter()
                        .skip(1)
                        .step_by(2)
                        .map(String::as_str)
                        .collect();
                    input.nested_follows.push((path.join("/"), target));
                }
            }
            _ => {}
        }
    }
    if let Some(outputs) = all.iter().find(|b| b.path == ["outputs"]) {
        if outputs.value.kind() == SyntaxKind::NODE_LAMBDA {
            for formal in lambda_formals(&outputs.value) {
                if formal != "self" && !inputs.iter().any(|i| i.name == formal) {
                    inputs.push(FlakeInput {
                        name: formal,
                        at: Some(range(&outputs.node)),
                        implicit: true,
                        ..Default::default()
                    });
                }
            }
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> SyntaxNode {
        let p = parse(text);
        assert!(p.errors().is_empty(), "{:?}", p.errors());
        p.syntax()
    }

    #[test]
    fn flattens_nested_and_dotted_bindings() {
        let root = tree("{ inputs = { a.url = \"github:x/a\"; }; inputs.b.url = \"b\"; c = 1; }");
        let paths: Vec<_> = bindings(&body_attrset(&root).unwrap())
            .into_iter()
            .map(|b| b.path.join("."))
            .collect();
        assert_eq!(paths, ["inputs", "inputs.a.url", "inputs.b.url", "c"]);
    }

    #[test]
    fn finds_a_node_again_by_its_range() {
        let root = tree("{ inputs.a.url = \"x\"; b = 1; }");
        let binding = root
            .descendants()
            .find(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
            .unwrap();
        let again = node_at(&root, range(&binding), SyntaxKind::NODE_ATTRPATH_VALUE).unwrap();
        assert_eq!(again, binding);
        // A range no node of that kind spans exactly.
        assert!(node_at(&root, 2..5, SyntaxKind::NODE_ATTRPATH_VALUE).is_none());
        assert!(node_at(&root, 0..999, SyntaxKind::NODE_ATTR_SET).is_none());
    }

    #[test]
    fn reads_flake_inputs_in_every_spelling() {
        let root = tree(
            r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.utils = { url = "github:numtide/flake-utils"; inputs.nixpkgs.follows = "nixpkgs"; inputs.a.inputs.b.follows = "nixpkgs"; };
  inputs.old = "nixpkgs";
  inputs.spec = { type = "github"; owner = "o"; repo = "r"; };
  outputs = { self, nixpkgs, utils, old, spec, registry, ... }: { };
}"#,
        );
        let inputs = flake_inputs(&root);
        let names: Vec<_> = inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["nixpkgs", "utils", "old", "spec", "registry"]);
        assert_eq!(
            inputs[1].nested_follows,
            [
                ("nixpkgs".to_owned(), "nixpkgs".to_owned()),
                ("a/b".to_owned(), "nixpkgs".to_owned())
            ]
        );
        assert_eq!(inputs[2].url.as_ref().unwrap().value, "nixpkgs");
        assert!(inputs[3].attribute_spec && inputs[4].implicit);
    }

    #[test]
    fn full_path_climbs_nested_sets_and_calls_have_heads() {
        let root =
            tree("{ devShells.x86_64-linux = { default = pkgs.mkShell { packages = [ ]; }; }; }");
        let node = root
            .descendants()
            .find(|n| {
                n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
                    && n.text().to_string().starts_with("packages")
            })
            .unwrap();
        assert_eq!(full_path(&node), ["packages"]);
        let default = root
            .descendants()
            .find(|n| {
                n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
                    && n.text().to_string().starts_with("default")
            })
            .unwrap();
        assert_eq!(
            full_path(&default),
            ["devShells", "x86_64-linux", "default"]
        );
        let apply = root
            .descendants()
            .find(|n| n.kind() == SyntaxKind::NODE_APPLY)
            .unwrap();
        assert_eq!(call_head(&apply).as_deref(), Some("mkShell"));
    }

    #[test]
    fn string_helpers() {
        let root = tree("{ a = \"x${y}\"; b = ''lit''; }");
        let strings: Vec<_> = root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_STRING)
            .collect();
        assert_eq!(string_literal(&strings[0]), None);
        assert_eq!(string_literal(&strings[1]).as_deref(), Some("lit"));
        let r = string_content_range(&strings[1]).unwrap();
        assert_eq!(&root.text().to_string()[r], "lit");
        assert_eq!(indent_at("a\n   b", 5), "   ");
        assert_eq!(line_end("ab\ncd", 0), 3);
    }
}
