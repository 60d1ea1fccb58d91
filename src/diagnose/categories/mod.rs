//! The registry of failure categories: one file per category, one line here per category.

use super::Category;

// Evaluation-side categories.
mod broken_package;
mod eval_throw;
mod flakes_disabled;
mod impure_access;
mod infinite_recursion;
mod insecure_package;
mod invalid_flake_output;
mod lock_error;
mod missing_argument;
mod missing_attribute;
mod renamed_or_removed;
mod syntax_error;
mod type_error;
mod unexpected_argument;
mod unfree_package;
mod unsupported_system;
// (end of evaluation-side modules)

// Build-side categories.
mod autopatchelf_missing;
mod collision;
mod compile_error;
mod download_failed;
mod missing_header;
mod missing_library;
mod missing_python_module;
mod network_in_build;
mod out_of_resources;
mod patch_failed;
mod substitute_failed;
mod test_failure;
mod writable_home;
// (end of build-side modules)

mod check_meta;
mod dependency_failed;
mod hash_mismatch;
mod missing_build_tool;
mod missing_file;
mod no_failure;
mod other;
mod undefined_variable;
mod untracked_file;

/// Every category, in the order `nfai explain --list` shows them. When two categories are
/// equally confident about one failure, the earlier one wins.
pub static CATEGORIES: &[&dyn Category] = &[
    // Evaluation-side categories.
    &flakes_disabled::FlakesDisabled,
    &lock_error::LockError,
    &syntax_error::SyntaxError,
    &impure_access::ImpureAccess,
    &unfree_package::UnfreePackage,
    &broken_package::BrokenPackage,
    &insecure_package::InsecurePackage,
    &unsupported_system::UnsupportedSystem,
    &renamed_or_removed::RenamedOrRemoved,
    &invalid_flake_output::InvalidFlakeOutput,
    &missing_attribute::MissingAttribute,
    &unexpected_argument::UnexpectedArgument,
    &missing_argument::MissingArgument,
    &infinite_recursion::InfiniteRecursion,
    &undefined_variable::UndefinedVariable,
    &type_error::TypeError,
    &eval_throw::EvalThrow,
    // (end of evaluation-side entries)
    // Build-side categories.
    &untracked_file::UntrackedFile,
    &missing_file::MissingFile,
    &hash_mismatch::HashMismatch,
    &collision::Collision,
    &autopatchelf_missing::AutopatchelfMissing,
    &substitute_failed::SubstituteFailed,
    &patch_failed::PatchFailed,
    &download_failed::DownloadFailed,
    &missing_header::MissingHeader,
    &missing_build_tool::MissingBuildTool,
    &missing_library::MissingLibrary,
    &missing_python_module::MissingPythonModule,
    &network_in_build::NetworkInBuild,
    &writable_home::WritableHome,
    &out_of_resources::OutOfResources,
    &test_failure::TestFailure,
    &compile_error::CompileError,
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
