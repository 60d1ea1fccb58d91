//! other: a failure that no category recognises; the report quotes Nix's message.

use crate::diagnose::Category;

pub struct Other;

impl Category for Other {
    fn id(&self) -> &'static str {
        "other"
    }
    fn title(&self) -> &'static str {
        "Unrecognised failure"
    }
    fn doc(&self) -> &'static str {
        "Nix failed, but the failure does not match any category nfai knows. The report quotes \
the error message and the derivation that failed, which is where to start.

Why: a tool-specific error, a new Nix wording, or a failure nfai has not learnt yet.

Fix: read the quoted lines and the full build log (`nix log /nix/store/...drv`); \
re-run with `--show-trace` for evaluation errors or `-L` for build errors to see more."
    }
}
