//! Parses a Nix evaluation error block: the final message, its position, and the
//! `… while evaluating` frames with their positions, in 2.3, 2.4-2.17, 2.18+ and Lix wordings.

use std::sync::LazyLock;

use regex::Regex;

use crate::log::{Block, Position};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub description: String,
    pub position: Option<Position>,
    /// Source lines Nix quoted under the position (`422| fedimint.package`).
    pub snippet: Vec<(u32, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The final error message without `error: `.
    pub message: String,
    pub position: Option<Position>,
    pub snippet: Vec<(u32, String)>,
    pub frames: Vec<Frame>,
    /// How many frames came before the message: Nix 2.3, 2.18+ and Lix print the frames
    /// before it (outermost first), 2.4-2.17 after it (innermost first).
    pub message_at: usize,
}

static AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^at (.+?):(\d+):(\d+)(?::|$)").expect("valid regex"));
/// Nix 2.3 puts the position at the end of the message line.
static TRAILING_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?),? at (/[^:\s]+):(\d+):(\d+):?$").expect("valid regex"));
/// Nix 2.4 pre-releases: `in file: /x.nix (5:17)` and `at: (5:17) in file: /x.nix` under the
/// `--- ThrownError --- nix` divider of the block format.
static IN_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:in file: (\S+) \((\d+)(?::(\d+))?\)|at: \((\d+)(?::(\d+))?\) in file: (\S+))$")
        .expect("valid regex")
});
static DIVIDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^--- \w+ -+(?: \S+)?$").expect("valid regex"));
static CALLED_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r", called from (/[^:\s]+):(\d+):(\d+)$").expect("valid regex"));
static SNIPPET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)\|(.*)$").expect("valid regex"));

enum Target {
    Message,
    Frame,
}

impl Trace {
    pub fn parse(block: &Block) -> Trace {
        let mut trace = Trace::default();
        let mut target = Target::Message;
        for (i, line) in block.lines.iter().enumerate() {
            let t = line.text.trim();
            let body = if i == 0 {
                t.strip_prefix("error:").map(str::trim).unwrap_or(t)
            } else {
                t
            };
            if body.is_empty() || (i == 0 && DIVIDER.is_match(body)) {
                continue;
            }
            if let Some(c) = IN_FILE.captures(body) {
                let number = |m: Option<regex::Match>| m.and_then(|m| m.as_str().parse().ok());
                trace.position = Some(Position {
                    file: c.get(1).or(c.get(6)).map_or("", |m| m.as_str()).to_owned(),
                    line: number(c.get(2).or(c.get(4))).unwrap_or(0),
                    column: number(c.get(3).or(c.get(5))).unwrap_or(0),
                });
                continue;
            }
            if let Some(desc) = body.strip_prefix('…').or_else(|| body.strip_prefix("... ")) {
                trace.frames.push(Frame {
                    description: desc.trim().to_owned(),
                    ..Frame::default()
                });
                target = Target::Frame;
            } else if let Some(pos) = parse_at(body) {
                match (&target, trace.frames.last_mut()) {
                    (Target::Frame, Some(frame)) if frame.position.is_none() => {
                        frame.position = Some(pos)
                    }
                    // A position before any message is a frame's whose `…` line was cut off
                    // (a tail pasted from the middle of a trace): no version puts the
                    // message's own position before the message.
                    _ if trace.message.is_empty() => {
                        trace.frames.push(Frame {
                            position: Some(pos),
                            ..Frame::default()
                        });
                        target = Target::Frame;
                    }
                    _ => trace.position = Some(pos),
                }
            } else if let Some(at) = body.strip_prefix("whose name attribute is located at ") {
                // Nix 2.20+ (primops.cc): the second line of "while evaluating derivation
                // '%s'", where the derivation was defined.
                if let Some(frame) = trace.frames.last_mut().filter(|f| f.position.is_none()) {
                    frame.position = parse_at(&format!("at {at}"));
                }
            } else if let Some(c) = SNIPPET.captures(body) {
                let entry = (c[1].parse().unwrap_or(0), c[2].to_owned());
                match (&target, trace.frames.last_mut()) {
                    (Target::Frame, Some(frame)) => frame.snippet.push(entry),
                    _ => trace.snippet.push(entry),
                }
            } else if body.starts_with('|') {
                // The caret line under a snippet.
            } else if let Some(msg) = body.strip_prefix("error:") {
                trace.set_message(msg.trim());
                target = Target::Message;
            } else if i == 0 || body.starts_with("while ") {
                if body.starts_with("while ") {
                    trace.frames.extend(split_frame(body));
                    target = Target::Frame;
                } else {
                    trace.set_message(body);
                }
            } else if trace.message.is_empty() {
                trace.set_message(body);
                target = Target::Message;
            } else if matches!(target, Target::Message) && trace.position.is_none() {
                trace.message.push('\n');
                trace.message.push_str(body);
            }
        }
        if trace.position.is_none() {
            trace.position = block.position.clone();
        }
        trace
    }

    /// Sets the message, splitting off a Nix 2.3 trailing position.
    fn set_message(&mut self, msg: &str) {
        self.message_at = self.frames.len();
        match TRAILING_AT.captures(msg) {
            Some(c) => {
                self.message = c[1].to_owned();
                self.position = Some(Position {
                    file: c[2].to_owned(),
                    line: c[3].parse().unwrap_or(0),
                    column: c[4].parse().unwrap_or(0),
                });
            }
            None => self.message = msg.to_owned(),
        }
    }

    /// The positions that point at a file, innermost first: the message's own, then the
    /// frames, leaving out the expressions Nix made up (see `in_file`).
    pub fn positions(&self) -> Vec<(&Position, &[(u32, String)])> {
        let (before, after) = self.frames.split_at(self.message_at.min(self.frames.len()));
        let own = self.position.as_ref().map(|p| (p, self.snippet.as_slice()));
        let frames = after
            .iter()
            .chain(before.iter().rev())
            .filter_map(|f| f.position.as_ref().map(|p| (p, f.snippet.as_slice())));
        own.into_iter()
            .chain(frames)
            .filter(|(p, _)| in_file(p))
            .collect()
    }

    /// The position of the user's or the package's code: the innermost outside nixpkgs'
    /// `lib/` and stdenv, unless the error is in them.
    pub fn culprit_position(&self) -> Option<(&Position, &[(u32, String)])> {
        let all = self.positions();
        let nixpkgs: Vec<&str> = all
            .iter()
            .filter_map(|(p, _)| nixpkgs_root(&p.file))
            .collect();
        all.iter()
            .find(|(p, _)| !library(&p.file, &nixpkgs))
            .or(all.first())
            .copied()
    }

    /// The most specific attribute path the trace names.
    pub fn attribute(&self) -> Option<String> {
        const KEYS: &[&str] = &[
            "while checking the derivation '",
            "while evaluating the attribute '",
            "while evaluating flake attribute '",
            "while checking flake output '",
            "while evaluating the option `",
        ];
        self.frames.iter().rev().find_map(|f| {
            KEYS.iter().find_map(|k| {
                let rest = f.description.split_once(k)?.1;
                let end = rest.find(['\'', '`'])?;
                Some(rest[..end].to_owned())
            })
        })
    }
}

/// Whether a position is in a file, not in an expression Nix made up or was given on the
/// command line: `«string»`, `«stdin»`, `«none»:0` and `(string)` of `--expr`,
/// `«flakes-internal»/call-flake.nix`, `<nix/derivation-internal.nix>`,
/// `/builtin/derivation.nix` or `//builtin/derivation.nix` (a file inside a source such as
/// `«github:NixOS/nixpkgs/5912c17»/lib/attrsets.nix` is one).
fn in_file(p: &Position) -> bool {
    let f = p.file.as_str();
    let pseudo = (f.starts_with('«') && (f.ends_with('»') || f.starts_with("«flakes-internal»")))
        || (f.starts_with('<') && f.ends_with('>'))
        || (f.starts_with('(') && f.ends_with(')'))
        || f.trim_start_matches('/').starts_with("builtin/");
    !pseudo
}

fn parse_at(body: &str) -> Option<Position> {
    let c = AT.captures(body)?;
    Some(Position {
        file: c[1].to_owned(),
        line: c[2].parse().ok()?,
        column: c[3].parse().ok()?,
    })
}

/// The directory of a nixpkgs checkout a path lies in, known by directories a project's own
/// `pkgs/` does not have (`…/pkgs/top-level/all-packages.nix`, `…/nixos/modules/…`).
fn nixpkgs_root(file: &str) -> Option<&str> {
    [
        "/pkgs/top-level/",
        "/pkgs/stdenv/",
        "/pkgs/build-support/",
        "/nixos/modules/",
    ]
    .iter()
    .find_map(|d| file.find(d).map(|at| &file[..at]))
}

/// The files of nixpkgs' `lib/` that every call goes through (callPackage, the module
/// system, overrides); `default.nix` is left out, a project's own `lib/` has one too.
const NIXPKGS_LIB: &[&str] = &[
    "attrsets.nix",
    "customisation.nix",
    "fixed-points.nix",
    "lists.nix",
    "modules.nix",
    "options.nix",
    "strings.nix",
    "trivial.nix",
    "types.nix",
];

/// Library internals: nixpkgs' stdenv, Nix's own corepkgs, and nixpkgs' `lib/` (in a
/// checkout the trace shows to be nixpkgs, or one of its well-known files).
fn library(file: &str, nixpkgs: &[&str]) -> bool {
    if file.contains("/pkgs/stdenv/") || file.contains("/share/nix/corepkgs/") {
        return true;
    }
    let Some(at) = file.rfind("/lib/") else {
        return false;
    };
    let name = file.rsplit('/').next().unwrap_or_default();
    nixpkgs.contains(&&file[..at]) || NIXPKGS_LIB.contains(&name)
}

/// A Nix 2.3 frame line: `while evaluating 'f' at /…/lib/strings.nix:234:5, called from
/// /…/default.nix:12:20:` is two frames, the call site outside the function.
fn split_frame(body: &str) -> Vec<Frame> {
    let body = body.trim_end_matches(':');
    let (body, caller) = match CALLED_FROM.captures(body) {
        Some(c) => (
            &body[..c.get(0).map_or(body.len(), |m| m.start())],
            Some(Frame {
                description: "called from".to_owned(),
                position: Some(Position {
                    file: c[1].to_owned(),
                    line: c[2].parse().unwrap_or(0),
                    column: c[3].parse().unwrap_or(0),
                }),
                snippet: Vec::new(),
            }),
        ),
        None => (body, None),
    };
    let frame = match TRAILING_AT.captures(body) {
        Some(c) => Frame {
            description: c[1].to_owned(),
            position: Some(Position {
                file: c[2].to_owned(),
                line: c[3].parse().unwrap_or(0),
                column: c[4].parse().unwrap_or(0),
            }),
            snippet: Vec::new(),
        },
        None => Frame {
            description: body.to_owned(),
            ..Frame::default()
        },
    };
    // Frames before the message run outermost first: the caller comes before the callee.
    caller.into_iter().chain([frame]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogLine;

    fn block(text: &str) -> Block {
        Block {
            lines: text
                .lines()
                .enumerate()
                .map(|(i, l)| LogLine {
                    number: i as u64 + 1,
                    text: l.to_owned(),
                    origin: None,
                })
                .collect(),
            position: None,
        }
    }

    #[test]
    fn modern_trace_with_frames() {
        let t = Trace::parse(&block(
            "error:\n       … while checking the derivation 'packages.x86_64-linux.a'\n         at /nix/store/h-source/flake.nix:48:11:\n           48|   a = 1;\n             |   ^\n\n       error: flake attribute 'packages.x86_64-linux.a' is not a derivation",
        ));
        assert_eq!(
            t.message,
            "flake attribute 'packages.x86_64-linux.a' is not a derivation"
        );
        assert_eq!(t.position, None);
        let (pos, snip) = t.culprit_position().unwrap();
        assert_eq!(
            (pos.file.as_str(), pos.line, pos.column),
            ("/nix/store/h-source/flake.nix", 48, 11)
        );
        assert_eq!(snip, &[(48, "   a = 1;".to_owned())]);
        assert_eq!(t.attribute().as_deref(), Some("packages.x86_64-linux.a"));
    }

    #[test]
    fn nix_2_4_message_then_position() {
        let t = Trace::parse(&block(
            "error: undefined variable 'fedimint'\n\n       at /nix/store/h-source/flake.nix:422:17:\n\n          421|\n          422|   fedimint.package\n             |   ^",
        ));
        assert_eq!(t.message, "undefined variable 'fedimint'");
        assert_eq!(t.position.as_ref().unwrap().line, 422);
        assert_eq!(t.snippet.len(), 2);
    }

    #[test]
    fn a_tail_cut_inside_a_frame_and_made_up_files() {
        // nix-output-monitor lost the header and the first frame's `…` line.
        let t = Trace::parse(&block(
            "         at <nix/derivation-internal.nix>:37:12:\n           37|   strict = derivationStrict drvAttrs;\n\n       … while calling the 'fetchurl' builtin\n         at /nix/store/h-source/gl.nix:83:13:\n\n       error: unable to download 'https://example.org/x.run': HTTP error 404",
        ));
        assert_eq!(
            t.message,
            "unable to download 'https://example.org/x.run': HTTP error 404"
        );
        assert_eq!(t.position, None);
        assert_eq!(t.frames.len(), 2);
        let (pos, _) = t.culprit_position().unwrap();
        assert_eq!(
            (pos.file.as_str(), pos.line),
            ("/nix/store/h-source/gl.nix", 83)
        );
        // Nix 2.20+ names where a derivation is defined on the frame's second line.
        let t = Trace::parse(&block(
            "error:\n       … while evaluating derivation 'app-1.0'\n         whose name attribute is located at /nix/store/n-source/pkgs/stdenv/generic/make-derivation.nix:331:7\n\n       … while evaluating attribute 'src' of derivation 'app-1.0'\n         at /nix/store/h-source/app.nix:9:3:\n\n       error: boom",
        ));
        assert_eq!(t.message, "boom");
        assert_eq!(t.position, None);
        assert_eq!(t.frames[0].position.as_ref().unwrap().line, 331);
        assert_eq!(
            t.culprit_position().unwrap().0.file,
            "/nix/store/h-source/app.nix"
        );
        // Only made-up positions: no file to blame.
        let t = Trace::parse(&block(
            "error:\n       … while calling the 'import' builtin\n         at «string»:1:18:\n\n       … while calling anonymous lambda\n         at «flakes-internal»/call-flake.nix:72:37:\n\n       error: cannot look up '<nixpkgs>' in pure evaluation mode\n       at «none»:0:",
        ));
        assert!(t.culprit_position().is_none());
        let t = Trace::parse(&block(
            "error:\n       … while calling the 'head' builtin\n         at «github:NixOS/nixpkgs/5912c17»/lib/attrsets.nix:1696:13:\n\n       error: boom",
        ));
        assert!(t.culprit_position().is_some());
    }

    #[test]
    fn nix_2_4_pre_block_format() {
        let t = Trace::parse(&block(
            "error: --- ThrownError ------------------------------------ nix\nin file: /nix/store/h-source/lib/default.nix (5:17)\n\ncannot look up '<nixpkgs>' in pure evaluation mode (use '--impure' to override)\n(use '--show-trace' to show detailed location information)",
        ));
        assert_eq!(
            t.message,
            "cannot look up '<nixpkgs>' in pure evaluation mode (use '--impure' to override)"
        );
        let p = t.position.unwrap();
        assert_eq!(
            (p.file.as_str(), p.line, p.column),
            ("/nix/store/h-source/lib/default.nix", 5, 17)
        );
        let t = Trace::parse(&block("error: --- EvalError --- nix\nat: (3:1) in file: /home/u/a.nix\n\nundefined variable 'x'"));
        assert_eq!(t.message, "undefined variable 'x'");
        assert_eq!(t.position.unwrap().line, 3);
    }

    #[test]
    fn nix_2_3_one_line_and_unindented_trace() {
        let t = Trace::parse(&block(
            "error: while evaluating the attribute 'buildInputs' of the derivation 'x' at /src/default.nix:5:3:\nundefined variable 'foo' at /src/default.nix:7:20",
        ));
        assert_eq!(t.message, "undefined variable 'foo'");
        assert_eq!(t.position.as_ref().unwrap().line, 7);
        assert_eq!(t.frames[0].position.as_ref().unwrap().line, 5);
        assert_eq!(t.attribute().as_deref(), Some("buildInputs"));
    }

    const NIXPKGS: &str = "/nix/store/0fw3kxhp3zcqfa5gr3ymm7g2brwvmp3f-source";
    const USER: &str = "/nix/store/4bjsf2f7zmjmjlhb7bcl2sz9x38y7007-source";

    fn chosen(text: &str) -> (String, u32, u32) {
        let t = Trace::parse(&block(text));
        let (p, _) = t.culprit_position().unwrap();
        (p.file.clone(), p.line, p.column)
    }

    #[test]
    fn nix_2_4_to_2_17_frames_after_the_message_innermost_first() {
        let text = format!("error: value is a set while a list was expected\n\n       at {NIXPKGS}/pkgs/stdenv/generic/make-derivation.nix:300:7:\n\n          300|       buildInputs = map (drv: drv) buildInputs;\n             |       ^\n\n       … while evaluating the attribute 'buildInputs' of the derivation 'hello-1.0'\n\n       at {NIXPKGS}/pkgs/stdenv/generic/make-derivation.nix:270:7:\n\n       … while evaluating 'callPackageWith'\n\n       at {NIXPKGS}/lib/customisation.nix:117:35:\n\n       … from call site\n\n       at {USER}/pkgs/hello.nix:12:3:\n\n       … from call site\n\n       at {USER}/flake.nix:20:9:\n");
        assert_eq!(chosen(&text), (format!("{USER}/pkgs/hello.nix"), 12, 3));
    }

    #[test]
    fn nix_2_18_and_lix_frames_before_the_message_outermost_first() {
        let text = format!("error:\n       … while evaluating the attribute 'packages.x86_64-linux.default'\n         at {USER}/flake.nix:20:9:\n           20|         default = pkgs.callPackage ./pkgs/hello.nix {{ }};\n             |         ^\n\n       … while calling the 'derivationStrict' builtin\n         at «nix-internal»/derivation-internal.nix:37:12:\n\n       … from call site\n         at {USER}/pkgs/hello.nix:12:3:\n           12|   buildInputs = {{ }};\n             |   ^\n\n       … while calling 'mkDerivation'\n         at {NIXPKGS}/pkgs/stdenv/generic/make-derivation.nix:270:7:\n\n       … while calling 'map'\n         at {NIXPKGS}/lib/lists.nix:12:5:\n\n       error: value is a set while a list was expected\n");
        assert_eq!(chosen(&text), (format!("{USER}/pkgs/hello.nix"), 12, 3));
    }

    #[test]
    fn an_error_inside_library_code_stays_there() {
        let text = format!("error:\n       … while calling 'mkDerivation'\n         at {NIXPKGS}/pkgs/stdenv/generic/make-derivation.nix:270:7:\n\n       … while evaluating 'hasSuffix'\n         at {NIXPKGS}/lib/strings.nix:234:5:\n\n       error: expected a string but found a set\n");
        assert_eq!(
            chosen(&text),
            (format!("{NIXPKGS}/lib/strings.nix"), 234, 5)
        );
    }

    #[test]
    fn pseudo_files_are_not_files() {
        let text = format!("error: undefined variable 'x'\n\n       at «string»:1:1:\n\n       … while evaluating the file\n\n       at {USER}/default.nix:4:2:\n");
        assert_eq!(chosen(&text), (format!("{USER}/default.nix"), 4, 2));
        let builtin = format!("error:\n       … from call site\n         at {USER}/flake.nix:7:3:\n\n       … while calling the 'derivationStrict' builtin\n         at /builtin/derivation.nix:9:12: (source not available)\n\n       … while calling the 'derivationStrict' builtin\n         at <nix/derivation-internal.nix>:9:12:\n\n       error: boom\n");
        assert_eq!(chosen(&builtin), (format!("{USER}/flake.nix"), 7, 3));
        let none = "error:\n       … while calling the 'throw' builtin\n         at «none»:0: (source not available)\n\n       error: boom\n";
        assert!(Trace::parse(&block(none)).culprit_position().is_none());
    }

    #[test]
    fn nix_2_3_call_sites_and_trailing_positions() {
        let text = format!("error: while evaluating the attribute 'buildInputs' of the derivation 'hello-1.0' at {NIXPKGS}/pkgs/stdenv/generic/make-derivation.nix:191:11:\nwhile evaluating 'hasSuffix' at {NIXPKGS}/lib/strings.nix:234:5, called from {USER}/default.nix:12:20:\nvalue is a set while a string was expected, at {NIXPKGS}/lib/strings.nix:236:7\n");
        let t = Trace::parse(&block(&text));
        assert_eq!(t.message, "value is a set while a string was expected");
        assert_eq!(chosen(&text), (format!("{USER}/default.nix"), 12, 20));
    }

    #[test]
    fn nix_2_4_pre_release_block_format() {
        let text = format!("error: --- ThrownError --- nix-build\nat: (5:17) in file: {USER}/default.nix\n\n     4|   x = 1;\n     5|   y = throw \"no y here\";\n      |                 ^\n\nno y here\n");
        let t = Trace::parse(&block(&text));
        assert_eq!(t.message, "no y here");
        assert_eq!(chosen(&text), (format!("{USER}/default.nix"), 5, 17));
    }
}
