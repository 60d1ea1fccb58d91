//! The only module that runs Nix: the user's failing command (teeing its output live while
//! it is analysed), `nix-store --read-log` for full build logs, the checks of proposed
//! fixes (untrusted ones confined, see `confine`), and the builds and rebuilds of
//! `nfai repro`.

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::log::{self, BuildLog, Triggers};
use crate::nix::confine::{Untrusted, ENV_KEPT};

/// How long fetching one full build log from the store may take.
const READ_LOG_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot run `{program}`: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("waiting for `{program}` failed: {source}")]
    Wait { program: String, source: io::Error },
    /// The command ran, exiting with `code`, but its output could not be analysed.
    #[error("{source}")]
    Log { code: i32, source: log::ReadError },
}

/// The outcome of running the user's command.
pub struct Run {
    /// The command's exit code; a signal death maps to 128 + the signal like a shell does.
    pub code: i32,
    pub log: BuildLog,
}

/// Runs `argv` exactly as given, passing its stderr through to ours as it arrives while
/// analysing it; stdout and stdin are the user's.
pub fn run_and_analyse(argv: &[String], triggers: &Triggers) -> Result<Run, RunError> {
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = Command::new(&program)
        .args(&argv[1..])
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| RunError::Spawn {
            program: program.clone(),
            source,
        })?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut tee = Tee {
        inner: stderr,
        out: io::stderr(),
    };
    let log = log::read(&mut tee, triggers);
    if log.is_err() {
        // The reader gave up early (binary output): keep passing the rest through, so the
        // command neither blocks on a full pipe nor loses output.
        let _ = io::copy(&mut tee, &mut io::sink());
    }
    let status = child
        .wait()
        .map_err(|source| RunError::Wait { program, source })?;
    let code = exit_code(status);
    Ok(Run {
        code,
        log: log.map_err(|source| RunError::Log { code, source })?,
    })
}

/// The full log of `drv` from the local store, analysed; `None` when Nix has none or is not
/// installed.
pub fn full_build_log(drv: &str, triggers: &Triggers) -> Option<BuildLog> {
    let attempts: [&[&str]; 2] = [
        &["nix-store", "--read-log"],
        &["nix", "--extra-experimental-features", "nix-command", "log"],
    ];
    attempts
        .iter()
        .find_map(|argv| read_log_with(argv, drv, triggers))
}

fn read_log_with(argv: &[&str], drv: &str, triggers: &Triggers) -> Option<BuildLog> {
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .arg(drv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    let log = thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let result = log::read(stdout, triggers);
            let _ = tx.send(());
            result
        });
        if rx.recv_timeout(READ_LOG_TIMEOUT).is_err() {
            let _ = child.kill();
        }
        reader.join()
    });
    let status = child.wait().ok()?;
    let log = log.ok()?.ok()?;
    (status.success() && !log.is_empty()).then_some(log)
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    status.code().unwrap_or(1)
}

struct Tee<R, W> {
    inner: R,
    out: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // The user must keep seeing the output even if our stderr is gone.
        let _ = self.out.write_all(&buf[..n]);
        let _ = self.out.flush();
        Ok(n)
    }
}

/// Longest stderr kept from one validation step; builds can be chatty.
const MAX_CAPTURE: usize = 32 << 20;

/// A validation step's outcome.
pub struct Step {
    /// `None` when the step timed out (and was killed).
    pub code: Option<i32>,
    pub stderr: Vec<u8>,
    pub stdout: Vec<u8>,
}

impl Step {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The last lines of stderr, for an error message.
    pub fn tail(&self, lines: usize) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// Runs a Nix command in `cwd` for validation, capturing its stderr; killed after
/// `timeout`. Dropping the future kills the process too (Ctrl-C).
pub async fn run_step(
    argv: &[String],
    cwd: &std::path::Path,
    timeout: Duration,
) -> Result<Step, RunError> {
    spawn_step(
        tokio::process::Command::new(argv.first().map_or("", |s| s)),
        argv,
        cwd,
        timeout,
    )
    .await
}

/// Runs a confined check of untrusted code: its confinement is in the arguments, and its
/// environment holds only what Nix needs (no tokens, keys or shell state).
pub async fn run_untrusted(
    argv: &Untrusted,
    cwd: &std::path::Path,
    timeout: Duration,
) -> Result<Step, RunError> {
    let argv = argv.argv();
    let mut cmd = tokio::process::Command::new(argv.first().map_or("", |s| s));
    cmd.env_clear();
    for (name, value) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| ENV_KEPT.contains(&n)) {
            cmd.env(name, value);
        }
    }
    spawn_step(cmd, argv, cwd, timeout).await
}

async fn spawn_step(
    mut command: tokio::process::Command,
    argv: &[String],
    cwd: &std::path::Path,
    timeout: Duration,
) -> Result<Step, RunError> {
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = command
        .args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| RunError::Spawn {
            program: program.clone(),
            source,
        })?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let work = async {
        // Both pipes are drained together, so a chatty one cannot block the other.
        let (err, out) = tokio::try_join!(capture(stderr), capture(stdout))?;
        let status = child.wait().await?;
        Ok::<_, io::Error>((status, err, out))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok((status, stderr, stdout))) => Ok(Step {
            code: Some(exit_code(status)),
            stderr,
            stdout,
        }),
        Ok(Err(source)) => Err(RunError::Wait { program, source }),
        Err(_) => Ok(Step {
            code: None,
            stderr: format!("timed out after {}s", timeout.as_secs()).into_bytes(),
            stdout: Vec::new(),
        }),
    }
}

/// The last [`MAX_CAPTURE`] bytes of a pipe.
async fn capture(mut pipe: impl tokio::io::AsyncRead + Unpin) -> io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = pipe.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_CAPTURE {
            buf.drain(..buf.len() - MAX_CAPTURE);
        }
    }
}

/// `nix-instantiate --parse FILE`: Nix's own parser on a changed file.
pub async fn parse_file(file: &std::path::Path, timeout: Duration) -> Result<Step, RunError> {
    let argv = [
        "nix-instantiate".to_owned(),
        "--parse".to_owned(),
        file.display().to_string(),
    ];
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    run_step(&argv, dir, timeout).await
}

/// Runs a command of `nfai repro` in the current directory to its end: a build takes as
/// long as it takes (Ctrl-C stops it).
fn run_to_end(argv: &[String]) -> Result<Step, RunError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| RunError::Spawn {
            program: "the async runtime".into(),
            source,
        })?;
    runtime.block_on(run_step(argv, std::path::Path::new("."), Duration::MAX))
}

fn nix(args: &[&str], installable: &str, nix_args: &[String]) -> Vec<String> {
    let mut argv: Vec<String> = std::iter::once("nix")
        .chain(args.iter().copied())
        .map(str::to_owned)
        .collect();
    argv.push(installable.to_owned());
    argv.extend(nix_args.iter().cloned());
    argv
}

/// `nix build --no-link --json INSTALLABLE`; with `rebuild`, builds it again even though
/// it is valid (`--rebuild`) and keeps a differing output as `<out>.check`
/// (`--keep-failed`), so the two can be compared.
pub fn build(installable: &str, rebuild: bool, nix_args: &[String]) -> Result<Step, RunError> {
    let mut args = vec!["build", "--no-link", "--json"];
    if rebuild {
        args.extend(["--rebuild", "--keep-failed"]);
    }
    run_to_end(&nix(&args, installable, nix_args))
}

/// `nix eval --json INSTALLABLE --apply builtins.attrNames`: the names in an attribute set.
pub fn attr_names(installable: &str, nix_args: &[String]) -> Result<Step, RunError> {
    run_to_end(&nix(
        &["eval", "--json", "--apply", "builtins.attrNames"],
        installable,
        nix_args,
    ))
}

/// The platform Nix builds for (`x86_64-linux`); `None` when Nix cannot say.
pub fn current_system() -> Option<String> {
    let argv = [
        "nix",
        "eval",
        "--impure",
        "--raw",
        "--expr",
        "builtins.currentSystem",
    ]
    .map(str::to_owned);
    let out = run_to_end(&argv).ok().filter(Step::ok)?;
    Some(String::from_utf8(out.stdout).ok()?).filter(|s| !s.is_empty())
}

/// `nix --version`'s answer (`nix (Nix) 2.8.0`), for the LLM context; `None` without Nix.
pub fn nix_version() -> Option<String> {
    let out = Command::new("nix")
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.lines().next()?.trim().to_owned()).filter(|v| out.status.success() && !v.is_empty())
}
