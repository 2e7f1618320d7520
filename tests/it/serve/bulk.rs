//! `POST /Bulk` (RFC 7644 §3.7): bulkId references, failOnErrors and the two limits.

use scimctl::serve::{Limits, Quirk, ServeConfig};
use serde_json::{Value, json};

use super::common::{BULK, GROUP, Harness, USER};

fn small_limits() -> ServeConfig {
    ServeConfig {
        limits: Limits {
            bulk_max_operations: 3,
            max_payload_size: 2048,
            ..Limits::default()
        },
        ..ServeConfig::default()
    }
}

fn post_user(bulk_id: &str, user_name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
           "data": {"schemas": [USER], "userName": user_name}})
}

#[tokio::test]
async fn bulk_ids_link_a_new_group_to_new_users() {
    let h = Harness::start().await;
    let request = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "g1",
         "data": {"schemas": [GROUP], "displayName": "ops", "members": [{"value": "bulkId:u1"}]}},
        post_user("u1", "alice"),
    ]});
    let answer = h.post("/Bulk", request).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let response = answer.json();
    assert_eq!(
        response["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|op| op["status"] == "201"), "{response}");
    let group_location = ops[0]["location"].as_str().unwrap();
    let user_location = ops[1]["location"].as_str().unwrap();
    let user_id = user_location.rsplit('/').next().unwrap();
    let group_path = group_location.trim_start_matches(h.server.base_url());
    let group = h.get(group_path).await.json();
    assert_eq!(group["members"][0]["value"], user_id);
    assert_eq!(ops[0]["version"], group["meta"]["version"]);
    h.stop().await;
}

#[tokio::test]
async fn later_operations_can_use_ids_in_paths() {
    let h = Harness::start().await;
    let request = json!({"schemas": [BULK], "Operations": [
        post_user("u1", "patched"),
        {"method": "PATCH", "path": "/Users/bulkId:u1",
         "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                  "Operations": [{"op": "add", "path": "title", "value": "Lead"}]}},
        {"method": "DELETE", "path": "/Users/unknown-id"},
    ]});
    let response = h.post("/Bulk", request).await.json();
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops[1]["status"], "200", "{response}");
    assert_eq!(ops[2]["status"], "404");
    assert_eq!(ops[2]["response"]["status"], "404");
    assert_eq!(
        ops[2]["location"],
        format!("{}/Users/unknown-id", h.server.base_url()),
        "RFC 7644 §3.7.3: every operation but a failed POST has a location"
    );
    let user = h
        .get("/Users?filter=userName%20eq%20%22patched%22")
        .await
        .json();
    assert_eq!(user["Resources"][0]["title"], "Lead");
    h.stop().await;
}

#[tokio::test]
async fn fail_on_errors_stops_after_that_many_failures() {
    let h = Harness::start().await;
    let request = json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [
        post_user("a", "dup"), post_user("b", "dup"), post_user("c", "never"),
    ]});
    let response = h.post("/Bulk", request).await.json();
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "{response}");
    assert_eq!(ops[1]["status"], "409");
    assert_eq!(ops[1]["response"]["scimType"], "uniqueness");
    assert_eq!(
        ops[1].get("location"),
        None,
        "a failed POST has no location"
    );
    assert_eq!(h.get("/Users").await.json()["totalResults"], 1);
    h.stop().await;
}

#[tokio::test]
async fn unresolvable_references_fail_that_operation_only() {
    let h = Harness::start().await;
    let request = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"schemas": [GROUP], "displayName": "g", "members": [{"value": "bulkId:nobody"}]}},
        post_user("u", "fine"),
    ]});
    let response = h.post("/Bulk", request).await.json();
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "409", "{response}");
    assert_eq!(ops[1]["status"], "201");
    h.stop().await;
}

#[tokio::test]
async fn too_many_operations_or_bytes_are_413() {
    let h = Harness::with(small_limits()).await;
    let four: Vec<Value> = (0..4)
        .map(|i| post_user(&format!("b{i}"), &format!("u{i}")))
        .collect();
    h.post("/Bulk", json!({"schemas": [BULK], "Operations": four}))
        .await
        .assert_error(413, None);
    let big = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "x",
         "data": {"schemas": [USER], "userName": "x".repeat(4096)}}]});
    h.post("/Bulk", big).await.assert_error(413, None);
    assert_eq!(h.get("/Users").await.json()["totalResults"], 0);
    let spc = h.get("/ServiceProviderConfig").await.json();
    assert_eq!(
        spc["bulk"],
        json!({"supported": true, "maxOperations": 3, "maxPayloadSize": 2048})
    );
    h.stop().await;
}

#[tokio::test]
async fn malformed_bulk_requests_are_400() {
    let h = Harness::start().await;
    h.post("/Bulk", json!({"schemas": [BULK]}))
        .await
        .assert_error(400, Some("invalidSyntax"));
    h.post(
        "/Bulk",
        json!({"schemas": [BULK], "failOnErrors": "x", "Operations": []}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let request = json!({"schemas": [BULK], "Operations": [
        {"method": "GET", "path": "/Users"},
        {"method": "POST", "path": "/Users", "data": {"userName": "no-bulk-id"}}]});
    let response = h.post("/Bulk", request).await.json();
    for op in response["Operations"].as_array().unwrap() {
        assert_eq!(op["status"], "400", "{op}");
        assert_eq!(op["response"]["scimType"], "invalidValue");
    }
    h.get("/Bulk").await.assert_error(405, None);
    h.stop().await;
}

/// A bulk request whose two groups, `a` and `b`, each name the other as a member by bulkId.
fn circle_of_two_groups() -> Value {
    let group = |bulk_id: &str, other: &str| {
        json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
               "data": {"schemas": [GROUP], "displayName": bulk_id,
                        "members": [{"value": format!("bulkId:{other}")}]}})
    };
    json!({"schemas": [BULK], "Operations": [group("a", "b"), group("b", "a")]})
}

#[tokio::test]
async fn circular_references_are_409_for_each_operation_in_the_cycle() {
    let h = Harness::start().await;
    let request = circle_of_two_groups();
    let response = h.post("/Bulk", request).await.json();
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|op| op["status"] == "409"), "{response}");
    assert_eq!(h.get("/Groups").await.json()["totalResults"], 0);
    h.stop().await;
}

#[tokio::test]
async fn under_bulk_circle_created_twice_the_first_group_of_a_circle_is_created_twice() {
    let h = Harness::with_quirks(&[Quirk::BulkCircleCreatedTwice]).await;
    let request = circle_of_two_groups();
    let response = h.post("/Bulk", request).await.json();
    let ops = response["Operations"].as_array().unwrap();
    assert!(ops.iter().all(|op| op["status"] == "201"), "{response}");
    let id_of = |bulk_id: &str| {
        let op = ops.iter().find(|op| op["bulkId"] == bulk_id).unwrap();
        op["location"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (id_of("a"), id_of("b"));

    let named_a = h
        .get("/Groups?filter=displayName%20eq%20%22a%22")
        .await
        .json();
    assert_eq!(named_a["totalResults"], 2, "{named_a}");
    let first_a = named_a["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["id"] != a.as_str())
        .unwrap();
    assert_eq!(
        first_a["members"],
        Value::Null,
        "the first write has no member"
    );
    let reported_a = h.get(&format!("/Groups/{a}")).await.json();
    assert_eq!(reported_a["members"][0]["value"], b.as_str());
    let b_group = h.get(&format!("/Groups/{b}")).await.json();
    assert_eq!(
        b_group["members"][0]["value"], first_a["id"],
        "b's member is the group the BulkResponse does not name"
    );
    h.stop().await;
}
