//! Fuzzes review's flake.nix and flake.lock readers and the lock graph helpers.
#![no_main]

use libfuzzer_sys::{arbitrary::Arbitrary, fuzz_target};
use nfai::review::flake::Flake;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    flake: &'a str,
    lock: Option<&'a str>,
    path: Vec<String>,
}

fuzz_target!(|input: Input| {
    let flake = Flake::new(
        "sub/flake.nix",
        input.flake.to_owned(),
        input.lock.map(|l| ("sub/flake.lock".to_owned(), l)),
    );
    let _ = flake.path("flake.lock");
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
    let _ = lock.resolve(&input.path);
});
