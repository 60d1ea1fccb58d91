//! Pinning nixpkgs: the pin another `flake.lock` in the repository already has (so the repo
//! keeps one nixpkgs), the flake URL its `original` stands for, and a lock file written from
//! it without network.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// A nixpkgs pin taken from an existing lock file.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    /// The flake URL to write in `inputs.nixpkgs.url`.
    pub url: String,
    /// The lock node: `locked` and `original`.
    pub node: Value,
    /// The lock file it comes from.
    pub from: PathBuf,
}

/// Lock files deeper than this are not looked at.
const MAX_DEPTH: usize = 6;

/// Directories that hold no component's lock, and can be huge.
const SKIP: &[&str] = &["node_modules", "target", "result", "vendor"];

/// The nixpkgs pin of the `flake.lock` nearest the top of `root` (then in path order) whose
/// root input `nixpkgs` is locked and has a URL nfai can write. Searched level by level, so a
/// repository whose pin sits near the top is not walked whole.
pub fn find_pin(root: &Path) -> Option<Pin> {
    let mut level = vec![root.to_owned()];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for dir in &level {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && !name.starts_with('.') && !SKIP.contains(&name.as_ref()) {
                    next.push(e.path());
                }
            }
        }
        let pin = level.iter().find_map(|dir| {
            let from = dir.join("flake.lock");
            let mut pin = pin_of_lock(&std::fs::read_to_string(&from).ok()?)?;
            pin.from = from;
            Some(pin)
        });
        if pin.is_some() {
            return pin;
        }
        level = next;
    }
    None
}

/// The nixpkgs pin of a lock file's text.
pub fn pin_of_lock(text: &str) -> Option<Pin> {
    let lock: Value = serde_json::from_str(text).ok()?;
    let nodes = lock.get("nodes")?;
    let root = nodes.get(lock.get("root")?.as_str()?)?;
    let name = root.get("inputs")?.get("nixpkgs")?.as_str()?;
    let node = nodes.get(name)?;
    let original = node.get("original")?;
    node.get("locked")?;
    Some(Pin {
        url: url_of(original)?,
        node: json!({ "locked": node["locked"], "original": original }),
        from: PathBuf::new(),
    })
}

/// The flake URL a lock node's `original` attribute set stands for.
pub fn url_of(original: &Value) -> Option<String> {
    let s = |k: &str| original.get(k).and_then(Value::as_str);
    let suffix = s("ref")
        .or(s("rev"))
        .map(|r| format!("/{r}"))
        .unwrap_or_default();
    Some(match s("type")? {
        t @ ("github" | "gitlab" | "sourcehut") => {
            format!("{t}:{}/{}{suffix}", s("owner")?, s("repo")?)
        }
        "indirect" => format!("{}{suffix}", s("id")?),
        "path" => format!("path:{}", s("path")?),
        "tarball" | "file" => s("url")?.to_owned(),
        "git" => {
            let mut url = format!("git+{}", s("url")?);
            let params: Vec<String> = ["ref", "rev"]
                .iter()
                .filter_map(|k| s(k).map(|v| format!("{k}={v}")))
                .collect();
            if !params.is_empty() {
                url = format!("{url}?{}", params.join("&"));
            }
            url
        }
        _ => return None,
    })
}

/// A flake.lock whose only input, nixpkgs, is `node` (in the format Nix writes: version 7,
/// keys sorted, two-space indent).
pub fn lock_text(node: &Value) -> String {
    let lock = json!({
        "nodes": {
            "nixpkgs": node,
            "root": { "inputs": { "nixpkgs": "nixpkgs" } },
        },
        "root": "root",
        "version": 7,
    });
    let mut text = serde_json::to_string_pretty(&lock).expect("JSON values serialise");
    text.push('\n');
    text
}

/// `lock` (a lock file's text) with its root's nixpkgs node replaced by `node`, in the format
/// Nix writes; `None` when the text is no lock with a nixpkgs input.
pub fn with_nixpkgs(lock: &str, node: &Value) -> Option<String> {
    let mut lock: Value = serde_json::from_str(lock).ok()?;
    let root = lock.get("root")?.as_str()?.to_owned();
    let name = lock["nodes"][&root]["inputs"]["nixpkgs"]
        .as_str()?
        .to_owned();
    let slot = lock.get_mut("nodes")?.get_mut(&name)?;
    let inputs = slot.get("inputs").cloned();
    *slot = node.clone();
    if let Some(i) = inputs {
        slot["inputs"] = i;
    }
    let mut text = serde_json::to_string_pretty(&lock).ok()?;
    text.push('\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
  "nodes": {
    "nixpkgs_2": {
      "locked": { "lastModified": 1717179513, "narHash": "sha256-vboIEwIQojofItm2xGCdZCzW96U85l9nDW3ifMuAIdM=", "owner": "NixOS", "repo": "nixpkgs", "rev": "63dacb46bf939521bdc93981b4cbb7ecb58427a0", "type": "github" },
      "original": { "owner": "NixOS", "ref": "nixos-24.05", "repo": "nixpkgs", "type": "github" }
    },
    "root": { "inputs": { "nixpkgs": "nixpkgs_2" } }
  },
  "root": "root",
  "version": 7
}"#;

    #[test]
    fn reuses_the_pin_of_another_lock() {
        let pin = pin_of_lock(LOCK).unwrap();
        assert_eq!(pin.url, "github:NixOS/nixpkgs/nixos-24.05");
        let text = lock_text(&pin.node);
        let again = pin_of_lock(&text).unwrap();
        assert_eq!(again.node, pin.node);
        assert!(text.contains("\"rev\": \"63dacb46bf939521bdc93981b4cbb7ecb58427a0\""));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn the_pin_replaces_what_an_override_locked() {
        let pin = pin_of_lock(LOCK).unwrap();
        let overridden = r#"{"nodes": {"nixpkgs": {"locked": {"path": "/x", "type": "path", "narHash": "sha256-x"}, "original": {"owner": "NixOS", "repo": "nixpkgs", "type": "github"}}, "api": {"locked": {"path": "./api", "type": "path", "narHash": "sha256-y"}, "original": {"path": "./api", "type": "path"}, "inputs": {"nixpkgs": ["nixpkgs"]}}, "root": {"inputs": {"nixpkgs": "nixpkgs", "api": "api"}}}, "root": "root", "version": 7}"#;
        let text = with_nixpkgs(overridden, &pin.node).unwrap();
        assert_eq!(pin_of_lock(&text).unwrap().node, pin.node);
        assert!(text.contains("\"path\": \"./api\""));
    }

    #[test]
    fn urls_of_every_kind() {
        let u = |v: Value| url_of(&v).unwrap();
        assert_eq!(u(json!({"type": "indirect", "id": "nixpkgs"})), "nixpkgs");
        assert_eq!(
            u(json!({"type": "path", "path": "/src/np"})),
            "path:/src/np"
        );
        assert_eq!(
            u(json!({"type": "git", "url": "https://example.org/np", "ref": "main"})),
            "git+https://example.org/np?ref=main"
        );
        assert_eq!(url_of(&json!({"type": "mercurial"})), None);
    }

    #[test]
    fn finds_the_pin_nearest_the_top() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/flake.lock"), LOCK).unwrap();
        std::fs::write(dir.path().join("a/flake.lock"), "not json").unwrap();
        let pin = find_pin(dir.path()).unwrap();
        assert!(pin.from.ends_with("a/b/flake.lock"));
    }
}
