//! Running ffmpeg/ffprobe as bounded child processes.
//!
//! Every run has: stdin closed, a deadline after which the child is killed (and `kill_on_drop`
//! if our future is dropped), an address-space limit, bounded capture of stdout and stderr.
//!
//! The address-space limit is set with `/bin/sh -c 'ulimit -v KB; exec "$@"'`. The workspace
//! forbids `unsafe`, so `pre_exec` + `setrlimit` is out; `prlimit(1)` would also work but is a
//! util-linux extra while a POSIX shell is everywhere ffmpeg is. The shell `exec`s, so the pid
//! we hold (and kill on timeout) is ffmpeg's own, not a shell's, and the limit is inherited by
//! every thread ffmpeg starts.
//!
//! ffmpeg also runs 10 steps nicer than the server (`nice(1)`, which `exec`s too, so the pid
//! is still ffmpeg's): a transcode takes whatever CPU the API leaves, instead of the API
//! waiting behind a transcode. Without `nice` on the machine it runs at normal priority.

use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::MediaError;

const SHELL: &str = "/bin/sh";
/// `$1` is the limit in KiB, the rest is the command. `ulimit` failing must stop the run
/// rather than let ffmpeg go unbounded.
const WRAPPER: &str = r#"ulimit -v "$1" || exit 125; shift; command -v nice >/dev/null 2>&1 && exec nice -n 10 "$@"; exec "$@""#;
/// Kept from the end of stderr, for logs and error classification.
const STDERR_TAIL: usize = 8 * 1024;

pub(crate) struct RunLimits {
    pub timeout: Duration,
    pub memory_bytes: u64,
    /// Most stdout bytes kept; 0 discards stdout.
    pub stdout_cap: usize,
}

pub(crate) struct Output {
    pub stdout: Vec<u8>,
}

/// Runs `program args…` under `limits`; a non-zero exit becomes an error (see [`classify`]).
pub(crate) async fn run(
    program: &Path,
    args: &[OsString],
    limits: &RunLimits,
) -> Result<Output, MediaError> {
    let kib = (limits.memory_bytes / 1024).max(1);
    let mut cmd = Command::new(SHELL);
    cmd.arg("-c")
        .arg(WRAPPER)
        .arg("bonsai-media")
        .arg(kib.to_string())
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(if limits.stdout_cap > 0 {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped())
        .env("AV_LOG_FORCE_NOCOLOR", "1")
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        tracing::error!(error = %e, "could not start {SHELL} for {}", program.display());
        MediaError::Io(e)
    })?;

    let stdout = child.stdout.take().map(|s| {
        let cap = limits.stdout_cap;
        tokio::spawn(read_head(s, cap))
    });
    let stderr = child
        .stderr
        .take()
        .map(|s| tokio::spawn(read_tail(s, STDERR_TAIL)));

    let status = match tokio::time::timeout(limits.timeout, child.wait()).await {
        Ok(status) => status?,
        Err(_) => {
            // `kill` sends SIGKILL and reaps the child.
            if let Err(e) = child.kill().await {
                tracing::warn!(error = %e, "could not kill timed-out {}", program.display());
            }
            tracing::warn!(program = %program.display(), timeout = ?limits.timeout, "media tool timed out; killed");
            return Err(MediaError::Timeout);
        }
    };
    let (stdout, overflow) = match stdout {
        Some(task) => task.await.unwrap_or_default(),
        None => (Vec::new(), false),
    };
    let stderr_tail = match stderr {
        Some(task) => task.await.unwrap_or_default(),
        None => String::new(),
    };
    if !status.success() {
        return Err(classify(program, status, &stderr_tail));
    }
    if overflow {
        return Err(MediaError::Invalid(format!(
            "{} produced more than {} bytes of output",
            tool_name(program),
            limits.stdout_cap
        )));
    }
    if !stderr_tail.is_empty() {
        tracing::debug!(tool = %tool_name(program), stderr = %stderr_tail, "media tool warnings");
    }
    Ok(Output { stdout })
}

fn tool_name(program: &Path) -> String {
    program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "media tool".to_owned())
}

/// Turns a failed run into an error. Running out of the address space we granted is the
/// input's fault (it needs more than we allow: `TooLarge`); so is anything else ffmpeg
/// refuses (`Invalid`). The stderr tail goes to the log, not to the client.
fn classify(program: &Path, status: ExitStatus, stderr_tail: &str) -> MediaError {
    let name = tool_name(program);
    tracing::info!(tool = %name, %status, stderr = %stderr_tail, "media tool failed");
    let lower = stderr_tail.to_ascii_lowercase();
    let out_of_memory = [
        "cannot allocate memory",
        "out of memory",
        "failed to allocate",
        "malloc of size",        // x264
        "failed to map segment", // the loader, when the limit is below ffmpeg's own libraries
        "bad_alloc",
        "memory exhausted",
    ]
    .iter()
    .any(|p| lower.contains(p));
    if out_of_memory {
        return MediaError::TooLarge(format!("{name} exceeded its memory limit"));
    }
    match status.code() {
        Some(125) => MediaError::Internal("could not set the memory limit".into()),
        Some(126) | Some(127) => MediaError::Unavailable(format!("{name} could not be executed")),
        // Killed by a signal (no exit code): e.g. SIGSEGV after a failed allocation.
        None => MediaError::TooLarge(format!("{name} was terminated ({status})")),
        Some(_) => MediaError::Invalid(format!("{name} could not process the file")),
    }
}

/// Keeps the first `cap` bytes, drains the rest (a child blocked on a full pipe would only
/// hit the timeout). Returns whether anything was dropped.
async fn read_head<R: AsyncRead + Unpin>(mut r: R, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut overflow = false;
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                overflow |= n > room;
            }
        }
    }
    (kept, overflow)
}

/// Keeps the last `cap` bytes: ffmpeg's reason for failing is at the end.
async fn read_tail<R: AsyncRead + Unpin>(mut r: R, cap: usize) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > cap {
                    let excess = kept.len() - cap;
                    kept.drain(..excess);
                }
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}
