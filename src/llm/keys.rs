//! Where an LLM server's API key comes from, and where it may go: nfai's own setting
//! (`NFAI_LLM_API_KEY`) for any server, a provider's own variable only for that provider's
//! host, else the system keyring (Secret Service; kernel keyutils on headless Linux).

use std::sync::LazyLock;

use super::providers;

/// The keyring service the API keys are stored under (user: the server URL).
pub const KEYRING_SERVICE: &str = "nfai";

/// Where a key was found, for messages (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Nfai,
    Provider(&'static str),
    Keyring,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Nfai => f.write_str("NFAI_LLM_API_KEY"),
            Source::Provider(var) => f.write_str(var),
            Source::Keyring => f.write_str("the system keyring"),
        }
    }
}

/// The key to send to `url`, and where it came from.
pub fn api_key(url: &str) -> Option<(String, Source)> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(key) = env("NFAI_LLM_API_KEY") {
        return Some((key, Source::Nfai));
    }
    if let Some(p) = providers::for_url(url) {
        if let Some(key) = env(p.key_var) {
            return Some((key, Source::Provider(p.key_var)));
        }
    }
    entry(url)
        .ok()?
        .get_password()
        .ok()
        .map(|k| (k, Source::Keyring))
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no keyring is available here ({0}); set NFAI_LLM_API_KEY in the environment instead")]
    NoKeyring(String),
    #[error("the keyring refused: {0}")]
    Keyring(#[from] keyring_core::Error),
}

/// The keyring entry for `url`'s key.
pub fn entry(url: &str) -> Result<keyring_core::Entry, KeyError> {
    STORE.as_ref().map_err(|e| KeyError::NoKeyring(e.clone()))?;
    Ok(keyring_core::Entry::new(KEYRING_SERVICE, url)?)
}

/// The default credential store, chosen once: the desktop's Secret Service when it answers,
/// else (Linux) the kernel's keyutils, which needs no desktop session.
static STORE: LazyLock<Result<(), String>> = LazyLock::new(|| {
    let desktop = keyring::Entry::store_status()
        .as_ref()
        .map_err(|e| e.to_string());
    match desktop {
        Ok(()) => Ok(()),
        #[cfg(target_os = "linux")]
        Err(why) => linux_keyutils_keyring_store::Store::new()
            .map(|store| keyring_core::set_default_store(store))
            .map_err(|e| format!("no Secret Service ({why}), no kernel keyutils ({e})")),
        #[cfg(not(target_os = "linux"))]
        Err(why) => Err(why),
    }
});
