//! Just enough make to follow a `make test` in CI to the commands it runs: the rules of one
//! Makefile (targets, prerequisites, recipe lines) and the recipe lines a goal runs.

use std::collections::HashSet;
use std::ops::Range;

struct MakeRule {
    targets: Vec<String>,
    prerequisites: Vec<String>,
    /// Recipe lines (a continued line with its continuations), without the tab and the
    /// `@`, `-`, `+` prefixes.
    recipe: Vec<Range<usize>>,
}

pub struct Makefile<'a> {
    text: &'a str,
    rules: Vec<MakeRule>,
}

/// Lines that neither start nor end a rule.
const CONDITIONALS: &[&str] = &["ifeq", "ifneq", "ifdef", "ifndef", "else", "endif"];

impl<'a> Makefile<'a> {
    pub fn parse(text: &'a str) -> Makefile<'a> {
        let mut rules: Vec<MakeRule> = Vec::new();
        let mut in_rule = false;
        let mut continued = false;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            let end = start + content.len();
            let was_continued = std::mem::replace(&mut continued, content.ends_with('\\'));
            if in_rule && (content.starts_with('\t') || was_continued) {
                let rule = rules.last_mut().expect("in a rule");
                match rule.recipe.last_mut() {
                    Some(last) if was_continued => last.end = end,
                    _ => rule.recipe.push(recipe_line(text, start + 1, end)),
                }
                continue;
            }
            let trimmed = content.trim_start();
            let first = trimmed.split_whitespace().next().unwrap_or_default();
            if trimmed.is_empty() || trimmed.starts_with('#') || CONDITIONALS.contains(&first) {
                continue;
            }
            in_rule = false;
            let Some(colon) = rule_colon(content) else {
                continue;
            };
            let after = content[colon..].trim_start_matches(':');
            let (deps, inline) = match after.split_once(';') {
                Some((d, r)) => (d, Some(r)),
                None => (after, None),
            };
            let deps = deps.split('#').next().unwrap_or_default();
            let mut rule = MakeRule {
                targets: content[..colon]
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                prerequisites: deps
                    .split_whitespace()
                    .filter(|d| *d != "|")
                    .map(str::to_owned)
                    .collect(),
                recipe: Vec::new(),
            };
            if let Some(r) = inline {
                rule.recipe.push(recipe_line(text, end - r.len(), end));
            }
            rules.push(rule);
            in_rule = true;
        }
        Makefile { text, rules }
    }

    /// The goal `make` builds when given none: the first target that is not special
    /// (`.PHONY`) or a pattern.
    pub fn default_goal(&self) -> Option<&str> {
        self.rules
            .iter()
            .flat_map(|r| &r.targets)
            .find(|t| !t.starts_with('.') && !t.contains('%'))
            .map(String::as_str)
    }

    pub fn defines(&self, goal: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.targets.iter().any(|t| t == goal))
    }

    /// The recipe lines `make goal` runs, prerequisites first; a recursive `$(MAKE) other`
    /// line is replaced by `other`'s recipe. Each line once.
    pub fn recipe(&self, goal: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        self.collect(goal, &mut HashSet::new(), &mut out);
        out
    }

    fn collect<'s>(
        &'s self,
        goal: &'s str,
        seen: &mut HashSet<&'s str>,
        out: &mut Vec<Range<usize>>,
    ) {
        if !seen.insert(goal) {
            return;
        }
        let rules = self
            .rules
            .iter()
            .filter(|r| r.targets.iter().any(|t| t == goal));
        for rule in rules {
            for p in &rule.prerequisites {
                self.collect(p, seen, out);
            }
            for line in &rule.recipe {
                match sub_make_goals(&self.text[line.clone()]) {
                    Some(goals) => goals.into_iter().for_each(|g| self.collect(g, seen, out)),
                    None => out.push(line.clone()),
                }
            }
        }
    }
}

/// The byte range of a recipe line from `start` (after the tab) to `end`, without the
/// prefixes that make reads (`@` silent, `-` ignore errors, `+` always run).
fn recipe_line(text: &str, start: usize, end: usize) -> Range<usize> {
    let line = &text[start..end];
    let skipped = line.len() - line.trim_start_matches(['@', '-', '+', ' ', '\t']).len();
    start + skipped..end
}

/// The colon that makes `line` a rule (`a b: c d`), not an assignment (`A := b`, `A = b:c`).
fn rule_colon(line: &str) -> Option<usize> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let colon = line.find(':')?;
    let head = &line[..colon];
    let assignment = head.contains('=') || line[colon..].trim_start_matches(':').starts_with('=');
    let directive = [
        "define", "export", "include", "-include", "override", "vpath",
    ]
    .contains(&head.split_whitespace().next().unwrap_or_default());
    (!assignment && !directive && !head.trim().is_empty()).then_some(colon)
}

/// The goals of a recursive make of the same file (`$(MAKE) lint test`); `None` for other
/// lines, and for a make of another directory or file.
fn sub_make_goals(line: &str) -> Option<Vec<&str>> {
    let mut words = line.split_whitespace();
    if !matches!(words.next()?, "$(MAKE)" | "${MAKE}" | "make") {
        return None;
    }
    let mut goals = Vec::new();
    for w in words {
        if matches!(w, "&&" | ";" | "||" | "|") {
            return None; // more than a make
        }
        if w.starts_with("-C")
            || w.starts_with("-f")
            || w.starts_with("--directory")
            || w.starts_with("--file")
        {
            return None;
        }
        if !w.starts_with('-') && !w.contains('=') {
            goals.push(w);
        }
    }
    Some(goals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_goal_through_prerequisites_and_sub_makes() {
        let text = "CARGO ?= cargo\nX := a:b\n.PHONY: test ci\n\nbuild:\n\t@cargo build \\\n\t  --release\n\ntest: build\n\t-cargo test\n\techo done # note\n\nci:\n\t$(MAKE) test lint\nlint: ; cargo clippy\n";
        let m = Makefile::parse(text);
        assert_eq!(m.default_goal(), Some("build"));
        let lines: Vec<&str> = m.recipe("ci").into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            lines,
            [
                "cargo build \\\n\t  --release",
                "cargo test",
                "echo done # note",
                "cargo clippy"
            ]
        );
        assert!(m.defines("lint") && !m.defines("CARGO") && !m.defines("X"));
        assert!(m.recipe("missing").is_empty());
    }
}
