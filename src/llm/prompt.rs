//! The prompt templates (`prompts/*.md`, embedded in the binary, overridable by files of the
//! same name in `$XDG_CONFIG_HOME/nfai/prompts/`) and the JSON schemas of their answers.

use serde_json::{json, Value};

/// Bumped whenever a template or the answer protocol changes: recorded in transcripts and
/// part of the cache key.
pub const VERSION: &str = "4";

/// A task the model is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Fix,
    Explain,
    /// Choosing nixpkgs attributes for commands nfai could not resolve (see `attributes`).
    Attributes,
    /// Writing the derivation of a project no detector recognises (see `derivation`).
    Derivation,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Fix => "fix",
            Task::Explain => "explain",
            Task::Attributes => "attributes",
            Task::Derivation => "gen-derivation",
        }
    }

    fn builtin(self) -> &'static str {
        match self {
            Task::Fix => include_str!("../../prompts/fix.md"),
            Task::Explain => include_str!("../../prompts/explain.md"),
            Task::Attributes => include_str!("../../prompts/attributes.md"),
            Task::Derivation => include_str!("../../prompts/gen-derivation.md"),
        }
    }

    /// The system message: the user's override when there is one, else the built-in text.
    pub fn system(self) -> String {
        override_dir()
            .and_then(|d| std::fs::read_to_string(d.join(format!("{}.md", self.name()))).ok())
            .unwrap_or_else(|| self.builtin().to_owned())
    }

    /// The shape of the answer, for servers that enforce a schema.
    pub fn schema(self) -> Value {
        let string = json!({"type": "string"});
        match self {
            Task::Fix => proposals(json!({
                "description": string,
                "edits": {"type": "array", "items": object(json!({
                    "file": string,
                    "find": string,
                    "replace": string
                }))}
            })),
            // Made per request: the candidates are an enum (see `attributes::prompt`).
            Task::Attributes => json!({"type": "object"}),
            Task::Derivation => {
                let names = json!({"type": "array", "items": string});
                proposals(json!({
                    "description": string,
                    "package": string,
                    "nativeBuildInputs": names,
                    "buildInputs": names,
                    "devShell": names
                }))
            }
            Task::Explain => object(json!({"explanation": string})),
        }
    }
}

/// An object with exactly `properties`, all required.
fn object(properties: Value) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties
    })
}

/// `{"proposals": [...]}` of at most three objects with exactly `properties`.
fn proposals(properties: Value) -> Value {
    object(json!({"proposals": {"type": "array", "maxItems": 3, "items": object(properties)}}))
}

fn override_dir() -> Option<std::path::PathBuf> {
    crate::llm::config::config_dir().map(|d| d.join("prompts"))
}
