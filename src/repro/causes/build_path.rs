//! build_path: the temporary build directory leaking into the output.

use super::Cause;
use crate::repro::FileChange;

pub struct BuildPath;

impl Cause for BuildPath {
    fn id(&self) -> &'static str {
        "build_path"
    }
    fn title(&self) -> &'static str {
        "build path leaking in"
    }
    fn doc(&self) -> &'static str {
        "A path inside the temporary build directory ends up in the output: compilers record \
source and object paths in debug information and `__FILE__`, scripts record `$PWD` or a \
`mktemp -d` directory. When that path differs from build to build (a random temporary \
directory, `nix-build-foo.drv-0` vs `-1` outside the sandbox), so does the output.

nfai recognises it when the words that differ are paths under `/build` or a `nix-build-…` \
directory.

Fix: map the build directory away: `-ffile-prefix-map=$NIX_BUILD_TOP=.` (or \
`-fdebug-prefix-map`) for C/C++, `--remap-path-prefix` for Rust, `-trimpath` for Go; do not \
write `$PWD` or temporary directory names into installed files."
    }
    fn fix(&self) -> &'static str {
        "keep build-directory paths out of the output: `-ffile-prefix-map=$NIX_BUILD_TOP=.`, `--remap-path-prefix`, `-trimpath`; do not write $PWD or mktemp names"
    }
    fn explains(&self, change: &FileChange) -> bool {
        // `/build` in the Linux sandbox, `$TMPDIR/nix-build-…` elsewhere.
        change
            .facts
            .changed_words()
            .iter()
            .any(|w| w.contains("/build/") || w.ends_with("/build") || w.contains("/nix-build-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::causes::testing::lines;

    #[test]
    fn paths_under_the_build_directory() {
        assert!(BuildPath.explains(&lines("src=/build/tmp.abc/x.c", "src=/build/tmp.xyz/x.c")));
        assert!(BuildPath.explains(&lines(
            "/tmp/nix-build-foo.drv-0/a",
            "/tmp/nix-build-foo.drv-1/a"
        )));
        assert!(!BuildPath.explains(&lines("/usr/lib/a", "/usr/lib/b")));
    }
}
