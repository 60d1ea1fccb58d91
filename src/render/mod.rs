//! Renders findings for people and machines. Renderers return text; the command layer
//! decides where it goes.

pub mod diff;
pub mod human;
pub mod inert;
pub mod json;
pub mod markdown;
pub mod repro;
pub mod review;
pub mod style;

/// Output formats of `explain-failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}
