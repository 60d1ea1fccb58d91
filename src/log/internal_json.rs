//! Decodes `--log-format internal-json` lines (`@nix {...}`) into the few events nfai needs.

use serde::Deserialize;

/// Activity type of a derivation build (`actBuild`), whose first field is the .drv path.
const ACT_BUILD: u64 = 105;
/// Result type of one line of builder output (`resBuildLogLine`).
const RES_BUILD_LOG_LINE: u64 = 101;

#[derive(Debug, PartialEq)]
pub enum Event {
    /// A message; level 0 is an error, 1 a warning. Newer Nix adds the error position.
    Msg {
        level: u64,
        text: String,
        position: Option<Position>,
    },
    /// A build of `drv` started as activity `id`.
    BuildStarted {
        id: u64,
        drv: String,
    },
    /// One line of builder output from activity `id`.
    BuildLine {
        id: u64,
        text: String,
    },
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Deserialize)]
struct Raw {
    action: String,
    #[serde(default)]
    id: u64,
    #[serde(default)]
    level: u64,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default, rename = "type")]
    kind: u64,
    #[serde(default)]
    fields: Vec<serde_json::Value>,
    #[serde(default)]
    file: Option<serde_json::Value>,
    #[serde(default)]
    line: Option<u32>,
    #[serde(default)]
    column: Option<u32>,
}

/// Parses the JSON after the `@nix ` marker; `None` when it is not valid JSON.
pub fn parse(json: &str) -> Option<Event> {
    let raw: Raw = serde_json::from_str(json).ok()?;
    let first_str = || {
        raw.fields
            .first()
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Some(match raw.action.as_str() {
        "msg" => Event::Msg {
            level: raw.level,
            text: raw.msg.clone().unwrap_or_default(),
            position: match (&raw.file, raw.line) {
                // `file` is a string in most versions and an object in a few; keep strings.
                (Some(serde_json::Value::String(file)), Some(line)) => Some(Position {
                    file: file.clone(),
                    line,
                    column: raw.column.unwrap_or(0),
                }),
                _ => None,
            },
        },
        "start" if raw.kind == ACT_BUILD => match first_str() {
            Some(drv) => Event::BuildStarted { id: raw.id, drv },
            None => Event::Other,
        },
        "result" if raw.kind == RES_BUILD_LOG_LINE => match first_str() {
            Some(text) => Event::BuildLine { id: raw.id, text },
            None => Event::Other,
        },
        _ => Event::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_error_with_position() {
        let e = parse(
            r#"{"action":"msg","level":0,"msg":"error: boom","file":"/x/flake.nix","line":3,"column":7}"#,
        );
        assert_eq!(
            e,
            Some(Event::Msg {
                level: 0,
                text: "error: boom".into(),
                position: Some(Position {
                    file: "/x/flake.nix".into(),
                    line: 3,
                    column: 7
                })
            })
        );
    }

    #[test]
    fn decodes_build_activity_and_lines() {
        let s = parse(
            r#"{"action":"start","id":7,"level":3,"type":105,"text":"building","fields":["/nix/store/abc-foo.drv","",1,1]}"#,
        );
        assert_eq!(
            s,
            Some(Event::BuildStarted {
                id: 7,
                drv: "/nix/store/abc-foo.drv".into()
            })
        );
        let l = parse(r#"{"action":"result","id":7,"type":101,"fields":["make: not found"]}"#);
        assert_eq!(
            l,
            Some(Event::BuildLine {
                id: 7,
                text: "make: not found".into()
            })
        );
        assert_eq!(parse("not json"), None);
    }
}
