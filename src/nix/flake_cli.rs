//! The `nix flake` command line that updates one input, in the spelling the user's Nix (or
//! Lix) understands, decided from `nix --version`.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// How the installed Nix updates one flake input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSyntax {
    /// `nix flake update <input>`: Nix 2.19 and later, every Lix release from 2.90 on.
    Positional,
    /// `nix flake lock --update-input <input>`: earlier Nix, where `nix flake update`
    /// takes a flake reference and would update a registry flake named like the input.
    Flag,
    /// No `nix --version` answer to go by: both spellings.
    Unknown,
}

impl UpdateSyntax {
    /// From the first line of `nix --version`: `nix (Nix) 2.24.9`, `nix (Lix, like Nix)
    /// 2.91.1`, `nix (Determinate Nix 3.6.2) 2.29.0`.
    pub fn from_version(line: &str) -> UpdateSyntax {
        let Some(version) = line.split_whitespace().last().and_then(major_minor) else {
            return UpdateSyntax::Unknown;
        };
        // Lix numbers its own releases (2.90 was the first) and took Nix 2.19's overhaul of
        // `nix flake update`/`nix flake lock` in that release.
        let since = if line.contains("Lix") {
            (2, 90)
        } else {
            (2, 19)
        };
        if version >= since {
            UpdateSyntax::Positional
        } else {
            UpdateSyntax::Flag
        }
    }

    /// The command that updates `input` (an input path such as `nixpkgs` or
    /// `home-manager/nixpkgs`) of the flake in `dir` (relative, `""` for the current one).
    pub fn command(self, dir: &str, input: &str) -> String {
        let new = if dir.is_empty() {
            format!("nix flake update {input}")
        } else {
            format!("nix flake update {input} --flake ./{dir}")
        };
        let old = if dir.is_empty() {
            format!("nix flake lock --update-input {input}")
        } else {
            format!("nix flake lock ./{dir} --update-input {input}")
        };
        match self {
            UpdateSyntax::Positional => new,
            UpdateSyntax::Flag => old,
            // A shell comment, so the line still runs when pasted whole.
            UpdateSyntax::Unknown => {
                format!("{new}    # before Nix 2.19 (Lix 2.90): {old}")
            }
        }
    }
}

/// `2.91.1` → (2, 91); also `2.19pre20231010_abc`.
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// The user's update syntax, asked of `nix --version` at most once.
pub struct NixCli {
    probe: fn() -> Option<String>,
    /// The probe already running beside the caller's work (`detect`).
    started: Mutex<Option<JoinHandle<Option<String>>>>,
    syntax: OnceLock<UpdateSyntax>,
}

impl NixCli {
    /// Asks the installed `nix` in the background from now on: spawning Nix takes about as
    /// long as reviewing a mid-sized repository, so it runs beside the walk instead of after it.
    pub fn detect() -> NixCli {
        let cli = NixCli::from_probe(super::runner::nix_version);
        let probe = std::thread::spawn(super::runner::nix_version);
        *cli.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(probe);
        cli
    }

    /// Asks `probe` (which answers like `nix --version`) when first needed.
    pub const fn from_probe(probe: fn() -> Option<String>) -> NixCli {
        NixCli {
            probe,
            started: Mutex::new(None),
            syntax: OnceLock::new(),
        }
    }

    pub fn syntax(&self) -> UpdateSyntax {
        *self.syntax.get_or_init(|| {
            let started = self
                .started
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            let answer = match started {
                Some(probe) => probe.join().ok().flatten(),
                None => (self.probe)(),
            };
            answer.map_or(UpdateSyntax::Unknown, |v| UpdateSyntax::from_version(&v))
        })
    }

    pub fn update_command(&self, dir: &str, input: &str) -> String {
        self.syntax().command(dir, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UpdateSyntax::*;

    #[test]
    fn reads_nix_lix_and_vendor_versions() {
        for (line, syntax) in [
            ("nix (Nix) 2.8.0", Flag),
            ("nix (Nix) 2.18.9", Flag),
            ("nix (Nix) 2.19.0", Positional),
            ("nix (Nix) 2.19pre20231010_4d0a4d1", Positional),
            ("nix (Nix) 3.0.1", Positional),
            ("nix (Lix, like Nix) 2.91.1", Positional),
            // The threshold is Lix's own 2.90, not Nix's 2.19.
            ("nix (Lix, like Nix) 2.89.0-dev", Flag),
            ("nix (Determinate Nix 3.6.2) 2.29.0", Positional),
            ("nix: command not found", Unknown),
        ] {
            assert_eq!(UpdateSyntax::from_version(line), syntax, "{line}");
        }
    }

    #[test]
    fn commands_name_the_flake_directory() {
        for (syntax, dir, input, command) in [
            (Positional, "", "nixpkgs", "nix flake update nixpkgs"),
            (Positional, "sub/x", "a/nixpkgs", "nix flake update a/nixpkgs --flake ./sub/x"),
            (Flag, "sub", "nixpkgs", "nix flake lock ./sub --update-input nixpkgs"),
            (
                Unknown,
                "",
                "nixpkgs",
                "nix flake update nixpkgs    # before Nix 2.19 (Lix 2.90): nix flake lock --update-input nixpkgs",
            ),
        ] {
            assert_eq!(syntax.command(dir, input), command);
        }
    }

    #[test]
    fn asks_nix_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let cli = NixCli::from_probe(|| {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Some("nix (Nix) 2.24.9".into())
        });
        assert_eq!(CALLS.load(Ordering::SeqCst), 0, "not asked before needed");
        assert_eq!(cli.update_command("", "x"), "nix flake update x");
        assert_eq!(cli.syntax(), Positional);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        let absent = NixCli::from_probe(|| None);
        assert_eq!(absent.syntax(), Unknown);
    }
}
