//! host_identity: host names, user names and ids of the build recorded in the output.

use super::Cause;
use crate::repro::FileChange;

pub struct HostIdentity;

impl Cause for HostIdentity {
    fn id(&self) -> &'static str {
        "host_identity"
    }
    fn title(&self) -> &'static str {
        "host or user identity"
    }
    fn doc(&self) -> &'static str {
        "The build records who or where it ran: the host name (`hostname`, `uname -n`), the \
build user (`nixbld3`, `$USER`, `whoami`) or its numeric ids, often in version banners or as \
the owner of archive entries. Different build users or machines then give different outputs.

nfai recognises it when archive entry owners differ, or when the words that differ are build \
user names (`nixbld…`) or the name of this machine or user.

Fix: do not embed them: set fixed values (`--owner=0 --group=0 --numeric-owner` for tar, a \
constant `BUILD_HOST`/`BUILD_USER` in banners), or remove the banner."
    }
    fn fix(&self) -> &'static str {
        "do not record host or user names: `tar --owner=0 --group=0 --numeric-owner`, constant BUILD_HOST/BUILD_USER"
    }
    fn explains(&self, change: &FileChange) -> bool {
        if change.facts.fields.iter().any(|f| f.name == "owner") {
            return true;
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let user = std::env::var("USER").unwrap_or_default();
        let this: Vec<&str> = [host.trim(), user.as_str()]
            .into_iter()
            .filter(|s| s.len() > 2 && *s != "localhost" && *s != "root")
            .collect();
        change.facts.changed_words().iter().any(|w| {
            w.strip_prefix("nixbld")
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                || this.iter().any(|t| w.contains(t))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::causes::testing::{lines, with};
    use crate::repro::{Facts, Field};

    #[test]
    fn build_users_and_archive_owners() {
        assert!(HostIdentity.explains(&lines("built by nixbld1", "built by nixbld7")));
        let owner = Field {
            name: "owner",
            before: "1:1".into(),
            after: "2:2".into(),
        };
        assert!(HostIdentity.explains(&with(Facts {
            fields: vec![owner],
            ..Facts::default()
        })));
        assert!(!HostIdentity.explains(&lines("v 1", "v 2")));
    }
}
