//! NF026: CI builds or tests outside the project's Nix environment.

use std::ops::Range;

use crate::knowledge::build_commands::{classify, Build, Invocation};
use crate::nix::edit::TextEdit;
use crate::review::ci::{self, Format, Script};
use crate::review::makefile::Makefile;
use crate::review::repo::{normalize, Repo};
use crate::review::shell::simple_commands;
use crate::review::walk::Kind;
use crate::review::{Context, Finding, Rule};

pub struct TestsOutsideNix;

const PREFIX: &str = "nix develop --command ";

impl Rule for TestsOutsideNix {
    fn code(&self) -> &'static str {
        "NF026"
    }
    fn name(&self) -> &'static str {
        "tests-outside-nix"
    }
    fn doc(&self) -> &'static str {
        "CI configuration runs a build or test command (`cargo test`, `go test`, `npm test`, \
`pytest`, `make`, `gradle`, …) directly instead of inside the project's Nix environment \
(`nix develop --command …`, `nix flake check`, `nix build`, `nix-shell --run …`). Read: GitHub \
Actions workflows (`run:` steps; a job whose `defaults.run.shell` is `nix develop --command \
bash -e {0}` is inside), GitLab CI (`script`, `before_script`), Buildkite (`command`, \
`commands`), CircleCI (`run`), Jenkinsfiles (`sh` steps) and scripts under `.ci/`. A CI `make \
test` is followed into the Makefile: the recipe lines that run tools directly are reported \
too. The fix, offered when the flake's dev shell provides the tool, prefixes the command \
with `nix develop --command`.

Why: the policy says new scripts and tools are tested within their Nix environments; CI that \
runs the host's `cargo` tests a toolchain nobody pinned, and passes or fails for reasons the \
flake does not show.

Before:

    steps:
      - uses: cachix/install-nix-action@v31
      - run: cargo test --locked

After:

    steps:
      - uses: cachix/install-nix-action@v31
      - run: nix develop --command cargo test --locked"
    }
    fn check_repo(&self, repo: &Repo, _ctx: &Context, out: &mut Vec<Finding>) {
        for entry in &repo.files {
            if !matches!(entry.kind, Kind::Ci | Kind::Script) {
                continue;
            }
            let Some(text) = repo.text(&entry.rel) else {
                continue;
            };
            for script in ci::scripts(&entry.rel, text) {
                if script.in_nix {
                    continue;
                }
                let shell = script.shell_text();
                for words in simple_commands(&shell) {
                    let strs: Vec<&str> = words.iter().map(|r| &shell[r.clone()]).collect();
                    let Invocation::Build(build) = classify(&strs) else {
                        continue;
                    };
                    let range = words[build.at].start..words.last().map_or(0, |w| w.end);
                    let call = Call {
                        repo,
                        rel: &entry.rel,
                        text,
                        script: &script,
                        command: squeeze(&script.body[range.clone()]),
                        at: place(text, &script, range, &build),
                        args: &strs[build.at + 1..],
                        build,
                    };
                    if matches!(call.build.program.as_str(), "make" | "gmake") {
                        self.make(&call, out);
                    } else {
                        let tools = [call.build.program.as_str()];
                        let finding = Finding::new(
                            self,
                            format!("CI runs `{}` outside a Nix environment", call.build.label),
                        );
                        out.push(call.finish(finding, &call.build.label, &tools, None));
                    }
                }
            }
        }
    }
}

/// One build or test command in a CI script.
struct Call<'a> {
    repo: &'a Repo,
    rel: &'a str,
    text: &'a str,
    script: &'a Script,
    build: Build,
    /// The command from the program on, on one line.
    command: String,
    /// Its place in the file: exact (the fix can edit there) or only near.
    at: Option<(Range<usize>, bool)>,
    /// The program's arguments.
    args: &'a [&'a str],
}

impl Call<'_> {
    /// Points `finding` at the command `what`; offers the fix when the dev shell provides
    /// `tools`.
    fn finish(
        &self,
        finding: Finding,
        what: &str,
        tools: &[&str],
        more: Option<String>,
    ) -> Finding {
        let flake = self.repo.flake_for(&self.script.dir);
        // What the dev shell lacks: a nixpkgs attribute, or for a tool nixpkgs does not
        // ship (a wrapper such as ./gradlew), what the tool needs.
        let missing: Vec<String> = tools
            .iter()
            .filter_map(|t| match crate::knowledge::for_command(t) {
                Some(attr) => (!flake.is_some_and(|f| f.devshells.provides(attr)))
                    .then(|| format!("`{attr}`")),
                None => {
                    (!flake.is_some_and(|f| f.devshells.open)).then(|| format!("what `{t}` needs"))
                }
            })
            .collect();
        let wrapped = format!("`{PREFIX}{}`", self.command);
        let mut help = match flake {
            None => format!(
                "add a flake with a dev shell that provides {} (`nfai gen-flake` writes one), then run {wrapped}",
                list(&missing)
            ),
            Some(f) if !f.devshells.present => format!(
                "add a dev shell with {} to {}, then run {wrapped}",
                list(&missing),
                f.nix_rel
            ),
            Some(f) if !missing.is_empty() => format!(
                "add {} to the dev shell of {}, then run {wrapped}",
                list(&missing),
                f.nix_rel
            ),
            Some(_) => format!("run it in the flake's dev shell: {wrapped}"),
        };
        help.push_str(", or make it a flake check that `nix flake check` runs");
        if self.script.format == Format::GitHub {
            help.push_str(
                "; for a whole job, set `defaults.run.shell: nix develop --command bash -e {0}`",
            );
        }
        if let Some(more) = more {
            help = format!("{more}; {help}");
        }
        let mut finding = match &self.at {
            Some((range, _)) => finding.at(self.rel, self.text, range.clone()),
            None => finding.in_file(self.rel),
        };
        finding = finding.help(help);
        let safe = flake.is_some_and(|f| f.devshells.present) && missing.is_empty();
        if let Some((range, true)) = &self.at {
            if safe && self.build.direct {
                finding = finding.fix(
                    format!("run `{what}` in the flake's dev shell"),
                    vec![TextEdit::insert(self.rel, range.start, PREFIX)],
                );
            }
        }
        finding
    }

    fn line(&self) -> u32 {
        self.at
            .as_ref()
            .map_or(1, |(r, _)| line_of(self.text, r.start))
    }
}

impl TestsOutsideNix {
    /// `make goal` in CI: the Makefile's recipe lines that run build or test commands
    /// directly are reported with the CI line; a recipe that only calls Nix is fine.
    fn make(&self, call: &Call, out: &mut Vec<Finding>) {
        let target = make_target(call.repo, &call.script.dir, call.args);
        let mut direct = Vec::new();
        let mut via_nix = false;
        if let Some((makefile, text, goals)) = &target {
            let parsed = Makefile::parse(text);
            let goals: Vec<&str> = if goals.is_empty() {
                parsed.default_goal().into_iter().collect()
            } else {
                goals.iter().map(String::as_str).collect()
            };
            for goal in goals.iter().filter(|g| parsed.defines(g)) {
                for line in parsed.recipe(goal) {
                    for words in simple_commands(&text[line.clone()]) {
                        let strs: Vec<&str> = words
                            .iter()
                            .map(|r| &text[line.start + r.start..line.start + r.end])
                            .collect();
                        match classify(&strs) {
                            Invocation::Nix => via_nix = true,
                            Invocation::Build(b) => {
                                let start = line.start + words[b.at].start;
                                let end = line.start + words.last().map_or(0, |w| w.end);
                                direct.push((makefile.clone(), start..end, b, goal.to_string()));
                            }
                            Invocation::Other => {}
                        }
                    }
                }
            }
        }
        if via_nix && direct.is_empty() {
            return; // the recipe runs its builds through Nix
        }
        let label = &call.command;
        let mut tools = vec!["make"];
        let mut more = None;
        if let (Some((makefile, text, _)), false) = (&target, direct.is_empty()) {
            let runs: Vec<String> = direct
                .iter()
                .map(|(_, r, b, _)| {
                    format!("`{}` ({makefile}:{})", b.label, line_of(text, r.start))
                })
                .collect();
            more = Some(format!("its recipe runs {}", runs.join(", ")));
            tools.extend(direct.iter().map(|(_, _, b, _)| b.program.as_str()));
            for (_, range, b, goal) in &direct {
                let finding = Finding::new(
                    self,
                    format!(
                        "`{}` in the recipe of `{goal}` runs outside a Nix environment when CI runs `{label}` ({}:{})",
                        b.label,
                        call.rel,
                        call.line()
                    ),
                )
                .at(makefile, text, range.clone())
                .help(format!(
                    "run `{label}` in CI through the flake's dev shell (`{PREFIX}{label}`)"
                ))
                .related(call.rel);
                out.push(finding);
            }
        }
        tools.dedup();
        let mut finding =
            Finding::new(self, format!("CI runs `{label}` outside a Nix environment"));
        if let Some((makefile, _, _)) = &target {
            finding = finding.related(makefile.clone());
        }
        out.push(call.finish(finding, label, &tools, more));
    }
}

/// The Makefile a `make` with `args` reads from CI directory `dir`, its text, and the goals.
fn make_target(repo: &Repo, dir: &str, args: &[&str]) -> Option<(String, String, Vec<String>)> {
    let mut dir = dir.to_owned();
    let mut file = None;
    let mut goals = Vec::new();
    let words: Vec<&str> = args.iter().map(|w| w.trim_matches(['\'', '"'])).collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        // `-C dir`, `-Cdir`, `--directory=dir` (the same for -f).
        let value = |short: &str, long: &str| {
            if w == short {
                words.get(i + 1).map(|v| (v.to_string(), 2))
            } else {
                w.strip_prefix(short)
                    .filter(|v| !v.is_empty())
                    .or_else(|| w.strip_prefix(long))
                    .map(|v| (v.to_owned(), 1))
            }
        };
        let mut step = 1;
        if let Some((d, n)) = value("-C", "--directory=") {
            dir = normalize(&dir, &d)?;
            step = n;
        } else if let Some((f, n)) = value("-f", "--file=") {
            file = Some(f);
            step = n;
        } else if matches!(w, "-j" | "-l" | ">" | ">>" | "2>" | "<" | "&>") {
            // `-j` takes an optional number; a redirection its file.
            let next = words.get(i + 1).copied().unwrap_or_default();
            if w.starts_with(['>', '<', '2', '&']) || next.bytes().all(|b| b.is_ascii_digit()) {
                step = 2;
            }
        } else if !w.starts_with('-') && !w.contains(['=', '$', '>', '<']) {
            goals.push(w.to_owned());
        }
        i += step;
    }
    let rel = match file {
        Some(f) => normalize(&dir, &f)?,
        None => ["GNUmakefile", "makefile", "Makefile"]
            .iter()
            .filter_map(|n| normalize(&dir, n))
            .find(|p| repo.has_file(p))?,
    };
    let text = repo.read(&rel)?.into_owned();
    Some((rel, text, goals))
}

/// Where the command is in the file: exactly, when its line is there verbatim; else near,
/// the program's name after where the script's search started.
fn place(
    text: &str,
    script: &Script,
    range: Range<usize>,
    build: &Build,
) -> Option<(Range<usize>, bool)> {
    if let Some(r) = script.file_range(range) {
        return Some((r, true));
    }
    let at = script.anchor + text.get(script.anchor..)?.find(&build.program)?;
    Some((at..at + build.program.len(), false))
}

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

/// A command on one line: continuation backslashes and runs of blanks become one space.
fn squeeze(command: &str) -> String {
    command
        .split_whitespace()
        .filter(|w| *w != "\\")
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(missing: &[String]) -> String {
    if missing.is_empty() {
        return "the tools".to_owned();
    }
    missing.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rules::testing::{fixed, repo};

    const FLAKE: &str = "{ outputs = { nixpkgs, ... }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {\n  devShells.x86_64-linux.default = pkgs.mkShell { packages = [ pkgs.cargo pkgs.python3Packages.pytest ]; };\n}; }";

    fn lines(f: &[Finding]) -> Vec<(String, u32)> {
        f.iter()
            .map(|f| (f.file.clone().unwrap(), f.line().unwrap_or(0)))
            .collect()
    }

    #[test]
    fn github_steps_are_fixed_in_place() {
        let wf = "on: push\njobs:\n  t:\n    steps:\n      - uses: cachix/install-nix-action@v31\n      - run: cargo test --locked\n      - run: |\n          echo start\n          if true; then pytest -x; fi\n";
        let f = repo(
            &TestsOutsideNix,
            &[("flake.nix", FLAKE), (".github/workflows/ci.yml", wf)],
        );
        assert_eq!(
            lines(&f),
            [
                (".github/workflows/ci.yml".to_owned(), 6),
                (".github/workflows/ci.yml".to_owned(), 9)
            ]
        );
        assert_eq!(
            f[0].message,
            "CI runs `cargo test` outside a Nix environment"
        );
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`nix develop --command cargo test --locked`"));
        let once = fixed(wf, &f[0]);
        assert!(
            once.contains("      - run: nix develop --command cargo test --locked\n"),
            "{once}"
        );
        assert!(fixed(wf, &f[1]).contains("if true; then nix develop --command pytest -x; fi"));
        let both = repo(
            &TestsOutsideNix,
            &[
                ("flake.nix", FLAKE),
                (".github/workflows/ci.yml", &fixed(&once, &f[1])),
            ],
        );
        assert!(both.is_empty(), "{both:?}");
    }

    #[test]
    fn advice_only_when_the_dev_shell_lacks_the_tool_or_no_flake_exists() {
        let wf = "jobs:\n  t:\n    steps:\n      - run: go test ./...\n";
        let f = repo(
            &TestsOutsideNix,
            &[("flake.nix", FLAKE), (".github/workflows/ci.yml", wf)],
        );
        assert!(f[0].fix.is_none());
        assert!(
            f[0].help
                .as_deref()
                .unwrap()
                .starts_with("add `go` to the dev shell of flake.nix"),
            "{:?}",
            f[0].help
        );
        let f = repo(&TestsOutsideNix, &[(".github/workflows/ci.yml", wf)]);
        assert!(f[0].fix.is_none() && f[0].help.as_deref().unwrap().contains("nfai gen-flake"));
        // A wrapper before the command: the prefix would wrap the wrapper.
        let wf = "jobs:\n  t:\n    steps:\n      - run: timeout 600 cargo test\n";
        let f = repo(
            &TestsOutsideNix,
            &[("flake.nix", FLAKE), (".github/workflows/ci.yml", wf)],
        );
        assert!(f[0].fix.is_none() && f[0].line() == Some(4));
    }

    #[test]
    fn make_in_ci_is_followed_into_the_makefile() {
        let mk = "build:\n\tcargo build\n\ntest: build\n\t@cargo test\n\nnix-check:\n\tnix flake check\n";
        let gl = "test:\n  script:\n    - make -j 4 test\n    - make nix-check\n";
        let f = repo(
            &TestsOutsideNix,
            &[
                ("flake.nix", FLAKE),
                ("Makefile", mk),
                (".gitlab-ci.yml", gl),
            ],
        );
        assert_eq!(
            lines(&f),
            [
                ("Makefile".to_owned(), 2),
                ("Makefile".to_owned(), 5),
                (".gitlab-ci.yml".to_owned(), 3)
            ]
        );
        assert_eq!(
            f[1].message,
            "`cargo test` in the recipe of `test` runs outside a Nix environment when CI runs `make -j 4 test` (.gitlab-ci.yml:3)"
        );
        assert!(f[2]
            .help
            .as_deref()
            .unwrap()
            .starts_with("its recipe runs `cargo build` (Makefile:2), `cargo test` (Makefile:5)"));
        assert_eq!(f[2].related, ["Makefile"]);
        assert!(f[2].fix.is_some() && f[1].fix.is_none());
        // Without a Makefile, `make` is itself the build command.
        let f = repo(&TestsOutsideNix, &[(".gitlab-ci.yml", gl)]);
        assert_eq!(
            lines(&f),
            [
                (".gitlab-ci.yml".to_owned(), 3),
                (".gitlab-ci.yml".to_owned(), 4)
            ]
        );
    }

    #[test]
    fn commands_in_nix_are_compliant() {
        let wf = "jobs:\n  a:\n    defaults:\n      run:\n        shell: nix develop --command bash -e {0}\n    steps:\n      - run: cargo test\n  b:\n    steps:\n      - run: nix develop .#ci -c make check\n      - run: nix-shell --run 'pytest'\n      - run: nix flake check\n      - run: cargo fmt --check\n";
        assert!(repo(
            &TestsOutsideNix,
            &[("flake.nix", FLAKE), (".github/workflows/ci.yml", wf)]
        )
        .is_empty());
        let jf = "node {\n  sh 'nix develop --command ./gradlew check'\n  sh \"\"\"\n    nix build .#default\n  \"\"\"\n}\n";
        assert!(repo(&TestsOutsideNix, &[("Jenkinsfile", jf)]).is_empty());
        let bk = "steps:\n  - command: nix develop --command npm test\n";
        assert!(repo(&TestsOutsideNix, &[(".buildkite/pipeline.yml", bk)]).is_empty());
    }

    #[test]
    fn jenkins_buildkite_and_ci_scripts() {
        let jf = "pipeline {\n  agent any\n  stages {\n    stage('test') {\n      steps {\n        sh '''\n          mvn -B verify\n        '''\n      }\n    }\n  }\n}\n";
        assert_eq!(
            lines(&repo(&TestsOutsideNix, &[("Jenkinsfile", jf)])),
            [("Jenkinsfile".to_owned(), 7)]
        );
        let bk = "steps:\n  - label: \":go: test\"\n    commands:\n      - go vet ./...\n      - go test ./...\n";
        assert_eq!(
            repo(&TestsOutsideNix, &[(".buildkite/pipeline.yml", bk)]).len(),
            2
        );
        let sh = "#!/usr/bin/env bash\nset -e\ncargo test --locked\n";
        assert_eq!(
            lines(&repo(&TestsOutsideNix, &[(".ci/run", sh)])),
            [(".ci/run".to_owned(), 3)]
        );
        // A script elsewhere is not CI configuration (NF001 covers scripts).
        assert!(repo(&TestsOutsideNix, &[("scripts/test.sh", sh)]).is_empty());
    }
}
