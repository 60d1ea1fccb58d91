//! The shell scripts CI configuration runs and where they are in the file: GitHub Actions
//! (and Gitea/Forgejo) workflows, GitLab CI, Buildkite, CircleCI, Jenkinsfiles and scripts
//! under `.ci/`. YAML is read with a real parser; as it keeps no positions, each script
//! line is then found in the text, in document order.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use serde_norway::Value;

use crate::knowledge::build_commands::{classify, Invocation};

/// The CI system a file configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GitHub,
    GitLab,
    Buildkite,
    CircleCi,
    Jenkins,
    /// A shell script under `.ci/`.
    Script,
}

impl Format {
    /// The format of the file at `rel`, if it is CI configuration.
    pub fn of(rel: &str) -> Option<Format> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        let format = if yaml
            && [
                ".github/workflows/",
                ".gitea/workflows/",
                ".forgejo/workflows/",
            ]
            .iter()
            .any(|d| rel.starts_with(d))
        {
            Format::GitHub
        } else if name == ".gitlab-ci.yml" {
            Format::GitLab
        } else if yaml && rel.starts_with(".buildkite/") {
            Format::Buildkite
        } else if yaml && rel.starts_with(".circleci/") {
            Format::CircleCi
        } else if name == "Jenkinsfile" {
            Format::Jenkins
        } else if rel.starts_with(".ci/")
            && (!name.contains('.') || name.ends_with(".sh") || name.ends_with(".bash"))
        {
            Format::Script
        } else {
            return None;
        };
        Some(format)
    }
}

/// Actions that put a Nix dev shell's environment into the job for the steps after them.
const DEV_SHELL_ACTIONS: &[&str] = &["nicknovitski/nix-develop", "rrbutani/use-nix-shell-action"];

/// One script CI runs.
#[derive(Debug)]
pub struct Script {
    pub format: Format,
    /// The shell text, as CI runs it.
    pub body: String,
    /// For each line of `body`: its first non-blank byte, and that byte's offset in the file
    /// when the line is there verbatim (not in a folded or escaped YAML scalar).
    lines: Vec<(usize, Option<usize>)>,
    /// Where in the file the search for this script's lines started: lines not found
    /// verbatim are after it.
    pub anchor: usize,
    /// The script already runs in a Nix environment (its step's shell is `nix develop
    /// --command bash -e {0}`, or a dev-shell action ran earlier in the job).
    pub in_nix: bool,
    /// The directory it runs in, relative to the repository root (`""` for the root).
    pub dir: String,
}

impl Script {
    /// The body as the shell reads it, same length: a GitHub expression (`${{ x.y }}`) is
    /// one word once the runner substitutes it, so its spaces must not split words.
    pub fn shell_text(&self) -> Cow<'_, str> {
        if self.format != Format::GitHub || !self.body.contains("${{") {
            return Cow::Borrowed(&self.body);
        }
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        while let Some(open) = rest.find("${{") {
            let Some(close) = rest[open..].find("}}").map(|c| open + c + 2) else {
                break;
            };
            out.push_str(&rest[..open]);
            out.extend(
                rest[open..close]
                    .chars()
                    .map(|c| if c.is_ascii() { '_' } else { c }),
            );
            rest = &rest[close..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// The file range of `body[range]`, when its first line is in the file verbatim; a
    /// range over several lines is cut at the end of the first.
    pub fn file_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        let i = self
            .lines
            .partition_point(|(start, _)| *start <= range.start)
            .checked_sub(1)?;
        let (start, at) = self.lines[i];
        let at = at? + (range.start - start);
        let end = self.body[range.clone()]
            .find('\n')
            .map_or(range.end, |n| range.start + n);
        Some(at..at + (end - range.start))
    }
}

/// The scripts the CI file `rel` runs, in document order; none when `rel` is no CI
/// configuration or does not parse.
pub fn scripts(rel: &str, text: &str) -> Vec<Script> {
    let Some(format) = Format::of(rel) else {
        return Vec::new();
    };
    let mut found = Found {
        text,
        cursor: 0,
        format,
        out: Vec::new(),
    };
    match format {
        Format::Jenkins => found.jenkins(),
        Format::Script => found.verbatim(0..text.len(), false, ""),
        _ => {
            // Every document of the stream (Buildkite and GitLab files may hold several).
            for doc in serde_norway::Deserializer::from_str(text) {
                let Ok(mut doc) = Value::deserialize(doc) else {
                    break;
                };
                // `<<: *defaults` merges; a file with a bad merge is read as it is.
                let _ = doc.apply_merge();
                match format {
                    Format::GitHub => found.github(&doc),
                    Format::GitLab => found.gitlab(&doc),
                    Format::Buildkite => found.buildkite(doc.get("steps").unwrap_or(&doc)),
                    _ => found.circleci(&doc),
                }
            }
        }
    }
    found.out
}

/// Whether a shell given as a command line (GitHub's `shell:`) enters a Nix environment.
pub fn shell_in_nix(shell: &str) -> bool {
    let words: Vec<&str> = shell.split_whitespace().collect();
    classify(&words) == Invocation::Nix
}

struct Found<'a> {
    text: &'a str,
    /// Where the previous script's last located line ends: the next is after it.
    cursor: usize,
    format: Format,
    out: Vec<Script>,
}

impl Found<'_> {
    fn github(&mut self, doc: &Value) {
        let run_default = |v: &Value, key: &str| {
            v.get("defaults")
                .and_then(|d| d.get("run"))
                .and_then(|r| r.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let top_shell = run_default(doc, "shell");
        let top_dir = run_default(doc, "working-directory");
        let Some(jobs) = doc.get("jobs").and_then(Value::as_mapping) else {
            return;
        };
        for job in jobs.values() {
            let shell = run_default(job, "shell").or_else(|| top_shell.clone());
            let dir = run_default(job, "working-directory").or_else(|| top_dir.clone());
            let mut dev_shell = false;
            let steps = job.get("steps").and_then(Value::as_sequence);
            for step in steps.into_iter().flatten() {
                if let Some(uses) = step.get("uses").and_then(Value::as_str) {
                    dev_shell |= DEV_SHELL_ACTIONS.iter().any(|a| uses.starts_with(a));
                    continue;
                }
                let Some(run) = step.get("run").and_then(Value::as_str) else {
                    continue;
                };
                let shell = step
                    .get("shell")
                    .and_then(Value::as_str)
                    .or(shell.as_deref());
                let in_nix = dev_shell || shell.is_some_and(shell_in_nix);
                let dir = step
                    .get("working-directory")
                    .and_then(Value::as_str)
                    .or(dir.as_deref())
                    .unwrap_or("");
                self.yaml(run, in_nix, dir);
            }
        }
    }

    fn gitlab(&mut self, doc: &Value) {
        let Some(top) = doc.as_mapping() else { return };
        for (key, value) in top {
            if key.as_str() == Some("before_script") {
                self.yaml_list(value);
            } else if let Some(job) = value.as_mapping() {
                // Jobs, hidden jobs (`.template`) and `default`.
                for (k, v) in job {
                    if matches!(k.as_str(), Some("before_script" | "script")) {
                        self.yaml_list(v);
                    }
                }
            }
        }
    }

    fn buildkite(&mut self, steps: &Value) {
        for step in steps.as_sequence().into_iter().flatten() {
            let Some(step) = step.as_mapping() else {
                continue; // `wait`, `block`
            };
            for (k, v) in step {
                match k.as_str() {
                    Some("command" | "commands") => self.yaml_list(v),
                    Some("steps") => self.buildkite(v), // a group
                    _ => {}
                }
            }
        }
    }

    fn circleci(&mut self, doc: &Value) {
        for section in ["commands", "jobs"] {
            let defs = doc.get(section).and_then(Value::as_mapping);
            for def in defs.into_iter().flat_map(|m| m.values()) {
                let steps = def.get("steps").and_then(Value::as_sequence);
                for step in steps.into_iter().flatten() {
                    let run = step.get("run");
                    let command = run
                        .and_then(Value::as_str)
                        .or_else(|| run?.get("command")?.as_str());
                    if let Some(command) = command {
                        self.yaml(command, false, "");
                    }
                }
            }
        }
    }

    /// A string or a (nested) list of strings, each a script.
    fn yaml_list(&mut self, value: &Value) {
        match value {
            Value::String(s) => self.yaml(s, false, ""),
            Value::Sequence(items) => items.iter().for_each(|v| self.yaml_list(v)),
            _ => {}
        }
    }

    /// A script from a YAML scalar: each line is looked for in the text, after the previous
    /// script's (an alias repeats an earlier one: then from the start).
    fn yaml(&mut self, body: &str, in_nix: bool, dir: &str) {
        let anchor = self.cursor;
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in body.split_inclusive('\n') {
            let content = line.trim();
            let lead = line.len() - line.trim_start().len();
            let at = if content.is_empty() {
                None
            } else {
                let at = find_line(self.text, self.cursor, content)
                    .or_else(|| find_line(self.text, 0, content));
                if let Some(at) = at {
                    self.cursor = self.cursor.max(at + content.len());
                }
                at
            };
            lines.push((offset + lead, at));
            offset += line.len();
        }
        self.out.push(Script {
            format: self.format,
            body: body.to_owned(),
            lines,
            anchor,
            in_nix,
            dir: dir
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_owned(),
        });
    }

    /// A script that is in the file as it runs (a Jenkins `sh` string, a `.ci/` script).
    fn verbatim(&mut self, range: Range<usize>, in_nix: bool, dir: &str) {
        let body = &self.text[range.clone()];
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in body.split_inclusive('\n') {
            lines.push((offset, Some(range.start + offset)));
            offset += line.len();
        }
        self.out.push(Script {
            format: self.format,
            body: body.to_owned(),
            lines,
            anchor: range.start,
            in_nix,
            dir: dir.to_owned(),
        });
    }

    /// `sh '…'`, `sh """…"""`, `sh(script: '…', returnStdout: true)`, `sh label: 'x',
    /// script: '…'` steps.
    fn jenkins(&mut self) {
        static SH: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r#"\bsh\s*\(?\s*(?:(?:label|encoding|returnStdout|returnStatus)\s*:\s*(?:'[^'\n]*'|"[^"\n]*"|true|false)\s*,\s*)*(?:script\s*:\s*)?('''|"""|'|")"#,
            )
            .expect("valid regex")
        });
        let text = self.text;
        let mut from = 0;
        while let Some(c) = SH.captures_at(text, from) {
            let (Some(all), Some(quote)) = (c.get(0), c.get(1)) else {
                break;
            };
            if text[..all.start()]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim_start().starts_with("//"))
            {
                from = all.end();
                continue; // a commented-out step
            }
            let start = all.end();
            let end = closing_quote(text, start, quote.as_str());
            self.verbatim(start..end, false, "");
            from = (end + quote.len()).min(text.len());
        }
    }
}

/// Where the Groovy string opened by `quote` before `start` ends (the text's end if never).
fn closing_quote(text: &str, start: usize, quote: &str) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if text[i..].starts_with(quote) {
            return i;
        } else if quote.len() == 1 && b[i] == b'\n' {
            return i; // single-line strings do not span lines
        } else {
            i += 1;
        }
    }
    text.len()
}

/// The first place from `from` on where `needle` is a whole line of a YAML scalar: after
/// indentation, a key, a list dash or an opening quote, and before the line's end, a
/// closing quote, a flow separator or a comment.
fn find_line(text: &str, from: usize, needle: &str) -> Option<usize> {
    let mut at = from;
    while let Some(i) = text.get(at..)?.find(needle) {
        let start = at + i;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let rest = text[end..].split('\n').next().unwrap_or_default().trim();
        let opens = before.is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | '\'' | '"' | '['));
        let closes = rest.is_empty()
            || rest.starts_with(['\'', '"', ',', ']', '}'])
            || (rest.starts_with('#') && text[end..].starts_with(char::is_whitespace));
        if opens && closes {
            return Some(start);
        }
        at = start + needle.len().max(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each script's body and the line of its first located line.
    fn lines(rel: &str, text: &str) -> Vec<(String, bool, Option<usize>)> {
        scripts(rel, text)
            .into_iter()
            .map(|s| {
                let line = s
                    .file_range(0..s.body.len().min(1))
                    .map(|r| text[..r.start].matches('\n').count() + 1);
                (s.body.trim().to_owned(), s.in_nix, line)
            })
            .collect()
    }

    #[test]
    fn github_steps_with_their_lines_and_shells() {
        let wf = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: cachix/install-nix-action@v31\n      - run: cargo test\n      - name: many\n        run: |\n          cargo build\n          make check\n  nix:\n    defaults:\n      run:\n        shell: nix develop --command bash -e {0}\n    steps:\n      - run: cargo test\n      - run: ls\n        shell: bash\n";
        assert_eq!(
            lines(".github/workflows/ci.yml", wf),
            [
                ("cargo test".to_owned(), false, Some(8)),
                ("cargo build\nmake check".to_owned(), false, Some(11)),
                ("cargo test".to_owned(), true, Some(18)),
                ("ls".to_owned(), false, Some(19)),
            ]
        );
        let s = &scripts(".github/workflows/ci.yml", wf)[1];
        let r = s.file_range(12..22).unwrap();
        assert_eq!(&wf[r], "make check");
    }

    #[test]
    fn a_dev_shell_action_covers_the_later_steps() {
        let wf = "jobs:\n  t:\n    steps:\n      - run: make lint\n      - uses: nicknovitski/nix-develop@v1\n      - run: make test\n";
        let found: Vec<bool> = lines(".github/workflows/t.yaml", wf)
            .into_iter()
            .map(|(_, n, _)| n)
            .collect();
        assert_eq!(found, [false, true]);
    }

    #[test]
    fn gitlab_buildkite_circleci_and_jenkins() {
        let gl = ".setup: &setup\n  - make deps\nbefore_script:\n  - echo hi\ntest:\n  image: nixos/nix\n  script:\n    - *setup\n    - make\n    - \"pytest -q\"\nmake-docs:\n  script: [make docs]\n";
        let got: Vec<(String, Option<usize>)> = lines(".gitlab-ci.yml", gl)
            .into_iter()
            .map(|(b, _, l)| (b, l))
            .collect();
        assert_eq!(
            got,
            [
                ("echo hi".to_owned(), Some(4)),
                ("make deps".to_owned(), Some(2)),
                ("make".to_owned(), Some(9)),
                ("pytest -q".to_owned(), Some(10)),
                ("make docs".to_owned(), Some(12)),
            ]
        );
        let bk = "steps:\n  - label: test\n    command: go test ./...\n  - wait\n  - group: more\n    steps:\n      - commands:\n          - npm ci\n          - npm test\n";
        let got: Vec<Option<usize>> = lines(".buildkite/pipeline.yml", bk)
            .into_iter()
            .map(|(_, _, l)| l)
            .collect();
        assert_eq!(got, [Some(3), Some(8), Some(9)]);
        let cc = "jobs:\n  build:\n    steps:\n      - checkout\n      - run: mvn verify\n      - run:\n          name: t\n          command: gradle test\n";
        assert_eq!(lines(".circleci/config.yml", cc).len(), 2);
        let jf = "pipeline {\n  stages {\n    stage('t') {\n      steps {\n        sh 'cargo build'\n        // sh 'old'\n        sh(script: \"\"\"\n          cargo test\n        \"\"\", returnStdout: true)\n      }\n    }\n  }\n}\n";
        let s = scripts("Jenkinsfile", jf);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].body, "cargo build");
        assert_eq!(s[1].body.trim(), "cargo test");
        let r = s[1]
            .file_range(s[1].body.find("cargo").unwrap()..s[1].body.len())
            .unwrap();
        assert_eq!(jf[..r.start].matches('\n').count() + 1, 8);
    }

    #[test]
    fn folded_and_escaped_scalars_have_no_verbatim_place() {
        let wf = "jobs:\n  t:\n    steps:\n      - run: >\n          cargo test\n          --locked\n      - run: \"cargo \\\"x\\\"\"\n";
        let found = lines(".github/workflows/ci.yml", wf);
        assert_eq!(found[0].0, "cargo test --locked");
        assert_eq!((found[0].2, found[1].2), (None, None));
        assert!(scripts(".github/workflows/ci.yml", "jobs: [").is_empty());
        assert!(scripts("docs/ci.yml", "jobs: {}").is_empty());
    }

    #[test]
    fn github_expressions_are_one_word() {
        let wf = "jobs:\n  t:\n    steps:\n      - run: ${{ steps.b.outputs.path }}/bin/devenv shell -- cargo test\n";
        let s = &scripts(".github/workflows/ci.yml", wf)[0];
        let text = s.shell_text();
        assert_eq!(text.len(), s.body.len());
        let masked = format!(
            "{}/bin/devenv shell",
            "_".repeat("${{ steps.b.outputs.path }}".len())
        );
        assert!(text.starts_with(&masked), "{text}");
    }

    #[test]
    fn shells_that_enter_nix() {
        assert!(shell_in_nix("nix develop --command bash -e {0}"));
        assert!(shell_in_nix("nix develop .#ci -c bash {0}"));
        assert!(!shell_in_nix("bash -e {0}"));
    }
}
