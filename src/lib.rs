//! nfai: explains failing Nix builds, offline first.
//!
//! Data flow: `log` reads a log into a bounded `BuildLog`; `diagnose` splits it into failure
//! sites and asks the category registry; `render` prints the finding; `commands` orchestrates
//! and is the only layer that writes user files; `nix::runner` is the only code that runs Nix.

pub mod cli;
pub mod commands;
pub mod diagnose;
pub mod fix;
pub mod genflake;
pub mod git;
pub mod knowledge;
pub mod llm;
pub mod log;
pub mod nix;
pub mod render;
pub mod repro;
pub mod review;
pub mod validate;
