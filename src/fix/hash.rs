//! hash_mismatch: writes the hash Nix got where the stale (or placeholder) hash is, in the
//! notation the file already uses.

use rnix::SyntaxKind;

use super::{Candidate, Fixer, Project};
use crate::diagnose::Finding;
use crate::nix::hash::Hash;
use crate::nix::syntax;

pub struct HashFix;

/// Attributes that hold the hash of a fixed-output derivation.
const HASH_KEYS: &[&str] = &[
    "hash",
    "sha256",
    "sha512",
    "outputHash",
    "cargoHash",
    "cargoSha256",
    "vendorHash",
    "vendorSha256",
    "npmDepsHash",
    "pnpmDepsHash",
    "yarnHash",
];

impl Fixer for HashFix {
    fn categories(&self) -> &'static [&'static str] {
        &["hash_mismatch"]
    }

    fn candidates(&self, finding: &Finding, project: &Project) -> Vec<Candidate> {
        let (Some(specified), Some(got)) = (finding.fact("specified"), finding.fact("got")) else {
            return Vec::new();
        };
        let (Some(old), Some(new)) = (Hash::parse(specified), Hash::parse(got)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for file in &project.files {
            for node in file.root.descendants() {
                let edit = match node.kind() {
                    SyntaxKind::NODE_STRING => {
                        let Some(text) = syntax::string_literal(&node) else {
                            continue;
                        };
                        let fake_slot = text.is_empty() && old.is_fake() && is_hash_value(&node);
                        if fake_slot || Hash::parse(&text).as_ref() == Some(&old) {
                            let spelled = respell(&text, &new);
                            syntax::string_content_range(&node).map(|r| {
                                crate::nix::edit::TextEdit::replace(file.path.clone(), r, spelled)
                            })
                        } else {
                            None
                        }
                    }
                    // `lib.fakeHash`, `lib.fakeSha256`, `pkgs.lib.fakeHash`
                    SyntaxKind::NODE_SELECT if old.is_fake() && is_hash_value(&node) => {
                        let path = syntax::select_path(&node).unwrap_or_default();
                        path.last()
                            .filter(|l| l.starts_with("fake"))
                            .map(|_| file.replace(&node, &format!("\"{}\"", new.sri())))
                    }
                    _ => None,
                };
                if let Some(edit) = edit {
                    out.push(Candidate {
                        description: format!(
                            "replace the hash in {} with the hash Nix got",
                            file.path.display()
                        ),
                        edits: vec![edit],
                        commands: Vec::new(),
                        nix_args: Vec::new(),
                    });
                }
            }
        }
        out
    }
}

/// Whether `node` is the value of a hash attribute (`cargoHash = <node>;`).
fn is_hash_value(node: &rnix::SyntaxNode) -> bool {
    let Some(binding) = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
    else {
        return false;
    };
    binding
        .children()
        .find(|c| c.kind() == SyntaxKind::NODE_ATTRPATH)
        .map(|k| syntax::attrpath_keys(&k))
        .and_then(|k| k.last().cloned())
        .is_some_and(|k| HASH_KEYS.contains(&k.as_str()))
}

/// `new` in the notation of `old` (SRI, `sha256:` base32, bare base32, hex); SRI for a
/// placeholder.
fn respell(old: &str, new: &Hash) -> String {
    let b32 = new.base32();
    if old.starts_with(&format!("{}:", new.algo)) {
        format!("{}:{b32}", new.algo)
    } else if old.len() == b32.len() && !old.contains('-') {
        b32
    } else if old.len() == new.hex().len() && old.bytes().all(|b| b.is_ascii_hexdigit()) {
        new.hex()
    } else {
        new.sri()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_notation() {
        let h = Hash::parse("sha256-nveCPgQcybc4vDGTlz3bUZbjpXhSvRE9G1vuiwDNp7w=").unwrap();
        assert_eq!(
            respell("sha256-5Vl8Iopzv2GVkNP+NDy6SZ0lPRRK83rFi9FKNMk/Hwg=", &h),
            h.sri()
        );
        assert_eq!(
            respell("0kykwbqhh4zm4si0ibr89m3vas7ldpg90r8kjfv0qn5mr22zw48c", &h),
            h.base32()
        );
        assert_eq!(respell("", &h), h.sri());
    }
}
