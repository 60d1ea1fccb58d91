//! gen-flake: turns shell scripts into a pinned flake that declares exactly the tools they
//! use. `script` finds the tools, `flake` writes the Nix, `lock` pins nixpkgs.

pub mod flake;
pub mod lock;
pub mod project;
pub mod script;
pub mod workspace;
