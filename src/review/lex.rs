//! A fast byte-level lexer for the recogniser: gives exactly the token kinds rnix's tokenizer
//! gives, or gives up (on anything rnix would call an error, on non-ASCII text outside strings
//! and comments), and the recogniser then falls back to rnix's own tokenizer. rnix's tokenizer
//! walks `char`s and re-scans a path-shaped run at each token; this one scans bytes once, with
//! memchr over string bodies and comments.

use rnix::SyntaxKind::{self, *};

/// The tokens of one file as the recogniser reads them.
#[derive(Default)]
pub struct Tokens {
    /// The significant tokens' kinds (no whitespace or comments).
    pub kinds: Vec<SyntaxKind>,
    /// Each significant token's index among all tokens, to see whether two are adjacent.
    pub raw: Vec<usize>,
    /// The kinds that occur, trivia included, as a bit set (`recognize::kinds_mask`).
    pub seen: u64,
    count: usize,
}

impl Tokens {
    pub fn clear(&mut self) {
        self.kinds.clear();
        self.raw.clear();
        self.seen = 0;
        self.count = 0;
    }

    pub fn push(&mut self, kind: SyntaxKind) {
        self.seen |= super::recognize::bit(kind);
        if !matches!(kind, TOKEN_WHITESPACE | TOKEN_COMMENT) {
            self.kinds.push(kind);
            self.raw.push(self.count);
        }
        self.count += 1;
    }
}

/// What the lexer is inside of, innermost last.
#[derive(Clone, Copy)]
enum Frame {
    /// A string's body.
    Str { multiline: bool },
    /// An interpolation's expression, with the braces opened in it.
    Interpol { braces: u32 },
    /// A path literal interrupted by an interpolation.
    Path(SyntaxKind),
}

/// Why the lexer stopped early: the caller asks rnix's tokenizer instead.
pub struct GaveUp;

/// rnix's path characters (`[a-zA-Z0-9/_.+-]`).
fn path_char(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'_' | b'.' | b'+' | b'-')
}

/// rnix's URI characters: the path characters and `%?:@&=$,!~*'`.
fn uri_char(b: u8) -> bool {
    path_char(b) || b"%?:@&=$,!~*'".contains(&b)
}

/// The ASCII characters `char::is_whitespace` accepts (vertical tab included).
fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// Lexes `text` into `out`, which is cleared first.
pub fn lex(text: &str, out: &mut Tokens) -> Result<(), GaveUp> {
    out.clear();
    let mut lexer = Lexer {
        s: text.as_bytes(),
        i: 0,
        frames: Vec::new(),
        out,
        run: None,
    };
    lexer.run()
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    frames: Vec<Frame>,
    out: &'a mut Tokens,
    /// The end of the last run of path characters read for a guess, and the guess.
    run: Option<(usize, Shape)>,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.s[self.i..].starts_with(prefix)
    }

    /// Moves past the bytes from the cursor for which `f` holds; returns how many.
    fn skip_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.at(self.i).is_some_and(&f) {
            self.i += 1;
        }
        self.i - start
    }

    fn run(&mut self) -> Result<(), GaveUp> {
        loop {
            match self.frames.last().copied() {
                Some(Frame::Str { multiline }) => self.string_body(multiline)?,
                Some(Frame::Path(kind)) => self.path_continued(kind)?,
                _ => {
                    if self.i >= self.s.len() {
                        // An open interpolation at the end: rnix stops there too.
                        return Ok(());
                    }
                    self.token()?;
                }
            }
        }
    }

    /// Pops a finished path, or lexes its next piece after an interpolation.
    fn path_continued(&mut self, kind: SyntaxKind) -> Result<(), GaveUp> {
        if self.starts_with(b"${") {
            self.i += 2;
            self.frames.push(Frame::Interpol { braces: 0 });
            self.out.push(TOKEN_INTERPOL_START);
        } else if self.at(self.i).is_some_and(path_char) {
            let start = self.i;
            self.path_rest(start, kind)?;
        } else {
            self.frames.pop();
        }
        Ok(())
    }

    /// Consumes the path characters of a path piece that began at `start`, with `Path(kind)`
    /// on the stack, and pushes the piece.
    fn path_rest(&mut self, start: usize, kind: SyntaxKind) -> Result<(), GaveUp> {
        self.skip_while(path_char);
        if !self.starts_with(b"${") {
            let piece = &self.s[start..self.i];
            if piece.ends_with(b"/") || piece.windows(2).any(|w| w == b"//") {
                return Err(GaveUp);
            }
            self.frames.pop();
        }
        self.out.push(kind);
        Ok(())
    }

    /// A string's content up to its end or next interpolation.
    fn string_body(&mut self, multiline: bool) -> Result<(), GaveUp> {
        let start = self.i;
        loop {
            let rest = &self.s[self.i..];
            let found = if multiline {
                memchr::memchr2(b'\'', b'$', rest)
            } else {
                memchr::memchr3(b'"', b'\\', b'$', rest)
            };
            let Some(off) = found else {
                return Err(GaveUp); // unterminated
            };
            let at = self.i + off;
            match (self.s[at], self.at(at + 1), self.at(at + 2)) {
                (b'"', _, _) => return self.end_piece(start, at, 1, false),
                (b'\\', Some(_), _) => self.i = at + 2,
                (b'\'', Some(b'\''), Some(b'\'' | b'$')) => self.i = at + 3,
                (b'\'', Some(b'\''), Some(b'\\')) if at + 3 < self.s.len() => self.i = at + 4,
                (b'\'', Some(b'\''), Some(b'\\')) => return Err(GaveUp),
                (b'\'', Some(b'\''), _) => return self.end_piece(start, at, 2, false),
                (b'\'', Some(_), _) => self.i = at + 1,
                (b'$', Some(b'$'), _) => self.i = at + 2,
                (b'$', Some(b'{'), _) => return self.end_piece(start, at, 2, true),
                (b'$', _, _) => self.i = at + 1,
                // A backslash or quote at the very end.
                _ => return Err(GaveUp),
            }
        }
    }

    /// Ends the string's piece from `start` at `at`, before a delimiter of `len` bytes: the
    /// string's end, or an interpolation's start.
    fn end_piece(
        &mut self,
        start: usize,
        at: usize,
        len: usize,
        interpolation: bool,
    ) -> Result<(), GaveUp> {
        // rnix leaves out empty pieces.
        if at > start {
            self.out.push(TOKEN_STRING_CONTENT);
        }
        self.i = at + len;
        if interpolation {
            self.frames.push(Frame::Interpol { braces: 0 });
            self.out.push(TOKEN_INTERPOL_START);
        } else {
            self.frames.pop();
            self.out.push(TOKEN_STRING_END);
        }
        Ok(())
    }

    /// One token outside strings.
    fn token(&mut self) -> Result<(), GaveUp> {
        let start = self.i;
        let b = self.s[start];
        if !b.is_ascii() {
            return Err(GaveUp); // maybe Unicode whitespace, else an error: rnix decides
        }
        if is_space(b) {
            self.skip_while(is_space);
            if self.at(self.i).is_some_and(|c| !c.is_ascii()) {
                return Err(GaveUp); // rnix's whitespace run may go on in Unicode
            }
            self.out.push(TOKEN_WHITESPACE);
            return Ok(());
        }
        if b == b'#' {
            self.i = memchr::memchr(b'\n', &self.s[start..]).map_or(self.s.len(), |o| start + o);
            self.out.push(TOKEN_COMMENT);
            return Ok(());
        }
        if self.starts_with(b"/*") {
            let end = memchr::memmem::find(&self.s[start + 2..], b"*/").ok_or(GaveUp)?;
            self.i = start + 2 + end + 2;
            self.out.push(TOKEN_COMMENT);
            return Ok(());
        }
        if self.starts_with(b"...") {
            self.i += 3;
            self.out.push(TOKEN_ELLIPSIS);
            return Ok(());
        }
        let next = self.at(start + 1);
        // rnix's guess at what the token is, from its first characters.
        let shape = match b {
            b'/' if next == Some(b'/') => Shape::Other,
            b'/' if next == Some(b'$') && self.at(start + 2) == Some(b'{') => Shape::Path,
            b'/' if next.is_some_and(path_char) => Shape::Path,
            b'/' => Shape::Other,
            b'~' if next == Some(b'/') => Shape::Path,
            b'~' => return Err(GaveUp),
            _ if path_char(b) || b == b'<' => self.shape(start)?,
            // Only `<` and identifiers depend on the guess.
            _ => Shape::Other,
        };
        if shape == Shape::Path {
            let kind = match b {
                b'/' => TOKEN_PATH_ABS,
                b'~' => TOKEN_PATH_HOME,
                _ => TOKEN_PATH_REL,
            };
            self.i = start + if b == b'~' { 2 } else { 1 };
            self.frames.push(Frame::Path(kind));
            return self.path_rest(start, kind);
        }
        self.i = start + 1;
        let two = |second: u8| next == Some(second);
        let kind = match b {
            b'=' if two(b'=') => self.op2(TOKEN_EQUAL),
            b'!' if two(b'=') => self.op2(TOKEN_NOT_EQUAL),
            b'!' => TOKEN_INVERT,
            b'{' => {
                if let Some(Frame::Interpol { braces }) = self.frames.last_mut() {
                    *braces += 1;
                }
                TOKEN_L_BRACE
            }
            b'}' => match self.frames.last_mut() {
                Some(Frame::Interpol { braces: 0 }) => {
                    self.frames.pop();
                    TOKEN_INTERPOL_END
                }
                Some(Frame::Interpol { braces }) => {
                    *braces -= 1;
                    TOKEN_R_BRACE
                }
                _ => TOKEN_R_BRACE,
            },
            b'[' => TOKEN_L_BRACK,
            b']' => TOKEN_R_BRACK,
            b'@' => TOKEN_AT,
            b':' => TOKEN_COLON,
            b',' => TOKEN_COMMA,
            b'.' if next.is_some_and(|c| c.is_ascii_digit()) => {
                self.skip_while(|c| c.is_ascii_digit());
                self.exponent()?
            }
            b'.' => TOKEN_DOT,
            b'=' => TOKEN_ASSIGN,
            b'?' => TOKEN_QUESTION,
            b';' => TOKEN_SEMICOLON,
            b'(' => TOKEN_L_PAREN,
            b')' => TOKEN_R_PAREN,
            b'+' if two(b'+') => self.op2(TOKEN_CONCAT),
            b'-' if two(b'>') => self.op2(TOKEN_IMPLICATION),
            b'/' if two(b'/') => self.op2(TOKEN_UPDATE),
            b'+' => TOKEN_ADD,
            b'-' => TOKEN_SUB,
            b'*' => TOKEN_MUL,
            b'/' => TOKEN_DIV,
            b'<' if two(b'|') => self.op2(TOKEN_PIPE_LEFT),
            b'<' if shape == Shape::Search => {
                if self.skip_while(path_char) == 0 {
                    TOKEN_LESS
                } else if self.at(self.i) == Some(b'>') {
                    self.i += 1;
                    TOKEN_PATH_SEARCH
                } else {
                    return Err(GaveUp);
                }
            }
            b'&' if two(b'&') => self.op2(TOKEN_AND_AND),
            b'|' if two(b'>') => self.op2(TOKEN_PIPE_RIGHT),
            b'|' if two(b'|') => self.op2(TOKEN_OR_OR),
            b'<' if two(b'=') => self.op2(TOKEN_LESS_OR_EQ),
            b'<' => TOKEN_LESS,
            b'>' if two(b'=') => self.op2(TOKEN_MORE_OR_EQ),
            b'>' => TOKEN_MORE,
            b'$' if two(b'{') => {
                self.i += 1;
                self.frames.push(Frame::Interpol { braces: 0 });
                TOKEN_INTERPOL_START
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                if shape == Shape::Uri {
                    self.skip_while(uri_char);
                    TOKEN_URI
                } else {
                    self.skip_while(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'\'')
                    });
                    keyword(&self.s[start..self.i])
                }
            }
            b'"' => {
                self.frames.push(Frame::Str { multiline: false });
                TOKEN_STRING_START
            }
            b'\'' if two(b'\'') => {
                self.i += 1;
                self.frames.push(Frame::Str { multiline: true });
                TOKEN_STRING_START
            }
            b'0' if next != Some(b'.') => {
                self.skip_while(|c| c.is_ascii_digit());
                TOKEN_INTEGER
            }
            b'0'..=b'9' => {
                self.skip_while(|c| c.is_ascii_digit());
                if self.at(self.i) == Some(b'.') {
                    self.i += 1;
                    self.skip_while(|c| c.is_ascii_digit());
                    self.exponent()?
                } else {
                    TOKEN_INTEGER
                }
            }
            _ => return Err(GaveUp),
        };
        self.out.push(kind);
        Ok(())
    }

    /// A two-character operator whose first character is consumed.
    fn op2(&mut self, kind: SyntaxKind) -> SyntaxKind {
        self.i += 1;
        kind
    }

    /// A float's optional exponent.
    fn exponent(&mut self) -> Result<SyntaxKind, GaveUp> {
        if matches!(self.at(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.at(self.i), Some(b'-' | b'+')) {
                self.i += 1;
            }
            if self.skip_while(|c| c.is_ascii_digit()) == 0 {
                return Err(GaveUp);
            }
        }
        Ok(TOKEN_FLOAT)
    }

    /// rnix's guess for a token not starting with `/` or `~`: it reads the run of path
    /// characters (for a `<`, also `<` and `/`; otherwise not `/`) and looks at what follows.
    fn shape(&mut self, start: usize) -> Result<Shape, GaveUp> {
        let search = self.s[start] == b'<';
        // A token starting inside the last run (`b` of `a.b.c`) ends the same run and sees
        // the same characters after it: without this, dotted paths cost quadratic time.
        if let (false, Some((end, shape))) = (search, self.run) {
            if start < end {
                return Ok(shape);
            }
        }
        let mut end = start;
        let mut underscore = false;
        while let Some(c) = self.at(end) {
            let ok = match c {
                b'<' | b'/' => search,
                c => path_char(c),
            };
            if !ok {
                break;
            }
            underscore |= c == b'_';
            end += 1;
        }
        let shape = match (self.at(end), self.at(end + 1)) {
            (Some(b'/'), Some(b'/' | b'*')) => Shape::Other,
            // Whether it is Unicode whitespace decides.
            (Some(b'/'), Some(c)) if !c.is_ascii() => return Err(GaveUp),
            (Some(b'/'), Some(c)) if !is_space(c) => Shape::Path,
            (Some(b'>'), _) => Shape::Search,
            (Some(b':'), Some(c)) if uri_char(c) => {
                // Depends on the underscores from the start: not reused.
                self.run = None;
                return Ok(if underscore { Shape::Other } else { Shape::Uri });
            }
            _ => Shape::Other,
        };
        self.run = (!search).then_some((end, shape));
        Ok(shape)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Path,
    Search,
    Uri,
    Other,
}

fn keyword(word: &[u8]) -> SyntaxKind {
    match word {
        b"assert" => TOKEN_ASSERT,
        b"else" => TOKEN_ELSE,
        b"if" => TOKEN_IF,
        b"in" => TOKEN_IN,
        b"inherit" => TOKEN_INHERIT,
        b"let" => TOKEN_LET,
        b"or" => TOKEN_OR,
        b"rec" => TOKEN_REC,
        b"then" => TOKEN_THEN,
        b"with" => TOKEN_WITH,
        _ => TOKEN_IDENT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rnix's token kinds for `text`.
    fn rnix_kinds(text: &str) -> Vec<SyntaxKind> {
        rnix::tokenize(text).map(|(k, _)| k).collect()
    }

    /// The fast lexer's token kinds, trivia included, or `None` when it gave up.
    fn fast_kinds(text: &str) -> Option<Vec<SyntaxKind>> {
        let mut t = Tokens::default();
        lex(text, &mut t).ok()?;
        // Rebuild the full sequence: trivia sit in the gaps of `raw`.
        let mut all = Vec::new();
        let mut next = 0;
        for (&k, &r) in t.kinds.iter().zip(&t.raw) {
            all.extend(std::iter::repeat_n(TOKEN_WHITESPACE, r - next));
            all.push(k);
            next = r + 1;
        }
        all.extend(std::iter::repeat_n(TOKEN_WHITESPACE, t.count - next));
        Some(all)
    }

    /// Trivia are compared by position only (the rebuilt sequence cannot tell whitespace
    /// from comments).
    fn agrees(text: &str) -> bool {
        let Some(fast) = fast_kinds(text) else {
            return true;
        };
        let trivia = |k: &SyntaxKind| {
            if matches!(k, TOKEN_WHITESPACE | TOKEN_COMMENT) {
                TOKEN_WHITESPACE
            } else {
                *k
            }
        };
        let slow: Vec<_> = rnix_kinds(text).iter().map(trivia).collect();
        fast == slow
    }

    const SNIPPETS: &[&str] = &[
        "{ a = 1; b.c = \"x${y}z\"; \"q\" = 2; ${d} = 3; inherit a; inherit (x) b c; }",
        "{ pkgs ? import <nixpkgs> { }, lib, ... }@args: pkgs.hello",
        "x: y: x + y // z ++ [ 1 2.5 .5 0.5e3 1.e-2 007 ] -> a || b && !c",
        "/${pkgs.path}/nixos/lib ./a/${b}/c ~/x /etc/x ../up a/b 1/2 +/x",
        "''\n  multi ${line} ''${not} '''quote ''\\n $$ $ '' ",
        "\"esc \\\" \\${x} $${y} $ ${z}\"",
        "# comment\n/* block ** */ { a = 1; } /**/",
        "http://example.org/x.tar.gz?a=b&c=d x:y a_b:c",
        "a < b <= c > d >= e == f != g |> h <| i",
        "<nixpkgs/lib> <x> < > <> x<y>z a>b",
        "a/ b a //b a/*c*/",
        "{ a = x: x; }.a or 1 / 2 * 3 - 4",
        "f (a.b) [ c d ] { e = f'; g-h = i_j'; }",
        "let in assert true; with x; if a then b else c rec { }",
        "${a} ${ { b = { }; }.b }",
        "./a/${b}/ ./a//b ~ ~x 'x \"open ''open ${open",
        "1e3 1.5e 1.5e+ .5e-",
        "a\u{a0}b \"ü\" # ü\n ü",
        "./x${y}z/w ./x/${y}${z}",
        "a\x0bb\x0c\r\n",
        "a.b:c a_b.c:d a.b_c:d x.y.z/w config.a.b.c = 1; a.b>c",
    ];

    #[test]
    fn gives_rnixs_tokens_or_gives_up() {
        for text in SNIPPETS {
            assert!(
                agrees(text),
                "{text:?}: {:?} vs {:?}",
                fast_kinds(text),
                rnix_kinds(text)
            );
            // Every prefix too: unterminated strings, comments, interpolations and paths.
            for end in (0..text.len()).filter(|&e| text.is_char_boundary(e)) {
                assert!(agrees(&text[..end]), "{:?}", &text[..end]);
            }
        }
    }

    #[test]
    fn lexes_the_fixtures_like_rnix() {
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut lexed = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "nix") {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    assert!(agrees(&text), "{}", path.display());
                    lexed += usize::from(fast_kinds(&text).is_some());
                }
            }
        }
        assert!(lexed > 100, "only {lexed} fixture files lexed");
    }

    #[test]
    fn gives_up_on_what_rnix_calls_an_error() {
        for text in ["\"open", "'x", "$x", "~x", "1.5e", "/* open", "a\u{a0}b"] {
            assert!(fast_kinds(text).is_none(), "{text:?}");
        }
    }
}
