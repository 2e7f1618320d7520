//! Lists and searches: filters (RFC 7644 §3.4.2.2), sorting (§3.4.2.3), paging (§3.4.2.4),
//! projection on reads and writes (§3.4.2.5, §3.9) and POST `.search` (§3.4.3).

use scimctl::serve::{Limits, ServeConfig};
use serde_json::json;

use super::common::{Harness, SEARCH, USER, ids_of, text};

async fn with_users(names: &[&str]) -> (Harness, Vec<String>) {
    with_users_and(ServeConfig::default(), names).await
}

async fn with_users_and(config: ServeConfig, names: &[&str]) -> (Harness, Vec<String>) {
    let h = Harness::with(config).await;
    let mut ids = Vec::new();
    for name in names {
        ids.push(text(&h.user(name).await, "id").to_string());
    }
    (h, ids)
}

fn filter(expression: &str) -> String {
    let encoded: String = expression
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/Users?filter={encoded}")
}

#[tokio::test]
async fn without_sort_lists_come_in_creation_order() {
    let (h, ids) = with_users(&["zed", "amy", "mo"]).await;
    assert_eq!(h.ids("/Users").await, ids);
    let list = h.get("/Users").await.json();
    assert_eq!(
        list["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(list["totalResults"], 3);
    assert_eq!(list["itemsPerPage"], 3);
    assert_eq!(list["startIndex"], 1);
    h.stop().await;
}

#[tokio::test]
async fn user_name_eq_is_exact_and_case_insensitive() {
    let (h, ids) = with_users(&["px", "px_1", "PX_2"]).await;
    assert_eq!(
        h.ids(&filter("userName eq \"px\"")).await,
        vec![ids[0].clone()]
    );
    assert_eq!(
        h.ids(&filter("USERNAME EQ \"PX\"")).await,
        vec![ids[0].clone()]
    );
    assert_eq!(
        h.ids(&filter("userName sw \"px_\"")).await,
        ids[1..].to_vec()
    );
    h.stop().await;
}

#[tokio::test]
async fn a_filter_without_match_is_an_empty_200() {
    let (h, _) = with_users(&["someone"]).await;
    let answer = h.get(&filter("userName eq \"00000000-no-one\"")).await;
    assert_eq!(answer.status, 200);
    let list = answer.json();
    assert_eq!(list["totalResults"], 0);
    assert_eq!(list["Resources"], json!([]));
    h.stop().await;
}

#[tokio::test]
async fn id_and_external_id_are_case_exact() {
    let h = Harness::start().await;
    let user = h
        .user_with(json!({"userName": "ext", "externalId": "abc"}))
        .await;
    let id = text(&user, "id").to_string();
    assert_eq!(
        h.ids(&filter("externalId eq \"abc\"")).await,
        vec![id.clone()]
    );
    assert!(h.ids(&filter("externalId eq \"ABC\"")).await.is_empty());
    assert_eq!(
        h.ids(&filter(&format!("id eq \"{id}\""))).await,
        vec![id.clone()]
    );
    let upper = id.to_uppercase();
    assert!(
        h.ids(&filter(&format!("id eq \"{upper}\"")))
            .await
            .is_empty()
    );
    h.stop().await;
}

#[tokio::test]
async fn logical_filters_combine_indexed_and_scanned_terms() {
    let h = Harness::start().await;
    let a = h
        .user_with(json!({"userName": "a", "title": "Boss", "active": true}))
        .await;
    let b = h
        .user_with(json!({"userName": "b", "title": "Boss", "active": false}))
        .await;
    let both = vec![text(&a, "id").to_string(), text(&b, "id").to_string()];
    assert_eq!(
        h.ids(&filter("title eq \"boss\" and active eq true")).await,
        both[..1]
    );
    assert_eq!(
        h.ids(&filter("userName eq \"a\" or userName eq \"b\""))
            .await,
        both
    );
    assert_eq!(
        h.ids(&filter("userName eq \"b\" and active eq true")).await,
        Vec::<String>::new()
    );
    assert_eq!(h.ids(&filter("not (userName eq \"a\")")).await, both[1..]);
    h.stop().await;
}

#[tokio::test]
async fn groups_filter_by_display_name_in_any_case() {
    let h = Harness::start().await;
    let group = h.group("Tour Guides", &[]).await;
    let answer = h
        .get("/Groups?filter=displayName%20eq%20%22tour%20guides%22")
        .await;
    assert_eq!(ids_of(&answer.json()), vec![text(&group, "id").to_string()]);
    h.stop().await;
}

#[tokio::test]
async fn sorting_follows_sort_by_and_sort_order() {
    let (h, ids) = with_users(&["bob", "Alice", "carl"]).await;
    let ascending = vec![ids[1].clone(), ids[0].clone(), ids[2].clone()];
    assert_eq!(h.ids("/Users?sortBy=userName").await, ascending);
    let mut descending = ascending.clone();
    descending.reverse();
    assert_eq!(
        h.ids("/Users?sortBy=userName&sortOrder=descending").await,
        descending
    );
    h.get("/Users?sortBy=userName&sortOrder=sideways")
        .await
        .assert_error(400, Some("invalidValue"));
    h.stop().await;
}

#[tokio::test]
async fn resources_without_the_sort_value_come_last_when_ascending() {
    let h = Harness::start().await;
    let none = h.user("no-title").await;
    let z = h
        .user_with(json!({"userName": "z", "title": "Zookeeper"}))
        .await;
    let a = h
        .user_with(json!({"userName": "a", "title": "Architect"}))
        .await;
    let order = [&a, &z, &none].map(|u| text(u, "id").to_string()).to_vec();
    assert_eq!(h.ids("/Users?sortBy=title").await, order);
    h.stop().await;
}

#[tokio::test]
async fn paging_counts_from_one_and_reports_what_it_returns() {
    let (h, ids) = with_users(&["u1", "u2", "u3", "u4", "u5"]).await;
    let page = h.get("/Users?startIndex=2&count=2").await.json();
    assert_eq!(ids_of(&page), ids[1..3]);
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(page["startIndex"], 2);
    let last = h.get("/Users?startIndex=5&count=2").await.json();
    assert_eq!(ids_of(&last), ids[4..]);
    assert_eq!(last["itemsPerPage"], 1);
    let past = h.get("/Users?startIndex=9").await.json();
    assert_eq!(past["Resources"], json!([]));
    assert_eq!(past["totalResults"], 5);
    h.stop().await;
}

#[tokio::test]
async fn out_of_range_paging_values_are_read_as_rfc_7644_3_4_2_4_says() {
    let (h, ids) = with_users(&["u1", "u2", "u3"]).await;
    let zero = h.get("/Users?startIndex=0&count=1").await.json();
    assert_eq!(ids_of(&zero), ids[..1], "startIndex < 1 is 1");
    assert_eq!(zero["startIndex"], 1);
    let negative = h.get("/Users?startIndex=-7").await.json();
    assert_eq!(ids_of(&negative), ids);
    let none = h.get("/Users?count=-1").await.json();
    assert_eq!(none["itemsPerPage"], 0, "count < 0 is 0");
    assert_eq!(none["totalResults"], 3);
    assert_eq!(h.get("/Users?count=0").await.json()["itemsPerPage"], 0);
    let huge = h
        .get("/Users?count=99999999999999999999&startIndex=99999999999999999999")
        .await;
    assert_eq!(huge.status, 200);
    h.stop().await;
}

#[tokio::test]
async fn count_is_capped_at_max_results_and_defaults_to_it() {
    let config = ServeConfig {
        limits: Limits {
            max_results: 2,
            ..Limits::default()
        },
        ..ServeConfig::default()
    };
    let (h, ids) = with_users_and(config, &["u1", "u2", "u3"]).await;
    assert_eq!(h.ids("/Users?count=50").await, ids[..2]);
    assert_eq!(h.ids("/Users").await, ids[..2]);
    let spc = h.get("/ServiceProviderConfig").await.json();
    assert_eq!(spc["filter"]["maxResults"], 2);
    h.stop().await;
}

#[tokio::test]
async fn non_numeric_paging_values_are_invalid() {
    let h = Harness::start().await;
    for query in ["count=ten", "startIndex=one", "count=", "count=1.5"] {
        h.get(&format!("/Users?{query}"))
            .await
            .assert_error(400, Some("invalidValue"));
    }
    h.stop().await;
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored() {
    let (h, ids) = with_users(&["u1"]).await;
    assert_eq!(h.ids("/Users?foo=bar&aadOptscim062020").await, ids);
    h.stop().await;
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_reads() {
    let h = Harness::start().await;
    let user = h
        .user_with(json!({"userName": "proj", "displayName": "P", "title": "T",
                          "name": {"givenName": "G", "familyName": "F"}}))
        .await;
    let path = format!("/Users/{}", text(&user, "id"));
    let only = h
        .get(&format!("{path}?attributes=userName,name.givenName"))
        .await
        .json();
    assert_eq!(only["id"], user["id"], "id is returned always");
    assert_eq!(only["userName"], "proj");
    assert_eq!(only["name"], json!({"givenName": "G"}));
    assert!(only.get("title").is_none() && only.get("displayName").is_none());
    let without = h
        .get(&format!("{path}?excludedAttributes=title,name"))
        .await
        .json();
    assert!(without.get("title").is_none() && without.get("name").is_none());
    assert_eq!(without["displayName"], "P");
    assert_eq!(without["id"], user["id"]);
    let list = h.get("/Users?attributes=displayName").await.json();
    assert_eq!(list["Resources"][0]["displayName"], "P");
    assert!(list["Resources"][0].get("userName").is_none());
    h.stop().await;
}

#[tokio::test]
async fn attributes_shape_write_responses_too() {
    let h = Harness::start().await;
    let answer = h
        .post(
            "/Users?attributes=userName",
            json!({"schemas": [USER], "userName": "w", "title": "T"}),
        )
        .await;
    assert_eq!(answer.status, 201);
    let created = answer.json();
    assert_eq!(created["userName"], "w");
    assert!(created.get("title").is_none());
    assert!(created.get("id").is_some());
    let path = format!("/Users/{}?excludedAttributes=title", text(&created, "id"));
    let patched = h
        .patch(
            &path,
            json!([{"op": "replace", "path": "title", "value": "New"}]),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert!(patched.json().get("title").is_none());
    h.stop().await;
}

#[tokio::test]
async fn groups_can_be_read_without_their_members() {
    let h = Harness::start().await;
    let user = h.user("m").await;
    let group = h.group("G", &[text(&user, "id")]).await;
    let path = format!("/Groups/{}?excludedAttributes=members", text(&group, "id"));
    let read = h.get(&path).await.json();
    assert!(read.get("members").is_none());
    assert_eq!(read["displayName"], "G");
    h.stop().await;
}

#[tokio::test]
async fn post_search_equals_get_and_the_root_search_spans_types() {
    let (h, ids) = with_users(&["s1", "s2", "s3"]).await;
    let group = h.group("s-group", &[]).await;
    let request = json!({"schemas": [SEARCH], "filter": "userName sw \"s\"",
                         "attributes": ["userName"], "startIndex": 2, "count": 1});
    let answer = h.post("/Users/.search", request.clone()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let list = answer.json();
    assert_eq!(ids_of(&list), ids[1..2]);
    assert_eq!(list["totalResults"], 3);
    assert!(list["Resources"][0].get("meta").is_none());
    let root = json!({"schemas": [SEARCH],
                      "filter": "userName eq \"s1\" or displayName eq \"s-group\""});
    let all = h.post("/.search", root).await.json();
    assert_eq!(
        ids_of(&all),
        vec![ids[0].clone(), text(&group, "id").to_string()]
    );
    h.stop().await;
}

#[tokio::test]
async fn search_bodies_are_checked() {
    let h = Harness::start().await;
    h.post("/Users/.search", json!({"count": "ten"}))
        .await
        .assert_error(400, Some("invalidValue"));
    h.post("/Users/.search", json!([1]))
        .await
        .assert_error(400, Some("invalidSyntax"));
    h.post("/Users/.search", json!({"filter": "userName eq"}))
        .await
        .assert_error(400, Some("invalidFilter"));
    h.get("/Users/.search").await.assert_error(405, None);
    h.stop().await;
}

#[tokio::test]
async fn multi_valued_sort_uses_the_primary_value() {
    let h = Harness::start().await;
    let b = h
        .user_with(json!({"userName": "b", "emails": [
            {"value": "a@z.example"}, {"value": "z@b.example", "primary": true}]}))
        .await;
    let a = h
        .user_with(json!({"userName": "a", "emails": [{"value": "m@m.example"}]}))
        .await;
    let ids: Vec<String> = [&a, &b].iter().map(|u| text(u, "id").to_string()).collect();
    assert_eq!(h.ids("/Users?sortBy=emails.value").await, ids);
    assert_eq!(h.ids("/Users?sortBy=emails").await, ids);
    h.stop().await;
}
