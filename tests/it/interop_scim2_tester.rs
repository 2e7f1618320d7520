//! Interop: python-scim's conformance checker (scim2-tester 0.5.2) against `scimctl serve`.
//!
//! A checker we did not write catches the misreadings of RFC 7643/7644 that our server shares
//! with our own tests. This test starts the real binary on a free loopback port, runs
//! `tests/interop/scim2_tester_check.py` with the project's Python venv and requires zero
//! ERROR/CRITICAL results; a second run, against a quirk the checker must catch, proves the
//! harness sees failures at all. The venv comes from `scripts/test` (or `scripts/python-env`); without
//! it the test fails and says so, unless `SCIMCTL_SKIP_INTEROP=1` asks to skip it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the server may take to print its base URL.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the whole checker run may take (it needs about five seconds on a healthy server).
const CHECKER_TIMEOUT: Duration = Duration::from_secs(300);
/// The bearer token the server is started with and the checker sends.
const TOKEN: &str = "interop-token";

/// A child process that is killed and reaped when dropped, so no test leaves a server behind.
struct KillOnDrop {
    child: Child,
    name: &'static str,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Err(err) = self.child.kill() {
            // Already exited is the only expected reason; anything else is worth a line.
            if err.kind() != std::io::ErrorKind::InvalidInput {
                eprintln!("could not kill {}: {err}", self.name);
            }
        }
        let _ = self.child.wait();
    }
}

/// Every line a child wrote so far, on stdout and stderr alike, for failure messages.
type Transcript = Arc<Mutex<Vec<String>>>;

/// Copies each line of `stream` into `transcript` until the stream closes, and sends it on
/// `lines` too while someone is listening.
fn drain_lines(
    stream: impl Read + Send + 'static,
    transcript: Transcript,
    lines: Option<mpsc::Sender<String>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Some(sender) = &lines {
                // The receiver hangs up once it has what it waited for; keep draining anyway
                // so the child never blocks on a full pipe.
                let _ = sender.send(line.clone());
            }
            if let Ok(mut transcript) = transcript.lock() {
                transcript.push(line);
            }
        }
    })
}

fn transcript_text(transcript: &Transcript) -> String {
    transcript
        .lock()
        .map(|lines| lines.join("\n"))
        .unwrap_or_else(|_| "(transcript unavailable)".to_owned())
}

/// The SCIM base URL (`http://HOST:PORT/scim/v2`) a line of `scimctl serve` output announces.
fn base_url_in(line: &str) -> Option<String> {
    line.split_whitespace()
        .map(|word| word.trim_end_matches([',', '.', ';', ')', '/']))
        .find(|word| word.starts_with("http://") && word.ends_with("/scim/v2"))
        .map(str::to_owned)
}

/// Starts `scimctl serve` with `quirks` on a free port and waits until it prints its base URL.
fn start_server(quirks: &[&str]) -> (KillOnDrop, String, Transcript) {
    let child = Command::new(env!("CARGO_BIN_EXE_scimctl"))
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--token",
            TOKEN,
        ])
        .args(quirks.iter().flat_map(|quirk| ["--quirk", quirk]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start the scimctl binary");
    let mut server = KillOnDrop {
        child,
        name: "scimctl serve",
    };
    let transcript = Transcript::default();
    let (sender, receiver) = mpsc::channel();
    let stdout = server.child.stdout.take().expect("stdout is piped");
    let stderr = server.child.stderr.take().expect("stderr is piped");
    drain_lines(stdout, Arc::clone(&transcript), Some(sender));
    let stderr_reader = drain_lines(stderr, Arc::clone(&transcript), None);

    let deadline = Instant::now() + SERVER_START_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = base_url_in(&line) {
                    return (server, url, transcript);
                }
            }
            Err(why) => {
                // Stop the server first so its stderr closes and the transcript is complete.
                drop(server);
                let _ = stderr_reader.join();
                let what = match why {
                    mpsc::RecvTimeoutError::Timeout => {
                        format!(
                            "printed no http://HOST:PORT/scim/v2 base URL within {SERVER_START_TIMEOUT:?}"
                        )
                    }
                    mpsc::RecvTimeoutError::Disconnected => {
                        "closed its output without printing an http://HOST:PORT/scim/v2 base URL"
                            .to_owned()
                    }
                };
                panic!(
                    "`scimctl serve` {what}; its output:\n{}",
                    transcript_text(&transcript)
                );
            }
        }
    }
}

/// The venv's Python, or `None` when the interop run is explicitly skipped.
fn python_or_skip() -> Option<PathBuf> {
    if std::env::var_os("SCIMCTL_SKIP_INTEROP").is_some_and(|v| v == "1") {
        return None;
    }
    let python = std::env::var_os("SCIMCTL_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        python.exists(),
        "no Python venv at {}: run `scripts/test` (or `scripts/python-env`) to create it, \
         point SCIMCTL_PYTHON at a Python with scim2-tester 0.5.2, \
         or set SCIMCTL_SKIP_INTEROP=1 to skip this test",
        python.display()
    );
    Some(python)
}

/// Runs the checker script to completion (bounded by [`CHECKER_TIMEOUT`]) and returns its
/// exit code and everything it printed.
fn run_checker(python: &Path, base_url: &str) -> (Option<i32>, Transcript) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/scim2_tester_check.py");
    let child = Command::new(python)
        .arg(&script)
        .args([base_url, TOKEN])
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("failed to run {}: {err}", python.display()));
    let mut checker = KillOnDrop {
        child,
        name: "scim2_tester_check.py",
    };
    let transcript = Transcript::default();
    let stdout = checker.child.stdout.take().expect("stdout is piped");
    let stderr = checker.child.stderr.take().expect("stderr is piped");
    let readers = [
        drain_lines(stdout, Arc::clone(&transcript), None),
        drain_lines(stderr, Arc::clone(&transcript), None),
    ];

    let deadline = Instant::now() + CHECKER_TIMEOUT;
    let status = loop {
        match checker.child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Ok(None) => panic!(
                "scim2-tester did not finish within {CHECKER_TIMEOUT:?}; it printed:\n{}",
                transcript_text(&transcript)
            ),
            Err(err) => panic!("failed to wait for scim2-tester: {err}"),
        }
    };
    for reader in readers {
        let _ = reader.join();
    }
    (status.code(), transcript)
}

/// The checker's `SUMMARY {json}` line.
fn summary_of(transcript: &Transcript) -> Option<serde_json::Value> {
    let lines = transcript.lock().ok()?;
    let json = lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("SUMMARY "))?;
    serde_json::from_str(json).ok()
}

/// What one checker run found.
struct CheckerRun {
    /// The `SUMMARY` line: counts per status, total, failures and the resource types checked.
    summary: serde_json::Value,
    /// Every line the checker printed.
    output: String,
}

impl CheckerRun {
    fn failures(&self) -> Option<u64> {
        self.summary["failures"].as_u64()
    }

    /// Prints the summary and every result that is not a plain SUCCESS.
    fn print(&self, server: &str) {
        for line in self.output.lines() {
            if !line.starts_with("SUCCESS") && !line.starts_with("SUMMARY") {
                println!("{line}");
            }
        }
        println!("scim2-tester 0.5.2 against {server}: {}", self.summary);
    }
}

/// Runs scim2-tester against a fresh `scimctl serve --quirk ...` and returns what it found, or
/// `None` when the interop tests are skipped. Panics when the checker could not run at all.
fn check_scimctl_serve(quirks: &[&str]) -> Option<CheckerRun> {
    let python = python_or_skip()?;
    let (server, base_url, server_output) = start_server(quirks);
    let (exit_code, checker_output) = run_checker(&python, &base_url);
    drop(server);

    let output = transcript_text(&checker_output);
    let details = || {
        format!(
            "scim2-tester exited with {exit_code:?}; it printed:\n{output}\n\
             --- scimctl serve output ---\n{}",
            transcript_text(&server_output)
        )
    };
    let summary =
        summary_of(&checker_output).unwrap_or_else(|| panic!("no SUMMARY line. {}", details()));
    assert_eq!(
        exit_code,
        Some(0),
        "the checker did not finish cleanly. {}",
        details()
    );
    Some(CheckerRun { summary, output })
}

#[test]
fn scim2_tester_finds_no_failures_in_scimctl_serve() {
    let Some(run) = check_scimctl_serve(&[]) else {
        eprintln!("skipped: SCIMCTL_SKIP_INTEROP=1");
        return;
    };
    run.print("scimctl serve");

    for resource_type in ["User", "Group"] {
        let checked = run.summary["resource_types"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == resource_type));
        assert!(
            checked,
            "scim2-tester ran no {resource_type} checks (discovery must publish it): {}",
            run.summary
        );
    }
    assert_eq!(
        run.failures(),
        Some(0),
        "scim2-tester reported failures (the ERROR/CRITICAL lines above):\n{}",
        run.output
    );
}

/// The harness can see a failure: a server that ignores `excludedAttributes` (RFC 7644
/// §3.4.2.5) is caught. Without this, a broken summary would pass every server.
#[test]
fn scim2_tester_flags_a_server_that_ignores_excluded_attributes() {
    let Some(run) = check_scimctl_serve(&["ignore-excluded-attributes"]) else {
        eprintln!("skipped: SCIMCTL_SKIP_INTEROP=1");
        return;
    };
    run.print("scimctl serve --quirk ignore-excluded-attributes");

    assert!(
        run.failures().is_some_and(|failures| failures > 0),
        "scim2-tester found nothing wrong with a server that ignores excludedAttributes:\n{}",
        run.output
    );
    assert!(
        run.output
            .lines()
            .any(|line| line.starts_with("ERROR") && line.contains("excluded attribute")),
        "the failures are not about excluded attributes:\n{}",
        run.output
    );
}
