//! Authentication (RFC 7644 §2), discovery (§4), methods and URLs, media types (§8.1).

use reqwest::Method;
use serde_json::json;

use super::common::{Harness, USER};

#[tokio::test]
async fn requests_without_the_token_get_a_401_error() {
    let h = Harness::start().await;
    for request in [
        h.client.get(h.url("/Users")),
        h.client.get(h.url("/Users")).bearer_auth("wrong"),
        h.client
            .get(h.url("/Users"))
            .basic_auth("user", Some("pass")),
        h.client.get(h.url("/nowhere")),
    ] {
        let answer = h.anonymous(request).await;
        answer.assert_error(401, None);
        assert!(
            answer
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer"))
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn discovery_documents_are_served_and_match_the_server() {
    let h = Harness::start().await;
    // RFC 7644 §4: query parameters are ignored there, but a filter SHOULD get 403.
    h.get("/ServiceProviderConfig?filter=patch.supported%20eq%20true")
        .await
        .assert_error(403, None);
    let spc = h.get("/ServiceProviderConfig?sortBy=ignored").await;
    assert_eq!(spc.status, 200);
    let spc = spc.json();
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["sort"]["supported"], true);
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["changePassword"]["supported"], false);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        spc["meta"]["location"],
        h.url("/ServiceProviderConfig").as_str()
    );

    let types = h.get("/ResourceTypes").await.json();
    assert_eq!(types["totalResults"], 2);
    let user_type = h.get("/ResourceTypes/User").await.json();
    assert_eq!(user_type["endpoint"], "/Users");
    assert_eq!(
        user_type["meta"]["location"],
        h.url("/ResourceTypes/User").as_str()
    );

    let schemas = h.get("/Schemas").await.json();
    assert_eq!(schemas["totalResults"], 3);
    let user_schema = h.get(&format!("/Schemas/{USER}")).await.json();
    assert_eq!(user_schema["id"], USER);
    h.get("/Schemas/urn:nope").await.assert_error(404, None);
    h.get("/ResourceTypes/Printer")
        .await
        .assert_error(404, None);
    h.stop().await;
}

#[tokio::test]
async fn writes_to_discovery_endpoints_are_405() {
    let h = Harness::start().await;
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/Schemas",
        "/Schemas/x",
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let answer = h.send(method.clone(), path, Some(json!({}))).await;
            answer.assert_error(405, None);
            assert_eq!(answer.header("allow"), Some("GET"), "{method} {path}");
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn unsupported_methods_are_405_and_unknown_urls_404() {
    let h = Harness::start().await;
    h.send(Method::DELETE, "/Users", None)
        .await
        .assert_error(405, None);
    h.send(Method::PUT, "/Groups", Some(json!({})))
        .await
        .assert_error(405, None);
    h.send(Method::POST, "/Users/some-id", Some(json!({})))
        .await
        .assert_error(405, None);
    h.send(Method::OPTIONS, "/Users", None)
        .await
        .assert_error(405, None);
    h.get("/Printers").await.assert_error(404, None);
    h.get("/Users/a/b").await.assert_error(404, None);
    let outside = h.server.base_url().replace("/scim/v2", "/api");
    let answer = h.raw(h.client.get(outside)).await;
    answer.assert_error(404, None);
    h.stop().await;
}

#[tokio::test]
async fn other_request_media_types_are_415() {
    let h = Harness::start().await;
    let request = h
        .client
        .post(h.url("/Users"))
        .header("content-type", "text/plain")
        .body(json!({"schemas": [USER], "userName": "x"}).to_string());
    h.raw(request).await.assert_error(415, None);
    h.stop().await;
}
