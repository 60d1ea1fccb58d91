//! autopatchelf_missing: autoPatchelfHook found shared libraries a prebuilt binary needs
//! that no input provides.

use std::sync::LazyLock;

use regex::Regex;

use super::missing_library::add_to_build_inputs;
use crate::diagnose::{Category, Site, Verdict};
use crate::knowledge as packages;
use crate::nix::store_path;

pub struct AutopatchelfMissing;

/// Python auto-patchelf (`error: auto-patchelf could not satisfy dependency libfoo.so.1
/// wanted by /nix/store/...`) and the older shell hook (`autoPatchelfHook could not satisfy
/// dependency ...`).
static UNSATISFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"could not satisfy dependency (\S+) wanted by (\S+)").expect("valid regex")
});
/// `warn: auto-patchelf ignoring missing libfoo.so.1 wanted by ...` is not a failure.
const IGNORED: &str = "ignoring missing";

impl Category for AutopatchelfMissing {
    fn id(&self) -> &'static str {
        "autopatchelf_missing"
    }
    fn title(&self) -> &'static str {
        "autoPatchelfHook: shared library not found"
    }
    fn doc(&self) -> &'static str {
        "autoPatchelfHook rewrites prebuilt binaries so they load their shared libraries from \
the Nix store, and it could not find some of those libraries (\"auto-patchelf could not \
satisfy dependency libfoo.so.1 wanted by ...\") in the derivation's inputs.

Why: a prebuilt program (a .deb, an AppImage, a vendor tarball, a Python wheel) links \
against libraries such as libstdc++.so.6, libz.so.1 or libGL.so.1 that a normal Linux \
system has in /usr/lib; in Nix each comes from a package that must be in `buildInputs`.

Fix: add the packages providing the missing libraries to `buildInputs`:

    # before
    stdenv.mkDerivation { nativeBuildInputs = [ autoPatchelfHook ]; ... }
    # after
    stdenv.mkDerivation {
      nativeBuildInputs = [ autoPatchelfHook ];
      buildInputs = [ stdenv.cc.cc.lib zlib libGL ];
    }

A library the program can run without (an optional plugin) can be listed in \
`autoPatchelfIgnoreMissingDeps = [ \"libfoo.so.1\" ];` instead."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["could not satisfy dependency", "could not be satisfied"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let mut missing: Vec<(String, String)> = Vec::new();
        let mut v = Verdict::new(0.95, String::new());
        for l in site.lines.iter().filter(|l| !l.text.contains(IGNORED)) {
            let Some(c) = UNSATISFIED.captures(&l.text) else {
                continue;
            };
            if !missing.iter().any(|(so, _)| so == &c[1]) {
                v = v.cite(site, l);
                missing.push((c[1].to_owned(), c[2].to_owned()));
            }
        }
        let (first_so, wanted_by) = missing.first()?;
        let sonames: Vec<&str> = missing.iter().map(|(s, _)| s.as_str()).collect();
        let mut attrs: Vec<&str> = Vec::new();
        let mut unknown: Vec<&str> = Vec::new();
        for so in &sonames {
            match packages::for_shared_object(so) {
                Some(a) if !attrs.contains(&a) => attrs.push(a),
                Some(_) => {}
                None => unknown.push(so),
            }
        }
        let wanted = store_path::source_relative(wanted_by).unwrap_or(wanted_by);
        v.summary = if sonames.len() == 1 {
            format!("autoPatchelfHook cannot find {first_so} (wanted by {wanted})")
        } else {
            format!(
                "autoPatchelfHook cannot find {} libraries: {}",
                sonames.len(),
                sonames.join(", ")
            )
        };
        let mut fix = if attrs.is_empty() {
            String::new()
        } else {
            add_to_build_inputs(&attrs, false)
        };
        if !unknown.is_empty() {
            if !fix.is_empty() {
                fix.push_str("; ");
            }
            fix.push_str(&format!(
                "find the packages providing {} with `nix-locate -w lib/<name>` (nix-index), or list them in autoPatchelfIgnoreMissingDeps if the program works without them",
                unknown.join(", ")
            ));
        }
        v = v.fix(fix);
        v = v.fact("missing", sonames.join(" "));
        if !attrs.is_empty() {
            v = v
                .attribute(format!("buildInputs ({})", attrs.join(" ")))
                .fact("attrs", attrs.join(" "));
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn maps_every_missing_library() {
        let log = "error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' failed with exit code 1;\n       last 4 log lines:\n       >     libstdc++.so.6 -> not found!\n       > error: auto-patchelf could not satisfy dependency libstdc++.so.6 wanted by /nix/store/5q3d3prm1hlp6m1fz1z3hz0ajwfbgb2x-app-1.0/bin/app\n       > error: auto-patchelf could not satisfy dependency libz.so.1 wanted by /nix/store/5q3d3prm1hlp6m1fz1z3hz0ajwfbgb2x-app-1.0/bin/app\n       > auto-patchelf failed to find all the required dependencies.\n";
        let v = verdict_for(&AutopatchelfMissing, log).unwrap();
        assert_eq!(
            v.attribute.as_deref(),
            Some("buildInputs (stdenv.cc.cc.lib zlib)")
        );
        assert!(v.summary.contains("libstdc++.so.6, libz.so.1"));
        let old = verdict_for(&AutopatchelfMissing, "autoPatchelfHook could not satisfy dependency libGL.so.1 wanted by /nix/store/5q3d3prm1hlp6m1fz1z3hz0ajwfbgb2x-app-1.0/lib/libapp.so\n").unwrap();
        assert_eq!(
            old.summary,
            "autoPatchelfHook cannot find libGL.so.1 (wanted by lib/libapp.so)"
        );
    }

    #[test]
    fn ignored_dependencies_are_fine() {
        assert!(verdict_for(&AutopatchelfMissing, "warn: auto-patchelf ignoring missing libfoo.so.1 wanted by /nix/store/5q3d3prm1hlp6m1fz1z3hz0ajwfbgb2x-app-1.0/bin/app\n").is_none());
    }
}
