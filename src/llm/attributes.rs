//! The model chooses nixpkgs attributes for commands nfai could not resolve, among the
//! candidates nfai computed (offered as a JSON-schema enum), never as free text; what it
//! chooses outside them is ignored, and the flake's checks confirm the rest.

use std::fmt::Write;

use serde_json::json;

use super::prompt::Task;
use super::{json_object, LlmError, Prompt};

/// A command to find a package for, and where the script runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub command: String,
    pub line: usize,
    /// The script line that runs it, for the model's context.
    pub text: String,
    pub candidates: Vec<String>,
}

/// How many candidates one command is offered.
const CANDIDATES: usize = 12;

/// The names among `known` that could provide `command`, closest first: the same name,
/// names that contain it or that it contains, names a few edits away, names that share a
/// prefix of four.
pub fn candidates<'a>(command: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let command = command.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = known
        .filter_map(|name| {
            let n = name.to_ascii_lowercase();
            let last = n.rsplit('.').next().unwrap_or(&n);
            let score = if last == command {
                0
            } else if command.len() >= 3
                && (last.contains(&command) || command.contains(last) && last.len() >= 3)
            {
                1
            } else if let Some(d) = distance(last, &command).filter(|d| *d <= 2) {
                1 + d
            } else if last.len() >= 4 && command.len() >= 4 && last[..4] == command[..4] {
                4
            } else {
                return None;
            };
            Some((score, name))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(CANDIDATES)
        .map(|(_, n)| n.to_owned())
        .collect()
}

/// Why a proposal naming `missing` (names the project's nixpkgs lacks) is not built, with
/// the closest names `known` has, for the model's next round; `None` when nothing is missing.
pub fn unknown(missing: &[String], known: &[String]) -> Option<String> {
    let first = missing.first()?;
    let closest = candidates(first, known.iter().map(String::as_str));
    Some(format!(
        "not built: the project's nixpkgs has no `pkgs.{}`{}",
        missing.join("`, `pkgs."),
        if closest.is_empty() {
            String::new()
        } else {
            format!(" (closest names: {})", closest.join(", "))
        }
    ))
}

/// Levenshtein distance, `None` when the lengths alone rule out a small one.
fn distance(a: &str, b: &str) -> Option<usize> {
    if a.len().abs_diff(b.len()) > 2 || a.len() > 64 || b.len() > 64 {
        return None;
    }
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row.last().copied()
}

/// The question as a prompt, with the answer's schema limited to the candidates.
pub fn prompt(questions: &[Question]) -> Prompt {
    let mut user = String::from(
        "Commands nfai could not resolve, with the lines that run them and the candidates:\n",
    );
    for q in questions {
        let _ = writeln!(
            user,
            "\n- `{}` (line {}: `{}`)\n  candidates: {}",
            q.command,
            q.line,
            q.text.trim(),
            q.candidates.join(", ")
        );
    }
    let commands: Vec<&str> = questions.iter().map(|q| q.command.as_str()).collect();
    let mut attrs: Vec<&str> = questions
        .iter()
        .flat_map(|q| q.candidates.iter().map(String::as_str))
        .chain(["none"])
        .collect();
    attrs.sort();
    attrs.dedup();
    let mut prompt = Prompt::new(Task::Attributes, super::redact::redact(&user));
    prompt.schema = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["attributes"],
        "properties": {"attributes": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["command", "attr"],
            "properties": {"command": {"enum": commands}, "attr": {"enum": attrs}}
        }}}
    });
    prompt
}

/// The model's choices that are among the candidates of their command.
pub fn parse(answer: &str, questions: &[Question]) -> Result<Vec<(String, String)>, LlmError> {
    let object = json_object(answer)?;
    let list = object["attributes"]
        .as_array()
        .ok_or_else(|| LlmError::Answer("no `attributes` list".into()))?;
    Ok(list
        .iter()
        .filter_map(|a| {
            let command = a["command"].as_str()?;
            let attr = a["attr"].as_str()?;
            let q = questions.iter().find(|q| q.command == command)?;
            q.candidates
                .iter()
                .any(|c| c == attr)
                .then(|| (command.to_owned(), attr.to_owned()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_closest_first() {
        let known = [
            "acme-cli",
            "kubectl",
            "kubectx",
            "jq",
            "python3Packages.acmectl",
            "zzz",
        ];
        let c = candidates("acmectl", known.iter().copied());
        assert_eq!(c[0], "python3Packages.acmectl");
        assert!(c.contains(&"acme-cli".to_owned()));
        assert!(!c.contains(&"zzz".to_owned()));
        assert_eq!(
            candidates("kubectl", known.iter().copied())[..2],
            ["kubectl", "kubectx"]
        );
    }

    #[test]
    fn only_offered_candidates_are_taken() {
        let q = vec![Question {
            command: "acmectl".into(),
            line: 3,
            text: "acmectl deploy".into(),
            candidates: vec!["acme-cli".into()],
        }];
        let answer = r#"{"attributes": [{"command": "acmectl", "attr": "acme-cli"},
            {"command": "acmectl", "attr": "evil"}, {"command": "rm", "attr": "coreutils"}]}"#;
        assert_eq!(
            parse(answer, &q).unwrap(),
            [("acmectl".to_owned(), "acme-cli".to_owned())]
        );
        let p = prompt(&q);
        assert_eq!(
            p.schema["properties"]["attributes"]["items"]["properties"]["attr"]["enum"],
            json!(["acme-cli", "none"])
        );
    }
}
