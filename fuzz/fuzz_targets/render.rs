//! Fuzzes every renderer with arbitrary strings: JSON, SARIF and GitLab's report stay valid
//! JSON with every finding in it, GitHub annotations stay one line each, and Markdown (of
//! explain-failure and of review) keeps the input's text out of markup.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nfai::diagnose::{self, Attempt, Culprit, Evidence, Fix, Secondary};
use nfai::nix::edit::TextEdit;
use nfai::render::review::{render, ReviewFormat};
use nfai::render::style::{ColorChoice, Style};
use nfai::review::{self, rules::RULES, Note, Report, Stats};
use pulldown_cmark::{Event, Options, Parser, Tag};

#[derive(Arbitrary, Debug)]
struct Input {
    strings: Vec<String>,
    numbers: Vec<u32>,
    flags: u16,
}

/// Hands out the fuzzer's strings and numbers in turn.
struct Source<'a> {
    input: &'a Input,
    s: usize,
    n: usize,
}

impl Source<'_> {
    fn text(&mut self) -> String {
        self.s += 1;
        let all = &self.input.strings;
        if all.is_empty() {
            String::new()
        } else {
            all[self.s % all.len()].clone()
        }
    }
    fn number(&mut self) -> u32 {
        self.n += 1;
        let all = &self.input.numbers;
        if all.is_empty() {
            0
        } else {
            all[self.n % all.len()]
        }
    }
    fn flag(&self, bit: u16) -> bool {
        self.input.flags & (1 << bit) != 0
    }
}

fuzz_target!(|input: Input| {
    let mut src = Source {
        input: &input,
        s: 0,
        n: 0,
    };
    explain_failure(&mut src);
    review(&mut src);
});

fn explain_failure(src: &mut Source) {
    let c = diagnose::CATEGORIES[src.number() as usize % diagnose::CATEGORIES.len()];
    let mut f = diagnose::Finding::no_failure(&diagnose::explanation(c));
    f.category = c.id();
    f.summary = src.text();
    f.derivation = src.flag(0).then(|| src.text());
    f.package = src.flag(1).then(|| src.text());
    f.culprit = src.flag(2).then(|| Culprit {
        file: Some(src.text()),
        line: Some(src.number()),
        column: Some(src.number()),
        attribute: src.flag(3).then(|| src.text()),
        local: src.flag(7),
        source_path: src.flag(8).then(|| src.text()),
    });
    for _ in 0..src.number() % 4 {
        f.evidence.push(Evidence {
            line: u64::from(src.number()),
            text: src.text(),
            source: src.flag(4).then(|| src.text()),
        });
    }
    if src.flag(5) {
        let validated = ["none", "parse", "eval", "build"][src.number() as usize % 4];
        f.fix = Some(Fix {
            description: src.text(),
            edits: Vec::new(),
            commands: (0..src.number() % 3).map(|_| src.text()).collect(),
            diff: src.flag(6).then(|| src.text()),
            validated,
            attempts: (0..src.number() % 3)
                .map(|_| Attempt {
                    description: src.text(),
                    diff: src.text(),
                    validated,
                    error: src.flag(7).then(|| src.text()),
                    check: src.flag(8).then(|| src.text()),
                })
                .collect(),
            rounds: Vec::new(),
        });
    }
    for _ in 0..src.number() % 3 {
        f.secondary.push(Secondary {
            category: c.id(),
            summary: src.text(),
            derivation: src.flag(9).then(|| src.text()),
        });
    }
    f.snippet = (0..src.number() % 3)
        .map(|_| (src.number(), src.text()))
        .collect();

    let _ = nfai::render::human::finding(&f, Style::new(ColorChoice::Always));
    let _ = nfai::render::human::finding(&f, Style::plain());
    let json = nfai::render::json::finding(&f);
    serde_json::from_str::<serde_json::Value>(&json).expect("valid JSON");
    let md = nfai::render::markdown::finding(&f);
    assert_no_markup(
        &md,
        &[
            "<details><summary>Evidence from the log</summary>",
            "</details>",
        ],
    );
}

fn review(src: &mut Source) {
    let mut findings = Vec::new();
    for _ in 0..src.number() % 4 {
        let rule = RULES[src.number() as usize % RULES.len()];
        let mut f = review::Finding::new(rule, src.text());
        if src.flag(10) {
            let text = src.text();
            let a = boundary(&text, src.number() as usize % (text.len() + 1));
            let b = boundary(&text, src.number() as usize % (text.len() + 1));
            f = f.at(&src.text(), &text, a.min(b)..a.max(b));
        } else if src.flag(11) {
            f = f.in_file(&src.text());
        }
        if src.flag(12) {
            f = f.help(src.text());
        }
        if src.flag(13) {
            f = f.command(src.text());
        }
        if src.flag(14) {
            let edits = (0..src.number() % 3)
                .map(|_| {
                    let (a, b) = (src.number() as usize, src.number() as usize);
                    TextEdit::replace(src.text(), a.min(b)..a.max(b), src.text())
                })
                .collect();
            f = f.fix(src.text(), edits);
        }
        findings.push(f);
    }
    let notes = (0..src.number() % 3)
        .map(|_| Note {
            file: src.flag(15).then(|| src.text()),
            message: src.text(),
        })
        .collect();
    let skipped = (0..src.number() % 2)
        .map(|_| Note {
            file: src.flag(14).then(|| src.text()),
            message: src.text(),
        })
        .collect();
    let report = Report {
        findings,
        notes,
        skipped,
        stats: Stats::default(),
        commit_range: src.flag(15).then(|| src.text()),
    };
    let _ = render(
        &report,
        ReviewFormat::Human,
        Style::new(ColorChoice::Always),
    );
    let md = render(&report, ReviewFormat::Markdown, Style::plain());
    assert_no_markup(
        &md,
        &[
            "<details><summary>How to fix</summary>",
            "<details><summary>Notes</summary>",
            "</details>",
        ],
    );
    // One table row per finding: no text ends a row or the table early.
    let rows = Parser::new_ext(&md, Options::ENABLE_TABLES)
        .filter(|e| matches!(e, Event::Start(Tag::TableRow)))
        .count();
    assert_eq!(rows, report.findings.len(), "table rows in\n{md}");
    for format in [
        ReviewFormat::Json,
        ReviewFormat::Sarif,
        ReviewFormat::Gitlab,
    ] {
        let out = render(&report, format, Style::plain());
        let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        let listed = match format {
            ReviewFormat::Json => json["findings"].as_array().map(Vec::len),
            ReviewFormat::Sarif => json["runs"][0]["results"].as_array().map(Vec::len),
            _ => None,
        };
        if let Some(listed) = listed {
            assert_eq!(listed, report.findings.len(), "{format:?}: {out}");
        }
    }
    let github = render(&report, ReviewFormat::Github, Style::plain());
    assert_eq!(
        github.lines().count(),
        report.findings.len() + report.notes.len() + report.skipped.len(),
        "one workflow command per line:\n{github}"
    );
    assert!(
        github.lines().all(|l| l.starts_with("::")),
        "every line a workflow command:\n{github}"
    );
}

/// The char boundary at or before `at`: rules only ever point at whole characters.
fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Markdown built from untrusted text must hold no HTML but the template's, no links or
/// images, and no headings but the title.
fn assert_no_markup(md: &str, template_html: &[&str]) {
    let mut headings = 0;
    for event in Parser::new(md) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                let mut rest = h.to_string();
                for t in template_html {
                    rest = rest.replace(t, "");
                }
                assert!(!rest.contains('<'), "HTML from the input: {h:?} in\n{md}");
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                panic!("link from the input in\n{md}")
            }
            Event::Start(Tag::Heading { .. }) => headings += 1,
            _ => {}
        }
    }
    assert!(headings <= 1, "heading from the input in\n{md}");
}
