//! The integration tests: one binary driving the built `nfai` end to end.

mod commit;
mod common;
mod explain_failure;
mod fix;
mod llm;
mod repro;
mod review;
