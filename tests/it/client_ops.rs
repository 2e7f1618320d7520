//! The typed operations, paging and discovery against real HTTP: `scimctl serve` (in process,
//! with its quirks switched on where a test needs a misbehaving server) and, for paging so
//! broken that no quirk models it, a tiny axum stub. Every server is stopped, and awaited, by its
//! test, and every traversal must end on its own: the guards stop and report, they never loop.

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use scimctl::client::{
    ClientError, ClientOptions, Credentials, DEFAULT_TTL, DiscoveryCache, ListQuery, LookupError,
    Projection, Recorder, RecorderOptions, RetryPolicy, ScimClient, StopReason, TransportOptions,
    discover, equals_filter,
};
use scimctl::redact::Secret;
use scimctl::scim::dialect::Dialect;
use scimctl::scim::filter::parse_filter;
use scimctl::scim::schema::ResourceSchema;
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig, ServerHandle, spawn};

// ---------------------------------------------------------------------------------------------
// Harness

/// Everything the client printed (warnings), for assertions.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn client_for(base_url: &str, credentials: Credentials, log: &Log) -> ScimClient {
    ScimClient::new(
        ClientOptions {
            base_url: base_url.to_owned(),
            credentials,
            headers: vec![],
            transport: TransportOptions::default(),
            retry: RetryPolicy::default(),
        },
        Recorder::new(
            RecorderOptions {
                verbosity: 1,
                ..RecorderOptions::default()
            },
            Box::new(log.clone()),
        ),
    )
    .expect("client")
}

struct Served {
    server: ServerHandle,
    client: ScimClient,
    log: Log,
}

async fn serve(quirks: &[Quirk], users: usize) -> Served {
    let seed = Seed {
        users: (0..users)
            .map(|n| json!({"userName": format!("user{n:05}"), "active": true}))
            .collect(),
        groups: vec![],
    };
    let server = spawn(ServeConfig {
        quirks: Quirks::from_list(quirks),
        seed: Some(seed),
        me: Some("user00000".to_owned()),
        ..ServeConfig::default()
    })
    .await
    .expect("server starts");
    let log = Log::default();
    let token = Credentials::Bearer(Secret::new(server.token()));
    let client = client_for(server.base_url(), token, &log);
    Served {
        server,
        client,
        log,
    }
}

fn id_of(resource: &Value) -> String {
    resource["id"].as_str().expect("an id").to_owned()
}

// ---------------------------------------------------------------------------------------------
// CRUD and lookups

#[tokio::test]
async fn create_read_find_patch_replace_and_delete_a_user() {
    let Served { server, client, .. } = serve(&[], 0).await;
    let created = client
        .create(
            "/Users",
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen",
                "name": {"givenName": "Barbara"},
                "emails": [{"value": "bjensen@example.com", "type": "work"}]
            }),
        )
        .await
        .unwrap()
        .expect("201 with the resource");
    let id = id_of(&created);

    let fetched = client
        .get_with_etag("/Users", &id, &Projection::default())
        .await
        .unwrap();
    assert_eq!(fetched.resource["userName"], "bjensen");
    let etag = fetched.etag.expect("scimctl serve sends an ETag");

    // userName is caseExact false (RFC 7643 §4.1), so the lookup is case-insensitive.
    let found = client
        .find_unique(
            "/Users",
            &equals_filter("userName", "BJENSEN"),
            &ResourceSchema::user(),
        )
        .await
        .unwrap();
    assert_eq!(id_of(&found), id);

    let patched = client
        .patch(
            "/Users",
            &id,
            &Dialect::Rfc.patch_body(&[scimctl::scim::dialect::PatchStep {
                op: scimctl::scim::patch::PatchOpKind::Replace,
                path: Some("emails[value eq \"bjensen@example.com\"].type".to_owned()),
                value: Some(json!("home")),
            }]),
        )
        .await
        .unwrap();
    if let Some(patched) = patched {
        assert_eq!(patched["emails"][0]["type"], "home");
    }

    // The tag from before the PATCH is stale now: 412, resource unchanged (§3.14).
    let mut replacement = fetched.resource.clone();
    replacement["displayName"] = json!("Babs");
    let stale = client
        .replace("/Users", &id, &replacement, Some(&etag))
        .await
        .unwrap_err();
    assert!(
        matches!(&stale, ClientError::Http(f) if f.status == 412),
        "{stale}"
    );
    let current = client
        .get_with_etag("/Users", &id, &Projection::default())
        .await
        .unwrap();
    let replaced = client
        .replace("/Users", &id, &replacement, current.etag.as_deref())
        .await
        .unwrap()
        .expect("PUT answers with the resource");
    assert_eq!(replaced["displayName"], "Babs");

    let projected = client
        .get(
            "/Users",
            &id,
            &Projection {
                attributes: vec!["displayName".to_owned()],
                excluded_attributes: vec![],
            },
        )
        .await
        .unwrap();
    assert!(projected.get("emails").is_none(), "{projected}");
    assert_eq!(projected["id"], json!(id), "id is returned always");

    client.delete("/Users", &id).await.unwrap();
    let gone = client
        .get("/Users", &id, &Projection::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&gone, ClientError::Http(f) if f.status == 404),
        "{gone}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn lookups_that_match_none_or_several_say_so() {
    let Served { server, client, .. } = serve(&[], 3).await;
    let none = client
        .find_unique(
            "/Users",
            &equals_filter("userName", "nobody"),
            &ResourceSchema::user(),
        )
        .await
        .unwrap_err();
    assert_eq!(none.to_string(), "no User matches userName eq \"nobody\"");
    let several = client
        .find_unique(
            "/Users",
            &parse_filter("userName sw \"user\"").unwrap(),
            &ResourceSchema::user(),
        )
        .await
        .unwrap_err();
    let LookupError::Ambiguous { ids, .. } = &several else {
        panic!("expected several matches, got {several}");
    };
    assert_eq!(ids.len(), 3);
    assert!(
        several
            .to_string()
            .starts_with("3 Users match userName sw \"user\": ids "),
        "{several}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_whose_eq_matches_substrings_is_checked_on_the_client() {
    let Served {
        server,
        client,
        log,
    } = serve(&[Quirk::EqSubstring], 0).await;
    for name in ["px", "px_1"] {
        client
            .create(
                "/Users",
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}),
            )
            .await
            .unwrap();
    }
    let found = client
        .find_unique(
            "/Users",
            &equals_filter("userName", "px"),
            &ResourceSchema::user(),
        )
        .await
        .unwrap();
    assert_eq!(found["userName"], "px");
    assert!(
        log.text().contains("its `eq` is not an exact comparison"),
        "{}",
        log.text()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_404_to_a_filtered_list_reads_as_no_match_with_a_warning() {
    let Served {
        server,
        client,
        log,
    } = serve(&[Quirk::FilterNoMatch404], 1).await;
    let query = ListQuery {
        filter: Some("userName eq \"ghost\"".to_owned()),
        ..ListQuery::default()
    };
    let page = client.list("/Users", &query).await.unwrap();
    assert_eq!(page.total_results, Some(0));
    assert!(page.resources.is_empty());
    assert!(
        log.text()
            .contains("404 to a filtered list; read as no match"),
        "{}",
        log.text()
    );
    // Unfiltered, a 404 is what it says.
    let missing = client
        .get("/Users", "no-such-id", &Projection::default())
        .await
        .unwrap_err();
    assert!(matches!(&missing, ClientError::Http(f) if f.status == 404));
    server.shutdown().await;
}

#[tokio::test]
async fn me_reads_the_authenticated_subject() {
    let Served { server, client, .. } = serve(&[], 2).await;
    let me = client.me(&Projection::default()).await.unwrap();
    assert_eq!(me["userName"], "user00000");
    server.shutdown().await;
}

#[tokio::test]
async fn each_dialects_activation_body_is_understood_by_scimctl_serve() {
    let Served { server, client, .. } = serve(&[], 1).await;
    let user = client
        .find_unique(
            "/Users",
            &equals_filter("userName", "user00000"),
            &ResourceSchema::user(),
        )
        .await
        .unwrap();
    let id = id_of(&user);
    for dialect in Dialect::ALL {
        for active in [false, true] {
            client
                .patch("/Users", &id, &dialect.set_active(active))
                .await
                .unwrap_or_else(|e| panic!("{dialect}: {e}"));
            let now = client
                .get("/Users", &id, &Projection::default())
                .await
                .unwrap();
            assert_eq!(now["active"], json!(active), "{dialect}");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn each_dialects_membership_bodies_add_and_remove_exactly_the_members_asked() {
    let Served { server, client, .. } = serve(&[], 3).await;
    let page = client.list("/Users", &ListQuery::default()).await.unwrap();
    let ids: Vec<String> = page.resources.iter().map(id_of).collect();
    let members: Vec<(&str, Option<&str>)> = ids.iter().map(|id| (id.as_str(), None)).collect();
    for dialect in Dialect::ALL {
        let group = client
            .create(
                "/Groups",
                &dialect.create_group_body(&json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": format!("team-{dialect}")
                })),
            )
            .await
            .unwrap()
            .expect("the created group");
        let group_id = id_of(&group);
        client
            .patch("/Groups", &group_id, &dialect.add_members(&members))
            .await
            .unwrap_or_else(|e| panic!("{dialect}: {e}"));
        client
            .patch(
                "/Groups",
                &group_id,
                &dialect.remove_members(&[ids[0].as_str()]),
            )
            .await
            .unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let after = client
            .get("/Groups", &group_id, &Projection::default())
            .await
            .unwrap();
        let left: Vec<&str> = after["members"]
            .as_array()
            .map(|m| m.iter().filter_map(|m| m["value"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(left, [ids[1].as_str(), ids[2].as_str()], "{dialect}");
    }
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Paging against scimctl serve

async fn collect_all(
    client: &ScimClient,
    query: &ListQuery,
) -> (Vec<String>, scimctl::client::PagingSummary) {
    let mut ids = Vec::new();
    let summary = client
        .list_all("/Users", query, |page| {
            ids.extend(page.iter().map(id_of));
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    (ids, summary)
}

fn paged(count: u64) -> ListQuery {
    ListQuery {
        count: Some(count),
        ..ListQuery::default()
    }
}

#[tokio::test]
async fn list_all_follows_every_page_by_get_and_by_search() {
    let Served { server, client, .. } = serve(&[], 25).await;
    for search in [false, true] {
        let query = ListQuery { search, ..paged(7) };
        let (ids, summary) = collect_all(&client, &query).await;
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), 25);
        assert_eq!(summary.items, 25);
        assert_eq!(summary.pages, 4);
        assert_eq!(summary.duplicates, 0);
        assert_eq!(summary.gap, Some(0));
        assert_eq!(summary.stop, StopReason::ReachedTotal);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_zero_based_server_loses_one_resource_and_the_summary_says_so() {
    let Served { server, client, .. } = serve(&[Quirk::ZeroBasedStartIndex], 10).await;
    let (ids, summary) = collect_all(&client, &paged(3)).await;
    assert_eq!(ids.len(), 9);
    assert_eq!(summary.gap, Some(1));
    assert!(summary.to_string().contains("(1 missing)"), "{summary}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_total_that_is_only_the_page_size_does_not_hide_the_rest() {
    let Served { server, client, .. } = serve(&[Quirk::TotalResultsPageSize], 12).await;
    let (ids, summary) = collect_all(&client, &paged(5)).await;
    assert_eq!(ids.len(), 12);
    assert!(summary.total_changed);
    assert_eq!(summary.stop, StopReason::EmptyPage);
    server.shutdown().await;
}

#[tokio::test]
async fn lowercase_resources_are_read_and_noted() {
    let Served { server, client, .. } = serve(&[Quirk::LowercaseResources], 4).await;
    let (ids, summary) = collect_all(&client, &paged(3)).await;
    assert_eq!(ids.len(), 4);
    assert!(
        summary
            .tolerated
            .iter()
            .any(|note| note.contains("under `resources`")),
        "{:?}",
        summary.tolerated
    );
    server.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_users_stream_through_list_all() {
    let Served { server, client, .. } = serve(&[], 10_000).await;
    let mut streamed = 0usize;
    let summary = client
        .list_all("/Users", &ListQuery::default(), |page| {
            streamed += page.len();
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    assert_eq!(streamed, 10_000);
    assert_eq!(summary.items, 10_000);
    assert_eq!(summary.gap, Some(0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_caller_that_breaks_ends_the_traversal_without_fetching_more_pages() {
    let Served {
        server,
        client,
        log,
    } = serve(&[], 10).await;
    let mut pages_seen = 0;
    let summary = client
        .list_all("/Users", &paged(3), |_| {
            pages_seen += 1;
            ControlFlow::Break(())
        })
        .await
        .unwrap();
    assert_eq!(pages_seen, 1);
    assert_eq!(summary.pages, 1);
    assert_eq!(summary.items, 3);
    assert_eq!(summary.stop, StopReason::CallerStopped);
    let requests = log.text().lines().filter(|l| l.starts_with("GET ")).count();
    assert_eq!(
        requests,
        1,
        "only the first page was asked for:\n{}",
        log.text()
    );
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Paging against servers broken beyond any quirk

/// A stub server on 127.0.0.1:0.
struct Stub {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Stub {
    async fn start(app: Router) -> Stub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Stub { base, stop, task }
    }

    /// Stops the server and waits until it is gone.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// A stub whose `/Users` answers `page(startIndex)`.
async fn stub(page: fn(u64) -> Value) -> Stub {
    async fn users(
        State(page): State<fn(u64) -> Value>,
        Query(query): Query<HashMap<String, String>>,
    ) -> axum::response::Response {
        let start = query
            .get("startIndex")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        axum::response::IntoResponse::into_response((
            [("content-type", "application/scim+json")],
            page(start).to_string(),
        ))
    }
    Stub::start(Router::new().route("/Users", get(users)).with_state(page)).await
}

async fn traverse_stub(page: fn(u64) -> Value) -> (usize, scimctl::client::PagingSummary) {
    let server = stub(page).await;
    let client = client_for(&server.base, Credentials::None, &Log::default());
    let mut delivered = 0usize;
    let summary = client
        .list_all("/Users", &paged(2), |page| {
            delivered += page.len();
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    server.stop().await;
    (delivered, summary)
}

#[tokio::test]
async fn a_server_that_ignores_start_index_is_stopped_after_one_repeat() {
    let (delivered, summary) = traverse_stub(|_| {
        json!({"totalResults": 100, "startIndex": 1, "itemsPerPage": 2,
               "Resources": [{"id": "a", "schemas": []}, {"id": "b", "schemas": []}]})
    })
    .await;
    assert_eq!(delivered, 2);
    assert_eq!(summary.pages, 2);
    assert_eq!(summary.duplicates, 2);
    assert_eq!(summary.stop, StopReason::OnlyRepeats);
    assert_eq!(summary.gap, Some(98));
}

#[tokio::test]
async fn a_stalled_server_without_ids_is_stopped_as_no_progress() {
    let (delivered, summary) = traverse_stub(|_| {
        json!({"totalResults": 100, "startIndex": 1,
               "Resources": [{"userName": "x", "schemas": []}]})
    })
    .await;
    assert_eq!(summary.stop, StopReason::NoProgress);
    assert_eq!(summary.pages, 2);
    assert_eq!(delivered, 2);
}

#[tokio::test]
async fn numeric_strings_and_a_lowercase_key_are_tolerated_while_paging() {
    let (delivered, summary) = traverse_stub(|start| {
        let ids: Vec<Value> = (start..=3)
            .take(2)
            .map(|n| json!({"id": n.to_string()}))
            .collect();
        json!({"totalResults": "3", "startIndex": start.to_string(), "resources": ids})
    })
    .await;
    assert_eq!(delivered, 3);
    assert_eq!(summary.stop, StopReason::ReachedTotal);
    assert_eq!(summary.tolerated.len(), 4, "{:?}", summary.tolerated);
}

// ---------------------------------------------------------------------------------------------
// Discovery

#[tokio::test]
async fn discovery_is_fetched_once_then_served_from_an_owner_only_cache() {
    let Served { server, client, .. } = serve(&[], 0).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let credentials = Credentials::Bearer(Secret::new(server.token()));
    let cache = DiscoveryCache::new(
        Some(dir.path()),
        server.base_url(),
        &credentials,
        DEFAULT_TTL,
    );

    let fresh = discover(&client, &cache, false).await;
    assert!(!fresh.from_cache);
    assert!(fresh.warnings.is_empty(), "{:?}", fresh.warnings);
    assert!(fresh.config.is_some());
    assert_eq!(fresh.endpoint_for("user").as_deref(), Some("/Users"));
    assert!(fresh.resource_schema_for("User").is_some());

    let cached = discover(&client, &cache, false).await;
    assert!(cached.from_cache);
    assert_eq!(cached.resource_types, fresh.resource_types);
    assert_eq!(cached.schemas, fresh.schemas);
    let text = std::fs::read_to_string(cache.path().unwrap()).unwrap();
    assert!(
        !text.contains(server.token()),
        "the token never reaches the cache"
    );

    let refreshed = discover(&client, &cache, true).await;
    assert!(!refreshed.from_cache);
    server.shutdown().await;
}

#[tokio::test]
async fn missing_discovery_documents_are_warnings_and_builtins_stand_in() {
    // The stub knows only /Users: every discovery document is a 404.
    let server = stub(|_| json!({"totalResults": 0})).await;
    let client = client_for(&server.base, Credentials::None, &Log::default());
    let discovery = discover(&client, &DiscoveryCache::disabled(), false).await;
    assert_eq!(discovery.warnings.len(), 3, "{:?}", discovery.warnings);
    assert!(discovery.warnings[0].starts_with("/ServiceProviderConfig is not available: 404"));
    assert_eq!(discovery.endpoint_for("Groups").as_deref(), Some("/Groups"));
    assert_eq!(
        discovery.resource_schema_for("user"),
        Some(ResourceSchema::user())
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Dialect headers

#[tokio::test]
async fn oktas_headers_go_out_and_its_content_type_only_with_a_body() {
    async fn echo(headers: axum::http::HeaderMap) -> axum::response::Response {
        let seen: serde_json::Map<String, Value> = ["user-agent", "accept-charset", "content-type"]
            .into_iter()
            .map(|name| {
                let value = headers.get(name).and_then(|v| v.to_str().ok());
                (name.to_owned(), json!(value))
            })
            .collect();
        axum::response::IntoResponse::into_response((
            [("content-type", "application/scim+json")],
            json!({"id": "1", "seen": seen}).to_string(),
        ))
    }
    let server = Stub::start(Router::new().route("/Users/{id}", get(echo).put(echo))).await;
    let client = ScimClient::new(
        ClientOptions {
            base_url: server.base.clone(),
            credentials: Credentials::None,
            headers: Dialect::Okta
                .headers()
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            transport: TransportOptions::default(),
            retry: RetryPolicy::default(),
        },
        Recorder::quiet(),
    )
    .unwrap();

    let read = client
        .get("/Users", "1", &Projection::default())
        .await
        .unwrap();
    assert_eq!(
        read["seen"],
        json!({"user-agent": "Okta SCIM Client 1.0.0", "accept-charset": "utf-8", "content-type": null})
    );
    let written = client
        .replace("/Users", "1", &json!({"userName": "x"}), Some("W/\"1\""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        written["seen"]["content-type"],
        "application/scim+json; charset=utf-8"
    );
    server.stop().await;
}
