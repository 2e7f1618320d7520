//! The `scimctl serve` binary: start-up output, help and usage errors.

use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

use crate::support::{Home, Running};

/// The longest a test waits for the server to print a line.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn serve_prints_its_url_and_token_and_answers_there() {
    let home = Home::new();
    let (_server, stdout, _stderr) = Running::with_output(
        home.scimctl()
            .args(["serve", "--port", "0", "--token", "t0k3n"]),
    );
    let first = stdout.wait_for("the base URL", PATIENCE, |_| true);
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/scim/v2"),
        "{first}"
    );
    assert!(!url.contains(":0/"), "the real port is printed: {first}");
    let second = stdout.wait_for("the token", PATIENCE, |line| line != first);
    assert_eq!(second, "token: t0k3n");
    let answer = reqwest::Client::new()
        .get(format!("{url}/ServiceProviderConfig"))
        .bearer_auth("t0k3n")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[test]
fn without_a_token_a_random_one_is_printed() {
    let home = Home::new();
    let (_server, stdout, _stderr) =
        Running::with_output(home.scimctl().args(["serve", "--port", "0"]));
    let token_line = stdout.wait_for("the token", PATIENCE, |line| line.starts_with("token"));
    let token = token_line.strip_prefix("token: ").unwrap();
    assert!(token.len() >= 32, "{token_line}");
}

#[test]
fn help_lists_every_quirk() {
    let home = Home::new();
    let assert = home.scimctl().args(["serve", "--help"]).assert().success();
    let output = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for quirk in scimctl::serve::quirks::CATALOGUE {
        let name = quirk.usage();
        assert!(output.contains(&name), "{name} missing from --help");
        let first_words: String = quirk
            .summary
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(output.contains(&first_words), "{name}: description missing");
    }
}

#[test]
fn an_unknown_quirk_is_a_usage_error_listing_the_valid_ones() {
    Home::new()
        .scimctl()
        .args(["serve", "--quirk", "eq-prefix"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown quirk `eq-prefix`"))
        .stderr(predicate::str::contains("eq-substring"))
        .stderr(predicate::str::contains("latency=MS"));
}

#[test]
fn a_bad_seed_is_a_usage_error() {
    let home = Home::new();
    let seed = home.join("bad.json");
    std::fs::write(
        &seed,
        r#"{"Users": [{"userName": "a"}, {"userName": "A"}]}"#,
    )
    .unwrap();
    home.scimctl()
        .args(["serve", "--port", "0", "--seed"])
        .arg(&seed)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Users[1]"));
}
