//! Fuzzes failure-site splitting and the diagnosis of whatever log the reader accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nfai::diagnose::{self, Context, Workspace};

fuzz_target!(|data: &[u8]| {
    let Ok(log) = nfai::log::read_bytes(data, diagnose::triggers()) else {
        return;
    };
    let sites = diagnose::site::sites(&log);
    for s in &sites {
        let _ = (s.drv(), s.message());
    }
    // No workspace roots: file lookups stay out of the machine's directories.
    let ctx = Context {
        workspace: Workspace::new(Vec::new()),
        full_log: &|_| None,
    };
    let finding = diagnose::diagnose(&log, &ctx);
    assert!((0.0..=1.0).contains(&finding.confidence), "{finding:?}");
});
