//! The default backend: no LLM at all. nfai's deterministic classifiers and fixers are the
//! offline answer; this backend adds no proposals and never touches the network.

use crate::llm::{Backend, Proposals, Request, Settings};

pub struct Offline;

impl Backend for Offline {
    fn id(&self) -> &'static str {
        "offline"
    }

    fn propose<'a>(&'a self, _settings: &'a Settings, _request: &'a Request) -> Proposals<'a> {
        Box::pin(async { Ok(Vec::new()) })
    }
}
