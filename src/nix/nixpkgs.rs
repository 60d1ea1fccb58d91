//! Which nixpkgs a project evaluates (an `--override-input nixpkgs` in the command line, else
//! the nixpkgs its flake.lock pins), and the package names it offers, for checking and
//! suggesting attribute names.

use std::path::Path;

/// The flake reference of the project's nixpkgs.
pub fn reference(args: &[String], root: &Path) -> Option<String> {
    overridden(args).or_else(|| locked(root))
}

/// The nixpkgs an `--override-input nixpkgs REF` in `args` puts in place.
pub fn overridden(args: &[String]) -> Option<String> {
    args.windows(3)
        .find(|w| w[0] == "--override-input" && w[1] == "nixpkgs")
        .map(|w| w[2].clone())
}

/// The nixpkgs node of `root/flake.lock` as a flake reference.
fn locked(root: &Path) -> Option<String> {
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("flake.lock")).ok()?).ok()?;
    let nodes = &lock["nodes"];
    let name = nodes[lock["root"].as_str().unwrap_or("root")]["inputs"]["nixpkgs"].as_str()?;
    let l = &nodes[name]["locked"];
    let s = |k: &str| l[k].as_str();
    match s("type")? {
        "github" | "gitlab" | "sourcehut" => Some(format!(
            "{}:{}/{}/{}",
            s("type")?,
            s("owner")?,
            s("repo")?,
            s("rev")?
        )),
        "path" => Some(format!("path:{}", s("path")?)),
        "tarball" | "file" => s("url").map(str::to_owned),
        "git" => Some(format!("git+{}?rev={}", s("url")?, s("rev")?)),
        _ => None,
    }
}

/// The top-level names of `nixpkgs`'s packages for this system; empty when Nix cannot list
/// them (no Nix, or a nixpkgs that is not in the store and cannot be fetched).
pub fn package_names(nixpkgs: &str) -> Vec<String> {
    let system = super::confine::current_system();
    super::runner::attr_names(&format!("{nixpkgs}#legacyPackages.{system}"), &[])
        .ok()
        .filter(|s| s.ok())
        .and_then(|s| serde_json::from_slice(&s.stdout).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::reference;

    #[test]
    fn override_first_then_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flake.lock"),
            r#"{"nodes": {"root": {"inputs": {"nixpkgs": "nixpkgs_2"}},
                "nixpkgs_2": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "abc"}}},
               "root": "root", "version": 7}"#,
        )
        .unwrap();
        assert_eq!(
            reference(&[], dir.path()).unwrap(),
            "github:NixOS/nixpkgs/abc"
        );
        let args = ["--override-input", "nixpkgs", "path:/s"].map(String::from);
        assert_eq!(reference(&args, dir.path()).unwrap(), "path:/s");
    }
}
