//! The integration tests: one binary driving the built `nfai` end to end.

mod chat;
mod common;
mod explain_failure;
mod fix;
mod llm;
mod llm_layer;
mod llm_trust;
mod review;
