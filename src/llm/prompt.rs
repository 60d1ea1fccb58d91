//! The messages sent to an LLM: the instructions of `prompts/fix.md` and the failure.

use std::fmt::Write;

use super::Request;

/// The system message: how to answer.
pub const SYSTEM: &str = include_str!("../../prompts/fix.md");

/// The user message: the diagnosed failure and the project files, redacted as a whole (this
/// is the one place where what leaves the machine is assembled).
pub fn user(request: &Request) -> String {
    super::redact::redact(&unredacted(request))
}

fn unredacted(request: &Request) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Failure category: {}", request.category);
    let _ = writeln!(out, "Summary: {}", request.summary);
    let _ = writeln!(out, "What it means: {}\n", request.explanation);
    let _ = writeln!(out, "Evidence from the log:");
    for line in &request.evidence {
        let _ = writeln!(out, "    {line}");
    }
    for (path, text) in &request.files {
        let _ = writeln!(out, "\nFile `{path}`:\n```nix\n{text}\n```");
    }
    out
}
