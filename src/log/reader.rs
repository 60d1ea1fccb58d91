//! Streams a log of any size through a multi-pattern search, keeping only error blocks and
//! lines that match a trigger word, so memory stays bounded and most bytes are touched once.

use std::collections::{HashMap, VecDeque};
use std::io::Read;

use super::internal_json::{self, Event};
use super::model::{Block, BuildLog, LogLine};
use super::triggers::{Filter, Triggers};
use super::{ansi, prefix};

const CHUNK: usize = 4 << 20;
/// Logs shorter than this are searched by the trigger automaton alone (see `scan`).
const SMALL_LOG: usize = 1 << 20;
/// A "line" longer than this is cut, so a log without newlines cannot grow the buffer forever.
const MAX_LINE: usize = 1 << 20;
/// Longest text kept for one line.
const MAX_TEXT: usize = 4096;
const MAX_BLOCK_LINES: usize = 400;
const MAX_BLOCKS: usize = 256;
/// Lines a block may span before it is closed anyway.
const MAX_BLOCK_SPAN: usize = 100_000;
/// Text kept in blocks at most, so memory stays bounded whatever the log holds.
const MAX_BLOCK_BYTES: usize = 8 << 20;
/// Lines a Nix 2.4pre block-format error (unindented) may take.
const BLOCK_FORMAT_LINES: usize = 30;
/// Trace lines kept before an indented `error:` that starts a pasted tail.
const MAX_LEAD: usize = 200;
const FIRST_HITS: usize = 256;
const LAST_HITS: usize = 4096;
const MAX_ACTIVITIES: usize = 65_536;
/// Share of control bytes in the first chunk above which the input is not a text log.
const BINARY_PER_MILLE: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("reading the log failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the input is not a text log ({0} of its first {1} bytes are control bytes)")]
    Binary(usize, usize),
}

/// Reads a whole log. `triggers` finds the lines worth keeping; the structural words
/// (`error`, `building '`, `@nix` actions) must be among its patterns.
pub fn read(input: impl Read, triggers: &Triggers) -> Result<BuildLog, ReadError> {
    let mut scanner = Scanner::new(triggers);
    scanner.run(input)?;
    Ok(scanner.finish())
}

/// Reads a log held in memory.
pub fn read_bytes(bytes: &[u8], triggers: &Triggers) -> Result<BuildLog, ReadError> {
    read(bytes, triggers)
}

struct Scanner<'a> {
    triggers: &'a Triggers,
    /// Built from the first chunk, whose text tells which grams are rare in this log.
    filter: Option<Filter<'a>>,
    newlines: u64,
    bytes: u64,
    block: Option<Block>,
    blocks: VecDeque<Block>,
    first_hits: Vec<LogLine>,
    last_hits: VecDeque<LogLine>,
    building: Vec<String>,
    activities: HashMap<u64, String>,
    internal_json: bool,
    dropped: u64,
    block_bytes: usize,
    /// Lines of the open block so far.
    block_seen: usize,
    /// An internal-json record a terminal wrapped onto several lines: its first line number
    /// and its text so far.
    wrapped_json: Option<(u64, String)>,
}

impl<'a> Scanner<'a> {
    fn new(triggers: &'a Triggers) -> Self {
        Scanner {
            triggers,
            filter: None,
            newlines: 0,
            bytes: 0,
            block: None,
            blocks: VecDeque::new(),
            first_hits: Vec::new(),
            last_hits: VecDeque::new(),
            building: Vec::new(),
            activities: HashMap::new(),
            internal_json: false,
            dropped: 0,
            block_bytes: 0,
            block_seen: 0,
            wrapped_json: None,
        }
    }

    fn run(&mut self, mut input: impl Read) -> Result<(), ReadError> {
        // Room for a full chunk after the unfinished line carried over (at most MAX_LINE).
        // Two buffers: the next chunk is read into one while the other is searched.
        let mut buf = vec![0u8; CHUNK + MAX_LINE];
        let mut next = vec![0u8; CHUNK + MAX_LINE];
        let mut filled = 0;
        let mut checked_binary = false;
        let mut last_byte = b'\n';
        let mut n = read_full(&mut input, &mut buf[..CHUNK])?;
        loop {
            let old = filled;
            filled += n;
            let eof = n == 0;
            if !checked_binary && (filled >= 64 * 1024 || eof) {
                checked_binary = true;
                check_text(&buf[..filled.min(64 * 1024)])?;
            }
            let end = if eof {
                filled
            } else {
                match memchr::memrchr(b'\n', &buf[old..filled]) {
                    Some(i) if filled - (old + i + 1) <= MAX_LINE => old + i + 1,
                    // The unfinished line would not fit before the next chunk.
                    _ if filled >= MAX_LINE => self.cut(&buf[..filled]),
                    _ => {
                        n = read_full(&mut input, &mut buf[filled..filled + CHUNK])?;
                        continue;
                    }
                }
            };
            if end > 0 {
                last_byte = buf[end - 1];
            }
            self.bytes += end as u64;
            let carried = filled - end;
            next[..carried].copy_from_slice(&buf[end..filled]);
            let (chunk, more) = (&buf[..end], &mut next[carried..carried + CHUNK]);
            // A short read was the end of the input: nothing to read alongside.
            n = if eof || n < CHUNK {
                self.scan(chunk);
                if eof {
                    break;
                }
                read_full(&mut input, more)?
            } else {
                std::thread::scope(|scope| {
                    let searching = scope.spawn(|| self.scan(chunk));
                    let read = read_full(&mut input, more);
                    searching.join().expect("the search does not panic");
                    read
                })?
            };
            std::mem::swap(&mut buf, &mut next);
            filled = carried;
        }
        if last_byte != b'\n' {
            self.newlines += 1;
        }
        Ok(())
    }

    /// Where to cut a line too long to keep whole (`line` holds no newline): near its end,
    /// but never inside a trigger word, which then starts the next piece.
    fn cut(&self, line: &[u8]) -> usize {
        // The last bytes wait for what follows them: a word may start there.
        let keep = self.triggers.longest().saturating_sub(1);
        let mut cut = line.len() - keep.min(line.len());
        while let Some(start) = self.triggers.straddling(line, cut) {
            cut = start;
        }
        cut
    }

    /// Handles every line of `chunk` (which ends at a line end) that matters: the lines with a
    /// trigger word, found in parallel, and the lines of open blocks, in order.
    fn scan(&mut self, chunk: &[u8]) {
        let triggers = self.triggers;
        let filter = self.filter.get_or_insert_with(|| {
            // Choosing the grams reads the whole sample and registers a few hundred thousand
            // grams: worth it on a long log, not on one that fits a fraction of a chunk.
            if chunk.len() < SMALL_LOG {
                triggers.exhaustive()
            } else {
                triggers.filter(chunk)
            }
        });
        let (candidates, total) = candidate_lines(chunk, filter);
        let base = self.newlines;
        let mut next = candidates.iter().peekable();
        let mut pos = 0;
        while pos < chunk.len() {
            let matched = self.block.is_none() && self.wrapped_json.is_none();
            if matched {
                // Skip candidates already passed while walking a block.
                while next.peek().is_some_and(|c| c.0 < pos) {
                    next.next();
                }
                let Some(&(start, before)) = next.next() else {
                    break;
                };
                pos = start;
                self.newlines = base + before;
            }
            let (end, after) = match memchr::memchr(b'\n', &chunk[pos..]) {
                Some(i) => (pos + i, pos + i + 1),
                None => (chunk.len(), chunk.len()),
            };
            let lead = if matched {
                self.trace_lead(chunk, pos, end)
            } else {
                Vec::new()
            };
            self.line(&chunk[pos..end], matched);
            self.prepend_lead(lead);
            if after > end {
                self.newlines += 1;
            }
            pos = after;
        }
        self.newlines = base + total;
    }

    /// Handles one line. `matched` says the trigger search found it; lines read while a block
    /// is open were not searched yet.
    fn line(&mut self, raw: &[u8], matched: bool) {
        let number = self.newlines + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        // A JSON record is parsed whole (an error with its trace is one long line); its
        // lines are clipped afterwards.
        if let Some(json) = raw.strip_prefix(b"@nix ") {
            self.close_block();
            self.internal_json = true;
            self.wrapped_json = None;
            self.json(number, &String::from_utf8_lossy(json));
            return;
        }
        if let Some((first, mut json)) = self.wrapped_json.take() {
            // The terminal broke the line where it was full: the pieces join without a gap.
            json.push_str(&String::from_utf8_lossy(raw));
            self.json(first, &json);
            return;
        }
        let raw = &raw[..raw.len().min(MAX_TEXT)];
        let clean = ansi::strip(raw);
        let text = String::from_utf8_lossy(&clean);

        let Some(framed) = prefix::strip_frame(&text) else {
            return;
        };
        let framed = framed.trim_end();

        if let Some(block) = &mut self.block {
            // Nix 2.3 continues a trace on unindented lines after a line ending in ':'; the
            // 2.4 pre-releases' `error: --- EvalError --- nix-build` blocks are unindented.
            let continues = framed.is_empty()
                || framed.starts_with([' ', '\t'])
                || (block.lines.last().is_some_and(|l| l.text.ends_with(':'))
                    && !starts_block(framed))
                || (block.lines.len() < BLOCK_FORMAT_LINES
                    && is_block_format(block.headline())
                    && !starts_block(framed));
            if continues {
                // A long block keeps its head and its tail, where a trace's final message is.
                if block.lines.len() == MAX_BLOCK_LINES {
                    block.lines.remove(MAX_BLOCK_LINES / 2);
                }
                block.lines.push(LogLine {
                    number,
                    text: framed.to_owned(),
                    origin: None,
                });
                self.block_seen += 1;
                // Indented output must not hold the line-by-line path forever.
                if self.block_seen == MAX_BLOCK_SPAN {
                    self.close_block();
                }
                return;
            }
            self.close_block();
        }
        if !matched && !self.triggers.is_match(framed) {
            return;
        }
        self.plain(number, framed, None);
    }

    /// The trace lines before an indented `error:` line that opens no block yet: a pasted
    /// tail that starts in the middle of a trace (`… from call site`, a nix-output-monitor
    /// frame whose `┏━ N Errors:` header was cut off) keeps the frames above its message.
    /// Read back within the chunk, at most `MAX_LEAD` lines, stopping at an unindented line.
    fn trace_lead(&self, chunk: &[u8], start: usize, end: usize) -> Vec<LogLine> {
        if !indented_error(&chunk[start..end]) {
            return Vec::new();
        }
        // Lines up to the end of the last block are that block's, not this trace's.
        let after = self
            .blocks
            .back()
            .and_then(|b| b.lines.last())
            .map_or(0, |l| l.number);
        let mut lead = Vec::new();
        let mut number = self.newlines;
        let mut line_end = start;
        while line_end > 0 && lead.len() < MAX_LEAD && number > after {
            let line_start = memchr::memrchr(b'\n', &chunk[..line_end - 1]).map_or(0, |i| i + 1);
            let raw = &chunk[line_start..line_end - 1];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let clean = ansi::strip(&raw[..raw.len().min(MAX_TEXT)]);
            let text = String::from_utf8_lossy(&clean);
            let Some(framed) = prefix::strip_frame(&text) else {
                break;
            };
            let framed = framed.trim_end();
            let body = framed.trim_start();
            let part_of_trace = body.is_empty()
                || (framed.len() != body.len() && !body.starts_with('>'))
                || body.starts_with('…');
            if !part_of_trace {
                break;
            }
            lead.push(LogLine {
                number,
                text: framed.to_owned(),
                origin: None,
            });
            number -= 1;
            line_end = line_start;
        }
        while lead.last().is_some_and(|l| l.text.is_empty()) {
            lead.pop();
        }
        lead.reverse();
        lead
    }

    /// Puts `lead` before the message of the block the line after it opened.
    fn prepend_lead(&mut self, lead: Vec<LogLine>) {
        let Some(first) = lead.last().map(|l| l.number + 1) else {
            return;
        };
        if let Some(block) = self
            .block
            .as_mut()
            .filter(|b| b.lines.len() == 1 && b.first_line() == first)
        {
            block.lines.splice(0..0, lead);
        }
    }

    /// A line outside any block that matched a trigger (or a builder line from internal-json).
    fn plain(&mut self, number: u64, text: &str, origin: Option<String>) {
        let (decoration, body) = prefix::split(text);
        // A message pasted from the middle of a trace keeps its indentation.
        let body = match body.trim_start() {
            t if decoration == prefix::Decoration::None && starts_block(t) => t,
            _ => body,
        };
        if decoration == prefix::Decoration::None && starts_block(body) {
            self.block_seen = 0;
            self.block = Some(Block {
                lines: vec![LogLine {
                    number,
                    text: body.to_owned(),
                    origin,
                }],
                position: None,
            });
            return;
        }
        if let Some(drv) = building_drv(body) {
            if self.building.len() < MAX_ACTIVITIES {
                self.building.push(drv.to_owned());
            }
            return;
        }
        let origin = match decoration {
            prefix::Decoration::Package(name) => Some(name.to_owned()),
            _ => origin.or_else(|| self.building.last().cloned()),
        };
        self.hit(LogLine {
            number,
            text: body.to_owned(),
            origin,
        });
    }

    fn json(&mut self, number: u64, json: &str) {
        let event = internal_json::parse(json);
        if event.is_none() && !json.trim_end().ends_with('}') && json.len() < MAX_LINE {
            self.wrapped_json = Some((number, json.to_owned()));
            return;
        }
        match event {
            Some(Event::Msg {
                level,
                text,
                position,
            }) => {
                let clean = ansi::strip(text.as_bytes());
                let text = String::from_utf8_lossy(&clean);
                if level == 0 {
                    // A long trace keeps its head and its tail, where the final message is.
                    let all: Vec<&str> = text.lines().collect();
                    let half = MAX_BLOCK_LINES / 2;
                    let kept: Vec<&str> = if all.len() > MAX_BLOCK_LINES {
                        all[..half]
                            .iter()
                            .chain(&all[all.len() - half..])
                            .copied()
                            .collect()
                    } else {
                        all
                    };
                    let lines = kept
                        .into_iter()
                        .map(|l| LogLine {
                            number,
                            text: clip(l.trim_end()),
                            origin: None,
                        })
                        .collect();
                    self.push_block(Block { lines, position });
                } else {
                    for l in text.lines().filter(|l| self.triggers.is_match(l)) {
                        self.plain(number, &clip(l.trim_end()), None);
                        self.close_block();
                    }
                }
            }
            Some(Event::BuildStarted { id, drv }) => {
                if self.activities.len() < MAX_ACTIVITIES {
                    self.activities.insert(id, drv.clone());
                }
                if self.building.len() < MAX_ACTIVITIES {
                    self.building.push(drv);
                }
            }
            Some(Event::BuildLine { id, text }) => {
                let clean = ansi::strip(text.as_bytes());
                let text = String::from_utf8_lossy(&clean);
                if self.triggers.is_match(text.as_bytes()) {
                    let origin = self.activities.get(&id).cloned();
                    self.hit(LogLine {
                        number,
                        text: clip(text.trim_end()),
                        origin,
                    });
                }
            }
            Some(Event::Other) | None => {}
        }
    }

    fn hit(&mut self, line: LogLine) {
        if self.first_hits.len() < FIRST_HITS {
            self.first_hits.push(line);
            return;
        }
        if self.last_hits.len() == LAST_HITS {
            self.last_hits.pop_front();
            self.dropped += 1;
        }
        self.last_hits.push_back(line);
    }

    fn close_block(&mut self) {
        if let Some(mut block) = self.block.take() {
            while block.lines.last().is_some_and(|l| l.text.is_empty()) {
                block.lines.pop();
            }
            self.push_block(block);
        }
    }

    fn push_block(&mut self, block: Block) {
        self.block_bytes += block_size(&block);
        self.blocks.push_back(block);
        // Keep the first block: in a cascade it is often the root.
        while self.blocks.len() > 2
            && (self.blocks.len() > MAX_BLOCKS || self.block_bytes > MAX_BLOCK_BYTES)
        {
            if let Some(old) = self.blocks.remove(1) {
                self.block_bytes -= block_size(&old);
                self.dropped += 1;
            }
        }
    }

    fn finish(mut self) -> BuildLog {
        self.close_block();
        let mut hits = self.first_hits;
        hits.extend(self.last_hits);
        BuildLog {
            total_lines: self.newlines,
            total_bytes: self.bytes,
            blocks: self.blocks.into(),
            hits,
            building: self.building,
            internal_json: self.internal_json,
            dropped: self.dropped,
        }
    }
}

/// Nix 2.4 pre-releases (2020) printed errors as an unindented block under a divider,
/// `error: --- ThrownError ------ nix`, then `in file: …`, the message, code lines and a hint.
fn is_block_format(head: &str) -> bool {
    head.strip_prefix("error: --- ")
        .is_some_and(|rest| rest.contains(" ---"))
}

/// An `error:` message indented as inside a trace (or a nix-output-monitor frame).
fn indented_error(raw: &[u8]) -> bool {
    // Most trigger lines start with a letter: skip them before any decoding.
    if !matches!(raw.first(), Some(b' ' | b'\t' | 0x1b | 0xe2)) {
        return false;
    }
    let clean = ansi::strip(&raw[..raw.len().min(MAX_TEXT)]);
    let text = String::from_utf8_lossy(&clean);
    let Some(framed) = prefix::strip_frame(&text) else {
        return false;
    };
    let body = framed.trim_start();
    body.len() != framed.len() && body.starts_with("error:")
}

/// Headlines of Nix messages that carry indented continuation lines: `error:` in every
/// version, and the un-prefixed wordings of Nix 2.3.
fn starts_block(body: &str) -> bool {
    const HEADS: &[&str] = &[
        "error:",
        "error (ignored):",
        "builder for '",
        "hash mismatch in fixed-output derivation",
        "cannot build derivation '",
        "build of '",
        "collision between",
        // nixpkgs' buildEnv since 2024; the two paths follow on indented lines.
        "pkgs.buildEnv error:",
        "fixed-output derivation produced path",
    ];
    HEADS.iter().any(|h| body.starts_with(h))
}

/// The .drv of a `building '/nix/store/...drv'...` announcement.
fn building_drv(body: &str) -> Option<&str> {
    let rest = body.strip_prefix("building '")?;
    let end = rest.find('\'')?;
    let drv = &rest[..end];
    drv.ends_with(".drv").then_some(drv)
}

/// The start of every line of `chunk` containing a trigger, with the number of newlines
/// before it, and the chunk's newline count. Large chunks are searched in two halves at once:
/// the search is where the time goes, and lines are independent.
fn candidate_lines(chunk: &[u8], filter: &Filter) -> (Vec<(usize, u64)>, u64) {
    const PARALLEL_FROM: usize = 1 << 20;
    let mid = match memchr::memchr(b'\n', &chunk[chunk.len() / 2..]) {
        Some(i) if chunk.len() >= PARALLEL_FROM => chunk.len() / 2 + i + 1,
        _ => return search(chunk, filter),
    };
    let (first, second) = chunk.split_at(mid);
    let ((mut lines, count), (rest, rest_count)) = std::thread::scope(|scope| {
        let other = scope.spawn(|| search(second, filter));
        let mine = search(first, filter);
        (mine, other.join().expect("search thread does not panic"))
    });
    lines.extend(
        rest.into_iter()
            .map(|(start, before)| (mid + start, count + before)),
    );
    (lines, count + rest_count)
}

fn search(bytes: &[u8], filter: &Filter) -> (Vec<(usize, u64)>, u64) {
    const ESC: u8 = 0x1b;
    let mut lines = Vec::new();
    let mut newlines = 0;
    let mut pos = 0;
    // The next escape byte and word at or after `pos`, found again only once passed.
    let mut escape = memchr::memchr(ESC, bytes);
    let mut word = filter.find(bytes, 0);
    loop {
        if escape.is_some_and(|e| e < pos) {
            escape = memchr::memchr(ESC, &bytes[pos..]).map(|i| pos + i);
        }
        if word.is_some_and(|w| w < pos) {
            word = filter.find(bytes, pos);
        }
        let Some(at) = escape.into_iter().chain(word).min() else {
            break;
        };
        let start = memchr::memrchr(b'\n', &bytes[pos..at]).map_or(pos, |i| pos + i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map(|i| at + i);
        let line = &bytes[start..end.unwrap_or(bytes.len())];
        newlines += count_newlines(&bytes[pos..start]);
        // Colours can split a word (`\x1b[1merror\x1b[0m:`): a line with escapes and no word
        // is looked at again without them.
        if word.is_some_and(|w| w < start + line.len())
            || filter.triggers().is_match(ansi::strip(line))
        {
            lines.push((start, newlines));
        }
        match end {
            Some(e) => {
                pos = e + 1;
                newlines += 1;
            }
            None => return (lines, newlines),
        }
    }
    (lines, newlines + count_newlines(&bytes[pos..]))
}

fn block_size(block: &Block) -> usize {
    block.lines.iter().map(|l| l.text.len()).sum()
}

/// At most MAX_TEXT bytes of `text`, cut at a character boundary.
fn clip(text: &str) -> String {
    text[..text.floor_char_boundary(MAX_TEXT)].to_owned()
}

fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn check_text(head: &[u8]) -> Result<(), ReadError> {
    let control = head
        .iter()
        .filter(|&&b| matches!(b, 0..=8 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f))
        .count();
    if !head.is_empty() && control * 1000 > head.len() * BINARY_PER_MILLE {
        return Err(ReadError::Binary(control, head.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers() -> Triggers {
        Triggers::new([
            "error",
            "building '",
            "not found",
            "\"action\":\"msg\"",
            "\"action\":\"start\"",
        ])
    }

    #[test]
    fn blocks_hits_and_line_numbers() {
        let log = b"noise\r\nbuilding '/nix/store/aaa-foo-1.0.drv'...\nfoo: not found\n\x1b[31;1merror:\x1b[0m builder failed\n       last 1 log lines:\n       > x\nafter\n";
        let log = read_bytes(log, &triggers()).unwrap();
        assert_eq!(log.total_lines, 7);
        assert_eq!(log.building, vec!["/nix/store/aaa-foo-1.0.drv"]);
        assert_eq!(log.hits.len(), 1);
        assert_eq!(log.hits[0].number, 3);
        assert_eq!(
            log.hits[0].origin.as_deref(),
            Some("/nix/store/aaa-foo-1.0.drv")
        );
        assert_eq!(log.blocks.len(), 1);
        assert_eq!(log.blocks[0].headline(), "error: builder failed");
        assert_eq!(log.blocks[0].lines.len(), 3);
    }

    #[test]
    fn internal_json_errors_become_blocks() {
        let log =
            br#"@nix {"action":"start","id":1,"level":3,"type":105,"fields":["/nix/store/b-x.drv"]}
@nix {"action":"result","id":1,"type":101,"fields":["make: not found"]}
@nix {"action":"msg","level":0,"msg":"error: boom\n       at x"}
"#;
        let log = read_bytes(log, &triggers()).unwrap();
        assert!(log.internal_json);
        assert_eq!(log.hits[0].text, "make: not found");
        assert_eq!(log.hits[0].origin.as_deref(), Some("/nix/store/b-x.drv"));
        assert_eq!(log.blocks[0].lines.len(), 2);
        assert_eq!(log.total_lines, 3);
    }

    #[test]
    fn indented_errors_and_wrapped_json_records_are_blocks() {
        // A message pasted from the middle of a `--show-trace` output.
        let log =
            b"     error: attribute 'x' missing\n\n       at /nix/store/h-source/f.nix:3:5:\n";
        let log = read_bytes(log, &triggers()).unwrap();
        assert_eq!(log.blocks[0].headline(), "error: attribute 'x' missing");
        assert_eq!(log.blocks[0].lines.len(), 3);
        // A record a terminal broke at its width, twice.
        let log = b"@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"error: bo\nom\\n       at x\"\n}\nafter\n";
        let log = read_bytes(log, &triggers()).unwrap();
        assert_eq!(log.blocks[0].headline(), "error: boom");
        assert_eq!(log.blocks[0].lines[0].number, 1);
    }

    #[test]
    fn a_tail_pasted_from_inside_a_trace_keeps_the_frames_above_its_message() {
        let nom = "┃          at /nix/store/h-source/gl.nix:77:11:\n┃            77|           src = let\n┃ \n┃        … while calling the 'fetchurl' builtin\n┃          at /nix/store/h-source/gl.nix:83:13:\n┃ \n┃        error: unable to download 'https://e.org/x.run': HTTP error 404\n┃ \n┃        response body:\n";
        let log = read_bytes(nom.as_bytes(), &triggers()).unwrap();
        let block = &log.blocks[0];
        assert_eq!(
            block.headline(),
            "error: unable to download 'https://e.org/x.run': HTTP error 404"
        );
        assert_eq!(block.lines[0].number, 1);
        assert_eq!(
            block.lines[0].text,
            "         at /nix/store/h-source/gl.nix:77:11:"
        );
        assert!(block
            .lines
            .iter()
            .any(|l| l.text.contains("response body:")));
        // Frames start the paste; output before them and another block's lines stay out.
        let tail = "$ nixos-rebuild switch\n       … from call site\n         at /nix/store/h-source/nixos.nix:14:23:\n\n       error: function 'f' called with unexpected argument 'x'\n";
        let log = read_bytes(tail.as_bytes(), &triggers()).unwrap();
        let texts: Vec<&str> = log.blocks[0]
            .lines
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(texts[0], "       … from call site");
        assert_eq!(log.blocks[0].lines[0].number, 2);
        let two = "error: first\n       at /a.nix:1:1\nsome output\n     error: second\n";
        let log = read_bytes(two.as_bytes(), &triggers()).unwrap();
        assert_eq!(log.blocks[1].lines.len(), 1);
        assert_eq!(log.blocks[1].headline(), "error: second");
    }

    #[test]
    fn nix_2_4_pre_block_format_is_one_block() {
        let log = "error: --- ThrownError --------------------------------- nix\nin file: /nix/store/h-source/a/default.nix (5:17)\n\ncannot look up '<nixpkgs>' in pure evaluation mode (use '--impure' to override)\n(use '--show-trace' to show detailed location information)\nerror: --- EvalError --- nix\nat: (3:1) in file: /x.nix\n";
        let log = read_bytes(log.as_bytes(), &triggers()).unwrap();
        assert_eq!(log.blocks.len(), 2);
        assert_eq!(log.blocks[0].lines.len(), 5);
        assert_eq!(log.blocks[1].lines.len(), 2);
    }

    #[test]
    fn binary_and_empty_input() {
        assert!(matches!(
            read_bytes(&[0u8; 1000], &triggers()),
            Err(ReadError::Binary(..))
        ));
        let empty = read_bytes(b"", &triggers()).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.total_lines, 0);
    }

    #[test]
    fn large_input_is_searched_in_parallel_without_losing_lines() {
        let mut log = String::new();
        let mut expected = Vec::new();
        for i in 1..=200_000u64 {
            if i % 20_000 == 0 {
                expected.push(i);
                log.push_str("sh: make: not found\n");
            } else if i == 100_001 {
                // A block that straddles the middle of a chunk.
                log.push_str("error: boom\n");
            } else {
                log.push_str("  noise line that matches nothing at all, padded out a little\n");
            }
        }
        let read = read_bytes(log.as_bytes(), &triggers()).unwrap();
        assert_eq!(read.total_lines, 200_000);
        assert_eq!(
            read.hits.iter().map(|h| h.number).collect::<Vec<_>>(),
            expected
        );
        assert_eq!(read.blocks[0].first_line(), 100_001);
        assert_eq!(read.blocks[0].lines.len(), MAX_BLOCK_LINES);
    }

    #[test]
    fn hits_stay_bounded() {
        let log = "sh: make: not found\n".repeat(50_000);
        let read = read_bytes(log.as_bytes(), &triggers()).unwrap();
        assert_eq!(read.hits.len(), FIRST_HITS + LAST_HITS);
        assert_eq!(read.hits.last().unwrap().number, 50_000);
    }

    #[test]
    fn a_log_without_newlines_is_cut_not_buffered_forever() {
        let log = vec![b'x'; 3 * MAX_LINE + 10];
        let read = read_bytes(&log, &triggers()).unwrap();
        assert!(read.is_empty());
        assert_eq!(read.total_bytes, log.len() as u64);
    }

    #[test]
    fn long_internal_json_errors_are_parsed_whole() {
        for frames in [300, 1000] {
            let trace = "       … while evaluating something long\n".repeat(frames);
            let msg = serde_json::json!({"action": "msg", "level": 0, "msg": format!("error:\n{trace}       error: undefined variable 'x'")});
            let log = format!("@nix {msg}\n");
            assert!(log.len() > MAX_TEXT);
            let read = read_bytes(log.as_bytes(), &triggers()).unwrap();
            assert_eq!(read.blocks.len(), 1);
            let lines = &read.blocks[0].lines;
            assert_eq!(lines.len(), (frames + 2).min(MAX_BLOCK_LINES));
            assert!(lines
                .last()
                .unwrap()
                .text
                .ends_with("undefined variable 'x'"));
        }
    }

    #[test]
    fn blocks_stay_within_their_byte_budget() {
        let long = "x".repeat(3000);
        let block = format!("error: boom\n{}", format!("  {long}\n").repeat(300));
        let read = read_bytes(block.repeat(60).as_bytes(), &triggers()).unwrap();
        let kept: usize = read.blocks.iter().map(block_size).sum();
        assert!(kept <= MAX_BLOCK_BYTES + 2 * 300 * 3100, "{kept}");
        assert!(read.dropped > 0);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..4096)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly text with the bytes that matter to the reader mixed in.
                    b"error: \n\r\x1b[>@nix {}'\xff\xe2\x94\x83abc  "[(state % 27) as usize]
                })
                .collect();
            if let Ok(log) = read_bytes(&bytes, &triggers()) {
                let _ = crate::diagnose::site::sites(&log);
            }
        }
    }

    #[test]
    fn a_word_split_by_an_escape_sequence_is_found_once_they_are_removed() {
        let log = read_bytes(b"noise\n\x1b[1merror\x1b[0m: boom\n", &triggers()).unwrap();
        assert_eq!(log.blocks[0].headline(), "error: boom");
        assert_eq!(log.blocks[0].first_line(), 2);
        let log = read_bytes(b"\x1b[32mall good\x1b[0m\n", &triggers()).unwrap();
        assert!(log.is_empty());
    }

    #[test]
    fn words_at_the_very_start_and_end_of_the_input() {
        let log = read_bytes(b"not found", &triggers()).unwrap();
        assert_eq!(log.hits[0].number, 1);
        let log = read_bytes(b"x\ny\nerror: last", &triggers()).unwrap();
        assert_eq!(log.blocks[0].headline(), "error: last");
        assert_eq!(log.blocks[0].first_line(), 3);
        assert_eq!(log.total_lines, 3);
    }

    #[test]
    fn a_line_longer_than_a_chunk_after_short_lines() {
        let mut log = b"short\n".to_vec();
        log.extend_from_slice(&vec![b'x'; CHUNK + 10]);
        log.extend_from_slice(b"\nsh: make: not found\n");
        let read = read_bytes(&log, &triggers()).unwrap();
        assert_eq!(read.total_lines, 3);
        assert_eq!(read.hits.last().map(|h| h.number), Some(3));
    }

    #[test]
    fn a_word_where_a_line_longer_than_a_chunk_is_cut_is_kept_whole() {
        // The read that fills the first chunk ends at CHUNK: put the word across every
        // point near there where the line could be cut.
        for at in (CHUNK - 40..CHUNK + 8).step_by(3) {
            let mut log = vec![b'x'; at];
            log.extend_from_slice(b"not found");
            log.extend_from_slice(&[b'y'; 100]);
            log.extend_from_slice(b"\nsh: make: not found\n");
            let read = read_bytes(&log, &triggers()).unwrap();
            let numbers: Vec<u64> = read.hits.iter().map(|h| h.number).collect();
            assert_eq!(numbers.first(), Some(&1), "word at {at}");
            assert_eq!(numbers.last(), Some(&2), "word at {at}");
            assert_eq!(read.total_lines, 2);
        }
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let log = read_bytes(b"error: bad \xff byte\n", &triggers()).unwrap();
        assert_eq!(log.blocks[0].headline(), "error: bad \u{fffd} byte");
    }
}
