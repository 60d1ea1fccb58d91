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
mod public_logs;
mod repro;
mod review;
mod review_advice;
mod review_ci;
