//! How Nix is told to check code nfai does not trust (a model's proposal): evaluation pure and
//! restricted to the project, no URIs, no import-from-derivation, builds only in the sandbox,
//! and commands that would run what they build on the host turned into builds. The runner
//! applies this to every untrusted step; callers cannot leave it out.

use std::path::{Path, PathBuf};

/// The settings for an untrusted step, appended last so that they override the user's
/// command line and nix.conf.
const OPTIONS: &[(&str, &str)] = &[
    ("restrict-eval", "true"),
    ("allowed-uris", ""),
    ("allow-import-from-derivation", "false"),
    ("allow-unsafe-native-code-during-evaluation", "false"),
    ("sandbox", "true"),
    ("sandbox-fallback", "false"),
];

/// Environment variables an untrusted step keeps; everything else (tokens, keys, the user's
/// shell state) is removed.
pub const ENV_KEPT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "TZ",
    "NIX_CONFIG",
    "NIX_PATH",
    "NIX_REMOTE",
    "NIX_STORE_DIR",
    "NIX_STATE_DIR",
    "NIX_CONF_DIR",
    "NIX_USER_CONF_FILES",
    "NIX_SSL_CERT_FILE",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_CONFIG_DIRS",
];

/// What the sandbox warning of a daemon that ignores nfai's settings says.
pub const IGNORED_SETTING: &str = "ignoring the client-specified setting";

/// A command for checking untrusted code, in the forms the ladder needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confined {
    /// Evaluates and lists what a build would build (`--dry-run`), without building.
    pub eval: Untrusted,
    /// Builds without running anything on the host; `None` when the command has no build
    /// that nfai can inspect first (then the check stops at evaluation).
    pub build: Option<Untrusted>,
}

/// An argument vector with the confinement applied; only this module makes one, and the
/// runner runs it with the environment cut down to [`ENV_KEPT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted(Vec<String>);

impl Untrusted {
    pub fn argv(&self) -> &[String] {
        &self.0
    }

    /// `nix show-derivation` of derivations an untrusted check would build.
    pub fn show_derivation(drvs: &[String]) -> Untrusted {
        let head = [
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "show-derivation",
        ];
        Untrusted(
            head.iter()
                .map(|s| s.to_string())
                .chain(drvs.iter().cloned())
                .collect(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a Nix command nfai can check a model's proposal with")]
pub struct NotNix(pub String);

/// The confined forms of the user's command. `allowed` are the directories evaluation may
/// read (the project copy, and paths the user's own command names); `system` is the system
/// dev shells are built for.
pub fn confine(argv: &[String], allowed: &[PathBuf], system: &str) -> Result<Confined, NotNix> {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    let program = Path::new(words.first().copied().unwrap_or_default())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let args = &words[1.min(words.len())..];
    let (eval, build) = match program {
        "nix" => nix_command(args, system),
        "nix-build" => (
            strings(&[&["nix-build", "--dry-run"], &without_impure(args)]),
            Some(strings(&[
                &["nix-build", "--no-out-link"],
                &without_impure(args),
            ])),
        ),
        "nix-shell" => (
            strings(&[&["nix-instantiate"], &shell_file_args(args)]),
            None,
        ),
        "nix-instantiate" => (
            strings(&[&["nix-instantiate"], &without_impure(args)]),
            None,
        ),
        _ => return Err(NotNix(argv.join(" "))),
    };
    let flake = is_flake_command(&eval);
    Ok(Confined {
        eval: finish(eval, allowed, flake),
        build: build.map(|b| finish(b, allowed, flake)),
    })
}

fn strings(parts: &[&[&str]]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| p.iter().map(|s| s.to_string()))
        .collect()
}

/// `nix <subcommand>`: run, shell and develop become builds of what they would run.
fn nix_command(args: &[&str], system: &str) -> (Vec<String>, Option<Vec<String>>) {
    let sub = args
        .iter()
        .position(|w| !w.starts_with('-'))
        .unwrap_or(args.len());
    let before = without_impure(&args[..sub]);
    let subcommand = args.get(sub).copied().unwrap_or_default();
    // Arguments after `--`, `--command` or `-c` are for the program it would run.
    let end = args[sub..]
        .iter()
        .position(|w| matches!(*w, "--" | "--command" | "-c"))
        .map_or(args.len(), |i| sub + i);
    let rest = without_impure(&args[(sub + 1).min(end)..end]);
    let with = |head: &[&str], tail: &[&str]| strings(&[&["nix"], &before, head, &rest, tail]);
    match subcommand {
        "build" | "run" | "shell" => (
            with(&["build", "--no-link"], &["--dry-run"]),
            Some(with(&["build", "--no-link"], &[])),
        ),
        "develop" => {
            let shell = dev_shell_installable(&rest, system);
            // Everything but the installable, so that options keep their values
            // (`--override-input nixpkgs path:…`).
            let installable = rest.iter().position(|w| !w.starts_with('-'));
            let options: Vec<&str> = rest
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != installable)
                .map(|(_, w)| *w)
                .collect();
            let eval = strings(&[
                &["nix"],
                &before,
                &["build", "--no-link", "--dry-run"],
                &options,
                &[shell.as_str()],
            ]);
            (eval, Some(with(&["print-dev-env"], &[])))
        }
        "flake" => (with(&["flake"], &["--no-build"]), None),
        _ => (with(&[subcommand], &[]), None),
    }
}

/// The attribute `nix develop` would build for its installable (default: the flake's
/// default dev shell).
fn dev_shell_installable(rest: &[&str], system: &str) -> String {
    let installable = rest.iter().find(|w| !w.starts_with('-')).copied();
    let (flake, attr) = match installable {
        Some(i) => i.split_once('#').unwrap_or((i, "default")),
        None => (".", "default"),
    };
    if attr.contains('.') {
        format!("{flake}#{attr}")
    } else {
        format!("{flake}#devShells.{system}.{attr}")
    }
}

/// `nix-shell` arguments that name what to evaluate (the file and `-A`/`--arg` options),
/// without `--run`/`--command` and what follows them.
fn shell_file_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut it = args.iter().copied();
    while let Some(a) = it.next() {
        match a {
            "--run" | "--command" | "--exclude" => {
                it.next();
            }
            "-p" | "--packages" | "--pure" | "--impure" | "--keep" => {}
            a => out.push(a),
        }
    }
    if !out.iter().any(|a| !a.starts_with('-')) {
        out.push("shell.nix");
    }
    out
}

fn without_impure<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().filter(|a| *a != "--impure").collect()
}

fn is_flake_command(argv: &[String]) -> bool {
    argv.first().is_some_and(|a| a == "nix")
        && !argv
            .iter()
            .any(|a| matches!(a.as_str(), "-f" | "--file" | "--expr" | "-E"))
}

fn finish(mut out: Vec<String>, allowed: &[PathBuf], flake: bool) -> Untrusted {
    for dir in allowed {
        out.push("-I".into());
        out.push(dir.display().to_string());
    }
    let pure = flake.then_some(("pure-eval", "true"));
    for (name, value) in OPTIONS.iter().copied().chain(pure) {
        out.extend(["--option".into(), name.into(), value.into()]);
    }
    Untrusted(out)
}

/// The Nix system of this machine (`x86_64-linux`), for dev shell attributes.
pub fn current_system() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

/// The derivations a `--dry-run` says it would build.
pub fn to_build(dry_run_stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut listing = false;
    for line in dry_run_stderr.lines() {
        let t = line.trim();
        if t.starts_with("this derivation will be built")
            || t.starts_with("these ") && t.contains("will be built")
        {
            listing = true;
        } else if listing && t.starts_with('/') && t.ends_with(".drv") {
            out.push(t.to_owned());
        } else {
            listing = false;
        }
    }
    out
}

/// The derivations of a `nix show-derivation` JSON that would have network access when built
/// (fixed-output or impure), with the URL they name when they name one.
pub fn networked(show_derivation: &serde_json::Value) -> Vec<(String, Option<String>)> {
    let Some(map) = show_derivation.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, d)| {
            let fixed = d["outputs"].as_object().is_some_and(|o| {
                o.values()
                    .any(|out| out.get("hash").is_some() || out.get("hashAlgo").is_some())
            });
            let env = &d["env"];
            fixed || env.get("outputHash").is_some() || env.get("__impure").is_some()
        })
        .map(|(path, d)| {
            // Where it would fetch from: a `url` attribute, else the first URL in its
            // environment or builder arguments.
            let named = ["url", "urls", "urlsToTry"]
                .iter()
                .find_map(|k| d["env"][*k].as_str());
            let texts = d["env"].as_object().into_iter().flat_map(|e| e.values());
            let texts = texts.chain(d["args"].as_array().into_iter().flatten());
            let url = named
                .into_iter()
                .chain(texts.filter_map(|v| v.as_str()))
                .flat_map(str::split_whitespace)
                .find(|w| w.contains("://"))
                .map(|w| w.trim_matches(['"', '\'', ';', ')']).to_owned());
            (path.clone(), url)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn commands_that_run_things_become_builds() {
        let allowed = [PathBuf::from("/p")];
        let c = confine(
            &argv("nix run --impure .#app -- --flag"),
            &allowed,
            "x86_64-linux",
        )
        .unwrap();
        let build = c.build.unwrap().argv().join(" ");
        assert!(
            build.starts_with("nix build --no-link .#app -I /p"),
            "{build}"
        );
        assert!(!build.contains("--impure") && !build.contains("--flag"));
        assert!(build.contains("--option restrict-eval true"));
        assert!(build.contains("--option pure-eval true"));
        assert!(c.eval.argv().contains(&"--dry-run".to_owned()));
        let c = confine(
            &argv("nix develop .#dev --command make"),
            &allowed,
            "x86_64-linux",
        )
        .unwrap();
        assert!(c
            .eval
            .argv()
            .join(" ")
            .contains("build --no-link --dry-run .#devShells.x86_64-linux.dev"));
        assert!(c
            .build
            .unwrap()
            .argv()
            .join(" ")
            .starts_with("nix print-dev-env .#dev"));
        let c = confine(
            &argv("nix develop /p#devShells.x.default --override-input nixpkgs path:/s"),
            &allowed,
            "x86_64-linux",
        )
        .unwrap();
        assert!(c.eval.argv().join(" ").starts_with(
            "nix build --no-link --dry-run --override-input nixpkgs path:/s /p#devShells.x.default"
        ));
        let c = confine(&argv("nix-shell --run ./deploy.sh"), &allowed, "x").unwrap();
        assert_eq!(c.eval.argv()[..2], ["nix-instantiate", "shell.nix"]);
        assert!(c.build.is_none());
        let c = confine(&argv("nix-build -A hello"), &allowed, "x").unwrap();
        assert!(
            !c.eval.argv().join(" ").contains("pure-eval"),
            "restricted, not pure, without flakes"
        );
        assert!(confine(&argv("make"), &allowed, "x").is_err());
    }

    #[test]
    fn dry_run_and_fixed_outputs() {
        let stderr = "these 2 derivations will be built:\n  /nix/store/a-x.drv\n  /nix/store/b-y.drv\nthese 1 paths will be fetched:\n  /nix/store/c-z\n";
        assert_eq!(
            to_build(stderr),
            ["/nix/store/a-x.drv", "/nix/store/b-y.drv"]
        );
        let json = serde_json::json!({
            "/nix/store/a-x.drv": {"outputs": {"out": {"path": "/nix/store/x", "hash": "abc", "hashAlgo": "sha256"}},
                                    "env": {"url": "http://127.0.0.1/steal"}},
            "/nix/store/b-y.drv": {"outputs": {"out": {"path": "/nix/store/y"}}, "env": {}}
        });
        assert_eq!(
            networked(&json),
            [(
                "/nix/store/a-x.drv".to_owned(),
                Some("http://127.0.0.1/steal".to_owned())
            )]
        );
    }
}
