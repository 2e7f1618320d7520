//! `scimctl replay` against `scimctl serve`: every scenario of every identity provider gets a
//! clean conclusion from a server without quirks; each quirk that breaks a scenario is named
//! by the finding key it deserves, and by no other; the requests go on the wire byte for byte
//! as the identity provider writes them (seen through a recording proxy); bad arguments get
//! clear errors and the documented exit codes; the console output is pinned by snapshots.
//!
//! Every server is on loopback and stopped when its test ends; the binary runs hermetically
//! (`support::Home`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Home, Run, Scim2Server, Server, concurrently};

/// The bearer token of every server here.
const TOKEN: &str = "r3play-t0k3n-value";

/// Four users (`alice.smith` shares a prefix with `alice`) and a group of two.
const SEED: &str = r#"{
  "Users": [
    {"userName": "alice", "name": {"givenName": "Alice", "familyName": "Able"}, "emails": [{"value": "alice@example.com", "type": "work", "primary": true}]},
    {"userName": "alice.smith", "name": {"givenName": "Alice", "familyName": "Smith"}},
    {"userName": "bob", "name": {"givenName": "Bob", "familyName": "Baker"}},
    {"userName": "carol", "name": {"givenName": "Carol", "familyName": "Cole"}}
  ],
  "Groups": [
    {"displayName": "admins", "members": [{"value": "alice"}, {"value": "bob"}]}
  ]
}"#;

/// A seeded `scimctl serve` with these quirks, serving while the binary runs.
fn serve(quirks: &[Quirk]) -> Server {
    Server::start(ServeConfig {
        port: 0,
        token: Some(TOKEN.to_owned()),
        quirks: Quirks::from_list(quirks),
        seed: Some(Seed::from_json(SEED).expect("seed")),
        ..ServeConfig::default()
    })
}

/// A proxy in front of `server` that keeps every byte clients send, on the server's runtime (so
/// it stops with it), and the URL to reach the server through it.
fn recorded(server: &Server) -> (String, Arc<Mutex<Vec<u8>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let listener = server
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let backend = server
        .url()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("authority")
        .to_owned();
    let kept = Arc::clone(&sent);
    let target = backend.clone();
    server.spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(upstream) = TcpStream::connect(&target).await else {
                return;
            };
            tokio::spawn(relay(client, upstream, Arc::clone(&kept)));
        }
    });
    let url = server
        .url()
        .replacen(&backend, &format!("127.0.0.1:{port}"), 1);
    (url, sent)
}

/// Copies the client's bytes to the server (keeping them) and the server's back, until either
/// side closes.
async fn relay(client: TcpStream, server: TcpStream, sent: Arc<Mutex<Vec<u8>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut buffer = [0u8; 8192];
        while let Ok(read) = client_read.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            sent.lock()
                .expect("lock")
                .extend_from_slice(&buffer[..read]);
            if server_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// `scimctl ARGS` in a home of its own against the server at `url`.
fn run(url: &str, args: &[&str]) -> Run {
    let home = Home::new();
    let output = home.command_for(url, TOKEN).args(args).output();
    Run::from(output.expect("binary runs"))
}

/// `scimctl replay -o json ARGS` against a fresh server with `quirks`.
fn replay_json(quirks: &[Quirk], args: &[&str]) -> Run {
    let server = serve(quirks);
    let mut all = vec!["replay", "-o", "json"];
    all.extend_from_slice(args);
    run(server.url(), &all)
}

fn quirk(name: &str) -> Quirk {
    Quirk::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every scenario of every identity provider, with arguments that fit the seed, and the
/// conclusion a correct server gets.
const SCENARIOS: &[(&[&str], &str)] = &[
    (
        &["--as", "okta", "test-connection"],
        "Okta would report: the API credentials are valid",
    ),
    (
        &["--as", "okta", "create-user", "dale@example.com"],
        "Okta would create `dale@example.com` and keep its id",
    ),
    (
        &["--as", "okta", "update-user", "alice", "Alicia", "Abel"],
        "Okta would update `alice`",
    ),
    (
        &["--as", "okta", "deactivate", "alice"],
        "Okta would deactivate `alice`",
    ),
    (
        &["--as", "okta", "reactivate", "alice"],
        "Okta would reactivate `alice`",
    ),
    (
        &["--as", "okta", "group-push", "Sales Team", "bob"],
        "Okta would push `Sales Team`",
    ),
    (
        &["--as", "okta", "add-member", "admins", "carol"],
        "Okta would add `carol` to `admins`",
    ),
    (
        &["--as", "okta", "remove-member", "admins", "alice"],
        "Okta would remove `alice` from `admins`",
    ),
    (
        &["--as", "okta", "manager-update", "alice", "carol"],
        "Okta would set the manager of `alice` to `carol`",
    ),
    (
        &["--as", "okta", "import"],
        "Okta would import the users and groups of the first page",
    ),
    (
        &["--as", "entra", "test-connection"],
        "Entra would report: Test Connection succeeded",
    ),
    (
        &["--as", "entra", "create-user", "dale+sales@example.com"],
        "Entra would create `dale+sales@example.com` and keep its id",
    ),
    (
        &["--as", "entra", "update-user", "alice", "Alicia", "Abel"],
        "Entra would update `alice`",
    ),
    (
        &["--as", "entra", "deactivate", "alice"],
        "Entra would disable `alice`",
    ),
    (
        &["--as", "entra", "reactivate", "alice"],
        "Entra would enable `alice`",
    ),
    (
        &["--as", "entra", "group-push", "Sales Team", "bob"],
        "Entra would create `Sales Team`",
    ),
    (
        &["--as", "entra", "add-member", "admins", "carol"],
        "Entra would add `carol` to `admins`",
    ),
    (
        &["--as", "entra", "remove-member", "admins", "alice"],
        "Entra would remove `alice` from `admins`",
    ),
    (
        &["--as", "entra", "manager-update", "alice", "carol"],
        "Entra would set the manager of `alice` to `carol`",
    ),
    (
        &["--as", "entra-legacy", "test-connection"],
        "Entra would report: Test Connection succeeded",
    ),
    (
        &["--as", "entra-legacy", "create-user", "dale@example.com"],
        "Entra would create `dale@example.com` and keep its id",
    ),
    (
        &[
            "--as",
            "entra-legacy",
            "update-user",
            "alice",
            "Alicia",
            "Abel",
        ],
        "Entra would update `alice`",
    ),
    (
        &["--as", "entra-legacy", "deactivate", "alice"],
        "Entra would disable `alice`",
    ),
    (
        &["--as", "entra-legacy", "reactivate", "alice"],
        "Entra would enable `alice`",
    ),
    (
        &["--as", "entra-legacy", "group-push", "Sales Team", "bob"],
        "Entra would create `Sales Team`",
    ),
    (
        &["--as", "entra-legacy", "add-member", "admins", "carol"],
        "Entra would add `carol` to `admins`",
    ),
    (
        &["--as", "entra-legacy", "remove-member", "admins", "alice"],
        "Entra would remove `alice` from `admins`",
    ),
    (
        &["--as", "entra-legacy", "manager-update", "alice", "carol"],
        "Entra would set the manager of `alice` to `carol`",
    ),
];

#[test]
fn every_scenario_of_every_identity_provider_is_carried_out_on_a_correct_server() {
    let wrong: Vec<String> = concurrently(SCENARIOS, |(args, conclusion)| {
        let found = replay_json(&[], args);
        let document = found.stdout_json();
        (found.code != 0
            || !found.finding_keys().is_empty()
            || document["conclusion"] != *conclusion)
            .then(|| {
                format!(
                    "{args:?}: exit {}, {:?}, `{}`\n{}",
                    found.code,
                    found.finding_keys(),
                    document["conclusion"],
                    found.stderr
                )
            })
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each quirk (or quirks joined by `+`) that breaks a scenario, the scenario, and the keys it
/// must name (exactly). The run exits 1 when one of them reaches the default --fail-on
/// (interop), else 0.
const BROKEN: &[(&str, &[&str], &[&str])] = &[
    (
        "filter-no-match-404",
        &["--as", "okta", "create-user", "dale@example.com"],
        &["filter-no-match-error"],
    ),
    (
        "filter-no-match-404",
        &["--as", "okta", "group-push", "Sales"],
        &["filter-no-match-error"],
    ),
    (
        "filter-no-match-404",
        &["--as", "entra", "test-connection"],
        &["filter-no-match-error"],
    ),
    (
        "filter-no-match-404",
        &["--as", "entra", "create-user", "dale@example.com"],
        &["filter-no-match-error"],
    ),
    (
        "reject-raw-query-chars",
        &["--as", "entra", "test-connection"],
        &["raw-query-refused"],
    ),
    (
        "reject-raw-query-chars",
        &["--as", "entra-legacy", "deactivate", "alice"],
        &["raw-query-refused"],
    ),
    (
        "reject-raw-query-chars",
        &["--as", "entra", "add-member", "admins", "carol"],
        &["raw-query-refused"],
    ),
    (
        "require-user-agent",
        &["--as", "entra", "test-connection"],
        &["user-agent-required"],
    ),
    (
        "json-content-type",
        &["--as", "entra", "test-connection"],
        &["response-not-scim-json"],
    ),
    (
        "eq-substring",
        &["--as", "okta", "create-user", "ali"],
        &["filter-eq-not-exact"],
    ),
    (
        "eq-substring",
        &["--as", "entra", "create-user", "ali"],
        &["filter-eq-not-exact"],
    ),
    (
        "case-sensitive-patch-op",
        &["--as", "entra-legacy", "deactivate", "alice"],
        &["patch-op-capitalised"],
    ),
    (
        "case-sensitive-patch-op",
        &["--as", "entra-legacy", "update-user", "alice", "A", "B"],
        &["patch-op-capitalised"],
    ),
    (
        "case-sensitive-patch-op",
        &["--as", "entra-legacy", "add-member", "admins", "carol"],
        &["patch-op-capitalised"],
    ),
    (
        "case-sensitive-patch-op",
        &["--as", "entra-legacy", "remove-member", "admins", "alice"],
        &["patch-op-capitalised"],
    ),
    (
        "reject-string-booleans",
        &["--as", "entra-legacy", "deactivate", "alice"],
        &["string-boolean-refused"],
    ),
    (
        "reject-string-booleans",
        &["--as", "entra-legacy", "reactivate", "alice"],
        &["string-boolean-refused"],
    ),
    (
        "member-removal-empties-group",
        &["--as", "entra-legacy", "remove-member", "admins", "alice"],
        &["remove-by-value-list"],
    ),
    (
        "filtered-remove-clears-all",
        &["--as", "okta", "remove-member", "admins", "alice"],
        &["patch-remove-filter-ignored"],
    ),
    (
        "filtered-remove-clears-all",
        &["--as", "entra", "remove-member", "admins", "alice"],
        &["patch-remove-filter-ignored"],
    ),
    (
        "add-replaces-list",
        &["--as", "okta", "add-member", "admins", "carol"],
        &["patch-add-replaces"],
    ),
    (
        "add-replaces-list",
        &["--as", "entra", "add-member", "admins", "carol"],
        &["patch-add-replaces"],
    ),
    (
        "pathless-patch-ignored",
        &["--as", "okta", "deactivate", "alice"],
        &["write-not-applied"],
    ),
    (
        "pathless-patch-ignored",
        &["--as", "entra", "update-user", "alice", "A", "B"],
        &["write-not-applied"],
    ),
    (
        "put-not-stored",
        &["--as", "okta", "update-user", "alice", "A", "B"],
        &["write-not-applied"],
    ),
    (
        "put-not-stored",
        &["--as", "okta", "manager-update", "alice", "carol"],
        &["write-not-applied"],
    ),
    (
        "enterprise-extension-dropped",
        &["--as", "okta", "manager-update", "alice", "carol"],
        &["write-not-applied"],
    ),
    (
        "reject-urn-paths",
        &["--as", "entra", "manager-update", "alice", "carol"],
        &["urn-path-refused"],
    ),
    (
        "password-echoed",
        &["--as", "okta", "create-user", "dale@example.com"],
        &["returned-never-present"],
    ),
    (
        "lowercase-resources",
        &["--as", "okta", "import"],
        &["message-key-case"],
    ),
    (
        "ignore-excluded-attributes",
        &["--as", "entra", "add-member", "admins", "carol"],
        &["excluded-attributes-ignored"],
    ),
    (
        "require-name-formatted",
        &["--as", "okta", "create-user", "dale@example.com"],
        &["write-refused"],
    ),
    (
        "reject-value-path-patch",
        &["--as", "okta", "remove-member", "admins", "alice"],
        &["write-refused"],
    ),
];

#[test]
fn each_quirk_that_breaks_a_scenario_is_named_by_its_key_and_no_other() {
    let wrong: Vec<String> = concurrently(BROKEN, |(name, args, expected)| {
        let quirks: Vec<Quirk> = name.split('+').map(quirk).collect();
        let found = replay_json(&quirks, args);
        let keys = found.finding_keys();
        let expected: BTreeSet<String> = expected.iter().map(|k| (*k).to_owned()).collect();
        let counts = &found.stdout_json()["counts"];
        let reaching =
            counts["must"].as_u64().unwrap_or(0) + counts["interop"].as_u64().unwrap_or(0);
        (keys != expected || found.code != i32::from(reaching > 0)).then(|| {
            format!(
                "--quirk {name} {args:?}: exit {}, keys {keys:?}, expected {expected:?}\n{}",
                found.code, found.stderr
            )
        })
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Legal behaviours, and deviations a scenario does not meet, leave its conclusion clean.
const UNBROKEN: &[(&str, &[&str])] = &[
    ("patch-no-content", &["--as", "okta", "deactivate", "alice"]),
    (
        "patch-no-content",
        &["--as", "entra-legacy", "deactivate", "alice"],
    ),
    (
        "patch-no-content",
        &["--as", "entra", "add-member", "admins", "carol"],
    ),
    ("no-content-html", &["--as", "okta", "reactivate", "alice"]),
    ("charset", &["--as", "entra", "test-connection"]),
    (
        "charset",
        &["--as", "okta", "create-user", "dale@example.com"],
    ),
    (
        "rate-limit=3",
        &["--as", "entra", "remove-member", "admins", "alice"],
    ),
    ("latency=5", &["--as", "okta", "import"]),
    (
        "unique-emails",
        &["--as", "okta", "create-user", "dale@example.com"],
    ),
    (
        "filter-username-only",
        &["--as", "entra", "create-user", "dale@example.com"],
    ),
    ("items-per-page-is-count", &["--as", "okta", "import"]),
    (
        "resource-type-endpoint-unslashed",
        &["--as", "entra", "add-member", "admins", "carol"],
    ),
    (
        "version-conflict-409",
        &["--as", "okta", "update-user", "alice", "Alicia", "Abel"],
    ),
    ("discovery-write-501", &["--as", "okta", "test-connection"]),
    (
        "reject-raw-query-chars",
        &["--as", "okta", "create-user", "dale@example.com"],
    ),
    (
        "case-sensitive-patch-op",
        &["--as", "entra", "deactivate", "alice"],
    ),
    (
        "reject-string-booleans",
        &["--as", "okta", "deactivate", "alice"],
    ),
    (
        "member-removal-empties-group",
        &["--as", "entra", "remove-member", "admins", "alice"],
    ),
];

#[test]
fn legal_behaviours_and_deviations_a_scenario_does_not_meet_leave_it_clean() {
    let wrong: Vec<String> = concurrently(UNBROKEN, |(name, args)| {
        let found = replay_json(&[quirk(name)], args);
        (found.code != 0 || !found.finding_keys().is_empty()).then(|| {
            format!(
                "--quirk {name} {args:?}: exit {}, {:?}\n{}",
                found.code,
                found.finding_keys(),
                found.stderr
            )
        })
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The bytes clients sent, as text.
fn wire(sent: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&sent.lock().expect("lock")).into_owned()
}

#[test]
fn entra_legacy_disables_with_replace_and_the_string_false_and_says_how_the_server_took_it() {
    let server = serve(&[]);
    let (url, sent) = recorded(&server);
    let found = run(
        &url,
        &["replay", "--as", "entra-legacy", "deactivate", "alice"],
    );
    assert_eq!(found.code, 0, "{}{}", found.stdout, found.stderr);
    let bytes = wire(&sent);
    assert!(
        bytes.contains("GET /scim/v2/Users?filter=userName+eq+\"alice\" HTTP/1.1\r\n"),
        "Entra's match goes out with raw quotes and +: {bytes}"
    );
    assert!(
        bytes.contains(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#
        ),
        "Entra's legacy disable, byte for byte: {bytes}"
    );
    assert!(
        !bytes.contains(r#""value":false"#),
        "no variant was needed: {bytes}"
    );
    assert!(
        found.stdout.contains(r#"> {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#),
        "{}",
        found.stdout
    );
    assert!(
        found
            .stdout
            .ends_with("Entra would disable `alice`\nno findings\n"),
        "{}",
        found.stdout
    );

    let refusing = serve(&[quirk("reject-string-booleans")]);
    let (url, sent) = recorded(&refusing);
    let found = run(
        &url,
        &["replay", "--as", "entra-legacy", "deactivate", "alice"],
    );
    assert_eq!(found.code, 1, "{}{}", found.stdout, found.stderr);
    assert!(
        found
            .stdout
            .contains("(RFC 7643 §2.3.2; string-boolean-refused)"),
        "{}",
        found.stdout
    );
    assert!(
        found.stdout.ends_with(
            "Entra would report the disable as failed and retry it: the server refuses the \
             string \"False\" and takes the boolean false\n1 finding: 1 interop\n"
        ),
        "{}",
        found.stdout
    );
    let bytes = wire(&sent);
    let order: Vec<usize> = [
        r#"{"op":"Replace","path":"active","value":"False"}"#,
        r#"{"op":"replace","path":"active","value":"False"}"#,
        r#"{"op":"Replace","path":"active","value":false}"#,
    ]
    .iter()
    .map(|operation| bytes.find(operation).unwrap_or(usize::MAX))
    .collect();
    assert!(
        order.windows(2).all(|pair| pair[0] < pair[1]) && order[2] != usize::MAX,
        "Entra's own, then each deviation fixed in turn: {bytes}"
    );
}

#[test]
fn okta_sends_its_headers_and_percent_encoded_lookup_and_its_password_never_shows() {
    let server = serve(&[]);
    let (url, sent) = recorded(&server);
    let found = run(
        &url,
        &[
            "replay",
            "--as",
            "okta",
            "create-user",
            "dale mohr@example.com",
        ],
    );
    assert_eq!(found.code, 0, "{}{}", found.stdout, found.stderr);
    let bytes = wire(&sent);
    assert!(
        bytes.contains(
            "GET /scim/v2/Users?filter=userName%20eq%20%22dale%20mohr%40example.com%22&startIndex=1&count=100 HTTP/1.1\r\n"
        ),
        "{bytes}"
    );
    for header in [
        "User-Agent: Okta SCIM Client 1.0.0\r\n",
        "Accept-Charset: utf-8\r\n",
        "Content-Type: application/scim+json; charset=utf-8\r\n",
    ] {
        assert!(bytes.contains(header), "{header}: {bytes}");
    }
    assert!(
        bytes.contains(r#""password":"1mz050nq"#),
        "Okta sends a password: {bytes}"
    );
    assert!(!found.stdout.contains("1mz050nq"), "{}", found.stdout);
    assert!(
        found.stdout.contains(r#""password":"(redacted)""#),
        "{}",
        found.stdout
    );
    assert!(!found.stdout.contains(TOKEN) && !found.stderr.contains(TOKEN));
    assert!(
        found.stdout.contains("> authorization: (redacted)"),
        "{}",
        found.stdout
    );
}

#[test]
fn json_output_is_versioned_and_keeps_each_exchange_whole_and_redacted() {
    let found = replay_json(&[], &["--as", "entra", "deactivate", "alice"]);
    let document = found.stdout_json();
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["context"]["idp"], "entra");
    assert_eq!(document["context"]["scenario"], "deactivate alice");
    let exchanges = document["exchanges"].as_array().expect("exchanges");
    assert_eq!(
        exchanges.len(),
        3,
        "the match, the PATCH and scimctl's read-back"
    );
    assert_eq!(
        exchanges[0]["request"]["target"],
        "/Users?filter=userName+eq+\"alice\""
    );
    assert_eq!(exchanges[2]["by"], "scimctl");
    assert_eq!(exchanges[2]["note"], "reads the user back");
    let headers = exchanges[1]["request"]["headers"]
        .as_array()
        .expect("headers");
    assert!(
        headers.contains(&serde_json::json!(["authorization", "(redacted)"])),
        "{headers:?}"
    );
    assert!(!found.stdout.contains(TOKEN));
    assert_eq!(exchanges[1]["response"]["status"], 200);
    assert!(
        document["prepared"][0]
            .as_str()
            .is_some_and(|line| line.starts_with("found user `alice`"))
    );
}

#[test]
fn bad_arguments_get_a_clear_error_and_exit_2() {
    let server = serve(&[]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["replay", "deactivate", "alice"],
            "say which with --as okta, --as entra, --as entra-legacy",
        ),
        (
            &["replay", "--as", "rfc", "deactivate", "alice"],
            "say which with --as",
        ),
        (
            &["replay", "--as", "okta", "deactvate", "alice"],
            "hint: did you mean `deactivate`?",
        ),
        (
            &["replay", "--as", "entra", "import"],
            "Microsoft Entra ID has no scenario `import`",
        ),
        (
            &["replay", "--as", "okta", "deactivate"],
            "`deactivate` needs USER: the userName of an existing user",
        ),
        (
            &["replay", "--as", "okta", "deactivate", "alice", "bob"],
            "`deactivate` takes 1 argument, and 2 were given",
        ),
        (
            &["replay", "--as", "okta", "update-user", "alice"],
            "hint: scimctl replay --as okta update-user USER GIVEN_NAME FAMILY_NAME",
        ),
        (
            &["replay", "--as", "okta", "create-user", ""],
            "USER cannot be empty",
        ),
    ];
    for (args, says) in cases {
        let found = run(server.url(), args);
        assert_eq!(found.code, 2, "{args:?}: {}", found.stderr);
        assert!(found.stderr.contains(says), "{args:?}: {}", found.stderr);
        assert!(
            found.stdout.is_empty(),
            "{args:?}: nothing printed: {}",
            found.stdout
        );
    }
    let unknown = run(
        server.url(),
        &["replay", "--as", "okta", "deactivate", "nobody"],
    );
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains(
            "`deactivate` needs an existing user for USER: no User matches userName eq \"nobody\""
        ),
        "{}",
        unknown.stderr
    );
}

#[test]
fn options_written_after_the_arguments_are_read_as_options() {
    let server = serve(&[]);
    let found = run(
        server.url(),
        &[
            "replay",
            "--as",
            "okta",
            "deactivate",
            "alice",
            "-o",
            "json",
            "--fail-on",
            "must",
        ],
    );
    assert_eq!(found.code, 0, "{}", found.stderr);
    assert_eq!(
        found.stdout_json()["context"]["scenario"],
        "deactivate alice"
    );
}

#[test]
fn unreachable_servers_and_refused_credentials_get_their_exit_codes() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/scim/v2");
    let unreachable = run(
        &url,
        &[
            "replay",
            "--as",
            "okta",
            "test-connection",
            "--timeout",
            "2",
        ],
    );
    assert_eq!(unreachable.code, 4, "{}", unreachable.stderr);
    let server = serve(&[]);
    let home = Home::new();
    let refused = home
        .command_for(server.url(), TOKEN)
        .env("SCIMCTL_TOKEN", "not-the-token")
        .args(["replay", "--as", "entra", "test-connection"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(5));
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert!(
        stdout.contains("the server refuses the credentials"),
        "{stdout}"
    );
    assert!(!stdout.contains("not-the-token"), "{stdout}");
}

#[test]
fn list_shows_each_identity_providers_scenarios_without_a_server() {
    let home = Home::new();
    let output = home
        .command_for("http://127.0.0.1:1/scim/v2", TOKEN)
        .env_remove("SCIMCTL_URL")
        .args(["replay", "--list"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "--as okta: Okta",
        "--as entra-legacy: Microsoft Entra ID (legacy shapes)",
        "  create-user USER [GIVEN_NAME] [FAMILY_NAME]",
        "      GIVEN_NAME: its given name (default: Test)",
        "  group-push GROUP [MEMBER]",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let one = home
        .command_for("http://127.0.0.1:1/scim/v2", TOKEN)
        .args(["replay", "--list", "--as", "entra", "-o", "json"])
        .output()
        .expect("runs");
    let document: Value = serde_json::from_slice(&one.stdout).expect("JSON");
    assert_eq!(document.as_array().map(Vec::len), Some(1));
    assert_eq!(document[0]["idp"], "entra");
    assert_eq!(document[0]["scenarios"][0]["name"], "test-connection");
}

/// scim2-server refuses two things Entra sends, as `fixtures/waivers/scim2-server.toml` records
/// for the suites: the manager as a plain string, and the legacy removal by a value list. Replay
/// names each by the variant the server takes, and carries out the rest cleanly.
#[test]
fn a_server_scimctl_did_not_write_is_judged_the_same_way() {
    let Some(server) = Scim2Server::start(TOKEN) else {
        return;
    };
    for args in [
        &["users", "create", "--user-name", "alice"][..],
        &["users", "create", "--user-name", "bob"],
        &["users", "create", "--user-name", "carol"],
        &[
            "groups",
            "create",
            "--display-name",
            "admins",
            "--member",
            "alice",
            "--member",
            "bob",
        ],
    ] {
        let created = run(server.url(), args);
        assert_eq!(created.code, 0, "{args:?}: {}", created.stderr);
    }
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--as", "entra", "manager-update", "alice", "carol"],
            &["complex-as-string-refused"],
        ),
        (
            &["--as", "entra-legacy", "remove-member", "admins", "alice"],
            &["remove-by-value-list"],
        ),
        (&["--as", "okta", "test-connection"], &[]),
        (&["--as", "entra", "test-connection"], &[]),
        (&["--as", "okta", "create-user", "dale@example.com"], &[]),
        (
            &["--as", "okta", "update-user", "carol", "Carla", "Cole"],
            &[],
        ),
        (&["--as", "entra-legacy", "deactivate", "bob"], &[]),
        (&["--as", "okta", "add-member", "admins", "carol"], &[]),
        (&["--as", "okta", "import"], &[]),
    ];
    let mut wrong = Vec::new();
    for (args, expected) in cases {
        let mut all = vec!["replay", "-o", "json"];
        all.extend_from_slice(args);
        let found = run(server.url(), &all);
        let expected: BTreeSet<String> = expected.iter().map(|k| (*k).to_owned()).collect();
        if found.finding_keys() != expected || found.code != i32::from(!expected.is_empty()) {
            wrong.push(format!(
                "{args:?}: exit {}, {:?}, expected {expected:?}\n{}",
                found.code,
                found.finding_keys(),
                found.stderr
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Replaces what changes from run to run: ids, GUIDs, ports, versions, times.
fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[id]",
    );
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r#"W/\\?"\d+\\?""#, "[etag]");
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    settings.add_filter(r"scimctl/\d+\.\d+\.\d+", "scimctl/[version]");
    settings
}

#[test]
fn the_console_replay_of_entra_legacys_disable_on_a_correct_server() {
    let server = serve(&[]);
    let found = run(
        server.url(),
        &["replay", "--as", "entra-legacy", "deactivate", "alice"],
    );
    assert_eq!(found.code, 0, "{}", found.stderr);
    snapshots().bind(|| insta::assert_snapshot!(found.stdout));
}

#[test]
fn the_console_replay_of_entra_legacys_disable_on_a_server_refusing_string_booleans() {
    let server = serve(&[quirk("reject-string-booleans")]);
    let found = run(
        server.url(),
        &["replay", "--as", "entra-legacy", "deactivate", "alice"],
    );
    assert_eq!(found.code, 1, "{}", found.stderr);
    snapshots().bind(|| insta::assert_snapshot!(found.stdout));
}

#[test]
fn the_console_replay_of_entras_test_connection_on_a_server_answering_404_to_no_match() {
    let server = serve(&[quirk("filter-no-match-404")]);
    let found = run(
        server.url(),
        &["replay", "--as", "entra", "test-connection"],
    );
    assert_eq!(found.code, 1, "{}", found.stderr);
    snapshots().bind(|| insta::assert_snapshot!(found.stdout));
}
