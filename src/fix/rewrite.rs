//! Structural edits of Nix source through rnix: add an element to a list attribute, add a
//! formal to a function's argument set, add a line to a phase hook, replace an expression.
//! Each returns a text edit that keeps the surrounding formatting and comments.

use std::path::{Path, PathBuf};

use rnix::{SyntaxKind, SyntaxNode};

use crate::nix::edit::TextEdit;
use crate::nix::syntax;

/// A parsed Nix file of the project, with its path relative to the project root.
pub struct NixFile {
    pub path: PathBuf,
    pub text: String,
    pub root: SyntaxNode,
}

impl NixFile {
    /// Parses `text`; `None` when it has syntax errors (such a file is not edited).
    pub fn parse(path: &Path, text: String) -> Option<NixFile> {
        let parse = syntax::parse(&text);
        if !parse.errors().is_empty() {
            return None;
        }
        let root = parse.syntax();
        Some(NixFile {
            path: path.to_owned(),
            text,
            root,
        })
    }

    fn edit(&self, range: std::ops::Range<usize>, new_text: String) -> TextEdit {
        TextEdit::replace(self.path.clone(), range, new_text)
    }

    /// The attribute set passed to a derivation builder that names the package `pname`:
    /// `pname = "foo"`, or `name = "foo"` / `name = "foo-1.2"`.
    pub fn derivation(&self, pname: &str) -> Option<SyntaxNode> {
        self.root
            .descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
            .find(|b| {
                let Some(key) = b.children().find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH) else {
                    return false;
                };
                let Some(value) = b.children().nth(1).and_then(|v| syntax::string_literal(&v))
                else {
                    return false;
                };
                match syntax::attrpath_keys(&key).as_slice() {
                    [k] if k == "pname" => value == pname,
                    [k] if k == "name" => {
                        value == pname
                            || value
                                .strip_prefix(pname)
                                .is_some_and(|rest| rest.starts_with('-'))
                    }
                    _ => false,
                }
            })
            .and_then(|b| b.parent())
            .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
    }

    /// The value of the direct binding `key = ...;` of `attrset`.
    pub fn binding_value(&self, attrset: &SyntaxNode, key: &str) -> Option<SyntaxNode> {
        binding(attrset, key).and_then(|b| b.children().nth(1))
    }

    /// Adds `element` to the list bound to `key` in `attrset`, creating `key = [ element ];`
    /// when there is none. `None` when the list already holds it or is not a literal list.
    pub fn add_list_element(
        &self,
        attrset: &SyntaxNode,
        key: &str,
        element: &str,
    ) -> Option<TextEdit> {
        let Some(value) = self.binding_value(attrset, key) else {
            return Some(self.add_binding(attrset, key, &format!("[ {element} ]")));
        };
        let list = unwrap_list(value)?;
        let items: Vec<String> = list.children().map(|c| c.text().to_string()).collect();
        if items.iter().any(|i| i == element) {
            return None;
        }
        let close = list
            .children_with_tokens()
            .filter_map(|c| c.into_token())
            .find(|t| t.kind() == SyntaxKind::TOKEN_R_BRACK)?;
        let at = usize::from(close.text_range().start());
        let list_text = list.text().to_string();
        if list_text.contains('\n') {
            // One element per line: a new line before `]`, indented like the others.
            let indent = list
                .children()
                .last()
                .map(|c| syntax::indent_at(&self.text, syntax::range(&c).start).to_owned())
                .unwrap_or_else(|| format!("{}  ", syntax::indent_at(&self.text, at)));
            let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
            if self.text[line_start..at].trim().is_empty() {
                return Some(self.edit(line_start..line_start, format!("{indent}{element}\n")));
            }
            return Some(self.edit(at..at, format!("\n{indent}{element}\n")));
        }
        let before = self.text[..at].chars().last();
        let new_text = if before.is_some_and(char::is_whitespace) {
            format!("{element} ")
        } else {
            format!(" {element} ")
        };
        Some(self.edit(at..at, new_text))
    }

    /// Removes `element` from the list bound to `key`, with the space or line it stood on.
    pub fn remove_list_element(
        &self,
        attrset: &SyntaxNode,
        key: &str,
        element: &str,
    ) -> Option<TextEdit> {
        let list = unwrap_list(self.binding_value(attrset, key)?)?;
        let item = list.children().find(|c| c.text() == element)?;
        let r = syntax::range(&item);
        let line_start = self.text[..r.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = syntax::line_end(&self.text, r.end);
        let alone = self.text[line_start..r.start].trim().is_empty()
            && self.text[r.end..line_end].trim().is_empty();
        if alone {
            return Some(self.edit(line_start..line_end, String::new()));
        }
        let start = r.start - (self.text[..r.start].len() - self.text[..r.start].trim_end().len());
        Some(self.edit(start..r.end, String::new()))
    }

    /// Adds the binding `key = value;` to `attrset`, on its own line after the bindings a
    /// reader looks for it near (inputs lists, src, version, name), indented like them.
    pub fn add_binding(&self, attrset: &SyntaxNode, key: &str, value: &str) -> TextEdit {
        const NEIGHBOURS: &[&str] = &[
            "nativeBuildInputs",
            "buildInputs",
            "src",
            "version",
            "pname",
            "name",
        ];
        let entries: Vec<SyntaxNode> = attrset
            .children()
            .filter(|c| {
                matches!(
                    c.kind(),
                    SyntaxKind::NODE_ATTRPATH_VALUE | SyntaxKind::NODE_INHERIT
                )
            })
            .collect();
        let anchor = NEIGHBOURS
            .iter()
            .find_map(|k| binding(attrset, k))
            .or_else(|| entries.last().cloned());
        match anchor {
            Some(node) => {
                let start = syntax::range(&node).start;
                let indent = syntax::indent_at(&self.text, start).to_owned();
                let end = syntax::range(&node).end;
                let line_end = syntax::line_end(&self.text, end);
                // After the anchor's line, unless code (a closing brace) follows it there.
                let rest = self.text[end..line_end].trim_start();
                let at = if rest.is_empty() || rest.starts_with('#') {
                    line_end
                } else {
                    end
                };
                let newline = if self.text[..at].ends_with('\n') {
                    ""
                } else {
                    "\n"
                };
                self.edit(at..at, format!("{newline}{indent}{key} = {value};\n"))
            }
            None => {
                // After `{`, which is not the set's first character in `rec { }`.
                let open = attrset
                    .children_with_tokens()
                    .filter_map(|c| c.into_token())
                    .find(|t| t.kind() == SyntaxKind::TOKEN_L_BRACE)
                    .map_or(syntax::range(attrset).start, |t| {
                        usize::from(t.text_range().start())
                    })
                    + 1;
                let indent = format!("{}  ", syntax::indent_at(&self.text, open - 1));
                self.edit(open..open, format!("\n{indent}{key} = {value};\n"))
            }
        }
    }

    /// Adds `name` to the argument set of the function this file defines
    /// (`{ lib, stdenv }:` → `{ lib, stdenv, name }:`). `None` when it is there already or
    /// the file is not such a function.
    pub fn add_formal(&self, name: &str) -> Option<TextEdit> {
        let lambda = top_lambda(&self.root)?;
        if syntax::lambda_formals(&lambda).iter().any(|f| f == name) {
            return None;
        }
        let pattern = lambda
            .children()
            .find(|c| c.kind() == SyntaxKind::NODE_PATTERN)?;
        let multiline = pattern.text().to_string().contains('\n');
        let entries: Vec<SyntaxNode> = pattern
            .children()
            .filter(|c| c.kind() == SyntaxKind::NODE_PAT_ENTRY)
            .collect();
        let Some(last) = entries.last() else {
            let open = usize::from(pattern.text_range().start()) + 1;
            return Some(self.edit(open..open, format!(" {name},")));
        };
        let end = syntax::range(last).end;
        let indent = syntax::indent_at(&self.text, syntax::range(last).start).to_owned();
        let rest = &self.text[end..];
        let next = rest.trim_start();
        if next.starts_with(',') {
            // Trailing-comma style, or a comma before `...`: add after that comma.
            let comma = end + (rest.len() - next.len()) + 1;
            let text = if multiline {
                format!("\n{indent}{name},")
            } else {
                format!(" {name},")
            };
            return Some(self.edit(comma..comma, text));
        }
        let line = &self.text[self.text[..end].rfind('\n').map_or(0, |i| i + 1)..end];
        let text = match (multiline, line.trim_start().starts_with(',')) {
            (true, true) => format!("\n{indent}, {name}"),
            (true, false) => format!(",\n{indent}{name}"),
            (false, _) => format!(", {name}"),
        };
        Some(self.edit(end..end, text))
    }

    /// Whether the function this file defines takes `name` as a formal.
    pub fn has_formal(&self, name: &str) -> bool {
        top_lambda(&self.root).is_some_and(|l| syntax::lambda_formals(&l).iter().any(|f| f == name))
    }

    /// Adds `line` at the start of the shell hook `hook` (preBuild, postInstall, ...) of
    /// `attrset`, creating the hook when there is none.
    pub fn add_hook_line(&self, attrset: &SyntaxNode, hook: &str, line: &str) -> Option<TextEdit> {
        let Some(value) = self.binding_value(attrset, hook) else {
            let start = syntax::range(attrset).start;
            let indent = binding_indent(&self.text, attrset)
                .unwrap_or_else(|| format!("{}  ", syntax::indent_at(&self.text, start)));
            let body = format!("''\n{indent}  {line}\n{indent}''");
            return Some(self.add_binding(attrset, hook, &body));
        };
        if value.kind() != SyntaxKind::NODE_STRING {
            return None;
        }
        let content = syntax::string_content_range(&value)?;
        let inner = &self.text[content.clone()];
        if inner.contains(line) {
            return None;
        }
        match inner.strip_prefix('\n') {
            Some(rest) => {
                let first = rest.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let indent = &first[..first.len() - first.trim_start().len()];
                let at = content.start + 1;
                Some(self.edit(at..at, format!("{indent}{line}\n")))
            }
            None => Some(self.edit(content.start..content.start, format!("{line}\n"))),
        }
    }

    /// Replaces `node` with `new_text`.
    pub fn replace(&self, node: &SyntaxNode, new_text: &str) -> TextEdit {
        self.edit(syntax::range(node), new_text.to_owned())
    }

    /// How `attr` of the package set is written where `attrset` is built: a bare name in a
    /// package function (`{ stdenv, cmake }:` or under `with pkgs;`), else through the
    /// package set the builder comes from (`pkgs.cmake`). The second value is the formal to
    /// add, if any.
    pub fn package_reference(&self, attrset: &SyntaxNode, attr: &str) -> (String, Option<String>) {
        let head_root = attrset
            .ancestors()
            .find(|a| a.kind() == SyntaxKind::NODE_APPLY)
            .and_then(|apply| {
                let mut f = apply.children().next()?;
                while matches!(f.kind(), SyntaxKind::NODE_APPLY | SyntaxKind::NODE_PAREN) {
                    f = f.children().next()?;
                }
                syntax::select_path(&f)
            })
            .and_then(|p| p.first().cloned());
        let under_with = attrset
            .ancestors()
            .any(|a| a.kind() == SyntaxKind::NODE_WITH);
        let top = attr.split('.').next().unwrap_or(attr).to_owned();
        match head_root {
            Some(root) if self.has_formal(&root) && root != "pkgs" => {
                (attr.to_owned(), (!self.has_formal(&top)).then_some(top))
            }
            _ if under_with => (attr.to_owned(), None),
            Some(root) if root != "stdenv" => (format!("{root}.{attr}"), None),
            _ => (attr.to_owned(), (!self.has_formal(&top)).then_some(top)),
        }
    }
}

fn binding(attrset: &SyntaxNode, key: &str) -> Option<SyntaxNode> {
    attrset.children().find(|c| {
        c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE
            && c.children()
                .find(|k| k.kind() == SyntaxKind::NODE_ATTRPATH)
                .is_some_and(|k| syntax::attrpath_keys(&k) == [key])
    })
}

fn binding_indent(text: &str, attrset: &SyntaxNode) -> Option<String> {
    let first = attrset
        .children()
        .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)?;
    Some(syntax::indent_at(text, syntax::range(&first).start).to_owned())
}

/// The list itself, looking through `with pkgs; [ ... ]` and parentheses.
fn unwrap_list(mut node: SyntaxNode) -> Option<SyntaxNode> {
    loop {
        node = match node.kind() {
            SyntaxKind::NODE_LIST => return Some(node),
            SyntaxKind::NODE_WITH => node.children().last()?,
            SyntaxKind::NODE_PAREN => node.children().next()?,
            _ => return None,
        };
    }
}

/// The function a file defines: its top expression, through `let ... in`.
fn top_lambda(root: &SyntaxNode) -> Option<SyntaxNode> {
    let mut node = root.children().next()?;
    loop {
        node = match node.kind() {
            SyntaxKind::NODE_LAMBDA => return Some(node),
            SyntaxKind::NODE_PAREN | SyntaxKind::NODE_LET_IN => node.children().last()?,
            _ => return None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: with the closing brace on the last binding's line, the new binding
    /// went after the brace.
    #[test]
    fn added_bindings_stay_inside_the_braces() {
        let text = "{\n  inputs.nixpkgs.url = \"x\";}\n";
        let f = NixFile::parse(Path::new("f.nix"), text.into()).unwrap();
        let set = syntax::body_attrset(&f.root).unwrap();
        let e = f.add_binding(&set, "buildInputs", "[ hello ]");
        let out = edit::apply(text, &[&e]).unwrap();
        assert_eq!(
            out,
            "{\n  inputs.nixpkgs.url = \"x\";\n  buildInputs = [ hello ];\n}\n"
        );
        assert!(syntax::parse(&out).errors().is_empty());

        // Found by fuzzing: in an empty `rec { }` the binding went after `r`.
        let f = NixFile::parse(Path::new("f.nix"), "rec {}".into()).unwrap();
        let set = syntax::body_attrset(&f.root).unwrap();
        let e = f.add_binding(&set, "x", "1");
        assert_eq!(edit::apply(&f.text, &[&e]).unwrap(), "rec {\n  x = 1;\n}");
    }
    use crate::nix::edit;

    fn file(text: &str) -> NixFile {
        NixFile::parse(Path::new("package.nix"), text.to_owned()).unwrap()
    }

    fn applied(f: &NixFile, e: TextEdit) -> String {
        edit::apply(&f.text, &[&e]).unwrap()
    }

    const PKG: &str = "{ lib, stdenv, zlib }:\n\nstdenv.mkDerivation {\n  pname = \"imgtool\";\n  version = \"0.5.0\";\n  # the library\n  buildInputs = [ zlib ];\n}\n";

    #[test]
    fn adds_missing_list_and_formal_in_a_package_function() {
        let f = file(PKG);
        let drv = f.derivation("imgtool").unwrap();
        let (element, formal) = f.package_reference(&drv, "cmake");
        assert_eq!(
            (element.as_str(), formal.as_deref()),
            ("cmake", Some("cmake"))
        );
        let after = applied(
            &f,
            f.add_list_element(&drv, "nativeBuildInputs", &element)
                .unwrap(),
        );
        assert!(
            after.contains("  buildInputs = [ zlib ];\n  nativeBuildInputs = [ cmake ];\n"),
            "{after}"
        );
        assert!(after.contains("# the library"));
        let after = applied(&f, f.add_formal("cmake").unwrap());
        assert!(
            after.starts_with("{ lib, stdenv, zlib, cmake }:"),
            "{after}"
        );
    }

    #[test]
    fn extends_existing_lists_in_their_style() {
        let f = file("{ pkgs }: pkgs.stdenv.mkDerivation {\n  name = \"x-1\";\n  buildInputs = [\n    pkgs.zlib # comment\n  ];\n  nativeBuildInputs = [ ];\n}\n");
        let drv = f.derivation("x").unwrap();
        assert_eq!(
            f.package_reference(&drv, "openssl"),
            ("pkgs.openssl".to_owned(), None)
        );
        let after = applied(
            &f,
            f.add_list_element(&drv, "buildInputs", "pkgs.openssl")
                .unwrap(),
        );
        assert!(
            after.contains("    pkgs.zlib # comment\n    pkgs.openssl\n  ];"),
            "{after}"
        );
        let after = applied(
            &f,
            f.add_list_element(&drv, "nativeBuildInputs", "pkgs.cmake")
                .unwrap(),
        );
        assert!(
            after.contains("nativeBuildInputs = [ pkgs.cmake ];"),
            "{after}"
        );
    }

    #[test]
    fn formals_in_multiline_and_ellipsis_styles() {
        let f = file("{\n  lib,\n  stdenv,\n  ...\n}:\nstdenv.mkDerivation { name = \"a\"; }\n");
        let after = applied(&f, f.add_formal("cmake").unwrap());
        assert!(
            after.starts_with("{\n  lib,\n  stdenv,\n  cmake,\n  ...\n}:"),
            "{after}"
        );
        let f = file("{ stdenv\n, lib\n}:\nstdenv.mkDerivation { name = \"a\"; }\n");
        let after = applied(&f, f.add_formal("cmake").unwrap());
        assert!(after.starts_with("{ stdenv\n, lib\n, cmake\n}:"), "{after}");
        assert!(f.add_formal("lib").is_none());
    }

    #[test]
    fn hook_lines() {
        let f = file("{ stdenv }: stdenv.mkDerivation {\n  name = \"a\";\n  postInstall = ''\n    ./gen-completions\n  '';\n}\n");
        let drv = f.derivation("a").unwrap();
        let after = applied(
            &f,
            f.add_hook_line(&drv, "postInstall", "export HOME=$TMPDIR")
                .unwrap(),
        );
        assert!(
            after.contains("postInstall = ''\n    export HOME=$TMPDIR\n    ./gen-completions\n"),
            "{after}"
        );
        let after = applied(
            &f,
            f.add_hook_line(&drv, "preBuild", "export HOME=$TMPDIR")
                .unwrap(),
        );
        assert!(
            after.contains("  name = \"a\";\n  preBuild = ''\n    export HOME=$TMPDIR\n  '';\n"),
            "{after}"
        );
    }
}
