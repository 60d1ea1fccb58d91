//! The model writes the derivation of a project no detector recognises
//! (`prompts/gen-derivation.md`): its answer read, each proposal through the trust gate, and
//! the nixpkgs attributes it names checked against the project's nixpkgs before anything is
//! built.

use serde::Deserialize;

use super::{json_object, LlmError};
use crate::genflake::flake::ModelPackage;
use crate::render::inert::quote_model;

/// One proposal, as the model answered it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Proposal {
    pub description: String,
    pub package: String,
    #[serde(rename = "nativeBuildInputs", default)]
    pub native: Vec<String>,
    #[serde(rename = "buildInputs", default)]
    pub libs: Vec<String>,
    #[serde(rename = "devShell", default)]
    pub shell: Vec<String>,
}

/// The proposals of an answer in the shape of `prompts/gen-derivation.md`.
pub fn parse(text: &str) -> Result<Vec<Proposal>, LlmError> {
    #[derive(Deserialize)]
    struct Answer {
        proposals: Vec<Proposal>,
    }
    let answer: Answer = serde_json::from_value(json_object(text)?)
        // serde's message quotes the model's text: say only what was wrong.
        .map_err(|_| {
            LlmError::Answer(
                "not in the shape {\"proposals\": [{\"description\", \"package\", ...}]}".into(),
            )
        })?;
    Ok(answer.proposals)
}

/// The package of a proposal that crosses the gate, or why it may not be checked.
pub fn admit(p: &Proposal) -> Result<ModelPackage, String> {
    let names = p.native.iter().chain(&p.libs).chain(&p.shell);
    if let Some(n) = names.clone().find(|n| !super::trust::attribute_name(n)) {
        return Err(format!(
            "{} is no nixpkgs attribute path",
            quote_model(n, 80)
        ));
    }
    super::trust::code(&p.package)?;
    Ok(ModelPackage {
        expression: p.package.trim().to_owned(),
        native: p.native.clone(),
        libs: p.libs.clone(),
        shell: p.shell.clone(),
    })
}

/// Why `package` cannot be built against a nixpkgs with the top-level names `known`: the
/// names it uses (in its lists, and as `pkgs.X` in its code) that are not there, with the
/// closest that are. `None` when all are there, or the names are unknown.
pub fn unknown(package: &ModelPackage, known: &[String]) -> Option<String> {
    if known.is_empty() {
        return None;
    }
    let listed = package
        .native
        .iter()
        .chain(&package.libs)
        .chain(&package.shell);
    let top = listed.map(|n| n.split('.').next().unwrap_or(n).to_owned());
    let mut missing: Vec<String> = top
        .chain(crate::nix::syntax::package_selects(&package.expression))
        .filter(|n| !known.contains(n))
        .collect();
    missing.sort();
    missing.dedup();
    super::attributes::unknown(&missing, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_gated_and_checked() {
        let answer = r#"{"proposals": [
            {"description": "make", "package": "stdenv.mkDerivation { pname = \"t\"; version = \"1\"; src = ./.; buildInputs = [ pkgs.zlibb ]; }",
             "nativeBuildInputs": ["gnumake"], "buildInputs": [], "devShell": ["jqq"]},
            {"description": "\u001b[2Jevil", "package": "stdenv.mkDerivation { src = builtins.fetchTarball \"http://x\"; }",
             "nativeBuildInputs": [], "buildInputs": [], "devShell": []},
            {"description": "inject", "package": "1", "nativeBuildInputs": ["x ]; y = ["], "buildInputs": [], "devShell": []}]}"#;
        let proposals = parse(answer).unwrap();
        let package = admit(&proposals[0]).unwrap();
        assert!(admit(&proposals[1]).unwrap_err().contains("fetchTarball"));
        assert!(admit(&proposals[2])
            .unwrap_err()
            .contains("no nixpkgs attribute path"));
        let known = ["gnumake", "jq", "zlib", "stdenv"].map(String::from);
        let why = unknown(&package, &known).unwrap();
        assert!(
            why.contains("no `pkgs.jqq`, `pkgs.zlibb`") && why.contains("closest names: jq"),
            "{why}"
        );
        assert!(unknown(&package, &[]).is_none());
        assert!(parse("{\"proposals\": [{\"description\": \"x\"}]}").is_err());
    }
}
