//! Paths that used to fail silently or hide an outcome: the exit code of a command whose
//! output cannot be analysed, unreadable `--log` paths, unvalidated fixes in Markdown.

use std::fs;

use crate::common::nfai;

/// A command's binary output cannot be explained, but its exit code (success included) is
/// still nfai's, and all of its output (more than a pipe holds) reaches the user.
#[test]
fn binary_command_output_keeps_the_command_exit_code() {
    for code in [0, 5] {
        let script = format!("head -c 300000 /dev/zero | tr '\\0' '\\1' >&2; exit {code}");
        let out = nfai()
            .args(["explain-failure", "--", "sh", "-c", &script])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code));
        let stderr = &out.stderr;
        assert_eq!(stderr.iter().filter(|&&b| b == 1).count(), 300_000);
        let text = String::from_utf8_lossy(stderr);
        assert!(
            text.contains("cannot explain the output of `sh -c") && text.contains("not a text log"),
            "{}",
            &text[text.len().saturating_sub(300)..]
        );
        assert!(out.stdout.is_empty());
    }
}

/// `--log` with a directory (or a missing file) names the path in the message.
#[test]
fn unreadable_log_paths_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().to_owned(), dir.path().join("missing.log")] {
        let out = nfai()
            .args(["explain-failure", "--log"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains(&format!("cannot read log {}:", path.display())),
            "{text}"
        );
    }
}

/// When no candidate fix passes its checks, the Markdown report says so (as the human one
/// does) and lists why each failed.
#[test]
fn markdown_says_when_no_fix_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    // A fix candidate exists (add the formal) but the file cannot be evaluated after it.
    let package = "{ lib, stdenv }:\nstdenv.mkDerivation {\n  pname = \"tool\";\n  version = \"1.0\";\n  nativeBuildInputs = [ pkg-config ];\n  src = throw \"no source\";\n}\n";
    fs::write(dir.path().join("package.nix"), package).unwrap();
    let log = format!(
        "error: undefined variable 'pkg-config'\n\n       at {}/package.nix:5:25:\n",
        dir.path().display()
    );
    let out = nfai()
        .current_dir(dir.path())
        .args([
            "explain-failure",
            "--validate",
            "eval",
            "--format",
            "markdown",
        ])
        .write_stdin(log)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("**Not validated:** no candidate fix could be validated."),
        "{text}"
    );
    assert!(text.contains("(reached parse): "), "{text}");
    assert!(!text.contains("**Validated:**"), "{text}");
}
