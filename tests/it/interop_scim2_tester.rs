//! Interop: python-scim's conformance checker (scim2-tester 0.5.2) against `scimctl serve`.
//!
//! A checker we did not write catches the misreadings of RFC 7643/7644 that our server shares
//! with our own tests. This test starts the real binary on a free loopback port, runs
//! `tests/interop/scim2_tester_check.py` with the project's Python venv and requires zero
//! ERROR/CRITICAL results; a second run, against a quirk the checker must catch, proves the
//! harness sees failures at all. The venv comes from `scripts/test` (or `scripts/python-env`); without
//! it the test fails and says so, unless `SCIMCTL_SKIP_INTEROP=1` asks to skip it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::{Home, Lines, Running, venv_program};

/// How long the server may take to print its base URL.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the whole checker run may take (it needs about five seconds on a healthy server).
const CHECKER_TIMEOUT: Duration = Duration::from_secs(300);
/// The bearer token the server is started with and the checker sends.
const TOKEN: &str = "interop-token";

/// The SCIM base URL (`http://HOST:PORT/scim/v2`) a line of `scimctl serve` output announces.
fn base_url_in(line: &str) -> Option<String> {
    line.split_whitespace()
        .map(|word| word.trim_end_matches([',', '.', ';', ')', '/']))
        .find(|word| word.starts_with("http://") && word.ends_with("/scim/v2"))
        .map(str::to_owned)
}

/// `scimctl serve` with its quirks, started by [`start_server`].
struct ServeProcess {
    process: Running,
    stdout: Lines,
    stderr: Lines,
    _home: Home,
}

impl ServeProcess {
    /// Stops the server and returns everything it printed.
    fn stop(self) -> String {
        drop(self.process);
        format!("{}\n{}", self.stdout.finish(), self.stderr.finish())
    }
}

/// Starts `scimctl serve` with `quirks` on a free port and waits until it prints its base URL.
fn start_server(quirks: &[&str]) -> (ServeProcess, String) {
    let home = Home::new();
    let (process, stdout, stderr) = Running::with_output(
        home.scimctl()
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--token",
                TOKEN,
            ])
            .args(quirks.iter().flat_map(|quirk| ["--quirk", quirk])),
    );
    let line = stdout.wait_for(
        "`scimctl serve` to print its http://HOST:PORT/scim/v2 base URL",
        SERVER_START_TIMEOUT,
        |line| base_url_in(line).is_some(),
    );
    let url = base_url_in(&line).expect("the line holds the URL");
    let server = ServeProcess {
        process,
        stdout,
        stderr,
        _home: home,
    };
    (server, url)
}

/// Runs the checker script to completion (bounded by [`CHECKER_TIMEOUT`]) and returns its
/// exit code and everything it printed, stdout then stderr.
fn run_checker(python: &Path, base_url: &str) -> (Option<i32>, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/scim2_tester_check.py");
    let (mut checker, stdout, stderr) = Running::with_output(
        Command::new(python)
            .arg(&script)
            .args([base_url, TOKEN])
            .env("PYTHONUNBUFFERED", "1"),
    );
    let status = checker.wait_for_exit(CHECKER_TIMEOUT);
    let output = format!("{}\n{}", stdout.finish(), stderr.finish());
    (status.code(), output)
}

/// The checker's `SUMMARY {json}` line.
fn summary_of(output: &str) -> Option<serde_json::Value> {
    let json = output
        .lines()
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
    let python = venv_program("python")?;
    let (server, base_url) = start_server(quirks);
    let (exit_code, output) = run_checker(&python, &base_url);
    let server_output = server.stop();

    let details = || {
        format!(
            "scim2-tester exited with {exit_code:?}; it printed:\n{output}\n\
             --- scimctl serve output ---\n{server_output}"
        )
    };
    let summary = summary_of(&output).unwrap_or_else(|| panic!("no SUMMARY line. {}", details()));
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
