//! Child processes for the tests: the `scimctl` binary with a home of its own and nothing of the
//! developer's environment, what one run of it produced, a guard that stops a child when its
//! test ends, the lines a child prints (followed as they come, so that a test waits for the line
//! that says the child is ready instead of sleeping), and a bounded poll for conditions that no
//! line announces.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A temporary home for one test's runs of the binary (HOME, the XDG directories, the
/// configuration file and the working directory), removed when dropped.
pub struct Home(tempfile::TempDir);

impl Home {
    pub fn new() -> Home {
        Home(tempfile::tempdir().expect("a temporary directory"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// `scimctl` run in this home with nothing of the developer's environment: PATH only, with
    /// HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, SCIMCTL_CONFIG and the working directory pointing
    /// here, and no stdin. Colour, terminal width, URL and token are whatever the test sets.
    pub fn scimctl(&self) -> Command {
        let home = self.path();
        let mut command = Command::new(env!("CARGO_BIN_EXE_scimctl"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("SCIMCTL_CONFIG", home.join("config.toml"))
            .current_dir(home)
            .stdin(Stdio::null());
        command
    }

    /// [`Home::scimctl`] for assert_cmd (stdin, assertions), ended if it runs over two minutes.
    pub fn command(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(self.scimctl());
        command.timeout(Duration::from_secs(120));
        command
    }

    /// [`Home::command`] pointed at the server at `url` with `token`, through SCIMCTL_URL and
    /// SCIMCTL_TOKEN.
    pub fn command_for(&self, url: &str, token: &str) -> assert_cmd::Command {
        let mut command = self.command();
        command.env("SCIMCTL_URL", url).env("SCIMCTL_TOKEN", token);
        command
    }
}

/// What one run of the binary produced: its exit code (-1 when a signal ended it) and output.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, returning the run for more checks.
    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        self
    }

    /// Asserts stderr says `text`, returning the run for more checks.
    pub fn stderr_contains(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr does not say {text:?}: {}",
            self.stderr
        );
        self
    }

    /// Asserts exit 0 and returns stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        self.exits(0).stdout_json()
    }

    /// Stdout parsed as JSON, whatever the exit code.
    pub fn stdout_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// The keys of the findings in `-o json` output (`doctor`, `replay`), whatever the exit
    /// code.
    pub fn finding_keys(&self) -> BTreeSet<String> {
        self.stdout_json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|finding| finding["key"].as_str().expect("key").to_owned())
            .collect()
    }
}

/// A child process that is killed and reaped when the test ends, passing or failing.
pub struct Running(pub Child);

impl Running {
    pub fn spawn(command: &mut Command) -> Running {
        Running(command.spawn().expect("the child process starts"))
    }

    /// Starts `command` with its stdout and stderr piped, each followed line by line.
    pub fn with_output(command: &mut Command) -> (Running, Lines, Lines) {
        let mut running = Running::spawn(command.stdout(Stdio::piped()).stderr(Stdio::piped()));
        let stdout = Lines::follow(running.0.stdout.take().expect("stdout is piped"));
        let stderr = Lines::follow(running.0.stderr.take().expect("stderr is piped"));
        (running, stdout, stderr)
    }

    /// SIGINT, as Ctrl-C in a terminal sends it (through `kill -INT`).
    pub fn interrupt(&self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -INT failed");
    }

    /// The exit status, waiting at most `patience` for it.
    pub fn wait_for_exit(&mut self, patience: Duration) -> ExitStatus {
        let mut status = None;
        wait_until("the child to exit", patience, || {
            status = self.0.try_wait().expect("the child can be waited for");
            status.is_some()
        });
        status.expect("an exit status")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// The lines a child writes on one stream, read by a thread of their own as they come (so the
/// child never blocks on a full pipe) until the stream closes.
pub struct Lines {
    seen: Arc<(Mutex<Seen>, Condvar)>,
    reader: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Seen {
    lines: Vec<String>,
    closed: bool,
}

impl Lines {
    pub fn follow(stream: impl Read + Send + 'static) -> Lines {
        let seen: Arc<(Mutex<Seen>, Condvar)> = Arc::default();
        let shared = Arc::clone(&seen);
        let reader = std::thread::spawn(move || {
            let (state, changed) = &*shared;
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                lock(state).lines.push(line);
                changed.notify_all();
            }
            lock(state).closed = true;
            changed.notify_all();
        });
        Lines {
            seen,
            reader: Some(reader),
        }
    }

    /// The first line that `ready` accepts, waiting at most `patience` for it; panics, showing
    /// what was read, when the stream closes or the time runs out first.
    pub fn wait_for(&self, what: &str, patience: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + patience;
        let (state, changed) = &*self.seen;
        let mut seen = lock(state);
        loop {
            if let Some(line) = seen.lines.iter().find(|line| ready(line)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if seen.closed || left.is_zero() {
                let why = if seen.closed {
                    "the stream closed".to_owned()
                } else {
                    format!("nothing after {patience:?}")
                };
                panic!(
                    "{why} while waiting for {what}; read so far:\n{}",
                    seen.lines.join("\n")
                );
            }
            seen = changed
                .wait_timeout(seen, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Every line read so far.
    pub fn text(&self) -> String {
        lock(&self.seen.0).lines.join("\n")
    }

    /// Waits until the stream closes (its child exited or was killed), then every line.
    pub fn finish(mut self) -> String {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.text()
    }
}

fn lock(state: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Polls `ready` every 10 ms until it holds, for what no line announces (a file's content, a
/// port that starts listening); panics after `patience`.
pub fn wait_until(what: &str, patience: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < patience,
            "gave up after {patience:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
