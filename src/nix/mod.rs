//! Nix itself: store paths, hash notations, and the one module that runs Nix commands.

pub mod edit;
pub mod hash;
pub mod runner;
pub mod store_path;
pub mod syntax;
