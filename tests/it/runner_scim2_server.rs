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

use std::path::Path;
use std::sync::Arc;

use scimctl::runner::ledger::{Ledger, NoSink};
use scimctl::runner::outcome::Status;
use scimctl::runner::{self, RunOptions};
use scimctl::suite::{BUILTIN_SUITES, parse_suite};
use serde::Deserialize;

use crate::support::{Home, Scim2Server, client_of};

const TOKEN: &str = "peer-token";

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
    let Some(peer) = Scim2Server::start(TOKEN) else {
        eprintln!("skipped: SCIMCTL_SKIP_INTEROP=1");
        return;
    };
    let client = client_of(peer.url(), TOKEN);
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
    let Some(peer) = Scim2Server::start(TOKEN) else {
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
    // A documented skip (a feature scim2-server lacks legally) has no verdict to waive.
    let mut documented: Vec<&str> = expected
        .expect
        .iter()
        .filter(|e| e.status != "skip")
        .map(|e| e.check.as_str())
        .collect();
    waived.sort_unstable();
    documented.sort_unstable();
    assert_eq!(
        waived, documented,
        "the waivers cover exactly the documented failures and warnings"
    );

    let home = Home::new();
    let report = |name: &str| home.join(name);
    let output = home
        .scimctl()
        .args([
            "test",
            "--url",
            peer.url(),
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
