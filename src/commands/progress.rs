//! A progress indicator for long work (fix validation, large reviews): a spinner with the
//! elapsed time on standard error, only when that is a terminal outside CI. Reports go to
//! standard output, so the indicator never mixes into JSON, SARIF or any other format.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(120);
/// Work shorter than this shows nothing, so quick runs do not flicker.
const DELAY: Duration = Duration::from_millis(800);

/// Shows `message` with a spinner until dropped; the line is cleared afterwards.
pub struct Progress {
    running: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    pub fn start(message: &str) -> Progress {
        let term = std::env::var_os("TERM");
        let enabled = wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("CI").is_some(),
            term.as_deref().and_then(|t| t.to_str()),
        );
        if !enabled {
            return Progress { running: None };
        }
        let (stop, stopped) = mpsc::channel();
        let message = message.to_owned();
        let spinner = thread::spawn(move || {
            let start = Instant::now();
            let mut shown = false;
            for frame in ['|', '/', '-', '\\'].iter().cycle() {
                if stopped.recv_timeout(TICK) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
                if start.elapsed() >= DELAY {
                    let secs = start.elapsed().as_secs();
                    eprint!("\r{frame} {message} ({secs}s)\x1b[K");
                    let _ = std::io::stderr().flush();
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        Progress {
            running: Some((stop, spinner)),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((stop, spinner)) = self.running.take() {
            let _ = stop.send(());
            let _ = spinner.join();
        }
    }
}

/// A spinner only helps a person watching a terminal; logs of pipes and CI stay clean.
fn wanted(stderr_is_terminal: bool, ci: bool, term: Option<&str>) -> bool {
    stderr_is_terminal && !ci && term != Some("dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_on_an_interactive_terminal() {
        assert!(wanted(true, false, Some("xterm-256color")));
        assert!(wanted(true, false, None));
        assert!(!wanted(false, false, Some("xterm")));
        assert!(!wanted(true, true, Some("xterm")));
        assert!(!wanted(true, false, Some("dumb")));
    }
}
