//! The `scimctl serve` binary: start-up output, help and usage errors.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use assert_cmd::assert::OutputAssertExt;
use assert_cmd::cargo::CommandCargoExt;
use predicates::prelude::*;

/// Kills the child when the test ends, passing or failing.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_prints_its_url_and_token_and_answers_there() {
    let child = Command::cargo_bin("scimctl")
        .unwrap()
        .args(["serve", "--port", "0", "--token", "t0k3n"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/scim/v2"),
        "{first}"
    );
    assert!(!url.contains(":0/"), "the real port is printed: {first}");
    assert_eq!(lines.next().unwrap().unwrap(), "token: t0k3n");
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
    let child = Command::cargo_bin("scimctl")
        .unwrap()
        .args(["serve", "--port", "0"])
        .env_remove("SCIMCTL_SERVE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let _url = lines.next().unwrap().unwrap();
    let token_line = lines.next().unwrap().unwrap();
    let token = token_line.strip_prefix("token: ").unwrap();
    assert!(token.len() >= 32, "{token_line}");
}

#[test]
fn help_lists_every_quirk() {
    let mut cmd = Command::cargo_bin("scimctl").unwrap();
    let assert = cmd.args(["serve", "--help"]).assert().success();
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
    Command::cargo_bin("scimctl")
        .unwrap()
        .args(["serve", "--quirk", "eq-prefix"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown quirk `eq-prefix`"))
        .stderr(predicate::str::contains("eq-substring"))
        .stderr(predicate::str::contains("latency=MS"));
}

#[test]
fn a_bad_seed_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("scimctl-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("bad.json");
    std::fs::write(
        &seed,
        r#"{"Users": [{"userName": "a"}, {"userName": "A"}]}"#,
    )
    .unwrap();
    Command::cargo_bin("scimctl")
        .unwrap()
        .args(["serve", "--port", "0", "--seed"])
        .arg(&seed)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Users[1]"));
    std::fs::remove_dir_all(&dir).unwrap();
}
