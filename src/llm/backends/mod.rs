//! One file per LLM backend.

pub mod command;
pub mod offline;
pub mod openai;
pub mod replay;
