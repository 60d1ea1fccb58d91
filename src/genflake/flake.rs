//! The flake writer for scripts: one `writeShellApplication` package and app per script, a
//! devShell with the union of their tools, formatter and checks, over the four usual systems
//! with nixpkgs' own `lib` and nixpkgs as the only input; and the flake of a detected project.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::project::{Builder, Detected};

/// One script of the flake.
#[derive(Debug, Clone)]
pub struct ScriptEntry {
    /// The package and app name: the file name without its extension.
    pub name: String,
    /// The script's path relative to the flake directory, `/`-separated.
    pub file: String,
    /// nixpkgs attribute paths, sorted and unique.
    pub inputs: Vec<String>,
    /// Every command the script runs is declared, so it may run with only its inputs on PATH.
    pub hermetic: bool,
}

/// The package name for a script file name: without its extension.
pub fn package_name(file_name: &str) -> String {
    match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => file_name.to_owned(),
    }
}

/// A Nix attribute name, quoted unless it is a plain identifier.
fn attr_name(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'));
    if plain {
        name.to_owned()
    } else {
        nix_string(name)
    }
}

fn nix_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "\\${");
    format!("\"{escaped}\"")
}

/// A path literal relative to the flake (`./deploy.sh`), or `./. + "/odd name.sh"` when the
/// path has characters a path literal cannot hold.
fn path_literal(rel: &str) -> String {
    let plain = rel
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '/'));
    if plain {
        format!("./{rel}")
    } else {
        format!("(./. + {})", nix_string(&format!("/{rel}")))
    }
}

fn list(attrs: &[String]) -> String {
    if attrs.is_empty() {
        "[ ]".to_owned()
    } else {
        format!("with pkgs; [ {} ]", attrs.join(" "))
    }
}

/// The flake.nix text for `scripts`, taking nixpkgs from `nixpkgs_url`.
pub fn script_flake(scripts: &[ScriptEntry], nixpkgs_url: &str) -> String {
    let names: Vec<&str> = scripts.iter().map(|s| s.name.as_str()).collect();
    let union: BTreeSet<&String> = scripts.iter().flat_map(|s| &s.inputs).collect();
    let union: Vec<String> = union.into_iter().cloned().collect();
    let mut packages = String::new();
    for s in scripts {
        let _ = write!(
            packages,
            r#"
        {attr} = script pkgs {{
          name = {name};
          file = {file};
          runtimeInputs = {inputs};
          hermetic = {hermetic};
        }};"#,
            attr = attr_name(&s.name),
            name = nix_string(&s.name),
            file = path_literal(&s.file),
            inputs = list(&s.inputs),
            hermetic = s.hermetic,
        );
    }
    format!(
        r##"{preamble}      # The script file stays the single source; its own shebang line is dropped because
      # writeShellApplication writes one (and shellcheck wants it on the first line).
      script =
        pkgs:
        {{
          name,
          file,
          runtimeInputs,
          hermetic,
        }}:
        let
          text = builtins.readFile file;
        in
        pkgs.writeShellApplication (
          {{
            inherit name runtimeInputs;
            text =
              if lib.hasPrefix "#!" text then
                lib.concatStringsSep "\n" (builtins.tail (lib.splitString "\n" text))
              else
                text;
          }}
          # Only the declared tools on PATH, so a missing one fails instead of being found
          # on the caller's PATH; kept off while the script runs commands nfai could not
          # resolve, and with nixpkgs too old to offer it.
          // lib.optionalAttrs (hermetic && builtins.functionArgs pkgs.writeShellApplication ? inheritPath) {{
            inheritPath = false;
          }}
        );
      scripts = pkgs: {{{packages}
      }};
    in
    {{
      packages = forAllSystems (system: scripts nixpkgs.legacyPackages.${{system}});

      apps = forAllSystems (
        system:
        lib.mapAttrs (name: drv: {{
          type = "app";
          program = "${{drv}}/bin/${{name}}";
        }}) self.packages.${{system}}
      );

      devShells = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${{system}};
        in
        {{
          default = pkgs.mkShell {{
            packages = {union};
          }};
        }}
      );

      # Building a script runs shellcheck on it.
      checks = forAllSystems (system: self.packages.${{system}});
{FORMATTER}"##,
        preamble = preamble(
            &format!(
                "gen-flake {}`: each script with exactly the tools it runs",
                scripts
                    .iter()
                    .map(|s| s.file.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            &format!("Shell scripts with their tools: {}", names.join(", ")),
            nixpkgs_url
        ),
        union = list(&union),
    )
}

/// The flake's first lines up to `forAllSystems`: what generated it, the description, the
/// nixpkgs input and the four systems.
fn preamble(generated_by: &str, description: &str, nixpkgs_url: &str) -> String {
    let url = nix_string(nixpkgs_url);
    preamble_with(
        generated_by,
        description,
        &format!("inputs.nixpkgs.url = {url};"),
        "{ self, nixpkgs }",
    )
}

/// `preamble` with any inputs and outputs arguments.
fn preamble_with(generated_by: &str, description: &str, inputs: &str, args: &str) -> String {
    format!(
        r#"# Generated by `nfai {generated_by}.
{{
  description = {description};

  {inputs}

  outputs =
    {args}:
    let
      inherit (nixpkgs) lib;
      forAllSystems = lib.genAttrs [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
"#,
        description = nix_string(description),
    )
}

/// The root flake of a workspace: each component (input name, path relative to the root) as a
/// path input following the root's nixpkgs, their packages, apps and checks as
/// `<input>-<name>`, and a devShell with every component's devShell in `inputsFrom`.
pub fn workspace_flake(components: &[(String, String)], nixpkgs_url: &str) -> String {
    let mut inputs = format!(
        "inputs = {{\n    nixpkgs.url = {};\n",
        nix_string(nixpkgs_url)
    );
    for (name, rel) in components {
        let _ = write!(
            inputs,
            "    {} = {{\n      url = {};\n      inputs.nixpkgs.follows = \"nixpkgs\";\n    }};\n",
            attr_name(name),
            nix_string(&format!("path:./{rel}"))
        );
    }
    inputs.push_str("  };");
    let names: Vec<String> = components.iter().map(|(n, _)| nix_string(n)).collect();
    format!(
        r##"{preamble}      components = [ {names} ];
      # One kind of output of every component, named <component>-<name>.
      collect =
        kind: system:
        lib.foldl' (
          all: c:
          all
          // lib.mapAttrs' (name: value: lib.nameValuePair "${{c}}-${{name}}" value) (
            inputs.${{c}}.${{kind}}.${{system}} or {{ }}
          )
        ) {{ }} components;
    in
    {{
      packages = forAllSystems (collect "packages");

      apps = forAllSystems (collect "apps");

      devShells = forAllSystems (system: {{
        default = nixpkgs.legacyPackages.${{system}}.mkShell {{
          inputsFrom = map (c: inputs.${{c}}.devShells.${{system}}.default) components;
        }};
      }});

      checks = forAllSystems (collect "checks");
{FORMATTER}"##,
        preamble = preamble_with(
            "gen-flake --workspace`: the repository's components composed",
            &format!("Workspace of {} component(s)", components.len()),
            &inputs,
            "{ self, nixpkgs, ... }@inputs"
        ),
        names = names.join(" "),
    )
}

/// The outputs' last attribute and the closing braces.
const FORMATTER: &str = r#"
      formatter = forAllSystems (system: nixpkgs.legacyPackages.${system}.nixfmt-rfc-style);
    };
}
"#;

/// `attrs` as the lines of an attribute set argument, indented for `default = <call> {`.
fn call(function: &str, attrs: &[(String, String)]) -> String {
    let body: String = attrs
        .iter()
        .map(|(k, v)| format!("            {k} = {v};\n"))
        .collect();
    format!("{function} {{\n{body}          }}")
}

/// The package expression for a detected project.
fn package(p: &Detected) -> String {
    let mut attrs = vec![
        ("pname".to_owned(), nix_string(&p.pname)),
        ("version".to_owned(), nix_string(&p.version)),
        ("src".to_owned(), "./.".to_owned()),
    ];
    let mut with = |k: &str, v: String| attrs.push((k.to_owned(), v));
    let function = match &p.builder {
        Builder::Rust => {
            with("cargoLock.lockFile", "./Cargo.lock".into());
            "pkgs.rustPlatform.buildRustPackage"
        }
        Builder::Go { has_deps } => {
            // A placeholder until the build reports the real hash.
            with(
                "vendorHash",
                if *has_deps { "lib.fakeHash" } else { "null" }.into(),
            );
            "pkgs.buildGoModule"
        }
        Builder::Npm { build_script } => {
            with("npmDepsHash", "lib.fakeHash".into());
            if !build_script {
                with("dontNpmBuild", "true".into());
            }
            "pkgs.buildNpmPackage"
        }
        Builder::Python {
            build_system,
            dependencies,
        } => {
            let python_list = |attrs: &[String]| {
                if attrs.is_empty() {
                    "[ ]".to_owned()
                } else {
                    format!("with pkgs.python3Packages; [ {} ]", attrs.join(" "))
                }
            };
            with("pyproject", "true".into());
            with("build-system", python_list(build_system));
            with("dependencies", python_list(dependencies));
            "pkgs.python3Packages.buildPythonApplication"
        }
        Builder::Stdenv => "pkgs.stdenv.mkDerivation",
    };
    if !p.native.is_empty() {
        with("nativeBuildInputs", list(&p.native));
    }
    if !p.libs.is_empty() {
        with("buildInputs", list(&p.libs));
    }
    call(function, &attrs)
}

/// The flake.nix text for a project: `packages.default` built by `main`'s builder, a devShell
/// with its inputs plus `tools` (other build systems' tools, the project's scripts' tools).
pub fn project_flake(main: &Detected, tools: &[String], nixpkgs_url: &str) -> String {
    package_flake(
        &format!("gen-flake`: the {} project {}", main.kind, main.pname),
        &format!("{} {}, built from {}", main.pname, main.version, main.file),
        &format!(" {}", package(main)),
        tools,
        nixpkgs_url,
    )
}

/// A package expression a model wrote for a project no detector recognises, once it crossed
/// the trust gate (`llm::trust::code`): nfai writes the flake around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPackage {
    /// One Nix expression over `pkgs`, `lib`, `stdenv`, `nativeBuildInputs`, `buildInputs`.
    pub expression: String,
    /// nixpkgs attribute paths for the two input lists and the devShell.
    pub native: Vec<String>,
    pub libs: Vec<String>,
    pub shell: Vec<String>,
}

/// The flake.nix text around a model's package for the project `name`: nfai's inputs, pin
/// and outputs, the devShell with the package's inputs plus its `shell` and `tools`.
pub fn model_flake(
    name: &str,
    model: &ModelPackage,
    tools: &[String],
    nixpkgs_url: &str,
) -> String {
    let mut shell: Vec<String> = model.shell.iter().chain(tools).cloned().collect();
    shell.sort();
    shell.dedup();
    let package = format!(
"\n            let\n              inherit (pkgs) stdenv;\n              nativeBuildInputs = {};\n              buildInputs = {};\n            in\n            # A model's expression, checked by nfai before this flake was written.\n            (\n{}\n            )",
        list(&model.native),
        list(&model.libs),
        indented(&model.expression, 14)
    );
    package_flake(
        "gen-flake --llm`: a model's derivation, validated",
        &format!("{name}, built by a derivation a model proposed"),
        &package,
        &shell,
        nixpkgs_url,
    )
}

/// `expr` with every line indented by `by` spaces, except where that would change a string:
/// inside a `"…"` string (indented strings keep their content, since Nix
/// strips their common indentation) and on empty lines.
fn indented(expr: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    let mut in_plain_string = Vec::new();
    let mut offset = 0;
    let mut quoted = false;
    for (kind, token) in rnix::tokenize(expr) {
        if kind == rnix::SyntaxKind::TOKEN_STRING_START {
            quoted = token == "\"";
        }
        if kind == rnix::SyntaxKind::TOKEN_STRING_CONTENT && quoted {
            in_plain_string.push(offset..offset + token.len());
        }
        offset += token.len();
    }
    let mut out = String::with_capacity(expr.len() * 2);
    let mut at = 0;
    for line in expr.split_inclusive('\n') {
        let inside = in_plain_string.iter().any(|r| r.start < at && at <= r.end);
        if !inside && !line.trim().is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
        at += line.len();
    }
    out.trim_end().to_owned()
}

/// A flake whose `packages.default` is `package` (an expression over `pkgs`, after `default =`
/// on the same line: a space or a line break first), with a devShell
/// holding its inputs and `tools`, and the package as the check.
fn package_flake(
    generated_by: &str,
    description: &str,
    package: &str,
    tools: &[String],
    nixpkgs_url: &str,
) -> String {
    format!(
        r##"{preamble}    in
    {{
      packages = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${{system}};
        in
        {{
          default ={package};
        }}
      );

      devShells = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${{system}};
        in
        {{
          default = pkgs.mkShell {{
            inputsFrom = [ self.packages.${{system}}.default ];
            packages = {tools};
          }};
        }}
      );

      checks = forAllSystems (system: {{
        default = self.packages.${{system}}.default;
      }});
{FORMATTER}"##,
        preamble = preamble(generated_by, description, nixpkgs_url),
        tools = list(tools),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_flake_parses() {
        let flake = workspace_flake(
            &[
                ("api".into(), "services/api".into()),
                ("2fa".into(), "2fa".into()),
            ],
            "github:NixOS/nixpkgs/nixos-24.05",
        );
        let parsed = crate::nix::syntax::parse(&flake);
        assert!(parsed.errors().is_empty(), "{:?}\n{flake}", parsed.errors());
        assert!(flake.contains("    \"2fa\" = {\n      url = \"path:./2fa\";\n      inputs.nixpkgs.follows = \"nixpkgs\";"));
        assert!(flake.contains("components = [ \"api\" \"2fa\" ];"));
    }

    #[test]
    fn a_model_package_is_wrapped_whole() {
        let model = ModelPackage {
            expression: "stdenv.mkDerivation {\n  pname = \"t\";\n  msg = \"a\nb\";\n  installPhase = ''\n    mkdir $out\n\n    cp t $out\n  '';\n}".into(),
            native: vec!["gnumake".into()],
            libs: vec![],
            shell: vec!["jq".into()],
        };
        let flake = model_flake(
            "tool",
            &model,
            &["coreutils".into(), "jq".into()],
            "github:NixOS/nixpkgs/nixos-24.05",
        );
        let parsed = crate::nix::syntax::parse(&flake);
        assert!(parsed.errors().is_empty(), "{:?}\n{flake}", parsed.errors());
        assert!(flake.contains("              nativeBuildInputs = with pkgs; [ gnumake ];\n              buildInputs = [ ];"));
        assert!(flake.contains("              stdenv.mkDerivation {\n                pname = \"t\";\n                msg = \"a\nb\";\n"), "{flake}");
        assert!(
            flake.contains("                  mkdir $out\n\n                  cp t $out\n"),
            "{flake}"
        );
        assert!(flake.contains("packages = with pkgs; [ coreutils jq ];"));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(package_name("deploy.sh"), "deploy");
        assert_eq!(package_name("backup"), "backup");
        assert_eq!(package_name("a.b.sh"), "a.b");
        assert_eq!(attr_name("deploy-prod"), "deploy-prod");
        assert_eq!(attr_name("a.b"), "\"a.b\"");
        assert_eq!(attr_name("2fa"), "\"2fa\"");
        assert_eq!(path_literal("bin/x.sh"), "./bin/x.sh");
        assert_eq!(path_literal("my script.sh"), "(./. + \"/my script.sh\")");
    }

    #[test]
    fn the_flake_parses_and_holds_every_script() {
        let flake = script_flake(
            &[
                ScriptEntry {
                    name: "deploy".into(),
                    file: "deploy.sh".into(),
                    inputs: vec!["coreutils".into(), "jq".into()],
                    hermetic: true,
                },
                ScriptEntry {
                    name: "a.b".into(),
                    file: "tools/a.b.sh".into(),
                    inputs: vec!["jq".into(), "python3Packages.pip".into()],
                    hermetic: false,
                },
            ],
            "github:NixOS/nixpkgs/nixos-24.05",
        );
        let parsed = crate::nix::syntax::parse(&flake);
        assert!(parsed.errors().is_empty(), "{:?}\n{flake}", parsed.errors());
        assert!(flake.contains("\"a.b\" = script pkgs {"));
        assert!(flake.contains("file = ./tools/a.b.sh;"));
        assert!(flake.contains("packages = with pkgs; [ coreutils jq python3Packages.pip ];"));
        assert!(flake.contains("inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.05\";"));
    }
}
