//! Create, read, replace and delete Users and Groups (RFC 7644 §3.3, §3.4.1, §3.5.1, §3.6),
//! with `meta`, `Location`, ETags and group membership mirrored into `User.groups`.

use serde_json::{Value, json};

use super::common::{GROUP, Harness, USER, text};

#[tokio::test]
async fn post_answers_201_with_meta_location_and_etag() {
    let h = Harness::start().await;
    let answer = h
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "bjensen", "password": "s3cret",
                   "name": {"givenName": "Barbara", "familyName": "Jensen"}}),
        )
        .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("content-type"), Some("application/scim+json"));
    let user = answer.json();
    let id = text(&user, "id");
    assert!(!id.is_empty());
    let meta = &user["meta"];
    assert_eq!(meta["resourceType"], "User");
    assert_eq!(meta["location"], h.url(&format!("/Users/{id}")).as_str());
    assert_eq!(answer.header("location"), meta["location"].as_str());
    assert_eq!(answer.header("etag"), meta["version"].as_str());
    assert!(meta["created"].as_str().is_some_and(|c| c.ends_with('Z')));
    assert_eq!(meta["created"], meta["lastModified"]);
    assert!(
        user.get("password").is_none(),
        "password is returned: never"
    );
    assert_eq!(user["name"]["familyName"], "Jensen");
    h.stop().await;
}

#[tokio::test]
async fn read_only_input_is_ignored() {
    let h = Harness::start().await;
    let user = h
        .user_with(json!({"userName": "ro", "id": "chosen-by-client",
                          "meta": {"resourceType": "Group", "version": "W/\"x\""},
                          "groups": [{"value": "nope"}]}))
        .await;
    assert_ne!(user["id"], "chosen-by-client");
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_ne!(user["meta"]["version"], "W/\"x\"");
    assert!(user.get("groups").is_none());
    h.stop().await;
}

#[tokio::test]
async fn get_by_id_returns_what_was_created_and_unknown_ids_are_404() {
    let h = Harness::start().await;
    let created = h.user("alice").await;
    let answer = h.get(&format!("/Users/{}", text(&created, "id"))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), created);
    assert_eq!(answer.header("etag"), created["meta"]["version"].as_str());
    h.get("/Users/010101001010101011001010101011")
        .await
        .assert_error(404, None);
    h.get("/Groups/unknown").await.assert_error(404, None);
    h.stop().await;
}

#[tokio::test]
async fn put_replaces_keeps_created_and_bumps_the_version() {
    let h = Harness::start().await;
    let created = h
        .user_with(json!({"userName": "carol", "title": "Engineer"}))
        .await;
    let path = format!("/Users/{}", text(&created, "id"));
    // Okta PUTs back the whole object it fetched, id and meta included.
    let mut body = created.clone();
    body["displayName"] = json!("Carol C.");
    body.as_object_mut().unwrap().remove("title");
    let answer = h.put(&path, body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let replaced = answer.json();
    assert_eq!(replaced["displayName"], "Carol C.");
    assert!(
        replaced.get("title").is_none(),
        "PUT replaces, it does not merge"
    );
    assert_eq!(replaced["meta"]["created"], created["meta"]["created"]);
    assert_ne!(replaced["meta"]["version"], created["meta"]["version"]);
    assert_eq!(answer.header("etag"), replaced["meta"]["version"].as_str());
    assert_eq!(h.get(&path).await.json(), replaced);
    h.stop().await;
}

#[tokio::test]
async fn delete_answers_204_then_the_resource_is_gone_everywhere() {
    let h = Harness::start().await;
    let created = h.user("dave").await;
    let path = format!("/Users/{}", text(&created, "id"));
    let answer = h.delete(&path).await;
    assert_eq!(answer.status, 204);
    assert!(answer.text.is_empty());
    h.get(&path).await.assert_error(404, None);
    h.delete(&path).await.assert_error(404, None);
    assert!(h.ids("/Users").await.is_empty());
    // RFC 7644 §3.6: the userName is free again.
    h.user("dave").await;
    h.stop().await;
}

#[tokio::test]
async fn duplicate_user_names_conflict_case_insensitively() {
    let h = Harness::start().await;
    h.user("Erin").await;
    let body = json!({"schemas": [USER], "userName": "eRIN"});
    h.post("/Users", body)
        .await
        .assert_error(409, Some("uniqueness"));
    let other = h.user("frank").await;
    let mut renamed = other.clone();
    renamed["userName"] = json!("ERIN");
    h.put(&format!("/Users/{}", text(&other, "id")), renamed)
        .await
        .assert_error(409, Some("uniqueness"));
    h.stop().await;
}

#[tokio::test]
async fn duplicate_group_display_names_conflict() {
    let h = Harness::start().await;
    h.group("Admins", &[]).await;
    let body = json!({"schemas": [GROUP], "displayName": "admins"});
    h.post("/Groups", body)
        .await
        .assert_error(409, Some("uniqueness"));
    h.stop().await;
}

#[tokio::test]
async fn members_are_completed_and_mirrored_into_user_groups() {
    let h = Harness::start().await;
    let alice = h
        .user_with(json!({"userName": "alice", "displayName": "Alice A."}))
        .await;
    let alice_id = text(&alice, "id");
    let group = h.group("Tour Guides", &[alice_id]).await;
    let member = &group["members"][0];
    assert_eq!(member["value"], alice_id);
    assert_eq!(member["type"], "User");
    assert_eq!(member["display"], "Alice A.");
    assert_eq!(member["$ref"], alice["meta"]["location"]);

    let alice_now = h.get(&format!("/Users/{alice_id}")).await.json();
    assert_eq!(
        alice_now["groups"],
        json!([{"value": group["id"], "$ref": group["meta"]["location"],
                "display": "Tour Guides", "type": "direct"}])
    );
    assert_ne!(alice_now["meta"]["version"], alice["meta"]["version"]);
    h.stop().await;
}

#[tokio::test]
async fn groups_can_contain_groups() {
    let h = Harness::start().await;
    let inner = h.group("Inner", &[]).await;
    let outer = h.group("Outer", &[text(&inner, "id")]).await;
    assert_eq!(outer["members"][0]["type"], "Group");
    h.delete(&format!("/Groups/{}", text(&inner, "id"))).await;
    let outer_now = h
        .get(&format!("/Groups/{}", text(&outer, "id")))
        .await
        .json();
    assert!(
        outer_now.get("members").is_none(),
        "no members left: {outer_now}"
    );
    h.stop().await;
}

#[tokio::test]
async fn members_that_do_not_exist_are_rejected_with_invalid_value() {
    let h = Harness::start().await;
    let body =
        json!({"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "no-such-id"}]});
    h.post("/Groups", body)
        .await
        .assert_error(400, Some("invalidValue"));
    assert!(h.ids("/Groups").await.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn a_deleted_user_disappears_from_its_groups() {
    let h = Harness::start().await;
    let a = h.user("a").await;
    let b = h.user("b").await;
    let group = h.group("Both", &[text(&a, "id"), text(&b, "id")]).await;
    let group_path = format!("/Groups/{}", text(&group, "id"));
    h.delete(&format!("/Users/{}", text(&a, "id"))).await;
    let now = h.get(&group_path).await.json();
    let members: Vec<&Value> = now["members"].as_array().unwrap().iter().collect();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["value"], b["id"]);
    assert_ne!(now["meta"]["version"], group["meta"]["version"]);
    h.stop().await;
}

#[tokio::test]
async fn deleting_a_group_clears_user_groups() {
    let h = Harness::start().await;
    let a = h.user("a").await;
    let a_path = format!("/Users/{}", text(&a, "id"));
    let group = h.group("Temp", &[text(&a, "id")]).await;
    assert!(h.get(&a_path).await.json().get("groups").is_some());
    h.delete(&format!("/Groups/{}", text(&group, "id"))).await;
    assert!(h.get(&a_path).await.json().get("groups").is_none());
    h.stop().await;
}

#[tokio::test]
async fn plain_json_and_missing_content_types_are_accepted() {
    let h = Harness::start().await;
    for (user_name, content_type) in [("json", Some("application/json")), ("bare", None)] {
        let mut request = h
            .client
            .post(h.url("/Users"))
            .body(json!({"schemas": [USER], "userName": user_name}).to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let answer = h.raw(request).await;
        assert_eq!(answer.status, 201, "{content_type:?}: {}", answer.text);
        assert_eq!(answer.header("content-type"), Some("application/scim+json"));
    }
    h.stop().await;
}

#[tokio::test]
async fn the_short_base_path_and_trailing_slashes_are_tolerated() {
    let h = Harness::start().await;
    let user = h.user("slash").await;
    let id = text(&user, "id");
    assert_eq!(h.get(&format!("/Users/{id}/")).await.status, 200);
    assert_eq!(h.get("/Users/").await.status, 200);
    let short = h.server.base_url().replace("/scim/v2", "/scim");
    let answer = h.raw(h.client.get(format!("{short}/Users/{id}"))).await;
    assert_eq!(answer.status, 200);
    h.stop().await;
}
