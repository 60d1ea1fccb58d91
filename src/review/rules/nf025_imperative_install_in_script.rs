//! NF025: a script that installs tools imperatively or runs one by a host path.

use std::sync::LazyLock;

use regex::Regex;

use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule, TextFile};

pub struct ImperativeInstallInScript;

/// System package managers: the tool and the pattern up to the package names.
static PACKAGE_MANAGERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(apt-get|apt|yum|dnf|zypper|brew|port)\s+(-\S+\s+)*install\b|\bapk\s+add\b|\bpacman\s+-S\b")
        .expect("valid regex")
});
/// Language package managers installing tools outside any derivation.
static TOOL_INSTALLS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(pip[0-9.]*\s+install|npm\s+(install|i)\s+(-g|--global)\b|cargo\s+install|go\s+install|gem\s+install)\b")
        .expect("valid regex")
});
static PIPE_TO_SHELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(curl|wget)\b[^|\n]*\|\s*(sudo\s+)?(ba|z)?sh\b").expect("valid regex")
});
static INTO_HOST_BIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(mv|cp|install|ln)\b[^;&|\n]*\s/usr/(local/)?s?bin\b").expect("valid regex")
});
/// A command run by an absolute path on the host (first word of a command).
static HOST_TOOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[;&|]\s*|\$\(\s*|\bsudo\s+|\bexec\s+)((/usr/local/s?bin|/opt|/home/[^/\s]+)/[^\s;&|)]+)")
        .expect("valid regex")
});
/// Installers of Nix itself: the one imperative step a Nix-first machine needs.
const NIX_INSTALLERS: &[&str] = &["nixos.org/nix/install", "install.determinate.systems"];
/// Distribution packages of Nix: installing them (and what they need) bootstraps Nix.
const NIX_PACKAGES: &[&str] = &["nix", "nix-bin", "lix"];

impl Rule for ImperativeInstallInScript {
    fn code(&self) -> &'static str {
        "NF025"
    }
    fn name(&self) -> &'static str {
        "imperative-install-in-script"
    }
    fn doc(&self) -> &'static str {
        "A shell script installs or fetches tools imperatively (`apt-get install`, `brew \
install`, `pip install`, `npm install -g`, `cargo install`, `curl … | sh`, `sudo mv … \
/usr/local/bin`) or runs a tool by a host path (`/usr/local/bin/foo`, `/opt/…`, \
`/home/<user>/…`). Installing Nix itself (its official or Determinate installer) is not \
reported, nor is a distribution's Nix package with what it needs (`apt-get install nix-bin \
git` on a CI machine). The finding names the nixpkgs attribute to declare when it is known.

Why: tools come from a pinned Nix environment, declared next to the code, the same on every \
machine; a script that installs them changes the machine and gets whatever version is current.

Before:

    #!/usr/bin/env bash
    sudo apt-get install -y jq
    jq .version package.json

After (declare `jq` in the flake's dev shell, run the script in it):

    #!/usr/bin/env bash
    jq .version package.json        # nix develop --command ./release.sh"
    }
    fn check_text(&self, file: &TextFile, _ctx: &Context, out: &mut Vec<Finding>) {
        if file.kind != Kind::Script {
            return;
        }
        for (start, _, code) in crate::review::shell::code_lines(file.text) {
            if code.trim_start().starts_with('#') {
                continue;
            }
            let Some((at, message, help)) = imperative(code) else {
                continue;
            };
            out.push(
                Finding::new(self, message)
                    .at(file.rel, file.text, start + at.start..start + at.end)
                    .help(help),
            );
        }
    }
}

/// What is imperative on a line: where, what, and what to do instead.
fn imperative(code: &str) -> Option<(std::ops::Range<usize>, String, String)> {
    const DECLARE: &str =
        "declare the tools in the flake's dev shell (or a nix-shell shebang) and run the script there";
    if let Some(m) = PACKAGE_MANAGERS.find(code) {
        let names: Vec<&str> = code[m.end()..]
            .split_whitespace()
            .take_while(|w| !matches!(*w, "&&" | "||" | ";" | "|" | "\\"))
            .filter(|w| !w.starts_with('-'))
            .collect();
        if names.iter().any(|n| NIX_PACKAGES.contains(n)) {
            return None;
        }
        let known: Vec<String> = names
            .iter()
            .filter_map(|n| crate::knowledge::for_command(n).map(|a| format!("`{a}`")))
            .collect();
        let help = if known.is_empty() {
            DECLARE.to_owned()
        } else {
            format!(
                "declare {} in the flake's dev shell and run the script there",
                known.join(", ")
            )
        };
        let tool = m.as_str().split_whitespace().next().unwrap_or("");
        return Some((
            m.range(),
            format!("the script installs packages with {tool}"),
            help,
        ));
    }
    if let Some(m) = TOOL_INSTALLS.find(code) {
        let tool = m.as_str().split_whitespace().next().unwrap_or("");
        return Some((
            m.range(),
            format!("the script installs tools with {tool}"),
            DECLARE.to_owned(),
        ));
    }
    if let Some(m) = PIPE_TO_SHELL
        .find(code)
        .filter(|m| !NIX_INSTALLERS.iter().any(|i| m.as_str().contains(i)))
    {
        return Some((
            m.range(),
            "the script runs a downloaded installer".to_owned(),
            DECLARE.to_owned(),
        ));
    }
    if let Some(m) = INTO_HOST_BIN.find(code) {
        return Some((
            m.range(),
            "the script installs a program into the host's bin directory".to_owned(),
            DECLARE.to_owned(),
        ));
    }
    let c = HOST_TOOL.captures(code)?;
    let path = c.get(2)?;
    let name = path.as_str().rsplit('/').next().unwrap_or("");
    let help = match crate::knowledge::for_command(name) {
        Some(attr) => {
            format!("declare `{attr}` in the flake's dev shell and call `{name}` by name")
        }
        None => format!("package `{name}` with Nix (or take it from nixpkgs) and call it by name"),
    };
    Some((
        path.range(),
        format!("the script runs `{}` by a host path", path.as_str()),
        help,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::text;

    fn run(body: &str) -> Vec<Finding> {
        text(
            &ImperativeInstallInScript,
            "scripts/setup.sh",
            &format!("#!/usr/bin/env bash\n{body}"),
        )
    }

    #[test]
    fn fires_on_imperative_installs_and_host_tools() {
        let f = run("sudo apt-get install -y jq curl\n");
        assert_eq!(f[0].message, "the script installs packages with apt-get");
        assert!(
            f[0].help.as_deref().unwrap().contains("`jq`, `curl`"),
            "{:?}",
            f[0].help
        );
        assert_eq!(f[0].line(), Some(2));
        assert_eq!(run("brew install ripgrep && rg x\n").len(), 1);
        assert_eq!(
            run("pip3 install --user black\n")[0].message,
            "the script installs tools with pip3"
        );
        assert_eq!(run("npm install -g typescript\n").len(), 1);
        assert_eq!(run("curl -fsSL https://get.example.sh | sh\n").len(), 1);
        assert_eq!(run("sudo mv ./tool /usr/local/bin/\n").len(), 1);
        let f = run("/usr/local/bin/terraform apply\n");
        assert_eq!(
            f[0].message,
            "the script runs `/usr/local/bin/terraform` by a host path"
        );
        assert_eq!(run("out=$(/opt/tools/bin/gen --x)\n").len(), 1);
    }

    #[test]
    fn declarative_scripts_and_nix_installers_are_fine() {
        assert!(run("npm install\nnpm ci\ncargo build\n# apt-get install jq\n").is_empty());
        assert!(run("curl -L https://nixos.org/nix/install | sh -s -- --daemon\n").is_empty());
        // This project's CI bootstrap on a clean Debian machine.
        assert!(run("apt-get install -y -qq nix-bin busybox-static git >/dev/null\n").is_empty());
        assert!(run("echo /usr/local/bin/x is not run\nls /opt\n").is_empty());
        assert!(text(
            &ImperativeInstallInScript,
            ".github/workflows/ci.yml",
            "steps:\n  - run: sudo apt-get install -y jq\n"
        )
        .is_empty());
    }
}
