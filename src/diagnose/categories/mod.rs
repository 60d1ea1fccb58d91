//! The registry of failure categories: one file per category, one line here per category.

use super::Category;

// Evaluation-side categories.
// (end of evaluation-side modules)

// Build-side categories.
// (end of build-side modules)

mod dependency_failed;
mod hash_mismatch;
mod missing_build_tool;
mod no_failure;
mod other;
mod undefined_variable;
mod untracked_file;

/// Every category, in the order `nfai explain --list` shows them. When two categories are
/// equally confident about one failure, the earlier one wins.
pub static CATEGORIES: &[&dyn Category] = &[
    // Evaluation-side categories.
    &undefined_variable::UndefinedVariable,
    // (end of evaluation-side entries)
    // Build-side categories.
    &untracked_file::UntrackedFile,
    &hash_mismatch::HashMismatch,
    &missing_build_tool::MissingBuildTool,
    // (end of build-side entries)
    &dependency_failed::DependencyFailed,
    &other::Other,
    &no_failure::NoFailure,
];

/// The verdict of `category` on the first site of `log` it recognises.
#[cfg(test)]
pub(crate) fn verdict_for(category: &dyn Category, log: &str) -> Option<super::Verdict> {
    let log = crate::log::read_bytes(log.as_bytes(), super::triggers()).expect("text log");
    super::site::sites(&log)
        .iter()
        .find_map(|s| category.classify(s))
}
