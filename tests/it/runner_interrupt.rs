//! Ctrl-C for real: `scimctl test --allow-writes`, `scimctl demo` and a paged
//! `scimctl users list --all -o json` run as child processes and get SIGINT (through `kill -INT`)
//! in the middle of their work. All must exit 130; the test run must delete everything it
//! created and say so, the demo must stop its server, and the list must leave valid JSON. Every
//! wait is bounded, and each waits for a sign that the child is where the test wants it (a
//! created resource in the ledger, a printed page) before the signal; a child still running at
//! the end is killed.
#![cfg(unix)]

use std::net::TcpStream;
use std::time::Duration;

use scimctl::client::{Method, ScimClient};
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig};

use crate::support::{Home, Lines, Running, Server, client_of, wait_until};

/// The longest any wait of these tests lasts.
const PATIENCE: Duration = Duration::from_secs(60);

/// `scimctl ARGS` run hermetically in `home`, with its stdout and stderr followed.
fn spawn_scimctl(home: &Home, args: &[&str]) -> (Running, Lines, Lines) {
    Running::with_output(home.scimctl().args(args))
}

/// A server that takes 200 ms over every answer, seeded with `seed`.
fn slow_server(seed: Option<Seed>) -> Server {
    Server::start(ServeConfig {
        quirks: Quirks::from_list(&[Quirk::Latency(200)]),
        seed,
        ..ServeConfig::default()
    })
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Resources on the server whose name carries the prefix of every run.
async fn named_by_a_run(client: &ScimClient) -> Vec<String> {
    let mut found = Vec::new();
    for (endpoint, attribute) in [("Users", "userName"), ("Groups", "displayName")] {
        let filter = format!("{attribute} sw \"scimctl-test-\"");
        let page = client
            .send_json(Method::Get, &[endpoint], &[("filter", &filter)], None)
            .await
            .expect("the server answers")
            .unwrap_or_default();
        for resource in page["Resources"].as_array().into_iter().flatten() {
            found.push(format!("{endpoint}: {}", resource[attribute]));
        }
    }
    found
}

#[test]
fn ctrl_c_during_a_test_run_deletes_what_it_created_and_exits_130() {
    let home = Home::new();
    let server = slow_server(None);
    let ledger = home.join("ledger.jsonl");
    let (mut child, _stdout, stderr) = spawn_scimctl(
        &home,
        &[
            "test",
            "--suite",
            "rfc7644",
            "--allow-writes",
            "--seed",
            "11",
            "--ledger",
            ledger.to_str().expect("a UTF-8 path"),
            "--url",
            server.url(),
            "--token",
            server.token(),
        ],
    );
    wait_until("the run to create something", PATIENCE, || {
        read(&ledger).contains("\"event\":\"created\"")
    });
    child.interrupt();
    let exit = child.wait_for_exit(PATIENCE);
    let client = client_of(server.url(), server.token());
    let left = server.block_on(named_by_a_run(&client));
    server.stop();

    let stderr = stderr.finish();
    assert_eq!(exit.code(), Some(130), "{stderr}");
    assert_eq!(left, Vec::<String>::new(), "{stderr}");
    assert!(
        stderr.contains("interrupted; deleting what this run created"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cleanup done: nothing this run created is left"),
        "{stderr}"
    );
    assert!(
        !ledger.exists(),
        "the ledger is removed once everything it lists is confirmed deleted"
    );
}

#[test]
fn ctrl_c_during_the_demo_stops_its_server_and_exits_130() {
    let home = Home::new();
    let report = home.join("report.html");
    let (mut child, stdout, stderr) = spawn_scimctl(
        &home,
        &["demo", "--html", report.to_str().expect("a UTF-8 path")],
    );
    let ledgers = home.join("cache/scimctl/ledgers");
    wait_until("the demo's suites to create something", PATIENCE, || {
        std::fs::read_dir(&ledgers)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| read(&entry.path()).contains("\"event\":\"created\""))
    });
    child.interrupt();
    let exit = child.wait_for_exit(PATIENCE);
    let (stdout, stderr) = (stdout.finish(), stderr.finish());
    assert_eq!(exit.code(), Some(130), "{stdout}\n{stderr}");
    let address = stdout
        .lines()
        .find_map(|line| line.strip_prefix("SCIM server listening on http://"))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no server line in:\n{stdout}"))
        .to_owned();
    assert!(
        TcpStream::connect(&address).is_err(),
        "the demo server at {address} still answers"
    );
    assert!(
        !report.exists(),
        "an interrupted demo writes no report: {stdout}"
    );
}

#[test]
fn ctrl_c_during_a_paged_json_list_leaves_a_closed_array_and_exits_130() {
    const USERS: usize = 40;
    let home = Home::new();
    let users = (0..USERS)
        .map(|n| {
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("user{n:02}"),
            })
        })
        .collect();
    let server = slow_server(Some(Seed {
        users,
        groups: Vec::new(),
    }));
    let (mut child, stdout, stderr) = spawn_scimctl(
        &home,
        &[
            "users",
            "list",
            "--all",
            "--count",
            "2",
            "-o",
            "json",
            "--url",
            server.url(),
            "--token",
            server.token(),
        ],
    );
    stdout.wait_for("the first page to be printed", PATIENCE, |line| {
        line.contains("\"userName\"")
    });
    child.interrupt();
    let exit = child.wait_for_exit(PATIENCE);
    server.stop();

    let (stdout, stderr) = (stdout.finish(), stderr.finish());
    assert_eq!(exit.code(), Some(130), "{stderr}");
    let printed: Vec<serde_json::Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON array ({e}):\n{stdout}"));
    assert!(
        !printed.is_empty() && printed.len() < USERS,
        "interrupted part-way: {} of {USERS} users printed",
        printed.len()
    );
    assert!(
        printed.iter().all(|user| user["userName"].is_string()),
        "only whole users: {stdout}"
    );
}
