//! NF017: commits in the reviewed range without a change-request id.

use crate::review::repo::Repo;
use crate::review::{Context, Finding, Rule};

pub struct CommitWithoutChangeRequest;

impl Rule for CommitWithoutChangeRequest {
    fn code(&self) -> &'static str {
        "NF017"
    }
    fn name(&self) -> &'static str {
        "commit-without-change-request"
    }
    fn doc(&self) -> &'static str {
        "A commit in the reviewed range (`--diff BASE`: BASE..HEAD; or `--commits RANGE`) has no \
change-request id in its message (`change-request-pattern` in .nfai.toml, default \
`CRQ-[0-9]+`). Merge commits are not checked. Without a range this rule does not run.

Why: every change to the project's state is traceable to the request that approved it.

Before:

    fix build

After:

    CRQ-142 fix build"
    }
    fn needs_git(&self) -> bool {
        true
    }
    fn needs_commits(&self) -> bool {
        true
    }
    fn check_repo(&self, repo: &Repo, ctx: &Context, out: &mut Vec<Finding>) {
        let Some((range, commits)) = repo.git.as_ref().and_then(|g| g.commits.as_ref()) else {
            return;
        };
        for c in commits
            .iter()
            .filter(|c| !ctx.config.change_request.is_match(&c.message))
        {
            let short = &c.id[..c.id.len().min(12)];
            out.push(
                Finding::new(self, format!("commit {short} \"{}\" has no change-request id", c.subject()))
                    .help(format!("mention the change request (pattern `{}`) in the message; the range was {range}", ctx.config.change_request.as_str()))
                    .command(format!("git rebase -i {short}~1   # reword")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::Commit;
    use crate::review::repo::GitState;
    use crate::review::rules::testing::repo_with;
    use crate::review::Config;

    fn run(messages: &[&str]) -> Vec<Finding> {
        let commits = messages
            .iter()
            .enumerate()
            .map(|(i, m)| Commit {
                id: format!("{i:040}"),
                message: m.to_string(),
            })
            .collect();
        let git = GitState {
            tracked: Vec::new(),
            commits: Some(("main..HEAD".into(), commits)),
        };
        repo_with(
            &CommitWithoutChangeRequest,
            &[],
            Some(git),
            &Config::default(),
        )
    }

    #[test]
    fn fires_on_messages_without_an_id() {
        let f = run(&["CRQ-1 add x", "fix build\n\nno id here"]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("\"fix build\"") && f[0].file.is_none());
    }

    #[test]
    fn ids_anywhere_in_the_message_count() {
        assert!(run(&["refactor\n\nRefs: CRQ-77"]).is_empty());
        assert!(run(&[]).is_empty());
    }
}
