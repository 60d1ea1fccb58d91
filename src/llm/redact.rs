//! Removes secrets from file text before it is sent to an LLM: values of assignments whose
//! names say they hold a token, key or password.

use std::sync::LazyLock;

use regex::Regex;

static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)^(\s*[\w.-]*(?:token|secret|password|passwd|api[_-]?key|private[_-]?key)[\w.-]*\s*[=:]\s*)(.+?)\s*;?\s*$"#)
        .expect("valid regex")
});

pub fn redact(text: &str) -> String {
    SECRET.replace_all(text, "${1}\"<redacted>\";").into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_go_names_stay() {
        let out =
            super::redact("{\n  apiKey = \"sk-123\";\n  src = ./.;\n  GITHUB_TOKEN: abc\n}\n");
        assert!(!out.contains("sk-123") && !out.contains("abc"), "{out}");
        assert!(out.contains("src = ./.;"));
        assert!(out.contains("apiKey = \"<redacted>\";"));
    }
}
