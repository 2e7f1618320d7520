//! The client against real HTTP: a scripted axum server on 127.0.0.1:0 answers what each test
//! tells it to and remembers what it received. Every server is stopped when its test ends.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::State;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use scimctl::client::{
    ClientError, ClientOptions, Credentials, FailureBody, Method, OAuthClient, RawExchange,
    Recorder, RecorderOptions, RetryPolicy, ScimClient, TransportErrorKind, TransportOptions,
};
use scimctl::config::{read_token_file, run_token_command};
use scimctl::exit::Exit;
use scimctl::redact::Secret;

// ---------------------------------------------------------------------------------------------
// The scripted server

/// One canned answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn new(status: u16) -> Self {
        Reply {
            status,
            headers: vec![],
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    fn scim(status: u16, body: Value) -> Self {
        Reply::new(status)
            .header("content-type", "application/scim+json")
            .body(&body.to_string())
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Script {
    replies: Mutex<HashMap<String, VecDeque<Reply>>>,
    seen: Mutex<Vec<Seen>>,
}

/// A server that answers each path with its queued replies, then with an empty ListResponse.
struct TestServer {
    base: String,
    script: Arc<Script>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    async fn start() -> Self {
        let script = Arc::new(Script::default());
        let router = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestServer {
            base,
            script,
            stop: Some(stop),
        }
    }

    /// Queues replies for a path (without query).
    fn on(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.script
            .replies
            .lock()
            .expect("lock")
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().expect("lock").clone()
    }

    fn hits(&self, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path_and_query.split('?').next() == Some(path))
            .count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn answer(
    State(script): State<Arc<Script>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    script.seen.lock().expect("lock").push(Seen {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let queued = script
        .replies
        .lock()
        .expect("lock")
        .get_mut(parts.uri.path())
        .and_then(VecDeque::pop_front);
    let reply = queued.unwrap_or_else(|| {
        Reply::scim(
            200,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0}),
        )
    });
    tokio::time::sleep(reply.delay).await;
    let mut response = axum::http::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response
        .body(axum::body::Body::from(reply.body))
        .expect("valid test reply")
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// Retries with short waits, so the tests stay fast.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        ..RetryPolicy::default()
    }
}

fn options(base_url: &str, credentials: Credentials) -> ClientOptions {
    ClientOptions {
        base_url: base_url.to_owned(),
        credentials,
        headers: vec![],
        transport: TransportOptions {
            timeout: Duration::from_secs(5),
            ..TransportOptions::default()
        },
        retry: quick_retries(),
    }
}

fn bearer(token: &str) -> Credentials {
    Credentials::Bearer(Secret::new(token))
}

fn client(options: ClientOptions) -> ScimClient {
    ScimClient::new(options, Recorder::quiet()).expect("client")
}

/// A quiet client of `server` without credentials.
fn anonymous(server: &TestServer) -> ScimClient {
    client(options(&server.base, Credentials::None))
}

fn logging_client(
    options: ClientOptions,
    recorder_options: RecorderOptions,
) -> (ScimClient, Buffer) {
    let buffer = Buffer::default();
    let recorder = Recorder::new(recorder_options, Box::new(buffer.clone()));
    (ScimClient::new(options, recorder).expect("client"), buffer)
}

/// Asserts an error's exit code, and that its one-line message says `text`.
fn assert_refused(error: &ClientError, exit: Exit, text: &str) {
    assert_eq!(error.exit(), exit, "{error}");
    assert!(error.to_string().contains(text), "{error}");
}

fn http_failure(error: ClientError) -> scimctl::client::HttpFailure {
    match error {
        ClientError::Http(failure) => failure,
        other => panic!("expected an HTTP failure, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Headers and credentials

#[tokio::test]
async fn a_bearer_token_scim_headers_and_extra_headers_are_sent() {
    let server = TestServer::start().await;
    let mut opts = options(&format!("{}/scim/v2", server.base), bearer("tok-abc"));
    opts.headers = vec![("X-Tenant".to_owned(), "acme".to_owned())];
    client(opts)
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("200");
    let seen = &server.seen()[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path_and_query, "/scim/v2/Users");
    assert_eq!(seen.header("authorization"), Some("Bearer tok-abc"));
    assert_eq!(seen.header("accept"), Some("application/scim+json"));
    assert_eq!(seen.header("x-tenant"), Some("acme"));
    assert!(
        seen.header("user-agent")
            .is_some_and(|ua| ua.starts_with("scimctl/"))
    );
    assert_eq!(
        seen.header("content-type"),
        None,
        "no body, no Content-Type"
    );
}

#[tokio::test]
async fn basic_credentials_and_a_scim_body_are_sent() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::scim(201, json!({"id": "1", "userName": "bjensen"}))],
    );
    let credentials = Credentials::Basic {
        user: "Aladdin".to_owned(),
        password: Secret::new("open sesame"),
    };
    let created = client(options(&server.base, credentials))
        .send_json(
            Method::Post,
            &["Users"],
            &[],
            Some(&json!({"userName": "bjensen"})),
        )
        .await
        .expect("201");
    assert_eq!(created, Some(json!({"id": "1", "userName": "bjensen"})));
    let seen = &server.seen()[0];
    assert_eq!(
        seen.header("authorization"),
        Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    );
    assert_eq!(seen.header("content-type"), Some("application/scim+json"));
    assert_eq!(seen.body, r#"{"userName":"bjensen"}"#);
}

#[tokio::test]
async fn a_query_on_the_base_url_is_kept_and_filters_are_strictly_encoded() {
    let server = TestServer::start().await;
    let base = format!("{}/scim?aadOptscim062020", server.base);
    client(options(&base, Credentials::None))
        .send(
            Method::Get,
            &["Users"],
            &[("filter", r#"userName eq "a+b@example.com""#)],
            None,
        )
        .await
        .expect("200");
    assert_eq!(
        server.seen()[0].path_and_query,
        "/scim/Users?aadOptscim062020&filter=userName%20eq%20%22a%2Bb%40example.com%22"
    );
}

#[tokio::test]
async fn an_id_with_reserved_characters_stays_one_path_segment() {
    let server = TestServer::start().await;
    anonymous(&server)
        .send(Method::Get, &["Users", "a/b?c"], &[], None)
        .await
        .expect("200");
    assert_eq!(server.seen()[0].path_and_query, "/Users/a%2Fb%3Fc");
    let refused = anonymous(&server)
        .send(Method::Delete, &["Users", ".."], &[], None)
        .await
        .expect_err("a dot-dot id would address the collection");
    assert_eq!(refused.exit(), Exit::Usage);
    assert_eq!(server.seen().len(), 1, "nothing sent for the refused id");
}

// ---------------------------------------------------------------------------------------------
// Token file and token command

#[cfg(unix)]
#[test]
fn a_token_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("token");
    std::fs::write(&path, "file-token\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let refused = read_token_file(&path).expect_err("mode 644");
    assert!(
        refused
            .to_string()
            .contains("readable by group or others (mode 644)"),
        "{refused}"
    );
    assert!(refused.to_string().contains("hint: chmod 600"), "{refused}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_eq!(
        read_token_file(&path).expect("mode 600").expose(),
        "file-token"
    );
}

#[cfg(unix)]
#[test]
fn a_token_command_gives_its_first_line_and_is_bounded_in_time() {
    let token = run_token_command(
        "printf 'cmd-token\\nlogin: alice\\n'",
        Duration::from_secs(10),
    )
    .expect("runs");
    assert_eq!(token.expose(), "cmd-token");

    let failed = run_token_command("echo 'vault sealed' >&2; exit 3", Duration::from_secs(10))
        .expect_err("exit 3");
    assert!(failed.to_string().contains("vault sealed"), "{failed}");

    let empty = run_token_command("true", Duration::from_secs(10)).expect_err("no output");
    assert!(empty.to_string().contains("printed nothing"), "{empty}");

    let started = Instant::now();
    let slow = run_token_command("sleep 5", Duration::from_millis(200)).expect_err("too slow");
    assert!(slow.to_string().contains("did not finish within"), "{slow}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "killed at the limit"
    );
}

// ---------------------------------------------------------------------------------------------
// OAuth client credentials

fn oauth(server: &TestServer) -> Credentials {
    Credentials::OAuth(OAuthClient {
        token_url: format!("{}/oauth/token", server.base),
        client_id: "scimctl".to_owned(),
        client_secret: Secret::new("client-s3cret"),
        cache_dir: None,
    })
}

fn token_reply(token: &str) -> Reply {
    Reply::new(200)
        .header("content-type", "application/json")
        .body(
            &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).to_string(),
        )
}

#[tokio::test]
async fn an_oauth_token_is_fetched_once_and_reused() {
    let server = TestServer::start().await;
    server.on("/oauth/token", [token_reply("oat-1")]);
    let client = client(options(&server.base, oauth(&server)));
    for _ in 0..3 {
        client
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect("200");
    }
    assert_eq!(server.hits("/oauth/token"), 1);
    let seen = server.seen();
    let token_request = &seen[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.body, "grant_type=client_credentials");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // RFC 6749 §2.3.1: client_secret_basic, base64("scimctl:client-s3cret").
    assert_eq!(
        token_request.header("authorization"),
        Some("Basic c2NpbWN0bDpjbGllbnQtczNjcmV0")
    );
    for request in &seen[1..] {
        assert_eq!(request.header("authorization"), Some("Bearer oat-1"));
    }
}

#[tokio::test]
async fn a_refused_oauth_token_is_renewed_once() {
    let server = TestServer::start().await;
    server.on("/oauth/token", [token_reply("oat-1"), token_reply("oat-2")]);
    server.on(
        "/Users",
        [Reply::scim(
            401,
            json!({"status": "401", "detail": "token revoked"}),
        )],
    );
    client(options(&server.base, oauth(&server)))
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("200 after renewal");
    let users: Vec<Seen> = server
        .seen()
        .into_iter()
        .filter(|s| s.path_and_query == "/Users")
        .collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].header("authorization"), Some("Bearer oat-1"));
    assert_eq!(users[1].header("authorization"), Some("Bearer oat-2"));
}

#[tokio::test]
async fn an_oauth_refusal_is_an_authentication_error() {
    let server = TestServer::start().await;
    server.on(
        "/oauth/token",
        [Reply::new(401)
            .header("content-type", "application/json")
            .body(r#"{"error":"invalid_client","error_description":"unknown client"}"#)],
    );
    let refused = client(options(&server.base, oauth(&server)))
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect_err("no token");
    assert_refused(&refused, Exit::Auth, "401 invalid_client: unknown client");
    assert_eq!(server.hits("/Users"), 0);
}

/// The one cache file in a cache directory.
fn cached_token_file(dir: &tempfile::TempDir) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("cache dir exists")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

fn oauth_cached_in(server: &TestServer, dir: &tempfile::TempDir) -> Credentials {
    match oauth(server) {
        Credentials::OAuth(client) => Credentials::OAuth(OAuthClient {
            cache_dir: Some(dir.path().to_path_buf()),
            ..client
        }),
        other => other,
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_oauth_token_cache_file_serves_later_runs() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let cache = tempfile::tempdir().expect("a temporary directory");
    server.on("/oauth/token", [token_reply("oat-1")]);
    for _run in 0..2 {
        client(options(&server.base, oauth_cached_in(&server, &cache)))
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect("200");
    }
    assert_eq!(
        server.hits("/oauth/token"),
        1,
        "the second run used the cached token"
    );
    let file = cached_token_file(&cache);
    let mode = std::fs::metadata(&file)
        .expect("cache file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        server.seen()[2].header("authorization"),
        Some("Bearer oat-1")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_cached_token_that_expired_or_that_others_can_read_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let cache = tempfile::tempdir().expect("a temporary directory");
    server.on(
        "/oauth/token",
        [
            token_reply("oat-1"),
            token_reply("oat-2"),
            token_reply("oat-3"),
        ],
    );
    let run = || async {
        client(options(&server.base, oauth_cached_in(&server, &cache)))
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect("200");
    };
    run().await;
    let file = cached_token_file(&cache);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    run().await;
    assert_eq!(
        server.hits("/oauth/token"),
        2,
        "a cache file others can read is ignored"
    );

    let mut cached: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    assert_eq!(cached["access_token"], "oat-2");
    cached["renew_at"] = json!(1);
    std::fs::write(&file, cached.to_string()).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    run().await;
    assert_eq!(
        server.hits("/oauth/token"),
        3,
        "an expired cached token is renewed"
    );
}

// ---------------------------------------------------------------------------------------------
// Retries

/// A 429 is retried after its Retry-After (RFC 9110 §10.2.3: seconds or an HTTP date), even
/// for a POST: the server refused it before doing anything.
#[tokio::test]
async fn too_many_requests_waits_for_retry_after_in_seconds_or_as_an_http_date() {
    let in_seconds: fn() -> String = || "1".to_owned();
    let as_an_http_date: fn() -> String =
        || httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let cases = [
        (in_seconds, Method::Post, Duration::from_millis(950)),
        (as_an_http_date, Method::Get, Duration::from_millis(900)),
    ];
    for (retry_after, method, at_least) in cases {
        let retry_after = retry_after();
        let server = TestServer::start().await;
        server.on(
            "/Users",
            [Reply::new(429).header("retry-after", &retry_after)],
        );
        let body = (method == Method::Post).then(|| json!({"userName": "x"}));
        let started = Instant::now();
        anonymous(&server)
            .send(method, &["Users"], &[], body.as_ref())
            .await
            .unwrap_or_else(|e| panic!("Retry-After {retry_after}: not retried: {e}"));
        assert_eq!(server.hits("/Users"), 2, "Retry-After {retry_after}");
        assert!(
            started.elapsed() >= at_least,
            "Retry-After {retry_after}: waited {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_is_not_waited_for() {
    let server = TestServer::start().await;
    server.on("/Users", [Reply::new(429).header("retry-after", "3600")]);
    let (client, log) = logging_client(
        options(&server.base, Credentials::None),
        RecorderOptions {
            verbosity: 1,
            ..RecorderOptions::default()
        },
    );
    let started = Instant::now();
    let failure = http_failure(
        client
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect_err("429"),
    );
    assert_eq!(failure.status, 429);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.hits("/Users"), 1);
    assert!(
        log.text().contains("asked to wait 3600 s"),
        "{}",
        log.text()
    );
}

/// 502/503 are retried only where resending is safe (GET, a `.search` POST), and at most three
/// times: a create is never resent blind.
#[tokio::test]
async fn gateway_errors_are_retried_only_where_resending_is_safe_and_boundedly() {
    let cases = [
        ("a GET is retried", Method::Get, "/Users", 2, 503, 200, 3),
        (
            "a create is never resent blind",
            Method::Post,
            "/Users",
            1,
            503,
            503,
            1,
        ),
        (
            "a search POST is safe to retry",
            Method::Post,
            "/Users/.search",
            1,
            502,
            200,
            2,
        ),
        (
            "retries are bounded",
            Method::Get,
            "/Users",
            10,
            503,
            503,
            4,
        ),
    ];
    for (case, method, path, failures, failing, final_status, hits) in cases {
        let server = TestServer::start().await;
        server.on(path, (0..failures).map(|_| Reply::new(failing)));
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let body = (method == Method::Post).then(|| json!({"userName": "x"}));
        let status = match anonymous(&server)
            .send(method, &segments, &[], body.as_ref())
            .await
        {
            Ok(response) => response.status,
            Err(error) => http_failure(error).status,
        };
        assert_eq!(status, final_status, "{case}");
        assert_eq!(server.hits(path), hits, "{case}");
    }
}

#[tokio::test]
async fn a_404_to_a_retried_delete_means_the_first_attempt_worked() {
    let server = TestServer::start().await;
    server.on("/Users/1", [Reply::new(503), Reply::new(404)]);
    let response = anonymous(&server)
        .send(Method::Delete, &["Users", "1"], &[], None)
        .await
        .expect("gone is what we wanted");
    assert_eq!(response.status, 404);
    server.on("/Users/2", [Reply::new(404)]);
    let first_try = anonymous(&server)
        .send(Method::Delete, &["Users", "2"], &[], None)
        .await
        .expect_err("a first-attempt 404 is an error");
    assert_eq!(first_try.to_string(), "404 Not Found (DELETE /Users/2)");
}

#[tokio::test]
async fn retry_costs_are_counted() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::new(429).header("retry-after", "0"), Reply::new(503)],
    );
    let client = anonymous(&server);
    client
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("third attempt");
    let stats = client.retry_stats();
    assert_eq!((stats.throttled, stats.retries), (1, 2));
    assert!(stats.waited <= Duration::from_millis(40), "{stats:?}");
}

#[tokio::test]
async fn a_timeout_is_retried_for_get_but_not_for_post() {
    let server = TestServer::start().await;
    server.on("/Users", [Reply::new(200).after(Duration::from_secs(2))]);
    let mut opts = options(&server.base, Credentials::None);
    opts.transport.timeout = Duration::from_millis(300);
    let client = client(opts);
    client
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("second attempt in time");
    assert_eq!(server.hits("/Users"), 2);

    server.on("/Groups", [Reply::new(201).after(Duration::from_secs(2))]);
    let refused = client
        .send(
            Method::Post,
            &["Groups"],
            &[],
            Some(&json!({"displayName": "ops"})),
        )
        .await
        .expect_err("timeout");
    assert!(
        matches!(&refused, ClientError::Transport { error, .. } if error.kind == TransportErrorKind::Timeout),
        "{refused:?}"
    );
    assert_refused(&refused, Exit::Network, "not idempotent");
    assert_eq!(server.hits("/Groups"), 1);
}

/// A server that reads each request and closes the connection without a word for the first
/// `drops` requests, then answers `200 {}`: a connection lost mid-request.
async fn dropping_server(drops: usize) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 64 * 1024];
                let mut read = 0;
                // One request: the head, and a body as long as Content-Length says.
                loop {
                    let Ok(n) = socket.read(&mut buffer[read..]).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    read += n;
                    let text = String::from_utf8_lossy(&buffer[..read]).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if read >= end + 4 + length {
                            break;
                        }
                    }
                }
                if counter.fetch_add(1, Ordering::SeqCst) < drops {
                    return;
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await;
            });
        }
    });
    (base, seen, task)
}

#[tokio::test]
async fn a_connection_lost_mid_request_is_retried_only_where_resending_is_safe() {
    let (base, seen, task) = dropping_server(1).await;
    let client = client(options(&base, Credentials::None));
    client
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("the second attempt is answered");
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    let (base, seen, second) = dropping_server(1).await;
    let client = self::client(options(&base, Credentials::None));
    let lost = client
        .send(
            Method::Post,
            &["Users"],
            &[],
            Some(&json!({"userName": "x"})),
        )
        .await
        .expect_err("a create is not sent twice");
    assert!(
        matches!(&lost, ClientError::Transport { error, .. } if error.kind == TransportErrorKind::Dropped),
        "{lost:?}"
    );
    assert_refused(&lost, Exit::Network, "connection lost");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    task.abort();
    second.abort();
}

fn raw_request(method: Method, path: &str) -> scimctl::client::RawRequest {
    scimctl::client::RawRequest {
        method,
        path: path.to_owned(),
        query: Vec::new(),
        target: None,
        headers: Vec::new(),
        body: (method == Method::Post).then(|| br#"{"userName":"x"}"#.to_vec()),
        credentials: true,
    }
}

/// Express closes a keep-alive connection after a 5xx answer without saying so, and the check
/// request that goes out on it next is lost before any answer. RFC 9112 §9.3.1 lets a client
/// send an idempotent request again on a new connection; a create is never sent twice, and a
/// request lost twice is the server's doing and is reported.
/// Sends `method path` as a check would to a server that drops the first `drops` connections
/// unanswered; returns the outcome and how many times the request reached the server.
async fn sent_to_a_dropping_server(
    drops: usize,
    method: Method,
    path: &str,
) -> (Result<RawExchange, ClientError>, usize) {
    let (base, seen, task) = dropping_server(drops).await;
    let outcome = client(options(&base, Credentials::None))
        .send_raw(&raw_request(method, path))
        .await;
    task.abort();
    (outcome, seen.load(Ordering::SeqCst))
}

fn is_dropped(error: &ClientError) -> bool {
    matches!(error, ClientError::Transport { error, .. } if error.kind == TransportErrorKind::Dropped)
}

#[tokio::test]
async fn a_check_request_lost_on_a_closing_connection_is_resent_once_when_idempotent() {
    for method in [Method::Get, Method::Put, Method::Delete] {
        let (outcome, sends) = sent_to_a_dropping_server(1, method, "/Users/1").await;
        let exchange =
            outcome.unwrap_or_else(|e| panic!("{method} is sent again and answered: {e}"));
        assert_eq!(exchange.response.status, 200);
        assert_eq!(sends, 2, "{method}");
    }

    let (outcome, sends) = sent_to_a_dropping_server(1, Method::Post, "/Users/.search").await;
    let exchange = outcome.expect("a search is safe to send again (RFC 7644 §3.4.3)");
    assert_eq!(exchange.response.status, 200);
    assert_eq!(sends, 2);

    let (outcome, sends) = sent_to_a_dropping_server(1, Method::Post, "/Users").await;
    let lost = outcome.expect_err("a create is not sent twice");
    assert!(is_dropped(&lost), "{lost:?}");
    assert_eq!(sends, 1);

    let (outcome, sends) = sent_to_a_dropping_server(2, Method::Get, "/Users").await;
    let lost = outcome.expect_err("lost twice is reported");
    assert!(is_dropped(&lost), "{lost:?}");
    assert_eq!(sends, 2, "sent again once, not more");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let refused = client(options(&format!("http://{address}"), Credentials::None))
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect_err("nobody listens");
    assert_refused(&refused, Exit::Network, "gave up after 4 attempts");
}

// ---------------------------------------------------------------------------------------------
// Redirects

#[tokio::test]
async fn a_redirect_to_another_origin_never_carries_credentials() {
    let scim = TestServer::start().await;
    let elsewhere = TestServer::start().await;
    scim.on(
        "/Users/1",
        [Reply::new(302).header("location", &format!("{}/landing", elsewhere.base))],
    );
    let mut opts = options(&scim.base, bearer("tok-abc"));
    opts.headers = vec![
        ("Cookie".to_owned(), "session=1".to_owned()),
        ("X-Tenant".to_owned(), "acme".to_owned()),
    ];
    client(opts)
        .send(Method::Get, &["Users", "1"], &[], None)
        .await
        .expect("followed");
    assert_eq!(
        scim.seen()[0].header("authorization"),
        Some("Bearer tok-abc")
    );
    let landed = &elsewhere.seen()[0];
    assert_eq!(landed.path_and_query, "/landing");
    assert_eq!(landed.header("authorization"), None);
    assert_eq!(landed.header("cookie"), None);
    assert_eq!(landed.header("x-tenant"), Some("acme"));
}

#[tokio::test]
async fn a_redirect_within_the_origin_keeps_credentials() {
    let server = TestServer::start().await;
    server.on("/Me", [Reply::new(308).header("location", "/Users/42")]);
    client(options(&server.base, bearer("tok-abc")))
        .send(Method::Get, &["Me"], &[], None)
        .await
        .expect("followed");
    let seen = server.seen();
    assert_eq!(seen[1].path_and_query, "/Users/42");
    assert_eq!(seen[1].header("authorization"), Some("Bearer tok-abc"));
}

#[tokio::test]
async fn writes_do_not_follow_redirects_and_an_sso_redirect_is_an_auth_error() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::new(302).header(
            "location",
            "https://login.example.com/saml/sso?RelayState=x",
        )],
    );
    let refused = client(options(&server.base, bearer("tok-abc")))
        .send(
            Method::Post,
            &["Users"],
            &[],
            Some(&json!({"userName": "x"})),
        )
        .await
        .expect_err("not followed");
    assert_eq!(refused.exit(), Exit::Auth);
    assert!(
        refused
            .to_string()
            .starts_with("302: redirected to https://login.example.com/saml/sso"),
        "{refused}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_redirect_to_a_login_page_is_recognised() {
    let server = TestServer::start().await;
    server.on("/Users", [Reply::new(302).header("location", "/login")]);
    server.on(
        "/login",
        [Reply::new(200)
            .header("content-type", "text/html")
            .body("<html><head><title>Acme Sign-In</title></head><body><input type=\"password\"></body></html>")],
    );
    let refused = client(options(&server.base, bearer("tok-abc")))
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect_err("a login page is not SCIM");
    assert_eq!(refused.exit(), Exit::Auth);
    let line = refused.to_string();
    assert!(
        line.contains("an HTML page titled \"Acme Sign-In\""),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "(GET /Users, redirected to {}/login)",
            server.base
        )),
        "{line}"
    );
}

#[tokio::test]
async fn redirect_loops_are_bounded() {
    let server = TestServer::start().await;
    server.on(
        "/a",
        (0..10).map(|_| Reply::new(302).header("location", "/a")),
    );
    let refused = anonymous(&server)
        .send(Method::Get, &["a"], &[], None)
        .await
        .expect_err("loop");
    assert!(
        refused.to_string().contains("more than 5 redirects"),
        "{refused}"
    );
    assert_eq!(server.hits("/a"), 6);
}

// ---------------------------------------------------------------------------------------------
// Errors and tolerated deviations

#[tokio::test]
async fn a_scim_error_becomes_one_line() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::scim(
            409,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "userName \"bjensen\" already exists"}),
        )],
    );
    let refused = anonymous(&server)
        .send(
            Method::Post,
            &["Users"],
            &[],
            Some(&json!({"userName": "bjensen"})),
        )
        .await
        .expect_err("409");
    assert_eq!(
        refused.to_string(),
        r#"409 uniqueness: userName "bjensen" already exists (POST /Users)"#
    );
    assert_eq!(refused.exit(), Exit::ServerError);
}

#[tokio::test]
async fn unauthorised_and_forbidden_are_authentication_errors() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [
            Reply::new(401),
            Reply::new(403)
                .header("content-type", "text/plain")
                .body("nope"),
        ],
    );
    let client = client(options(&server.base, bearer("wrong")));
    for expected in [
        "401 Unauthorized (GET /Users)",
        "403: \"nope\" (plain text, not a SCIM Error) (GET /Users)",
    ] {
        let refused = client
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect_err("refused");
        assert_eq!(refused.exit(), Exit::Auth);
        assert_eq!(refused.to_string(), expected);
    }
}

#[tokio::test]
async fn deviations_are_tolerated_with_a_warning_at_v() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::new(200)
            .header("content-type", "application/json")
            .body("{}")],
    );
    server.on(
        "/Users/1",
        [
            Reply::new(204),
            Reply::new(404)
                .header("content-type", "application/json")
                .body(r#"{"status":404,"detail":"gone"}"#),
        ],
    );
    let (client, log) = logging_client(
        options(&server.base, Credentials::None),
        RecorderOptions {
            verbosity: 1,
            ..RecorderOptions::default()
        },
    );
    assert_eq!(
        client
            .send_json(Method::Get, &["Users"], &[], None)
            .await
            .expect("200"),
        Some(json!({}))
    );
    let patch =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []});
    assert_eq!(
        client
            .send_json(Method::Patch, &["Users", "1"], &[], Some(&patch))
            .await
            .expect("204"),
        None
    );
    let failure = http_failure(
        client
            .send(Method::Get, &["Users", "1"], &[], None)
            .await
            .expect_err("404"),
    );
    assert!(matches!(
        failure.body,
        FailureBody::Scim {
            numeric_status: true,
            ..
        }
    ));
    let text = log.text();
    assert!(
        text.contains("warning: GET /Users: Content-Type is application/json"),
        "{text}"
    );
    assert!(
        text.contains("warning: PATCH /Users/1: 204 No Content to PATCH"),
        "{text}"
    );
    assert!(
        text.contains("warning: GET /Users/1: the Error's `status` is a number"),
        "{text}"
    );
}

/// The non-SCIM labels servers put on answers without content: Django answers a DELETE with
/// `204`, `Content-Type: text/html` and nothing else.
const LABELS_OF_EMPTY_ANSWERS: [Option<&str>; 4] = [
    Some("text/html"),
    Some("text/html; charset=utf-8"),
    Some("text/plain"),
    None,
];

fn empty(status: u16, content_type: Option<&str>) -> Reply {
    match content_type {
        Some(content_type) => Reply::new(status).header("content-type", content_type),
        None => Reply::new(status),
    }
}

/// RFC 9110 §15.3.5: a 204 has no content, so its Content-Type says nothing; RFC 7644 §3.6
/// answers DELETE with 204. No operation may read such an answer as an HTML page.
#[tokio::test]
async fn an_empty_success_is_never_judged_by_its_content_type() {
    use scimctl::client::{DiscoveryCache, ListQuery, Projection, discover};
    for content_type in LABELS_OF_EMPTY_ANSWERS {
        let server = TestServer::start().await;
        let client = anonymous(&server);
        let user =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b"});
        let patch =
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []});
        server.on(
            "/Users/1",
            [
                empty(204, content_type),
                empty(204, content_type),
                empty(204, content_type),
                empty(200, content_type),
            ],
        );
        server.on(
            "/Users",
            [empty(201, content_type), empty(200, content_type)],
        );
        client
            .delete("/Users", "1")
            .await
            .unwrap_or_else(|e| panic!("DELETE, {content_type:?}: {e}"));
        let patched = client.patch("/Users", "1", &patch).await;
        assert_eq!(patched.expect("PATCH 204"), None, "{content_type:?}");
        let replaced = client.replace("/Users", "1", &user, None).await;
        assert_eq!(replaced.expect("PUT 204"), None, "{content_type:?}");
        let created = client.create("/Users", &user).await;
        assert_eq!(created.expect("POST 201"), None, "{content_type:?}");
        // A read that must return a resource fails for the missing body, not for a label.
        let read = client
            .get("/Users", "1", &Projection::default())
            .await
            .expect_err("no body");
        assert!(matches!(read, ClientError::InvalidBody { .. }), "{read:?}");
        assert!(read.to_string().contains("has no body"), "{read}");
        let listed = client
            .list("/Users", &ListQuery::default())
            .await
            .expect_err("no body");
        assert!(
            matches!(listed, ClientError::InvalidBody { .. }),
            "{listed:?}"
        );
        server.on("/Users", [empty(200, content_type)]);
        let paged = client
            .list_all("/Users", &ListQuery::default(), |_| {
                std::ops::ControlFlow::Continue(())
            })
            .await
            .expect_err("no body");
        assert!(
            matches!(paged, ClientError::InvalidBody { .. }),
            "{paged:?}"
        );
        server.on("/ServiceProviderConfig", [empty(200, content_type)]);
        let cache = DiscoveryCache::new(
            None,
            &server.base,
            &Credentials::None,
            Duration::from_secs(60),
        );
        let found = discover(&client, &cache, true).await;
        let said = found.warnings.join("\n");
        assert!(said.contains("GET /ServiceProviderConfig"), "{said}");
        assert!(
            said.contains("has no body") && !said.contains("HTML"),
            "{said}"
        );
    }
}

/// An error answer without content is summarised by its status, whatever its label.
#[tokio::test]
async fn an_empty_error_is_summarised_by_its_status_not_its_content_type() {
    for content_type in LABELS_OF_EMPTY_ANSWERS {
        let server = TestServer::start().await;
        server.on("/Users/1", [empty(404, content_type)]);
        let failure = http_failure(
            anonymous(&server)
                .delete("/Users", "1")
                .await
                .expect_err("404"),
        );
        assert_eq!(failure.body, FailureBody::Empty, "{content_type:?}");
        assert_eq!(failure.to_string(), "404 Not Found (DELETE /Users/1)");
        server.on("/oauth/token", [empty(401, content_type)]);
        let refused = client(options(&server.base, oauth(&server)))
            .send(Method::Get, &["Users"], &[], None)
            .await
            .expect_err("no token");
        assert_eq!(
            refused.to_string(),
            "the OAuth token endpoint refused: 401 Unauthorized (POST ".to_owned()
                + &server.base
                + "/oauth/token)",
            "{content_type:?}"
        );
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = TestServer::start().await;
    server.on(
        "/Users",
        [Reply::scim(200, json!({"blob": "x".repeat(5000)}))],
    );
    let mut opts = options(&server.base, Credentials::None);
    opts.transport.max_body_bytes = 1024;
    let refused = client(opts)
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect_err("too big");
    assert!(
        matches!(&refused, ClientError::Transport { error, .. } if error.kind == TransportErrorKind::BodyTooLarge),
        "{refused:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Seeing the wire, redacted

#[tokio::test]
async fn the_har_file_holds_every_exchange_and_no_secret() {
    let server = TestServer::start().await;
    let token = "super-secret-token-4711";
    server.on(
        "/Users",
        [Reply::scim(
            201,
            json!({"id": "1", "userName": "bjensen", "echo": format!("you sent {token}")}),
        )
        .header("set-cookie", "session=abc")],
    );
    let (client, _) = logging_client(
        options(&server.base, bearer(token)),
        RecorderOptions {
            har: true,
            ..RecorderOptions::default()
        },
    );
    client
        .send(
            Method::Post,
            &["Users"],
            &[("token", token)],
            Some(&json!({"userName": "bjensen", "password": "t1meMa$heen"})),
        )
        .await
        .expect("201");
    client
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("200");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("trace.har");
    let mut file = std::fs::File::create(&path).expect("create");
    client.recorder().write_har(&mut file).expect("written");
    let text = std::fs::read_to_string(&path).expect("read back");
    assert!(!text.contains(token), "the token leaked into the HAR file");
    assert!(
        !text.contains("t1meMa$heen"),
        "the password leaked into the HAR file"
    );
    assert!(
        !text.contains("session=abc"),
        "the cookie leaked into the HAR file"
    );
    let har: Value = serde_json::from_str(&text).expect("valid JSON");
    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    let headers = entries[0]["request"]["headers"]
        .as_array()
        .expect("headers");
    assert!(headers.contains(&json!({"name": "authorization", "value": "(redacted)"})));
    assert_eq!(entries[0]["response"]["status"], 201);
}

#[tokio::test]
async fn two_v_logs_headers_with_credentials_redacted() {
    let server = TestServer::start().await;
    let (client, log) = logging_client(
        options(&server.base, bearer("tok-vv-123")),
        RecorderOptions {
            verbosity: 2,
            ..RecorderOptions::default()
        },
    );
    client
        .send(Method::Get, &["Users"], &[], None)
        .await
        .expect("200");
    let text = log.text();
    assert!(
        text.starts_with(&format!("GET {}/Users -> 200 OK (", server.base)),
        "{text}"
    );
    assert!(text.contains("  > authorization: (redacted)\n"), "{text}");
    assert!(
        text.contains("  < content-type: application/scim+json\n"),
        "{text}"
    );
    assert!(!text.contains("tok-vv-123"), "{text}");
}

#[tokio::test]
async fn curl_shows_the_token_variable_instead_of_the_token() {
    let server = TestServer::start().await;
    let (client, log) = logging_client(
        options(&server.base, bearer("tok-curl-123")),
        RecorderOptions {
            curl: true,
            ..RecorderOptions::default()
        },
    );
    client
        .send(
            Method::Get,
            &["Users"],
            &[("filter", "userName eq \"x\"")],
            None,
        )
        .await
        .expect("200");
    let text = log.text();
    assert!(
        text.starts_with(&format!(
            "curl \\\n  '{}/Users?filter=userName%20eq%20%22x%22'",
            server.base
        )),
        "{text}"
    );
    assert!(
        text.contains("-H \"authorization: Bearer $SCIMCTL_TOKEN\""),
        "{text}"
    );
    assert!(!text.contains("tok-curl-123"), "{text}");
}

#[test]
fn a_ca_bundle_without_certificates_is_a_usage_error() {
    let mut opts = options("https://127.0.0.1:9/scim", Credentials::None);
    opts.transport.extra_roots_pem = Some(b"not a certificate".to_vec());
    let refused = ScimClient::new(opts, Recorder::quiet()).expect_err("no certificate");
    assert_eq!(refused.exit(), Exit::Usage);
    assert!(
        refused.to_string().starts_with("cannot set up TLS"),
        "{refused}"
    );
}

#[tokio::test]
async fn insecure_mode_always_warns() {
    let mut opts = options("https://127.0.0.1:9/scim", Credentials::None);
    opts.transport.insecure = true;
    let (_client, log) = logging_client(opts, RecorderOptions::default());
    assert!(
        log.text()
            .starts_with("warning: TLS certificate verification is off"),
        "{}",
        log.text()
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[tokio::test]
async fn one_client_serves_concurrent_requests_from_spawned_tasks() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let server = TestServer::start().await;
    server.on(
        "/oauth/token",
        [token_reply("oat-shared").after(Duration::from_millis(100))],
    );
    let client = Arc::new(client(options(&server.base, oauth(&server))));
    shareable(&*client);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move {
                client
                    .send(Method::Get, &["Users"], &[], None)
                    .await
                    .map(|r| r.status)
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("joined").expect("200"), 200);
    }
    assert_eq!(
        server.hits("/oauth/token"),
        1,
        "concurrent requests wait for one token fetch"
    );
}

// ---------------------------------------------------------------------------------------------
// Request-targets sent byte for byte (`RawRequest::target`)

/// A loopback server that reads each request as raw bytes (no HTTP library in the way), keeps
/// them, and writes the next canned answer, byte for byte; over TLS with the test certificate
/// when asked. One request per connection, as the verbatim path sends them.
struct RawServer {
    base: String,
    received: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    async fn start(answers: Vec<&str>, tls: bool) -> RawServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let scheme = if tls { "https" } else { "http" };
        let base = format!("{scheme}://localhost:{port}/scim/v2");
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        let mut answers: VecDeque<String> = answers.into_iter().map(str::to_owned).collect();
        let acceptor = tls.then(tls_acceptor);
        let task = tokio::spawn(async move {
            while let Some(answer) = answers.pop_front() {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let request = match &acceptor {
                    Some(acceptor) => match acceptor.accept(socket).await {
                        Ok(mut stream) => exchange(&mut stream, &answer).await,
                        Err(_) => continue,
                    },
                    None => {
                        let mut socket = socket;
                        exchange(&mut socket, &answer).await
                    }
                };
                kept.lock().expect("lock").push(request);
            }
        });
        RawServer {
            base,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head, then a Content-Length body), answers, and closes.
async fn exchange<S>(stream: &mut S, answer: &str) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().expect("length"));
            if request.len() >= end + 4 + length {
                break;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
    String::from_utf8_lossy(&request).into_owned()
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
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
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn ok_list(total: u32) -> String {
    let body = format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{total},"Resources":[]}}"#
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn verbatim_get(target: &str) -> scimctl::client::RawRequest {
    scimctl::client::RawRequest {
        method: Method::Get,
        path: target.split('?').next().unwrap_or_default().to_owned(),
        query: Vec::new(),
        target: Some(target.to_owned()),
        headers: Vec::new(),
        body: None,
        credentials: true,
    }
}

const ENTRA_LINE: &str = r#"/Users?filter=userName+eq+"dale.mohr%40example.com""#;

#[tokio::test]
async fn a_target_goes_on_the_request_line_byte_for_byte_after_the_base_path_and_query() {
    let server = RawServer::start(vec![&ok_list(1)], false).await;
    let base = format!("{}?aadOptscim062020", server.base);
    let mut raw = verbatim_get(ENTRA_LINE);
    raw.headers = vec![
        ("Accept".to_owned(), "application/scim+json".to_owned()),
        ("User-Agent".to_owned(), String::new()),
    ];
    let exchange = client(options(&base, bearer("tok-123456")))
        .send_raw(&raw)
        .await
        .expect("answered");
    assert_eq!(exchange.response.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&exchange.response.body).expect("JSON")["totalResults"],
        1
    );
    let received = server.received();
    let lines: Vec<&str> = received[0].lines().collect();
    assert_eq!(
        lines[0],
        r#"GET /scim/v2/Users?aadOptscim062020&filter=userName+eq+"dale.mohr%40example.com" HTTP/1.1"#
    );
    let port = server
        .base
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next());
    assert_eq!(lines[1], format!("Host: localhost:{}", port.expect("port")));
    assert!(
        lines.contains(&"authorization: Bearer tok-123456"),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"Accept: application/scim+json"),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("user-agent")),
        "an empty User-Agent sends none: {lines:?}"
    );
}

#[tokio::test]
async fn a_verbatim_write_carries_its_body_and_reads_chunked_and_interim_answers() {
    let created = r#"{"id":"1","userName":"a"}"#;
    let chunked = format!(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{}\r\n{:x};ext\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
        10,
        &created[..10],
        created.len() - 10,
        &created[10..]
    );
    let until_close = format!("HTTP/1.1 200 OK\r\n\r\n{created}");
    let server = RawServer::start(vec![&chunked, &until_close], false).await;
    let client = client(options(&server.base, bearer("tok-123456")));
    let mut raw = verbatim_get(r#"/Users?attributes=userName&trace="x""#);
    raw.method = Method::Post;
    raw.body = Some(br#"{"userName":"a"}"#.to_vec());
    let first = client.send_raw(&raw).await.expect("answered");
    assert_eq!(first.response.status, 201);
    assert_eq!(first.response.body, created.as_bytes());
    let second = client
        .send_raw(&verbatim_get("/Users/1"))
        .await
        .expect("answered");
    assert_eq!(
        second.response.body,
        created.as_bytes(),
        "read to the close"
    );
    let received = server.received();
    assert!(
        received[0].contains("Content-Length: 16\r\n"),
        "{}",
        received[0]
    );
    assert!(
        received[0].ends_with(r#"{"userName":"a"}"#),
        "{}",
        received[0]
    );
}

#[tokio::test]
async fn a_verbatim_request_waits_out_429_and_does_not_follow_redirects_like_any_check() {
    let throttled = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n";
    let moved = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n";
    let server = RawServer::start(vec![throttled, &ok_list(0), moved], false).await;
    let client = client(options(&server.base, bearer("tok-123456")));
    let answered = client
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect("answered");
    assert_eq!(answered.response.status, 200);
    assert_eq!(client.retry_stats().throttled, 1);
    let redirected = client
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect("answered");
    assert_eq!(redirected.response.status, 302);
    assert_eq!(server.received().len(), 3, "the redirect was followed");
}

#[tokio::test]
async fn a_verbatim_request_without_credentials_carries_only_its_own_authorization() {
    let server = RawServer::start(vec![&ok_list(0)], false).await;
    let mut raw = verbatim_get(ENTRA_LINE);
    raw.credentials = false;
    raw.headers = vec![("Authorization".to_owned(), "non-token".to_owned())];
    client(options(&server.base, bearer("tok-123456")))
        .send_raw(&raw)
        .await
        .expect("answered");
    let request = &server.received()[0];
    assert!(
        request.contains("\r\nAuthorization: non-token\r\n"),
        "{request}"
    );
    assert!(!request.contains("tok-123456"), "{request}");
}

#[tokio::test]
async fn verbatim_exchanges_are_logged_with_their_exact_target_and_no_secret() {
    let server = RawServer::start(vec![&ok_list(0)], false).await;
    let (client, log) = logging_client(
        options(&server.base, bearer("tok-123456")),
        RecorderOptions {
            verbosity: 2,
            har: true,
            ..RecorderOptions::default()
        },
    );
    client
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect("answered");
    let text = log.text();
    assert!(
        text.contains(&format!("GET {}{ENTRA_LINE}", server.base)),
        "{text}"
    );
    assert!(!text.contains("tok-123456"), "{text}");
    let har = client.recorder().har().to_string();
    assert!(har.contains("dale.mohr%40example.com"), "{har}");
    assert!(!har.contains("tok-123456"), "{har}");
}

#[tokio::test]
async fn a_target_that_would_break_the_request_line_is_a_usage_error_and_sends_nothing() {
    let server = RawServer::start(vec![&ok_list(0)], false).await;
    let client = client(options(&server.base, bearer("tok-123456")));
    for bad in [
        "/Users?filter=userName eq \"x\"",
        "/Users\r\nX-Evil: 1",
        "/../admin",
    ] {
        let error = client
            .send_raw(&verbatim_get(bad))
            .await
            .expect_err("refused");
        assert_eq!(error.exit(), Exit::Usage, "{bad:?}: {error}");
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn verbatim_https_honours_insecure_and_cacert_and_refuses_an_unknown_issuer() {
    let server = RawServer::start(vec![&ok_list(0), &ok_list(0), &ok_list(0)], true).await;
    let untrusted = client(options(&server.base, bearer("tok-123456")))
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect_err("an unknown issuer");
    match &untrusted {
        ClientError::Transport { error, .. } => {
            assert_eq!(error.kind, TransportErrorKind::Tls, "{untrusted}");
        }
        other => panic!("not a TLS failure: {other}"),
    }
    let mut insecure = options(&server.base, bearer("tok-123456"));
    insecure.transport.insecure = true;
    let answered = client(insecure)
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect("--insecure takes the certificate");
    assert_eq!(answered.response.status, 200);
    let mut trusted = options(&server.base, bearer("tok-123456"));
    trusted.transport.extra_roots_pem = Some(include_bytes!("../../fixtures/tls/ca.pem").to_vec());
    let answered = client(trusted)
        .send_raw(&verbatim_get(ENTRA_LINE))
        .await
        .expect("--cacert trusts the issuer");
    assert_eq!(answered.response.status, 200);
    assert!(server.received()[0].starts_with(&format!("GET /scim/v2{ENTRA_LINE} HTTP/1.1\r\n")));
}
