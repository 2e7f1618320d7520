//! Bad input never takes the server down, and always gets a SCIM Error with the right status
//! and scimType.

use scimctl::serve::{Limits, ServeConfig};
use serde_json::json;

use super::common::{Harness, USER};

async fn post_bytes(h: &Harness, path: &str, body: Vec<u8>) -> super::common::Answer {
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

/// A small deterministic generator, so a failure names the input that caused it.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.next()).unwrap_or(0) % items.len();
        items[index]
    }
}

#[tokio::test]
async fn token_soup_never_gets_a_server_error() {
    let h = Harness::start().await;
    let user = h
        .user_with(json!({"userName": "soup", "emails": [{"value": "a@b", "type": "work"}]}))
        .await;
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    let tokens = [
        "userName",
        "emails",
        "[",
        "]",
        "(",
        ")",
        "not",
        "and",
        "or",
        "eq",
        "co",
        "gt",
        "pr",
        "\"x\"",
        "\"",
        "true",
        "null",
        "1e999",
        "-0",
        ".",
        "value",
        "type",
        " ",
        "  ",
        "urn:x:",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "$ref",
        "\\u0000",
        "é",
        "%",
        "'",
    ];
    let mut noise = Noise(7);
    for round in 0..300 {
        let length = 1 + noise.next() % 9;
        let soup: String = (0..length)
            .map(|_| noise.pick(&tokens))
            .collect::<Vec<_>>()
            .join(" ");
        let search = json!({"schemas": [super::common::SEARCH], "filter": soup, "sortBy": soup});
        let answer = h.post("/Users/.search", search).await;
        assert!(
            answer.status < 500,
            "round {round}: filter {soup:?} -> {}",
            answer.text
        );
        let ops = json!([{"op": noise.pick(&["add", "remove", "replace", "Add", "x"]),
                          "path": soup, "value": noise.pick(&["x", "true"])}]);
        let answer = h.patch(&path, ops).await;
        assert!(
            answer.status < 500,
            "round {round}: path {soup:?} -> {}",
            answer.text
        );
    }
    assert_eq!(h.get(&path).await.status, 200);
    h.stop().await;
}
