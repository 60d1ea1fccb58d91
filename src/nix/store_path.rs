//! Store path arithmetic: names and versions of `/nix/store/<hash>-<name>` paths, and the
//! path inside a copied source tree (`/nix/store/<hash>-source/flake.nix` → `flake.nix`).

const STORE: &str = "/nix/store/";
const HASH_LEN: usize = 32;

/// `<name>` of `/nix/store/<hash>-<name>[/...]`, or the input unchanged when it is not one.
pub fn name(path: &str) -> &str {
    match path.strip_prefix(STORE) {
        Some(rest) if rest.len() > HASH_LEN + 1 && rest.as_bytes()[HASH_LEN] == b'-' => {
            let rest = &rest[HASH_LEN + 1..];
            rest.split('/').next().unwrap_or(rest)
        }
        _ => path,
    }
}

/// Splits `foo-bar-1.2` into (`foo-bar`, `1.2`) the way Nix's `parseDrvName` does: the version
/// starts at the first dash followed by a digit.
pub fn split_name_version(name: &str) -> (&str, Option<&str>) {
    let bytes = name.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if bytes[i] == b'-' && bytes[i + 1].is_ascii_digit() {
            return (&name[..i], Some(&name[i + 1..]));
        }
    }
    (name, None)
}

/// The path relative to the root of a store copy of a source tree.
pub fn source_relative(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(STORE)?;
    if rest.len() <= HASH_LEN + 1 || rest.as_bytes()[HASH_LEN] != b'-' {
        return None;
    }
    let (_, rel) = rest[HASH_LEN + 1..].split_once('/')?;
    Some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source/sub/flake.nix";

    #[test]
    fn names_and_versions() {
        assert_eq!(
            name("/nix/store/7rn7qpl5fwbyjgi3lndqs3ji79xjhq5f-vessel-1.0.0.drv"),
            "vessel-1.0.0.drv"
        );
        assert_eq!(
            split_name_version("typst-package-check-0.4.6-vendor"),
            ("typst-package-check", Some("0.4.6-vendor"))
        );
        assert_eq!(split_name_version("source"), ("source", None));
    }

    #[test]
    fn source_paths() {
        assert_eq!(source_relative(P), Some("sub/flake.nix"));
        assert_eq!(name(P), "source");
        assert_eq!(source_relative("/home/u/flake.nix"), None);
    }
}
