//! Nix itself: store paths, hash notations, and the one module that runs Nix commands.

pub mod confine;
pub mod edit;
pub mod flake_cli;
pub mod hash;
pub mod network;
pub mod nixpkgs;
pub mod runner;
pub mod store_path;
pub mod syntax;
