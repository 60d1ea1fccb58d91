//! ordering: the same lines or archive entries in another order.

use super::Cause;
use crate::repro::FileChange;

pub struct Ordering;

impl Cause for Ordering {
    fn id(&self) -> &'static str {
        "ordering"
    }
    fn title(&self) -> &'static str {
        "unstable ordering"
    }
    fn doc(&self) -> &'static str {
        "The two outputs hold the same lines (or the same archive entries) in another order: \
something in the build lists files, hash-table keys or parallel results in an order that \
changes from run to run.

nfai recognises it when a changed file has exactly the same lines as before, only reordered \
(compared by an order-independent digest), or when an archive's entries come in another order.

Fix: sort what is written (`sort`, `find … | sort`, `LC_ALL=C`), create archives in name order \
(`tar --sort=name`, `zip` from a sorted list), or make the tool itself iterate in a stable order \
(sorted keys instead of hash order)."
    }
    fn fix(&self) -> &'static str {
        "sort what the build writes (e.g. `| LC_ALL=C sort`, `tar --sort=name`), or make the tool iterate in a stable order"
    }
    fn explains(&self, change: &FileChange) -> bool {
        change.facts.reordered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::causes::testing::{lines, with};
    use crate::repro::Facts;

    #[test]
    fn reordered_lines_only() {
        assert!(Ordering.explains(&with(Facts {
            reordered: true,
            ..Facts::default()
        })));
        assert!(!Ordering.explains(&lines("b", "a")));
    }
}
