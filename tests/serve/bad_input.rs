//! Bad input never takes the server down, and always gets a SCIM Error with the right status
//! and scimType.

use scimctl::serve::{Limits, ServeConfig};
use serde_json::json;

use crate::common::{Harness, USER};

async fn post_bytes(h: &Harness, path: &str, body: Vec<u8>) -> crate::common::Answer {
    let request = h
        .client
        .post(h.url(path))
        .header("content-type", "application/scim+json")
        .body(body);
    h.raw(request).await
}

#[tokio::test]
async fn malformed_json_and_invalid_utf8_are_invalid_syntax() {
    let h = Harness::start().await;
    for body in [
        b"{\"userName\": ".to_vec(),
        b"{\"userName\": \"x\"} trailing".to_vec(),
        b"{\"userName\": \"\xff\xfe\"}".to_vec(),
        vec![b'['; 100_000],
    ] {
        post_bytes(&h, "/Users", body)
            .await
            .assert_error(400, Some("invalidSyntax"));
    }
    post_bytes(&h, "/Users", Vec::new())
        .await
        .assert_error(400, Some("invalidSyntax"));
    h.stop().await;
}

#[tokio::test]
async fn wrong_types_are_invalid_values() {
    let h = Harness::start().await;
    for body in [
        json!({"schemas": [USER], "userName": 42}),
        json!({"schemas": [USER], "userName": "t", "active": "perhaps"}),
        json!({"schemas": [USER], "userName": "t", "emails": "not-a-list"}),
        json!({"schemas": [USER]}),
    ] {
        h.post("/Users", body)
            .await
            .assert_error(400, Some("invalidValue"));
    }
    h.post("/Users", json!(["not", "an", "object"]))
        .await
        .assert_error(400, Some("invalidSyntax"));
    h.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let h = Harness::with(ServeConfig {
        limits: Limits {
            max_payload_size: 1024,
            ..Limits::default()
        },
        ..ServeConfig::default()
    })
    .await;
    let body = json!({"schemas": [USER], "userName": "x".repeat(2000)});
    h.post("/Users", body).await.assert_error(413, None);
    h.stop().await;
}

#[tokio::test]
async fn invalid_filters_are_invalid_filter() {
    let h = Harness::start().await;
    for filter in [
        "userName",
        "userName%20eqq%20%22x%22",
        "userName%20eq%20bjensen",
        "userName%20eq%20%22x%22%20and",
        "%28userName%20eq%20%22x%22",
        "active%20gt%20false",
    ] {
        h.get(&format!("/Users?filter={filter}"))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
    h.stop().await;
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_not_overflowed() {
    let h = Harness::start().await;
    let depth = 5000;
    let filter = format!(
        "{}userName%20eq%20%22x%22{}",
        "%28".repeat(depth),
        "%29".repeat(depth)
    );
    h.get(&format!("/Users?filter={filter}"))
        .await
        .assert_error(400, Some("invalidFilter"));
    let nots = format!(
        "{}userName%20pr{}",
        "not%28".repeat(depth),
        "%29".repeat(depth)
    );
    h.get(&format!("/Users?filter={nots}"))
        .await
        .assert_error(400, Some("invalidFilter"));
    assert_eq!(h.get("/Users").await.status, 200, "still serving");
    h.stop().await;
}

#[tokio::test]
async fn bad_attribute_lists_are_invalid_values() {
    let h = Harness::start().await;
    h.get("/Users?attributes=name.given.more")
        .await
        .assert_error(400, Some("invalidValue"));
    h.stop().await;
}

#[tokio::test]
async fn patch_bodies_that_are_not_patch_ops_are_refused() {
    let h = Harness::start().await;
    let user = h.user("target").await;
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    let answer = h
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"Operations": "nope"})),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let answer = h
        .send(reqwest::Method::PATCH, &path, Some(json!({"schemas": []})))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    h.stop().await;
}
