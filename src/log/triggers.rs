//! The trigger words that make a log line worth keeping, and a filter that finds them in large
//! buffers without per-byte automaton work: probes of 4-byte grams at every other position,
//! each word confirmed exactly where one of its rarest grams shows up.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Bytes per probe: one unaligned 32-bit load.
const GRAM: usize = 4;
/// Distance between probes. Each word registers STRIDE consecutive grams, so wherever it
/// occurs one of them starts at a probed position.
const STRIDE: usize = 2;
/// Probes per step of the hot loop, tested together with one branch.
const BATCH: usize = 8;
/// Bytes the hot loop reads per step.
const SPAN: usize = STRIDE * (BATCH - 1) + GRAM;
const TABLE_BITS: u32 = 18;
const TABLE_SIZE: usize = 1 << TABLE_BITS;
/// Buckets of the gram counts taken from the sample.
const COUNT_BITS: u32 = 18;

/// The words a log is searched for.
pub struct Triggers {
    words: Vec<Box<[u8]>>,
    automaton: AhoCorasick,
}

impl Triggers {
    pub fn new<I, P>(words: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut words: Vec<Box<[u8]>> = words.into_iter().map(|w| w.as_ref().into()).collect();
        words.retain(|w| !w.is_empty());
        words.sort_unstable();
        words.dedup();
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("trigger words build an automaton");
        Triggers { words, automaton }
    }

    /// Whether `haystack` (one line, usually) contains a trigger word.
    pub fn is_match(&self, haystack: impl AsRef<[u8]>) -> bool {
        self.automaton.is_match(haystack.as_ref())
    }

    /// Length of the longest word.
    pub fn longest(&self) -> usize {
        self.words.iter().map(|w| w.len()).max().unwrap_or(0)
    }

    /// The start of a word in `bytes` that begins before `at` and ends after it.
    pub fn straddling(&self, bytes: &[u8], at: usize) -> Option<usize> {
        let reach = self.longest();
        let from = at.saturating_sub(reach);
        let near = &bytes[from..bytes.len().min(at + reach)];
        self.automaton
            .find_overlapping_iter(near)
            .map(|m| (from + m.start(), from + m.end()))
            .find(|&(start, end)| start < at && end > at)
            .map(|(start, _)| start)
    }

    /// A filter that runs the automaton over every byte: for short logs, where choosing
    /// grams costs more than it saves, and for words too short to have grams.
    pub fn exhaustive(&self) -> Filter<'_> {
        Filter {
            triggers: self,
            table: vec![false; TABLE_SIZE]
                .into_boxed_slice()
                .try_into()
                .expect("TABLE_SIZE entries"),
            anchors: HashMap::default(),
            exhaustive: true,
        }
    }

    /// A filter whose grams are, for each word, the ones least frequent in `sample` (the start
    /// of the log it will search), so probes rarely stop on noise.
    pub fn filter(&self, sample: &[u8]) -> Filter<'_> {
        // A word has a gram at each offset inside it and one either side of it, whose
        // outer byte is any byte (as 256 grams); it registers STRIDE neighbouring ones.
        let offsets = |w: &[u8]| -1..=(w.len() as isize + 1 - GRAM as isize);
        if self.words.iter().any(|w| offsets(w).count() < STRIDE) {
            return self.exhaustive();
        }
        let mut filter = Filter {
            exhaustive: false,
            ..self.exhaustive()
        };
        let (counts, probes) = gram_counts(sample);
        // In counts scaled by 256: the occurrences in the sample, and the probes that land on
        // the gram's table entry by chance.
        let chance = (probes << 8) >> TABLE_BITS;
        let cost = |word: &[u8], offset: isize| {
            let grams = grams_at(word, offset);
            let seen: u64 = grams
                .iter()
                .map(|&g| u64::from(counts[bucket(g, COUNT_BITS)]))
                .sum();
            (seen << 8) + chance * grams.len() as u64 + prior(word, offset)
        };
        for (index, word) in self.words.iter().enumerate() {
            let offsets: Vec<isize> = offsets(word).collect();
            let best = offsets
                .windows(STRIDE)
                .min_by_key(|run| run.iter().map(|&o| cost(word, o)).sum::<u64>())
                .expect("enough offsets");
            for &offset in best {
                for g in grams_at(word, offset) {
                    filter.register(g, offset, index);
                }
            }
        }
        filter
    }
}

/// The search of one log's buffers for trigger words.
pub struct Filter<'a> {
    triggers: &'a Triggers,
    /// Whether some word registered a gram with this hash: a byte each, so the hot loop tests
    /// one with a plain load (bits would cost a variable shift per probe, about a third more).
    table: Box<[bool; TABLE_SIZE]>,
    /// For each registered gram: the words it belongs to, and where it starts in them.
    anchors: HashMap<u32, Vec<(isize, usize)>, BuildHasherDefault<GramHasher>>,
    /// A word is too short for grams: the automaton searches every byte instead.
    exhaustive: bool,
}

impl<'a> Filter<'a> {
    pub fn triggers(&self) -> &'a Triggers {
        self.triggers
    }

    fn register(&mut self, g: u32, offset: isize, word: usize) {
        let b = bucket(g, TABLE_BITS);
        self.table[b] = true;
        self.anchors.entry(g).or_default().push((offset, word));
    }

    /// The start of an occurrence of a trigger word in `haystack` at or after `from`. Any
    /// occurrence on the first line that has one will do: callers want lines.
    pub fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        if self.exhaustive {
            let m = self.triggers.automaton.find(&haystack[from..])?;
            return Some(from + m.start());
        }
        let mut at = from;
        while at + SPAN <= haystack.len() {
            let span: &[u8; SPAN] = haystack[at..at + SPAN].try_into().expect("SPAN bytes");
            let mut any = false;
            for probe in 0..BATCH {
                let o = probe * STRIDE;
                any |= self.registered(gram(&span[o..o + GRAM]));
            }
            if any {
                for o in (0..BATCH).map(|p| p * STRIDE) {
                    let g = gram(&span[o..o + GRAM]);
                    if let Some(start) = self.confirm(haystack, from, at + o, g) {
                        return Some(start);
                    }
                }
            }
            at += STRIDE * BATCH;
        }
        // The last few probes read past the end, where the missing bytes read as zeros: only
        // grams that take any byte after a word accept them, and words are checked on real
        // bytes.
        while at < haystack.len() {
            let mut g = [0; GRAM];
            let end = haystack.len().min(at + GRAM);
            g[..end - at].copy_from_slice(&haystack[at..end]);
            if let Some(start) = self.confirm(haystack, from, at, gram(&g)) {
                return Some(start);
            }
            at += STRIDE;
        }
        None
    }

    /// Whether some word registered a gram with the hash of `g`.
    #[inline(always)]
    fn registered(&self, g: u32) -> bool {
        self.table[bucket(g, TABLE_BITS)]
    }

    /// The start (at or after `from`) of a word whose registered gram `g` starts at `probe`.
    fn confirm(&self, haystack: &[u8], from: usize, probe: usize, g: u32) -> Option<usize> {
        if !self.registered(g) {
            return None;
        }
        self.anchors.get(&g)?.iter().find_map(|&(offset, word)| {
            let start = probe.checked_add_signed(-offset).filter(|&s| s >= from)?;
            haystack[start..]
                .starts_with(&self.triggers.words[word])
                .then_some(start)
        })
    }
}

fn gram(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Fibonacci hashing: the top bits of the product mix all four bytes.
#[inline(always)]
fn bucket(g: u32, bits: u32) -> usize {
    (g.wrapping_mul(0x9e37_79b1) >> (32 - bits)) as usize
}

/// The grams of `word` at `offset`: one inside it, 256 when the gram takes the byte
/// before or after it.
fn grams_at(word: &[u8], offset: isize) -> Vec<u32> {
    let inner = offset.max(0) as usize..(offset + GRAM as isize).min(word.len() as isize) as usize;
    let known = &word[inner];
    if known.len() == GRAM {
        return vec![gram(known)];
    }
    (0..=u8::MAX)
        .map(|outer| {
            let mut g = [outer; GRAM];
            let at = usize::from(offset < 0);
            g[at..at + known.len()].copy_from_slice(known);
            gram(&g)
        })
        .collect()
}

/// How often each gram bucket occurs at the probed positions of `sample`, and how many
/// probes there were.
fn gram_counts(sample: &[u8]) -> (Vec<u32>, u64) {
    let mut counts = vec![0u32; 1 << COUNT_BITS];
    let mut probes = 0;
    for w in sample.windows(GRAM).step_by(STRIDE) {
        let c = &mut counts[bucket(gram(w), COUNT_BITS)];
        *c = c.saturating_add(1);
        probes += 1;
    }
    (counts, probes)
}

/// A guess of how common the gram of `word` at `offset` is in text the sample did not show:
/// lower-case letters and spaces are everywhere (and so is an unknown byte), digits and
/// punctuation less so, upper case and control bytes rare.
fn prior(word: &[u8], offset: isize) -> u64 {
    (offset..offset + GRAM as isize)
        .map(
            |i| match usize::try_from(i).ok().and_then(|i| word.get(i)) {
                None | Some(b'a'..=b'z' | b' ') => 8,
                Some(b'0'..=b'9' | b'/' | b'.' | b'-' | b'_' | b'=') => 4,
                Some(b'A'..=b'Z' | b':' | b'\'' | b'"' | b',') => 2,
                Some(_) => 1,
            },
        )
        .sum()
}

/// The anchors' keys are already grams: a multiply spreads them, SipHash would only cost.
#[derive(Default)]
struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, g: u32) {
        self.0 = u64::from(g).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence the automaton finds, line by line, the filter finds too.
    fn lines_with_words(t: &Triggers, text: &[u8]) -> Vec<usize> {
        let f = t.filter(text);
        let mut lines = Vec::new();
        let mut from = 0;
        while let Some(at) = f.find(text, from) {
            let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
            lines.push(start);
            match memchr::memchr(b'\n', &text[at..]) {
                Some(i) => from = at + i + 1,
                None => break,
            }
        }
        lines
    }

    fn expected(t: &Triggers, text: &[u8]) -> Vec<usize> {
        let mut start = 0;
        let mut lines = Vec::new();
        for line in text.split(|&b| b == b'\n') {
            if t.is_match(line) {
                lines.push(start);
            }
            start += line.len() + 1;
        }
        lines
    }

    #[test]
    fn finds_words_at_every_alignment_and_at_both_ends() {
        // Three bytes: the two grams that take the byte before and the byte after.
        let words = ["error:", "got:", "not found", "FAIL", "Oh!"];
        let t = Triggers::new(words);
        for word in words {
            for pad in 0..20 {
                let text = format!("{}{word}", "x".repeat(pad));
                assert_eq!(lines_with_words(&t, text.as_bytes()), vec![0], "{text}");
                let text = format!("{word}{}\nnoise", "y".repeat(pad));
                assert_eq!(lines_with_words(&t, text.as_bytes()), vec![0], "{text}");
            }
        }
        assert!(lines_with_words(&t, b"").is_empty());
        assert!(lines_with_words(&t, b"got").is_empty());
    }

    #[test]
    fn agrees_with_the_automaton_on_noisy_text() {
        let words = [
            "error:",
            "building '",
            "got:",
            "hash mismatch",
            "Killed",
            "--> ",
        ];
        let t = Triggers::new(words);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut text = Vec::new();
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let piece: &[u8] = match state % 40 {
                0 => words[(state >> 8) as usize % words.len()].as_bytes(),
                1 => b"\n",
                2 => b"got",
                3 => b"error",
                4 => b"Kill",
                _ => b"some builder noise ",
            };
            // Words cut at random points: the filter must not confirm halves.
            let cut = (state >> 16) as usize % (piece.len() + 1);
            text.extend_from_slice(if state & 1 == 0 { piece } else { &piece[..cut] });
        }
        assert_eq!(lines_with_words(&t, &text), expected(&t, &text));
    }

    #[test]
    fn short_words_fall_back_to_the_automaton() {
        let t = Triggers::new(["ok", "error:"]);
        assert!(t.filter(b"").exhaustive);
        assert_eq!(lines_with_words(&t, b"a\nis ok\n"), vec![2]);
    }
}
