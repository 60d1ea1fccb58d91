//! Fuzzes the parser of LLM answers: any text gives proposals or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = nfai::llm::parse_answer(text);
});
