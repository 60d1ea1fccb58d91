//! Fuzzes the log reader and the internal-json decoder with arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nfai::log::read_bytes(data, nfai::diagnose::triggers());
    // The decoder also sees single records, not only what the reader's filter lets through.
    for line in String::from_utf8_lossy(data).lines() {
        let record = line.strip_prefix("@nix ").unwrap_or(line);
        let _ = nfai::log::internal_json::parse(record);
    }
});
