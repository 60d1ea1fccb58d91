//! compile_error: the compiler rejected the source (C/C++, Rust, Go, Java, TypeScript,
//! Haskell, ...), and no more specific category explains why.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnose::{Category, Locate, Site, Verdict};
use crate::log::LogLine;

pub struct CompileError;

/// `file:line[:col]: error: message` (gcc, clang, javac, ghc, zig, nvcc) and Go's
/// `./main.go:3:2: message`, with the decoration of a log tail allowed in front.
static LOCATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\s*> )?([^\s:'`]+\.[A-Za-z+]+):(\d+)(?::(\d+))?: (?:fatal )?error: (.+)")
        .expect("valid regex")
});
static GO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\s*> )?(\S+\.go):(\d+):(\d+): (.+)").expect("valid regex"));
/// TypeScript: `src/a.ts(3,5): error TS2304: ...` and `src/a.ts:3:5 - error TS2304: ...`.
static TSC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\S+\.tsx?)(?:\((\d+),(\d+)\): | ?:(\d+):(\d+) - )error (TS\d+: .+)")
        .expect("valid regex")
});
/// rustc: `error[E0425]: cannot find value ...`, located by the ` --> src/main.rs:3:5` line.
static RUSTC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"error(\[E\d+\])?: (.+)").expect("valid regex"));
static RUST_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\s*> )?\s*--> (\S+:\d+:\d+)").expect("valid regex"));
/// A rustc diagnostic with an error code but no ` --> file` (`error[E0463]: can't find crate
/// for `std``): the compiler failed before reading any source line.
static RUSTC_CODED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"error\[(E\d{4})\]: (.+)").expect("valid regex"));
static UNDEFINED_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"undefined reference to `([^']+)'").expect("valid regex"));
static COULD_NOT_COMPILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"error: could not compile `([^`]+)`").expect("valid regex"));
static MAKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:make|ninja|gmake)(?:\[\d+\])?: (?:\*\*\* \[.*\] Error \d+|build stopped: subcommand failed)")
        .expect("valid regex")
});
/// `[-Werror=implicit-function-declaration]`: a warning made an error by -Werror.
static WERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[-Werror=([\w-]+)\]").expect("valid regex"));

/// Files whose errors belong to evaluation, not compilation.
fn is_source(file: &str) -> bool {
    !file.ends_with(".nix") && !file.ends_with(".drv")
}

/// GCC, Clang and rustc quote the source line under the error: `    8 |     int x = f()`.
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\s*> )?\s*(\d+) \| (.*)$").expect("valid regex"));

/// Where a compiler error points: the file relative to the build directory, line, column
/// (0 when not given).
struct At {
    file: String,
    line: u32,
    column: u32,
}

impl At {
    fn new(file: &str, line: &str, column: Option<&str>) -> Option<At> {
        Some(At {
            file: file.to_owned(),
            line: line.parse().ok()?,
            column: column.and_then(|c| c.parse().ok()).unwrap_or(0),
        })
    }
}

/// The first located compiler error: its log line (index and line), where, and the message.
fn located(site: &Site) -> Option<(usize, &LogLine, At, String)> {
    site.lines.iter().enumerate().find_map(|(i, l)| {
        if let Some(c) = LOCATED.captures(&l.text).filter(|c| is_source(&c[1])) {
            let at = At::new(&c[1], &c[2], c.get(3).map(|m| m.as_str()))?;
            return Some((i, l, at, c[4].to_owned()));
        }
        if let Some(c) = TSC.captures(&l.text) {
            let line = c.get(2).or(c.get(4)).map_or("", |m| m.as_str());
            let column = c.get(3).or(c.get(5)).map(|m| m.as_str());
            return Some((i, l, At::new(&c[1], line, column)?, c[6].to_owned()));
        }
        if let Some(c) = GO.captures(&l.text) {
            let at = At::new(&c[1], &c[2], Some(&c[3]))?;
            return Some((i, l, at, c[4].to_owned()));
        }
        let c = RUSTC.captures(&l.text)?;
        // A rustc diagnostic is followed by its ` --> file:line:col` within a few lines.
        let to = site.lines[i + 1..]
            .iter()
            .take(4)
            .filter(|n| n.number <= l.number + 4)
            .find_map(|n| RUST_AT.captures(&n.text))?;
        let mut parts = to[1].rsplitn(3, ':');
        let (column, line, file) = (parts.next(), parts.next()?, parts.next()?);
        let code = c.get(1).map_or("", |m| m.as_str());
        Some((
            i,
            l,
            At::new(file, line, column)?,
            format!("error{code}: {}", &c[2]),
        ))
    })
}

/// The source lines a compiler quoted after the error at `i`.
fn quoted(site: &Site, i: usize) -> Vec<(u32, String)> {
    site.lines[i + 1..]
        .iter()
        .take(8)
        .filter_map(|l| {
            let c = QUOTED.captures(&l.text)?;
            Some((c[1].parse().ok()?, c[2].to_owned()))
        })
        .collect()
}

impl Category for CompileError {
    fn id(&self) -> &'static str {
        "compile_error"
    }
    fn title(&self) -> &'static str {
        "Compilation error"
    }
    fn doc(&self) -> &'static str {
        "The compiler rejected the source code: the report quotes the first error with its \
file and line, which is almost always the one to look at (later errors are often \
consequences).

Why: the code does not compile with the compiler or dependency versions in this nixpkgs \
(a newer GCC or Clang is stricter: GCC 14 turns implicit function declarations and \
incompatible pointer types into errors; a dependency changed its API), a `-Werror` flag \
turns a new warning into an error, or the code has a real error.

Fix: read the first error. If the code compiles with older tools, apply the upstream fix \
as a patch, use a matching compiler or dependency version, or relax the warning:

    # before
    stdenv.mkDerivation { pname = \"app\"; ... }
    # after (error: implicit declaration of function [-Werror=implicit-function-declaration])
    stdenv.mkDerivation {
      pname = \"app\"; ...
      env.NIX_CFLAGS_COMPILE = \"-Wno-error=implicit-function-declaration\";
    }"
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            " error: ",
            "error[E",
            "--> ",
            ".go:",
            "error TS",
            "undefined reference to",
            "could not compile",
            "] Error ",
            "subcommand failed",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        if let Some((i, line, position, message)) = located(site) {
            let at = format!("{}:{}", position.file, position.line);
            let mut v = Verdict::new(0.8, format!("{at}: {message}"))
                .cite(site, line)
                .locate(Locate::Source {
                    quoted: quoted(site, i),
                    file: position.file,
                    line: position.line,
                    column: position.column,
                });
            let fix = match WERROR.captures(&message) {
                Some(w) => format!(
                    "the warning {} is an error because of -Werror: fix the code (or apply the upstream fix as a patch), or relax it with `env.NIX_CFLAGS_COMPILE = \"-Wno-error={}\";`",
                    &w[1], &w[1]
                ),
                None => format!(
                    "fix the error at {at}: if the code builds with older tools, apply the upstream fix as a patch or pin the compiler/dependency version it needs"
                ),
            };
            v = v.fix(fix);
            return Some(v);
        }
        let (line, summary, confidence) = if let Some((l, sym)) = site.capture(&UNDEFINED_REFERENCE)
        {
            (
                l,
                format!("linking failed: undefined reference to `{sym}`"),
                0.7,
            )
        } else if let Some((l, c)) = site.captures(&RUSTC_CODED) {
            (l, format!("rustc: error[{}]: {}", &c[1], c[2].trim()), 0.6)
        } else if let Some((l, krate)) = site.capture(&COULD_NOT_COMPILE) {
            (l, format!("the crate `{krate}` does not compile"), 0.6)
        } else {
            let l = site.find(|t| MAKE.is_match(t))?;
            (
                l,
                "the build failed (make reported an error)".to_owned(),
                0.5,
            )
        };
        Some(
            Verdict::new(confidence, summary)
                .cite(site, line)
                .fix("read the first error of the builder's output (`nix log <drv>` shows the whole log) and fix it; a link error usually means a library is missing from buildInputs"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn the_culprit_is_the_compiled_file_with_its_quoted_line() {
        let log = "error: builder for '/nix/store/gg1a66pfgnm0hh67amzbd7l803jqk6s2-calc-0.1.0.drv' failed with exit code 2;\n       last 5 log lines:\n       > src/main.c:8:22: error: expected ';' before 'return'\n       >     8 |     int x = add(2, 3)\n       >       |                      ^\n       >     9 |     return x == 5 ? 0 : 1;\n";
        let v = verdict_for(&CompileError, log).unwrap();
        assert_eq!(
            v.locate,
            Some(Locate::Source {
                file: "src/main.c".into(),
                line: 8,
                column: 22,
                quoted: vec![
                    (8, "    int x = add(2, 3)".into()),
                    (9, "    return x == 5 ? 0 : 1;".into())
                ],
            })
        );
    }

    #[test]
    fn first_located_error_of_each_compiler() {
        for (log, summary) in [
            ("src/a.c:12:5: error: 'x' undeclared (first use in this function)\nmake: *** [Makefile:3: all] Error 1\n", "src/a.c:12: 'x' undeclared (first use in this function)"),
            ("error[E0425]: cannot find value `y` in this scope\n --> src/main.rs:3:5\n", "src/main.rs:3: error[E0425]: cannot find value `y` in this scope"),
            ("# example.com/app\n./main.go:3:2: undefined: x\n", "./main.go:3: undefined: x"),
            ("src/App.java:7: error: cannot find symbol\n", "src/App.java:7: cannot find symbol"),
            ("src/index.ts(3,5): error TS2304: Cannot find name 'foo'.\n", "src/index.ts:3: TS2304: Cannot find name 'foo'."),
        ] {
            let v = verdict_for(&CompileError, log).unwrap_or_else(|| panic!("{log}"));
            assert_eq!(v.summary, summary);
        }
        let v = verdict_for(&CompileError, "a.c:1:1: error: implicit declaration of function 'f' [-Werror=implicit-function-declaration]\n").unwrap();
        assert!(v
            .fix
            .unwrap()
            .contains("-Wno-error=implicit-function-declaration"));
    }

    #[test]
    fn rustc_errors_without_a_source_location() {
        let log = "builder for '/nix/store/g2mvz5l51iw0rnxl5lma6j7vhjf7whv6-rust_core-0.1.0.drv' failed with exit code 1; last 3 log lines:\n  Building src/lib.rs (core)\n  error[E0463]: can't find crate for `core`\n  error: aborting due to previous error\n";
        let v = verdict_for(&CompileError, log).unwrap();
        assert_eq!(
            v.summary,
            "rustc: error[E0463]: can't find crate for `core`"
        );
        assert_eq!(v.locate, None);
    }

    #[test]
    fn make_alone_is_weak_and_nix_errors_are_not_compile_errors() {
        assert!(
            verdict_for(&CompileError, "make: *** [Makefile:3: all] Error 2\n")
                .unwrap()
                .confidence
                <= 0.5
        );
        assert!(verdict_for(
            &CompileError,
            "error: undefined variable 'x'\n       at /home/u/flake.nix:3:5:\n"
        )
        .is_none());
        assert!(
            verdict_for(&CompileError, "src/a.c:3:1: warning: unused variable 'x'\n").is_none()
        );
    }
}
