//! What a category's classifier concludes about one failure site.

use super::site::Site;
use crate::log::LogLine;

/// How to find the culprit in the user's working tree when the log gives no position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locate {
    /// Literals that may appear in the culprit .nix file (a hash in any notation, an
    /// option), most specific first.
    Text(Vec<String>),
    /// A path relative to the flake or project root: the tree's file when the message gives
    /// no position in it (a position in a store copy needs the line Nix quoted there).
    Path(String),
    /// A position found in the user's files while settling the verdict: a path relative to
    /// the flake or project root, 1-based line and column.
    At(String, u32, u32),
    /// A file and line the message itself names (`Package 'x' in /nix/store/…-source/x.nix:8`):
    /// the working tree's file when it holds one of `needles`, else a .nix file that holds
    /// one, else the path as the log gives it. It beats the trace's frames.
    Named {
        file: String,
        line: u32,
        needles: Vec<String>,
    },
    /// A position a compiler or tool named in the source the builder worked on, relative to
    /// the build directory, with the source lines it quoted. It is the working tree's file
    /// only when that file has the quoted line there.
    Source {
        file: String,
        line: u32,
        column: u32,
        quoted: Vec<(u32, String)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub confidence: f32,
    pub summary: String,
    /// Indices into the site's lines.
    pub evidence: Vec<usize>,
    pub fix: Option<String>,
    pub commands: Vec<String>,
    pub attribute: Option<String>,
    pub package: Option<String>,
    pub locate: Option<Locate>,
    /// What the fixers need to know, by name: `specified`/`got` hashes, the missing `tool`,
    /// `library` or `header` and the nixpkgs `attr` that provides it, the undefined `name`,
    /// the untracked `path`, the `package` a config option must allow.
    pub facts: Vec<(&'static str, String)>,
}

impl Verdict {
    pub fn new(confidence: f32, summary: impl Into<String>) -> Verdict {
        Verdict {
            confidence,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
            commands: Vec::new(),
            attribute: None,
            package: None,
            locate: None,
            facts: Vec::new(),
        }
    }

    /// Cites `line`, which must be one of `site`'s lines.
    pub fn cite(mut self, site: &Site, line: &LogLine) -> Verdict {
        if let Some(i) = site.lines.iter().position(|l| std::ptr::eq(l, line)) {
            if !self.evidence.contains(&i) {
                self.evidence.push(i);
            }
        }
        self
    }

    pub fn fix(mut self, description: impl Into<String>) -> Verdict {
        self.fix = Some(description.into());
        self
    }

    pub fn command(mut self, command: impl Into<String>) -> Verdict {
        self.commands.push(command.into());
        self
    }

    pub fn attribute(mut self, attribute: impl Into<String>) -> Verdict {
        self.attribute = Some(attribute.into());
        self
    }

    pub fn package(mut self, package: impl Into<String>) -> Verdict {
        self.package = Some(package.into());
        self
    }

    pub fn fact(mut self, name: &'static str, value: impl Into<String>) -> Verdict {
        self.facts.push((name, value.into()));
        self
    }

    pub fn locate(mut self, locate: Locate) -> Verdict {
        self.locate = Some(locate);
        self
    }

    /// The value of a fact.
    pub fn fact_value(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}
