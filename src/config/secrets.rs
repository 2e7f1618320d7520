//! The secrets a profile points at: a token file (refused when others can read it) and a
//! token command (run through the shell, bounded in time and output). Nothing else is read.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{ConfigError, error};
use crate::redact::{Secret, open_to_others};

/// How long `--token-cmd` may run.
pub const TOKEN_COMMAND_TIME_LIMIT: Duration = Duration::from_secs(30);

/// The largest token file or command output read.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// Reads a bearer token from a file, refusing one that group or others can read: a token that
/// other users can read is a leaked token.
pub fn read_token_file(path: &Path) -> Result<Secret, ConfigError> {
    let fail = |e: std::io::Error| {
        error(format!(
            "cannot read the token file {}: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    if let Some(mode) = open_to_others(&file.metadata().map_err(fail)?) {
        return Err(error(format!(
            "refusing the token file {}: it is readable by group or others (mode {mode:03o})",
            path.display()
        ))
        .with_hint(format!("chmod 600 {}", path.display())));
    }
    let mut text = String::new();
    file.take(MAX_TOKEN_BYTES)
        .read_to_string(&mut text)
        .map_err(fail)?;
    let token = text.trim();
    if token.is_empty() {
        return Err(error(format!("the token file {} is empty", path.display())));
    }
    Ok(Secret::new(token))
}

/// Runs `--token-cmd` through the shell and takes the first line it prints as the token (so
/// `pass show`, which prints metadata after the secret, works). The command may run for at most
/// `limit`; it is killed after that.
pub fn run_token_command(command: &str, limit: Duration) -> Result<Secret, ConfigError> {
    let shown = crate::text::one_line(command);
    let mut child = shell(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| error(format!("cannot run the token command `{shown}`: {e}")))?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                // The result of kill and wait no longer matters: we report the time-out.
                let _ = child.kill();
                let _ = child.wait();
                return Err(error(format!(
                    "the token command `{shown}` did not finish within {} s",
                    limit.as_secs()
                )));
            }
            Err(e) => {
                return Err(error(format!(
                    "cannot wait for the token command `{shown}`: {e}"
                )));
            }
        }
    };
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(100));
    let output = stdout.recv_timeout(remaining).unwrap_or_default();
    if !status.success() {
        let said = stderr
            .recv_timeout(Duration::from_millis(100))
            .unwrap_or_default();
        let said = String::from_utf8_lossy(&said);
        let first = said
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(error(format!(
            "the token command `{shown}` failed ({status}): {}",
            crate::text::one_line(first)
        )));
    }
    let output = String::from_utf8_lossy(&output);
    match output.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(token) => Ok(Secret::new(token)),
        None => Err(error(format!(
            "the token command `{shown}` printed nothing"
        ))),
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("cmd");
    shell.arg("/C").arg(command);
    shell
}

/// Reads a pipe to its end on a helper thread, so a chatty child never blocks on a full pipe and
/// the caller can stop waiting at its deadline even if a grandchild keeps the pipe open.
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.take(MAX_TOKEN_BYTES).read_to_end(&mut bytes);
            // The receiver may have given up waiting; then nobody needs the bytes.
            let _ = sender.send(bytes);
        });
    }
    receiver
}
