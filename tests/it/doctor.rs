//! `scimctl doctor` against `scimctl serve`: a clean server gets a clean bill, and each quirk
//! doctor can see is named by the finding key it deserves, and by no other. Also: read-only
//! means nothing is written, `--allow-writes` leaves nothing behind, an unreachable port and
//! TLS (trusted, untrusted, the wrong host name) give the documented exit codes, and the
//! console output is pinned by snapshots.
//!
//! A clean bill from python-scim's scim2-server too: a server scimctl did not write catches the
//! misreadings of the RFC that scimctl's own server would share with doctor.
//!
//! Every server is on loopback and stopped when its test ends; the binary runs hermetically
//! (`support::Home`).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use scimctl::serve::quirks::{CATALOGUE, Kind};
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::support::{Home, Run, Scim2Server, Server, concurrently};

/// The bearer token of every server here.
const TOKEN: &str = "d0ct0r-t0k3n-value";

/// Three users (created in userName order, so a list that ignores `sortBy` is still
/// ascending) and a group with two members.
const SEED: &str = r#"{
  "Users": [
    {"userName": "alice", "name": {"givenName": "Alice", "familyName": "Able"}, "password": "Pa55-word-alice"},
    {"userName": "bob", "name": {"givenName": "Bob", "familyName": "Baker"}, "password": "Pa55-word-bob"},
    {"userName": "carol", "name": {"givenName": "Carol", "familyName": "Cole"}, "password": "Pa55-word-carol"}
  ],
  "Groups": [
    {"displayName": "admins", "members": [{"value": "alice"}, {"value": "bob"}]}
  ]
}"#;

/// `scimctl serve` with the token of these tests, these quirks and, if `seeded`, [`SEED`].
fn serve(quirks: &[Quirk], seeded: bool) -> Server {
    Server::start(ServeConfig {
        port: 0,
        token: Some(TOKEN.to_owned()),
        quirks: Quirks::from_list(quirks),
        seed: seeded.then(|| Seed::from_json(SEED).expect("seed")),
        ..ServeConfig::default()
    })
}

/// `scimctl ARGS`, hermetic in `home`, against the server at `url`.
fn run(url: &str, home: &Home, args: &[&str]) -> Run {
    let output = home.command_for(url, TOKEN).args(args).output();
    Run::from(output.expect("binary runs"))
}

/// `scimctl doctor -o json` with `args` against a server with `quirks`.
fn doctor_json(quirks: &[Quirk], args: &[&str]) -> Run {
    let server = serve(quirks, true);
    let home = Home::new();
    let mut all = vec!["doctor", "-o", "json"];
    all.extend_from_slice(args);
    run(server.url(), &home, &all)
}

fn quirk(name: &str) -> Quirk {
    Quirk::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each quirk doctor can see, the options it needs, and the keys it must name (exactly). The
/// run exits 1 when one of them is a MUST (the default --fail-on), else 0.
const SEEN: &[(&str, &[&str], &[&str])] = &[
    ("eq-substring", &[], &["filter-eq-not-exact"]),
    (
        "case-sensitive-username",
        &[],
        &["filter-username-case-sensitive"],
    ),
    ("filter-no-match-404", &[], &["filter-no-match-error"]),
    // Counting from 0 skips the first match of every list, a filtered lookup's included.
    (
        "zero-based-start-index",
        &[],
        &["list-start-index-zero", "filter-misses-existing"],
    ),
    (
        "total-results-page-size",
        &[],
        &["list-total-results-wrong"],
    ),
    ("lowercase-resources", &[], &["message-key-case"]),
    ("json-content-type", &[], &["response-not-scim-json"]),
    ("numeric-error-status", &[], &["error-status-not-string"]),
    ("no-auth", &[], &["auth-not-required"]),
    ("require-user-agent", &[], &["user-agent-required"]),
    (
        "discovery-filter-ignored",
        &[],
        &["discovery-filter-accepted"],
    ),
    ("schemas-missing-user", &[], &["discovery-schema-missing"]),
    ("count-zero-400", &[], &["count-zero-refused"]),
    ("negative-count-400", &[], &["count-negative-refused"]),
    ("count-ignored", &[], &["count-ignored"]),
    ("reject-application-json", &[], &["request-json-refused"]),
    ("attributes-drop-id", &[], &["projection-drops-id"]),
    (
        "ignore-excluded-attributes",
        &[],
        &["excluded-attributes-ignored"],
    ),
    ("ignore-sort", &[], &["spc-claim-not-honoured"]),
    ("always-not-modified", &[], &["etag-not-honoured"]),
    ("password-echoed", &[], &["returned-never-present"]),
    ("reject-raw-query-chars", &[], &["raw-query-refused"]),
    (
        "soft-delete",
        &["--allow-writes"],
        &["delete-not-effective"],
    ),
    (
        "ignore-if-match",
        &["--allow-writes"],
        &["etag-not-honoured"],
    ),
    (
        "etag-never-changes",
        &["--allow-writes"],
        &["etag-not-honoured"],
    ),
    (
        "etag-only-on-reads",
        &["--allow-writes"],
        &["etag-header-missing"],
    ),
    (
        "require-name-formatted",
        &["--allow-writes"],
        &["write-refused"],
    ),
    (
        "pathless-patch-ignored",
        &["--allow-writes", "--as", "okta"],
        &["write-not-applied"],
    ),
    (
        "case-sensitive-patch-op",
        &["--allow-writes", "--as", "entra-legacy"],
        &["write-refused"],
    ),
    (
        "reject-string-booleans",
        &["--allow-writes", "--as", "entra-legacy"],
        &["write-refused"],
    ),
];

/// Every legal behaviour of the quirk table, with its example argument: none is a finding. The
/// ones that take an argument (a rate limit, a latency) only slow answers down, so doctor runs
/// read-only against them, which keeps the run short; the others with `--allow-writes`.
fn legal_behaviours() -> Vec<(String, &'static [&'static str])> {
    CATALOGUE
        .iter()
        .filter(|info| info.kind == Kind::Legal)
        .map(|info| {
            let args: &'static [&'static str] = if info.argument.is_empty() {
                &["--allow-writes"]
            } else {
                &[]
            };
            (info.example(), args)
        })
        .collect()
}

#[test]
fn each_quirk_doctor_can_see_is_named_by_its_key_and_no_other() {
    let wrong: Vec<String> = concurrently(SEEN, |(name, args, expected)| {
        let found = doctor_json(&[quirk(name)], args);
        let named = found.finding_keys();
        let expected: BTreeSet<String> = expected.iter().map(|k| (*k).to_owned()).collect();
        let must = found.stdout_json()["counts"]["must"].as_u64().unwrap_or(0);
        (named != expected || found.code != i32::from(must > 0)).then(|| {
            format!(
                "--quirk {name} {args:?}: exit {}, keys {named:?}, expected {expected:?}\n{}",
                found.code, found.stderr
            )
        })
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn legal_behaviours_and_a_clean_server_get_a_clean_bill() {
    let mut wrong = Vec::new();
    let clean = doctor_json(&[], &["--allow-writes"]);
    if !clean.finding_keys().is_empty() || clean.code != 0 {
        wrong.push(format!(
            "clean: exit {}, {:?}",
            clean.code,
            clean.finding_keys()
        ));
    }
    let legal = legal_behaviours();
    assert!(legal.len() >= 12, "{legal:?}");
    wrong.extend(
        concurrently(&legal, |(name, args)| {
            let found = doctor_json(&[quirk(name)], args);
            (!found.finding_keys().is_empty() || found.code != 0).then(|| {
                format!(
                    "--quirk {name}: exit {}, {:?}\n{}",
                    found.code,
                    found.finding_keys(),
                    found.stderr
                )
            })
        })
        .into_iter()
        .flatten(),
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_404_on_no_match_is_explained_with_what_entra_does() {
    let found = doctor_json(&[quirk("filter-no-match-404")], &[]);
    let document = found.stdout_json();
    let finding = &document["findings"][0];
    assert_eq!(finding["key"], "filter-no-match-error");
    assert_eq!(finding["level"], "must");
    assert!(
        finding["entra"]
            .as_str()
            .is_some_and(|text| text.contains("Test Connection")),
        "{finding}"
    );
    assert!(
        finding["location"]["request"]
            .as_str()
            .is_some_and(|request| request.starts_with("GET /Users?filter=userName eq \"")),
        "{finding}"
    );
    assert_eq!(found.code, 1);
}

/// Everything the server holds, as the binary lists it (versions and timestamps included).
fn holdings(url: &str, home: &Home) -> (String, String) {
    let users = run(url, home, &["users", "list", "-o", "json"]);
    let groups = run(url, home, &["groups", "list", "-o", "json"]);
    assert_eq!(
        (users.code, groups.code),
        (0, 0),
        "{}{}",
        users.stderr,
        groups.stderr
    );
    (users.stdout, groups.stdout)
}

#[test]
fn read_only_writes_nothing_and_allow_writes_leaves_nothing_behind() {
    let server = serve(&[], true);
    let home = Home::new();
    let before = holdings(server.url(), &home);
    let read_only = run(server.url(), &home, &["doctor"]);
    assert_eq!(
        read_only.code, 0,
        "{}{}",
        read_only.stdout, read_only.stderr
    );
    assert_eq!(
        holdings(server.url(), &home),
        before,
        "read-only doctor changed data"
    );
    let ledger = home.join("doctor.jsonl");
    let ledger_arg = ledger.to_str().expect("UTF-8 path");
    let writing = run(
        server.url(),
        &home,
        &["doctor", "--allow-writes", "--ledger", ledger_arg],
    );
    assert_eq!(writing.code, 0, "{}{}", writing.stdout, writing.stderr);
    assert!(
        writing.stdout.contains("created `scimctl-test-"),
        "{}",
        writing.stdout
    );
    let (users, groups) = holdings(server.url(), &home);
    assert_eq!(groups, before.1);
    let names: Vec<String> = serde_json::from_str::<Value>(&users)
        .expect("JSON")
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        ["alice", "bob", "carol"],
        "the throwaway users are gone"
    );
    assert!(!ledger.exists(), "a ledger with nothing left is removed");
}

#[test]
fn a_soft_delete_is_left_in_the_ledger_for_test_cleanup() {
    let server = serve(&[quirk("soft-delete")], true);
    let home = Home::new();
    let ledger = home.join("doctor.jsonl");
    let found = run(
        server.url(),
        &home,
        &[
            "doctor",
            "--allow-writes",
            "--ledger",
            ledger.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(found.code, 1, "{}", found.stderr);
    assert!(
        found.stderr.contains("scimctl test cleanup --ledger"),
        "{}",
        found.stderr
    );
    let text = std::fs::read_to_string(&ledger).expect("ledger kept");
    assert!(text.contains("\"check\":\"doctor\""), "{text}");
}

#[test]
fn an_unreachable_port_stops_after_reachability_with_exit_4() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let home = Home::new();
    let url = format!("http://127.0.0.1:{port}/scim/v2");
    let found = run(&url, &home, &["doctor", "-o", "json"]);
    assert_eq!(found.code, 4, "{}", found.stderr);
    let document = found.stdout_json();
    let sections = document["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 8, "every stage is listed");
    assert_eq!(sections[0]["lines"][1]["status"], "failed");
    for later in &sections[1..] {
        assert_eq!(later["lines"][0]["status"], "skipped", "{later}");
        assert!(
            later["lines"][0]["text"]
                .as_str()
                .is_some_and(|text| text.contains("cannot be reached")),
            "{later}"
        );
    }
}

#[test]
fn refused_credentials_stop_after_auth_with_exit_5() {
    let server = serve(&[], true);
    let home = Home::new();
    let output = home
        .command_for(server.url(), TOKEN)
        .env("SCIMCTL_TOKEN", "not-the-token")
        .args(["doctor"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("the configured credentials are refused"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not checked: the credentials are refused"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("not-the-token"),
        "the token never shows: {stdout}"
    );
}

/// A TLS front for `backend` (host:port) on `bind`, with the test certificate for localhost
/// and 127.0.0.1. It runs on the server's runtime, so it stops with it.
fn tls_front(server: &Server, bind: &str) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = vec![
        CertificateDer::from_pem_slice(include_bytes!("../../fixtures/tls/server.pem"))
            .expect("certificate"),
    ];
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../../fixtures/tls/server.key"))
        .expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let backend = server
        .url()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("authority")
        .to_owned();
    let listener = server.block_on(TcpListener::bind(bind)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    server.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let backend = backend.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(&backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

fn cacert() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls/ca.pem")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn tls_is_judged_chain_then_host_name_and_an_untrusted_chain_stops_unless_insecure() {
    let server = serve(&[], true);
    let port = tls_front(&server, "127.0.0.1:0");
    let home = Home::new();
    let url = format!("https://localhost:{port}/scim/v2");
    let trusted = run(
        &url,
        &home,
        &["doctor", "-o", "json", "--cacert", &cacert()],
    );
    assert_eq!(trusted.code, 0, "{}{}", trusted.stdout, trusted.stderr);
    assert!(trusted.finding_keys().is_empty());
    assert!(
        trusted.stdout.contains("valid until 2126-11-12"),
        "{}",
        trusted.stdout
    );

    let untrusted = run(&url, &home, &["doctor", "-o", "json"]);
    assert_eq!(untrusted.code, 4, "{}", untrusted.stderr);
    assert_eq!(
        untrusted.finding_keys(),
        BTreeSet::from(["tls-certificate-untrusted".to_owned()])
    );
    let insecure = run(&url, &home, &["doctor", "-o", "json", "--insecure"]);
    assert_eq!(insecure.code, 1, "{}", insecure.stderr);
    assert_eq!(
        insecure.finding_keys(),
        BTreeSet::from(["tls-certificate-untrusted".to_owned()]),
        "the stages after TLS ran and found nothing else"
    );
    assert!(
        insecure.stdout.contains("refused with 401"),
        "{}",
        insecure.stdout
    );
}

#[test]
fn a_certificate_for_another_host_name_is_named() {
    let server = serve(&[], false);
    // All of 127.0.0.0/8 is loopback; the certificate names only 127.0.0.1 and localhost.
    let port = tls_front(&server, "127.0.0.2:0");
    let home = Home::new();
    let url = format!("https://127.0.0.2:{port}/scim/v2");
    let found = run(
        &url,
        &home,
        &["doctor", "-o", "json", "--cacert", &cacert()],
    );
    assert_eq!(found.code, 4, "{}", found.stderr);
    assert_eq!(
        found.finding_keys(),
        BTreeSet::from(["tls-host-name-mismatch".to_owned()])
    );
}

#[test]
fn a_server_scimctl_did_not_write_gets_a_clean_bill_too() {
    let Some(server) = Scim2Server::start(TOKEN) else {
        return;
    };
    let home = Home::new();
    for name in ["alice", "bob", "carol"] {
        let created = run(
            server.url(),
            &home,
            &["users", "create", "--user-name", name],
        );
        assert_eq!(created.code, 0, "{}", created.stderr);
    }
    let found = run(
        server.url(),
        &home,
        &["doctor", "-o", "json", "--allow-writes"],
    );
    assert_eq!(found.code, 0, "{}{}", found.stdout, found.stderr);
    assert!(
        found.finding_keys().is_empty(),
        "{:?}",
        found.finding_keys()
    );
    let document = found.stdout_json();
    let lines = document["sections"][5]["lines"].as_array().expect("reads");
    assert!(
        lines.iter().filter(|line| line["status"] == "ok").count() >= 10,
        "the reads ran: {lines:?}"
    );
}

/// Replaces what changes from run to run: ids, GUIDs, ports, ETags.
fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[id]",
    );
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r#"W/"\d+""#, "[etag]");
    settings
}

#[test]
fn the_console_check_up_of_a_clean_server() {
    let server = serve(&[], true);
    let home = Home::new();
    let found = run(server.url(), &home, &["doctor"]);
    assert_eq!(found.code, 0, "{}", found.stderr);
    snapshots().bind(|| insta::assert_snapshot!(found.stdout));
}

#[test]
fn the_console_check_up_of_a_server_answering_404_to_no_match() {
    let server = serve(&[quirk("filter-no-match-404")], true);
    let home = Home::new();
    let found = run(server.url(), &home, &["doctor"]);
    assert_eq!(found.code, 1, "{}", found.stderr);
    snapshots().bind(|| insta::assert_snapshot!(found.stdout));
}
