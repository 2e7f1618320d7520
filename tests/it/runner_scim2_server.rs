//! The suites against python-scim's scim2-server, a SCIM server we did not write: it catches
//! the misreadings of the RFCs that our checks could share with our own server. Every check
//! passes except the real differences listed, with their reasons, in
//! `fixtures/expected/peers/scim2-server.toml` (and explained in `testsuites/README.md`).
//!
//! With `fixtures/waivers/scim2-server.toml`, which waives exactly those differences, the
//! README's command gives a green run: no failure, no warning.
//!
//! scim2-server comes from the project's Python venv (`scripts/python-env`, or the Python that
//! `SCIMCTL_PYTHON` names); `SCIMCTL_SKIP_INTEROP=1` skips this test.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use scimctl::client::{ClientOptions, Credentials, Recorder, ScimClient};
use scimctl::redact::Secret;
use scimctl::runner::ledger::{Ledger, NoSink};
use scimctl::runner::outcome::Status;
use scimctl::runner::{self, RunOptions};
use scimctl::suite::{BUILTIN_SUITES, parse_suite};
use serde::Deserialize;

const TOKEN: &str = "peer-token";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The server process, killed and reaped when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scim2_server_or_skip() -> Option<PathBuf> {
    if std::env::var_os("SCIMCTL_SKIP_INTEROP").is_some_and(|v| v == "1") {
        return None;
    }
    let python = std::env::var_os("SCIMCTL_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
        PathBuf::from,
    );
    let server = python.with_file_name("scim2-server");
    assert!(
        server.exists(),
        "no scim2-server at {}: run `scripts/python-env`, point SCIMCTL_PYTHON at a venv's \
         python, or set SCIMCTL_SKIP_INTEROP=1 to skip this test",
        server.display()
    );
    Some(server)
}

fn start(program: &Path) -> (Peer, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(program)
        .args(["--port", &port.to_string(), "--bearer-token", TOKEN])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("scim2-server starts");
    let peer = Peer(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < START_TIMEOUT,
            "scim2-server did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (peer, format!("http://127.0.0.1:{port}/v2"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    expect: Vec<ExpectedCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCheck {
    check: String,
    status: String,
    message_contains: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim2_server_gets_only_its_documented_verdicts() {
    let Some(program) = scim2_server_or_skip() else {
        eprintln!("skipped: SCIMCTL_SKIP_INTEROP=1");
        return;
    };
    let (_peer, base_url) = start(&program);
    let client = ScimClient::new(
        ClientOptions {
            base_url: base_url.clone(),
            credentials: Credentials::Bearer(Secret::new(TOKEN.to_owned())),
            headers: Vec::new(),
            transport: Default::default(),
            retry: Default::default(),
        },
        Recorder::quiet(),
    )
    .expect("client");
    let suites: Vec<_> = BUILTIN_SUITES
        .iter()
        .map(|(name, text)| parse_suite(name, text).expect("builtin suite"))
        .collect();
    let ledger = Arc::new(Ledger::new(Box::new(NoSink), Vec::new()));
    let options = RunOptions {
        allow_writes: true,
        ..RunOptions::default()
    };
    let report = runner::run(
        Arc::new(client),
        &suites,
        &options,
        Arc::clone(&ledger),
        &mut |_| {},
    )
    .await
    .expect("scim2-server answers");
    assert!(
        report.cleanup_problems.is_empty(),
        "{:?}",
        report.cleanup_problems
    );
    assert!(ledger.leftovers().is_empty());

    let expected: Expected = toml::from_str(include_str!(
        "../../fixtures/expected/peers/scim2-server.toml"
    ))
    .expect("valid expectations");
    for check in report.outcome.checks() {
        let documented = expected.expect.iter().find(|e| e.check == check.id);
        match documented {
            Some(want) => {
                assert_eq!(
                    check.status.as_str(),
                    want.status,
                    "{}: {}",
                    check.id,
                    check.message
                );
                assert!(
                    check.message.contains(&want.message_contains),
                    "{}: {}",
                    check.id,
                    check.message
                );
            }
            None => assert_eq!(
                check.status,
                Status::Pass,
                "{} is not a documented difference: {}",
                check.id,
                check.message
            ),
        }
    }
}

/// `fixtures/waivers/scim2-server.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Waivers {
    waiver: Vec<Waiver>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Waiver {
    id: String,
    reason: String,
}

#[test]
fn with_its_waivers_scim2_server_gets_a_green_run() {
    let Some(program) = scim2_server_or_skip() else {
        eprintln!("skipped: SCIMCTL_SKIP_INTEROP=1");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let waivers_path = root.join("fixtures/waivers/scim2-server.toml");
    let waivers: Waivers =
        toml::from_str(&std::fs::read_to_string(&waivers_path).expect("waivers file"))
            .expect("valid waivers");
    let expected: Expected = toml::from_str(include_str!(
        "../../fixtures/expected/peers/scim2-server.toml"
    ))
    .expect("valid expectations");
    let mut waived: Vec<&str> = waivers.waiver.iter().map(|w| w.id.as_str()).collect();
    let mut documented: Vec<&str> = expected.expect.iter().map(|e| e.check.as_str()).collect();
    waived.sort_unstable();
    documented.sort_unstable();
    assert_eq!(
        waived, documented,
        "the waivers cover exactly the documented differences"
    );

    let (_peer, base_url) = start(&program);
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let report = |name: &str| scratch.path().join(name);
    let mut command = Command::cargo_bin("scimctl").expect("the scimctl binary");
    for (name, _) in std::env::vars() {
        if name.starts_with("SCIMCTL_") {
            command.env_remove(name);
        }
    }
    let output = command
        .env("HOME", scratch.path())
        .env("XDG_CACHE_HOME", scratch.path().join("cache"))
        .env("XDG_CONFIG_HOME", scratch.path().join("config"))
        .args([
            "test",
            "--url",
            &base_url,
            "--token",
            TOKEN,
            "--allow-writes",
        ])
        .arg("--waivers")
        .arg(&waivers_path)
        .arg("--report")
        .arg(format!("json={}", report("r.json").display()))
        .arg("--report")
        .arg(format!("junit={}", report("r.xml").display()))
        .arg("--report")
        .arg(format!("html={}", report("r.html").display()))
        .output()
        .expect("scimctl runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report("r.xml").exists() && report("r.html").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report("r.json")).expect("json report"))
            .expect("valid JSON");
    assert_eq!(json["summary"]["failed"], 0, "{stdout}");
    assert_eq!(json["summary"]["warned"], 0, "{stdout}");
    assert_eq!(json["summary"]["errored"], 0, "{stdout}");
    assert_eq!(json["summary"]["waived"], waivers.waiver.len(), "{stdout}");
    assert_eq!(json["blocking"], 0, "{stdout}");
    let checks = json["checks"].as_array().expect("checks");
    assert!(checks.len() >= 150, "the full default run");
    for waiver in &waivers.waiver {
        let check = checks
            .iter()
            .find(|c| c["id"] == waiver.id.as_str())
            .unwrap_or_else(|| panic!("no verdict for {}", waiver.id));
        let documented = expected
            .expect
            .iter()
            .find(|e| e.check == waiver.id)
            .expect("every waiver is a documented difference");
        assert_eq!(
            check["status"], documented.status,
            "a waived check keeps its verdict: {check}"
        );
        assert_eq!(check["waiver"], waiver.reason.as_str(), "{check}");
        assert_eq!(check["blocks"], false, "{check}");
    }
}
