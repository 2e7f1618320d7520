//! `scimctl demo`, run as a new user would: end to end against the embedded server it starts
//! itself, hermetically (`support::Home`: HOME, XDG directories, the configuration file and the
//! working directory point into a temporary directory; nothing of the developer's environment
//! reaches the binary).

use std::net::TcpStream;
use std::time::Duration;

use crate::support::{Home, Run};

/// Runs `scimctl demo ARGS` in `home`, hermetically, for at most two minutes.
fn demo(home: &Home, args: &[&str]) -> Run {
    let output = home
        .command()
        .arg("demo")
        .args(args)
        .output()
        .expect("scimctl runs");
    Run::from(output)
}

/// The server's base URL, from the first line the demo printed.
fn server_url(run: &Run) -> &str {
    run.stdout
        .lines()
        .find_map(|line| line.strip_prefix("SCIM server listening on "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no server line in:\n{}", run.stdout))
}

#[test]
fn the_demo_shows_the_data_set_runs_the_suites_and_writes_the_html_report_here() {
    let home = Home::new();
    let run = demo(&home, &[]);
    run.exits(0);
    let out = &run.stdout;
    for user in ["bjensen", "Barbara Jensen", "kyamamoto", "Kenji Yamamoto"] {
        assert!(out.contains(user), "no {user} in the users table:\n{out}");
    }
    for group in ["Platform", "Customer Success", "Admins"] {
        assert!(out.contains(group), "no group {group}:\n{out}");
    }
    let rfc_verdict = out
        .lines()
        .find(|line| line.trim_start().starts_with("RFC 7644: "))
        .unwrap_or_else(|| panic!("no RFC 7644 verdict line:\n{out}"));
    assert!(rfc_verdict.contains(" MUST"), "{rfc_verdict}");
    assert!(
        out.lines().any(|line| line.trim() == "Okta: ready"),
        "no `Okta: ready` verdict:\n{out}"
    );
    assert!(
        !out.contains("Entra"),
        "the demo runs only rfc7644 and okta:\n{out}"
    );
    assert!(out.contains(" 0 failed"), "{out}");
    assert!(
        out.lines()
            .any(|line| line == "HTML report: scimctl-demo-report.html"),
        "the report's path is not printed:\n{out}"
    );
    let page = std::fs::read_to_string(home.join("scimctl-demo-report.html"))
        .expect("the HTML report is in the current directory");
    assert!(
        page.to_ascii_lowercase().starts_with("<!doctype html>"),
        "not an HTML page: {}",
        page.chars().take(80).collect::<String>()
    );
    assert!(page.contains("Okta"), "the page has the Okta suite");
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for outside in ["src=", "href=", "url(", "@import"] {
        assert!(
            !page.contains(outside),
            "the page loads from outside: {outside}"
        );
    }
}

#[test]
fn the_demo_stops_its_server_and_removes_what_the_checks_created() {
    let home = Home::new();
    let run = demo(&home, &["--html", "reports/demo/page.html", "--jobs", "1"]);
    run.exits(0);
    let address = server_url(&run)
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("an http URL")
        .to_owned();
    let address = address.parse().expect("a socket address");
    assert!(
        TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_err(),
        "the demo server still answers at {address}"
    );
    let ledgers = home.join("cache/scimctl/ledgers");
    let leftovers: Vec<_> = std::fs::read_dir(&ledgers)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "ledgers left: {leftovers:?}");
    assert!(
        run.stdout.contains("HTML report: reports/demo/page.html"),
        "{}",
        run.stdout
    );
    assert!(
        home.join("reports/demo/page.html").is_file(),
        "--html creates the directory it names"
    );
}
