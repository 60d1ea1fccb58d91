//! Fixes: knowledge of which nixpkgs attribute provides what, for the fix descriptions and
//! the deterministic fixers.

pub mod packages;
