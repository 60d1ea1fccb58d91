//! NF009: a flake input resolved through the flake registry.

use std::ops::Range;

use rnix::{SyntaxElement, SyntaxNode};

use crate::nix::edit::TextEdit;
use crate::nix::syntax::{line_end, range, FlakeInput, InputUrl, Kind};
use crate::review::flake::Flake;
use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct IndirectInput;

const NIXPKGS: &str = "github:NixOS/nixpkgs";

impl Rule for IndirectInput {
    fn code(&self) -> &'static str {
        "NF009"
    }
    fn name(&self) -> &'static str {
        "indirect-input"
    }
    fn doc(&self) -> &'static str {
        "A flake input is an indirect (registry) reference: `nixpkgs`, `flake:nixpkgs`, \
`nixpkgs/nixos-24.05`, or an argument of `outputs` that `inputs` does not declare at all. Nix \
resolves those through the user's flake registry, which differs between machines.

Why: what a flake builds must be decided by its files, not by the registry of whoever runs it.

Before:

    inputs.nixpkgs.url = \"nixpkgs\";

After (`nfai review --fix` does this for nixpkgs):

    inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";

An argument of `outputs` that `inputs` does not declare and that nothing uses is not declared \
and locked for nothing: `nfai review --fix` removes it (`{ self, nixpkgs, utils }:` becomes \
`{ self, nixpkgs }:`), then `nix flake lock` drops it from the lock."
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        for flake in &repo.flakes {
            for input in &flake.inputs {
                if input.implicit {
                    out.push(self.implicit(flake, input));
                    continue;
                }
                let Some(url) = &input.url else {
                    continue;
                };
                let InputUrl {
                    value: url,
                    range: at,
                    content,
                } = url;
                let Some(id) = indirect_id(url) else { continue };
                let mut f = Finding::new(
                    self,
                    format!("input `{}` is the registry reference `{url}`", input.name),
                )
                .at(&flake.nix_rel, &flake.text, at.clone());
                let (id, branch) = id.split_once('/').unwrap_or((id, "nixos-unstable"));
                match content {
                    Some(content) if id == "nixpkgs" => {
                        let pinned = format!("{NIXPKGS}/{branch}");
                        f = f.fix(
                            format!("use `{pinned}`"),
                            vec![TextEdit::replace(&flake.nix_rel, content.clone(), pinned)],
                        );
                        f = f.command(super::update_input_command(ctx, flake, &input.name));
                    }
                    _ => f = f.help("use a direct URL (`github:owner/repo`, `git+https://...`)"),
                }
                out.push(f);
            }
        }
    }
}

impl IndirectInput {
    /// An argument of outputs that `inputs` does not declare: declared it is pinned; never
    /// used, it goes, rather than being declared and locked for nothing.
    fn implicit(&self, flake: &Flake, input: &FlakeInput) -> Finding {
        let name = &input.name;
        let Some(entry) = flake.unused_argument(name) else {
            let r = input.at.clone().unwrap_or(0..0);
            return Finding::new(self, format!("`{name}` is an argument of outputs but not an input: Nix takes it from the flake registry"))
                .at(&flake.nix_rel, &flake.text, r)
                .help(format!("declare it: `inputs.{name}.url = \"...\";`"));
        };
        let mut f = Finding::new(
            self,
            format!("`{name}` is an argument of outputs that is neither an input nor used: Nix still takes it from the flake registry"),
        )
        .at(&flake.nix_rel, &flake.text, range(&entry))
        .fix(
            format!("remove the unused argument `{name}`"),
            vec![TextEdit::replace(
                &flake.nix_rel,
                removal(&flake.text, &entry),
                String::new(),
            )],
        );
        // The lock pins it: re-locking drops it.
        if flake
            .valid_lock()
            .is_some_and(|l| l.root_inputs().contains_key(name))
        {
            f = f.command(super::lock_command(flake));
        }
        f
    }
}

/// The bytes to delete to remove a formal from `{ … }` with its comma: the one after it,
/// else the one before it (the last formal, or commas leading the line). A formal alone
/// on its line (with its comma and a comment after it) goes with the whole line.
fn removal(text: &str, entry: &SyntaxNode) -> Range<usize> {
    let trivia =
        |e: &SyntaxElement| matches!(e.kind(), Kind::TOKEN_WHITESPACE | Kind::TOKEN_COMMENT);
    let is_comma = |e: &SyntaxElement| e.kind() == Kind::TOKEN_COMMA;
    let span = |e: &SyntaxElement| {
        let r = e.text_range();
        usize::from(r.start())..usize::from(r.end())
    };
    let after = std::iter::successors(entry.next_sibling_or_token(), |e| e.next_sibling_or_token())
        .find(|e| !trivia(e))
        .filter(is_comma);
    let before =
        std::iter::successors(entry.prev_sibling_or_token(), |e| e.prev_sibling_or_token())
            .find(|e| !trivia(e))
            .filter(is_comma);
    let own = range(entry);
    let (start, end) = match (&after, &before) {
        (Some(comma), _) => (own.start, span(comma).end),
        (None, Some(comma)) => (span(comma).start, own.end),
        (None, None) => (own.start, own.end),
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = line_end(text, end);
    let rest = text[end..line_end].trim();
    if text[line_start..start].trim().is_empty() && (rest.is_empty() || rest.starts_with('#')) {
        return line_start..line_end;
    }
    let horizontal = |c: char| c == ' ' || c == '\t';
    if before.is_some() && after.is_none() {
        // `{ self, x }` → `{ self }`
        return start - (text[..start].len() - text[..start].trim_end().len())..end;
    }
    let gap = text[end..].len() - text[end..].trim_start().len();
    if text[end..end + gap].contains('\n') {
        // `{ self, x,⏎ y }`: keep the line break, drop the spaces before x.
        let spaces = text[..start].len() - text[..start].trim_end_matches(horizontal).len();
        return start - spaces..end;
    }
    // `{ self, x, y }` → `{ self, y }`; `{ x }` → `{ }`
    start..end + gap
}

/// The registry id (with an optional `/ref`) of an indirect flake reference.
fn indirect_id(url: &str) -> Option<&str> {
    if let Some(id) = url.strip_prefix("flake:") {
        return Some(id);
    }
    let first = url.split('/').next()?;
    let is_id = !url.contains(':')
        && !first.is_empty()
        && !first.starts_with('.')
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    is_id.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    #[test]
    fn fires_and_fixes_registry_references() {
        let flake = "{\n  # pinned later\n  inputs.nixpkgs.url = \"nixpkgs\";\n  inputs.other.url = \"flake:home-manager\";\n  outputs = { self, nixpkgs, other, utils }: { };\n}\n";
        let f = repo(&IndirectInput, &[("flake.nix", flake)]);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(fixed(flake, &f[0]).contains(
            "# pinned later\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";"
        ));
        assert!(f[1].fix.is_none() && f[2].message.contains("`utils`"));
        assert_eq!(
            indirect_id("nixpkgs/nixos-24.05"),
            Some("nixpkgs/nixos-24.05")
        );
    }

    #[test]
    fn an_unused_argument_is_removed_not_declared() {
        let remove = |outputs: &str| {
            let flake = format!("{{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = {outputs}: {{ p = nixpkgs; }};\n}}\n");
            let f = repo(&IndirectInput, &[("flake.nix", &flake)]);
            assert_eq!(f.len(), 1, "{outputs}: {f:?}");
            assert!(
                f[0].message.contains("neither an input nor used"),
                "{}",
                f[0].message
            );
            let out = fixed(&flake, &f[0]);
            assert!(crate::nix::syntax::parse(&out).errors().is_empty(), "{out}");
            let start = out.find("outputs = ").unwrap() + "outputs = ".len();
            let end = out.find(": { p").unwrap();
            out[start..end].to_owned()
        };
        assert_eq!(remove("{ self, nixpkgs, utils }"), "{ self, nixpkgs }");
        assert_eq!(remove("{ self, utils, nixpkgs }"), "{ self, nixpkgs }");
        assert_eq!(remove("{ self, utils, ... }"), "{ self, ... }");
        assert_eq!(remove("{ utils, nixpkgs, ... }"), "{ nixpkgs, ... }");
        assert_eq!(remove("{ utils ? null, nixpkgs }"), "{ nixpkgs }");
        assert_eq!(
            remove("{ self, utils /* legacy */, nixpkgs }"),
            "{ self, nixpkgs }"
        );
        // One per line, trailing commas and a comment on the line: the line goes.
        assert_eq!(
            remove("{\n    self,\n    utils, # was flake-utils\n    nixpkgs,\n    ...\n  }"),
            "{\n    self,\n    nixpkgs,\n    ...\n  }"
        );
        // The last one, without a trailing comma.
        assert_eq!(
            remove("{\n    self,\n    nixpkgs,\n    utils\n  }"),
            "{\n    self,\n    nixpkgs\n  }"
        );
        // Leading commas.
        assert_eq!(
            remove("{ self\n  , utils\n  , nixpkgs\n  }"),
            "{ self\n  , nixpkgs\n  }"
        );
        assert_eq!(
            remove("{ self\n  , nixpkgs\n  , utils }"),
            "{ self\n  , nixpkgs }"
        );
        // Broken across lines after the comma.
        assert_eq!(
            remove("{ self, utils,\n    nixpkgs }"),
            "{ self,\n    nixpkgs }"
        );
    }

    #[test]
    fn an_unused_argument_the_lock_pins_is_relocked_after() {
        let flake = "{ outputs = { self, utils }: { }; }";
        let lock = r#"{"nodes": {"utils": {"locked": {"type": "github", "owner": "numtide", "repo": "flake-utils", "rev": "a", "narHash": "h"}, "original": {"type": "indirect", "id": "utils"}}, "root": {"inputs": {"utils": "utils"}}}, "root": "root", "version": 7}"#;
        let f = repo(
            &IndirectInput,
            &[("flake.nix", flake), ("flake.lock", lock)],
        );
        assert_eq!(fixed(flake, &f[0]), "{ outputs = { self }: { }; }");
        assert_eq!(f[0].command.as_deref(), Some("nix flake lock"));
        // Used, it keeps the advice to declare it.
        let used = "{ outputs = { self, utils }: utils.lib.eachDefaultSystem (s: { }); }";
        let f = repo(&IndirectInput, &[("flake.nix", used)]);
        assert!(f[0].fix.is_none() && f[0].help.as_deref().unwrap().starts_with("declare it"));
    }

    #[test]
    fn direct_references_are_fine() {
        let flake = "{ inputs.nixpkgs.url = \"github:NixOS/nixpkgs\"; inputs.sub.url = \"path:./sub\"; inputs.local.url = \"./local\"; outputs = { self, nixpkgs, sub, local, ... }: { }; }";
        assert!(repo(&IndirectInput, &[("flake.nix", flake)]).is_empty());
    }
}
