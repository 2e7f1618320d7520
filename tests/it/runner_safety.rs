//! The runner's promises, each shown against the embedded server: write checks wait for
//! `--allow-writes`; nothing that existed before the run is ever written to; every create is in
//! the ledger before it is sent, and cleanup leaves nothing behind; preconditions skip with a
//! reason; a dying or slow server gives `error` verdicts, never a panic; a refused `setup` step
//! says so and never claims the deviation its check tests; concurrency and seeds change no
//! verdict.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scimctl::client::{
    BoxFuture, ClientOptions, Credentials, Method, Recorder, Request, ReqwestTransport, Response,
    RetryPolicy, ScimClient, Transport, TransportError, TransportErrorKind,
};
use scimctl::redact::Secret;
use scimctl::runner::ledger::{Ledger, LedgerEntry, LedgerSink, NoSink, parse_ledger};
use scimctl::runner::outcome::{CheckOutcome, FailOn, RunOutcome, Status};
use scimctl::runner::{self, RunOptions, RunReport};
use scimctl::serve::{Quirk, Quirks, ServeConfig, ServerHandle};
use scimctl::suite::{BUILTIN_SUITES, Suite, parse_suite};

use crate::support::demo_seed;

/// A pre-existing user of the demo seed: no check may ever write to it.
const SEEDED_USER: &str = "2819c223-7f76-453a-919d-413400000000";

/// Passes requests to the network, remembers them, and can stop answering after a budget.
struct Watched {
    inner: ReqwestTransport,
    budget: Option<AtomicUsize>,
    sent: Mutex<Vec<String>>,
}

impl Transport for Watched {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
        self.sent
            .lock()
            .unwrap()
            .push(format!("{} {}", request.method, request.url));
        let exhausted = self.budget.as_ref().is_some_and(|left| {
            left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_err()
        });
        if exhausted {
            return Box::pin(async {
                Err(TransportError {
                    kind: TransportErrorKind::Connect,
                    message: "connection refused (the server died)".to_owned(),
                })
            });
        }
        self.inner.send(request)
    }
}

impl Watched {
    fn new(budget: Option<usize>) -> Watched {
        Watched {
            inner: ReqwestTransport::new(&Default::default()).expect("transport"),
            budget: budget.map(AtomicUsize::new),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// How many requests were sent whose `METHOD URL` line starts with `method` and ends with
    /// `tail`.
    fn count(&self, method: &str, tail: &str) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.starts_with(method) && r.ends_with(tail))
            .count()
    }
}

/// The demo seed on a server with these quirks and otherwise default settings.
async fn server(quirks: &[Quirk]) -> ServerHandle {
    server_with(ServeConfig {
        quirks: Quirks::from_list(quirks),
        ..ServeConfig::default()
    })
    .await
}

/// The demo seed on a server configured as given.
async fn server_with(config: ServeConfig) -> ServerHandle {
    scimctl::serve::spawn(ServeConfig {
        seed: Some(demo_seed()),
        ..config
    })
    .await
    .expect("server starts")
}

/// A client of `server` that sends through `transport`, which the test keeps a handle on.
fn client_over<T: Transport + 'static>(
    server: &ServerHandle,
    transport: T,
    retry: RetryPolicy,
) -> (Arc<ScimClient>, Arc<T>) {
    struct Shared<T>(Arc<T>);
    impl<T: Transport> Transport for Shared<T> {
        fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
            self.0.send(request)
        }
    }
    let transport = Arc::new(transport);
    let client = ScimClient::with_transport(
        ClientOptions {
            base_url: server.base_url().to_owned(),
            credentials: Credentials::Bearer(Secret::new(server.token().to_owned())),
            headers: Vec::new(),
            transport: Default::default(),
            retry,
        },
        Box::new(Shared(Arc::clone(&transport))),
        Recorder::quiet(),
    )
    .expect("client");
    (Arc::new(client), transport)
}

/// A client whose requests are watched; with a `budget`, the server "dies" after that many.
fn client(server: &ServerHandle, budget: Option<usize>) -> (Arc<ScimClient>, Arc<Watched>) {
    client_over(server, Watched::new(budget), RetryPolicy::default())
}

fn suite(text: &str) -> Suite {
    let text = format!("[suite]\nname = \"t\"\ntitle = \"T\"\n{text}");
    parse_suite("t.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn builtin_suites() -> Vec<Suite> {
    BUILTIN_SUITES
        .iter()
        .map(|(name, text)| parse_suite(name, text).expect("builtin suite"))
        .collect()
}

fn writes() -> RunOptions {
    RunOptions {
        allow_writes: true,
        ..RunOptions::default()
    }
}

async fn run(client: &Arc<ScimClient>, suites: &[Suite], options: &RunOptions) -> RunOutcome {
    let ledger = Arc::new(Ledger::new(Box::new(NoSink), Vec::new()));
    run_with(client, suites, options, ledger).await.outcome
}

/// A run that keeps its cleanup ledger in `ledger`.
async fn run_with(
    client: &Arc<ScimClient>,
    suites: &[Suite],
    options: &RunOptions,
    ledger: Arc<Ledger>,
) -> RunReport {
    runner::run(Arc::clone(client), suites, options, ledger, &mut |_| {})
        .await
        .expect("the server answers")
}

fn only(outcome: &RunOutcome) -> &CheckOutcome {
    outcome.checks().next().expect("one check")
}

/// Asserts a check's verdict, and that its message says `why`.
fn assert_verdict(check: &CheckOutcome, status: Status, why: &str) {
    assert_eq!(check.status, status, "{}: {}", check.id, check.message);
    assert!(
        check.message.contains(why),
        "{}: `{}` does not say `{why}`",
        check.id,
        check.message
    );
}

/// A suite of one MUST check `id` titled `title` that GETs `path`; `step` adds lines to the
/// step.
fn one_get(id: &str, title: &str, path: &str, step: &str) -> Suite {
    suite(&format!(
        "[[check]]\nid = \"{id}\"\ntitle = \"{title}\"\nrfc = \"-\"\nlevel = \"MUST\"\n\n\
         [[check.step]]\nmethod = \"GET\"\npath = \"{path}\"\n{step}\n"
    ))
}

const CREATE: &str = r#"
[[check]]
id = "t.create"
title = "Creates a user"
rfc = "RFC 7644 §3.3"
level = "MUST"

[[check.step]]
method = "POST"
path = "/Users"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:User"], userName = "{{unique}}-x" }
status = 201
"#;

#[tokio::test]
async fn a_check_cannot_write_to_a_resource_it_did_not_create() {
    let server = server(&[]).await;
    let (client, watched) = client(&server, None);
    for (method, body) in [
        (
            "PATCH",
            r#"body = { Operations = [{ op = "replace", path = "title", value = "x" }] }"#,
        ),
        ("PUT", r#"body = { userName = "x" }"#),
        ("DELETE", ""),
    ] {
        let text = format!(
            "[[check]]\nid = \"t.hijack\"\ntitle = \"Writes to a seeded user\"\nrfc = \"-\"\nlevel = \"MUST\"\n\
             [[check.step]]\nmethod = \"{method}\"\npath = \"/Users/{SEEDED_USER}\"\n{body}\n"
        );
        let outcome = run(&client, &[suite(&text)], &writes()).await;
        assert_verdict(only(&outcome), Status::Error, "refusing to send");
    }
    let sent = watched.sent.lock().unwrap().clone();
    assert!(
        !sent.iter().any(|r| r.contains(SEEDED_USER)),
        "no request reached the seeded user: {sent:?}"
    );
    server.shutdown().await;
}

/// A ledger whose lines are shared with the test; it can be made to fail.
struct MemorySink {
    lines: Arc<Mutex<Vec<String>>>,
    broken: bool,
}

impl LedgerSink for MemorySink {
    fn append(&mut self, line: &str) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other("disk full"));
        }
        self.lines.lock().unwrap().push(line.to_owned());
        Ok(())
    }
}

/// A ledger kept in memory, and the lines written to it; a `broken` one cannot be written.
fn memory_ledger(broken: bool) -> (Arc<Ledger>, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = MemorySink {
        lines: Arc::clone(&lines),
        broken,
    };
    (Arc::new(Ledger::new(Box::new(sink), Vec::new())), lines)
}

#[tokio::test]
async fn creates_are_in_the_ledger_first_and_cleaned_up_after() {
    let server = server(&[]).await;
    let (client, watched) = client(&server, None);
    let (ledger, lines) = memory_ledger(false);
    let report = run_with(&client, &[suite(CREATE)], &writes(), Arc::clone(&ledger)).await;
    assert_eq!(only(&report.outcome).status, Status::Pass);
    assert!(report.cleanup_problems.is_empty());
    let entries = parse_ledger(&lines.lock().unwrap().join("\n")).expect("valid ledger");
    let [
        LedgerEntry::Create { name, .. },
        LedgerEntry::Created { id, .. },
        LedgerEntry::Deleted { id: deleted, .. },
    ] = entries.as_slice()
    else {
        panic!("create, created, deleted expected: {entries:?}");
    };
    assert!(name.starts_with("scimctl-test-run-"), "{name}");
    assert_eq!(id, deleted);
    let sent = watched.sent.lock().unwrap().clone();
    assert!(
        sent.iter()
            .any(|r| r.starts_with("DELETE") && r.ends_with(id.as_str())),
        "{sent:?}"
    );
    assert!(ledger.leftovers().is_empty());
    server.shutdown().await;
}

/// A create goes out only with `--allow-writes`, a name carrying the run's prefix, and its
/// intent safely in the ledger; otherwise the check says why and nothing is posted.
#[tokio::test]
async fn a_create_that_may_not_run_is_never_sent_and_says_why() {
    let server = server(&[]).await;
    let unprefixed = CREATE.replace("{{unique}}-x", "alice");
    let cases = [
        (
            "without --allow-writes, a write check is skipped",
            CREATE,
            RunOptions::default(),
            false,
            Status::Skip,
            "--allow-writes",
        ),
        (
            "a create without the run prefix is refused",
            unprefixed.as_str(),
            writes(),
            false,
            Status::Error,
            "refusing to create `alice`",
        ),
        (
            "a create is not sent when the ledger cannot be written",
            CREATE,
            writes(),
            true,
            Status::Error,
            "cannot write the cleanup ledger",
        ),
    ];
    for (case, text, options, broken_ledger, status, why) in cases {
        let (client, watched) = client(&server, None);
        let (ledger, _) = memory_ledger(broken_ledger);
        let report = run_with(&client, &[suite(text)], &options, ledger).await;
        assert_verdict(only(&report.outcome), status, why);
        assert_eq!(watched.count("POST", ""), 0, "{case}: nothing was posted");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_crashed_run_is_cleaned_up_from_its_ledger() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let created = client
        .send_json(
            Method::Post,
            &["Users"],
            &[],
            Some(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "scimctl-test-crashed-1"
            })),
        )
        .await
        .expect("created")
        .expect("a body");
    let id = created["id"].as_str().expect("id").to_owned();
    let text = concat!(
        "{\"event\":\"create\",\"run\":\"crashed\",\"check\":\"c\",\"endpoint\":\"/Users\",\"name_attr\":\"userName\",\"name\":\"scimctl-test-crashed-1\"}\n",
        "{\"event\":\"create\",\"run\":\"crashed\",\"check\":\"c\",\"endpoint\":\"/Users\",\"name_attr\":\"userName\",\"name\":\"scimctl-test-crashed-2\"}\n"
    );
    let ledger = Ledger::new(Box::new(NoSink), parse_ledger(text).expect("ledger"));
    assert_eq!(ledger.leftovers().len(), 2, "two creates without an answer");
    let problems = runner::clean_up(&client, &ledger, None).await;
    assert_eq!(problems, Vec::<String>::new());
    assert!(ledger.leftovers().is_empty());
    let gone = client.send(Method::Get, &["Users", &id], &[], None).await;
    assert!(gone.is_err(), "the user found by name was deleted");
    server.shutdown().await;
}

#[tokio::test]
async fn unmet_preconditions_skip_with_the_reason() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let options = RunOptions {
        okta_features: Some(vec!["create".to_owned()]),
        ..RunOptions::default()
    };
    let gating = parse_suite(
        "gating.toml",
        include_str!("../../fixtures/suites/valid/gating.toml"),
    )
    .expect("the gating suite");
    let outcome = run(&client, std::slice::from_ref(&gating), &options).await;
    let messages: Vec<(&str, Status, &str)> = outcome
        .checks()
        .map(|c| (c.id.as_str(), c.status, c.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            ("gating.reads", Status::Pass, "ok"),
            (
                "gating.creates",
                Status::Skip,
                "writes data on the server; run with --allow-writes to include it"
            ),
            (
                "gating.change-password",
                Status::Skip,
                "the server does not advertise `changePassword` (ServiceProviderConfig changePassword.supported is not true)"
            ),
            (
                "gating.devices",
                Status::Skip,
                "the server has no `Device` resource type (/ResourceTypes)"
            ),
            (
                "gating.okta-import",
                Status::Skip,
                "tests the Okta feature `import`, not selected by --okta-features"
            ),
        ]
    );
    let tagged = RunOptions {
        skip_tags: vec!["okta".to_owned()],
        ..RunOptions::default()
    };
    let outcome = run(&client, std::slice::from_ref(&gating), &tagged).await;
    assert!(
        outcome.checks().all(|c| c.id != "gating.okta-import") && outcome.checks().count() == 4,
        "--skip leaves the check out entirely"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_that_dies_mid_run_gives_errors_not_panics() {
    let server = server(&[]).await;
    let (client, _) = client(&server, Some(12));
    let outcome = run(&client, &builtin_suites(), &writes()).await;
    let statuses: Vec<Status> = outcome.checks().map(|c| c.status).collect();
    assert!(
        statuses.contains(&Status::Pass),
        "some checks ran before the end"
    );
    assert!(statuses.contains(&Status::Error));
    assert!(
        !statuses.contains(&Status::Fail),
        "an absent server is no failed check"
    );
    let error = outcome
        .checks()
        .find(|c| c.status == Status::Error)
        .unwrap();
    assert!(error.message.contains("no answer to"), "{}", error.message);
    assert!(!error.exchanges.is_empty(), "the failed exchange is kept");
    server.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_before_any_check() {
    let server = server(&[]).await;
    let (client, _) = client(&server, Some(0));
    let ledger = Arc::new(Ledger::new(Box::new(NoSink), Vec::new()));
    let result = runner::run(client, &builtin_suites(), &writes(), ledger, &mut |_| {}).await;
    assert!(matches!(result, Err(runner::RunError::Unreachable(_))));
    server.shutdown().await;
}

#[tokio::test]
async fn a_check_that_takes_too_long_errors_with_its_timeout() {
    let server = server(&[Quirk::Latency(400)]).await;
    let (client, _) = client(&server, None);
    let options = RunOptions {
        check_timeout: Duration::from_millis(200),
        ..RunOptions::default()
    };
    let slow = one_get("t.slow", "Reads the SPC", "/ServiceProviderConfig", "");
    let outcome = run(&client, &[slow], &options).await;
    assert_verdict(only(&outcome), Status::Error, "no verdict within 0.2 s");
    server.shutdown().await;
}

fn verdicts(outcome: &RunOutcome) -> BTreeMap<String, Status> {
    outcome.checks().map(|c| (c.id.clone(), c.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_changes_no_verdict() {
    let server = server(&[Quirk::EqSubstring]).await;
    let (client, _) = client(&server, None);
    let serial = run(
        &client,
        &builtin_suites(),
        &RunOptions {
            jobs: 1,
            ..writes()
        },
    )
    .await;
    let parallel = run(
        &client,
        &builtin_suites(),
        &RunOptions {
            jobs: 16,
            ..writes()
        },
    )
    .await;
    assert_eq!(verdicts(&serial), verdicts(&parallel));
    assert!(
        verdicts(&serial).values().any(|s| *s == Status::Fail),
        "the quirk is seen"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_seed_makes_generated_names_reproducible() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let names = |seed: u64| {
        let client = Arc::clone(&client);
        async move {
            let (ledger, lines) = memory_ledger(false);
            let text = CREATE.replace("{{unique}}-x", "{{unique}}-{{random.n}}");
            let options = RunOptions { seed, ..writes() };
            run_with(&client, &[suite(&text)], &options, ledger).await;
            lines.lock().unwrap()[0].clone()
        }
    };
    assert_eq!(names(7).await, names(7).await);
    assert_ne!(names(7).await, names(8).await);
    server.shutdown().await;
}

/// The example in `testsuites/README.md`, the first thing users copy, is right.
#[tokio::test]
async fn the_readme_example_passes_against_a_correct_server() {
    let readme = include_str!("../../testsuites/README.md");
    let start = readme.find("### A complete example").unwrap();
    let open = readme[start..].find("```toml").unwrap() + start + "```toml".len();
    let close = readme[open..].find("```").unwrap() + open;
    let example = parse_suite("README.md", &readme[open..close]).expect("parses");
    let server = server(&[Quirk::PatchNoContent]).await;
    let (client, _) = client(&server, None);
    let outcome = run(&client, &[example], &writes()).await;
    let check = only(&outcome);
    assert_eq!(check.status, Status::Pass, "{}", check.message);
    server.shutdown().await;
}

/// An eventually consistent server: the first read of each user answers 404, as if the create
/// had not reached the replica yet.
struct Lagging {
    inner: ReqwestTransport,
    seen: Mutex<std::collections::HashSet<String>>,
}

impl Transport for Lagging {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
        let single_user = request.method == Method::Get && request.url.contains("/Users/");
        if single_user && self.seen.lock().unwrap().insert(request.url.clone()) {
            return Box::pin(async {
                Ok(Response {
                    status: 404,
                    headers: vec![("content-type".into(), "application/scim+json".into())],
                    body: br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#
                        .to_vec(),
                    elapsed: Duration::ZERO,
                })
            });
        }
        self.inner.send(request)
    }
}

/// CREATE, then a read of the new user that waits out `--settle`.
fn read_after_write() -> Suite {
    suite(&format!(
        "{CREATE}capture = {{ user_id = \"id\" }}\n\n[[check.step]]\nmethod = \"GET\"\n\
         path = \"/Users/{{{{user_id}}}}\"\nstatus = 200\nsettle = true\n"
    ))
}

#[tokio::test]
async fn settle_retries_a_read_after_write_on_an_eventually_consistent_server() {
    let server = server(&[]).await;
    let (lagging, _) = client_over(
        &server,
        Lagging {
            inner: ReqwestTransport::new(&Default::default()).expect("transport"),
            seen: Mutex::default(),
        },
        RetryPolicy::default(),
    );
    let impatient = run(&lagging, &[read_after_write()], &writes()).await;
    assert_eq!(only(&impatient).status, Status::Fail, "without --settle");
    let patient = RunOptions {
        settle: Duration::from_millis(1000),
        ..writes()
    };
    let outcome = run(&lagging, &[read_after_write()], &patient).await;
    let check = only(&outcome);
    assert_eq!(check.status, Status::Pass, "{}", check.message);
    server.shutdown().await;
}

#[tokio::test]
async fn a_waiver_keeps_the_verdict_and_message_and_adds_the_reason() {
    let server = server(&[Quirk::NoAuth]).await;
    let (client, _) = client(&server, None);
    let anonymous = one_get(
        "t.auth",
        "Refuses anonymous requests",
        "/Users",
        "auth = false\nstatus = 401",
    );
    let options = RunOptions {
        waivers: vec![("t.auth".to_owned(), "VENDOR-42".to_owned())],
        ..RunOptions::default()
    };
    let outcome = run(&client, &[anonymous], &options).await;
    let check = only(&outcome);
    assert_verdict(
        check,
        Status::Fail,
        "Refuses anonymous requests: expected status 401, got 200",
    );
    assert_eq!(check.waiver.as_deref(), Some("VENDOR-42"));
    assert!(
        !check.blocks(FailOn::Should),
        "a waived failure fails no run"
    );
    assert_eq!(outcome.summary().waived, 1);
    assert_eq!(outcome.summary().failed, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_that_never_stops_throttling_gives_an_error_not_a_failure() {
    let server = server(&[Quirk::RateLimit(1)]).await;
    let (impatient, _) = client_over(
        &server,
        Watched::new(None),
        RetryPolicy {
            max_throttled_attempts: 2,
            ..RetryPolicy::default()
        },
    );
    let throttled = one_get("t.throttled", "Reads the users", "/Users", "status = 200");
    let outcome = run(&impatient, &[throttled], &RunOptions::default()).await;
    assert_verdict(
        only(&outcome),
        Status::Error,
        "still 429 Too Many Requests after retrying",
    );
    assert!(outcome.throttled > 0, "the 429s are counted");
    server.shutdown().await;
}

const BULK_LIMITS: &str = r#"
[[check]]
id = "t.bulk-operations"
title = "Over maxOperations"
rfc = "RFC 7644 §3.7.4"
level = "MUST"

[[check.step]]
method = "GET"
path = "/ServiceProviderConfig"
expect = [{ builtin = "bulk-over-max-operations" }]

[[check]]
id = "t.bulk-payload"
title = "Over maxPayloadSize"
rfc = "RFC 7644 §3.7.4"
level = "MUST"

[[check.step]]
method = "GET"
path = "/ServiceProviderConfig"
expect = [{ builtin = "bulk-over-max-payload" }]
"#;

#[tokio::test]
async fn the_bulk_limit_checks_need_writes_go_one_over_and_change_nothing_when_accepted() {
    let server = server_with(ServeConfig {
        quirks: Quirks::from_list(&[Quirk::IgnoreBulkLimits]),
        limits: scimctl::serve::Limits {
            bulk_max_operations: 3,
            max_payload_size: 2048,
            ..Default::default()
        },
        ..ServeConfig::default()
    })
    .await;
    let (client, watched) = client(&server, None);
    let suites = [suite(BULK_LIMITS)];
    let read_only = run(&client, &suites, &RunOptions::default()).await;
    assert!(
        read_only
            .checks()
            .all(|c| c.status == Status::Skip && c.message.contains("--allow-writes")),
        "a builtin that sends writes makes its check a write check"
    );
    let before = client
        .send_json(Method::Get, &["Users"], &[], None)
        .await
        .expect("list")
        .unwrap_or_default();
    let outcome = run(&client, &suites, &writes()).await;
    let messages: Vec<(Status, String)> = outcome
        .checks()
        .map(|c| (c.status, c.message.clone()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                Status::Fail,
                "Over maxOperations: 4 operations (maxOperations is 3) was answered 200, not 413 \
                 (POST /Bulk) (step 1: GET /ServiceProviderConfig)"
                    .to_owned()
            ),
            (
                Status::Fail,
                "Over maxPayloadSize: a 2049-byte bulk request (maxPayloadSize is 2048) was \
                 answered 200, not 413 (POST /Bulk) (step 1: GET /ServiceProviderConfig)"
                    .to_owned()
            ),
        ]
    );
    let after = client
        .send_json(Method::Get, &["Users"], &[], None)
        .await
        .expect("list")
        .unwrap_or_default();
    assert_eq!(before, after, "the accepted bulk requests changed nothing");
    assert_eq!(
        watched.count("POST", "/Bulk"),
        2,
        "one bulk request per check"
    );
    server.shutdown().await;
}

/// Answers `GET /ServiceProviderConfig` with `bulk` as given and passes everything else on.
struct AdvertisingBulk {
    inner: Watched,
    bulk: serde_json::Value,
}

impl Transport for AdvertisingBulk {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
        if request.method == Method::Get && request.url.ends_with("/ServiceProviderConfig") {
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "bulk": self.bulk,
            });
            return Box::pin(async move {
                Ok(Response {
                    status: 200,
                    headers: vec![("content-type".into(), "application/scim+json".into())],
                    body: body.to_string().into_bytes(),
                    elapsed: Duration::ZERO,
                })
            });
        }
        self.inner.send(request)
    }
}

/// Runs `checks` with writes against a server that advertises `bulk`; returns their outcome
/// and how many requests went to `/Bulk`.
async fn run_advertising(
    server: &ServerHandle,
    bulk: serde_json::Value,
    checks: &str,
) -> (RunOutcome, usize) {
    let advertising = AdvertisingBulk {
        inner: Watched::new(None),
        bulk,
    };
    let (client, transport) = client_over(server, advertising, RetryPolicy::default());
    let outcome = run(&client, &[suite(checks)], &writes()).await;
    (outcome, transport.inner.count("POST", "/Bulk"))
}

#[tokio::test]
async fn bulk_limits_too_large_or_meaningless_skip_and_missing_ones_fail_naming_rfc_7643() {
    use serde_json::json;
    let server = server(&[]).await;
    let too_large = "too large to test safely";
    let not_positive = "not a positive limit: RFC 7643 §5 does not say what that means";
    let cases = [
        (
            json!({"supported": true, "maxOperations": 50_000, "maxPayloadSize": 104_857_600}),
            [
                (
                    Status::Skip,
                    format!("bulk.maxOperations is 50000 operations: {too_large}"),
                ),
                (
                    Status::Skip,
                    format!("bulk.maxPayloadSize is 104857600 bytes: {too_large}"),
                ),
            ],
        ),
        (
            json!({"supported": true, "maxOperations": 10_000, "maxPayloadSize": 16_777_216}),
            [
                (
                    Status::Skip,
                    format!("bulk.maxOperations is 10000 operations: {too_large}"),
                ),
                (
                    Status::Skip,
                    format!("bulk.maxPayloadSize is 16777216 bytes: {too_large}"),
                ),
            ],
        ),
        (
            json!({"supported": true, "maxOperations": 0, "maxPayloadSize": -1}),
            [
                (
                    Status::Skip,
                    format!("bulk.maxOperations is 0, {not_positive}"),
                ),
                (
                    Status::Skip,
                    format!("bulk.maxPayloadSize is -1, {not_positive}"),
                ),
            ],
        ),
        (
            json!({"supported": false}),
            [
                (
                    Status::Skip,
                    "the server does not advertise bulk".to_owned(),
                ),
                (
                    Status::Skip,
                    "the server does not advertise bulk".to_owned(),
                ),
            ],
        ),
        (
            json!({"supported": true}),
            [
                (
                    Status::Fail,
                    "the ServiceProviderConfig has no bulk.maxOperations, which RFC 7643 §5 \
                     makes a REQUIRED integer"
                        .to_owned(),
                ),
                (
                    Status::Fail,
                    "the ServiceProviderConfig has no bulk.maxPayloadSize, which RFC 7643 §5 \
                     makes a REQUIRED integer"
                        .to_owned(),
                ),
            ],
        ),
        (
            json!({"supported": true, "maxOperations": "1000", "maxPayloadSize": 1.5}),
            [
                (
                    Status::Fail,
                    "bulk.maxOperations is \"1000\", not the integer RFC 7643 §5 requires"
                        .to_owned(),
                ),
                (
                    Status::Fail,
                    "bulk.maxPayloadSize is 1.5, not the integer RFC 7643 §5 requires".to_owned(),
                ),
            ],
        ),
    ];
    for (bulk, expected) in cases {
        let (outcome, bulk_posts) = run_advertising(&server, bulk.clone(), BULK_LIMITS).await;
        assert_eq!(outcome.checks().count(), 2, "{bulk}");
        for (check, (status, why)) in outcome.checks().zip(&expected) {
            assert_verdict(check, *status, why);
        }
        assert_eq!(bulk_posts, 0, "{bulk}: nothing is sent to /Bulk");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bulk_operations_over_the_payload_limit_skip_as_the_413_could_be_for_the_size() {
    let server = server(&[]).await;
    let (outcome, bulk_posts) = run_advertising(
        &server,
        serde_json::json!({"supported": true, "maxOperations": 5000, "maxPayloadSize": 65_536}),
        BULK_LIMITS,
    )
    .await;
    let operations = outcome
        .checks()
        .find(|c| c.id == "t.bulk-operations")
        .expect("the operations check");
    assert_eq!(operations.status, Status::Skip, "{}", operations.message);
    assert!(
        operations.message.starts_with("5001 operations make a ")
            && operations.message.ends_with(
                "-byte request, over bulk.maxPayloadSize (65536): a 413 would not tell which \
                 limit was enforced"
            ),
        "{}",
        operations.message
    );
    assert_eq!(bulk_posts, 1, "only the payload check sends");
    server.shutdown().await;
}

/// What Entra-facing servers advertise (maxOperations 1000, maxPayloadSize 1 MiB) is tested,
/// not skipped: 1001 DELETEs, and a body of 1 MiB + 1 byte, both refused by a correct server.
#[tokio::test]
async fn typical_bulk_limits_are_tested_and_pass_against_a_correct_server() {
    let server = server(&[]).await;
    let (client, watched) = client(&server, None);
    let spc = client
        .send_json(Method::Get, &["ServiceProviderConfig"], &[], None)
        .await
        .expect("the configuration")
        .unwrap_or_default();
    assert_eq!(
        (
            &spc["bulk"]["maxOperations"],
            &spc["bulk"]["maxPayloadSize"]
        ),
        (&serde_json::json!(1000), &serde_json::json!(1_048_576)),
        "the server advertises the typical limits"
    );
    let outcome = run(&client, &[suite(BULK_LIMITS)], &writes()).await;
    for check in outcome.checks() {
        assert_eq!(
            check.status,
            Status::Pass,
            "{}: {}",
            check.id,
            check.message
        );
    }
    assert_eq!(
        watched.count("POST", "/Bulk"),
        2,
        "both checks sent their bulk request"
    );
    server.shutdown().await;
}

/// A failure, or a SHOULD miss, seen before a built-in found its rule untestable is the
/// verdict: the skip does not hide it.
#[tokio::test]
async fn an_untestable_builtin_does_not_hide_what_was_already_seen() {
    let checks = r#"
[[check]]
id = "t.failed-then-untestable"
title = "Failed, then untestable"
rfc = "-"
level = "MUST"

[[check.step]]
method = "GET"
path = "/ServiceProviderConfig"
expect = [
  { path = "bulk.maxPayloadSize", equals = 1, message = "the payload limit is not 1" },
  { builtin = "bulk-over-max-operations" },
]

[[check]]
id = "t.warned-then-untestable"
title = "Warned, then untestable"
rfc = "-"
level = "MUST"

[[check.step]]
method = "GET"
path = "/ServiceProviderConfig"
expect = [{ path = "bulk.maxPayloadSize", equals = 1, level = "SHOULD", message = "the payload limit is not 1" }]

[[check.step]]
method = "GET"
path = "/ServiceProviderConfig"
expect = [{ builtin = "bulk-over-max-operations" }]
"#;
    let server = server(&[]).await;
    let bulk = serde_json::json!({"supported": true, "maxOperations": 0, "maxPayloadSize": 2});
    let (outcome, bulk_posts) = run_advertising(&server, bulk, checks).await;
    let verdicts: Vec<&CheckOutcome> = outcome.checks().collect();
    let [failed, warned] = verdicts.as_slice() else {
        panic!("two checks expected: {verdicts:?}");
    };
    assert_verdict(failed, Status::Fail, "the payload limit is not 1");
    assert_verdict(warned, Status::Warn, "the payload limit is not 1");
    assert_eq!(bulk_posts, 0);
    server.shutdown().await;
}

/// The field trial's item: a server that refused scimctl's test user got some 30 checks failing
/// with their own deviation ("the password was returned: expected status 201, got 400"), though
/// the user was never created. A setup step refused even with the fuller body ends the check
/// with an error that names the refusal, and nothing about the password.
#[tokio::test]
async fn a_refused_setup_create_says_so_and_never_claims_the_deviation() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let password = suite(
        r#"
[[check]]
id = "t.password"
title = "The password is never returned"
rfc = "RFC 7643 §4.1.1"
level = "MUST"
message = "the password was returned"

[[check.step]]
method = "POST"
path = "/Users"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:User"], displayName = "{{unique}}-nameless", password = "t1meMa$heen" }
setup = true
status = 201
expect = [{ path = "password", exists = false }]
"#,
    );
    let outcome = run(&client, &[password], &writes()).await;
    let check = only(&outcome);
    assert_verdict(
        check,
        Status::Error,
        "setup refused: POST /Users answered 400 (",
    );
    assert!(
        check.message.contains(
            "again with name.givenName, name.familyName, name.formatted, a work email and \
             active added, so the check could not run (step 1)"
        ),
        "{}",
        check.message
    );
    assert!(!check.message.contains("password"), "{}", check.message);
    assert_eq!(check.exchanges.len(), 2, "the refused create and its retry");
    assert!(
        check.exchanges[1]
            .request_body
            .as_deref()
            .is_some_and(|body| body.contains("\"formatted\":\"Test User\"")),
        "{:?}",
        check.exchanges[1].request_body
    );
    server.shutdown().await;
}

/// Only a User create refused for its content is retried with a fuller body; any other
/// refused setup step ends the check at once.
#[tokio::test]
async fn a_refused_setup_step_with_no_fuller_body_to_try_ends_the_check_at_once() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let members = suite(
        r#"
[[check]]
id = "t.members"
title = "A member is added"
rfc = "RFC 7644 §3.5.2.1"
level = "MUST"
message = "the member was not added"

[[check.step]]
method = "POST"
path = "/Groups"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName = "{{unique}}-g" }
setup = true
status = 201

[[check.step]]
method = "POST"
path = "/Groups"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName = "{{unique}}-g" }
setup = true
status = 201
"#,
    );
    let outcome = run(&client, &[members], &writes()).await;
    let check = only(&outcome);
    assert_verdict(
        check,
        Status::Error,
        "setup refused: POST /Groups answered 409 (",
    );
    assert!(
        check
            .message
            .ends_with(", so the check could not run (step 2)"),
        "{}",
        check.message
    );
    assert!(!check.message.contains("member"), "{}", check.message);
    assert_eq!(check.exchanges.len(), 2, "no retry after the refusal");
    server.shutdown().await;
}

/// RFC 7643 §4.1.1 requires only `userName`; against a server that also demands
/// `name.formatted`, a setup create is retried with the attributes servers commonly demand, and
/// the check's later creates carry the same additions, so a duplicate is the same user again
/// and the check tests what it exists to test.
#[tokio::test]
async fn a_server_stricter_than_the_rfc_is_still_tested_once_the_setup_create_is_filled_out() {
    let server = server(&[Quirk::RequireNameFormatted]).await;
    let (client, _) = client(&server, None);
    let checks = suite(
        r#"
[[check]]
id = "t.password"
title = "The password is never returned"
rfc = "RFC 7643 §4.1.1"
level = "MUST"
message = "the password was returned"

[[check.step]]
method = "POST"
path = "/Users"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:User"], userName = "{{unique}}-pw", password = "t1meMa$heen" }
setup = true
status = 201
capture = { user_id = "id" }
expect = [{ path = "password", exists = false }]

[[check.step]]
method = "GET"
path = "/Users/{{user_id}}"
status = 200
expect = [{ path = "password", exists = false }, { path = "name.formatted", equals = "Test User" }]

[[check]]
id = "t.duplicate"
title = "A duplicate userName is refused with 409"
rfc = "RFC 7644 §3.3"
level = "MUST"
message = "a duplicate was not refused with 409"

[[check.step]]
method = "POST"
path = "/Users"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:User"], userName = "{{unique}}-dup" }
setup = true
status = 201

[[check.step]]
method = "POST"
path = "/Users"
body = { schemas = ["urn:ietf:params:scim:schemas:core:2.0:User"], userName = "{{unique}}-dup" }
status = 409
"#,
    );
    let outcome = run(&client, &[checks], &writes()).await;
    for check in outcome.checks() {
        assert_eq!(
            check.status,
            Status::Pass,
            "{}: {}",
            check.id,
            check.message
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_setup_step_without_the_value_to_capture_says_its_setup_failed() {
    let server = server(&[]).await;
    let (client, _) = client(&server, None);
    let uncaptured = one_get(
        "t.capture",
        "Reads the configuration",
        "/ServiceProviderConfig",
        "setup = true\nstatus = 200\ncapture = { x = \"noSuchThing\" }",
    );
    let outcome = run(&client, &[uncaptured], &RunOptions::default()).await;
    assert_verdict(
        only(&outcome),
        Status::Error,
        "setup failed: the answer has no `noSuchThing` to capture as `x` (step 1: GET \
         /ServiceProviderConfig), so the check could not run",
    );
    server.shutdown().await;
}
