//! The integration tests: one binary driving the built `nfai` end to end.

mod common;
mod explain_failure;
mod fix;
mod hardening;
mod llm;
mod packaging;
mod review;
