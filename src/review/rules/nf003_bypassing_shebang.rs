//! NF003: a shebang with an absolute interpreter path (`#!/bin/bash`) that bypasses PATH.

use crate::nix::edit::TextEdit;
use crate::review::repo::Repo;
use crate::review::shell::Shebang;
use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule};

pub struct BypassingShebang;

impl Rule for BypassingShebang {
    fn code(&self) -> &'static str {
        "NF003"
    }
    fn name(&self) -> &'static str {
        "bypassing-shebang"
    }
    fn doc(&self) -> &'static str {
        "A script's shebang names an interpreter by absolute path (`#!/bin/bash`, \
`#!/usr/bin/python3`), so it runs the machine's interpreter even inside `nix develop`, and does \
not run at all on NixOS, which has no /bin/bash. `#!/bin/sh` is accepted: every system has it. \
Scripts that a Nix file next to them or above them names (a derivation packages them, and \
its `patchShebangs` rewrites the interpreter to the store's) and scripts that a Dockerfile \
or Containerfile copies (they run in that image's system) are not reported.

Why: Nix-first scripts take their interpreter from the environment, like every other tool.

Before:

    #!/bin/bash -e

After (`nfai review --fix` does this):

    #!/usr/bin/env -S bash -e"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for script in repo.files_of(Kind::Script) {
            let Some(text) = repo.text(&script.rel) else {
                continue;
            };
            let Some(shebang) = Shebang::parse(text).filter(Shebang::bypasses_path) else {
                continue;
            };
            if repo.named_near(&script.rel, Kind::Nix)
                || repo.named_near(&script.rel, Kind::Container)
            {
                continue;
            }
            out.push(finding(self, &script.rel, text, &shebang));
        }
    }
}

/// The finding for `shebang`, with the `env` fix.
fn finding(rule: &BypassingShebang, rel: &str, text: &str, shebang: &Shebang) -> Finding {
    let args: Vec<&str> = text[shebang.range.clone()]
        .split_whitespace()
        .skip(1)
        .collect();
    let replacement = if args.is_empty() {
        format!("#!/usr/bin/env {}", shebang.program)
    } else {
        format!("#!/usr/bin/env -S {} {}", shebang.program, args.join(" "))
    };
    Finding::new(
        rule,
        format!("shebang `{}` bypasses the Nix environment", shebang.path),
    )
    .at(rel, text, shebang.range.clone())
    .fix(
        format!("use `{replacement}`"),
        vec![TextEdit::replace(rel, shebang.range.clone(), replacement)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    #[test]
    fn fires_and_fixes_absolute_interpreters() {
        let src = "#!/bin/bash -eu\n# keep me\necho hi\n";
        let f = repo(&BypassingShebang, &[("build.sh", src)]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            fixed(src, &f[0]),
            "#!/usr/bin/env -S bash -eu\n# keep me\necho hi\n"
        );
        let f = repo(&BypassingShebang, &[("tools/run", "#!/usr/bin/bash\nls\n")]);
        assert_eq!(
            fixed("#!/usr/bin/bash\nls\n", &f[0]),
            "#!/usr/bin/env bash\nls\n"
        );
    }

    #[test]
    fn env_sh_and_non_scripts_do_not() {
        assert!(repo(&BypassingShebang, &[("a.sh", "#!/usr/bin/env bash\n")]).is_empty());
        assert!(repo(&BypassingShebang, &[("a.sh", "#!/bin/sh\n")]).is_empty());
        assert!(repo(&BypassingShebang, &[("Makefile", "#!/bin/bash\nall:\n")]).is_empty());
    }
    #[test]
    fn packaged_and_containerised_scripts_are_fine() {
        // home-manager's GPU setup script: a derivation installs it, patchShebangs fixes it.
        let drv = "{ stdenv }: stdenv.mkDerivation { src = ./.; installPhase = \"cp gpu-setup $out/bin\"; }";
        let script = "#!/bin/bash\nset -e\n";
        assert!(repo(
            &BypassingShebang,
            &[
                ("gpu/setup/gpu-setup", script),
                ("gpu/setup/default.nix", drv)
            ]
        )
        .is_empty());
        // devenv's devcontainer entrypoint: it runs in the image, before Nix is started.
        let docker = "FROM ubuntu\nCOPY nix-entrypoint.sh /nix-entrypoint.sh\n";
        assert!(repo(
            &BypassingShebang,
            &[
                ("devcontainer/nix-entrypoint.sh", script),
                ("devcontainer/Dockerfile", docker)
            ]
        )
        .is_empty());
        assert_eq!(
            repo(
                &BypassingShebang,
                &[("tools/setup.sh", script), ("gpu/default.nix", drv)]
            )
            .len(),
            1
        );
    }
}
