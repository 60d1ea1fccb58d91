//! no_failure: the log shows no failure.

use crate::diagnose::Category;

pub struct NoFailure;

impl Category for NoFailure {
    fn id(&self) -> &'static str {
        "no_failure"
    }
    fn title(&self) -> &'static str {
        "No failure found"
    }
    fn doc(&self) -> &'static str {
        "The log contains no Nix error and no failing build: the command succeeded, or the \
input is empty or not a Nix log.

Why: nfai was given the log of a successful run, or only part of a log.

Fix: nothing to do. If the command did fail, pass the whole output including stderr \
(`nix build ... 2>&1 | nfai explain-failure`) or let nfai run it \
(`nfai explain-failure -- nix build ...`)."
    }
}
