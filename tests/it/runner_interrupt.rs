//! Ctrl-C for real: `scimctl test --allow-writes`, `scimctl demo` and a paged
//! `scimctl users list --all -o json` run as child processes and get SIGINT (through `kill -INT`)
//! in the middle of their work. All must exit 130; the test run must delete everything it
//! created and say so, the demo must stop its server, and the list must leave valid JSON. Every
//! wait is bounded; a child still running at the end is killed.
#![cfg(unix)]

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use scimctl::client::{ClientOptions, Credentials, Method, Recorder, ScimClient};
use scimctl::redact::Secret;
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig, ServerHandle};

/// The longest any wait of these tests lasts.
const PATIENCE: Duration = Duration::from_secs(60);

/// A scratch directory for HOME, the cache and the outputs, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("scimctl-interrupt-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed and reaped if the test ends before it does.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `scimctl ARGS` with a hermetic environment, stdout and stderr going to files.
fn spawn_scimctl(scratch: &Scratch, args: &[&str]) -> Running {
    let mut command = Command::cargo_bin("scimctl").expect("the scimctl binary");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &scratch.0)
        .env("XDG_CACHE_HOME", scratch.path("cache"))
        .env("XDG_CONFIG_HOME", scratch.path("config"))
        .env("SCIMCTL_CONFIG", scratch.path("config.toml"))
        .current_dir(&scratch.0)
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(scratch.path("stdout")).expect("stdout file"))
        .stderr(File::create(scratch.path("stderr")).expect("stderr file"));
    Running(command.spawn().expect("scimctl starts"))
}

/// Polls `ready` every 10 ms until it holds; panics after [`PATIENCE`].
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn interrupt(child: &Running) {
    let status = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -INT failed");
}

fn wait_for_exit(child: &mut Running) -> ExitStatus {
    let mut exit = None;
    wait_until("the child to exit after SIGINT", || {
        exit = child.0.try_wait().expect("the child can be waited for");
        exit.is_some()
    });
    exit.expect("an exit status")
}

/// A server that takes 200 ms over every answer, seeded with `seed`, on a runtime that keeps
/// serving while the child runs.
fn slow_server(seed: Option<Seed>) -> (tokio::runtime::Runtime, ServerHandle) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime
        .block_on(scimctl::serve::spawn(ServeConfig {
            quirks: Quirks::from_list(&[Quirk::Latency(200)]),
            seed,
            ..ServeConfig::default()
        }))
        .expect("the slow server starts");
    (runtime, server)
}

fn read(path: &Path) -> String {
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
    let scratch = Scratch::new("test");
    let (runtime, server) = slow_server(None);
    let ledger = scratch.path("ledger.jsonl");
    let mut child = spawn_scimctl(
        &scratch,
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
            server.base_url(),
            "--token",
            server.token(),
        ],
    );
    wait_until("the run to create something", || {
        read(&ledger).contains("\"event\":\"created\"")
    });
    interrupt(&child);
    let exit = wait_for_exit(&mut child);
    let client = ScimClient::new(
        ClientOptions {
            base_url: server.base_url().to_owned(),
            credentials: Credentials::Bearer(Secret::new(server.token().to_owned())),
            headers: Vec::new(),
            transport: Default::default(),
            retry: Default::default(),
        },
        Recorder::quiet(),
    )
    .expect("client");
    let left = runtime.block_on(named_by_a_run(&client));
    runtime.block_on(server.shutdown());

    let stderr = read(&scratch.path("stderr"));
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
    let scratch = Scratch::new("demo");
    let report = scratch.path("report.html");
    let mut child = spawn_scimctl(
        &scratch,
        &["demo", "--html", report.to_str().expect("a UTF-8 path")],
    );
    let ledgers = scratch.path("cache/scimctl/ledgers");
    wait_until("the demo's suites to create something", || {
        std::fs::read_dir(&ledgers)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| read(&entry.path()).contains("\"event\":\"created\""))
    });
    interrupt(&child);
    let exit = wait_for_exit(&mut child);
    let stdout = read(&scratch.path("stdout"));
    let stderr = read(&scratch.path("stderr"));
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
    let scratch = Scratch::new("list");
    let users = (0..USERS)
        .map(|n| {
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("user{n:02}"),
            })
        })
        .collect();
    let (runtime, server) = slow_server(Some(Seed {
        users,
        groups: Vec::new(),
    }));
    let mut child = spawn_scimctl(
        &scratch,
        &[
            "users",
            "list",
            "--all",
            "--count",
            "2",
            "-o",
            "json",
            "--url",
            server.base_url(),
            "--token",
            server.token(),
        ],
    );
    wait_until("the first page to be printed", || {
        read(&scratch.path("stdout")).contains("\"userName\"")
    });
    interrupt(&child);
    let exit = wait_for_exit(&mut child);
    runtime.block_on(server.shutdown());

    let stdout = read(&scratch.path("stdout"));
    let stderr = read(&scratch.path("stderr"));
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
