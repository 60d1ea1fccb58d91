//! What a change to Nix code adds that could reach the network when it is evaluated or built:
//! URLs and flake references, fetcher calls, fixed-output attributes and hashes, and
//! attribute names computed at run time (which could spell any of those). Read from rnix's
//! tokens and tree, before and after, so that only what the change adds counts.

use std::collections::HashMap;

use rnix::{SyntaxKind, SyntaxNode};

/// Why building or evaluating `after` (the changed text of a file that was `before`) could
/// reach the network where `before` could not; empty when it adds nothing of the kind.
pub fn additions(before: &str, after: &str) -> Vec<String> {
    let mut seen: HashMap<(Kind, String), usize> = HashMap::new();
    for m in markers(before) {
        *seen.entry(m).or_default() += 1;
    }
    let mut out = Vec::new();
    for m in markers(after) {
        match seen.get_mut(&m) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                let line = format!("{} `{}`", m.0.describe(), shorten(&m.1));
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Url,
    Fetcher,
    Hash,
    Dynamic,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Url => "adds the URL or flake reference",
            Kind::Fetcher => "adds a fetcher or fixed-output attribute",
            Kind::Hash => "adds or changes the fixed-output hash",
            Kind::Dynamic => "adds a computed attribute name",
        }
    }
}

/// Names that fetch, fix an output's hash, or escape the sandbox.
fn is_fetcher_name(name: &str) -> bool {
    let name = name.trim_start_matches("builtins.");
    name.starts_with("fetch")
        || name.ends_with("Hash")
        || name.ends_with("HashAlgo")
        || matches!(
            name,
            "getFlake"
                | "storePath"
                | "getAttr"
                | "__getAttr"
                | "outputHash"
                | "outputHashMode"
                | "__impure"
                | "__noChroot"
                | "impureEnvVars"
                | "url"
                | "urls"
                | "mirrors"
                | "hash"
                | "sha1"
                | "sha256"
                | "sha512"
                | "md5"
                | "narHash"
                | "exec"
                | "importNative"
        )
}

const SCHEMES: &[&str] = &[
    "http",
    "https",
    "ftp",
    "ftps",
    "sftp",
    "ssh",
    "scp",
    "git",
    "hg",
    "file",
    "path",
    "flake",
    "github",
    "gitlab",
    "sourcehut",
    "tarball",
    "mirror",
    "s3",
    "gs",
    "svn",
    "rsync",
    "ws",
    "wss",
    "data",
];

/// A string that Nix or a fetcher could treat as a location to fetch.
fn is_location(s: &str) -> bool {
    let s = s.trim();
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let base = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    !rest.is_empty()
        && !s.contains(char::is_whitespace)
        && (SCHEMES.contains(&base.as_str()) || scheme.contains('+') || rest.starts_with("//"))
}

fn is_hash(s: &str) -> bool {
    let s = s.trim();
    let sri = ["sha1-", "sha256-", "sha512-", "md5-"]
        .iter()
        .any(|p| s.starts_with(p) && s.len() > p.len() + 20);
    let prefixed = ["sha1:", "sha256:", "sha512:", "md5:"]
        .iter()
        .any(|p| s.starts_with(p));
    let bare = matches!(s.len(), 32 | 40 | 52 | 64 | 103 | 128)
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    sri || prefixed || bare
}

fn markers(text: &str) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    for (kind, token) in rnix::tokenize(text) {
        match kind {
            SyntaxKind::TOKEN_URI => out.push((Kind::Url, token.to_owned())),
            SyntaxKind::TOKEN_STRING_CONTENT => {
                for part in token.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                    if is_location(part) {
                        out.push((Kind::Url, part.to_owned()));
                    } else if is_hash(part) {
                        out.push((Kind::Hash, part.to_owned()));
                    } else if is_fetcher_name(part) {
                        out.push((Kind::Fetcher, part.to_owned()));
                    }
                }
            }
            SyntaxKind::TOKEN_IDENT if is_fetcher_name(token) => {
                out.push((Kind::Fetcher, token.to_owned()))
            }
            SyntaxKind::TOKEN_PATH_SEARCH if token.contains("fetch") => {
                out.push((Kind::Fetcher, token.to_owned()))
            }
            _ => {}
        }
    }
    let root = rnix::Root::parse(text).syntax();
    out.extend(dynamic_names(&root).map(|n| (Kind::Dynamic, n.text().to_string())));
    out
}

/// `${…}` used as an attribute name (`builtins.${x}`, `{ ${x} = …; }`).
fn dynamic_names(root: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    root.descendants().filter(|n| {
        n.kind() == SyntaxKind::NODE_DYNAMIC
            && n.parent()
                .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH)
    })
}

fn shorten(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::additions;

    #[test]
    fn ordinary_edits_add_nothing() {
        let before =
            "{ pkgs }: pkgs.stdenv.mkDerivation { name = \"x\"; src = ./.; buildInputs = [ ]; }";
        let after = "{ pkgs }: pkgs.stdenv.mkDerivation { name = \"x\"; src = ./.; buildInputs = [ pkgs.zlib ]; }";
        assert!(additions(before, after).is_empty());
        let fetch = "{ src = fetchurl { url = \"https://e.org/a.tgz\"; hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; }; }";
        assert!(
            additions(fetch, &format!("# a comment\n{fetch}")).is_empty(),
            "moving existing code adds nothing"
        );
    }

    #[test]
    fn network_reaching_additions_are_named() {
        let base = "{ pkgs }: { a = 1; }";
        let cases = [
            "{ pkgs }: { a = builtins.fetchurl \"http://127.0.0.1:9/x\"; }",
            "{ pkgs }: { a = pkgs.runCommand \"x\" { outputHash = \"\"; } \"\"; }",
            "{ pkgs }: { a = builtins.${\"fetch\" + \"Tarball\"} 1; }",
            "{ pkgs }: { a = builtins.getAttr \"fetch\" builtins; }",
            "{ pkgs }: { inputs.evil.url = \"github:evil/repo\"; a = 1; }",
            "{ pkgs }: { a = import <nix/fetchurl.nix> { }; }",
            "{ pkgs }: { a = pkgs.fetchFromGitHub { owner = \"o\"; repo = \"r\"; rev = \"v\"; }; }",
        ];
        for after in cases {
            assert!(!additions(base, after).is_empty(), "{after}");
        }
        let old = "{ src = fetchurl { url = \"https://e.org/a.tgz\"; hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; }; }";
        let new = old.replace("e.org", "evil.org");
        assert_eq!(
            additions(old, &new),
            ["adds the URL or flake reference `https://evil.org/a.tgz`"]
        );
        let rehash = old.replace("AAAA=", "AAAB=");
        assert!(additions(old, &rehash)[0].contains("fixed-output hash"));
    }
}
