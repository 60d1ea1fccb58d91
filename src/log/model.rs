//! The parsed form of a Nix log: error blocks and the lines that matched a trigger, with
//! line numbers and origins; bounded in size whatever the input size.

pub use super::internal_json::Position;

/// One line of the input, ANSI-stripped and decoded (invalid UTF-8 replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// 1-based line number in the input.
    pub number: u64,
    pub text: String,
    /// Where the line came from: a `.drv` path (internal-json activity, the derivation being
    /// built) or a package name (`-L` prefix).
    pub origin: Option<String>,
}

/// A Nix message: its headline (`error: ...`) and the indented lines that continue it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    pub lines: Vec<LogLine>,
    /// The error position that `--log-format internal-json` reports separately.
    pub position: Option<Position>,
}

impl Block {
    /// The message's first line: after the trace frames a pasted tail may start with
    /// (indented or `…` lines), the `error:` line.
    pub fn headline(&self) -> &str {
        let lead = |t: &str| t.starts_with([' ', '\t']) || t.starts_with('…') || t.is_empty();
        let first = self.lines.first().map_or("", |l| l.text.as_str());
        if !lead(first) {
            return first;
        }
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .find(|t| t.starts_with("error:"))
            .unwrap_or(first)
    }

    pub fn first_line(&self) -> u64 {
        self.lines.first().map_or(0, |l| l.number)
    }
}

#[derive(Debug, Default)]
pub struct BuildLog {
    pub total_lines: u64,
    pub total_bytes: u64,
    pub blocks: Vec<Block>,
    /// Lines outside blocks that matched a trigger word; the first and last ones are kept when
    /// there are more than the bound.
    pub hits: Vec<LogLine>,
    /// Derivations Nix announced it was building (`building '/nix/store/...drv'`), in order.
    pub building: Vec<String>,
    pub internal_json: bool,
    /// How many blocks or hits were dropped to keep memory bounded.
    pub dropped: u64,
}

impl BuildLog {
    /// All lines nfai kept, in input order (blocks and hits interleaved).
    pub fn lines(&self) -> Vec<&LogLine> {
        let mut all: Vec<&LogLine> = self
            .blocks
            .iter()
            .flat_map(|b| b.lines.iter())
            .chain(self.hits.iter())
            .collect();
        all.sort_by_key(|l| l.number);
        all
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.hits.is_empty()
    }
}
