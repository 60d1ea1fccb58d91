//! infinite_recursion: a value's definition depends on itself, or the evaluation recursed
//! deeper than Nix allows.

use crate::diagnose::{Category, Site, Verdict};

pub struct InfiniteRecursion;

/// Nix's wordings: the cycle detected on a thunk, and the two stack-depth limits.
const CYCLE: &str = "infinite recursion encountered";
const DEPTH: &[&str] = &[
    "stack overflow (possible infinite recursion)",
    "max-call-depth exceeded",
    "stack overflow; max-call-depth",
];

/// Where the trace says the recursion runs through, and the usual culprit there.
fn typical_cause(site: &Site) -> &'static str {
    let any = |words: &[&str]| {
        site.lines
            .iter()
            .any(|l| words.iter().any(|w| l.text.contains(w)))
    };
    if any(&["overlay", "extends", "final.", "prev.", "self.", "super."]) {
        "an overlay that reads the attribute it defines from the final set: inside an overlay \
         use `prev.foo` (the set before this overlay) for what you override, and `final.foo` \
         only for other attributes"
    } else if any(&[
        "while evaluating the option",
        "while evaluating the module argument",
        "_module.args",
        "imports",
    ]) {
        "a module whose `imports` or `_module.args` depends on `config` or `pkgs` (they must \
         be known before `config` exists), or an option defined in terms of itself: use \
         `lib.mkIf`/`lib.mkMerge` instead of `if` around the whole `config`, and take \
         `specialArgs` for values imports need"
    } else {
        "a binding that refers to itself (`let x = x + 1;`, `rec { a = a; }`, `inherit x;` \
         inside a `rec` set or a `let` that defines `x`)"
    }
}

impl Category for InfiniteRecursion {
    fn id(&self) -> &'static str {
        "infinite_recursion"
    }
    fn title(&self) -> &'static str {
        "Infinite recursion"
    }
    fn doc(&self) -> &'static str {
        "Evaluating a value required that same value: Nix found a definition that depends on \
itself (\"infinite recursion encountered\"), or a chain of calls grew past its limit \
(\"stack overflow (possible infinite recursion)\", newer: \"max-call-depth exceeded\").

Why: most often an overlay that reads what it defines from `final` (`final: prev: { foo = \
final.foo.override { ... }; }`), a NixOS/home-manager module whose `imports` or top-level `if` \
depends on `config`, `inherit x;` inside a `let` or `rec` that defines `x`, or a function \
that calls itself without reaching its base case. Very deep but finite recursion can also hit \
max-call-depth.

Fix: break the cycle. In overlays take what you modify from `prev`:

    # before
    final: prev: { hello = final.hello.overrideAttrs (o: { doCheck = false; }); }
    # after
    final: prev: { hello = prev.hello.overrideAttrs (o: { doCheck = false; }); }

In modules, use `lib.mkIf cfg.enable { ... }` for `config` instead of `if ... then { ... }`, \
and pass values needed by `imports` through `specialArgs`. `--show-trace` shows the chain."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &["infinite recursion", "max-call-depth"]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        if let Some(line) = site.line_with(CYCLE) {
            return Some(
                Verdict::new(
                    0.94,
                    "infinite recursion: a value's definition depends on itself",
                )
                .cite(site, line)
                .fix(format!(
                    "break the cycle; typically {}",
                    typical_cause(site)
                )),
            );
        }
        let line = site.find(|t| DEPTH.iter().any(|d| t.contains(d)))?;
        Some(
            Verdict::new(
                0.9,
                "the evaluation recursed too deep (stack overflow): likely an infinite recursion",
            )
            .cite(site, line)
            .fix(format!(
                "look for a function or definition that never stops calling itself; typically {}. \
                 Only if the recursion is finite but deep, raise the limit with `--max-call-depth`",
                typical_cause(site)
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn cycle_with_overlay_hint() {
        let v = verdict_for(&InfiniteRecursion, "error: infinite recursion encountered\n\n       at /nix/store/h-source/overlay.nix:2:10:\n\n            2|   hello = final.hello.overrideAttrs (o: { });\n             |          ^\n").unwrap();
        assert!(v.fix.unwrap().contains("prev.foo"));
        let v = verdict_for(
            &InfiniteRecursion,
            "error: infinite recursion encountered, at /src/default.nix:1:9\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("refers to itself"));
    }

    #[test]
    fn depth_limits_of_old_and_new_nix() {
        for log in [
            "error: stack overflow (possible infinite recursion)\n",
            "error:\n       … while calling 'onlyMatches'\n         at /nix/store/h-source/internal/default.nix:83:23:\n\n       error: stack overflow; max-call-depth exceeded\n",
        ] {
            let v = verdict_for(&InfiniteRecursion, log).unwrap();
            assert!(v.summary.contains("too deep"), "{log}");
        }
    }

    #[test]
    fn near_miss_builder_text() {
        assert!(verdict_for(&InfiniteRecursion, "error: builder for '/nix/store/aaaa-x-1.drv' failed with exit code 1;\n       last 1 log lines:\n       > RecursionError: maximum recursion depth exceeded (infinite recursion)\n").is_none());
    }
}
