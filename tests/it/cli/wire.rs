//! Seeing the wire (`-v`, `-vv`, `-vvv`, `--curl`, `--har`) with secrets redacted, and the
//! exit codes of failures.

use std::io::Write;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use insta::assert_snapshot;
use serde_json::Value;

use crate::support::{Env, TOKEN, snapshots};
use crate::support::{Home, Running};

#[test]
fn v_shows_each_request_and_vv_its_headers_without_the_token() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let one = env.run(&["users", "get", &id, "-v", "-o", "json"]);
    one.exits(0);
    snapshots().bind(|| assert_snapshot!("verbose_1", one.stderr));
    let two = env.run(&["users", "get", &id, "-vv", "-o", "json"]);
    two.exits(0);
    snapshots().bind(|| assert_snapshot!("verbose_2", two.stderr));
    let three = env.run(&[
        "users", "patch", &id, "replace", "nickName", "B", "-vvv", "-o", "json",
    ]);
    three.exits(0);
    assert!(
        three.stderr.contains(r#""nickName""#),
        "bodies at -vvv: {}",
        three.stderr
    );
    for run in [&one, &two, &three] {
        assert!(
            !run.stderr.contains(TOKEN),
            "the token leaked: {}",
            run.stderr
        );
        assert!(!run.stdout.contains(TOKEN));
    }
}

#[test]
fn curl_prints_an_equivalent_command_with_the_token_variable() {
    let env = Env::start();
    let run = env.run(&[
        "users",
        "create",
        "--user-name",
        "bjensen",
        "--curl",
        "-o",
        "json",
    ]);
    run.exits(0);
    snapshots().bind(|| assert_snapshot!("curl", run.stderr));
    assert!(run.stderr.contains("$SCIMCTL_TOKEN"));
    assert!(!run.stderr.contains(TOKEN));
}

#[test]
fn har_records_every_exchange_redacted_also_when_the_command_fails() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let har = env.home.path().join("trace.har");
    let har_arg = har.to_str().expect("utf-8");
    env.run(&["users", "get", &id, "--har", har_arg, "-o", "json"])
        .json();
    let text = std::fs::read_to_string(&har).expect("HAR written");
    assert!(!text.contains(TOKEN), "the token leaked into the HAR");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(document["log"]["entries"].as_array().map(Vec::len), Some(1));
    std::fs::remove_file(&har).expect("removed");
    env.run(&["users", "get", "missing", "--har", har_arg])
        .exits(1);
    let failed: Value =
        serde_json::from_str(&std::fs::read_to_string(&har).expect("HAR written on failure"))
            .expect("JSON");
    assert_eq!(failed["log"]["entries"][0]["response"]["status"], 404);
}

#[test]
fn exit_codes_say_what_kind_of_failure_it_was() {
    let env = Env::start();
    env.run(&["users", "get", "missing"]).exits(1);
    env.run(&["users", "list", "--filter", "userName eq"])
        .exits(2);
    env.run(&[
        "users",
        "list",
        "--url",
        "http://127.0.0.1:1/scim/v2",
        "--timeout",
        "2",
    ])
    .exits(4);
    let denied = env.run(&["users", "list", "--token", "wrong"]);
    denied.exits(5);
    assert_snapshot!("unauthorised", denied.stderr);
    let no_url = env
        .command()
        .env_remove("SCIMCTL_URL")
        .args(["users", "list"])
        .output()
        .expect("runs");
    assert_eq!(no_url.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_url.stderr).contains("hint: pass --url"));
}

#[test]
fn help_lists_the_exit_codes() {
    let env = Env::start();
    let run = env.run(&["--help"]);
    run.exits(0);
    assert!(
        run.stdout.contains("Exit codes:\n  0  success"),
        "{}",
        run.stdout
    );
    let users = env.run(&["users", "list", "--help"]);
    assert!(users.stdout.contains("--filter"), "{}", users.stdout);
}

#[test]
fn as_okta_shapes_the_create_body_and_sends_oktas_headers() {
    let env = Env::start();
    let run = env.run(&[
        "users",
        "create",
        "--user-name",
        "okta.user",
        "--as",
        "okta",
        "--curl",
        "-o",
        "json",
    ]);
    run.exits(0);
    run.stderr_contains(r#""groups":[]"#);
    for header in [
        "'User-Agent: Okta SCIM Client 1.0.0'",
        "'Accept-Charset: utf-8'",
        "'Content-Type: application/scim+json; charset=utf-8'",
    ] {
        assert!(run.stderr.contains(header), "{header}: {}", run.stderr);
    }
}

#[test]
fn search_sends_post_dot_search() {
    let env = Env::start();
    env.create_user("bjensen");
    let run = env.run(&[
        "users",
        "list",
        "--search",
        "--filter",
        r#"userName eq "bjensen""#,
        "-v",
        "-o",
        "json",
    ]);
    assert_eq!(run.json()[0]["userName"], "bjensen");
    run.stderr_contains("POST http://");
    run.stderr_contains("/Users/.search");
}

#[test]
fn raw_output_of_a_get_is_the_server_body() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let run = env.run(&["users", "get", &id, "-o", "raw"]);
    run.exits(0);
    let body: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(body["userName"], "bjensen");
}

/// A server on 127.0.0.1 that answers the first request with a page of one user out of two
/// and never answers the next, so a `users list --all` hangs on its second page.
fn hanging_after_one_page() -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        let _ = socket.set_read_timeout(Some(std::time::Duration::from_secs(30)));
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":1,"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"first"}]}"#;
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        let mut answered = false;
        // Reads until the client goes away (or 30 s pass): one answer, then silence.
        while let Ok(read) = socket.read(&mut buffer) {
            if read == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..read]);
            if !answered && request.windows(4).any(|w| w == b"\r\n\r\n") {
                answered = true;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes());
            }
        }
    });
    (url, server)
}

/// The longest the Ctrl-C tests wait for the child.
const PATIENCE: Duration = Duration::from_secs(60);

#[test]
fn ctrl_c_exits_130_with_whole_lines_and_the_har_file_written() {
    let home = Home::new();
    let har = home.join("trace.har");
    let (url, server) = hanging_after_one_page();
    let (mut child, stdout, stderr) = Running::with_output(
        home.scimctl()
            .args(["--url", &url, "--token", TOKEN, "--har"])
            .arg(&har)
            .args(["users", "list", "--all", "--count", "1", "-o", "ndjson"]),
    );
    let first_line = stdout.wait_for("the first page", PATIENCE, |_| true);
    assert!(first_line.contains(r#""userName":"first""#), "{first_line}");
    child.interrupt();
    let status = child.wait_for_exit(PATIENCE);
    server.join().expect("server thread");
    let stderr = stderr.finish();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(stdout.finish(), first_line, "nothing after the first page");
    let har: Value =
        serde_json::from_slice(&std::fs::read(&har).expect("HAR written")).expect("HAR is JSON");
    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "the answered exchange is recorded");
}

#[test]
fn ctrl_c_while_a_body_is_awaited_on_stdin_exits_130_at_once() {
    let env = Env::start();
    let (mut child, stdout, stderr) = Running::with_output(
        env.scimctl()
            .args(["users", "create", "--file", "-", "-o", "json"])
            .stdin(Stdio::piped()),
    );
    // The readiness signal: the command reads stdin once it has taken more than a pipe holds.
    // Blank lines are JSON whitespace, and stdin stays open, so it goes on waiting for a body.
    let mut stdin = child.0.stdin.take().expect("stdin is piped");
    let (fed, read) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = fed.send(stdin.write_all(&[b'\n'; 1 << 20]).map(|()| stdin));
    });
    let stdin = read
        .recv_timeout(PATIENCE)
        .expect("the command reads its body from stdin")
        .expect("stdin stays open");
    child.interrupt();
    let status = child.wait_for_exit(PATIENCE);
    drop(stdin);
    let stderr = stderr.finish();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stdout.finish().is_empty(), "nothing was created");
}
