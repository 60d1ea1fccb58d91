//! lock_error: flake.lock cannot be used or updated as the command needs: inputs that cannot
//! be resolved or locked, a lock file that must change but may not, a version or hash problem.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Site, Verdict};

pub struct LockError;

/// One lock problem: what it says, and how to fix it given the captured name.
struct Problem {
    re: Regex,
    summary: fn(&str) -> String,
    fix: fn(&str) -> String,
    /// The command that repairs the lock, given the captured name.
    command: fn(&str) -> Option<String>,
}

fn update(input: &str) -> Option<String> {
    // `--update-input` works from Nix 2.4 on; `nix flake update <input>` only from 2.19.
    Some(format!("nix flake lock --update-input {input}"))
}

fn lock(_: &str) -> Option<String> {
    Some("nix flake lock".to_owned())
}

fn none(_: &str) -> Option<String> {
    None
}

static PROBLEMS: LazyLock<Vec<Problem>> = LazyLock::new(|| {
    let q = |p: &str| Regex::new(p).expect("valid regex");
    vec![
        Problem {
            re: q(r"cannot write modified lock file of flake [‘']([^’']+)[’']"),
            summary: |f| format!("the lock file of {f} must change but cannot be written"),
            fix: |_| {
                "the flake's flake.lock is missing inputs or out of date and the flake is read-only \
                      (a remote flake or a read-only checkout): run `nix flake lock` in a writable \
                      checkout and commit flake.lock, or pass `--no-write-lock-file` to use the \
                      changes for this command only".to_owned()
            },
            command: lock,
        },
        Problem {
            re: q(r"flake [‘']([^’']+)[’'] requires lock file changes but they're not allowed"),
            summary: |f| {
                format!("flake.lock of {f} is out of date and --no-update-lock-file forbids updating it")
            },
            fix: |_| {
                "update flake.lock (`nix flake lock`) and commit it, then run the command again"
                    .to_owned()
            },
            command: lock,
        },
        // Nix reads flake.lock with nlohmann-json, whose errors it passes through verbatim.
        Problem {
            re: q(r"\[json\.exception\.parse_error\.\d+\] parse error at (line \d+, column \d+)"),
            summary: |at| format!("flake.lock is not valid JSON ({at})"),
            fix: |_| {
                "repair flake.lock: resolve merge-conflict markers (`<<<<<<<`) or restore it from git \
                 (`git checkout -- flake.lock`), then run `nix flake lock` to re-create missing entries; \
                 if the project has no flake, the JSON comes from `builtins.fromJSON` on a broken file"
                    .to_owned()
            },
            command: lock,
        },
        Problem {
            re: q(r"input [‘']([^’']+)[’'] follows a non-existent input [‘']([^’']+)[’']"),
            summary: |i| format!("input '{i}' follows an input that does not exist"),
            fix: |i| {
                format!("fix the `follows` of `{i}` in flake.nix: it must name an input of this flake (or a path such as `a/nixpkgs`); remove it if the input is gone, then run `nix flake lock`")
            },
            command: lock,
        },
        Problem {
            re: q(r"cannot find flake [‘']flake:([^’']+)[’'] in the flake registries"),
            summary: |i| format!("'{i}' is not a known flake: it has no URL and no registry entry"),
            fix: |i| {
                format!("give the input a full URL in flake.nix, e.g. `inputs.{i}.url = \"github:<owner>/{i}\";`, then run `nix flake lock`")
            },
            command: lock,
        },
        Problem {
            re: q(
                r"[‘']flake:([^’']+)[’'] is an indirect flake reference, but registry lookups are not allowed",
            ),
            summary: |i| {
                format!("'{i}' is an indirect flake reference and registry lookups are disabled")
            },
            fix: |i| {
                format!("use a full URL for `{i}` (e.g. `github:<owner>/{i}`) instead of the registry name")
            },
            command: none,
        },
        Problem {
            re: q(r"lock file contains (?:mutable|unlocked) (?:lock|input) [‘']([^’']+)[’']"),
            summary: |r| format!("flake.lock contains an unlocked input ({r})"),
            fix: |_| {
                "lock every input to a fixed revision: run `nix flake lock` (or `nix flake lock --update-input <input>`) and commit flake.lock; local `path:` or registry inputs may need a full URL".to_owned()
            },
            command: lock,
        },
        Problem {
            re: q(r"cannot update (?:unlocked )?flake input [‘']([^’']+)[’']"),
            summary: |i| format!("flake input '{i}' is not locked and cannot be updated here"),
            fix: |i| {
                format!("lock `{i}` (`nix flake lock --update-input {i}`) and commit flake.lock, or give it a lockable URL")
            },
            command: update,
        },
        Problem {
            re: q(r"(?:input|flake) [‘']([^’']+)[’'] is not locked"),
            summary: |i| format!("flake input '{i}' is not locked"),
            fix: |i| {
                format!("lock `{i}`: `nix flake lock --update-input {i}` (Nix 2.19+ or Lix 2.90+: `nix flake update {i}`), and commit flake.lock")
            },
            command: update,
        },
        Problem {
            re: q(
                r"(?:lock file [‘'][^’']+[’'] has unsupported version|unsupported lock file version) ?(\d*)",
            ),
            summary: |v| {
                format!(
                    "flake.lock has a format version{} this Nix does not understand",
                    if v.is_empty() {
                        String::new()
                    } else {
                        format!(" ({v})")
                    }
                )
            },
            fix: |_| {
                "flake.lock was written by a newer Nix: upgrade Nix (`nix --version`) rather than recreating the lock, which would change every pinned input".to_owned()
            },
            command: none,
        },
        Problem {
            re: q(
                r"(?:NAR hash mismatch in input|mismatch in field [‘']narHash[’'] of input) [‘']([^’']+)[’']",
            ),
            summary: |i| format!("the locked narHash of input {i} does not match what was fetched"),
            fix: |_| {
                "the locked source changed upstream (a force-push or a re-tagged release) or the lock was edited: re-lock that input (`nix flake lock --update-input <its name in flake.nix>`) and review the change".to_owned()
            },
            command: none,
        },
    ]
});

impl Category for LockError {
    fn id(&self) -> &'static str {
        "lock_error"
    }
    fn title(&self) -> &'static str {
        "Flake lock file problem"
    }
    fn doc(&self) -> &'static str {
        "Nix could not use or update flake.lock as the command required: an input cannot be \
resolved (no URL, unknown registry name, a `follows` to an input that does not exist), the \
lock must change but may not be written, an input is not locked, or the lock file is from a \
newer Nix or pins a hash that no longer matches.

Why: flake.nix was edited (an input added, renamed or removed) without running `nix flake \
lock`; the flake is used read-only (`github:...`, CI with `--no-update-lock-file`); an input \
written as a bare name (`inputs.foo.url = \"foo\"`) relies on a registry; the upstream of an \
input was force-pushed.

Fix: repair flake.nix if an input is wrong, then refresh the lock and commit it:

    # before: error: input 'home-manager' follows a non-existent input 'nixpkg'
    inputs.home-manager.inputs.nixpkgs.follows = \"nixpkg\";
    # after
    inputs.home-manager.inputs.nixpkgs.follows = \"nixpkgs\";

then `nix flake lock` (one input: `nix flake lock --update-input <input>`, or on Nix 2.19+ and Lix 2.90+ \
`nix flake update <input>`)."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "lock file",
            "follows a non-existent input",
            "in the flake registries",
            "is not locked",
            "narHash",
            "NAR hash mismatch in input",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        site.trace.as_ref()?;
        let (line, problem, name) = site.lines.iter().find_map(|l| {
            PROBLEMS.iter().find_map(|p| {
                let c = p.re.captures(&l.text)?;
                Some((l, p, c.get(1).map_or("", |m| m.as_str()).to_owned()))
            })
        })?;
        let mut v = Verdict::new(0.93, (problem.summary)(&name))
            .cite(site, line)
            .fix((problem.fix)(&name));
        if let Some(c) = (problem.command)(&name) {
            v = v.command(c);
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn follows_and_registry() {
        let v = verdict_for(&LockError, "error: input 'dep2' follows a non-existent input 'nope'\n(use '--show-trace' to show detailed location information)\n").unwrap();
        assert_eq!(
            v.summary,
            "input 'dep2' follows an input that does not exist"
        );
        assert_eq!(v.commands, vec!["nix flake lock"]);
        let v = verdict_for(
            &LockError,
            "error: cannot find flake 'flake:foo' in the flake registries\n",
        )
        .unwrap();
        assert!(v.fix.unwrap().contains("inputs.foo.url"));
    }

    #[test]
    fn lock_file_that_is_not_json() {
        let v = verdict_for(&LockError, "error: [json.exception.parse_error.101] parse error at line 5, column 1: syntax error while parsing object key - invalid literal; last read: '\"locked\": {<U+000A><'; expected string literal\n").unwrap();
        assert_eq!(v.summary, "flake.lock is not valid JSON (line 5, column 1)");
        assert!(verdict_for(
            &LockError,
            "error: [json.exception.type_error.302] type must be string\n"
        )
        .is_none());
    }

    #[test]
    fn read_only_lock_and_version() {
        let v = verdict_for(&LockError, "error: cannot write modified lock file of flake 'github:o/r' (use '--no-write-lock-file' to ignore)\n").unwrap();
        assert!(v.fix.unwrap().contains("--no-write-lock-file"));
        let v = verdict_for(&LockError, "error: flake 'path:.' requires lock file changes but they're not allowed due to '--no-update-lock-file'\n").unwrap();
        assert_eq!(v.commands, vec!["nix flake lock"]);
        let v = verdict_for(&LockError, "error: lock file '/nix/store/qwc0jpzyzdg0hj2bmis9d82bq9r9x2np-source//flake.lock' has unsupported version 99\n").unwrap();
        assert!(v.summary.contains("(99)"));
        assert!(v.commands.is_empty());
    }

    #[test]
    fn near_miss_not_writing_warning() {
        assert!(verdict_for(
            &LockError,
            "warning: not writing modified lock file of flake 'path:.':\n"
        )
        .is_none());
        assert!(verdict_for(&LockError, "error: getting status of '/nix/store/h-source/flake.lock': No such file or directory\n").is_none());
    }
}
