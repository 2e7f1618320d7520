//! Seeing the wire (`-v`, `-vv`, `-vvv`, `--curl`, `--har`) with secrets redacted, and the
//! exit codes of failures.

use insta::assert_snapshot;
use serde_json::Value;

use crate::common::{Env, TOKEN, snapshots};

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
    assert!(run.stderr.contains(r#""groups":[]"#), "{}", run.stderr);
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
    assert!(run.stderr.contains("POST http://"), "{}", run.stderr);
    assert!(run.stderr.contains("/Users/.search"), "{}", run.stderr);
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
