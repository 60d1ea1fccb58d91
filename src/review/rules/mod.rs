//! The registry of review rules: one file per rule, one line here per rule. Codes are
//! stable: a retired rule keeps its number.

use rnix::{SyntaxKind, SyntaxNode};

use super::repo::Repo;
use super::{Finding, Rule, Severity};

mod nf001_script_without_nix_env;
mod nf002_tool_not_in_devshell;
mod nf003_bypassing_shebang;
mod nf004_component_without_flake;
mod nf005_flake_without_lock;
mod nf006_lock_out_of_sync;
mod nf007_unpinned_input;
mod nf008_duplicate_nixpkgs;
mod nf009_indirect_input;
mod nf010_stale_nixpkgs;
mod nf011_single_system;
mod nf012_search_path;
mod nf013_unpinned_fetch;
mod nf014_impure_builtin;
mod nf015_host_path;
mod nf016_impure_flag;
mod nf017_commit_without_change_request;
mod nf018_committed_build_output;
mod nf019_nix_syntax_error;
mod nf020_suppression_without_reason;
mod nf021_legacy_flake_output;
mod nf022_invalid_flake_output;
mod nf023_global_allow_unfree;
mod nf024_mutable_devshell_state;
mod nf025_imperative_install_in_script;
mod nf026_tests_outside_nix;
mod nf027_unfetchable_lock_entry;
mod nf028_no_reproducibility_check;

/// The code of the rule that reports bad suppressions (it cannot suppress itself).
pub const SUPPRESSION_CODE: &str = "NF020";

/// Every rule, in the order `--list-rules` shows them.
pub static RULES: &[&dyn Rule] = &[
    // scripts
    &nf001_script_without_nix_env::ScriptWithoutNixEnv,
    &nf002_tool_not_in_devshell::ToolNotInDevShell,
    &nf003_bypassing_shebang::BypassingShebang,
    // flakes
    &nf004_component_without_flake::ComponentWithoutFlake,
    &nf005_flake_without_lock::FlakeWithoutLock,
    &nf006_lock_out_of_sync::LockOutOfSync,
    &nf007_unpinned_input::UnpinnedInput,
    &nf008_duplicate_nixpkgs::DuplicateNixpkgs,
    &nf009_indirect_input::IndirectInput,
    &nf010_stale_nixpkgs::StaleNixpkgs,
    &nf011_single_system::SingleSystem,
    // purity
    &nf012_search_path::SearchPath,
    &nf013_unpinned_fetch::UnpinnedFetch,
    &nf014_impure_builtin::ImpureBuiltin,
    &nf015_host_path::HostPath,
    &nf016_impure_flag::ImpureFlag,
    // state
    &nf017_commit_without_change_request::CommitWithoutChangeRequest,
    &nf018_committed_build_output::CommittedBuildOutput,
    // the review itself
    &nf019_nix_syntax_error::NixSyntaxError,
    &nf020_suppression_without_reason::SuppressionWithoutReason,
    // the second pass: flakes, purity, state, scripts
    &nf021_legacy_flake_output::LegacyFlakeOutput,
    &nf022_invalid_flake_output::InvalidFlakeOutput,
    &nf023_global_allow_unfree::GlobalAllowUnfree,
    &nf024_mutable_devshell_state::MutableDevshellState,
    &nf025_imperative_install_in_script::ImperativeInstallInScript,
    &nf026_tests_outside_nix::TestsOutsideNix,
    &nf027_unfetchable_lock_entry::UnfetchableLockEntry,
    // reproducibility
    &nf028_no_reproducibility_check::NoReproducibilityCheck,
];

/// The rule with `code` (case-insensitive).
pub fn rule(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code().eq_ignore_ascii_case(code))
}

/// The command that updates `input` (an input path: `a/nixpkgs`) of `flake`, in the
/// spelling of the user's Nix.
fn update_input_command(ctx: &super::Context, flake: &super::flake::Flake, input: &str) -> String {
    ctx.nix.update_command(&flake.dir, input)
}

fn lock_command(flake: &super::flake::Flake) -> String {
    if flake.dir.is_empty() {
        "nix flake lock".to_owned()
    } else {
        format!("nix flake lock ./{}", flake.dir)
    }
}

/// The name of the lambda argument whose default value contains `node`, if any.
fn defaulted_argument(node: &SyntaxNode) -> Option<String> {
    let entry = node
        .ancestors()
        .take_while(|a| a.kind() != SyntaxKind::NODE_LAMBDA)
        .find(|a| a.kind() == SyntaxKind::NODE_PAT_ENTRY)?;
    // The entry's first child is the argument's name, the rest its default.
    let name = entry.children().next()?;
    (name.kind() == SyntaxKind::NODE_IDENT && &name != node).then(|| name.text().to_string())
}

/// In a repository with a flake, folds `rule`'s findings in default arguments into one
/// warning: pure flake evaluation cannot run them, so the flake passes those arguments,
/// and the defaults are fallbacks for callers outside the flake (`nix-build`, `nix-shell`).
fn fold_fallbacks(rule: &dyn Rule, repo: &Repo, out: &mut Vec<Finding>, what: &str, help: &str) {
    if repo.flakes.is_empty() {
        return;
    }
    let (mut fallbacks, rest): (Vec<Finding>, Vec<Finding>) = std::mem::take(out)
        .into_iter()
        .partition(|f| f.code == rule.code() && f.default_of.is_some());
    *out = rest;
    fallbacks.sort_by(|a, b| (&a.file, a.line()).cmp(&(&b.file, b.line())));
    let Some(first) = fallbacks.first() else {
        return;
    };
    let names: Vec<String> = fallbacks
        .iter()
        .map(|f| {
            format!(
                "`{}` in {}:{}",
                f.default_of.as_deref().unwrap_or_default(),
                f.file.as_deref().unwrap_or_default(),
                f.line().unwrap_or(1)
            )
        })
        .collect();
    let mut folded = first.clone().severity(Severity::Warning).default_of(None);
    folded.message = format!(
        "{} default argument(s) {what} when a caller outside the flake does not pass them: {}",
        fallbacks.len(),
        names.join(", ")
    );
    folded.help = Some(format!("the flake passes these arguments; {help}"));
    folded.related = fallbacks.iter().filter_map(|f| f.file.clone()).collect();
    out.push(folded);
}

/// Whether a path segment names a Nix platform (`x86_64-linux`).
fn is_system(s: &str) -> bool {
    let Some((arch, os)) = s.split_once('-') else {
        return false;
    };
    [
        "x86_64",
        "aarch64",
        "i686",
        "armv6l",
        "armv7l",
        "riscv64",
        "powerpc64le",
    ]
    .contains(&arch)
        && ["linux", "darwin"].contains(&os)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs one rule over in-memory inputs.

    use std::collections::HashMap;
    use std::path::Path;

    use crate::nix::flake_cli::NixCli;
    use crate::review::repo::{GitState, Repo};
    use crate::review::walk::{kind_of, Entry};
    use crate::review::{Config, Context, Finding, NixFile, Rule, TextFile};

    /// 2025-06-15, so age-dependent rules are deterministic.
    pub const NOW: i64 = 1_750_000_000;

    /// A Nix that takes `nix flake update <input>`, so suggested commands are
    /// deterministic.
    pub static NIX: NixCli = NixCli::from_probe(|| Some("nix (Nix) 2.24.9".to_owned()));

    /// The context of every rule test.
    pub fn context(config: &Config) -> Context<'_> {
        Context {
            config,
            now: NOW,
            nix: &NIX,
        }
    }

    pub fn nix(rule: &dyn Rule, rel: &str, text: &str) -> Vec<Finding> {
        let config = Config::default();
        let ctx = context(&config);
        let parse = crate::nix::syntax::parse(text);
        let root = parse.syntax();
        let mut out = Vec::new();
        rule.check_nix(
            &NixFile {
                rel,
                text,
                root: &root,
                errors: parse.errors(),
            },
            &ctx,
            &mut out,
        );
        out
    }

    pub fn text(rule: &dyn Rule, rel: &str, text: &str) -> Vec<Finding> {
        let config = Config::default();
        let ctx = context(&config);
        let kind = kind_of(rel, text).expect("a text file a rule reads");
        let mut out = Vec::new();
        rule.check_text(&TextFile { rel, text, kind }, &ctx, &mut out);
        out
    }

    pub fn repo(rule: &dyn Rule, files: &[(&str, &str)]) -> Vec<Finding> {
        repo_with(rule, files, None, &Config::default())
    }

    pub fn repo_with(
        rule: &dyn Rule,
        files: &[(&str, &str)],
        git: Option<GitState>,
        config: &Config,
    ) -> Vec<Finding> {
        let ctx = context(config);
        let mut repo = build_repo(files);
        repo.git = git;
        let mut out = Vec::new();
        rule.check_repo(&repo, &ctx, &mut out);
        out
    }

    /// A repository of in-memory files.
    pub fn build_repo(files: &[(&str, &str)]) -> Repo {
        let mut entries: Vec<Entry> = files
            .iter()
            .filter_map(|(rel, text)| {
                Some(Entry {
                    rel: rel.to_string(),
                    kind: kind_of(rel, text)?,
                })
            })
            .collect();
        entries.sort_by(|a, b| a.rel.cmp(&b.rel));
        let texts: HashMap<String, String> = files
            .iter()
            .map(|(r, t)| (r.to_string(), t.to_string()))
            .collect();
        let contents = crate::review::repo::Contents::of_texts(entries, texts);
        Repo::build(Path::new("/nonexistent"), contents, None)
    }

    /// `text` with the finding's fix applied.
    pub fn fixed(text: &str, f: &Finding) -> String {
        let fix = f.fix.as_ref().expect("a fix");
        let edits: Vec<_> = fix.edits.iter().collect();
        crate::nix::edit::apply(text, &edits).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_increasing_and_documented() {
        for (i, r) in RULES.iter().enumerate() {
            // Increasing, not dense: codes are reserved as rules are planned.
            let n: usize = r.code().strip_prefix("NF").unwrap().parse().unwrap();
            assert!(r.code().len() == 5 && n > i, "{}", r.code());
            assert!(i == 0 || RULES[i - 1].code() < r.code(), "{}", r.code());
            assert!(
                r.doc().contains("Why:") && r.doc().contains("Before") && r.doc().contains("After"),
                "{}",
                r.code()
            );
            assert!(
                r.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.name()
            );
        }
        assert_eq!(rule("nf003").unwrap().code(), "NF003");
        assert!(is_system("aarch64-darwin") && !is_system("x86_64-windows"));
    }
}
