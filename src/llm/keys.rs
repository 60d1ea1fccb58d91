//! Where an LLM server's API key comes from, and where it may go: nfai's own setting
//! (`NFAI_LLM_API_KEY`) for any server, a provider's own variable only for that provider's
//! host, else the system keyring (Secret Service; the kernel keyring on headless Linux).

use super::providers;

/// The keyring service the API keys are stored under (user: the server URL).
pub const KEYRING_SERVICE: &str = "nfai";

/// Where a key was found, for messages (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Nfai,
    Provider(&'static str),
    Command,
    Keyring,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Nfai => f.write_str("NFAI_API_KEY"),
            Source::Command => f.write_str("the config's key-command"),
            Source::Provider(var) => f.write_str(var),
            Source::Keyring => f.write_str("the system keyring"),
        }
    }
}

/// The key to send to `url`, and where it came from: `NFAI_API_KEY` (or the older
/// `NFAI_LLM_API_KEY`), the provider's own variable for its own host only, the config's
/// `key-command`, the keyring.
pub fn api_key(url: &str, key_command: Option<&str>) -> Option<(String, Source)> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    for var in ["NFAI_API_KEY", "NFAI_LLM_API_KEY"] {
        if let Some(key) = env(var) {
            return Some((key, Source::Nfai));
        }
    }
    if let Some(p) = providers::for_url(url) {
        if let Some(key) = env(p.key_var) {
            return Some((key, Source::Provider(p.key_var)));
        }
    }
    if let Some(key) = key_command.and_then(run_key_command) {
        return Some((key, Source::Command));
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
    #[error("the keyring refused: {0}; set NFAI_LLM_API_KEY in the environment instead")]
    Refused(String),
}

/// The stored key of one server URL.
pub enum Entry {
    /// The desktop's Secret Service (or the platform's own store).
    Desktop(keyring_core::Entry),
    /// The kernel's user keyring: needs no desktop session, lives until reboot (linked to
    /// the persistent keyring where the kernel allows, which outlives logins).
    #[cfg(target_os = "linux")]
    Kernel(String),
}

/// The keyring entry for `url`'s key: the desktop's store when it answers, else (Linux) the
/// kernel keyring.
pub fn entry(url: &str) -> Result<Entry, KeyError> {
    match keyring::Entry::store_status() {
        Ok(()) => keyring_core::Entry::new(KEYRING_SERVICE, url)
            .map(Entry::Desktop)
            .map_err(|e| KeyError::Refused(e.to_string())),
        #[cfg(target_os = "linux")]
        Err(_) => Ok(Entry::Kernel(format!("{KEYRING_SERVICE}:{url}"))),
        #[cfg(not(target_os = "linux"))]
        Err(e) => Err(KeyError::NoKeyring(e.to_string())),
    }
}

impl Entry {
    pub fn get_password(&self) -> Result<String, KeyError> {
        match self {
            Entry::Desktop(e) => e.get_password().map_err(refused),
            #[cfg(target_os = "linux")]
            Entry::Kernel(name) => {
                let key = user_keyring()?.search(name).map_err(refused)?;
                let bytes = key.read_to_vec().map_err(refused)?;
                String::from_utf8(bytes).map_err(refused)
            }
        }
    }

    pub fn set_password(&self, key: &str) -> Result<(), KeyError> {
        match self {
            Entry::Desktop(e) => e.set_password(key).map_err(refused),
            #[cfg(target_os = "linux")]
            Entry::Kernel(name) => {
                let added = user_keyring()?.add_key(name, key).map_err(refused)?;
                // Best effort: containers often deny the persistent keyring.
                if let Ok(persistent) =
                    linux_keyutils::KeyRing::get_persistent(linux_keyutils::KeyRingIdentifier::User)
                {
                    let _ = persistent.link_key(added);
                }
                Ok(())
            }
        }
    }

    pub fn delete_credential(&self) -> Result<(), KeyError> {
        match self {
            Entry::Desktop(e) => e.delete_credential().map_err(refused),
            #[cfg(target_os = "linux")]
            Entry::Kernel(name) => user_keyring()?
                .search(name)
                .and_then(|k| k.invalidate())
                .map_err(refused),
        }
    }
}

#[cfg(target_os = "linux")]
fn user_keyring() -> Result<linux_keyutils::KeyRing, KeyError> {
    linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::User, true)
        .map_err(|e| KeyError::NoKeyring(format!("kernel keyring: {e}")))
}

fn refused(e: impl std::fmt::Display) -> KeyError {
    KeyError::Refused(e.to_string())
}

/// The first line a key command prints; `None` when it fails.
fn run_key_command(line: &str) -> Option<String> {
    let out = std::process::Command::new("sh")
        .args(["-c", line])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let key = text.lines().next()?.trim();
    (out.status.success() && !key.is_empty()).then(|| key.to_owned())
}
