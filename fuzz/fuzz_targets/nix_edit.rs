//! Fuzzes the Nix edit layer: arbitrary byte-range edits are applied exactly or refused, and
//! the structural edits of a file that parses give a file that still parses. Input: Nix text,
//! then after a NUL byte the bytes the edits are drawn from (so .nix files seed it as is).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use nfai::fix::rewrite::NixFile;
use nfai::nix::edit::{self, TextEdit};
use nfai::nix::syntax;
use rnix::SyntaxKind;

#[derive(Arbitrary, Debug)]
struct Edits<'a> {
    /// Picks the name the structural edits use; fixers only ever pass identifiers.
    name: u8,
    ranges: Vec<(u16, u16, &'a str)>,
}

const NAMES: &[&str] = &[
    "buildInputs",
    "nativeBuildInputs",
    "cmake",
    "preBuild",
    "x",
    "pkgs",
];

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let Ok(text) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let rest = data.get(split + 1..).unwrap_or_default();
    let Ok(input) = Edits::arbitrary_take_rest(Unstructured::new(rest)) else {
        return;
    };
    let edits: Vec<TextEdit> = input
        .ranges
        .iter()
        .map(|&(a, b, t)| TextEdit::replace("f.nix", usize::from(a)..usize::from(b), t))
        .collect();
    let refs: Vec<&TextEdit> = edits.iter().collect();
    if let Ok(out) = edit::apply(text, &refs) {
        assert_eq!(out, splice(text, &refs));
    }

    let Some(file) = NixFile::parse("f.nix".as_ref(), text.to_owned()) else {
        return;
    };
    let name = NAMES[usize::from(input.name) % NAMES.len()];
    let mut structural: Vec<TextEdit> = file.add_formal(name).into_iter().collect();
    for set in file
        .root
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_ATTR_SET)
        .take(4)
    {
        structural.extend(file.add_list_element(&set, name, "hello"));
        structural.extend(file.remove_list_element(&set, name, "hello"));
        structural.extend(file.add_hook_line(&set, name, "echo hi"));
        structural.push(file.add_binding(&set, name, "1"));
    }
    for e in &structural {
        let out = edit::apply(&file.text, &[e]).expect("structural edits stay in bounds");
        let parse = syntax::parse(&out);
        assert!(
            parse.errors().is_empty(),
            "{e:?} breaks the file:\n{out}\n{:?}",
            parse.errors()
        );
    }
});

/// The reference: sorted, de-duplicated edits applied by building the text left to right.
fn splice(text: &str, edits: &[&TextEdit]) -> String {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    sorted.dedup();
    let mut out = String::new();
    let mut at = 0;
    for e in sorted {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.new_text);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    out
}
