//! PATCH (RFC 7644 §3.5.2), ETag preconditions (§3.14) and `/Me` (§3.11).

use reqwest::Method;
use scimctl::serve::ServeConfig;
use serde_json::json;

use super::common::{Harness, text};

#[tokio::test]
async fn patch_answers_200_with_the_changed_resource() {
    let h = Harness::start().await;
    let user = h.user_with(json!({"userName": "p", "active": true})).await;
    let path = format!("/Users/{}", text(&user, "id"));
    let answer = h
        .patch(
            &path,
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let patched = answer.json();
    assert_eq!(patched["active"], false);
    assert_ne!(patched["meta"]["version"], user["meta"]["version"]);
    assert_eq!(answer.header("etag"), patched["meta"]["version"].as_str());
    assert_eq!(h.get(&path).await.json(), patched);
    h.stop().await;
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let h = Harness::start().await;
    let user = h.user_with(json!({"userName": "same", "title": "T"})).await;
    let path = format!("/Users/{}", text(&user, "id"));
    let answer = h
        .patch(
            &path,
            json!([{"op": "replace", "path": "title", "value": "T"}]),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["meta"], user["meta"]);
    h.stop().await;
}

#[tokio::test]
async fn member_patches_keep_user_groups_in_step() {
    let h = Harness::start().await;
    let a = h.user("a").await;
    let b = h.user("b").await;
    let (a_id, b_id) = (text(&a, "id"), text(&b, "id"));
    let group = h.group("G", &[a_id]).await;
    let path = format!("/Groups/{}", text(&group, "id"));
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": b_id}]},
                     {"op": "remove", "path": format!("members[value eq \"{a_id}\"]")}]);
    let answer = h.patch(&path, ops).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["members"][0]["value"], b_id);
    assert!(
        h.get(&format!("/Users/{a_id}"))
            .await
            .json()
            .get("groups")
            .is_none()
    );
    let b_groups = &h.get(&format!("/Users/{b_id}")).await.json()["groups"];
    assert_eq!(b_groups[0]["value"], group["id"]);
    let ghost = json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]);
    h.patch(&path, ghost)
        .await
        .assert_error(400, Some("invalidValue"));
    h.stop().await;
}

#[tokio::test]
async fn patch_errors_carry_the_right_scim_type() {
    let h = Harness::start().await;
    let user = h.user("err").await;
    let path = format!("/Users/{}", text(&user, "id"));
    h.patch(
        &path,
        json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
    )
    .await
    .assert_error(400, Some("invalidPath"));
    h.patch(&path, json!([{"op": "remove"}]))
        .await
        .assert_error(400, Some("noTarget"));
    h.patch(
        &path,
        json!([{"op": "replace", "path": "active", "value": "maybe"}]),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let taken = h.user("taken").await;
    h.patch(
        &format!("/Users/{}", text(&taken, "id")),
        json!([{"op": "replace", "path": "userName", "value": "ERR"}]),
    )
    .await
    .assert_error(409, Some("uniqueness"));
    assert_eq!(
        h.get(&path).await.json(),
        user,
        "failed PATCHes change nothing"
    );
    h.stop().await;
}

#[tokio::test]
async fn if_none_match_answers_304_while_unchanged() {
    let h = Harness::start().await;
    let user = h.user("cache").await;
    let path = format!("/Users/{}", text(&user, "id"));
    let etag = user["meta"]["version"].as_str().unwrap().to_string();
    let request = h.client.get(h.url(&path)).header("if-none-match", &etag);
    let answer = h.raw(request).await;
    assert_eq!(answer.status, 304);
    assert!(answer.text.is_empty());
    assert_eq!(answer.header("etag"), Some(etag.as_str()));
    let request = h
        .client
        .get(h.url(&path))
        .header("if-none-match", "W/\"other\"");
    assert_eq!(h.raw(request).await.status, 200);
    h.stop().await;
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let h = Harness::start().await;
    let user = h
        .user_with(json!({"userName": "lock", "title": "old"}))
        .await;
    let path = format!("/Users/{}", text(&user, "id"));
    let first_version = user["meta"]["version"].as_str().unwrap().to_string();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                      "Operations": [{"op": "replace", "path": "title", "value": "new"}]});
    let request = h
        .client
        .patch(h.url(&path))
        .header("if-match", &first_version)
        .header("content-type", "application/scim+json")
        .body(body.to_string());
    assert_eq!(h.raw(request).await.status, 200);
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let mut request = h
            .client
            .request(method.clone(), h.url(&path))
            .header("if-match", &first_version);
        if method != Method::DELETE {
            let body = if method == Method::PUT {
                user.clone()
            } else {
                body.clone()
            };
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        h.raw(request).await.assert_error(412, None);
    }
    assert_eq!(h.get(&path).await.json()["title"], "new");
    let request = h.client.delete(h.url(&path)).header("if-match", "*");
    assert_eq!(h.raw(request).await.status, 204);
    h.stop().await;
}

#[tokio::test]
async fn me_is_the_user_named_by_the_me_option() {
    let h = Harness::with(ServeConfig {
        me: Some("bjensen".into()),
        ..ServeConfig::default()
    })
    .await;
    h.get("/Me").await.assert_error(404, None);
    let user = h.user("BJensen").await;
    let answer = h.get("/Me").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), user);
    assert_eq!(answer.header("location"), user["meta"]["location"].as_str());
    let patched = h
        .patch(
            "/Me",
            json!([{"op": "add", "path": "nickName", "value": "Babs"}]),
        )
        .await;
    assert_eq!(patched.json()["nickName"], "Babs");
    h.stop().await;
}

#[tokio::test]
async fn without_a_me_user_me_is_501() {
    let h = Harness::start().await;
    h.get("/Me").await.assert_error(501, None);
    h.stop().await;
}

#[tokio::test]
async fn a_bare_extension_urn_path_takes_the_extension_object() {
    let h = Harness::start().await;
    let user = h.user("ext").await;
    let path = format!("/Users/{}", text(&user, "id"));
    let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    // scim2-tester sends the extension serialised as a resource, `schemas` included.
    let value = json!({"schemas": [urn], "employeeNumber": "701984", "department": "Tour"});
    let answer = h
        .patch(&path, json!([{"op": "add", "path": urn, "value": value}]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let patched = answer.json();
    assert_eq!(
        patched[urn],
        json!({"employeeNumber": "701984", "department": "Tour"})
    );
    assert!(patched["schemas"].as_array().unwrap().contains(&json!(urn)));
    h.stop().await;
}
