//! The integration tests: one binary driving the built `nfai` end to end.

mod chat;
mod commit;
mod common;
mod explain_failure;
mod fix;
mod gen_derivation;
mod gen_flake;
mod hardening;
mod llm;
mod llm_layer;
mod llm_trust;
mod packaging;
mod repro;
mod review;
