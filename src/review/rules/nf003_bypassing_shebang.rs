//! NF003: a shebang with an absolute interpreter path (`#!/bin/bash`) that bypasses PATH.

use crate::nix::edit::TextEdit;
use crate::review::shell::Shebang;
use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule, TextFile};

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
not run at all on NixOS, which has no /bin/bash. `#!/bin/sh` is accepted: every system has it.

Why: Nix-first scripts take their interpreter from the environment, like every other tool.

Before:

    #!/bin/bash -e

After (`nfai review --fix` does this):

    #!/usr/bin/env -S bash -e"
    }
    fn check_text(&self, file: &TextFile, _ctx: &Context, out: &mut Vec<Finding>) {
        if file.kind != Kind::Script {
            return;
        }
        let Some(shebang) = Shebang::parse(file.text).filter(Shebang::bypasses_path) else {
            return;
        };
        let args: Vec<&str> = file.text[shebang.range.clone()]
            .split_whitespace()
            .skip(1)
            .collect();
        let replacement = if args.is_empty() {
            format!("#!/usr/bin/env {}", shebang.program)
        } else {
            format!("#!/usr/bin/env -S {} {}", shebang.program, args.join(" "))
        };
        out.push(
            Finding::new(
                self,
                format!("shebang `{}` bypasses the Nix environment", shebang.path),
            )
            .at(file.rel, file.text, shebang.range.clone())
            .fix(
                format!("use `{replacement}`"),
                vec![TextEdit::replace(
                    file.rel,
                    shebang.range.clone(),
                    replacement,
                )],
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, text};

    #[test]
    fn fires_and_fixes_absolute_interpreters() {
        let src = "#!/bin/bash -eu\n# keep me\necho hi\n";
        let f = text(&BypassingShebang, "build.sh", src);
        assert_eq!(f.len(), 1);
        assert_eq!(
            fixed(src, &f[0]),
            "#!/usr/bin/env -S bash -eu\n# keep me\necho hi\n"
        );
        let f = text(&BypassingShebang, "tools/run", "#!/usr/bin/bash\nls\n");
        assert_eq!(
            fixed("#!/usr/bin/bash\nls\n", &f[0]),
            "#!/usr/bin/env bash\nls\n"
        );
    }

    #[test]
    fn env_sh_and_non_scripts_do_not() {
        assert!(text(&BypassingShebang, "a.sh", "#!/usr/bin/env bash\n").is_empty());
        assert!(text(&BypassingShebang, "a.sh", "#!/bin/sh\n").is_empty());
        assert!(text(&BypassingShebang, "Makefile", "#!/bin/bash\nall:\n").is_empty());
    }
}
