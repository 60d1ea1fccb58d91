//! One file per LLM backend.

pub mod offline;
pub mod openai;
