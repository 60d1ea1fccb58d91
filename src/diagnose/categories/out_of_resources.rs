//! out_of_resources: the build ran out of disk space or memory, or exceeded a time limit;
//! the derivation itself may be fine.

use crate::diagnose::{Category, Site, Verdict};
use crate::log::LogLine;

pub struct OutOfResources;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Resource {
    Disk,
    Memory,
    /// Killed by SIGKILL: almost always the kernel's out-of-memory killer.
    Killed,
    Time,
}

/// Literal wordings, most certain first.
const SIGNS: &[(&str, Resource, f32)] = &[
    ("No space left on device", Resource::Disk, 0.95),
    ("Disk quota exceeded", Resource::Disk, 0.95),
    ("std::bad_alloc", Resource::Memory, 0.92),
    ("Cannot allocate memory", Resource::Memory, 0.92),
    ("cannot allocate memory", Resource::Memory, 0.92),
    ("out of memory", Resource::Memory, 0.9),
    ("Out of memory", Resource::Memory, 0.9),
    ("memory exhausted", Resource::Memory, 0.9),
    ("java.lang.OutOfMemoryError", Resource::Memory, 0.92),
    ("JavaScript heap out of memory", Resource::Memory, 0.92),
    ("Killed signal terminated program", Resource::Killed, 0.92),
    ("terminated with signal 9", Resource::Killed, 0.9),
    ("killed by signal 9", Resource::Killed, 0.9),
    ("signal 9 (Killed)", Resource::Killed, 0.88),
    ("SIGKILL: kill", Resource::Killed, 0.85),
    ("timed out after", Resource::Time, 0.9),
    ("silent for", Resource::Time, 0.85),
    ("] Error 137", Resource::Killed, 0.75),
];

/// `foo: Killed` or bash's `line 12:  4242 Killed  make -j16`.
fn killed_line(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(" Killed") || t.contains(" Killed    ") || t.contains(" Killed\t")
}

fn find(site: &Site) -> Option<(&LogLine, Resource, f32)> {
    SIGNS
        .iter()
        .find_map(|(sign, r, c)| site.line_with(sign).map(|l| (l, *r, *c)))
        .or_else(|| site.find(killed_line).map(|l| (l, Resource::Killed, 0.75)))
}

impl Category for OutOfResources {
    fn id(&self) -> &'static str {
        "out_of_resources"
    }
    fn title(&self) -> &'static str {
        "Out of disk space, memory or time"
    }
    fn doc(&self) -> &'static str {
        "The build ran out of a machine resource: the disk filled up (\"No space left on \
device\"), memory ran out (\"std::bad_alloc\", \"Killed signal terminated program cc1plus\", \
\"failed due to signal 9 (Killed)\"), or it exceeded a time limit (\"timed out after 3600 \
seconds\"). The derivation may be perfectly fine: the same build succeeds on a bigger \
machine.

Why: large C++/Rust builds use several GB of memory per parallel job, and Nix runs \
`--max-jobs` builds with `--cores` jobs each; the Linux out-of-memory killer ends the \
biggest process with signal 9. The store and the build directory (/tmp) share the disk with \
every old generation. CI runners have small disks and time limits.

Fix: free or add the resource, or use less of it at once:

    nix-collect-garbage -d                          # free store space (deletes old generations)
    nix build --cores 2 --max-jobs 1 .#app          # fewer parallel compiler jobs
    # in the derivation, for a build that is too parallel:
    enableParallelBuilding = false;

Adding swap (or zram) helps memory-hungry links; a larger `--timeout`/`--max-silent-time` \
helps slow builds, but a build silent for a long time is often waiting for the network or \
input."
    }
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "No space left on device",
            "Disk quota exceeded",
            "bad_alloc",
            "allocate memory",
            "out of memory",
            "Out of memory",
            "memory exhausted",
            "OutOfMemoryError",
            "Killed",
            "signal 9",
            "SIGKILL",
            "timed out after",
            "silent for",
            "Error 137",
        ]
    }
    fn classify(&self, site: &Site) -> Option<Verdict> {
        let (line, resource, confidence) = find(site)?;
        let (summary, fix) = match resource {
            Resource::Disk => (
                "the disk ran out of space during the build",
                "free disk space (`nix-collect-garbage -d` deletes old generations and unused store paths; check the build directory's filesystem, usually /tmp) and build again",
            ),
            Resource::Memory => (
                "the build ran out of memory",
                "use fewer parallel jobs (`--cores 2 --max-jobs 1`, or `enableParallelBuilding = false;` for this derivation), add swap, or build on a machine with more memory",
            ),
            Resource::Killed => (
                "a build process was killed (signal 9), most likely by the out-of-memory killer",
                "use fewer parallel jobs (`--cores 2 --max-jobs 1`, or `enableParallelBuilding = false;` for this derivation), add swap, or build on a machine with more memory",
            ),
            Resource::Time => (
                "the build exceeded a time limit",
                "if the build is just slow, raise the limit (`--timeout`, `--max-silent-time`, or the CI job's limit); if it hangs, find what it waits for (often network access or an interactive prompt)",
            ),
        };
        let v = Verdict::new(confidence, summary).cite(site, line).fix(fix);
        Some(if resource == Resource::Disk {
            v.command("nix-collect-garbage -d")
        } else {
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::categories::verdict_for;

    #[test]
    fn disk_memory_kill_and_time() {
        for (log, word) in [
            ("cp: error writing 'x': No space left on device\n", "disk"),
            ("terminate called after throwing an instance of 'std::bad_alloc'\n", "memory"),
            ("c++: fatal error: Killed signal terminated program cc1plus\n", "signal 9"),
            ("error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' failed due to signal 9 (Killed)\n", "signal 9"),
            ("/nix/store/x-stdenv/setup: line 1: 4242 Killed                  make -j16\n", "signal 9"),
            ("error: building of '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' timed out after 3600 seconds of silence\n", "time"),
        ] {
            let v = verdict_for(&OutOfResources, log).unwrap_or_else(|| panic!("{log}"));
            assert!(v.summary.contains(word), "{log}: {}", v.summary);
        }
    }

    #[test]
    fn ordinary_failures_are_not_resources() {
        assert!(verdict_for(&OutOfResources, "error: builder for '/nix/store/86d4irx7npksrmy7g27lhhfxrx9vp4fi-app-1.0.drv' failed with exit code 2\n").is_none());
        assert!(verdict_for(&OutOfResources, "test killed_process_is_reaped ... ok\n").is_none());
    }
}
