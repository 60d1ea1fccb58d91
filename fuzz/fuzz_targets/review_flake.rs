//! Fuzzes review's flake.nix and flake.lock readers and the lock graph queries. Input:
//! flake.nix, then after a NUL byte flake.lock, then after another an input path (names
//! separated by `/`), so fixture flakes seed it as is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nfai::review::flake::{Flake, Lock};

fuzz_target!(|text: &str| {
    let mut parts = text.splitn(3, '\0');
    let nix = parts.next().unwrap_or_default();
    let lock = parts.next();
    let path: Vec<String> = parts
        .next()
        .unwrap_or_default()
        .split('/')
        .map(str::to_owned)
        .collect();
    let mut flake = Flake::new(
        "sub/flake.nix",
        nix.to_owned(),
        nfai::nix::syntax::parse(nix),
    );
    flake.lock = lock.map(|l| Lock::parse("sub/flake.lock", l).map_err(|e| e.to_string()));
    let _ = flake.path("flake.lock");
    let _ = flake.output_sets();
    let _ = flake.has_description();
    let Some(lock) = flake.valid_lock() else {
        return;
    };
    let root = lock.root_name().to_owned();
    for (name, _) in lock.root_inputs() {
        let _ = lock.node(&name);
        let _ = lock.node_range(&name);
        let _ = lock.is_nixpkgs(&name);
        let _ = lock.inputs_of(&name);
        let _ = flake.input(&name);
    }
    let _ = lock.node_range(&root);
    let _ = lock.resolve(&path);
});
