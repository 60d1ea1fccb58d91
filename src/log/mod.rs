//! Reading Nix logs: streaming, ANSI and decorations removed, internal-json decoded.

pub mod ansi;
pub mod internal_json;
pub mod model;
pub mod prefix;
pub mod reader;
pub mod triggers;

pub use model::{Block, BuildLog, LogLine, Position};
pub use reader::{read, read_bytes, ReadError};
pub use triggers::Triggers;
