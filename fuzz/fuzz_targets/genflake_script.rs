//! Fuzzes gen-flake's script analysis (brush-parser and nfai's walk of its tree): any bytes,
//! as a script file, give an analysis or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let dir = std::env::temp_dir().join(format!("nfai-fuzz-script-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("script.sh");
    if std::fs::write(&path, bytes).is_ok() {
        let _ = nfai::genflake::script::analyze_file(&path, &dir);
    }
});
